// Keyboard shortcuts as each OS writes them: ⌘ on a Mac where Windows and Linux use Ctrl. One place
// decides which key is "the" modifier, so the handlers and the labels cannot disagree.

/** True on macOS (the webview's platform string: "MacIntel" on every Mac, Apple silicon included). */
export function isMac(platform: string = typeof navigator === "undefined" ? "" : navigator.platform || navigator.userAgent): boolean {
  return /Mac/i.test(platform);
}

/** The command modifier of this OS is held (⌘ on a Mac, Ctrl elsewhere), and not the other one. */
export function commandKey(e: Pick<KeyboardEvent, "ctrlKey" | "metaKey">, mac: boolean = isMac()): boolean {
  return mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
}

/** "Mod+Shift+M" as this OS shows it: "⌘⇧M" on a Mac, "Ctrl+Shift+M" elsewhere. */
export function shortcutLabel(keys: string, mac: boolean = isMac()): string {
  const parts = keys.split("+");
  if (!mac) return parts.map((p) => (p === "Mod" ? "Ctrl" : p)).join("+");
  const symbols: Record<string, string> = { Mod: "⌘", Shift: "⇧", Alt: "⌥", Ctrl: "⌃" };
  return parts.map((p) => symbols[p] ?? p).join("");
}

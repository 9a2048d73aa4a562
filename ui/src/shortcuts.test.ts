import { describe, expect, it } from "vitest";

import { commandKey, isMac, shortcutLabel } from "./shortcuts";

describe("shortcuts", () => {
  it("are written with ⌘ on a Mac and Ctrl elsewhere", () => {
    expect(shortcutLabel("Mod+Shift+M", true)).toBe("⌘⇧M");
    expect(shortcutLabel("Mod+J", true)).toBe("⌘J");
    expect(shortcutLabel("Mod+Shift+M", false)).toBe("Ctrl+Shift+M");
    expect(isMac("MacIntel")).toBe(true);
    expect(isMac("Win32")).toBe(false);
    expect(isMac("Linux x86_64")).toBe(false);
  });

  it("answer to ⌘ on a Mac (where Ctrl moves the caret in text) and to Ctrl elsewhere", () => {
    expect(commandKey({ metaKey: true, ctrlKey: false }, true)).toBe(true);
    expect(commandKey({ metaKey: false, ctrlKey: true }, true)).toBe(false);
    expect(commandKey({ metaKey: false, ctrlKey: true }, false)).toBe(true);
    expect(commandKey({ metaKey: true, ctrlKey: false }, false)).toBe(false);
  });
});

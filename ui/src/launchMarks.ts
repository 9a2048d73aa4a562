// Marks on the page's timeline for the cold-start benchmark (`performance.getEntriesByType("mark")`):
// when the script ran, the window's first render was committed, the settings and the first snapshot
// arrived, and the first frame with the
// session list. They cost nothing to keep and say where a slow start spent its time.

export type LaunchMark = "script" | "mounted" | "settings" | "snapshot" | "sessions-painted";

export function markLaunch(name: LaunchMark) {
  if (typeof performance !== "undefined" && typeof performance.mark === "function") {
    performance.mark(`agentdesk:${name}`);
  }
}

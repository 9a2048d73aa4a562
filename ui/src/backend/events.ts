// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands

import type { DeskEvent } from "./bindings";

/** The one channel the window hears the workbench on. */
export const DESK_EVENT = "agentdesk://desk";

/** The kinds of event, each with its payload. */
export type DeskEventKind = DeskEvent["kind"];
export type DeskEventOf<K extends DeskEventKind> = Extract<DeskEvent, { kind: K }>;

/** A subscription: one handler per kind the subscriber cares about. */
export type DeskEventHandlers = { [K in DeskEventKind]?: (event: DeskEventOf<K>) => void };

/** Hands `event` to the handler of its kind, if the subscription has one. */
export function dispatchDeskEvent(event: DeskEvent, handlers: DeskEventHandlers): void {
  const handler = handlers[event.kind] as ((event: DeskEvent) => void) | undefined;
  handler?.(event);
}

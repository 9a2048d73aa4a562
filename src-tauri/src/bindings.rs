//! The window's TypeScript, generated from the Rust that crosses into it, never listed by hand:
//! `bindings.ts` holds every type a command takes or gives (found by walking, through each type's
//! fields, from the commands as `src/commands.rs` writes them), the tagged event the window hears,
//! and the limits both sides keep; `events.ts` holds the event's channel and subscription table.
//! The committed copies are checked by `tests/commands.rs`, which also writes them
//! (`UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands`).

use std::collections::BTreeMap;

use ts_rs::{Config, TypeVisitor, TS};

/// Declarations by TypeScript name, found from the roots.
struct Declarations {
    config: Config,
    found: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Built-in and standard types (strings, numbers, Vec, Option) have no declaration of their
        // own; what they hold may.
        if T::output_path().is_some() {
            let name = T::ident(&self.config);
            if self.found.contains_key(&name) {
                return;
            }
            self.found.insert(name, T::decl(&self.config));
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

const HEADER: &str =
    "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit.\n\
                      // Regenerate: UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands\n\n";

/// `ui/src/backend/bindings.ts`.
pub fn typescript_bindings() -> String {
    let mut declarations = Declarations {
        config: Config::default(),
        found: BTreeMap::new(),
    };
    crate::commands::visit_command_types(&mut declarations);
    declarations.visit::<agentdesk_api::DeskEvent>();
    declarations.visit::<agentdesk_domain::limits::Limits>();
    let mut out = String::from(HEADER);
    for declaration in declarations.found.values() {
        out.push_str("export ");
        out.push_str(declaration);
        out.push_str("\n\n");
    }
    let limits = serde_json::to_string_pretty(&agentdesk_domain::limits::Limits::SHARED)
        .expect("the limits are plain data");
    out.push_str(
        "/** The limits the core keeps, for the window to stop the agent before the core refuses. */\n",
    );
    out.push_str(&format!("export const LIMITS: Limits = {limits};\n"));
    out
}

/// `ui/src/backend/events.ts`.
pub fn typescript_events() -> String {
    format!(
        "{HEADER}import type {{ DeskEvent }} from \"./bindings\";\n\n\
         /** The one channel the window hears the workbench on. */\n\
         export const DESK_EVENT = \"{channel}\";\n\n\
         /** The kinds of event, each with its payload. */\n\
         export type DeskEventKind = DeskEvent[\"kind\"];\n\
         export type DeskEventOf<K extends DeskEventKind> = Extract<DeskEvent, {{ kind: K }}>;\n\n\
         /** A subscription: one handler per kind the subscriber cares about. */\n\
         export type DeskEventHandlers = {{ [K in DeskEventKind]?: (event: DeskEventOf<K>) => void }};\n\n\
         /** Hands `event` to the handler of its kind, if the subscription has one. */\n\
         export function dispatchDeskEvent(event: DeskEvent, handlers: DeskEventHandlers): void {{\n\
         \x20 const handler = handlers[event.kind] as ((event: DeskEvent) => void) | undefined;\n\
         \x20 handler?.(event);\n\
         }}\n",
        channel = crate::notifications::DESK_EVENT,
    )
}

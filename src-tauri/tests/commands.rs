//! The window's command client (`ui/src/backend/commands.ts`) is generated from `src/commands.rs`,
//! and its types and event table (`bindings.ts`, `events.ts`) from the Rust types those commands and
//! the event use; all are committed, and this fails when they drift. Regenerate with
//! `UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands`.

#[path = "../build/commands.rs"]
mod commands;

fn generated() -> String {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/commands.rs"))
        .expect("src/commands.rs");
    let commands = commands::read(&source).unwrap();
    commands::typescript_client(&commands).unwrap()
}

#[test]
fn the_committed_bindings_and_event_table_match_the_rust_types() {
    let backend = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend");
    agentdesk_testkit::assert_committed(
        &backend.join("bindings.ts"),
        &agentdesk::typescript_bindings(),
        "UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands",
    );
    agentdesk_testkit::assert_committed(
        &backend.join("events.ts"),
        &agentdesk::typescript_events(),
        "UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands",
    );
}

#[test]
fn the_committed_command_client_matches_the_commands() {
    agentdesk_testkit::assert_committed(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend/commands.ts"),
        &generated(),
        "UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands",
    );
}

#[test]
fn commands_are_read_with_their_arguments_and_results() {
    let commands = commands::read(
        r#"
        /// Says hello.
        #[tauri::command]
        pub async fn greet(state: Shell<'_>, app: tauri::AppHandle, customer_name: String, times: Option<u32>) -> Result<Vec<Message>, ApiError> { todo!() }
        #[tauri::command]
        pub fn quiet(count: u32) {}
        pub fn not_a_command() {}
        "#,
    )
    .unwrap();
    assert_eq!(commands.len(), 2);
    let client = commands::typescript_client(&commands).unwrap();
    assert!(client.contains("  /** Says hello. */\n  greet(customerName: string, times: number | null): Promise<Message[]>;"), "{client}");
    assert!(
        client.contains("  quiet(count: number): Promise<void>;"),
        "{client}"
    );
    assert!(
        client.contains(r#"greet: { command: "greet", args: ["customerName", "times"] },"#),
        "{client}"
    );
    assert!(
        client.contains("import type { Message } from \"./bindings\";"),
        "{client}"
    );
}

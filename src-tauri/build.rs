//! Generates, from the commands written once in `src/commands.rs` (see `build/commands.rs`): the
//! invoke handler (`$OUT_DIR/handlers.rs`), one permission per command (`allow-<command>`), and the
//! window's capability, which grants exactly the app's own commands and event listening, nothing
//! else; then the Tauri context.

#[path = "build/commands.rs"]
mod commands;

use std::path::Path;

/// What the window may do besides the app's commands: listen to its events.
const CORE_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

fn main() {
    println!("cargo:rerun-if-changed=src/commands.rs");
    println!("cargo:rerun-if-changed=build/commands.rs");
    let source = std::fs::read_to_string("src/commands.rs")
        .unwrap_or_else(|e| panic!("cannot read src/commands.rs: {e}"));
    let commands = commands::read(&source).unwrap_or_else(|e| panic!("{e}"));
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);

    let handlers: Vec<String> = commands
        .iter()
        .map(|c| format!("commands::{}", c.name))
        .collect();
    write(
        &out.join("handlers.rs"),
        &format!("tauri::generate_handler![{}]\n", handlers.join(", ")),
    );
    write(
        &out.join("command_types.rs"),
        &commands::type_visits(&commands),
    );

    let mut permissions: Vec<String> = CORE_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    permissions.extend(
        commands
            .iter()
            .map(|c| format!("allow-{}", c.name.replace('_', "-"))),
    );
    let capability = serde_json::json!({
        "identifier": "main",
        "description": "The workbench window: the app's own commands and event listening, nothing else (no file system, shell, HTTP or window APIs).",
        "windows": ["main"],
        "permissions": permissions,
    });
    let capabilities = out.join("capabilities");
    std::fs::create_dir_all(&capabilities).expect("OUT_DIR is writable");
    write(
        &capabilities.join("main.json"),
        &serde_json::to_string_pretty(&capability).expect("a capability is JSON"),
    );

    // tauri-build keeps both for the whole build.
    let names: &'static [&'static str] = Box::leak(
        commands
            .iter()
            .map(|c| &*Box::leak(c.name.clone().into_boxed_str()))
            .collect::<Vec<&'static str>>()
            .into_boxed_slice(),
    );
    let pattern: &'static str =
        Box::leak(format!("{}/*.json", capabilities.display()).into_boxed_str());
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(names))
        .capabilities_path_pattern(pattern);
    if let Err(error) = tauri_build::try_build(attributes) {
        // build.rs has no better channel than a panic; the message says what failed.
        panic!("tauri-build failed: {error:#}");
    }
}

fn write(path: &Path, text: &str) {
    // Unchanged files are left alone, so nothing downstream rebuilds for nothing.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

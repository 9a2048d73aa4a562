//! An empty Tauri 2 window: what every Tauri app costs before it does anything, so BENCHMARKS.md
//! can say what AgentDesk adds on top.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("the bare window could not start: {error}");
        std::process::exit(1);
    }
}

//! Generates the bare app's Tauri context.
fn main() {
    tauri_build::build();
}

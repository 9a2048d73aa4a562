//! The UI's TypeScript types are generated from Rust and committed; this fails when they drift.

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    agentdesk_testkit::assert_committed(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/backend/bindings.ts"),
        &agentdesk_api::typescript_bindings(),
        "UPDATE_BINDINGS=1 cargo test -p agentdesk-api --test bindings",
    );
}

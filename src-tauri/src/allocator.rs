//! How the window's process allocates on Linux with glibc: at most two malloc arenas instead of up
//! to eight per core. glibc gives a thread that finds the arena it wants busy an arena of its own,
//! and every arena keeps what was freed into it; under a steady stream of messages the engine's
//! threads (the async workers, the database's writer and readers, the encoder) each grew one and
//! the process held about 30 MiB more than with two (BENCHMARKS.md, "Memory and cold start of the
//! installed release").
//! The tools that share the program (`agentdesk-cli`, `agentdesk-sandbox`) keep glibc's default.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_arenas() {
    #[allow(unsafe_code)]
    // SAFETY: `mallopt` sets one of malloc's tunables and touches no memory of ours; it runs first
    // in `run`, before the window's threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_arenas() {}

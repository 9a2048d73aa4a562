//! How the window's process allocates on Linux with glibc: at most two malloc arenas instead of up
//! to eight per core. glibc gives a thread that finds the arena it wants busy an arena of its own,
//! and every arena keeps what was freed into it; under a steady stream of messages the engine's
//! threads (the async workers, the database's writer and readers, the encoder) each grew one and
//! the process held about 30 MiB more than with two (BENCHMARKS.md, "Memory and cold start of the
//! installed release").
//! It also gives freed memory back to the system every half minute: glibc returns only the free
//! space at the top of a heap by itself, and the window's one-off peaks (the sentence encoder
//! loading, the knowledge index being built) leave free holes below memory still in use
//! (BENCHMARKS.md, "The window's memory with a smaller word list").
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

/// How often freed memory is handed back: often enough that a peak's holes go within a minute of
/// it, rarely enough that the walk over malloc's free lists (under its locks) is not felt.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts a thread that hands the pages of freed memory back to the system every `TRIM_EVERY`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn return_freed_memory() {
    let started = std::thread::Builder::new()
        .name("return-freed-memory".into())
        .spawn(|| loop {
            std::thread::sleep(TRIM_EVERY);
            #[allow(unsafe_code)]
            // SAFETY: `malloc_trim` only releases pages malloc holds free; it takes malloc's own
            // locks and touches none of our memory.
            unsafe {
                libc::malloc_trim(0);
            }
        });
    if let Err(error) = started {
        tracing::debug!(%error, "freed memory stays with the allocator");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_freed_memory() {}

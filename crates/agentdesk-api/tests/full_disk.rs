//! A full disk and a read-only data directory under a running workbench, for real: the data
//! directory on a small tmpfs, filled up (then remounted read-only) while customers write. The workbench keeps showing what it has, says why nothing new is saved,
//! corrupts nothing, and catches up from the platform once there is space again.
//!
//! Mounting needs root or CAP_SYS_ADMIN (CI's container has it); where the mount is refused the test
//! says so and does nothing else.

use agentdesk_testkit::eventually;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common;

/// A 4 MB tmpfs, unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(name: &str) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!(
            "agentdesk-small-disk-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(&dir)
            .output()
            .ok()?;
        if !mounted.status.success() {
            eprintln!(
                "not run: cannot mount a tmpfs here ({}); run as root to test a full disk",
                String::from_utf8_lossy(&mounted.stderr).trim()
            );
            return None;
        }
        Some(SmallDisk(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// `ro` or `rw`.
    fn remount(&self, mode: &str) {
        let done = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(done.success(), "remount {mode}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fills the disk with one file until it refuses more bytes.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while file.write_all(&chunk).is_ok() {}
    let small = vec![0u8; 512];
    while file.write_all(&small).is_ok() {}
    let _ = file.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_keeps_the_workbench_showing_what_it_has() {
    let Some(disk) = SmallDisk::mount("full") else {
        return;
    };
    let data = disk.path().join("data");
    let workbench = common::demo_workbench_in(&data).await;
    let sandbox = workbench.sandbox_url().to_string();
    let visitor = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "钱多多", "text": "saved before the disk filled"}),
    )
    .await;
    let cid = visitor["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &cid).await;
    eventually("the first message stored", || async {
        workbench
            .conversations()
            .messages(&cid, 100)
            .await
            .unwrap()
            .len()
            == 1
    })
    .await;

    assert_eq!(workbench.snapshot().await.unwrap().storage_problem, None);
    let mut events = workbench.engine().subscribe();

    // The disk fills up; the customer keeps writing, long messages.
    let filler = fill(disk.path());
    for n in 0..20 {
        agentdesk_testkit::post_json(
            &format!("{sandbox}/__sandbox/visitors/{cid}/messages"),
            json!({"text": format!("{n} {}", "满".repeat(20_000))}),
        )
        .await;
    }
    eventually("the engine meets the full disk", || async {
        workbench.engine().stats().commit_failures > 0
    })
    .await;
    // The window is told why nothing new is saved (once, not per failed batch).
    let problem = workbench.snapshot().await.unwrap().storage_problem;
    assert!(
        problem.as_deref().is_some_and(|p| p.contains("full")),
        "{problem:?}"
    );
    // Still showing what it has.
    let shown = workbench.conversations().messages(&cid, 100).await.unwrap();
    assert_eq!(shown[0].content, "saved before the disk filled");
    assert!(workbench
        .snapshot()
        .await
        .unwrap()
        .sessions
        .iter()
        .any(|s| s.session.id == cid));

    // Space again: what the customer wrote arrives from the platform, nothing twice.
    std::fs::remove_file(filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while workbench
        .conversations()
        .messages(&cid, 100)
        .await
        .map(|m| m.len())
        .unwrap_or(0)
        != 21
    {
        if Instant::now() > deadline {
            panic!(
                "not caught up after space returned: {:?} messages, {:?}, stats {:?}",
                workbench
                    .conversations()
                    .messages(&cid, 100)
                    .await
                    .map(|m| m.len()),
                workbench.snapshot().await.map(|s| s.connection),
                workbench.engine().stats()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And told when saving works again.
    assert_eq!(workbench.snapshot().await.unwrap().storage_problem, None);
    let mut changes = Vec::new();
    loop {
        use tokio::sync::broadcast::error::TryRecvError;
        match events.try_recv() {
            Ok(agentdesk_domain::DomainEvent::StorageChanged { problem }) => {
                changes.push(problem.is_some())
            }
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(_) => break,
        }
    }
    assert_eq!(changes, [true, false], "storage events: {changes:?}");
    let texts: Vec<String> = workbench
        .conversations()
        .messages(&cid, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content.chars().take(3).collect())
        .collect();
    let mut unique = texts.clone();
    unique.dedup();
    assert_eq!(unique.len(), texts.len(), "a message stored twice");

    let database = workbench.database();
    workbench.shutdown().await;
    database
        .open_read_only()
        .unwrap()
        .integrity_check()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_data_directory_is_refused_in_words_and_left_as_it_was() {
    let Some(disk) = SmallDisk::mount("read-only") else {
        return;
    };
    let data = disk.path().join("data");
    let workbench = common::demo_workbench_in(&data).await;
    let database = workbench.database_path();
    workbench.shutdown().await;
    let before = std::fs::read(&database).unwrap();
    disk.remount("ro");
    let error = match agentdesk_api::Workbench::start_demo(
        data.clone(),
        common::demo_options(agentdesk_sandbox::SandboxConfig::default()),
    )
    .await
    {
        Ok(_) => panic!("a read-only data directory must not start silently"),
        Err(error) => error,
    };
    assert_eq!(error.code, agentdesk_api::ErrorCode::Storage, "{error:?}");
    assert!(
        error.message.contains("read-only") || error.message.contains("Read-only"),
        "{error:?}"
    );
    assert!(
        error.message.contains("permissions") || error.message.contains("writable"),
        "{error:?}"
    );
    disk.remount("rw");
    assert_eq!(
        std::fs::read(&database).unwrap(),
        before,
        "the database was changed"
    );
}

//! The tickets' exactly-once proof: 200 tickets created through `agentdesk-cli ticket create` (the
//! app's exactly-once path) in Sobot, Zendesk and Qiyu on the sandbox, while the systems lose half
//! of the create answers (some after storing the ticket, some before) and a running CLI process is
//! SIGKILLed every 2 seconds. Each ticket's command is run again until it answers, as a script or
//! the app after a restart would. At the end every ticket exists exactly once, with its attachment.

use crate::common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentdesk_sandbox::faults::Faults;
use common::Cli;
use serde_json::Value;

const TICKETS: usize = 200;
const WORKERS: usize = 4;
const KILL_EVERY: Duration = Duration::from_secs(2);

/// Runs one ticket's command until it answers 0; `running` holds the live process ids for the killer.
fn create_until_done(
    cli: &Cli,
    args: &[String],
    secret: &str,
    running: &Mutex<HashSet<u32>>,
) -> (Value, u32) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 100, "ticket {args:?} never created");
        let mut child = cli
            .command(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        running.lock().unwrap().insert(pid);
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(secret.as_bytes());
        }
        let output = child.wait_with_output().unwrap();
        running.lock().unwrap().remove(&pid);
        if output.status.success() {
            let line = String::from_utf8_lossy(&output.stdout).to_string();
            return (serde_json::from_str(line.trim()).unwrap(), runs);
        }
        // Exit 2 (the answer was lost, or the lookup could not say yet) or killed: run it again.
        assert_ne!(
            output.status.code(),
            Some(1),
            "bad input: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_tickets_through_lost_answers_and_sigkill_exist_exactly_once() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let logins = info.tickets.clone();
    let sobot = agentdesk_tickets::SobotTickets::new(
        agentdesk_testkit::http(Duration::from_secs(10)),
        agentdesk_tickets::SobotSettings {
            base_url: info.base_url.clone(),
            appid: info.appid.clone(),
            app_key: agentdesk_domain::Secret::new(info.app_key.clone()),
            company_id: info.tenants[0].company_id.clone(),
            agent_id: String::new(),
            agent_name: String::new(),
        },
    );
    let agent = sobot.dictionary().await.unwrap().agents[0].clone();
    sandbox
        .set_faults(Faults {
            error_rate: 0.5,
            error_status: Some(502),
            only_paths: vec![
                "/save_agent_ticket".into(),
                "/api/v2/tickets".into(),
                "/v2/ticket/create".into(),
            ],
            ..Faults::default()
        })
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cli = Arc::new(Cli::new("ticket"));
    let jobs: Vec<(String, Vec<String>, String)> = (0..TICKETS)
        .map(|n| {
            let title = format!("soak #{n}");
            let content = dir.path().join(format!("content-{n}.txt"));
            std::fs::write(&content, format!("第 {n} 张工单：客户要求退款。")).unwrap();
            let attachment = dir.path().join(format!("photo-{n}.jpg"));
            std::fs::write(&attachment, format!("jpeg {n}")).unwrap();
            let path = |p: &std::path::Path| p.to_string_lossy().to_string();
            let mut args: Vec<String> = vec!["create".into()];
            let secret = match n % 3 {
                0 => {
                    args.extend(
                        [
                            "--system",
                            "sobot",
                            "--base-url",
                            &info.base_url,
                            "--appid",
                            &info.appid,
                            "--company-id",
                            &info.tenants[0].company_id,
                            "--agent-id",
                            &agent.value,
                            "--agent-name",
                            &agent.name,
                            "--type-id",
                            "T110",
                            "--field",
                            "F1=8812",
                            "--field",
                            "F2=1",
                        ]
                        .map(String::from),
                    );
                    info.app_key.clone()
                }
                1 => {
                    args.extend(
                        [
                            "--system",
                            "zendesk",
                            "--base-url",
                            &logins.zendesk_base_url,
                            "--user",
                            &logins.zendesk_email,
                        ]
                        .map(String::from),
                    );
                    logins.zendesk_api_token.clone()
                }
                _ => {
                    args.extend(
                        [
                            "--system",
                            "qiyu",
                            "--base-url",
                            &logins.qiyu_base_url,
                            "--app-key",
                            &logins.qiyu_app_key,
                            "--staff-id",
                            &logins.qiyu_staff_id,
                        ]
                        .map(String::from),
                    );
                    logins.qiyu_app_secret.clone()
                }
            };
            args.extend([
                "--title".to_string(),
                title.clone(),
                "--content-file".into(),
                path(&content),
                "--uid".into(),
                format!("soak-{}", n % 7),
                "--attach".into(),
                path(&attachment),
            ]);
            (title, args, format!("{secret}\n"))
        })
        .collect();

    let running = Arc::new(Mutex::new(HashSet::<u32>::new()));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let (running, done) = (running.clone(), done.clone());
        std::thread::spawn(move || {
            let mut kills = 0;
            let mut next = Instant::now() + KILL_EVERY;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if Instant::now() >= next {
                    let victim = running.lock().unwrap().iter().next().copied();
                    if let Some(pid) = victim {
                        let killed = std::process::Command::new("kill")
                            .args(["-KILL", &pid.to_string()])
                            .status();
                        kills += usize::from(killed.is_ok_and(|s| s.success()));
                    }
                    next += KILL_EVERY;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            kills
        })
    };
    let queue = Arc::new(Mutex::new(jobs));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, running, cli) = (queue.clone(), running.clone(), cli.clone());
            std::thread::spawn(move || {
                let mut created = Vec::new();
                loop {
                    let Some((title, args, secret)) = queue.lock().unwrap().pop() else {
                        return created;
                    };
                    let (ticket, runs) = create_until_done(&cli, &args, &secret, &running);
                    created.push((title, ticket, runs));
                }
            })
        })
        .collect();
    let created: Vec<(String, Value, u32)> = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
    .await
    .unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let kills = killer.join().unwrap();

    let held = agentdesk_testkit::Controls::new(&info.base_url)
        .tickets()
        .await;
    assert_eq!(created.len(), TICKETS);
    for (title, ticket, _) in &created {
        let copies: Vec<&Value> = held
            .iter()
            .filter(|t| t["title"] == title.as_str())
            .collect();
        assert_eq!(copies.len(), 1, "{title}: {copies:?}");
        assert_eq!(
            copies[0]["id"], ticket["id"],
            "{title}: the command printed the ticket that exists"
        );
        let n = title.trim_start_matches("soak #");
        assert_eq!(
            copies[0]["attachments"],
            serde_json::json!([format!("photo-{n}.jpg")]),
            "{title}"
        );
    }
    assert_eq!(held.len(), TICKETS, "no ticket beyond the 200");
    let reruns: u32 = created.iter().map(|(_, _, runs)| runs - 1).sum();
    println!("tickets {TICKETS}, command runs again {reruns}, processes killed {kills}");
    assert!(reruns > 0, "the faults made some commands run again");
    assert!(kills > 0, "some commands were killed mid-way");
    sandbox.shutdown().await;
}

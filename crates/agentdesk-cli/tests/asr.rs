//! `agentdesk-cli asr` as a script uses it, against the sandbox's speech service: the AccessKey on
//! stdin, the transcript as JSON, and the documented exit codes for audio over 60 s and a wrong
//! secret.

use crate::common;

use common::{json_line, text, Cli};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_file_is_read_as_text_from_the_command_line() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let login = sandbox.info().speech.clone();
    let controls = agentdesk_testkit::Controls::new(sandbox.base_url());
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, made: Value| {
        let path = dir.path().join(name);
        let url = made["file_url"].as_str().unwrap().to_string();
        (path, url)
    };
    let (short, short_url) = file(
        "short.wav",
        controls
            .post(
                "/asr/audio",
                json!({"text": "请问发货了吗", "seconds": 2.0}),
            )
            .await,
    );
    let (long, long_url) = file(
        "long.wav",
        controls
            .post("/asr/audio", json!({"text": "长", "seconds": 61.0}))
            .await,
    );
    for (path, url) in [(&short, short_url), (&long, long_url)] {
        let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let cli = Cli::new("asr");
    let run = |path: &std::path::Path, stdin: &str| {
        cli.run(
            &[
                "--base-url",
                &login.recognition_url,
                "--token-url",
                &login.token_url,
                "--appkey",
                &login.appkey,
                path.to_str().unwrap(),
            ],
            stdin,
        )
    };
    let keys = format!("{}\n{}\n", login.access_key_id, login.access_key_secret);
    let output = run(&short, &keys);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(
        json_line(&output),
        json!({"text": "请问发货了吗", "duration_ms": 2000})
    );

    let output = run(&long, &keys);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert_eq!(json_line(&output)["code"], "too_long");

    let output = run(&short, &format!("{}\nwrong\n", login.access_key_id));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(json_line(&output)["code"], "SignatureDoesNotMatch");

    let output = run(&dir.path().join("missing.wav"), &keys);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let output = run(&short, "only-an-id\n");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    sandbox.shutdown().await;
}

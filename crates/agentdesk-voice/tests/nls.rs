//! The NLS client against the sandbox's speech service over loopback: a voice message recognised,
//! its token fetched once and renewed once when refused; a wrong AccessKey secret, an unknown
//! appkey, audio over 60 s and a format NLS does not take, each said in words, the last two before
//! anything is sent.

use std::time::Duration;

use agentdesk_domain::Secret;
use agentdesk_sandbox::SpeechLogin;
use agentdesk_testkit::Controls;
use agentdesk_voice::*;
use serde_json::json;

fn nls(login: &SpeechLogin, secret: &str, appkey: &str) -> Nls {
    Nls::new(
        agentdesk_testkit::http(Duration::from_secs(10)),
        NlsSettings {
            recognition_url: login.recognition_url.clone(),
            token_url: login.token_url.clone(),
            appkey: appkey.into(),
            access_key_id: login.access_key_id.clone(),
            access_key_secret: Secret::new(secret),
            region: "cn-shanghai".into(),
        },
    )
    .unwrap()
}

async fn speech(controls: &Controls, text: &str, seconds: Option<f64>) -> Vec<u8> {
    let made = controls
        .post("/asr/audio", json!({"text": text, "seconds": seconds}))
        .await;
    reqwest::get(made["file_url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn a_voice_message_is_read_with_one_token_renewed_once_when_refused() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let login = sandbox.info().speech.clone();
    let controls = Controls::new(sandbox.base_url());
    let client = nls(&login, &login.access_key_secret, &login.appkey);
    let audio = speech(&controls, "我的耳机退款多久到账？", None).await;
    let transcript = client.transcribe(&audio).await.unwrap();
    assert_eq!(transcript.text, "我的耳机退款多久到账？");
    assert_eq!(transcript.duration_ms, 2750);
    let again = speech(&controls, "快递到哪了", Some(4.0)).await;
    assert_eq!(client.transcribe(&again).await.unwrap().text, "快递到哪了");
    assert_eq!(
        controls.get("/asr").await["token_requests"],
        1,
        "one token for both"
    );

    controls.post("/asr/expire-tokens", json!({})).await;
    assert_eq!(
        client.transcribe(&audio).await.unwrap().text,
        "我的耳机退款多久到账？"
    );
    let counts = controls.get("/asr").await;
    assert_eq!(counts["token_requests"], 2, "renewed once: {counts}");
    assert_eq!(counts["recognitions"], 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn what_cannot_be_recognised_is_said_in_words() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let login = sandbox.info().speech.clone();
    let controls = Controls::new(sandbox.base_url());
    let audio = speech(&controls, "在吗", None).await;

    let error = nls(&login, "not-the-secret", &login.appkey)
        .transcribe(&audio)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "SignatureDoesNotMatch");
    assert!(error.to_string().contains("does not belong"), "{error}");

    let error = nls(&login, &login.access_key_secret, "no-such-appkey")
        .transcribe(&audio)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "40020105");
    assert!(error.to_string().contains("appkey"), "{error}");

    let client = nls(&login, &login.access_key_secret, &login.appkey);
    let long = speech(&controls, "一段很长的语音", Some(75.0)).await;
    let error = client.transcribe(&long).await.unwrap_err();
    assert_eq!(error.code(), "too_long");
    assert!(error.to_string().contains("60 s"), "{error}");
    let error = client
        .transcribe(b"#!SILK_V3\x0c\x00abc")
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unsupported_format");
    assert_eq!(
        controls.get("/asr").await["recognitions"],
        0,
        "nothing was sent for audio NLS cannot take"
    );

    // Sound the service cannot make out: an empty transcript, not an error.
    let samples: Vec<i16> = (0..32000).map(|i| ((i % 50) * 100) as i16).collect();
    let unknown = audio::pcm16_wav(&samples, 16000);
    assert_eq!(client.transcribe(&unknown).await.unwrap().text, "");
    sandbox.shutdown().await;
}

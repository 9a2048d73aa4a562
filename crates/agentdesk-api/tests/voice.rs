//! Voice messages read as text against the sandbox's platform and speech service: a customer's
//! voice message (Sobot's `msgType` 2, `{duration, url}`) is fetched, read and its transcript kept
//! with the message (encrypted, there after a restart) and announced; the knowledge suggestions and
//! the assistant's conversation read it as if typed; a message over 60 s says so and stays audio;
//! the audio plays from the app as a `data:` URL.

use std::time::Duration;

use agentdesk_api::{DeskEvent, Workbench};
use agentdesk_domain::{DomainEvent, MessageKind, Transcript, TranscriptProblem};
use agentdesk_testkit::Controls;

use crate::common;

/// Waits (at most 20 s) for the transcript of the session's next voice message.
async fn transcript_of(
    events: &mut agentdesk_api::Subscription,
    cid: &str,
) -> (String, Transcript) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no transcript in {cid}"))
            .expect("the bus is open");
        if let DeskEvent::Domain {
            event:
                DomainEvent::MessageTranscribed {
                    session_id,
                    msg_id,
                    transcript,
                },
            ..
        } = event
        {
            if session_id == cid {
                return (msg_id, transcript);
            }
        }
    }
}

async fn voice_messages(workbench: &Workbench, cid: &str) -> Vec<agentdesk_domain::Message> {
    workbench
        .conversations()
        .messages(cid, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == MessageKind::Voice)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_message_is_read_kept_and_counts_as_the_customer_s_words() {
    let dir = tempfile::tempdir().unwrap();
    let workbench = common::demo_workbench_in(dir.path()).await;
    let controls = Controls::new(workbench.sandbox_url());
    let cid = controls.visitor("王芳", "你好", None).await;
    common::wait_for_session(&workbench, &cid).await;
    assert!(workbench.voice().reads_voice());

    let mut events = workbench.subscribe();
    let words = "我买的耳机退款什么时候能到账";
    let url = controls.say_by_voice(&cid, words, None).await;
    let (msg_id, transcript) = transcript_of(&mut events, &cid).await;
    assert_eq!(
        transcript,
        Transcript {
            text: words.into(),
            problem: None
        }
    );
    let voice = voice_messages(&workbench, &cid).await;
    assert_eq!(voice.len(), 1);
    assert_eq!(voice[0].msg_id.as_deref(), Some(msg_id.as_str()));
    assert_eq!(voice[0].content, url);
    assert_eq!(voice[0].said(), Some(words));

    // The knowledge suggestions read the spoken question as if typed.
    let suggestions = workbench
        .knowledge()
        .knowledge_suggestions(&cid, None)
        .await
        .unwrap();
    assert_eq!(
        suggestions.first().map(|s| s.title.as_str()),
        Some("耳机退款多久到账？"),
        "{suggestions:?}"
    );

    // The audio plays from the app (its type read from its bytes).
    let audio = workbench.voice().audio(&url).await.unwrap();
    assert!(
        audio.starts_with("data:audio/wav;base64,UklGR"),
        "{}",
        &audio[..40]
    );

    assert_eq!(controls.get("/asr").await["recognitions"].as_u64(), Some(1));

    // Over the recognition's 60 s: said, the audio still there.
    controls
        .say_by_voice(&cid, "这段语音太长了", Some(61.0))
        .await;
    let (_, long) = transcript_of(&mut events, &cid).await;
    assert_eq!(long.problem, Some(TranscriptProblem::TooLong));
    assert!(long.text.is_empty());

    // Kept with the messages, and not read again after a restart.
    workbench.shutdown().await;
    let workbench = common::demo_workbench_in(dir.path()).await;
    let kept: Vec<Option<Transcript>> = voice_messages(&workbench, &cid)
        .await
        .into_iter()
        .map(|m| m.transcript)
        .collect();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].as_ref().map(|t| t.text.as_str()), Some(words));
    assert_eq!(
        kept[1].as_ref().and_then(|t| t.problem),
        Some(TranscriptProblem::TooLong)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let recognitions =
        Controls::new(workbench.sandbox_url()).get("/asr").await["recognitions"].as_u64();
    assert_eq!(recognitions, Some(0), "not read again after the restart");
    workbench.shutdown().await;
}

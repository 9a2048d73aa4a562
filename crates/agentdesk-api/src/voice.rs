//! Voice messages read as text, the service of one workspace: every voice message a customer sends
//! (as it arrives, and those a catch-up brought while the desk was away) is fetched from the
//! platform, read by the merchant's speech service (Aliyun NLS one-sentence recognition, its token
//! cached) and its transcript kept with the message in the tenant's encrypted database; the engine's
//! event stream then tells the window, the mood judge and the knowledge suggestions, which read it
//! as if typed. What cannot be read (over 60 s, a format the service does not take, a failed call)
//! is kept as the reason, said in words by the window; the audio stays playable either way.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use agentdesk_domain::{
    Direction, DomainEvent, Message, MessageKind, Transcript, TranscriptProblem,
};
use agentdesk_store::Write;
use agentdesk_voice::{AudioError, Nls, VoiceError};
use agentdesk_workspace::Workspace;
use tokio::sync::broadcast;
use tokio_util::task::TaskTracker;

use crate::images::PlatformImages;
use crate::{ApiError, ErrorCode};

/// An account's speech service (Aliyun NLS), as saved; its AccessKey secret is in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct SpeechSettings {
    /// The NLS project's Appkey (项目Appkey: names the project, not a secret; called so here because
    /// IT's provisioning file refuses any field named like a key).
    pub project_appkey: String,
    pub access_key_id: String,
    /// `cn-shanghai` unless the project is elsewhere (it names both addresses).
    #[serde(default = "shanghai")]
    pub region: String,
    /// Other addresses than the region's (a private deployment, the sandbox): the recognition
    /// gateway and the token service.
    #[serde(default)]
    pub recognition_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
}

fn shanghai() -> String {
    "cn-shanghai".into()
}

impl SpeechSettings {
    pub fn validate(&self) -> Result<(), ApiError> {
        let missing = |what: &str| {
            Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("the speech service needs its {what}"),
            ))
        };
        if self.project_appkey.trim().is_empty() {
            return missing("project's appkey");
        }
        if self.access_key_id.trim().is_empty() {
            return missing("AccessKey id");
        }
        if !self
            .region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || self.region.is_empty()
        {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{:?} is not an Aliyun region (e.g. cn-shanghai)",
                    self.region
                ),
            ));
        }
        for url in [&self.recognition_url, &self.token_url]
            .into_iter()
            .flatten()
        {
            let parsed = url::Url::parse(url.trim()).ok();
            if !url.trim().is_empty()
                && !parsed.is_some_and(|u| matches!(u.scheme(), "http" | "https"))
            {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("the speech service's address {url:?} is not an http(s) address"),
                ));
            }
        }
        Ok(())
    }

    /// The client's settings with the secret from the keychain (business-actions.md §3: the
    /// regional gateway and token addresses).
    pub(crate) async fn load(
        &self,
        account: &str,
        keychain: &agentdesk_secrets::Keychain,
    ) -> Option<agentdesk_voice::NlsSettings> {
        let secret = keychain
            .load(&agentdesk_secrets::SecretName::SpeechSecret {
                account: account.to_string(),
            })
            .await;
        let Ok(Some(secret)) = secret else {
            tracing::warn!("the speech service's AccessKey secret is not in the keychain: voice messages stay audio only until IT places it (agentdesk-cli account speech-secret)");
            return None;
        };
        let region = self.region.trim();
        let chosen = |own: &Option<String>, default: String| {
            own.as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .unwrap_or(default)
        };
        Some(agentdesk_voice::NlsSettings {
            recognition_url: chosen(
                &self.recognition_url,
                format!("https://nls-gateway-{region}.aliyuncs.com/stream/v1/asr"),
            ),
            token_url: chosen(
                &self.token_url,
                format!("https://nls-meta.{region}.aliyuncs.com/"),
            ),
            appkey: self.project_appkey.trim().to_string(),
            access_key_id: self.access_key_id.trim().to_string(),
            access_key_secret: secret,
            region: region.to_string(),
        })
    }
}

/// Unread voice messages taken up at start (older ones stay audio; the agent can ask again).
const UNREAD_AT_START: usize = 500;

/// Voice messages read at once (each call is a few seconds of audio; more would only queue at
/// the speech service).
const AT_ONCE: usize = 2;

pub struct VoiceReader {
    workspace: Arc<Workspace>,
    /// The merchant's speech service; none: voice messages stay audio only.
    nls: Option<Arc<Nls>>,
    media: Arc<PlatformImages>,
    /// Messages being read now, so an event and a catch-up do not read one twice.
    reading: Mutex<HashSet<String>>,
    permits: Arc<tokio::sync::Semaphore>,
    tasks: TaskTracker,
}

impl VoiceReader {
    /// Starts reading the workspace's voice messages (none when the merchant has no speech service).
    pub(crate) fn start(
        workspace: Arc<Workspace>,
        nls: Option<Arc<Nls>>,
        media: Arc<PlatformImages>,
    ) -> Arc<VoiceReader> {
        let reader = Arc::new(VoiceReader {
            workspace,
            nls,
            media,
            reading: Mutex::new(HashSet::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(AT_ONCE)),
            tasks: TaskTracker::new(),
        });
        if reader.nls.is_some() {
            let events = reader.workspace.engine().subscribe();
            let listener = reader.clone();
            let closed = reader.workspace.closed().clone();
            reader.tasks.spawn(async move {
                tokio::select! {
                    _ = listener.listen(events) => {}
                    _ = closed.cancelled() => {}
                }
            });
        }
        reader
    }

    /// Ends the reading (a message not read yet is read at the next start, from its session).
    pub(crate) async fn close(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// Whether voice messages are read for this merchant.
    pub fn reads_voice(&self) -> bool {
        self.nls.is_some()
    }

    async fn listen(self: Arc<Self>, mut events: broadcast::Receiver<DomainEvent>) {
        // Voice messages stored while the desk was away (or before a crash) are read first.
        self.read_all_unread().await;
        loop {
            match events.recv().await {
                Ok(DomainEvent::MessageStored { message }) => self.read_soon(message),
                Ok(DomainEvent::SessionCaughtUp { session_id }) => {
                    self.read_unread_of(&session_id).await;
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => self.read_all_unread().await,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Every voice message not read yet, found by one query (not by reading each session).
    async fn read_all_unread(self: &Arc<Self>) {
        if let Ok(unread) = self
            .workspace
            .read(|store| store.unread_voice(UNREAD_AT_START))
            .await
        {
            for message in unread {
                self.read_soon(message);
            }
        }
    }

    async fn read_unread_of(self: &Arc<Self>, session_id: &str) {
        let id = session_id.to_string();
        let Ok(messages) = self
            .workspace
            .read(move |store| store.messages(&id, 200))
            .await
        else {
            return;
        };
        for message in messages {
            self.read_soon(message);
        }
    }

    /// Reads `message` in the background if it is a customer's voice message not read yet.
    fn read_soon(self: &Arc<Self>, message: Message) {
        let Some(msg_id) = message.msg_id.clone() else {
            return;
        };
        if message.kind != MessageKind::Voice
            || message.direction != Direction::In
            || message.transcript.is_some()
            || !self
                .reading
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(msg_id.clone())
        {
            return;
        }
        let reader = self.clone();
        let closed = self.workspace.closed().clone();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = reader.read(&message, &msg_id) => {}
                _ = closed.cancelled() => {}
            }
            reader
                .reading
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&msg_id);
        });
    }

    /// Reads one voice message again on the agent's word (after a failed call).
    pub async fn read_again(
        self: &Arc<Self>,
        session_id: &str,
        msg_id: &str,
    ) -> Result<(), ApiError> {
        if self.nls.is_none() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "voice messages are not read as text for this merchant: its speech service is not set up",
            ));
        }
        let id = session_id.to_string();
        let message = self
            .workspace
            .read(move |store| store.messages(&id, 500))
            .await?
            .into_iter()
            .find(|m| m.msg_id.as_deref() == Some(msg_id))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("no message {msg_id} in {session_id}"),
                )
            })?;
        self.read(&message, msg_id).await;
        Ok(())
    }

    async fn read(&self, message: &Message, msg_id: &str) {
        let Some(nls) = &self.nls else { return };
        let Ok(_permit) = self.permits.acquire().await else {
            return;
        };
        let transcript = match self.fetch(&message.content).await {
            Err(error) => {
                tracing::info!(%error, msg_id, "a voice message could not be fetched");
                Transcript {
                    text: String::new(),
                    problem: Some(TranscriptProblem::NotFetched),
                }
            }
            Ok(audio) => match nls.transcribe(&audio).await {
                Ok(heard) if heard.text.trim().is_empty() => Transcript {
                    text: String::new(),
                    problem: Some(TranscriptProblem::NoSpeech),
                },
                Ok(heard) => Transcript {
                    text: heard.text,
                    problem: None,
                },
                Err(error) => {
                    tracing::info!(%error, msg_id, "a voice message was not read");
                    Transcript {
                        text: String::new(),
                        problem: Some(problem_of(&error)),
                    }
                }
            },
        };
        let event = DomainEvent::MessageTranscribed {
            session_id: message.session_id.clone(),
            msg_id: msg_id.to_string(),
            transcript: transcript.clone(),
        };
        let writes = vec![Write::Transcribe {
            msg_id: msg_id.to_string(),
            transcript,
        }];
        if let Err(error) = self
            .workspace
            .engine()
            .write_and_announce(writes, event)
            .await
        {
            tracing::warn!(%error, msg_id, "a voice message's transcript was not kept");
        }
    }

    async fn fetch(&self, address: &str) -> Result<Vec<u8>, ApiError> {
        let platform = url::Url::parse(&self.workspace.client().credentials().base_url)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.media.fetch_voice(&platform, address).await
    }

    /// The voice message at `address` as a `data:` URL the window can play or save, with its
    /// media type read from the bytes.
    pub async fn audio(&self, address: &str) -> Result<String, ApiError> {
        use base64::Engine as _;
        let bytes = self.fetch(address).await?;
        let mime = agentdesk_voice::audio::media_type(&bytes).unwrap_or("application/octet-stream");
        Ok(format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        ))
    }
}

fn problem_of(error: &VoiceError) -> TranscriptProblem {
    match error {
        VoiceError::Audio(AudioError::TooLong { .. }) => TranscriptProblem::TooLong,
        VoiceError::Audio(_) => TranscriptProblem::Unsupported,
        _ => TranscriptProblem::ServiceFailed,
    }
}

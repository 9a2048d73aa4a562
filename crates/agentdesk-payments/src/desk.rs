//! The payments service of one workspace: the merchant's payment systems, the supervisor's policy
//! (whether links are on, which agents may make them, the largest amount), links made from a
//! conversation exactly once and sent into it (a link to tap, or WeChat Pay's code as a QR image),
//! then followed by querying until paid, closed or expired, with a desktop notice when paid.
//!
//! Everything a link is lives in the tenant's encrypted database (`once::DatabaseJournal`): a link
//! whose answer was lost, or whose process died mid-call, is settled by the follower at the next
//! tick or start, and only then sent into the conversation. Progress is told as
//! `DeskEvent::Payment`; every link made, closed or seen paid is in the audit log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_store::{AuditEntry, Write};
use agentdesk_workspace::{
    ApiError, DeskEvent, ErrorCode, ErrorReason, Notice, PaymentLinkState, PaymentProgress,
    Workspace, WorkspaceMode,
};
use serde::{Deserialize, Serialize};
use tokio_util::task::TaskTracker;
use ts_rs::TS;

use crate::once::{
    create_once_for, follow, DatabaseJournal, LinkConversation, PaymentJournal, PaymentRecord,
    RecordState,
};
use crate::{
    AmountError, Fen, PaymentError, PaymentOrder, PaymentState, PaymentSystem, PaymentTarget,
    Provider, DEFAULT_EXPIRE_MINUTES,
};

/// Where the policy is kept in the merchant's database.
const POLICY_KEY: &str = "payments.policy";
/// The largest amount unless a supervisor says otherwise.
const DEFAULT_LARGEST_YUAN: &str = "5000.00";
/// How often a link is asked about: often while the customer is likely paying, then less.
const FOLLOW_YOUNG: Duration = Duration::from_secs(3);
const FOLLOW_OLD: Duration = Duration::from_secs(30);
const YOUNG_FOR_MS: i64 = 10 * 60 * 1000;
/// The follower's tick.
const TICK: Duration = Duration::from_secs(1);

/// What a supervisor allows for one merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PaymentPolicy {
    pub enabled: bool,
    /// The agents (sign-in names) who may make links; none named: every agent of the merchant.
    #[serde(default)]
    pub agents: Vec<String>,
    /// The largest amount one link may ask for, in yuan (`5000.00`).
    pub largest_amount: String,
}

impl PaymentPolicy {
    fn off() -> PaymentPolicy {
        PaymentPolicy {
            enabled: false,
            agents: Vec::new(),
            largest_amount: DEFAULT_LARGEST_YUAN.into(),
        }
    }

    fn largest(&self) -> Result<Fen, AmountError> {
        Fen::parse_yuan(&self.largest_amount)
    }

    fn allows(&self, agent: &str) -> bool {
        self.agents.is_empty() || self.agents.iter().any(|a| a.trim() == agent)
    }
}

/// What the conversation's payment button offers the agent now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PaymentOptions {
    /// The merchant's payment systems.
    pub providers: Vec<Provider>,
    /// Why the agent cannot make a link now (off, not allowed, no system), if so.
    pub unavailable: Option<ApiError>,
    /// The largest amount a link may ask for (yuan).
    pub largest_amount: String,
    pub default_expire_minutes: u32,
}

/// A link asked for from a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct PaymentLinkRequest {
    /// The window's id for the request (a UUID): the same id asked again is the same link.
    pub attempt_id: String,
    pub session_id: String,
    pub provider: Provider,
    /// Yuan as typed (`12.34`): at most two decimals.
    pub amount: String,
    pub subject: String,
    pub expire_minutes: u32,
    /// The message with the link, `{link}` where the link goes, in the customer's language.
    pub link_message: String,
    /// The message under the QR image, for a code that must be scanned.
    pub scan_message: String,
}

/// One link being followed, and when it is next asked about.
struct Followed {
    progress: PaymentProgress,
    next_check_ms: i64,
}

pub struct PaymentDesk {
    workspace: Arc<Workspace>,
    systems: Vec<Arc<PaymentSystem>>,
    journal: Arc<DatabaseJournal>,
    followed: Mutex<HashMap<String, Followed>>,
    tasks: TaskTracker,
}

impl PaymentDesk {
    /// The service of `workspace` with the merchant's payment systems (at most one of each kind);
    /// takes up the links a previous run left to settle or follow.
    pub fn start(workspace: Arc<Workspace>, systems: Vec<Arc<PaymentSystem>>) -> Arc<PaymentDesk> {
        let mut unique: Vec<Arc<PaymentSystem>> = Vec::new();
        for system in systems {
            if unique.iter().all(|s| s.provider() != system.provider()) {
                unique.push(system);
            }
        }
        let desk = Arc::new(PaymentDesk {
            journal: Arc::new(DatabaseJournal::new(workspace.database().clone())),
            workspace,
            systems: unique,
            followed: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
        });
        if !desk.systems.is_empty() {
            let follower = desk.clone();
            let closed = desk.workspace.closed().clone();
            desk.tasks.spawn(async move {
                tokio::select! {
                    _ = follower.follow_open_links() => {}
                    _ = closed.cancelled() => {}
                }
            });
        }
        desk
    }

    /// Ends the following (the journal keeps every open link for the next start).
    pub async fn close(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.journal.release();
    }

    /// The merchant's policy (a demo merchant has links on, up to ¥5,000, for every agent).
    pub async fn policy(&self) -> Result<PaymentPolicy, ApiError> {
        let stored = self
            .workspace
            .read(|store| store.workspace_setting(POLICY_KEY))
            .await?;
        Ok(stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_else(|| PaymentPolicy {
                enabled: self.workspace.mode() == WorkspaceMode::Demo,
                ..PaymentPolicy::off()
            }))
    }

    /// A supervisor's choice for the merchant on screen (checked, then in the audit log).
    pub async fn set_policy(&self, mut policy: PaymentPolicy) -> Result<PaymentPolicy, ApiError> {
        let largest = policy.largest().map_err(|error| amount_error(&error, ""))?;
        policy.largest_amount = largest.yuan();
        policy.agents = policy
            .agents
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        let value = serde_json::to_string(&policy)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.workspace
            .write(vec![
                Write::WorkspaceSetting {
                    key: POLICY_KEY.into(),
                    value,
                },
                self.audit(
                    "payments:policy",
                    "ok",
                    format!(
                        "enabled={} largest={} agents={}",
                        policy.enabled,
                        policy.largest_amount,
                        if policy.agents.is_empty() {
                            "all".to_string()
                        } else {
                            policy.agents.join(",")
                        }
                    ),
                ),
            ])
            .await?;
        Ok(policy)
    }

    /// What the agent can do now.
    pub async fn options(&self) -> Result<PaymentOptions, ApiError> {
        let policy = self.policy().await?;
        Ok(PaymentOptions {
            providers: self.systems.iter().map(|s| s.provider()).collect(),
            unavailable: self.refusal(&policy).err(),
            largest_amount: policy.largest().map(Fen::yuan).unwrap_or_default(),
            default_expire_minutes: DEFAULT_EXPIRE_MINUTES,
        })
    }

    /// Whether the signed-in agent may make links under `policy`.
    fn refusal(&self, policy: &PaymentPolicy) -> Result<(), ApiError> {
        if self.systems.is_empty() || !policy.enabled {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::PaymentsOff,
                "payment links are off for this merchant; a supervisor turns them on (and IT sets up the payment system)",
            ));
        }
        if !policy.allows(self.workspace.agent_login()) {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::PaymentNotAllowed,
                "a supervisor has not allowed this agent to make payment links",
            ));
        }
        Ok(())
    }

    fn system(&self, provider: Provider) -> Result<&Arc<PaymentSystem>, ApiError> {
        self.systems
            .iter()
            .find(|s| s.provider() == provider)
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::InvalidInput,
                    ErrorReason::NoPaymentSystem {
                        provider: provider.as_str().into(),
                    },
                    format!("this merchant does not take {provider}; choose another"),
                )
            })
    }

    /// Makes a link and sends it into the conversation, exactly once: checked first (nothing is
    /// recorded or sent while the agent has something to fix), recorded, made, then sent.
    pub async fn create_link(
        self: &Arc<Self>,
        request: PaymentLinkRequest,
    ) -> Result<PaymentProgress, ApiError> {
        self.workspace.ensure_open()?;
        let policy = self.policy().await?;
        self.refusal(&policy)?;
        let system = self.system(request.provider)?.clone();
        let out_trade_no = order_number(&request.attempt_id)?;
        let largest = policy
            .largest()
            .unwrap_or(Fen::new(crate::LARGEST_FEN).expect("the ceiling is an amount"));
        let amount = Fen::parse_yuan(&request.amount)
            .and_then(|amount| {
                if amount > largest {
                    Err(AmountError::OverLimit {
                        amount,
                        limit: largest,
                    })
                } else {
                    Ok(amount)
                }
            })
            .map_err(|error| amount_error(&error, &largest.yuan()))?;
        for (name, message) in [
            ("link", &request.link_message),
            ("scan", &request.scan_message),
        ] {
            if message.trim().is_empty() || (name == "link" && !message.contains("{link}")) {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("the {name} message is empty or has no {{link}}"),
                ));
            }
        }
        if let Some(made) = self.made_already(&out_trade_no).await? {
            return Ok(made);
        }
        let session = self.workspace.session(&request.session_id).await?;
        if session.state == agentdesk_domain::SessionState::Ended {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "this session has ended; the customer can no longer receive a payment link in it",
            ));
        }
        let order = PaymentOrder {
            out_trade_no: out_trade_no.clone(),
            amount,
            subject: request.subject.trim().to_string(),
            created_at_ms: self.workspace.now_ms(),
            expire_minutes: request.expire_minutes,
        };
        order.validate().map_err(|e| payment_error(&e))?;
        let conversation = LinkConversation {
            session_id: session.id.clone(),
            link_message: request.link_message.clone(),
            scan_message: request.scan_message.clone(),
        };
        let creating = progress_of_order(&order, system.provider(), &conversation);
        self.announce(creating.clone(), None);
        let outcome =
            create_once_for(&*self.journal, &system, &order, Some(conversation.clone())).await;
        let record = self.journal.load(&out_trade_no).ok().flatten();
        match outcome {
            Ok(_) => {
                let record = record.ok_or_else(|| {
                    ApiError::new(ErrorCode::Storage, "the payment's record could not be read")
                })?;
                self.audit_now("payments:create", "ok", describe(&record))
                    .await;
                // Made: followed whether or not its message could be queued (the session may have
                // ended meanwhile); a message that could not be is said, the link kept on screen.
                let sent = self.send_into_conversation(&record).await;
                let progress = progress_of(&record, sent.as_ref().err().cloned());
                self.announce(progress.clone(), Some(self.workspace.now_ms()));
                sent.map(|()| progress)
            }
            Err(error) => {
                let api = payment_error(&error);
                let detail = record
                    .as_ref()
                    .map(describe)
                    .unwrap_or_else(|| out_trade_no.clone());
                self.audit_now(
                    "payments:create",
                    &error.code(),
                    format!("{detail}: {error}"),
                )
                .await;
                let mut progress = match &record {
                    Some(record) => progress_of(record, Some(api.clone())),
                    None => creating,
                };
                if error.outcome_unknown() {
                    // The follower settles it (a query first) and then sends it.
                    progress.state = PaymentLinkState::Checking;
                    self.announce(progress, Some(self.workspace.now_ms()));
                } else {
                    if !matches!(error, PaymentError::AlreadySettled { .. }) {
                        progress.state = PaymentLinkState::NotCreated;
                    }
                    self.announce(progress, None);
                }
                Err(api)
            }
        }
    }

    /// The link of a request asked again (a double click, a retry after a lost reply): its
    /// message queued again (the outbox keeps one per id, so a crash before it was queued is made
    /// good and nothing goes twice), nothing made or logged again.
    async fn made_already(&self, out_trade_no: &str) -> Result<Option<PaymentProgress>, ApiError> {
        let record = self
            .journal
            .load(out_trade_no)
            .map_err(|e| ApiError::new(ErrorCode::Storage, e))?;
        match record {
            Some(record) if record.state == RecordState::Created => {
                self.send_into_conversation(&record).await?;
                let followed = self
                    .followed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(out_trade_no)
                    .map(|f| f.progress.clone());
                Ok(Some(followed.unwrap_or_else(|| progress_of(&record, None))))
            }
            _ => Ok(None),
        }
    }

    /// The links made in a session (oldest first), as last seen.
    pub async fn session_links(&self, session_id: &str) -> Result<Vec<PaymentProgress>, ApiError> {
        let journal = self.journal.clone();
        let id = session_id.to_string();
        let records = tokio::task::spawn_blocking(move || journal.session_links(&id))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?
            .map_err(|e| ApiError::new(ErrorCode::Storage, e))?;
        let followed = self.followed.lock().unwrap_or_else(|p| p.into_inner());
        Ok(records
            .iter()
            .map(|record| {
                followed
                    .get(&record.order.out_trade_no)
                    .map(|f| f.progress.clone())
                    .unwrap_or_else(|| progress_of(record, None))
            })
            .collect())
    }

    /// Closes an unpaid link (asked first: one paid meanwhile is said, not closed).
    pub async fn close_link(&self, out_trade_no: &str) -> Result<PaymentProgress, ApiError> {
        self.workspace.ensure_open()?;
        let record = self.record(out_trade_no)?;
        let system = self.system(record.provider)?.clone();
        let status = follow(
            &*self.journal,
            &system,
            out_trade_no,
            self.workspace.now_ms(),
        )
        .await
        .map_err(|e| payment_error(&e))?;
        if status.state.is_final() {
            let record = self.record(out_trade_no)?;
            self.announce(progress_of(&record, None), None);
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::PaymentSettled {
                    state: state_word(status.state).into(),
                },
                format!(
                    "payment {out_trade_no} is already {}; nothing was closed",
                    state_word(status.state)
                ),
            ));
        }
        let outcome = system.close(out_trade_no).await;
        let mut record = self.record(out_trade_no)?;
        let code = match &outcome {
            Ok(()) => "ok".to_string(),
            Err(error) => error.code(),
        };
        self.audit_now("payments:close", &code, describe(&record))
            .await;
        outcome.map_err(|e| payment_error(&e))?;
        record.payment = PaymentState::Closed;
        self.journal
            .save(&record)
            .map_err(|e| ApiError::new(ErrorCode::Storage, e))?;
        let progress = progress_of(&record, None);
        let still_payable = still_payable_when_closed(&record);
        self.announce(
            progress.clone(),
            still_payable.then(|| self.workspace.now_ms() + FOLLOW_YOUNG.as_millis() as i64),
        );
        Ok(progress)
    }

    fn record(&self, out_trade_no: &str) -> Result<PaymentRecord, ApiError> {
        self.journal
            .load(out_trade_no)
            .map_err(|e| ApiError::new(ErrorCode::Storage, e))?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("no payment link {out_trade_no} on this desk"),
                )
            })
    }

    /// Queues the link's message(s): the outbox keeps each id once, so sending a link again (after
    /// a crash before it was marked sent) reaches the customer once.
    async fn send_into_conversation(&self, record: &PaymentRecord) -> Result<(), ApiError> {
        let (Some(conversation), Some(link)) = (&record.conversation, &record.link) else {
            return Ok(());
        };
        let number = &record.order.out_trade_no;
        let engine = self.workspace.engine();
        match &link.target {
            PaymentTarget::CodeUrl { code_url } => {
                let png = crate::qr::qr_png(code_url).map_err(|e| {
                    ApiError::new(ErrorCode::InvalidInput, format!("the QR code: {e}"))
                })?;
                engine
                    .send_image(
                        &conversation.session_id,
                        &format!("{number}.png"),
                        "image/png",
                        png,
                        &format!("pay-{number}-qr"),
                    )
                    .await?;
                engine
                    .send_text_with_id(
                        &conversation.session_id,
                        &conversation.scan_message,
                        &format!("pay-{number}"),
                    )
                    .await?;
            }
            PaymentTarget::Url { url } | PaymentTarget::QrCode { qr_code: url } => {
                engine
                    .send_text_with_id(
                        &conversation.session_id,
                        &conversation.link_message.replace("{link}", url),
                        &format!("pay-{number}"),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Records and tells the window a link's progress; `follow_from_ms` puts it on the follower's
    /// list (asked about from then on).
    fn announce(&self, progress: PaymentProgress, follow_from_ms: Option<i64>) {
        {
            let mut followed = self.followed.lock().unwrap_or_else(|p| p.into_inner());
            match follow_from_ms {
                Some(at) => {
                    followed.insert(
                        progress.out_trade_no.clone(),
                        Followed {
                            progress: progress.clone(),
                            next_check_ms: at,
                        },
                    );
                }
                None => {
                    followed.remove(&progress.out_trade_no);
                }
            }
        }
        self.workspace
            .publisher()
            .publish(|workspace| DeskEvent::Payment {
                workspace,
                link: progress,
            });
    }

    /// The follower: takes up the journal's open links, then asks about each when it is due.
    async fn follow_open_links(self: Arc<Self>) {
        match self.journal_open_links().await {
            Ok(records) => {
                // A link made just before a crash may not have reached its conversation yet.
                for record in records.iter().filter(|r| r.state == RecordState::Created) {
                    if let Err(error) = self.send_into_conversation(record).await {
                        tracing::info!(%error, out_trade_no = %record.order.out_trade_no, "a payment link could not be sent into its conversation");
                    }
                }
                let now = self.workspace.now_ms();
                let mut followed = self.followed.lock().unwrap_or_else(|p| p.into_inner());
                for record in records {
                    let mut progress = progress_of(&record, None);
                    if matches!(record.state, RecordState::Sending | RecordState::Unknown) {
                        progress.state = PaymentLinkState::Checking;
                    }
                    followed.insert(
                        record.order.out_trade_no.clone(),
                        Followed {
                            progress,
                            next_check_ms: now,
                        },
                    );
                }
            }
            Err(error) => {
                tracing::warn!(%error, "open payment links could not be read; they are looked at on the next start");
            }
        }
        loop {
            let now = self.workspace.now_ms();
            let due: Vec<String> = self
                .followed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|(_, f)| f.next_check_ms <= now)
                .map(|(number, _)| number.clone())
                .collect();
            for number in due {
                self.check(&number).await;
            }
            tokio::time::sleep(TICK).await;
        }
    }

    /// The links to settle or follow, and the closed ones still payable until they expire.
    async fn journal_open_links(&self) -> Result<Vec<PaymentRecord>, String> {
        let journal = self.journal.clone();
        let now = self.workspace.now_ms();
        tokio::task::spawn_blocking(move || {
            let mut records = journal.open_links()?;
            records.extend(
                journal
                    .closed_links()?
                    .into_iter()
                    .filter(|r| still_payable_when_closed(r) && now < r.order.expires_at_ms()),
            );
            Ok(records)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// One look at a followed link: an unsettled one is settled (and then sent); a made one is
    /// queried, closed when its time is up, and announced when its state changed.
    async fn check(&self, out_trade_no: &str) {
        let Ok(record) = self.record(out_trade_no) else {
            self.forget(out_trade_no);
            return;
        };
        let Ok(system) = self.system(record.provider).cloned() else {
            self.forget(out_trade_no);
            return;
        };
        let before = self
            .followed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(out_trade_no)
            .map(|f| f.progress.state);
        let now = self.workspace.now_ms();
        let young = now - record.order.created_at_ms < YOUNG_FOR_MS;
        let next = now
            + if young {
                FOLLOW_YOUNG.as_millis() as i64
            } else {
                FOLLOW_OLD.as_millis() as i64
            };
        if matches!(record.state, RecordState::Sending | RecordState::Unknown) {
            let outcome = create_once_for(&*self.journal, &system, &record.order, None).await;
            let settled = self.record(out_trade_no).unwrap_or(record);
            match outcome {
                Ok(_) => {
                    self.audit_now("payments:create", "ok", describe(&settled))
                        .await;
                    if let Err(error) = self.send_into_conversation(&settled).await {
                        tracing::warn!(%error, out_trade_no, "a settled payment link could not be sent into its conversation");
                    }
                    self.announce(progress_of(&settled, None), Some(next));
                }
                Err(error) if error.outcome_unknown() || error.code() == "unreachable" => {
                    let mut progress = progress_of(&settled, Some(payment_error(&error)));
                    progress.state = PaymentLinkState::Checking;
                    self.announce(progress, Some(next));
                }
                Err(error) => {
                    self.audit_now("payments:create", &error.code(), describe(&settled))
                        .await;
                    let mut progress = progress_of(&settled, Some(payment_error(&error)));
                    if !matches!(error, PaymentError::AlreadySettled { .. }) {
                        progress.state = PaymentLinkState::NotCreated;
                    }
                    self.announce(progress, None);
                }
            }
            return;
        }
        if record.payment == PaymentState::Closed {
            self.watch_closed(&system, record, now, next).await;
            return;
        }
        match follow(&*self.journal, &system, out_trade_no, now).await {
            Ok(status) => {
                let record = self.record(out_trade_no).unwrap_or(record);
                let mut progress = progress_of(&record, None);
                if let Some(paid) = status.paid_amount {
                    progress.paid_amount = Some(paid.yuan());
                }
                let changed = before != Some(progress.state);
                if status.state.is_final() {
                    if changed {
                        self.audit_now(
                            "payments:follow",
                            state_word(status.state),
                            describe(&record),
                        )
                        .await;
                    }
                    if status.state == PaymentState::Paid && changed {
                        self.notice_paid(&record).await;
                    }
                    self.announce(progress, None);
                } else if changed {
                    self.announce(progress, Some(next));
                } else {
                    self.reschedule(out_trade_no, next);
                }
            }
            Err(error) => {
                tracing::info!(%error, out_trade_no, "a payment link could not be asked about; asked again later");
                self.reschedule(out_trade_no, next);
            }
        }
    }

    /// A link the agent closed that its provider may still take: Alipay cannot close a QR order
    /// nobody scanned (the trade does not exist yet), and the code stays payable until it expires.
    /// Such a link is asked about until then, and a payment made after all is shown and noticed.
    async fn watch_closed(
        &self,
        system: &PaymentSystem,
        mut record: PaymentRecord,
        now: i64,
        next: i64,
    ) {
        let number = record.order.out_trade_no.clone();
        if now >= record.order.expires_at_ms() {
            self.forget(&number);
            return;
        }
        match system.query(&number).await {
            Ok(status) if status.state == PaymentState::Paid => {
                record.payment = PaymentState::Paid;
                if let Err(error) = self.journal.save(&record) {
                    tracing::warn!(%error, out_trade_no = %number, "a payment after closing was not recorded");
                }
                self.audit_now("payments:follow", "paid", describe(&record))
                    .await;
                self.notice_paid(&record).await;
                let mut progress = progress_of(&record, None);
                progress.paid_amount = status.paid_amount.map(Fen::yuan);
                self.announce(progress, None);
            }
            _ => self.reschedule(&number, next),
        }
    }

    fn reschedule(&self, out_trade_no: &str, at_ms: i64) {
        if let Some(entry) = self
            .followed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(out_trade_no)
        {
            entry.next_check_ms = at_ms;
        }
    }

    fn forget(&self, out_trade_no: &str) {
        self.followed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(out_trade_no);
    }

    async fn notice_paid(&self, record: &PaymentRecord) {
        let Some(conversation) = &record.conversation else {
            return;
        };
        let customer = self
            .workspace
            .session(&conversation.session_id)
            .await
            .map(|s| s.visitor_name)
            .unwrap_or_default();
        let notice = Notice::PaymentReceived {
            session_id: conversation.session_id.clone(),
            customer,
            amount: record.order.amount.yuan(),
            subject: record.order.subject.clone(),
        };
        self.workspace
            .publisher()
            .publish(|workspace| DeskEvent::Notice { workspace, notice });
    }

    fn audit(&self, endpoint: &str, outcome: &str, detail: String) -> Write {
        Write::Audit(AuditEntry {
            at_ms: self.workspace.now_ms(),
            actor: self.workspace.actor(),
            endpoint: endpoint.into(),
            duration_ms: 0.0,
            outcome: outcome.into(),
            detail,
        })
    }

    async fn audit_now(&self, endpoint: &str, outcome: &str, detail: String) {
        let entry = self.audit(endpoint, outcome, detail);
        if let Err(error) = self.workspace.write(vec![entry]).await {
            tracing::warn!(%error, endpoint, "a payment's audit entry was not kept");
        }
    }
}

/// Whether a closed link may still be paid: an Alipay QR code, whose close cannot reach an order
/// nobody has scanned yet (docs/PROTOCOL.md, "Payment links, exactly once").
fn still_payable_when_closed(record: &PaymentRecord) -> bool {
    record.provider == Provider::Alipay
        && matches!(
            record.link.as_ref().map(|l| &l.target),
            Some(PaymentTarget::QrCode { .. })
        )
}

/// The order number of a window's request: its UUID's hex, so the same request is the same order
/// (6–32 characters either provider takes).
fn order_number(attempt_id: &str) -> Result<String, ApiError> {
    let hex: String = attempt_id
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    let valid = attempt_id.len() <= 64
        && attempt_id
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-');
    if !valid || hex.len() < 16 {
        return Err(ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::BadMessageId,
            "the payment request's id must be a UUID",
        ));
    }
    Ok(format!("AD{}", &hex[..hex.len().min(30)]).to_ascii_uppercase())
}

fn state_word(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Waiting => "waiting",
        PaymentState::Paid => "paid",
        PaymentState::Closed => "closed",
        PaymentState::Expired => "expired",
        PaymentState::Refunded => "refunded",
        PaymentState::Failed => "failed",
    }
}

/// The audit log's account of a link (amounts and subjects are the merchant's, not personal).
fn describe(record: &PaymentRecord) -> String {
    format!(
        "{} {} {} {:?} session {}",
        record.provider.as_str(),
        record.order.out_trade_no,
        record.order.amount,
        record.order.subject,
        record
            .conversation
            .as_ref()
            .map(|c| c.session_id.as_str())
            .unwrap_or("-")
    )
}

fn progress_of_order(
    order: &PaymentOrder,
    provider: Provider,
    conversation: &LinkConversation,
) -> PaymentProgress {
    PaymentProgress {
        out_trade_no: order.out_trade_no.clone(),
        session_id: Some(conversation.session_id.clone()),
        provider: provider.as_str().into(),
        amount: order.amount.yuan(),
        subject: order.subject.clone(),
        state: PaymentLinkState::Creating,
        link: None,
        scan_only: false,
        expires_at_ms: order.expires_at_ms(),
        paid_amount: None,
        error: None,
    }
}

/// A record as the window shows it.
fn progress_of(record: &PaymentRecord, error: Option<ApiError>) -> PaymentProgress {
    let state = match record.state {
        RecordState::Sending => PaymentLinkState::Creating,
        RecordState::Unknown => PaymentLinkState::Checking,
        RecordState::Refused => PaymentLinkState::NotCreated,
        RecordState::Created => match record.payment {
            PaymentState::Waiting => PaymentLinkState::Waiting,
            PaymentState::Paid => PaymentLinkState::Paid,
            PaymentState::Closed => PaymentLinkState::Closed,
            PaymentState::Expired => PaymentLinkState::Expired,
            PaymentState::Refunded => PaymentLinkState::Refunded,
            PaymentState::Failed => PaymentLinkState::Failed,
        },
    };
    PaymentProgress {
        out_trade_no: record.order.out_trade_no.clone(),
        session_id: record.conversation.as_ref().map(|c| c.session_id.clone()),
        provider: record.provider.as_str().into(),
        amount: record.order.amount.yuan(),
        subject: record.order.subject.clone(),
        state,
        link: record.link.as_ref().map(|l| l.target.text().to_string()),
        scan_only: matches!(
            record.link.as_ref().map(|l| &l.target),
            Some(PaymentTarget::CodeUrl { .. })
        ),
        expires_at_ms: record.order.expires_at_ms(),
        paid_amount: (record.payment == PaymentState::Paid).then(|| record.order.amount.yuan()),
        error: error.or_else(|| {
            record
                .error
                .as_ref()
                .map(|e| ApiError::new(ErrorCode::Platform, e.clone()))
        }),
    }
}

fn amount_error(error: &AmountError, limit: &str) -> ApiError {
    let issue = match error {
        AmountError::NotAnAmount(_) => "not_an_amount",
        AmountError::TooPrecise(_) => "too_precise",
        AmountError::Zero => "zero",
        AmountError::TooLarge(_) => "too_large",
        AmountError::OverLimit { .. } => "over_limit",
    };
    ApiError::because(
        ErrorCode::InvalidInput,
        ErrorReason::PaymentAmount {
            issue: issue.into(),
            limit: limit.into(),
        },
        error.to_string(),
    )
}

/// A payment system's failure as the window reads it.
pub fn payment_error(error: &PaymentError) -> ApiError {
    let message = error.to_string();
    match error {
        PaymentError::Amount(amount) => amount_error(amount, ""),
        PaymentError::Unreachable { provider, .. } => ApiError::because(
            ErrorCode::Offline,
            ErrorReason::PaymentUnreachable {
                provider: provider.as_str().into(),
            },
            message,
        ),
        PaymentError::NoAnswer { provider, .. } | PaymentError::Garbled { provider, .. } => {
            ApiError::because(
                ErrorCode::Offline,
                ErrorReason::PaymentNoAnswer {
                    provider: provider.as_str().into(),
                },
                message,
            )
        }
        PaymentError::Unverified { provider, .. } => ApiError::because(
            ErrorCode::Platform,
            ErrorReason::PaymentUnverified {
                provider: provider.as_str().into(),
            },
            message,
        ),
        PaymentError::Refused {
            provider,
            code,
            words,
            ..
        } => ApiError::because(
            ErrorCode::Platform,
            ErrorReason::PaymentRefused {
                provider: provider.as_str().into(),
                code: code.clone(),
                said: words.clone(),
            },
            message,
        ),
        PaymentError::Http {
            provider, status, ..
        } => ApiError::because(
            ErrorCode::Platform,
            ErrorReason::PaymentRefused {
                provider: provider.as_str().into(),
                code: format!("HTTP {status}"),
                said: message.clone(),
            },
            message,
        ),
        PaymentError::AlreadySettled { state, .. } => ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::PaymentSettled {
                state: state.clone(),
            },
            message,
        ),
        PaymentError::Key(_) | PaymentError::Invalid(_) => {
            ApiError::new(ErrorCode::InvalidInput, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_names_one_order_number_the_providers_take() {
        let number = order_number("3f2b8c1e-9d4a-4b6e-8f10-2c3d4e5f6a7b").unwrap();
        assert_eq!(number, "AD3F2B8C1E9D4A4B6E8F102C3D4E5F6A");
        assert_eq!(number.len(), 32);
        assert_eq!(
            order_number("3f2b8c1e-9d4a-4b6e-8f10-2c3d4e5f6a7b").unwrap(),
            number
        );
        for bad in ["", "short", "not a uuid at all!", "3f2b8c1e'; DROP TABLE"] {
            assert!(order_number(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_policy_naming_agents_allows_only_them() {
        let policy = PaymentPolicy {
            enabled: true,
            agents: vec!["agent1@demo".into()],
            largest_amount: "100.00".into(),
        };
        assert!(policy.allows("agent1@demo"));
        assert!(!policy.allows("agent2@demo"));
        assert!(PaymentPolicy {
            agents: vec![],
            ..policy.clone()
        }
        .allows("anyone"));
        assert_eq!(policy.largest().unwrap(), Fen::parse_yuan("100").unwrap());
    }
}

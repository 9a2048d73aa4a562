//! The tickets service of one workspace: the merchant's ticket systems, the choices for a new
//! ticket (each system's dictionary and a category's template, kept in the tenant's database and
//! refreshed in the background), tickets submitted from a session and created exactly once (the
//! attempt in the tenant's database before it leaves; attempts a crash left unsettled resumed at
//! start), the customer's tickets for the 360° view, a ticket's detail and replies.
//!
//! Progress is told as `DeskEvent::Ticket`: creating, checking (an answer was lost: the system is
//! asked before anything is sent again, until it can say), created, not created (the draft kept).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_http::HttpClient;
use agentdesk_workspace::{
    ApiError, DeskEvent, DraftProblem, ErrorCode, ErrorReason, TicketProgress, TicketState,
    Workspace,
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tokio_util::task::TaskTracker;
use ts_rs::TS;

use crate::once::{create_once, DatabaseJournal, TicketJournal};
use crate::{
    AttachmentFile, CopiedAgent, CreatedTicket, Dictionary, FieldValue, ReplyDraft, SobotSettings,
    SystemKind, TemplateField, TicketCustomer, TicketDetail, TicketDraft, TicketError,
    TicketFigures, TicketSettings, TicketSummary, TicketSystem,
};

/// A dictionary or template younger than this is shown without asking again.
const CHOICES_FRESH_MS: i64 = 30 * 60 * 1000;
/// How soon after the workspace starts its dictionaries are refreshed (after the first screen).
const PREFETCH_AFTER: Duration = Duration::from_secs(2);
/// Between lookups of an attempt whose outcome is unknown: doubling up to a minute.
const CHECK_FIRST: Duration = Duration::from_secs(2);
const CHECK_MOST: Duration = Duration::from_secs(60);

const DICTIONARY: &str = "tickets:dictionary";
const FIELDS: &str = "tickets:fields";
const LIST: &str = "tickets:list";

/// A ticket system a merchant uses, as the host sets it up for a workspace.
#[derive(Debug, Clone)]
pub enum TicketSetup {
    /// Everything known (Jira, Zendesk, Qiyu, or a Sobot with its ids).
    Ready(TicketSettings),
    /// Sobot 工单 on the workspace's own platform account: its appid and key, the tenant's company,
    /// and the signed-in agent as the ticket's creator (known once the agent is logged in).
    SobotOfAccount(SobotOfAccount),
}

/// Marker of `TicketSetup::SobotOfAccount`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SobotOfAccount;

/// A ticket system as the window sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TicketSystemView {
    pub system: SystemKind,
    /// It has a category tree and per-category templates (Sobot).
    pub categories: bool,
    /// Groups and agents to assign to, and agents to copy (Sobot).
    pub assignees: bool,
    /// Replies from AgentDesk (all but Qiyu), and status changes with them (Sobot, Zendesk).
    pub replies: bool,
    pub status_changes: bool,
    pub max_attachments: u32,
    pub max_file_mb: u32,
    pub max_total_mb: u32,
}

/// The choices for a new ticket in one system, and when they were fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TicketForm {
    pub system: SystemKind,
    pub dictionary: Dictionary,
    #[ts(type = "number | null")]
    pub as_of_ms: Option<i64>,
}

/// A file the agent attached (from the conversation's images or from disk), its bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct AttachmentInput {
    pub name: String,
    pub data_base64: String,
}

/// A ticket the agent submits from a session.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct TicketRequest {
    /// Made by the window when the dialog opens, and kept until the ticket is created: submitting
    /// again (after a refusal, a lost answer, a restart) is the same ticket, never a second one.
    pub attempt_id: String,
    pub session_id: String,
    pub system: SystemKind,
    pub title: String,
    pub content: String,
    pub type_id: Option<String>,
    #[ts(type = "number | null")]
    pub level: Option<i64>,
    pub fields: Vec<FieldValue>,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub copied: Vec<CopiedAgent>,
    pub attachments: Vec<AttachmentInput>,
}

/// One of the customer's tickets, with the system that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustomerTicket {
    pub system: SystemKind,
    pub ticket: TicketSummary,
}

/// The customer's tickets in every system of the merchant, open ones first, and the systems that
/// could not say.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CustomerTickets {
    pub tickets: Vec<CustomerTicket>,
    pub failures: Vec<TicketListFailure>,
    #[ts(type = "number | null")]
    pub as_of_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TicketListFailure {
    pub system: SystemKind,
    pub error: ApiError,
}

struct DeskSystem {
    kind: SystemKind,
    setup: TicketSetup,
    client: OnceCell<Arc<TicketSystem>>,
}

pub struct TicketDesk {
    workspace: Arc<Workspace>,
    http: HttpClient,
    systems: Vec<DeskSystem>,
    journal: Arc<DatabaseJournal>,
    /// Attachments of attempts not yet created, so a resend after a crash has them.
    files: PathBuf,
    /// The latest progress of each attempt this run, and whether its task is running.
    attempts: Mutex<HashMap<String, (TicketProgress, bool)>>,
    tasks: TaskTracker,
}

impl TicketDesk {
    /// The service of `workspace` with the merchant's systems (at most one of each kind); resumes
    /// the attempts a crash left unsettled and refreshes the dictionaries in the background.
    pub fn start(
        workspace: Arc<Workspace>,
        http: HttpClient,
        setups: Vec<TicketSetup>,
    ) -> Arc<TicketDesk> {
        let mut systems: Vec<DeskSystem> = Vec::new();
        for setup in setups {
            let kind = match &setup {
                TicketSetup::Ready(settings) => settings.kind(),
                TicketSetup::SobotOfAccount(_) => SystemKind::Sobot,
            };
            if systems.iter().all(|s| s.kind != kind) {
                systems.push(DeskSystem {
                    kind,
                    setup,
                    client: OnceCell::new(),
                });
            }
        }
        let files = workspace.database_path().with_extension("ticket-files");
        let desk = Arc::new(TicketDesk {
            journal: Arc::new(DatabaseJournal::new(workspace.database().clone())),
            workspace,
            http,
            systems,
            files,
            attempts: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
        });
        if !desk.systems.is_empty() {
            let background = desk.clone();
            desk.spawn(async move {
                background.resume_unfinished();
                tokio::time::sleep(PREFETCH_AFTER).await;
                for system in background.systems.iter().filter(|s| s.kind.has_dictionary()) {
                    if let Err(error) = background.ticket_form(system.kind).await {
                        tracing::info!(system = %system.kind, %error, "ticket choices not refreshed");
                    }
                }
            });
        }
        desk
    }

    /// Ends the background work (lookups wait for the next start: the journal keeps them).
    pub async fn close(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.journal.release();
    }

    fn spawn(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let closed = self.workspace.closed().clone();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = work => {}
                _ = closed.cancelled() => {}
            }
        });
    }

    /// The merchant's ticket systems.
    pub fn systems(&self) -> Vec<TicketSystemView> {
        self.systems
            .iter()
            .map(|s| {
                let limits = s.kind.attachment_limits();
                const MB: u64 = 1024 * 1024;
                TicketSystemView {
                    system: s.kind,
                    categories: s.kind.has_dictionary(),
                    assignees: s.kind.has_dictionary(),
                    replies: s.kind != SystemKind::Qiyu,
                    status_changes: matches!(s.kind, SystemKind::Sobot | SystemKind::Zendesk),
                    max_attachments: limits.count as u32,
                    max_file_mb: (limits.per_file / MB) as u32,
                    max_total_mb: (limits.total / MB) as u32,
                }
            })
            .collect()
    }

    fn system(&self, kind: SystemKind) -> Result<&DeskSystem, ApiError> {
        self.systems.iter().find(|s| s.kind == kind).ok_or_else(|| {
            ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::NoTicketSystem {
                    system: kind.to_string(),
                },
                format!("this merchant does not use {kind} for tickets; choose another system or set it up in Settings → Accounts"),
            )
        })
    }

    /// The system's client, made on first use (Sobot of the account waits for the agent's login).
    async fn client(&self, kind: SystemKind) -> Result<Arc<TicketSystem>, ApiError> {
        let system = self.system(kind)?;
        system
            .client
            .get_or_try_init(|| async {
                let settings = match &system.setup {
                    TicketSetup::Ready(settings) => settings.clone(),
                    TicketSetup::SobotOfAccount(_) => {
                        let client = self.workspace.client();
                        let login = client.login().await?;
                        let credentials = client.credentials();
                        let company_id = Some(login.company_id.clone())
                            .filter(|c| !c.is_empty())
                            .unwrap_or_else(|| self.workspace.tenant_id());
                        let agent_name = [&login.staff_name, &login.nick_name]
                            .into_iter()
                            .find(|n| !n.is_empty())
                            .cloned()
                            .unwrap_or_else(|| self.workspace.agent_login().to_string());
                        TicketSettings::Sobot(SobotSettings {
                            base_url: credentials.base_url.clone(),
                            appid: credentials.appid.clone(),
                            app_key: credentials.app_key.clone(),
                            company_id,
                            agent_id: login.aid,
                            agent_name,
                        })
                    }
                };
                Ok::<_, ApiError>(Arc::new(TicketSystem::new(self.http.clone(), settings)))
            })
            .await
            .cloned()
    }

    /// Where the system is: part of an attempt's identity.
    fn target(&self, kind: SystemKind) -> Result<String, ApiError> {
        Ok(match &self.system(kind)?.setup {
            TicketSetup::Ready(settings) => settings.base_url().to_string(),
            TicketSetup::SobotOfAccount(_) => {
                self.workspace.client().credentials().base_url.clone()
            }
        })
    }

    /// The choices for a new ticket: from the tenant's database at once when kept (refreshed in
    /// the background when older than half an hour), else asked now.
    pub async fn ticket_form(self: &Arc<Self>, kind: SystemKind) -> Result<TicketForm, ApiError> {
        self.workspace.ensure_open()?;
        if !kind.has_dictionary() {
            // Fixed choices (the four levels): nothing to ask for or keep.
            return Ok(TicketForm {
                system: kind,
                dictionary: self.client(kind).await?.dictionary().await?,
                as_of_ms: None,
            });
        }
        let kept = self
            .workspace
            .answers()
            .get::<Dictionary>(DICTIONARY, kind.as_str())
            .await;
        if let Some((dictionary, at)) = kept.clone() {
            if !self.workspace.answers().fresh(&kept, CHOICES_FRESH_MS) {
                self.refresh_dictionary_soon(kind);
            }
            return Ok(TicketForm {
                system: kind,
                dictionary,
                as_of_ms: Some(at),
            });
        }
        let dictionary = self.client(kind).await?.dictionary().await?;
        self.workspace
            .answers()
            .put(DICTIONARY, kind.as_str(), &dictionary);
        Ok(TicketForm {
            system: kind,
            dictionary,
            as_of_ms: Some(self.workspace.now_ms()),
        })
    }

    fn refresh_dictionary_soon(self: &Arc<Self>, kind: SystemKind) {
        let desk = self.clone();
        self.spawn(async move {
            let fetched = match desk.client(kind).await {
                Ok(client) => client.dictionary().await.map_err(ApiError::from),
                Err(error) => Err(error),
            };
            match fetched {
                Ok(dictionary) => {
                    desk.workspace
                        .answers()
                        .put(DICTIONARY, kind.as_str(), &dictionary)
                }
                Err(error) => {
                    tracing::info!(system = %kind, %error, "ticket choices not refreshed")
                }
            }
        });
    }

    /// A category's template fields (kept like the dictionary).
    pub async fn template_fields(
        &self,
        kind: SystemKind,
        type_id: &str,
    ) -> Result<Vec<TemplateField>, ApiError> {
        self.workspace.ensure_open()?;
        let key = format!("{kind}:{type_id}");
        let kept = self
            .workspace
            .answers()
            .get::<Vec<TemplateField>>(FIELDS, &key)
            .await;
        if self.workspace.answers().fresh(&kept, CHOICES_FRESH_MS) {
            if let Some((fields, _)) = kept {
                return Ok(fields);
            }
        }
        match self.client(kind).await?.template_fields(type_id).await {
            Ok(fields) => {
                self.workspace.answers().put(FIELDS, &key, &fields);
                Ok(fields)
            }
            // Offline: the template kept last time is better than none.
            Err(error) => kept.map(|(fields, _)| fields).ok_or_else(|| error.into()),
        }
    }

    /// Submits a ticket: checked first (nothing is recorded or sent while the agent has something
    /// to fix), then created in the background, exactly once; progress comes as events.
    pub async fn create_ticket(
        self: &Arc<Self>,
        request: TicketRequest,
    ) -> Result<TicketProgress, ApiError> {
        self.workspace.ensure_open()?;
        let attempt_id = request.attempt_id.trim().to_string();
        if attempt_id.len() < 8
            || attempt_id.len() > 64
            || !attempt_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(TicketError::Draft(DraftProblem::BadAttemptId).into());
        }
        if let Some((progress, true)) = self.attempt_entry(&attempt_id) {
            // Already on its way: the same submission, not a second ticket.
            return Ok(progress);
        }
        let kind = request.system;
        let client = self.client(kind).await?;
        let target = self.target(kind)?;
        let session = self.workspace.session(&request.session_id).await?;
        let attachments = self.keep_attachments(&attempt_id, &request.attachments)?;
        let draft = TicketDraft {
            title: request.title.trim().to_string(),
            content: request.content.trim().to_string(),
            customer: TicketCustomer {
                uid: Some(session.visitor_id.clone()),
                cid: Some(session.id.clone()),
                name: Some(session.visitor_name.clone()).filter(|n| !n.is_empty()),
                email: None,
                mobile: None,
            },
            type_id: request.type_id.filter(|t| !t.trim().is_empty()),
            level: request.level,
            fields: request
                .fields
                .into_iter()
                .filter(|f| !f.value.trim().is_empty())
                .collect(),
            attachments,
            group_id: request.group_id.filter(|g| !g.is_empty()),
            group_name: request.group_name.filter(|g| !g.is_empty()),
            assignee_id: request.assignee_id.filter(|a| !a.is_empty()),
            assignee_name: request.assignee_name.filter(|a| !a.is_empty()),
            copied: request.copied,
        };
        let (dictionary, template) = if kind.has_dictionary() {
            let form = self.ticket_form(kind).await?;
            let template = match draft.type_id.as_deref() {
                Some(type_id) if form.dictionary.category(type_id).is_some_and(|c| c.leaf) => {
                    self.template_fields(kind, type_id).await?
                }
                _ => Vec::new(),
            };
            (Some(form.dictionary), template)
        } else {
            (None, Vec::new())
        };
        crate::validate_draft(kind, &draft, dictionary.as_ref(), &template)?;
        let progress = self.progress(
            &attempt_id,
            Some(session.id.clone()),
            kind,
            TicketState::Creating,
        );
        self.note(progress.clone(), true);
        let desk = self.clone();
        self.spawn(async move {
            desk.settle(client, target, attempt_id, Some(session.id), draft)
                .await
        });
        Ok(progress)
    }

    fn attempt_entry(&self, attempt_id: &str) -> Option<(TicketProgress, bool)> {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(attempt_id)
            .cloned()
    }

    /// Every attempt of this run and where it is (for a window opened again).
    pub fn attempts(&self) -> Vec<TicketProgress> {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|(progress, _)| progress.clone())
            .collect()
    }

    fn progress(
        &self,
        attempt_id: &str,
        session_id: Option<String>,
        kind: SystemKind,
        state: TicketState,
    ) -> TicketProgress {
        TicketProgress {
            attempt_id: attempt_id.to_string(),
            session_id,
            system: kind.to_string(),
            state,
            ticket_id: None,
            number: None,
            url: None,
            error: None,
        }
    }

    /// Records and announces an attempt's progress.
    fn note(&self, progress: TicketProgress, running: bool) {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(progress.attempt_id.clone(), (progress.clone(), running));
        self.workspace
            .publisher()
            .publish(|workspace| DeskEvent::Ticket {
                workspace,
                progress,
            });
    }

    /// Attempts a crash or a closed workspace left unsettled, taken up again: each is looked up
    /// in its system before anything is sent again.
    fn resume_unfinished(self: &Arc<Self>) {
        let unfinished = match self.journal.unfinished() {
            Ok(unfinished) => unfinished,
            Err(error) => {
                tracing::warn!(%error, "unsettled tickets could not be read; they are looked at on the next start");
                return;
            }
        };
        for attempt in unfinished {
            let Ok(target) = self.target(attempt.system) else {
                continue;
            };
            if target != attempt.target {
                continue;
            }
            let session_id = attempt.draft.customer.cid.clone();
            let progress = self.progress(
                &attempt.attempt_id,
                session_id.clone(),
                attempt.system,
                TicketState::Checking,
            );
            self.note(progress, true);
            let desk = self.clone();
            self.spawn(async move {
                match desk.client(attempt.system).await {
                    Ok(client) => {
                        desk.settle(
                            client,
                            target,
                            attempt.attempt_id,
                            session_id,
                            attempt.draft,
                        )
                        .await
                    }
                    Err(error) => {
                        let mut progress = desk.progress(
                            &attempt.attempt_id,
                            session_id,
                            attempt.system,
                            TicketState::Checking,
                        );
                        progress.error = Some(error);
                        desk.note(progress, false);
                    }
                }
            });
        }
    }

    /// Creates the attempt's ticket, looking it up while its outcome is unknown (the lookups back
    /// off to a minute apart and go on until the system can say, or the workspace closes).
    async fn settle(
        self: Arc<Self>,
        client: Arc<TicketSystem>,
        target: String,
        attempt_id: String,
        session_id: Option<String>,
        draft: TicketDraft,
    ) {
        let kind = client.kind();
        let mut wait = CHECK_FIRST;
        loop {
            let outcome = create_once(
                self.journal.as_ref() as &dyn TicketJournal,
                &client,
                &target,
                &attempt_id,
                &draft,
            )
            .await;
            let mut progress =
                self.progress(&attempt_id, session_id.clone(), kind, TicketState::Created);
            match outcome {
                Ok(ticket) => {
                    fill_ticket(&mut progress, &ticket);
                    let _ = std::fs::remove_dir_all(self.files.join(&attempt_id));
                    self.note(progress, false);
                    return;
                }
                Err(error) if error.outcome_unknown() => {
                    progress.state = TicketState::Checking;
                    progress.error = Some(error.into());
                    self.note(progress, true);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(CHECK_MOST);
                }
                Err(error) => {
                    progress.state = TicketState::NotCreated;
                    progress.error = Some(error.into());
                    self.note(progress, false);
                    return;
                }
            }
        }
    }

    /// Writes the attachments where a resend after a crash finds them.
    fn keep_attachments(
        &self,
        attempt_id: &str,
        inputs: &[AttachmentInput],
    ) -> Result<Vec<AttachmentFile>, ApiError> {
        let folder = self.files.join(attempt_id);
        let _ = std::fs::remove_dir_all(&folder);
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        std::fs::create_dir_all(&folder).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("the attachments cannot be kept in {} ({e}); free some disk space and try again", folder.display()),
            )
        })?;
        let mut files = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(input.data_base64.trim())
                .map_err(|_| {
                    ApiError::from(TicketError::Draft(DraftProblem::AttachmentDamaged {
                        name: input.name.clone(),
                    }))
                })?;
            // The name is the customer's or the agent's: only its last part, and never a path.
            let name: String = input
                .name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(120)
                .collect();
            let name = if name.trim().is_empty() || name.starts_with('.') {
                format!("attachment-{}", index + 1)
            } else {
                name
            };
            let path = folder.join(format!("{}-{name}", index + 1));
            std::fs::write(&path, &bytes).map_err(|e| {
                ApiError::new(
                    ErrorCode::Storage,
                    format!("the attachment {name:?} cannot be kept ({e}); free some disk space and try again"),
                )
            })?;
            files.push(AttachmentFile { name, path });
        }
        Ok(files)
    }

    /// The customer's tickets in every system: from the tenant's database at once
    /// (`refresh: false`), or asked of each system (`refresh: true`).
    pub async fn customer_tickets(
        &self,
        session_id: &str,
        refresh: bool,
    ) -> Result<CustomerTickets, ApiError> {
        self.workspace.ensure_open()?;
        let session = self.workspace.session(session_id).await?;
        let uid = session.visitor_id;
        if !refresh {
            let kept = self
                .workspace
                .answers()
                .get::<Vec<CustomerTicket>>(LIST, &uid)
                .await;
            return Ok(match kept {
                Some((tickets, at)) => CustomerTickets {
                    tickets,
                    failures: Vec::new(),
                    as_of_ms: Some(at),
                },
                None => CustomerTickets {
                    tickets: Vec::new(),
                    failures: Vec::new(),
                    as_of_ms: None,
                },
            });
        }
        let lists = futures_util::future::join_all(self.systems.iter().map(|system| {
            let uid = uid.clone();
            async move {
                let result = match self.client(system.kind).await {
                    Ok(client) => client.list(&uid).await.map_err(ApiError::from),
                    Err(error) => Err(error),
                };
                (system.kind, result)
            }
        }))
        .await;
        let mut tickets = Vec::new();
        let mut failures = Vec::new();
        for (system, result) in lists {
            match result {
                Ok(list) => tickets.extend(
                    list.into_iter()
                        .map(|ticket| CustomerTicket { system, ticket }),
                ),
                Err(error) => failures.push(TicketListFailure { system, error }),
            }
        }
        // Open ones first; within each, the latest change first.
        tickets.sort_by(|a, b| {
            b.ticket
                .open
                .cmp(&a.ticket.open)
                .then_with(|| b.ticket.updated_at.cmp(&a.ticket.updated_at))
        });
        if failures.is_empty() {
            self.workspace.answers().put(LIST, &uid, &tickets);
            // Kept before it is shown: the next look (the panel opened again) reads it.
            self.workspace.answers().settled().await;
        }
        Ok(CustomerTickets {
            tickets,
            failures,
            as_of_ms: Some(self.workspace.now_ms()),
        })
    }

    /// The merchant's ticket figures over `from`..=`to` (days, `yyyy-MM-dd`, China time): Sobot's
    /// `get_ticket_data` and `query_agent_jobs`. None when the merchant does not use Sobot 工单.
    pub async fn ticket_figures(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Option<TicketFigures>, ApiError> {
        self.workspace.ensure_open()?;
        if self.system(SystemKind::Sobot).is_err() {
            return Ok(None);
        }
        let (from_ms, to_ms) = (china_day_ms(from, false)?, china_day_ms(to, true)?);
        match &*self.client(SystemKind::Sobot).await? {
            TicketSystem::Sobot(sobot) => Ok(Some(sobot.figures(from_ms, to_ms).await?)),
            _ => Ok(None),
        }
    }

    pub async fn ticket_detail(
        &self,
        kind: SystemKind,
        id: &str,
    ) -> Result<TicketDetail, ApiError> {
        self.workspace.ensure_open()?;
        Ok(self.client(kind).await?.detail(id).await?)
    }

    /// Replies to a ticket (with a status or level change where the system takes one) and gives
    /// the ticket as it is afterwards.
    pub async fn reply_ticket(
        &self,
        kind: SystemKind,
        id: &str,
        reply: ReplyDraft,
    ) -> Result<TicketDetail, ApiError> {
        self.workspace.ensure_open()?;
        if reply.content.trim().is_empty() {
            return Err(TicketError::Draft(DraftProblem::EmptyReply).into());
        }
        let client = self.client(kind).await?;
        client.reply(id, &reply).await?;
        Ok(client.detail(id).await?)
    }
}

/// The first (or, with `end`, the last) second of day `text` in China time (UTC+8, no DST), in ms.
fn china_day_ms(text: &str, end: bool) -> Result<i64, ApiError> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::NotADate {
                text: text.to_string(),
            },
            format!("{text:?} is not a date (yyyy-MM-dd)"),
        )
    })?;
    let (hour, minute, second) = if end { (23, 59, 59) } else { (0, 0, 0) };
    let local = date
        .and_hms_opt(hour, minute, second)
        .expect("a valid time of day");
    Ok((local - chrono::Duration::hours(8))
        .and_utc()
        .timestamp_millis())
}

fn fill_ticket(progress: &mut TicketProgress, ticket: &CreatedTicket) {
    progress.ticket_id = Some(ticket.id.clone());
    progress.number = Some(ticket.number.clone());
    progress.url = ticket.url.clone();
}

//! Payment links made exactly once. Neither Alipay nor WeChat Pay takes an idempotency key, but
//! both hold a merchant's `out_trade_no` unique: a second order under the same number cannot come
//! into being. So:
//! 1. the order, with its number, amount, subject and expiry fixed, is recorded (`Sending`) before
//!    the request leaves;
//! 2. the answer is recorded: `Created` with the link, `Refused` (nothing was made), or `Unknown`;
//! 3. a record found `Sending` (the process died mid-call) or `Unknown` is settled by a query
//!    first: paid or closed, it is not asked for again; otherwise the same request, under the same
//!    number, is sent again, and the provider answers with the order it already holds.
//!
//! docs/PROTOCOL.md ("Payment links, exactly once") says what is invented here.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::{PaymentError, PaymentLink, PaymentOrder, PaymentState, PaymentSystem, Provider};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    /// The request is (or was, when the process died) on its way.
    Sending,
    Created,
    /// The provider said no; nothing was made.
    Refused,
    /// No answer said what happened.
    Unknown,
}

/// One payment link as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub provider: Provider,
    /// The merchant's account at the provider (`PaymentSystem::account`).
    pub account: String,
    pub order: PaymentOrder,
    pub state: RecordState,
    pub link: Option<PaymentLink>,
    /// Where the payment stands, as last seen.
    pub payment: PaymentState,
    pub error: Option<String>,
    /// The conversation it was made for and what it says there (none from the CLI).
    #[serde(default)]
    pub conversation: Option<LinkConversation>,
}

/// Where a link goes once made, fixed with the order so a link settled after a crash reaches the
/// same customer with the same words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkConversation {
    pub session_id: String,
    /// The message with the link (`{link}` stands for it) for a link the customer taps.
    pub link_message: String,
    /// The message under the QR image for a code the customer must scan (WeChat Pay Native).
    pub scan_message: String,
}

/// Where records are kept (the tenant's database in the app). A save returns once it is durable.
pub trait PaymentJournal: Send + Sync {
    fn load(&self, out_trade_no: &str) -> Result<Option<PaymentRecord>, String>;
    fn save(&self, record: &PaymentRecord) -> Result<(), String>;
}

/// A journal in memory, for one process's life (the CLI: a rerun with the same `--out-trade-no`
/// is settled by the provider's uniqueness of the number).
#[derive(Default)]
pub struct MemoryJournal {
    records: Mutex<HashMap<String, PaymentRecord>>,
}

impl PaymentJournal for MemoryJournal {
    fn load(&self, out_trade_no: &str) -> Result<Option<PaymentRecord>, String> {
        Ok(self
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(out_trade_no)
            .cloned())
    }

    fn save(&self, record: &PaymentRecord) -> Result<(), String> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(record.order.out_trade_no.clone(), record.clone());
        Ok(())
    }
}

/// The records among `bodies` (one that does not decode, from a future version say, is passed over).
fn records(bodies: &[String]) -> Vec<PaymentRecord> {
    bodies
        .iter()
        .filter_map(|body| serde_json::from_str(body).ok())
        .collect()
}

/// The journal in a tenant's database (encrypted like the messages): durable across a crash, so a
/// link whose request was on its way is settled, not made again, when the desk starts.
pub struct DatabaseJournal {
    connection: agentdesk_store::JournalConnection,
}

impl DatabaseJournal {
    pub fn new(database: agentdesk_store::Database) -> DatabaseJournal {
        DatabaseJournal {
            connection: agentdesk_store::JournalConnection::new(database),
        }
    }

    fn with_store<T>(
        &self,
        work: impl FnOnce(&agentdesk_store::Store) -> Result<T, agentdesk_store::StoreError>,
    ) -> Result<T, String> {
        self.connection.with_store(work)
    }

    /// Links to settle (their request's outcome unknown) or to follow (made, not paid or closed
    /// yet), oldest first.
    pub fn open_links(&self) -> Result<Vec<PaymentRecord>, String> {
        self.with_store(|store| store.open_payment_links(&["waiting", "failed"]))
            .map(|bodies| records(&bodies))
    }

    /// Links made and then closed by the agent, oldest first.
    pub fn closed_links(&self) -> Result<Vec<PaymentRecord>, String> {
        self.with_store(|store| store.closed_payment_links())
            .map(|bodies| records(&bodies))
    }

    /// Every link made for `session_id`, oldest first.
    pub fn session_links(&self, session_id: &str) -> Result<Vec<PaymentRecord>, String> {
        self.with_store(|store| store.session_payment_links(session_id))
            .map(|bodies| records(&bodies))
    }

    /// Lets the database go (the workspace is closing); the next use opens it again.
    pub fn release(&self) {
        self.connection.release();
    }
}

impl PaymentJournal for DatabaseJournal {
    fn load(&self, out_trade_no: &str) -> Result<Option<PaymentRecord>, String> {
        match self.with_store(|store| store.payment_link(out_trade_no))? {
            None => Ok(None),
            Some(body) => serde_json::from_str(&body)
                .map(Some)
                .map_err(|e| format!("the record of payment {out_trade_no} is damaged: {e}")),
        }
    }

    fn save(&self, record: &PaymentRecord) -> Result<(), String> {
        let body = serde_json::to_string(record).map_err(|e| e.to_string())?;
        let state = serde_json::to_value(record.state).map_err(|e| e.to_string())?;
        let payment = serde_json::to_value(record.payment).map_err(|e| e.to_string())?;
        let now = {
            use agentdesk_domain::Clock as _;
            agentdesk_domain::SystemClock.now().as_i64()
        };
        let session = record.conversation.as_ref().map(|c| c.session_id.as_str());
        self.with_store(|store| {
            store.put_payment_link(
                &record.order.out_trade_no,
                session,
                state.as_str().unwrap_or_default(),
                payment.as_str().unwrap_or_default(),
                &body,
                now,
            )
        })
    }
}

fn record(journal: &dyn PaymentJournal, record: &PaymentRecord) -> Result<(), PaymentError> {
    journal.save(record).map_err(|e| {
        PaymentError::Invalid(format!(
            "the payment could not be recorded on this computer before sending ({e}); nothing was sent. Free some disk space and try again"
        ))
    })
}

/// Makes the link of `order` once, whatever happened to earlier tries of it.
pub async fn create_once(
    journal: &dyn PaymentJournal,
    system: &PaymentSystem,
    order: &PaymentOrder,
) -> Result<PaymentLink, PaymentError> {
    create_once_for(journal, system, order, None).await
}

/// As `create_once`, the link meant for a conversation (recorded with the order on the first try).
pub async fn create_once_for(
    journal: &dyn PaymentJournal,
    system: &PaymentSystem,
    order: &PaymentOrder,
    conversation: Option<LinkConversation>,
) -> Result<PaymentLink, PaymentError> {
    order.validate()?;
    let number = &order.out_trade_no;
    let recorded = journal.load(number).map_err(PaymentError::Invalid)?;
    let first_time = recorded.is_none();
    let mut entry = match recorded {
        Some(known) => {
            if known.provider != system.provider()
                || known.account != system.account()
                || known.order.amount != order.amount
                || known.order.subject.trim() != order.subject.trim()
            {
                return Err(PaymentError::Invalid(format!(
                    "order number {number} was already used for {} {} at {}: a number names one payment; make a new link",
                    known.order.amount, known.order.subject, known.provider
                )));
            }
            known
        }
        None => PaymentRecord {
            provider: system.provider(),
            account: system.account(),
            order: order.clone(),
            state: RecordState::Sending,
            link: None,
            payment: PaymentState::Waiting,
            error: None,
            conversation,
        },
    };
    match entry.state {
        RecordState::Created => {
            if let Some(link) = &entry.link {
                return Ok(link.clone());
            }
        }
        RecordState::Sending | RecordState::Unknown if !first_time => {
            // Settle first: an error here leaves it unknown, and nothing is sent.
            let status = system.query(number).await?;
            if status.state.is_final() {
                entry.payment = status.state;
                entry.state = RecordState::Created;
                record(journal, &entry)?;
                return Err(PaymentError::AlreadySettled {
                    out_trade_no: number.clone(),
                    state: format!("{:?}", status.state).to_lowercase(),
                });
            }
        }
        RecordState::Sending | RecordState::Unknown | RecordState::Refused => {}
    }
    // The recorded order, not the caller's: a repeat is the first request again.
    let order = entry.order.clone();
    entry.state = RecordState::Sending;
    entry.error = None;
    record(journal, &entry)?;
    match system.create(&order).await {
        Ok(link) => {
            entry.state = RecordState::Created;
            entry.link = Some(link.clone());
            record(journal, &entry)?;
            Ok(link)
        }
        Err(error) => {
            entry.state = if error.outcome_unknown() {
                RecordState::Unknown
            } else {
                RecordState::Refused
            };
            entry.error = Some(error.to_string());
            record(journal, &entry)?;
            Err(error)
        }
    }
}

/// Where a recorded payment stands now: queried, and closed (as `Expired`) when its time is up
/// and it is still unpaid. `now_ms` is the real time (the provider's expiry is on its clock).
pub async fn follow(
    journal: &dyn PaymentJournal,
    system: &PaymentSystem,
    out_trade_no: &str,
    now_ms: i64,
) -> Result<crate::PaymentStatus, PaymentError> {
    let mut status = system.query(out_trade_no).await?;
    let entry = journal.load(out_trade_no).map_err(PaymentError::Invalid)?;
    if let Some(mut entry) = entry {
        if status.state == PaymentState::Waiting && now_ms >= entry.order.expires_at_ms() {
            system.close(out_trade_no).await?;
            status.state = PaymentState::Expired;
        }
        if entry.payment != status.state {
            entry.payment = status.state;
            record(journal, &entry)?;
        }
    }
    Ok(status)
}

//! AgentDesk's local SQLite cache: one database file per account and tenant, so switching tenant
//! swaps a file and nothing of one tenant can leak into another's queries.
//!
//! Each table lives in its own module with its migrations. Writes from the engine arrive as a batch
//! of `Write`s applied in one transaction (a group commit: at 10,000 messages/s one fsync per batch,
//! not per message). WAL mode lets the UI read while the engine writes.

mod assistant_calls;
mod audit_log;
mod customer_cache;
mod customer_notes;
mod encryption;
mod error;
mod journal_connection;
mod kb_articles;
mod messages;
mod migrations;
mod outbox;
mod payment_links;
mod question_vectors;
mod read_pool;
mod sessions;
mod ticket_attempts;
mod visitors;
mod write_backs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use agentdesk_domain::{Message, Session};
use rusqlite::{Connection, OpenFlags};

pub use assistant_calls::AssistantCall;
pub use audit_log::AuditEntry;
pub use customer_cache::CachedAnswer;
pub use customer_notes::CustomerNote;
pub use encryption::DatabaseKey;
pub use error::StoreError;
pub use journal_connection::JournalConnection;
pub use kb_articles::KbArticle;
pub use messages::OrderedText;
pub use outbox::{OutboxAttachment, OutboxItem, OutboxState, QueuedText};
pub use read_pool::ReadPool;
pub use visitors::Visitor;
pub use write_backs::WriteBackRow;

/// One change for `Store::apply`. Every variant is idempotent, so replaying a batch after a crash
/// (or a duplicate push) changes nothing the second time.
#[derive(Debug, Clone)]
pub enum Write {
    UpsertSession(Session),
    EndSession {
        session_id: String,
    },
    RateSession {
        session_id: String,
        score: u8,
    },
    UpsertVisitor(Visitor),
    /// A message the platform confirmed (it has a `msg_id`). If it carries a `client_msg_id` that a
    /// local outbound message has, that message becomes `Sent`; otherwise it is inserted, once per
    /// `msg_id`.
    StoreMessage(Message),
    /// A voice message read as text (or why it could not be): changed when the message is stored.
    Transcribe {
        msg_id: String,
        transcript: agentdesk_domain::Transcript,
    },
    /// The platform's exact time of a stored message (history gives milliseconds where a push gave
    /// seconds): changed only if it differs.
    ConfirmMessageTime {
        msg_id: String,
        sent_at_ms: i64,
    },
    /// A new outbound message: the outbox item and its pending message in one go.
    Enqueue(OutboxItem),
    /// A send of the item is about to start: recorded before the request leaves, so that after a
    /// crash the item is known to be possibly stored and is looked for before it is sent again.
    OutboxAttempt {
        client_msg_id: String,
        at_ms: i64,
    },
    /// The platform accepted the item.
    OutboxAccepted {
        client_msg_id: String,
    },
    /// The send may have been stored, but no answer said so: the item waits for a look at the
    /// session's history.
    OutboxUnknown {
        client_msg_id: String,
        error: String,
    },
    /// The platform refused the item for good; the message shows as failed.
    MarkFailed {
        client_msg_id: String,
        error: String,
    },
    /// The request never reached the platform: try again at `next_attempt_at_ms`.
    Postpone {
        client_msg_id: String,
        next_attempt_at_ms: i64,
        error: String,
    },
    /// The agent asked to retry a failed item, or the history showed that an unknown one was not
    /// stored.
    Requeue {
        client_msg_id: String,
    },
    Audit(AuditEntry),
    /// Deletes audit entries older than `before_ms` (the retention setting): changed when any went.
    PruneAudit {
        before_ms: i64,
    },
    /// An answer of one of the 360° view's sources, kept to show at once next time (an older answer
    /// arriving late changes nothing).
    CacheAnswer {
        source: String,
        key: String,
        body: String,
        fetched_at_ms: i64,
    },
    /// The agent's note about a customer; an empty one removes it.
    CustomerNote {
        visitor_id: String,
        body: String,
        updated_at_ms: i64,
    },
    /// A knowledge-base article as the platform has it: changed only if it differs.
    UpsertArticle(KbArticle),
    /// A question the agent answered with an article becomes one of its questions: changed unless it
    /// already was.
    LearnQuestion {
        docid: String,
        question: String,
        learned_at_ms: i64,
    },
    /// The encoder's vector of a knowledge-base question (`model` names the encoder).
    QuestionVector {
        question: String,
        model: String,
        vector: Vec<u8>,
    },
    /// A call of the reply assistant (inserted once per call id).
    AssistantCall(AssistantCall),
    /// What became of an assistant's draft: sent, edited or discarded (the first one stands).
    AssistantFate {
        call_id: String,
        fate: String,
    },
    /// One of the merchant's own settings, as JSON.
    WorkspaceSetting {
        key: String,
        value: String,
    },
}

/// Whether each `Write` changed anything (false for a duplicate).
pub type Applied = Vec<bool>;

pub struct Store {
    conn: Connection,
}

/// A name as a file-name component: injective, and safe on every platform (no separators, no dots,
/// nothing reserved; `%` itself is escaped).
fn path_component(name: &str) -> String {
    if name.is_empty() {
        return "%".into();
    }
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One workspace's database: its file and the key that opens it (none: plain SQLite, for tests and
/// tools). Every connection to the file opens through this value, so the key is held by whoever
/// owns the workspace and by nothing process-wide.
#[derive(Clone, Debug)]
pub struct Database {
    path: PathBuf,
    key: Option<DatabaseKey>,
}

impl Database {
    /// An encrypted database (SQLCipher); a plain file already there is encrypted on first open.
    pub fn encrypted(path: PathBuf, key: DatabaseKey) -> Database {
        Database {
            path,
            key: Some(key),
        }
    }

    /// A plain SQLite database (tests and tools that bring no keychain).
    pub fn plain(path: PathBuf) -> Database {
        Database { path, key: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-write connection (creating and migrating the file if needed).
    pub fn open(&self) -> Result<Store, StoreError> {
        Store::open_with_key(&self.path, self.key.as_ref())
    }

    /// A read-only connection.
    pub fn open_read_only(&self) -> Result<Store, StoreError> {
        Store::open_read_only_with_key(&self.path, self.key.as_ref())
    }
}

impl Store {
    /// `{data_dir}/accounts/{account}/{tenant}.sqlite3`. Both parts are escaped one-to-one (ASCII
    /// letters, digits, `-` and `_` kept; every other byte as `%XX`), so names cannot leave the data
    /// directory and two different names never share a file ("客服一" and "客服二" stay apart).
    pub fn database_path(data_dir: &Path, account: &str, tenant: &str) -> PathBuf {
        data_dir
            .join("accounts")
            .join(path_component(account))
            .join(format!("{}.sqlite3", path_component(tenant)))
    }

    /// Opens (creating if needed) and migrates the plain (unencrypted) database at `path`; an
    /// encrypted one opens through its `Database`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_key(path, None)
    }

    fn open_with_key(path: &Path, key: Option<&DatabaseKey>) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(path, e))?;
        }
        if let Some(key) = key {
            if encryption::is_plain_sqlite(path) {
                encryption::encrypt_plain_database(path, key)?;
            }
        }
        let conn = Connection::open(path).map_err(|e| StoreError::open(path, e))?;
        if let Some(key) = key {
            encryption::unlock(&conn, path, key)?;
        }
        // SQLite falls back to read-only when the file or its directory cannot be written: say so
        // now, rather than failing every write later.
        if conn
            .is_readonly(rusqlite::DatabaseName::Main)
            .map_err(|e| StoreError::open(path, e))?
        {
            return Err(StoreError::ReadOnly(format!(
                "{} cannot be written",
                path.display()
            )));
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| StoreError::open(path, e))?;
        // WAL + synchronous=NORMAL: a committed transaction survives a killed process (the WAL is
        // written before commit returns); only an OS crash can lose the last few commits.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| StoreError::open(path, e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| StoreError::open(path, e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| StoreError::open(path, e))?;
        let mut store = Store { conn };
        migrations::run(
            &mut store.conn,
            &[
                ("sessions", sessions::MIGRATIONS),
                ("visitors", visitors::MIGRATIONS),
                ("messages", messages::MIGRATIONS),
                ("outbox", outbox::MIGRATIONS),
                ("kb_articles", kb_articles::MIGRATIONS),
                ("audit_log", audit_log::MIGRATIONS),
                ("customer_cache", customer_cache::MIGRATIONS),
                ("customer_notes", customer_notes::MIGRATIONS),
                ("question_vectors", question_vectors::MIGRATIONS),
                ("assistant_calls", assistant_calls::MIGRATIONS),
                ("ticket_attempts", ticket_attempts::MIGRATIONS),
                ("payment_links", payment_links::MIGRATIONS),
                ("write_backs", write_backs::MIGRATIONS),
            ],
        )?;
        Ok(store)
    }

    /// A read-only connection to the plain database at `path` (for checking one from outside); an
    /// encrypted one opens through its `Database`.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Store::open_read_only_with_key(path, None)
    }

    fn open_read_only_with_key(
        path: &Path,
        key: Option<&DatabaseKey>,
    ) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::open(path, e))?;
        if let Some(key) = key {
            encryption::unlock(&conn, path, key)?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| StoreError::open(path, e))?;
        Ok(Store { conn })
    }

    /// Applies a batch in one transaction.
    pub fn apply(&mut self, writes: &[Write]) -> Result<Applied, StoreError> {
        let tx = self.conn.transaction()?;
        let mut applied = Vec::with_capacity(writes.len());
        for write in writes {
            applied.push(apply_one(&tx, write)?);
        }
        tx.commit()?;
        Ok(applied)
    }

    pub fn sessions(&self) -> Result<Vec<Session>, StoreError> {
        sessions::all(&self.conn)
    }

    pub fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        sessions::get(&self.conn, id)
    }

    /// Customers' voice messages not read as text yet, oldest first.
    pub fn unread_voice(&self, limit: usize) -> Result<Vec<Message>, StoreError> {
        messages::unread_voice(&self.conn, limit)
    }

    /// The newest `limit` messages of a session, oldest first.
    pub fn messages(&self, session_id: &str, limit: usize) -> Result<Vec<Message>, StoreError> {
        messages::recent(&self.conn, session_id, limit)
    }

    /// Each session's newest platform time among its confirmed messages (sessions with none are
    /// absent).
    pub fn latest_confirmed_times(&self) -> Result<HashMap<String, i64>, StoreError> {
        messages::latest_confirmed_times(&self.conn)
    }

    pub fn message_by_client_id(&self, client_msg_id: &str) -> Result<Option<Message>, StoreError> {
        messages::by_client_id(&self.conn, client_msg_id)
    }

    /// Outbox items that may have reached the platform without an answer saying so (unknown, or
    /// attempted and never resolved), oldest first.
    pub fn unresolved_outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        outbox::unresolved(&self.conn)
    }

    /// Outbox items due by `now_ms`, oldest first, at most one per session (see `outbox::due`).
    pub fn due_outbox(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        outbox::due(&self.conn, now_ms, limit)
    }

    pub fn outbox_item(&self, client_msg_id: &str) -> Result<Option<OutboxItem>, StoreError> {
        outbox::get(&self.conn, client_msg_id)
    }

    /// Every pending item, due or not.
    pub fn pending_outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        outbox::all_pending(&self.conn)
    }

    pub fn outbox_depth(&self) -> Result<u64, StoreError> {
        outbox::pending_count(&self.conn)
    }

    pub fn upsert_articles(&mut self, articles: &[KbArticle]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut changed = 0;
        for article in articles {
            changed += usize::from(kb_articles::upsert(&tx, article)?);
        }
        tx.commit()?;
        Ok(changed)
    }

    pub fn articles(&self) -> Result<Vec<KbArticle>, StoreError> {
        kb_articles::all(&self.conn)
    }

    /// Keeps a customer's wording an agent answered with article `docid` (false if already kept).
    pub fn learn_question(
        &self,
        docid: &str,
        question: &str,
        learned_at_ms: i64,
    ) -> Result<bool, StoreError> {
        kb_articles::learn(&self.conn, docid, question, learned_at_ms)
    }

    /// The kept question vectors of `model`, by question text.
    /// The reply assistant's calls from `since_ms` on, oldest first.
    pub fn assistant_calls_since(&self, since_ms: i64) -> Result<Vec<AssistantCall>, StoreError> {
        assistant_calls::since(&self.conn, since_ms)
    }

    /// One of the merchant's own settings (JSON), if set.
    pub fn workspace_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        assistant_calls::setting(&self.conn, key)
    }

    pub fn question_vectors(
        &self,
        model: &str,
    ) -> Result<std::collections::HashMap<String, Vec<u8>>, StoreError> {
        question_vectors::all(&self.conn, model)
    }

    /// Every learned question as (article, question), oldest first.
    pub fn learned_questions(&self) -> Result<Vec<(String, String)>, StoreError> {
        kb_articles::learned(&self.conn)
    }

    /// Keeps a source's answer about `key` (a customer id, a waybill) as of `fetched_at_ms`.
    pub fn cache_answer(
        &self,
        source: &str,
        key: &str,
        body: &str,
        fetched_at_ms: i64,
    ) -> Result<(), StoreError> {
        customer_cache::put(&self.conn, source, key, body, fetched_at_ms)
    }

    pub fn cached_answer(
        &self,
        source: &str,
        key: &str,
    ) -> Result<Option<CachedAnswer>, StoreError> {
        customer_cache::get(&self.conn, source, key)
    }

    pub fn prune_cache(&self, before_ms: i64) -> Result<usize, StoreError> {
        customer_cache::prune(&self.conn, before_ms)
    }

    /// Records a ticket attempt (its JSON, and its state to find unfinished ones by): durable when
    /// this returns (WAL, committed).
    pub fn put_ticket_attempt(
        &self,
        attempt_id: &str,
        state: &str,
        body: &str,
        updated_at_ms: i64,
    ) -> Result<(), StoreError> {
        ticket_attempts::put(&self.conn, attempt_id, state, body, updated_at_ms)
    }

    pub fn ticket_attempt(&self, attempt_id: &str) -> Result<Option<String>, StoreError> {
        ticket_attempts::get(&self.conn, attempt_id)
    }

    /// Ticket attempts not in one of `states` (the unfinished ones), oldest first.
    pub fn ticket_attempts_except(&self, states: &[&str]) -> Result<Vec<String>, StoreError> {
        ticket_attempts::all_but(&self.conn, states)
    }

    /// Records a payment link (its JSON, its state and its payment's): durable when this returns.
    pub fn put_payment_link(
        &self,
        out_trade_no: &str,
        session_id: Option<&str>,
        state: &str,
        payment: &str,
        body: &str,
        updated_at_ms: i64,
    ) -> Result<(), StoreError> {
        payment_links::put(
            &self.conn,
            out_trade_no,
            session_id,
            state,
            payment,
            body,
            updated_at_ms,
        )
    }

    pub fn payment_link(&self, out_trade_no: &str) -> Result<Option<String>, StoreError> {
        payment_links::get(&self.conn, out_trade_no)
    }

    /// Records a new write-back before it is first sent (a second record of its id changes nothing).
    pub fn put_write_back(&self, row: &WriteBackRow) -> Result<(), StoreError> {
        write_backs::insert(&self.conn, row)
    }

    /// A write-back's try began or ended: durable when this returns.
    pub fn update_write_back(
        &self,
        id: &str,
        state: &str,
        attempts: u32,
        next_attempt_at_ms: i64,
        last_error: Option<&str>,
        updated_at_ms: i64,
    ) -> Result<(), StoreError> {
        write_backs::update(
            &self.conn,
            id,
            state,
            attempts,
            next_attempt_at_ms,
            last_error,
            updated_at_ms,
        )
    }

    /// The write-backs in `state`, oldest first.
    pub fn write_backs_in(&self, state: &str) -> Result<Vec<WriteBackRow>, StoreError> {
        write_backs::in_state(&self.conn, state)
    }

    /// The newest `limit` write-backs, newest first.
    pub fn recent_write_backs(&self, limit: usize) -> Result<Vec<WriteBackRow>, StoreError> {
        write_backs::recent(&self.conn, limit)
    }

    /// Payment links made and then closed, oldest first.
    pub fn closed_payment_links(&self) -> Result<Vec<String>, StoreError> {
        payment_links::closed(&self.conn)
    }

    /// Every payment link made for `session_id`, first asked for first.
    pub fn session_payment_links(&self, session_id: &str) -> Result<Vec<String>, StoreError> {
        payment_links::of_session(&self.conn, session_id)
    }

    /// Payment links to settle or follow (see `payment_links::open`), oldest first.
    pub fn open_payment_links(&self, open_payments: &[&str]) -> Result<Vec<String>, StoreError> {
        payment_links::open(&self.conn, open_payments)
    }

    /// The agent's note about a customer, if there is one.
    pub fn customer_note(&self, visitor_id: &str) -> Result<Option<CustomerNote>, StoreError> {
        customer_notes::get(&self.conn, visitor_id)
    }

    /// Replaces the note about a customer; an empty one removes it.
    pub fn put_customer_note(
        &self,
        visitor_id: &str,
        body: &str,
        updated_at_ms: i64,
    ) -> Result<(), StoreError> {
        customer_notes::put(&self.conn, visitor_id, body, updated_at_ms)
    }

    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        audit_log::recent(&self.conn, limit)
    }

    /// Deletes audit entries older than `before_ms` (the retention setting).
    pub fn prune_audit(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        audit_log::prune(&self.conn, before_ms)
    }

    /// Every outbound item's session, text and queue time in the order the agent queued them.
    pub fn queued_texts(&self) -> Result<Vec<QueuedText>, StoreError> {
        outbox::queued_texts(&self.conn)
    }

    /// Every message's session and text, each session's in the order the window shows them, for
    /// soak runs and tests to check order and duplication against what the platform holds.
    pub fn texts_in_order(&self) -> Result<Vec<OrderedText>, StoreError> {
        messages::texts_in_order(&self.conn)
    }

    /// Inbound messages whose text contains `needle`, in stored order.
    pub fn inbound_containing(&self, needle: &str) -> Result<Vec<Message>, StoreError> {
        messages::inbound_containing(&self.conn, needle)
    }

    pub fn count_messages(
        &self,
        direction: agentdesk_domain::Direction,
    ) -> Result<u64, StoreError> {
        messages::count(&self.conn, direction)
    }

    /// Every stored message text (for soak accounting).
    pub fn message_texts(
        &self,
        direction: agentdesk_domain::Direction,
    ) -> Result<Vec<String>, StoreError> {
        messages::texts(&self.conn, direction)
    }

    /// Caps the database at its current size plus `extra_pages` (SQLite's `max_page_count`): the
    /// reliability tests simulate a full disk with it, without filling one.
    #[doc(hidden)]
    pub fn limit_growth(&self, extra_pages: u64) -> Result<(), StoreError> {
        let pages: u64 = self
            .conn
            .query_row("PRAGMA page_count", [], |row| row.get(0))?;
        self.conn
            .pragma_update(None, "max_page_count", pages + extra_pages)?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `Ok(())` when it answers `ok`.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(verdict))
        }
    }
}

/// One write of a batch; true when it changed a row. (One arm per kind of write: the list is as
/// long as `Write`, and splitting it would only hide which table each write goes to.)
fn apply_one(tx: &rusqlite::Transaction<'_>, write: &Write) -> Result<bool, StoreError> {
    Ok(match write {
        Write::UpsertSession(session) => sessions::upsert(tx, session)?,
        Write::EndSession { session_id } => sessions::end(tx, session_id)?,
        Write::RateSession { session_id, score } => sessions::rate(tx, session_id, *score)?,
        Write::UpsertVisitor(visitor) => visitors::upsert(tx, visitor)?,
        Write::Transcribe { msg_id, transcript } => messages::transcribe(tx, msg_id, transcript)?,
        Write::StoreMessage(message) => {
            let changed = messages::store_confirmed(tx, message)?;
            if let Some(client_msg_id) = &message.client_msg_id {
                outbox::mark_sent(tx, client_msg_id)?;
            }
            changed
        }
        Write::ConfirmMessageTime { msg_id, sent_at_ms } => {
            messages::confirm_time(tx, msg_id, *sent_at_ms)?
        }
        Write::Enqueue(item) => outbox::enqueue(tx, item)?,
        Write::OutboxAttempt {
            client_msg_id,
            at_ms,
        } => outbox::mark_attempt(tx, client_msg_id, *at_ms)?,
        Write::OutboxUnknown {
            client_msg_id,
            error,
        } => outbox::mark_unknown(tx, client_msg_id, error)?,
        Write::OutboxAccepted { client_msg_id } => outbox::mark_sent(tx, client_msg_id)?,
        Write::MarkFailed {
            client_msg_id,
            error,
        } => outbox::mark_failed(tx, client_msg_id, error)?,
        Write::Postpone {
            client_msg_id,
            next_attempt_at_ms,
            error,
        } => outbox::postpone(tx, client_msg_id, *next_attempt_at_ms, error)?,
        Write::Requeue { client_msg_id } => outbox::requeue(tx, client_msg_id)?,
        Write::Audit(entry) => audit_log::insert(tx, entry)?,
        Write::PruneAudit { before_ms } => audit_log::prune(tx, *before_ms)? > 0,
        Write::CacheAnswer {
            source,
            key,
            body,
            fetched_at_ms,
        } => {
            customer_cache::put(tx, source, key, body, *fetched_at_ms)?;
            true
        }
        Write::CustomerNote {
            visitor_id,
            body,
            updated_at_ms,
        } => {
            customer_notes::put(tx, visitor_id, body, *updated_at_ms)?;
            true
        }
        Write::UpsertArticle(article) => kb_articles::upsert(tx, article)?,
        Write::LearnQuestion {
            docid,
            question,
            learned_at_ms,
        } => kb_articles::learn(tx, docid, question, *learned_at_ms)?,
        Write::QuestionVector {
            question,
            model,
            vector,
        } => question_vectors::put(tx, question, model, vector)?,
        Write::AssistantCall(call) => assistant_calls::insert(tx, call)?,
        Write::AssistantFate { call_id, fate } => assistant_calls::set_fate(tx, call_id, fate)?,
        Write::WorkspaceSetting { key, value } => assistant_calls::put_setting(tx, key, value)?,
    })
}

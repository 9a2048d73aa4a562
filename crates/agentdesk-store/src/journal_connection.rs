//! One connection of its own to a database, for a journal of outside writes (tickets, payment
//! links): opened on first use (every open runs the key check and the migrations), closed after a
//! failure so the next call opens it afresh, and released when the workspace closes.

use std::sync::Mutex;

use crate::{Database, Store, StoreError};

pub struct JournalConnection {
    database: Database,
    store: Mutex<Option<Store>>,
}

impl JournalConnection {
    pub fn new(database: Database) -> JournalConnection {
        JournalConnection {
            database,
            store: Mutex::new(None),
        }
    }

    /// Runs `work` on the connection; a failure closes it, so the next call opens afresh.
    pub fn with_store<T>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, String> {
        let mut slot = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(self.database.open().map_err(|e| e.to_string())?);
        }
        let result = work(slot.as_ref().expect("opened above"));
        if result.is_err() {
            *slot = None;
        }
        result.map_err(|e| e.to_string())
    }

    /// Closes the connection (the next call opens it again).
    pub fn release(&self) {
        *self.store.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

//! A few read-only connections to one database, lent to readers on blocking threads: the window's
//! reads, the outbox's look at what is due and the mood judge each take one for the length of a read,
//! so none of them waits behind another's lock, and no read ever runs on an async thread.

use std::sync::{Arc, Mutex};

use crate::{Database, Store, StoreError};

/// Connections kept open between reads (more are opened under a burst and closed after it).
const KEPT_OPEN: usize = 3;

#[derive(Clone)]
pub struct ReadPool {
    database: Database,
    idle: Arc<Mutex<Vec<Store>>>,
}

impl ReadPool {
    /// Connections open lazily, on the first read.
    pub fn new(database: Database) -> ReadPool {
        ReadPool {
            database,
            idle: Arc::default(),
        }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Runs `read` on a blocking thread with a connection of the pool.
    pub async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.read_here(read))
            .await
            .map_err(|error| StoreError::Stopped(format!("a database read stopped: {error}")))?
    }

    /// Runs `read` on this thread (the caller is on a blocking thread already).
    pub fn read_here<T>(
        &self,
        read: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let lent = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let store = match lent {
            Some(store) => store,
            None => self.database.open_read_only()?,
        };
        let result = read(&store);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEPT_OPEN {
            idle.push(store);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_at_once_each_get_a_connection_and_a_few_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let database = Database::plain(dir.path().join("t.sqlite3"));
        database.open().unwrap();
        let pool = ReadPool::new(database);
        let reads = (0..8).map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.read(|store| {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    store.sessions()
                })
                .await
            })
        });
        for read in futures_util::future::join_all(reads).await {
            assert!(read.unwrap().unwrap().is_empty());
        }
        let kept = pool.idle.lock().unwrap().len();
        assert!((1..=KEPT_OPEN).contains(&kept), "{kept}");
    }
}

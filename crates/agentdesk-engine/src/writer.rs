//! The store's single writer: a dedicated thread owning the workspace database's only read-write
//! connection. The engine hands it a whole batch and awaits the commit, so SQLite sees one
//! transaction per batch and the async runtime never blocks on disk; the use cases' own writes (the
//! 360° view's cache, notes, knowledge articles, the audit log) go through it too.

use agentdesk_store::{Applied, Database, StoreError, Write};
use tokio::sync::{mpsc, oneshot};

enum Job {
    Apply(Vec<Write>, oneshot::Sender<Result<Applied, StoreError>>),
    /// Close the connection (checkpointing the WAL into the file) and stop.
    Close(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct StoreWriter {
    jobs: mpsc::UnboundedSender<Job>,
}

impl StoreWriter {
    pub fn start(database: &Database) -> Result<StoreWriter, StoreError> {
        let mut store = database.open()?;
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        std::thread::Builder::new()
            .name("agentdesk-store-writer".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    match job {
                        Job::Apply(writes, reply) => {
                            // Nobody waiting (a write handed over with `submit`): logged here.
                            if let Err(Err(error)) = reply.send(store.apply(&writes)) {
                                tracing::warn!(%error, "a write handed to the store could not be kept");
                            }
                        }
                        Job::Close(done) => {
                            drop(store);
                            let _ = done.send(());
                            return;
                        }
                    }
                }
            })
            .map_err(|e| {
                StoreError::Sqlite(format!("cannot start the store writer thread: {e}"))
            })?;
        Ok(StoreWriter { jobs })
    }

    /// Hands `writes` over without waiting for the commit (best-effort data: a cache, an audit line).
    pub fn submit(&self, writes: Vec<Write>) {
        let (reply, _) = oneshot::channel();
        if self.jobs.send(Job::Apply(writes, reply)).is_err() {
            tracing::warn!("the store writer has stopped; a write was dropped");
        }
    }

    pub async fn apply(&self, writes: Vec<Write>) -> Result<Applied, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Apply(writes, reply))
            .map_err(|_| StoreError::Sqlite("the store writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Sqlite("the store writer has stopped".into()))?
    }

    /// Closes the connection once the writes handed over before are done, and waits for it: after
    /// this the file is whole on disk (nothing left in the WAL) and writes are refused.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.jobs.send(Job::Close(done)).is_ok() {
            let _ = closed.await;
        }
    }
}

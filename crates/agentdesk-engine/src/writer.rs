//! The store's single writer: a dedicated thread owning the read-write connection. The engine hands
//! it a whole batch and awaits the commit, so SQLite sees one transaction per batch and the async
//! runtime never blocks on disk.

use agentdesk_store::{Applied, Database, StoreError, Write};
use tokio::sync::{mpsc, oneshot};

type Job = (Vec<Write>, oneshot::Sender<Result<Applied, StoreError>>);

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
                while let Some((writes, reply)) = rx.blocking_recv() {
                    let _ = reply.send(store.apply(&writes));
                }
            })
            .map_err(|e| {
                StoreError::Sqlite(format!("cannot start the store writer thread: {e}"))
            })?;
        Ok(StoreWriter { jobs })
    }

    pub async fn apply(&self, writes: Vec<Write>) -> Result<Applied, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((writes, reply))
            .map_err(|_| StoreError::Sqlite("the store writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Sqlite("the store writer has stopped".into()))?
    }
}

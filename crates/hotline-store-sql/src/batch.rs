//! Group commit for order creation on SQLite.
//!
//! SQLite has one writer, and sqlx runs each SQLite connection on its own thread, so every statement
//! and every commit is a round trip between threads; at a few thousand creates a second those
//! hand-offs and the per-commit WAL writes, not the inserts, are the cost. Creates arriving together
//! are therefore queued to one task that writes up to [`MAX_BATCH`] of them in one transaction and
//! answers each caller only after the commit, so an acknowledged order is as durable as before. If
//! the batch fails, each create is retried alone, so one bad order cannot fail the others.

use chrono::NaiveDate;
use hotline_domain::{EventDraft, WorkOrder};
use hotline_store::{Created, IdempotencyKey, Result, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::SqlStore;

const MAX_BATCH: usize = 64;

pub(crate) struct CreateJob {
    pub order: WorkOrder,
    pub events: Vec<EventDraft>,
    pub local_date: NaiveDate,
    pub key: Option<IdempotencyKey>,
    reply: oneshot::Sender<Result<Created>>,
}

#[derive(Clone)]
pub(crate) struct Batcher(mpsc::Sender<CreateJob>);

impl Batcher {
    /// Starts the writer task on the current runtime. `store` must not itself batch.
    pub fn spawn(store: SqlStore) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(store, rx));
        Self(tx)
    }

    pub async fn submit(
        &self,
        order: &WorkOrder,
        events: &[EventDraft],
        local_date: NaiveDate,
        key: Option<&IdempotencyKey>,
    ) -> Result<Created> {
        let (reply, answer) = oneshot::channel();
        let job = CreateJob { order: order.clone(), events: events.to_vec(), local_date, key: key.cloned(), reply };
        self.0.send(job).await.map_err(|_| StoreError::backend("the order writer has stopped"))?;
        answer.await.map_err(|_| StoreError::backend("the order writer dropped a create"))?
    }
}

async fn run(store: SqlStore, mut rx: mpsc::Receiver<CreateJob>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let batched = if jobs.len() > 1 {
            match store.create_batch(&jobs).await {
                Ok(results) => Some(results),
                Err(e) => {
                    tracing::warn!(error = %e, size = jobs.len(), "a batch of creates failed; retrying each alone");
                    None
                }
            }
        } else {
            None
        };
        match batched {
            Some(results) => {
                for (job, created) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(created));
                }
            }
            None => {
                for job in jobs {
                    let result = store.try_create(&job.order, &job.events, job.local_date, job.key.as_ref()).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

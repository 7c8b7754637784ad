//! Group commit: one task per instance writes whatever requests of one kind
//! are waiting, together, in one transaction.
//!
//! Every write to the feed holds the feed lock to commit (and on SQLite
//! goes through the one writer connection), so writes done one request per
//! transaction queue up behind each other's statement round trips and
//! commits. The writer task takes every request waiting at that moment (up
//! to `MAX_BATCH`), hands them to a batch function that writes them with a
//! few multi-row statements, and answers each. A lone request is written at
//! once, as a batch of one: batching adds no delay, it only forms under load.

use std::future::Future;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, watch};

use crate::error::{ApiError, ApiResult};
use crate::stage_metrics::StageMetrics;

/// Most requests written in one transaction.
pub const MAX_BATCH: usize = 64;

struct Job<R, O> {
    request: R,
    reply: oneshot::Sender<ApiResult<O>>,
    queued_at: Instant,
}

/// The handle handlers submit requests through.
pub struct GroupCommit<R, O> {
    jobs: mpsc::Sender<Job<R, O>>,
    name: &'static str,
}

impl<R, O> Clone for GroupCommit<R, O> {
    fn clone(&self) -> Self {
        GroupCommit {
            jobs: self.jobs.clone(),
            name: self.name,
        }
    }
}

impl<R: Send + 'static, O: Send + 'static> GroupCommit<R, O> {
    /// Starts the writer task. `write_batch` gets the waiting requests in
    /// arrival order and returns one outcome per request, in that order; an
    /// `Err` fails the whole batch (its transaction was rolled back).
    pub fn start<F, Fut>(
        name: &'static str,
        mut shutdown: watch::Receiver<bool>,
        stages: StageMetrics,
        write_batch: F,
    ) -> Self
    where
        F: Fn(Vec<R>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<ApiResult<O>>, sqlx::Error>> + Send,
    {
        let (jobs, mut queue) = mpsc::channel::<Job<R, O>>(1024);
        tokio::spawn(async move {
            loop {
                let first = tokio::select! {
                    job = queue.recv() => match job {
                        Some(job) => job,
                        None => return,
                    },
                    _ = shutdown.changed() => return,
                };
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let started = Instant::now();
                for job in &batch {
                    stages.write_queued(name, (started - job.queued_at).as_secs_f64());
                }
                let size = batch.len();
                let (requests, replies): (Vec<R>, Vec<_>) =
                    batch.into_iter().map(|j| (j.request, j.reply)).unzip();
                let written = write_batch(requests).await;
                stages.write_batch(name, started.elapsed().as_secs_f64(), size);
                match written {
                    Ok(outcomes) => {
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(outcome);
                        }
                    }
                    Err(e) => {
                        let message = format!("database: {e}");
                        for reply in replies {
                            let _ = reply.send(Err(ApiError::internal(message.clone())));
                        }
                    }
                }
            }
        });
        GroupCommit { jobs, name }
    }

    /// Queues a request and waits until its batch is committed.
    pub async fn submit(&self, request: R) -> ApiResult<O> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                request,
                reply,
                queued_at: Instant::now(),
            })
            .await
            .map_err(|_| ApiError::internal(format!("the {} writer has stopped", self.name)))?;
        answer.await.map_err(|_| {
            ApiError::internal(format!("the {} writer dropped a request", self.name))
        })?
    }
}

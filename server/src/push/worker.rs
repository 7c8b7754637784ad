//! The push worker, one per instance: claims due pushes of the services it
//! has (FCM, APNs) from the queue, sends each through its service's
//! `PushSender` with bounded concurrency, and records each outcome.
//! Failures that may pass (429, 5xx, network, our credentials) are retried
//! with exponential backoff honouring Retry-After; a dead token (FCM's
//! UNREGISTERED, APNs' 410 and BadDeviceToken) deletes the device and what
//! is queued for it; a refused message is marked failed.
//!
//! At shutdown it stops claiming, lets the sends in flight finish and
//! records them, and gives back any claim it did not send. A crashed
//! instance's claims lapse after `CLAIM_FOR` and another worker sends them:
//! the one case where a device may get a push twice (the `push_id` in its
//! data tells the app).

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::Senders;
use super::metrics::{Failure, PushMetrics};
use super::sender::{PushError, SEND_TIMEOUT};
use crate::db::push::Service;
use crate::db::{self, Db, now_micros};

/// Sends in flight per instance.
pub const CONCURRENCY: usize = 64;
/// Claim more only when this many slots are free (or none is busy), so a
/// busy worker does not query the queue after every single send.
const CLAIM_WHEN_FREE: usize = 16;
/// A look at the queue even without a wake-up: retries come due, other
/// instances enqueue.
pub const POLL: Duration = Duration::from_secs(1);
/// How long a claim holds: longer than any send may take.
pub const CLAIM_FOR: Duration = Duration::from_secs(SEND_TIMEOUT.as_secs() * 4);
/// After this many attempts a push is given up.
pub const MAX_ATTEMPTS: i64 = 10;
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Finished rows are kept this long (stop-ringing needs to know what was
/// sent; operators may look), then pruned.
const KEEP_FINISHED: Duration = Duration::from_secs(24 * 3600);

/// How often the queue's depth and age are read for `/metrics`.
const MEASURE_QUEUE: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Context {
    db: Db,
    senders: Senders,
    instance: Arc<str>,
    metrics: PushMetrics,
}

pub fn spawn(
    db: Db,
    senders: Senders,
    instance: String,
    wake: Arc<Notify>,
    metrics: PushMetrics,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let ctx = Context {
        db,
        senders,
        instance: instance.into(),
        metrics,
    };
    tokio::spawn(async move {
        let mut in_flight: JoinSet<()> = JoinSet::new();
        let mut stopping = *shutdown.borrow_and_update();
        let mut prune = tokio::time::interval(Duration::from_secs(600));
        let mut measure = tokio::time::interval(MEASURE_QUEUE);
        loop {
            let free = CONCURRENCY - in_flight.len();
            if !stopping && (free >= CLAIM_WHEN_FREE || in_flight.is_empty()) {
                for claimed in claim(&ctx, free).await {
                    in_flight.spawn(send_one(ctx.clone(), claimed));
                }
            }
            if stopping && in_flight.is_empty() {
                break;
            }
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = wake.notified(), if !stopping => {}
                _ = tokio::time::sleep(POLL), if !stopping => {}
                _ = shutdown.changed(), if !stopping => stopping = true,
                _ = measure.tick(), if !stopping => measure_queue(&ctx).await,
                _ = prune.tick(), if !stopping => {
                    let before = now_micros() - KEEP_FINISHED.as_micros() as i64;
                    if let Err(e) = db::push::prune(ctx.db.writer(), before).await {
                        tracing::warn!(error = %e, "could not prune the push queue");
                    }
                }
            }
        }
        match db::push::release(ctx.db.writer(), &ctx.instance).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "push worker gave back unsent claims"),
            Err(e) => tracing::warn!(error = %e, "push worker could not release its claims"),
        }
    })
}

async fn measure_queue(ctx: &Context) {
    let now = now_micros();
    match db::push::due_stats(ctx.db.reader(), now).await {
        Ok((due, oldest_due_at)) => {
            let age = oldest_due_at.map_or(0.0, |at| (now - at).max(0) as f64 / 1e6);
            ctx.metrics.queue(due, age);
        }
        Err(e) => tracing::warn!(error = %e, "could not measure the push queue"),
    }
}

async fn claim(ctx: &Context, limit: usize) -> Vec<db::push::Claimed> {
    let now = now_micros();
    let until = now + CLAIM_FOR.as_micros() as i64;
    let services = ctx.senders.services();
    match db::push::claim(&ctx.db, &ctx.instance, &services, now, until, limit as i64).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "push worker could not claim from the queue");
            Vec::new()
        }
    }
}

async fn send_one(ctx: Context, claimed: db::push::Claimed) {
    let now = now_micros();
    let service = claimed.service;
    if claimed.expires_at.is_some_and(|at| at < now) {
        ctx.metrics.failed(service, Failure::Expired);
        record(
            db::push::finish(
                ctx.db.writer(),
                &claimed.id,
                &ctx.instance,
                "expired",
                None,
                now,
            )
            .await,
        );
        return;
    }
    if let (true, Some(call_id)) = (claimed.kind == "incoming_call", &claimed.call_id) {
        // Stop-ringing cancels what is pending, but a push in flight when the
        // call stopped comes back here for its retry: never ring it then.
        match db::push::call_still_rings(ctx.db.reader(), call_id, &claimed.user_id).await {
            Ok(true) => {}
            Ok(false) => {
                let done = db::push::finish(
                    ctx.db.writer(),
                    &claimed.id,
                    &ctx.instance,
                    "cancelled",
                    None,
                    now,
                );
                record(done.await);
                return;
            }
            Err(e) => tracing::warn!(error = %e, "could not check a call before its push"),
        }
    }
    let mut message: Value = match serde_json::from_str(&claimed.message) {
        Ok(message) => message,
        Err(e) => {
            ctx.metrics.failed(service, Failure::Refused);
            let error = format!("stored message is not JSON: {e}");
            let done = db::push::finish(
                ctx.db.writer(),
                &claimed.id,
                &ctx.instance,
                "failed",
                Some(&error),
                now,
            );
            record(done.await);
            return;
        }
    };
    message["token"] = Value::String(claimed.device_token.clone());
    let outcome = match ctx.senders.get(service) {
        Some(sender) => sender.send(&message).await,
        // Claimed only for the services this instance has.
        None => Err(PushError::Auth(format!(
            "{} is not configured here",
            service.as_str()
        ))),
    };
    let now = now_micros();
    let writer = ctx.db.writer();
    let done = match outcome {
        Ok(()) => {
            ctx.metrics.sent(service);
            db::push::finish(writer, &claimed.id, &ctx.instance, "sent", None, now).await
        }
        Err(PushError::Unregistered) => {
            ctx.metrics.failed(service, Failure::Unregistered);
            tracing::info!(
                service = service.as_str(),
                "a device token is no longer registered; forgetting it"
            );
            forget_token(&ctx.db, &claimed.device_token).await
        }
        Err(PushError::InvalidArgument(reason)) => {
            ctx.metrics.failed(service, Failure::Refused);
            tracing::warn!(%reason, push_id = %claimed.id, service = service.as_str(), "a push was refused");
            db::push::finish(
                writer,
                &claimed.id,
                &ctx.instance,
                "failed",
                Some(&reason),
                now,
            )
            .await
        }
        Err(error) => {
            let retry_after = match &error {
                PushError::QuotaExceeded { retry_after }
                | PushError::Retryable { retry_after, .. } => *retry_after,
                _ => None,
            };
            if let PushError::Auth(reason) = &error {
                let check = match service {
                    Service::Fcm => "CS_FCM_CREDENTIALS",
                    Service::Apns => "CS_APNS_KEY, CS_APNS_KEY_ID and CS_APNS_TEAM_ID",
                };
                tracing::error!(%reason, service = service.as_str(), "push authentication failed; check {check}");
            }
            let message = error.to_string();
            if claimed.attempts >= MAX_ATTEMPTS {
                ctx.metrics.failed(service, Failure::GaveUp);
                db::push::finish(
                    writer,
                    &claimed.id,
                    &ctx.instance,
                    "failed",
                    Some(&message),
                    now,
                )
                .await
            } else {
                ctx.metrics.retried(service);
                let wait = backoff(claimed.attempts).max(retry_after.unwrap_or_default());
                let due = now + wait.as_micros() as i64;
                db::push::retry_later(writer, &claimed.id, &ctx.instance, due, &message).await
            }
        }
    };
    record(done);
}

async fn forget_token(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.writer().begin().await?;
    db::devices::forget_token(&mut tx, token).await?;
    tx.commit().await
}

fn record(result: Result<(), sqlx::Error>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "push worker could not record an outcome");
    }
}

/// Exponential backoff with jitter after `attempts` failed tries.
pub fn backoff(attempts: i64) -> Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    let base = BACKOFF_BASE.saturating_mul(2u32.saturating_pow(exponent));
    let capped = base.min(BACKOFF_MAX);
    capped.mul_f64(rand::rng().random_range(0.8..1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) <= Duration::from_millis(600));
        assert!(backoff(4) >= Duration::from_millis(3200));
        assert!(backoff(50) <= BACKOFF_MAX.mul_f64(1.2));
    }
}

//! Background jobs that run every so often until the server stops (the
//! SLA breach watcher, the daily report): a pass that fails is logged and
//! the next one tries again.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Runs `pass` now and then every `every` (a slow pass delays the next one
/// rather than piling them up), until `shutdown` changes.
pub fn spawn<F, Fut, E>(
    what: &'static str,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut pass: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = pass().await {
                tracing::warn!(error = %e, "{what} failed");
            }
        }
    });
}

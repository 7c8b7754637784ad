//! SQLite WAL checkpoints off the commit path.
//!
//! By default SQLite checkpoints inside the commit that fills the WAL past
//! 1,000 pages: that commit copies the pages into the database and syncs
//! it, and every message waiting on it waits milliseconds longer (chat's
//! p99 at one socket was three times its median). The writer connection
//! turns automatic checkpoints off and this task runs a PASSIVE checkpoint
//! from a reading connection every `EVERY`: it never blocks the writer nor
//! readers, and the writer rewinds the WAL to its start once a checkpoint
//! has copied all of it, so the file stays small.

use std::time::Duration;

use sqlx::{AnyPool, Executor};

const EVERY: Duration = Duration::from_millis(250);

/// Checkpoints through `pool` until it is closed.
pub fn spawn(pool: AnyPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(e) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
}

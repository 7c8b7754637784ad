//! SQLite WAL checkpoints off the commit path.
//!
//! By default SQLite checkpoints inside the commit that fills the WAL past
//! 1,000 pages: that commit copies the pages into the database and syncs
//! it, and every message waiting on it waits milliseconds longer (chat's
//! p99 at one socket was three times its median). The writer connection
//! raises its automatic checkpoint to a high mark and this task runs a PASSIVE checkpoint
//! from a reading connection every `EVERY`: it never blocks the writer nor
//! readers, and the writer rewinds the WAL to its start once a checkpoint
//! has copied all of it, so the file stays small. Under writes that never
//! pause, the writer's own checkpoint at a high mark bounds it.

use std::time::Duration;

use sqlx::{AnyPool, Executor};

const EVERY: Duration = Duration::from_millis(250);

/// The writer checkpoints inside a commit only once the WAL holds this many
/// pages (64 MiB of 4 KiB pages). The task's passive checkpoints copy what
/// is committed while the writer goes on appending, and the writer rewinds
/// the WAL only when a checkpoint has copied all of it; under writes with
/// no pause (a bulk import, the benchmark seeders) that moment never comes
/// and the WAL grew without bound (13 GB seeding a million tickets). A
/// checkpoint the writer runs itself has no writer beside it, so it
/// completes, and the next transaction starts the WAL over. Chat's commits
/// (~10 pages, 20 a second) never get near it: the task keeps the WAL small.
pub const WRITER_CHECKPOINT_PAGES: i64 = 16_384;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    /// Commits never checkpoint, yet the WAL does not grow with every
    /// write: the task copies it back and the writer starts it over.
    #[tokio::test]
    async fn the_wal_is_checkpointed_beside_the_writer_not_in_its_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()), 2)
            .await
            .unwrap();
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(db.writer())
            .await
            .unwrap();
        assert_eq!(
            auto, WRITER_CHECKPOINT_PAGES,
            "the writer checkpoints in its commits only past the bound"
        );

        sqlx::query("CREATE TABLE blobs (b BLOB)")
            .execute(db.writer())
            .await
            .unwrap();
        let wal = path.with_extension("db-wal");
        // ~100 commits of four pages or more each, then time for the task.
        let write_round = || async {
            for _ in 0..100 {
                sqlx::query("INSERT INTO blobs (b) VALUES (zeroblob(16384))")
                    .execute(db.writer())
                    .await
                    .unwrap();
            }
        };
        write_round().await;
        let after_one_round = std::fs::metadata(&wal).unwrap().len();
        tokio::time::sleep(EVERY * 4).await;
        write_round().await;
        let after_two_rounds = std::fs::metadata(&wal).unwrap().len();
        // Never checkpointed, the second round would have doubled it.
        assert!(
            after_two_rounds < after_one_round * 3 / 2,
            "WAL {after_one_round} bytes after one round, {after_two_rounds} after two"
        );
        db.close().await;
    }
}

//! SQLite WAL checkpoints off the commit path.
//!
//! By default SQLite checkpoints inside the commit that fills the WAL past
//! 1,000 pages: that commit copies the pages into the database and syncs
//! it, and every message waiting on it waits milliseconds longer (chat's
//! p99 at one socket was three times its median). The writer connection
//! raises its automatic checkpoint to a high mark and this task runs a
//! PASSIVE checkpoint from a reading connection every `QUIET`, or `BUSY`
//! while the WAL grows fast: it never blocks the writer nor readers, and the
//! writer rewinds the WAL to its start once a checkpoint has copied all of
//! it, so the file stays small. Under writes that never pause, the writer's
//! own checkpoint at a high mark bounds it.
//!
//! A checkpoint still slows a commit that runs beside it (they share the
//! disk and, on a small machine, the cores), so when one is due the task
//! waits for the next commit and runs just after it, in the pause that
//! usually follows, rather than at a moment that may fall on the next one.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;

use super::committed::Commits;

/// Between checkpoints while the WAL grows slowly, and while it grows fast:
/// a checkpoint copies what was committed since the one before beside the
/// writer, and a large copy stalls its commits (chat to 10,000 sockets at
/// 1,000 messages/s: p99 14–16 ms checkpointing every 250 ms, 7–8 ms every
/// 50 ms, and 6.8–10.3 every 25 ms where 50 ms gave 7.6–14.4 in the same
/// runs), while frequent checkpoints of a quiet WAL only cost CPU.
const QUIET: Duration = Duration::from_millis(250);
const BUSY: Duration = Duration::from_millis(25);
/// WAL frames (pages) past which the WAL counts as growing fast: a chat
/// message writes ~10, so 64 in a quiet interval is ~25 messages a second.
const BUSY_FRAMES: i64 = 64;

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

/// After the commit a due checkpoint waited for, time for what follows
/// it (the follower's delivery to the sockets, the response) to take the
/// cores first. Chat to one socket at 20 messages/s, p99 over eight runs:
/// 1.66–2.66 ms checkpointing on the timer alone, 1.48–1.94 ms with no
/// checkpoint at all.
const AFTER_COMMIT: Duration = Duration::from_millis(2);

/// Checkpoints through `pool` until it is closed, each in the pause after
/// one of `commits` (or once no commit came for a whole interval).
pub fn spawn(pool: AnyPool, commits: Arc<Commits>) {
    tokio::spawn(async move {
        let mut every = QUIET;
        loop {
            tokio::time::sleep(every).await;
            after_next_commit(&commits, every).await;
            if pool.is_closed() {
                return;
            }
            // (busy, frames in the WAL, frames checkpointed)
            let checkpoint: Result<(i64, i64, i64), sqlx::Error> =
                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&pool)
                    .await;
            match checkpoint {
                Ok((_, frames, _)) => every = if frames > BUSY_FRAMES { BUSY } else { QUIET },
                Err(_) if pool.is_closed() => return,
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
            }
        }
    });
}

/// Once a checkpoint is due: waits for the pause after the next commit,
/// or `every` if no commit comes (the writer is idle, or writes outside the
/// feed).
async fn after_next_commit(commits: &Commits, every: Duration) {
    if tokio::time::timeout(every, commits.next_commit())
        .await
        .is_ok()
    {
        tokio::time::sleep(AFTER_COMMIT).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::db::committed::Committed;

    fn commit(after: i64) -> Committed {
        Committed {
            after,
            upto: after + 1,
            changes: Some(Vec::new()),
        }
    }

    /// A due checkpoint runs after the next commit, not after one that
    /// came before it was due.
    #[tokio::test]
    async fn a_due_checkpoint_waits_for_the_next_commit() {
        let commits = Commits::default();
        commits.push(commit(0));
        let wait = after_next_commit(&commits, Duration::from_secs(600));
        tokio::pin!(wait);
        let early = tokio::time::timeout(Duration::from_millis(100), &mut wait).await;
        assert!(
            early.is_err(),
            "the wait ended with no commit after it began"
        );
        commits.push(commit(1));
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .expect("the next commit ends the wait");
    }

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
        tokio::time::sleep(QUIET * 4).await;
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

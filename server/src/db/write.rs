//! Transactions that write to the change feed.
//!
//! Every change a client may sync (ticket, message, timeline event) is
//! stamped with a feed position (`seq`). The sync reader returns rows with
//! `seq > cursor`, so positions must become visible in order: if position 12
//! could commit before 11, a reader could move its cursor past 11 and never
//! see it. PostgreSQL sequences allow exactly that.
//!
//! So a write transaction first locks the `feed` counter row (an UPDATE that
//! takes the row lock) and holds it to commit. Positions are handed out from
//! the value read under the lock and the counter is advanced at commit. Any
//! transaction that gets later positions had to wait for this one to commit,
//! so no reader can see a later position without every earlier one. On
//! SQLite the single writer connection gives the same order anyway.

use std::sync::Arc;

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::Notify;

use super::Dialect;

/// Tells every instance's feed follower, at commit, that the feed moved.
const NOTIFY_FEED: &str = r#"NOTIFY cs_bus, '{"kind":"feed_advanced"}'"#;

pub struct WriteTx {
    tx: Transaction<'static, Any>,
    dialect: Dialect,
    commits: Arc<Notify>,
    /// Last position handed out (or read under the lock).
    last_seq: i64,
    first_seq: i64,
}

impl WriteTx {
    pub(super) async fn begin(
        pool: &AnyPool,
        dialect: Dialect,
        commits: Arc<Notify>,
    ) -> Result<WriteTx, sqlx::Error> {
        let mut tx = pool.begin().await?;
        let (last,): (i64,) =
            sqlx::query_as("UPDATE counters SET value = value WHERE name = 'feed' RETURNING value")
                .fetch_one(&mut *tx)
                .await?;
        Ok(WriteTx {
            tx,
            dialect,
            commits,
            last_seq: last,
            first_seq: last,
        })
    }

    /// The next feed position for a row written in this transaction.
    pub fn next_seq(&mut self) -> i64 {
        self.last_seq += 1;
        self.last_seq
    }

    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let advanced = self.last_seq != self.first_seq;
        if advanced {
            sqlx::query("UPDATE counters SET value = $1 WHERE name = 'feed'")
                .bind(self.last_seq)
                .execute(&mut *self.tx)
                .await?;
            if self.dialect == Dialect::Postgres {
                // Delivered by PostgreSQL only if and when this commits.
                sqlx::query(NOTIFY_FEED).execute(&mut *self.tx).await?;
            }
        }
        self.tx.commit().await?;
        if advanced {
            self.commits.notify_one();
        }
        Ok(())
    }
}

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

use super::Dialect;
use super::committed::{Commits, Committed};
use super::sync::Change;

pub struct WriteTx {
    tx: Transaction<'static, Any>,
    dialect: Dialect,
    commits: Arc<Commits>,
    /// Last position handed out (or read under the lock).
    last_seq: i64,
    first_seq: i64,
    /// The rows written, as the feed will return them (see `record`);
    /// `None` where a later write in this transaction moved the row on.
    recorded: Vec<(i64, Option<Change>)>,
}

impl WriteTx {
    pub(super) async fn begin(
        pool: &AnyPool,
        dialect: Dialect,
        commits: Arc<Commits>,
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
            recorded: Vec::new(),
        })
    }

    /// Records the row written at `seq` exactly as the feed will return it,
    /// so that this process's follower can deliver it without reading it
    /// back. Optional: a transaction that records fewer rows than positions
    /// it took has its span read from the feed instead.
    pub fn record(&mut self, seq: i64, change: Change) {
        if let Change::Ticket(ticket) = &change {
            // A ticket written twice is in the feed once, at its last
            // position.
            for (_, earlier) in &mut self.recorded {
                if matches!(earlier, Some(Change::Ticket(t)) if t.id == ticket.id) {
                    *earlier = None;
                }
            }
        }
        self.recorded.push((seq, Some(change)));
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
                // Delivered by PostgreSQL only if and when this commits; the
                // span's end lets this instance's follower, which was
                // handed the rows, skip reading them back.
                let payload = feed_advanced_payload(self.last_seq, self.commits.instance);
                // Counted, because the Any driver cannot read pg_notify's void.
                sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_notify('cs_bus', $1)) AS sent")
                    .bind(payload)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        let changes = self.all_recorded();
        self.tx.commit().await?;
        if advanced {
            self.commits.push(Committed {
                after: self.first_seq,
                upto: self.last_seq,
                changes,
            });
        }
        Ok(())
    }

    /// The recorded rows in feed order, if they are every row written.
    fn all_recorded(&mut self) -> Option<Vec<(i64, Change)>> {
        let mut rows = std::mem::take(&mut self.recorded);
        rows.sort_unstable_by_key(|(seq, _)| *seq);
        let positions = rows.iter().map(|(seq, _)| *seq);
        let complete = positions.eq(self.first_seq + 1..=self.last_seq);
        complete.then(|| {
            rows.into_iter()
                .filter_map(|(seq, change)| Some((seq, change?)))
                .collect()
        })
    }
}

/// The `NOTIFY cs_bus` payload of a commit: the bus's `FeedAdvanced`.
pub(crate) fn feed_advanced_payload(upto: i64, instance: uuid::Uuid) -> String {
    format!(r#"{{"kind":"feed_advanced","upto":{upto},"instance":"{instance}"}}"#)
}

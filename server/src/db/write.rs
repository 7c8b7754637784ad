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
//!
//! Each commit hands its rows to this process's follower and, on
//! PostgreSQL, to the other instances' in its `NOTIFY` (`committed.rs`).

use std::sync::Arc;

use sqlx::{Any, AnyPool, Row, Transaction};

use super::committed::{Commits, Committed};
use super::sync::Change;
use super::{Dialect, SqlBuilder};

pub struct WriteTx {
    tx: Transaction<'static, Any>,
    dialect: Dialect,
    commits: Arc<Commits>,
    /// Whether this transaction holds the feed lock.
    locked: bool,
    /// Last position handed out (or read under the lock).
    last_seq: i64,
    first_seq: i64,
    /// The rows written, as the feed will return them (see `record`);
    /// `None` where a later write in this transaction moved the row on.
    recorded: Vec<(i64, Option<Change>)>,
    /// Writes left for the commit (`write_at_commit`).
    at_commit: Vec<SqlBuilder>,
    /// Whether the reads are checked at the commit (`check_at_commit`), and
    /// with what (PostgreSQL).
    checked: bool,
    check: Option<SqlBuilder>,
    /// Whether a statement ran under the feed lock before the commit (so a
    /// check left for the commit came too late for it).
    ran_under_lock: bool,
}

impl WriteTx {
    pub(super) async fn begin(
        pool: &AnyPool,
        dialect: Dialect,
        commits: Arc<Commits>,
    ) -> Result<WriteTx, sqlx::Error> {
        let mut tx = WriteTx::begin_reading(pool, dialect, commits).await?;
        tx.lock_feed().await?;
        Ok(tx)
    }

    /// A write transaction that reads before it takes the feed lock (with
    /// `lock_feed`), so that it holds the lock for its writes only. On
    /// PostgreSQL what it read may change until then; the caller checks it
    /// under the lock (see `message_writer.rs`). On SQLite nothing can: the
    /// one writing connection is this transaction's.
    pub(super) async fn begin_reading(
        pool: &AnyPool,
        dialect: Dialect,
        commits: Arc<Commits>,
    ) -> Result<WriteTx, sqlx::Error> {
        Ok(WriteTx {
            tx: pool.begin().await?,
            dialect,
            commits,
            locked: false,
            last_seq: 0,
            first_seq: 0,
            recorded: Vec::new(),
            at_commit: Vec::new(),
            checked: false,
            check: None,
            ran_under_lock: false,
        })
    }

    /// Takes the feed lock; positions are handed out from here on.
    pub async fn lock_feed(&mut self) -> Result<(), sqlx::Error> {
        assert!(!self.locked, "the feed lock is taken once");
        let (last,): (i64,) =
            sqlx::query_as("UPDATE counters SET value = value WHERE name = 'feed' RETURNING value")
                .fetch_one(&mut *self.tx)
                .await?;
        self.locked = true;
        self.last_seq = last;
        self.first_seq = last;
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Abandons the transaction (also what dropping it does).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
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
        assert!(self.locked, "feed positions are taken under the feed lock");
        self.last_seq += 1;
        self.last_seq
    }

    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        self.ran_under_lock |= self.locked;
        &mut self.tx
    }

    /// Leaves a write for the commit, after every other statement of the
    /// transaction: for a write nothing later reads or writes again. On
    /// PostgreSQL such writes go in one statement with the feed counter's
    /// move, so the feed lock is held for fewer round trips.
    pub fn write_at_commit(&mut self, write: Option<SqlBuilder>) {
        self.at_commit.extend(write);
    }

    /// Leaves the check that what this transaction read before the feed
    /// lock still holds for the commit, which saves a statement under the
    /// lock: `check` (PostgreSQL: a `SELECT` of one boolean column, `ok`)
    /// goes into the commit's own statement, and an id its writes find
    /// taken (a unique violation) counts as a failed check. Only for a
    /// transaction that runs no statement between the lock and the commit:
    /// whatever ran before it would have run on reads that may no longer
    /// hold. See `commit_if_still_holds`.
    pub fn check_at_commit(&mut self, check: Option<SqlBuilder>) {
        assert!(
            check.is_none() || self.dialect == Dialect::Postgres,
            "SQLite has one writer: what it read cannot change"
        );
        assert!(self.locked, "the check holds from the feed lock on");
        self.checked = true;
        self.check = check;
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        assert!(!self.checked, "a checked commit may not happen");
        self.commit_if_still_holds().await.map(|_| ())
    }

    /// Commits, or rolls back and answers `false` when the check left for
    /// the commit (`check_at_commit`) fails, or the id of a row it inserts
    /// turns out taken (a unique key a check would otherwise have read).
    pub async fn commit_if_still_holds(mut self) -> Result<bool, sqlx::Error> {
        let advanced = self.last_seq != self.first_seq;
        let changes = self.all_recorded();
        let writes = std::mem::take(&mut self.at_commit);
        let check = self.check.take();
        let checked = self.checked;
        debug_assert!(
            !checked || !self.ran_under_lock,
            "a statement ran under the feed lock before the reads were checked"
        );
        let held = match self.dialect {
            Dialect::Postgres if advanced || check.is_some() => {
                self.write_and_announce(check, writes, advanced, changes.as_deref())
                    .await
            }
            Dialect::Postgres => {
                for write in writes {
                    write.build().execute(&mut *self.tx).await?;
                }
                Ok(true)
            }
            Dialect::Sqlite => self.write_in_one_go(writes, advanced).await.map(|_| true),
        };
        match held {
            Ok(true) => {}
            Ok(false) => {
                self.tx.rollback().await?;
                return Ok(false);
            }
            Err(sqlx::Error::Database(e)) if checked && e.is_unique_violation() => {
                self.tx.rollback().await?;
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
        self.tx.commit().await?;
        if advanced {
            self.commits.push(Committed {
                after: self.first_seq,
                upto: self.last_seq,
                changes,
            });
        }
        Ok(true)
    }

    /// On SQLite, the writes left for the commit and the feed counter's move
    /// as one batch of statements: one hop to the connection's thread
    /// instead of one each (its driver binds each statement's numbered
    /// placeholders from the one list of arguments).
    async fn write_in_one_go(
        &mut self,
        writes: Vec<SqlBuilder>,
        advanced: bool,
    ) -> Result<(), sqlx::Error> {
        let mut q = SqlBuilder::new("");
        for write in writes {
            q.append(write).push("; ");
        }
        if advanced {
            q.push("UPDATE counters SET value = ")
                .bind(self.last_seq)
                .push(" WHERE name = 'feed'");
        }
        if !q.sql().is_empty() {
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// On PostgreSQL, one statement: the check left for the commit, the
    /// writes left for it, the feed counter's move and the commit's
    /// announcement to the other instances (delivered by PostgreSQL only if
    /// and when this commits, in commit order; its rows, when they fit,
    /// spare their followers reading them back, see `committed.rs`). The
    /// statement starts under the feed lock, so the check sees every commit
    /// before this one; if it fails, the caller rolls back what the
    /// statement wrote and announced. `false`: the check failed.
    async fn write_and_announce(
        &mut self,
        check: Option<SqlBuilder>,
        writes: Vec<SqlBuilder>,
        advanced: bool,
        changes: Option<&[(i64, Change)]>,
    ) -> Result<bool, sqlx::Error> {
        let mut q = SqlBuilder::new("WITH checked AS (");
        match check {
            Some(check) => q.append(check),
            None => q.push("SELECT TRUE AS ok"),
        };
        q.push(")");
        for (i, write) in writes.into_iter().enumerate() {
            q.push(&format!(", write_{i} AS (")).append(write).push(")");
        }
        if advanced {
            let payload = feed_advanced_payload(
                self.first_seq,
                self.last_seq,
                self.commits.instance,
                changes,
            );
            q.push(", moved AS (UPDATE counters SET value = ")
                .bind(self.last_seq)
                .push(" WHERE name = 'feed' RETURNING value) ")
                // Counted, because the Any driver cannot read pg_notify's void.
                .push("SELECT COUNT(*) AS n, bool_and(checked.ok) AS ok FROM moved, checked, ")
                .push("(SELECT pg_notify('cs_bus', ")
                .bind(payload)
                .push(")) AS sent");
        } else {
            q.push(" SELECT CAST(1 AS BIGINT) AS n, ok FROM checked");
        }
        let row = q.build().fetch_one(&mut *self.tx).await?;
        debug_assert_eq!(row.try_get::<i64, _>("n")?, 1, "the feed counter exists");
        row.try_get("ok")
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

/// The `NOTIFY cs_bus` payload of a commit (the bus's `FeedAdvanced`): its
/// span and its rows, or only the span when the rows were not all recorded
/// or would not fit in a notification.
pub(crate) fn feed_advanced_payload(
    after: i64,
    upto: i64,
    instance: uuid::Uuid,
    changes: Option<&[(i64, Change)]>,
) -> String {
    #[derive(serde::Serialize)]
    struct Notice<'a> {
        kind: &'static str,
        after: i64,
        upto: i64,
        instance: uuid::Uuid,
        #[serde(skip_serializing_if = "Option::is_none")]
        changes: Option<&'a [(i64, Change)]>,
    }
    let notice = |changes| Notice {
        kind: "feed_advanced",
        after,
        upto,
        instance,
        changes,
    };
    let with_rows = serde_json::to_string(&notice(changes)).expect("feed rows serialise");
    if changes.is_none() || with_rows.len() <= super::MAX_NOTIFY_BYTES {
        return with_rows;
    }
    serde_json::to_string(&notice(None)).expect("a feed span serialises")
}

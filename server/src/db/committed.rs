//! Commits to the change feed, handed to this process's feed follower with
//! their rows so that the follower need not read back rows a writer already
//! holds (the feed read was as costly as the commit itself).
//!
//! Every commit of this process that moves the feed is announced here with
//! the span of positions it took; on PostgreSQL so is every commit of
//! another instance whose `NOTIFY` carried its rows (`bus.rs`). A writer
//! that recorded every row it wrote hands them over too; one that did not (a
//! rare path), or whose rows did not fit in a notification, hands only the
//! span, and the follower reads the feed for it. The follower delivers
//! handed rows only when their span starts where its cursor stands, so a
//! gap (a notification lost, a span whose rows were not handed) always
//! falls back to reading the feed, and a socket still gets exactly what
//! `/v1/sync` gives, in feed order.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::Notify;
use uuid::Uuid;

use super::sync::Change;

/// Rows queued for the follower past which a commit's rows are dropped
/// (the follower then reads them from the feed), so a stalled follower
/// cannot grow the server's memory: at most ~80 MB with every message at
/// its longest, far less in practice.
const MAX_HANDED_ROWS: usize = 1024;

/// One commit to the feed: positions `after + 1 ..= upto`.
#[derive(Debug)]
pub struct Committed {
    pub after: i64,
    pub upto: i64,
    /// Every row written, in feed order; `None` when the writer did not
    /// record them all.
    pub changes: Option<Vec<(i64, Change)>>,
}

/// The queue between this process's writers and its feed follower.
pub struct Commits {
    /// Names this process in its `NOTIFY`s, so that its own bus listener
    /// can ignore them: the follower has the commit from the queue already
    /// (and the notification often arrives before the writer's commit
    /// returns, which would make the follower read what it is about to be
    /// handed).
    pub instance: Uuid,
    queue: Mutex<Queue>,
    /// Highest position another instance announced (`i64::MAX`: unknown,
    /// read the feed).
    remote_upto: AtomicI64,
    wake: Notify,
    /// Wakes whoever waits for the next commit at the moment it is
    /// announced (the SQLite checkpoint task, `checkpoint.rs`).
    next: Notify,
}

#[derive(Default)]
struct Queue {
    commits: VecDeque<Committed>,
    /// Rows held by `commits`.
    rows: usize,
}

impl Default for Commits {
    fn default() -> Self {
        Commits {
            instance: Uuid::new_v4(),
            queue: Mutex::default(),
            remote_upto: AtomicI64::default(),
            wake: Notify::default(),
            next: Notify::default(),
        }
    }
}

impl Commits {
    /// Announces a commit: this process's, or another instance's that came
    /// with its rows.
    pub fn push(&self, mut committed: Committed) {
        {
            let mut queue = self.queue.lock().unwrap();
            let rows = committed.changes.as_ref().map_or(0, Vec::len);
            if queue.rows + rows > MAX_HANDED_ROWS {
                committed.changes = None;
            } else {
                queue.rows += rows;
            }
            queue.commits.push_back(committed);
        }
        self.wake.notify_one();
        self.next.notify_waiters();
    }

    /// Waits for the next commit announced after this call (not one
    /// announced before it).
    pub async fn next_commit(&self) {
        self.next.notified().await
    }

    /// Notes that the feed moved elsewhere (another instance, or a lost
    /// notification): up to `upto` if known.
    pub fn advanced_elsewhere(&self, upto: Option<i64>) {
        self.remote_upto
            .fetch_max(upto.unwrap_or(i64::MAX), Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Waits until something was announced.
    pub async fn notified(&self) {
        self.wake.notified().await
    }

    /// Takes the commits announced so far, in feed order (this process's
    /// and another instance's arrive by different ways, not always in the
    /// order they committed).
    pub fn take(&self) -> Vec<Committed> {
        let mut commits: Vec<Committed> = {
            let mut queue = self.queue.lock().unwrap();
            queue.rows = 0;
            queue.commits.drain(..).collect()
        };
        commits.sort_by_key(|c| c.after);
        commits
    }

    /// What other instances announced past `cursor`, if anything: the
    /// follower reads the feed, then calls `read_elsewhere` with it.
    pub fn unread_elsewhere(&self, cursor: i64) -> Option<i64> {
        let remote = self.remote_upto.load(Ordering::SeqCst);
        (remote > cursor).then_some(remote)
    }

    /// Forgets the announcement `seen` (from `unread_elsewhere`) once the
    /// feed was read after it; one that came meanwhile is kept.
    pub fn read_elsewhere(&self, seen: i64) {
        let _ =
            self.remote_upto
                .compare_exchange(seen, i64::MIN, Ordering::SeqCst, Ordering::SeqCst);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::Db;

    /// Each commit's handed rows are every row the feed gives for its span,
    /// as the feed gives them, so the follower may deliver them unread.
    pub(crate) async fn assert_handed_as_the_feed_reads(db: &Db) -> usize {
        let commits = db.commits().take();
        assert!(!commits.is_empty(), "a commit was announced");
        let mut conn = db.reader().acquire().await.unwrap();
        for committed in &commits {
            let read = crate::db::sync::changes_since(
                &mut conn,
                crate::db::tickets::Scope::All,
                true,
                committed.after,
                500,
            )
            .await
            .unwrap();
            let read: Vec<(i64, Change)> = read
                .changes
                .into_iter()
                .filter(|(seq, _)| *seq <= committed.upto)
                .collect();
            assert_eq!(
                committed.changes.as_ref(),
                Some(&read),
                "handed rows of {}..={}",
                committed.after + 1,
                committed.upto
            );
        }
        commits.len()
    }

    fn span(after: i64, upto: i64) -> Committed {
        Committed {
            after,
            upto,
            changes: Some(Vec::new()),
        }
    }

    #[test]
    fn commits_are_taken_in_feed_order_whatever_the_order_announced() {
        let commits = Commits::default();
        // This process's commit 2..=3 handed before another instance's
        // 0..=2 came through its notification.
        commits.push(span(2, 3));
        commits.push(span(0, 2));
        commits.push(span(3, 5));
        let taken: Vec<(i64, i64)> = commits.take().iter().map(|c| (c.after, c.upto)).collect();
        assert_eq!(taken, [(0, 2), (2, 3), (3, 5)]);
        assert!(commits.take().is_empty());
    }

    #[test]
    fn a_long_queue_keeps_spans_but_drops_rows() {
        let commits = Commits::default();
        let rows_per_commit = 4;
        let fit = MAX_HANDED_ROWS / rows_per_commit;
        for i in 0..fit as i64 + 5 {
            commits.push(with_rows(i, rows_per_commit));
        }
        let taken = commits.take();
        assert_eq!(taken.len(), fit + 5);
        assert!(taken[..fit].iter().all(|c| c.changes.is_some()));
        assert!(taken[fit..].iter().all(|c| c.changes.is_none()));
        // Taken, the rows no longer count.
        commits.push(with_rows(100, rows_per_commit));
        assert!(commits.take()[0].changes.is_some());
    }

    fn with_rows(after: i64, rows: usize) -> Committed {
        let departure = crate::db::tombstones::Departure {
            ticket_id: Uuid::nil(),
            department_id: Uuid::nil(),
        };
        Committed {
            after,
            upto: after + rows as i64,
            changes: Some(
                (1..=rows as i64)
                    .map(|k| (after + k, Change::Departure(departure)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn a_remote_announcement_holds_until_read_and_a_newer_one_survives_the_read() {
        let commits = Commits::default();
        assert_eq!(commits.unread_elsewhere(0), None);
        commits.advanced_elsewhere(Some(7));
        assert_eq!(commits.unread_elsewhere(5), Some(7));
        assert_eq!(commits.unread_elsewhere(7), None, "read past already");
        // Read after seeing 7, while 9 was announced: 9 stays.
        let seen = commits.unread_elsewhere(5).unwrap();
        commits.advanced_elsewhere(Some(9));
        commits.read_elsewhere(seen);
        assert_eq!(commits.unread_elsewhere(7), Some(9));
        commits.read_elsewhere(9);
        assert_eq!(commits.unread_elsewhere(0), None);
    }

    #[test]
    fn an_unknown_announcement_means_one_read_not_a_read_at_every_wake() {
        let commits = Commits::default();
        commits.advanced_elsewhere(None);
        let seen = commits.unread_elsewhere(1_000_000).expect("unknown: read");
        commits.read_elsewhere(seen);
        assert_eq!(commits.unread_elsewhere(0), None);
    }
}

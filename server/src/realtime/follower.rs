//! Follows the change feed and hands each change to the hub, addressed to
//! those who may see it. One follower per instance.
//!
//! This process's own commits arrive with their rows (`db::committed`) and
//! are delivered without a read; anything else (another instance's commits,
//! a commit whose rows were not handed over, a gap) is read from the feed.
//! Either way the changes are delivered in feed order, each exactly once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::{ServerEvent, Ticket, TimelineChange};
use sqlx::Row;
use tokio::sync::watch;
use uuid::Uuid;

use axum::extract::ws::Utf8Bytes;

use super::hub::{Audience, BATCH_FRAMES, Frames, Hub, frame};
use crate::db::committed::{Commits, Committed};
use crate::db::sync::{Change, changes_since};
use crate::db::tickets::Scope;
use crate::db::{self, Db};
use crate::stage_metrics::StageMetrics;

/// Rows read per query; a burst is read in several.
const BATCH: i64 = 500;
/// A look at the feed even without a wake-up, in case one was lost.
const POLL: Duration = Duration::from_secs(1);
/// How long handed rows wait for a commit before them to be handed too
/// (another instance's notification still on its way, a writer of this
/// process not yet back from its commit) before the gap is read from the
/// feed instead.
const GAP_WAIT: Duration = Duration::from_millis(20);
/// Tickets whose place (customer, department) is remembered; past this the
/// memory is cleared and places are read again as needed.
const PLACES: usize = 100_000;

pub async fn spawn(
    db: Db,
    hub: Arc<Hub>,
    commits: Arc<Commits>,
    stages: StageMetrics,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // Start at the current end: clients catch up on the past through sync.
    let cursor: i64 = sqlx::query("SELECT value FROM counters WHERE name = 'feed'")
        .fetch_one(db.reader())
        .await?
        .try_get("value")?;
    let mut follower = Follower::new(db, hub, stages, cursor);
    tokio::spawn(async move {
        let mut next_poll = Instant::now() + POLL;
        loop {
            let gap_deadline = follower.gap_deadline().unwrap_or(next_poll);
            let polled = tokio::select! {
                _ = shutdown.changed() => return,
                _ = commits.notified() => false,
                _ = tokio::time::sleep_until(gap_deadline.min(next_poll).into()) => {
                    Instant::now() >= next_poll
                }
            };
            if polled {
                next_poll = Instant::now() + POLL;
            }
            if let Err(e) = follower.catch_up(&commits, polled).await {
                tracing::warn!(error = %e, "feed follower could not read the feed");
            }
        }
    });
    Ok(())
}

struct Follower {
    db: Db,
    hub: Arc<Hub>,
    stages: StageMetrics,
    /// Every change up to this position has been delivered.
    cursor: i64,
    /// Where each ticket belongs, as of the cursor: a ticket changing
    /// customer or department is itself a change in the feed.
    places: HashMap<Uuid, (Uuid, Uuid)>,
    /// Handed commits that wait for the gap before them to be handed too,
    /// in feed order, each with when it began to wait.
    waiting: Vec<(Committed, Instant)>,
    /// The cursor at the last poll: a poll reads the feed only when the
    /// cursor has not moved since (a wake-up may have been lost).
    cursor_at_poll: i64,
}

impl Follower {
    fn new(db: Db, hub: Arc<Hub>, stages: StageMetrics, cursor: i64) -> Follower {
        Follower {
            db,
            hub,
            stages,
            cursor,
            places: HashMap::new(),
            waiting: Vec::new(),
            cursor_at_poll: cursor,
        }
    }

    /// When the gap before the waiting commits is to be read from the feed.
    fn gap_deadline(&self) -> Option<Instant> {
        let (_, since) = self.waiting.first()?;
        Some(*since + GAP_WAIT)
    }

    /// Delivers every change committed since the cursor that it knows of.
    async fn catch_up(&mut self, commits: &Commits, polled: bool) -> Result<(), sqlx::Error> {
        if polled {
            if self.cursor == self.cursor_at_poll {
                self.read_feed().await?;
            }
            self.cursor_at_poll = self.cursor;
        }
        let now = Instant::now();
        let mut announced = std::mem::take(&mut self.waiting);
        announced.extend(commits.take().into_iter().map(|c| (c, now)));
        announced.sort_by_key(|(c, _)| c.after);
        let mut announced = announced.into_iter();
        while let Some((committed, since)) = announced.next() {
            if committed.upto <= self.cursor {
                continue; // read from the feed already
            }
            match committed.changes {
                Some(changes) if committed.after == self.cursor => {
                    let delivering = Instant::now();
                    self.deliver(changes).await?;
                    self.stages.feed_deliver(delivering.elapsed().as_secs_f64());
                    self.stages.feed_handed();
                    self.cursor = committed.upto;
                }
                // A gap before it, likely to be handed in a moment.
                Some(_) if now < since + GAP_WAIT => {
                    self.waiting.push((committed, since));
                    self.waiting.extend(announced.by_ref());
                }
                // A gap that stayed open, or rows not handed over.
                _ => self.read_feed().await?,
            }
        }
        if let Some(seen) = commits.unread_elsewhere(self.cursor) {
            self.read_feed().await?;
            commits.read_elsewhere(seen);
        }
        Ok(())
    }

    /// Reads and delivers everything after the cursor.
    async fn read_feed(&mut self) -> Result<(), sqlx::Error> {
        loop {
            let reading = Instant::now();
            let page = {
                let mut conn = self.db.reader().acquire().await?;
                changes_since(&mut conn, Scope::All, true, self.cursor, BATCH).await?
            };
            if !page.changes.is_empty() {
                let delivering = Instant::now();
                self.stages.feed_read((delivering - reading).as_secs_f64());
                // Each ticket of the page belongs where the page leaves it.
                for (_, change) in &page.changes {
                    if let Change::Ticket(t) = change {
                        self.remember(t);
                    }
                }
                self.deliver(page.changes).await?;
                self.stages.feed_deliver(delivering.elapsed().as_secs_f64());
            }
            self.cursor = page.next_cursor;
            if !page.has_more {
                return Ok(());
            }
        }
    }

    fn remember(&mut self, ticket: &Ticket) {
        if self.places.len() >= PLACES && !self.places.contains_key(&ticket.id) {
            self.places.clear();
        }
        self.places
            .insert(ticket.id, (ticket.customer_id, ticket.department_id));
    }

    /// Where a ticket belongs, from memory or the store.
    async fn place(&mut self, ticket_id: Uuid) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
        if let Some(place) = self.places.get(&ticket_id) {
            return Ok(Some(*place));
        }
        let ticket = db::tickets::get(self.db.reader(), ticket_id).await?;
        if let Some(ticket) = &ticket {
            self.remember(ticket);
        }
        Ok(ticket.map(|t| (t.customer_id, t.department_id)))
    }

    /// Addresses each change and queues its frame, in the order given.
    async fn deliver(&mut self, changes: Vec<(i64, Change)>) -> Result<(), sqlx::Error> {
        let mut outbox = Outbox::new(self.hub.clone());
        for (_, change) in changes {
            let ticket_id = match &change {
                Change::Ticket(t) => {
                    self.remember(t);
                    t.id
                }
                Change::Message(m) => m.ticket_id,
                Change::Event(e) => e.ticket_id,
                Change::Departure(departure) => {
                    // Only the staff of the department it left lose sight
                    // of it; admins still see it.
                    let event = ServerEvent::TicketRemoved {
                        ticket_id: departure.ticket_id,
                    };
                    let audience = Audience::DepartmentStaff {
                        department_id: departure.department_id,
                    };
                    outbox.send(audience, frame(&event));
                    continue;
                }
            };
            let Some((customer_id, department_id)) = self.place(ticket_id).await? else {
                continue;
            };
            let audience = |staff_only| Audience::Ticket {
                customer_id,
                department_id,
                staff_only,
                except: None,
            };
            let (audience, event, also) = match change {
                Change::Ticket(ticket) => (audience(false), ServerEvent::Ticket { ticket }, None),
                Change::Message(message) => (
                    audience(message.internal),
                    ServerEvent::Message { message },
                    None,
                ),
                Change::Departure(_) => unreachable!("delivered above"),
                Change::Event(event) => {
                    // A transfer is news for the department it left too.
                    let left = match event.change {
                        TimelineChange::DepartmentChanged { from, .. } => {
                            Some(Audience::Department {
                                department_id: from,
                            })
                        }
                        _ => None,
                    };
                    (audience(false), ServerEvent::Timeline { event }, left)
                }
            };
            let frame = frame(&event);
            if let Some(also) = also {
                outbox.send(audience, frame.clone());
                outbox.send(also, frame);
            } else {
                outbox.send(audience, frame);
            }
        }
        outbox.flush();
        Ok(())
    }
}

/// Gathers consecutive frames for one audience into one batch, so that a
/// message and the ticket it moved wake each socket once.
struct Outbox {
    hub: Arc<Hub>,
    audience: Option<Audience>,
    frames: Vec<Utf8Bytes>,
}

impl Outbox {
    fn new(hub: Arc<Hub>) -> Outbox {
        Outbox {
            hub,
            audience: None,
            frames: Vec::new(),
        }
    }

    fn send(&mut self, audience: Audience, frame: Utf8Bytes) {
        if self.audience.as_ref() != Some(&audience) || self.frames.len() >= BATCH_FRAMES {
            self.flush();
            self.audience = Some(audience);
        }
        self.frames.push(frame);
    }

    fn flush(&mut self) {
        if let Some(audience) = self.audience.take() {
            let frames: Frames = std::mem::take(&mut self.frames).into();
            self.hub.deliver(&audience, &frames);
        }
    }
}

#[cfg(test)]
mod tests {
    use protocol::{Role, TimelineChange};

    use super::*;
    use crate::db::timeline::new_event;
    use crate::message_writer::{MessageWriter, NewMessage};

    /// A store with a ticket of Ann's, its writers, an admin's socket and a
    /// follower standing at the end of the feed.
    struct Scene {
        _dir: tempfile::TempDir,
        db: Db,
        messages: MessageWriter,
        ticket: protocol::Ticket,
        start: i64,
        admin: super::super::hub::Registration,
        /// The writers run while this is held.
        _running: watch::Sender<bool>,
        follower: Follower,
    }

    impl Scene {
        async fn new() -> Scene {
            let crate::message_writer::tests::Store {
                _dir, db, ticket, ..
            } = crate::message_writer::tests::store_with_a_ticket().await;
            let (_running, shutdown) = watch::channel(false);
            let messages = MessageWriter::start(db.clone(), 10, shutdown, Default::default());
            let start: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'feed'")
                .fetch_one(db.reader())
                .await
                .unwrap();
            let hub = Hub::new();
            let admin = hub.register(Uuid::now_v7(), Role::Admin, None, "a".into());
            let follower = Follower::new(db.clone(), hub, StageMetrics::default(), start);
            Scene {
                _dir,
                db,
                messages,
                ticket,
                start,
                admin,
                _running,
                follower,
            }
        }

        /// A message of the ticket's customer (an internal note: as staff).
        fn message(ticket: &protocol::Ticket, body: &str, internal: bool) -> NewMessage {
            NewMessage {
                id: Uuid::now_v7(),
                ticket_id: ticket.id,
                author_id: ticket.customer_id,
                author_scope: Scope::All,
                author_is_staff: internal,
                body: body.into(),
                internal,
                attachment_ids: Vec::new(),
            }
        }
    }

    /// Whatever order commits are announced in, and whether or not their
    /// rows were handed over, a socket gets every message and event once,
    /// in feed order, and the ticket as it stands last.
    #[tokio::test]
    async fn handed_read_and_out_of_order_commits_are_delivered_once_in_feed_order() {
        let Scene {
            _dir,
            db,
            messages,
            ticket,
            start,
            mut admin,
            mut follower,
            _running,
        } = Scene::new().await;
        db.commits().take();
        let post = |internal: bool| Scene::message(&ticket, "hello", internal);
        messages.post(post(false)).await.unwrap();
        // A write that records nothing: its span must be read from the feed.
        let mut tx = db.begin_write().await.unwrap();
        let seq = tx.next_seq();
        let event = new_event(ticket.id, None, TimelineChange::Created);
        db::timeline::insert(tx.conn(), &event, seq).await.unwrap();
        tx.commit().await.unwrap();
        messages.post(post(true)).await.unwrap();
        messages.post(post(false)).await.unwrap();

        // Announced out of order: the later commits come first.
        let commits = db.commits();
        let mut announced = commits.take();
        assert_eq!(announced.len(), 4);
        announced.reverse();
        for committed in announced {
            commits.push(committed);
        }
        follower.catch_up(&commits, false).await.unwrap();

        let mut frames = Vec::new();
        while let Ok(batch) = admin.frames.try_recv() {
            frames.extend(batch.iter().map(|f| {
                serde_json::from_str::<ServerEvent>(f.as_str()).expect("frames are events")
            }));
        }
        let mut conn = db.reader().acquire().await.unwrap();
        let feed = changes_since(&mut conn, Scope::All, true, start, 500)
            .await
            .unwrap();
        let ids = |events: &[ServerEvent]| -> Vec<Uuid> {
            events
                .iter()
                .filter_map(|e| match e {
                    ServerEvent::Message { message } => Some(message.id),
                    ServerEvent::Timeline { event } => Some(event.id),
                    _ => None,
                })
                .collect()
        };
        let in_feed: Vec<ServerEvent> = feed
            .changes
            .into_iter()
            .filter_map(|(_, change)| match change {
                Change::Message(message) => Some(ServerEvent::Message { message }),
                Change::Event(event) => Some(ServerEvent::Timeline { event }),
                _ => None,
            })
            .collect();
        assert_eq!(ids(&frames), ids(&in_feed), "each once, in feed order");
        assert_eq!(ids(&frames).len(), 4);
        let last_ticket = frames.iter().rev().find_map(|e| match e {
            ServerEvent::Ticket { ticket } => Some(ticket.clone()),
            _ => None,
        });
        let stored = db::tickets::get(db.reader(), ticket.id).await.unwrap();
        assert_eq!(last_ticket, stored, "the ticket as it stands");
        // Message and ticket, the event, the note (no ticket), message and ticket.
        assert_eq!(follower.cursor, start + 6, "every position passed");
    }

    /// Handed rows behind a gap wait for the gap to be handed too (another
    /// instance's notification on its way) and are then delivered without a
    /// feed read; a gap that stays open is read from the feed.
    #[tokio::test]
    async fn rows_behind_a_gap_wait_for_it_then_the_feed_is_read() {
        let Scene {
            _dir,
            db,
            messages,
            ticket,
            start,
            mut admin,
            mut follower,
            _running,
        } = Scene::new().await;
        let commits = db.commits();
        commits.take();
        let post = async |body: &str| {
            let message = Scene::message(&ticket, body, false);
            messages.post(message).await.unwrap();
            commits.take().pop().expect("one commit")
        };
        let mut bodies = || {
            let mut bodies = Vec::new();
            while let Ok(batch) = admin.frames.try_recv() {
                for frame in batch.iter() {
                    if let Ok(ServerEvent::Message { message }) =
                        serde_json::from_str(frame.as_str())
                    {
                        bodies.push(message.body);
                    }
                }
            }
            bodies
        };

        // The second commit is handed first: it waits.
        let first = post("one").await;
        let second = post("two").await;
        let end = second.upto;
        commits.push(second);
        follower.catch_up(&commits, false).await.unwrap();
        assert_eq!(follower.cursor, start, "nothing delivered past the gap");
        assert!(bodies().is_empty());
        assert!(follower.gap_deadline().is_some());
        // The first arrives: both go out, in feed order.
        commits.push(first);
        follower.catch_up(&commits, false).await.unwrap();
        assert_eq!(follower.cursor, end);
        assert_eq!(bodies(), ["one", "two"]);
        assert_eq!(follower.gap_deadline(), None);

        // A commit never handed: once the wait is over, the feed is read.
        let _lost = post("three").await;
        let fourth = post("four").await;
        let end = fourth.upto;
        commits.push(fourth);
        follower.catch_up(&commits, false).await.unwrap();
        assert!(bodies().is_empty(), "waiting for the gap");
        tokio::time::sleep(GAP_WAIT).await;
        follower.catch_up(&commits, false).await.unwrap();
        assert_eq!(follower.cursor, end);
        assert_eq!(bodies(), ["three", "four"], "read once, in feed order");
    }
}

//! Messages every instance must receive: ephemeral events, revocations and
//! feed wake-ups. On SQLite (one process) they are handled in place; on
//! PostgreSQL they go through `NOTIFY cs_bus` and each instance's listener
//! handles them, its own included.

use std::sync::Arc;
use std::time::Duration;

use protocol::ServerEvent;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::watch;
use uuid::Uuid;

use super::hub::{self, Audience, Hub};
use crate::db::committed::{Commits, Committed};
use crate::db::sync::Change;
use crate::db::{Db, Dialect, MAX_NOTIFY_BYTES};

pub const CHANNEL: &str = "cs_bus";

/// Spilled messages older than this are deleted; every listener has read
/// them long before.
const SPILL_KEEP_MICROS: i64 = 60_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BusMessage {
    /// The change feed moved (up to `upto`, when the sender said): followers
    /// of other instances that have not read that far should. A commit
    /// names its span and, when they fit, carries its rows, which the other
    /// followers deliver without reading them back.
    FeedAdvanced {
        #[serde(default)]
        upto: Option<i64>,
        /// The instance that committed (`Commits::instance`).
        #[serde(default)]
        instance: Option<Uuid>,
        /// The position before the commit's first row.
        #[serde(default)]
        after: Option<i64>,
        /// Every row of the commit, in feed order, as the feed holds it.
        #[serde(default)]
        changes: Option<Vec<(i64, Change)>>,
    },
    Deliver {
        audience: Audience,
        // Boxed: events (a ringing call with its ICE servers) are large.
        event: Box<ServerEvent>,
    },
    Revoke {
        token_hash: Option<String>,
        user_id: Option<Uuid>,
    },
    /// The user's department or role changed: close their sockets.
    Rescope { user_id: Uuid },
    /// A message too large for NOTIFY, stored in `bus_spill` under this id.
    Spilled { id: Uuid },
}

#[derive(Clone)]
pub struct Bus {
    hub: Arc<Hub>,
    feed: Arc<Commits>,
    /// Set on PostgreSQL: where to `NOTIFY`.
    postgres: Option<Db>,
}

impl Bus {
    pub async fn start(
        db: &Db,
        database_url: &str,
        hub: Arc<Hub>,
        feed: Arc<Commits>,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<Bus> {
        let bus = Bus {
            hub,
            feed,
            postgres: (db.dialect == Dialect::Postgres).then(|| db.clone()),
        };
        if bus.postgres.is_some() {
            let mut listener = PgListener::connect(database_url).await?;
            listener.listen(CHANNEL).await?;
            tokio::spawn(listen(listener, bus.clone(), shutdown));
        }
        Ok(bus)
    }

    pub async fn publish(&self, message: BusMessage) {
        match &self.postgres {
            None => self.handle(message),
            Some(db) => {
                let payload = serde_json::to_string(&message).expect("bus messages serialise");
                if let Err(e) = notify(db, payload).await {
                    tracing::warn!(error = %e, "could not publish on the bus");
                }
            }
        }
    }

    fn handle(&self, message: BusMessage) {
        match message {
            BusMessage::FeedAdvanced {
                upto,
                instance,
                after,
                changes,
            } => match (upto, after, changes) {
                // Our own commits reach the follower through its queue.
                _ if instance == Some(self.feed.instance) => {}
                (Some(upto), Some(after), Some(changes)) => self.feed.push(Committed {
                    after,
                    upto,
                    changes: Some(changes),
                }),
                (upto, ..) => self.feed.advanced_elsewhere(upto),
            },
            BusMessage::Deliver { audience, event } => {
                self.hub
                    .deliver(&audience, &Arc::from([hub::frame(&event)]));
            }
            BusMessage::Revoke {
                token_hash,
                user_id,
            } => self.hub.revoke(token_hash.as_deref(), user_id),
            BusMessage::Rescope { user_id } => self.hub.rescope(user_id),
            BusMessage::Spilled { .. } => {
                tracing::warn!("a spilled bus message reached the hub unread")
            }
        }
    }

    /// Handles a notification, reading a spilled message from the store.
    async fn receive(&self, message: BusMessage) {
        let BusMessage::Spilled { id } = message else {
            return self.handle(message);
        };
        let Some(db) = &self.postgres else { return };
        let payload: Result<Option<String>, sqlx::Error> =
            sqlx::query_scalar("SELECT payload FROM bus_spill WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(db.reader())
                .await;
        match payload.map(|p| p.map(|p| serde_json::from_str::<BusMessage>(&p))) {
            Ok(Some(Ok(message))) => self.handle(message),
            Ok(Some(Err(e))) => tracing::warn!(error = %e, "unreadable spilled bus message"),
            Ok(None) => tracing::warn!(%id, "spilled bus message already gone"),
            Err(e) => tracing::warn!(error = %e, "could not read a spilled bus message"),
        }
    }
}

/// `NOTIFY cs_bus` with the payload, or with a pointer to it when too large
/// (SDP offers can be).
async fn notify(db: &Db, payload: String) -> Result<(), sqlx::Error> {
    let payload = if payload.len() <= MAX_NOTIFY_BYTES {
        payload
    } else {
        let id = Uuid::now_v7();
        let now = crate::db::now_micros();
        sqlx::query("DELETE FROM bus_spill WHERE created_at < $1")
            .bind(now - SPILL_KEEP_MICROS)
            .execute(db.writer())
            .await?;
        sqlx::query("INSERT INTO bus_spill (id, payload, created_at) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(payload)
            .bind(now)
            .execute(db.writer())
            .await?;
        serde_json::to_string(&BusMessage::Spilled { id }).expect("bus messages serialise")
    };
    // Counted, because the Any driver cannot read pg_notify's void.
    sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_notify($1, $2)) AS sent")
        .bind(CHANNEL)
        .bind(payload)
        .execute(db.writer())
        .await?;
    Ok(())
}

async fn listen(mut listener: PgListener, bus: Bus, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<BusMessage>(notification.payload()) {
                        Ok(message) => bus.receive(message).await,
                        Err(e) => tracing::warn!(error = %e, "unreadable bus message"),
                    }
                }
                // The connection dropped and was re-established: messages
                // may have been missed; at least make the follower look.
                Ok(None) => bus.feed.advanced_elsewhere(None),
                Err(e) => {
                    tracing::warn!(error = %e, "bus listener failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bus() -> Bus {
        Bus {
            hub: Hub::new(),
            feed: Arc::default(),
            postgres: None,
        }
    }

    fn message(body: &str) -> Change {
        Change::Message(protocol::Message {
            id: Uuid::now_v7(),
            ticket_id: Uuid::now_v7(),
            author_id: Uuid::now_v7(),
            body: body.into(),
            internal: false,
            attachments: Vec::new(),
            created_at: crate::db::from_micros(crate::db::now_micros()),
        })
    }

    #[test]
    fn a_commit_with_its_rows_is_handed_to_the_other_instances_followers_only() {
        let here = bus();
        let there = bus();
        let rows = vec![(42, message("hello"))];
        let payload = crate::db::feed_advanced_payload(41, 42, here.feed.instance, Some(&rows));
        let message: BusMessage = serde_json::from_str(&payload).unwrap();
        here.handle(message.clone());
        there.handle(message);
        assert!(
            here.feed.take().is_empty(),
            "its own commit is queued already"
        );
        let handed = there.feed.take();
        assert_eq!(handed.len(), 1);
        assert_eq!((handed[0].after, handed[0].upto), (41, 42));
        assert_eq!(
            handed[0].changes.as_ref(),
            Some(&rows),
            "the rows as written"
        );
        assert_eq!(there.feed.unread_elsewhere(41), None, "nothing to read");
    }

    #[test]
    fn a_commit_without_its_rows_has_the_other_instances_read_the_feed() {
        let here = bus();
        let there = bus();
        let payload = crate::db::feed_advanced_payload(41, 42, here.feed.instance, None);
        let message: BusMessage = serde_json::from_str(&payload).unwrap();
        here.handle(message.clone());
        there.handle(message);
        assert_eq!(here.feed.unread_elsewhere(0), None);
        assert!(there.feed.take().is_empty());
        assert_eq!(there.feed.unread_elsewhere(41), Some(42));
        assert_eq!(there.feed.unread_elsewhere(42), None);
    }

    #[test]
    fn rows_too_large_for_a_notification_are_left_to_a_feed_read() {
        let here = bus();
        let there = bus();
        let rows = vec![(42, message(&"x".repeat(MAX_NOTIFY_BYTES)))];
        let payload = crate::db::feed_advanced_payload(41, 42, here.feed.instance, Some(&rows));
        assert!(payload.len() <= MAX_NOTIFY_BYTES, "{} bytes", payload.len());
        there.handle(serde_json::from_str(&payload).unwrap());
        assert!(there.feed.take().is_empty());
        assert_eq!(there.feed.unread_elsewhere(41), Some(42));
    }

    #[test]
    fn a_notification_of_an_older_server_still_wakes_the_follower() {
        let b = bus();
        let message: BusMessage = serde_json::from_str(r#"{"kind":"feed_advanced"}"#).unwrap();
        b.handle(message);
        assert!(b.feed.unread_elsewhere(1_000_000).is_some());
    }
}

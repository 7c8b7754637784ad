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
use crate::db::committed::Commits;
use crate::db::{Db, Dialect};

pub const CHANNEL: &str = "cs_bus";

/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger
/// messages (SDP offers can be) go through `bus_spill`.
const MAX_NOTIFY_BYTES: usize = 7_000;
/// Spilled messages older than this are deleted; every listener has read
/// them long before.
const SPILL_KEEP_MICROS: i64 = 60_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BusMessage {
    /// The change feed moved (up to `upto`, when the sender said): followers
    /// of other instances that have not read that far should.
    FeedAdvanced {
        #[serde(default)]
        upto: Option<i64>,
        /// The instance that committed (`Commits::instance`).
        #[serde(default)]
        instance: Option<Uuid>,
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
            BusMessage::FeedAdvanced { upto, instance } => {
                // Our own commits reach the follower through its queue.
                if instance != Some(self.feed.instance) {
                    self.feed.advanced_elsewhere(upto);
                }
            }
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

/// `NOTIFY cs_bus` with the payload, or with a pointer to it when too large.
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

    #[test]
    fn a_commit_notification_wakes_the_other_instances_followers_only() {
        let here = bus();
        let there = bus();
        let payload = crate::db::feed_advanced_payload(42, here.feed.instance);
        let message: BusMessage = serde_json::from_str(&payload).unwrap();
        assert_eq!(
            message,
            BusMessage::FeedAdvanced {
                upto: Some(42),
                instance: Some(here.feed.instance)
            }
        );
        here.handle(message.clone());
        there.handle(message);
        assert_eq!(
            here.feed.unread_elsewhere(0),
            None,
            "its own commit is queued"
        );
        assert_eq!(there.feed.unread_elsewhere(41), Some(42));
        assert_eq!(there.feed.unread_elsewhere(42), None);
    }

    #[test]
    fn a_notification_of_an_older_server_still_wakes_the_follower() {
        let b = bus();
        let message: BusMessage = serde_json::from_str(r#"{"kind":"feed_advanced"}"#).unwrap();
        b.handle(message);
        assert!(b.feed.unread_elsewhere(1_000_000).is_some());
    }
}

//! Messages every instance must receive: ephemeral events, revocations and
//! feed wake-ups. On SQLite (one process) they are handled in place; on
//! PostgreSQL they go through `NOTIFY cs_bus` and each instance's listener
//! handles them, its own included.

use std::sync::Arc;
use std::time::Duration;

use protocol::ServerEvent;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use super::hub::{Audience, Hub};
use crate::db::{Db, Dialect};

pub const CHANNEL: &str = "cs_bus";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BusMessage {
    /// The change feed moved: followers should read it.
    FeedAdvanced,
    Deliver {
        audience: Audience,
        event: ServerEvent,
    },
    Revoke {
        token_hash: Option<String>,
        user_id: Option<Uuid>,
    },
}

#[derive(Clone)]
pub struct Bus {
    hub: Arc<Hub>,
    feed_wake: Arc<Notify>,
    /// Set on PostgreSQL: where to `NOTIFY`.
    postgres: Option<Db>,
}

impl Bus {
    pub async fn start(
        db: &Db,
        database_url: &str,
        hub: Arc<Hub>,
        feed_wake: Arc<Notify>,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<Bus> {
        let bus = Bus {
            hub,
            feed_wake,
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
                // Counted, because the Any driver cannot read pg_notify's void.
                let sent =
                    sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_notify($1, $2)) AS sent")
                        .bind(CHANNEL)
                        .bind(payload)
                        .execute(db.writer())
                        .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "could not publish on the bus");
                }
            }
        }
    }

    fn handle(&self, message: BusMessage) {
        match message {
            BusMessage::FeedAdvanced => self.feed_wake.notify_one(),
            BusMessage::Deliver { audience, event } => {
                let frame: Arc<str> = serde_json::to_string(&event)
                    .expect("events serialise")
                    .into();
                self.hub.deliver(&audience, &frame);
            }
            BusMessage::Revoke {
                token_hash,
                user_id,
            } => self.hub.revoke(token_hash.as_deref(), user_id),
        }
    }
}

async fn listen(mut listener: PgListener, bus: Bus, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<BusMessage>(notification.payload()) {
                        Ok(message) => bus.handle(message),
                        Err(e) => tracing::warn!(error = %e, "unreadable bus message"),
                    }
                }
                // The connection dropped and was re-established: messages
                // may have been missed; at least make the follower look.
                Ok(None) => bus.feed_wake.notify_one(),
                Err(e) => {
                    tracing::warn!(error = %e, "bus listener failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

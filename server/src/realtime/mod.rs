//! Realtime delivery: every signed-in client holds one WebSocket, and every
//! change reaches exactly the sockets allowed to see it, on every instance.
//!
//! The path of an event (see ARCHITECTURE.md):
//!
//! - Stored changes (tickets, messages, timeline) are not pushed by the
//!   handler that wrote them. The write commits to the change feed and wakes
//!   the feed follower of each instance (`follower.rs`): its own instance's
//!   through `db::committed`, with the rows it wrote; the others on
//!   PostgreSQL by a `NOTIFY` sent at commit. Each follower delivers the
//!   handed rows, or reads the feed like a sync client with full sight where
//!   it was not handed them, works out each row's audience, and hands one
//!   serialised frame to the local hub. So a socket sees exactly what
//!   `/v1/sync` would give, in feed order, and no committed change is
//!   skipped.
//! - Ephemeral events (typing, read receipts, presence) and session
//!   revocations travel on the bus (`bus.rs`): in-process on SQLite,
//!   `NOTIFY` on PostgreSQL so that every instance receives them.
//! - The hub (`hub.rs`) indexes the local sockets by user, department and
//!   role, and queues frames with a bound per socket.

mod bus;
mod follower;
pub mod hub;
pub mod socket;

use std::sync::Arc;

use protocol::ServerEvent;
use tokio::sync::watch;
use uuid::Uuid;

pub use bus::BusMessage;
pub use hub::{Audience, Hub};

use crate::db::Db;
use crate::stage_metrics::StageMetrics;

#[derive(Clone)]
pub struct Realtime {
    pub hub: Arc<Hub>,
    bus: bus::Bus,
}

impl Realtime {
    /// Starts the feed follower (and on PostgreSQL the bus listener); both
    /// stop when `shutdown` changes.
    pub async fn start(
        db: &Db,
        database_url: &str,
        stages: StageMetrics,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<Realtime> {
        let hub = Hub::new();
        let commits = db.commits();
        let bus = bus::Bus::start(
            db,
            database_url,
            hub.clone(),
            commits.clone(),
            shutdown.clone(),
        )
        .await?;
        follower::spawn(db.clone(), hub.clone(), commits, stages, shutdown).await?;
        Ok(Realtime { hub, bus })
    }

    /// Sends an ephemeral event to its audience on every instance.
    pub async fn publish(&self, audience: Audience, event: ServerEvent) {
        self.bus
            .publish(BusMessage::Deliver {
                audience,
                event: Box::new(event),
            })
            .await;
    }

    /// Closes, on every instance, a user's sockets because what they may see
    /// changed; their clients reconnect and resync with their new sight.
    pub async fn rescope_user(&self, user_id: Uuid) {
        self.bus.publish(BusMessage::Rescope { user_id }).await;
    }

    /// Closes, on every instance, the sockets of a revoked token.
    pub async fn revoke_token(&self, token_hash: &str) {
        self.bus
            .publish(BusMessage::Revoke {
                token_hash: Some(token_hash.to_string()),
                user_id: None,
            })
            .await;
    }

    /// Closes, on every instance, every socket of a user.
    pub async fn revoke_user(&self, user_id: Uuid) {
        self.bus
            .publish(BusMessage::Revoke {
                token_hash: None,
                user_id: Some(user_id),
            })
            .await;
    }
}

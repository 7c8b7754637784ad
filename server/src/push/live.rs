//! Which sessions hold a WebSocket, on any instance: a device whose session
//! is live hears events on its socket and gets no push for them.
//!
//! Each instance counts its own sockets per session in memory and keeps one
//! row per live session in `live_sessions`: inserted when the first socket
//! of the session opens, deleted when the last one closes, and refreshed on
//! a heartbeat so a crashed instance's rows lapse after `EXPIRY`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::{self, Db, now_micros};

/// How often an instance refreshes its rows.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A row not refreshed for this long belongs to a dead instance.
pub const EXPIRY: Duration = Duration::from_secs(35);

pub struct LiveSessions {
    db: Db,
    instance_id: String,
    /// Sockets per session token hash on this instance.
    local: Mutex<HashMap<String, usize>>,
    /// Without push there is nobody to ask, so nothing is recorded.
    enabled: bool,
}

/// Held by a socket; dropping it counts the socket out.
pub struct LiveGuard {
    live: Arc<LiveSessions>,
    token_hash: String,
}

impl LiveSessions {
    pub fn new(db: Db, instance_id: String, enabled: bool) -> Arc<LiveSessions> {
        Arc::new(LiveSessions {
            db,
            instance_id,
            local: Mutex::default(),
            enabled,
        })
    }

    /// Counts a socket of the session in; the row is written before this
    /// returns, so a push decided after the socket's `ready` sees it.
    pub async fn track(self: &Arc<Self>, token_hash: &str) -> LiveGuard {
        let first = {
            let mut local = self.local.lock().unwrap();
            let count = local.entry(token_hash.to_string()).or_default();
            *count += 1;
            *count == 1
        };
        if first && self.enabled {
            let hashes = [token_hash.to_string()];
            if let Err(e) =
                db::push::live_upsert(self.db.writer(), &hashes, &self.instance_id, now_micros())
                    .await
            {
                tracing::warn!(error = %e, "could not record a live session");
            }
        }
        LiveGuard {
            live: self.clone(),
            token_hash: token_hash.to_string(),
        }
    }

    fn untrack(self: &Arc<Self>, token_hash: &str) {
        let last = {
            let mut local = self.local.lock().unwrap();
            match local.get_mut(token_hash) {
                Some(count) if *count > 1 => {
                    *count -= 1;
                    false
                }
                Some(_) => {
                    local.remove(token_hash);
                    true
                }
                None => false,
            }
        };
        if last && self.enabled {
            let live = self.clone();
            let token_hash = token_hash.to_string();
            // Off the socket's drop; a lost delete is undone by the
            // heartbeat's expiry at worst.
            tokio::spawn(async move {
                let still_gone = !live.local.lock().unwrap().contains_key(&token_hash);
                if still_gone
                    && let Err(e) =
                        db::push::live_delete(live.db.writer(), &token_hash, &live.instance_id)
                            .await
                {
                    tracing::warn!(error = %e, "could not clear a live session");
                }
            });
        }
    }

    /// A live row seen after this (micros) counts.
    pub fn live_since() -> i64 {
        now_micros() - EXPIRY.as_micros() as i64
    }

    /// Refreshes this instance's rows until shutdown, then removes them.
    pub fn spawn_heartbeat(
        self: &Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Option<JoinHandle<()>> {
        if !self.enabled {
            return None;
        }
        let live = self.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.changed() => break,
                }
                let hashes: Vec<String> = live.local.lock().unwrap().keys().cloned().collect();
                let now = now_micros();
                let refreshed =
                    db::push::live_upsert(live.db.writer(), &hashes, &live.instance_id, now).await;
                // Also clears rows of instances that stopped refreshing.
                let stale_before = now - EXPIRY.as_micros() as i64 * 4;
                let cleared = db::push::live_forget(live.db.writer(), "-", stale_before).await;
                if let Err(e) = refreshed.and(cleared) {
                    tracing::warn!(error = %e, "live-session heartbeat failed");
                }
            }
            if let Err(e) = db::push::live_forget(live.db.writer(), &live.instance_id, 0).await {
                tracing::warn!(error = %e, "could not clear this instance's live sessions");
            }
        }))
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.live.untrack(&self.token_hash);
    }
}

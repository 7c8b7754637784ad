//! Push notifications through Firebase Cloud Messaging (HTTP v1).
//!
//! Nothing is sent from a request: requests and the change feed put pushes
//! in a durable queue (`push_queue`), and one worker per instance sends
//! them. See ARCHITECTURE.md, "Push".
//!
//! - `calls.rs`: incoming-call and stop-ringing pushes, queued by the call
//!   code as a call rings and stops ringing;
//! - `follower.rs`: chat and ticket-status pushes, derived from the change
//!   feed;
//! - `live.rs`: which sessions hold a WebSocket (on any instance): their
//!   devices hear events live and get no push;
//! - `worker.rs`: claims, sends, retries;
//! - `sender.rs`: the `PushSender` trait and FCM HTTP v1;
//! - `message.rs`: what each push says.

pub mod calls;
pub mod follower;
pub mod live;
pub mod message;
pub mod sender;
pub mod worker;

use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::Config;
use crate::db::Db;
pub use live::{LiveGuard, LiveSessions};
pub use sender::{FcmSender, PushError, PushSender};

/// The push side of an instance; cheap to clone.
#[derive(Clone)]
pub struct Push {
    db: Db,
    /// Wakes this instance's worker when something is queued here.
    wake: Arc<Notify>,
    sender: Option<Arc<dyn PushSender>>,
    pub live: Arc<LiveSessions>,
    calls_to_all_devices: bool,
    ring_timeout_secs: u64,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Push {
    /// Reads the FCM credentials if configured and starts the worker, the
    /// follower and the live-session heartbeat. Without credentials push is
    /// off (devices can still register) and the log says so.
    pub async fn start(
        db: &Db,
        config: &Config,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<Push> {
        let sender: Option<Arc<dyn PushSender>> = match &config.fcm_credentials {
            Some(path) => {
                let sender = FcmSender::from_file(path, &config.fcm_endpoint)?;
                tracing::info!(endpoint = %config.fcm_endpoint, "push notifications on (FCM)");
                Some(Arc::new(sender))
            }
            None => {
                tracing::info!("push notifications off: CS_FCM_CREDENTIALS is not set");
                None
            }
        };
        Ok(Push::with_sender(db, config, sender, shutdown))
    }

    /// As `start`, with any sender (tests, benchmarks).
    pub fn with_sender(
        db: &Db,
        config: &Config,
        sender: Option<Arc<dyn PushSender>>,
        shutdown: watch::Receiver<bool>,
    ) -> Push {
        let instance_id = uuid::Uuid::new_v4().to_string();
        let live = LiveSessions::new(db.clone(), instance_id.clone(), sender.is_some());
        let push = Push {
            db: db.clone(),
            wake: Arc::new(Notify::new()),
            sender: sender.clone(),
            live,
            calls_to_all_devices: config.push_calls_to_all_devices,
            ring_timeout_secs: config.ring_timeout_secs,
            tasks: Arc::default(),
        };
        if let Some(sender) = sender {
            let mut tasks = push.tasks.lock().unwrap();
            tasks.push(worker::spawn(
                db.clone(),
                sender,
                instance_id,
                push.wake.clone(),
                shutdown.clone(),
            ));
            tasks.push(follower::spawn(
                db.clone(),
                push.wake.clone(),
                shutdown.clone(),
            ));
            tasks.extend(push.live.spawn_heartbeat(shutdown));
        }
        push
    }

    /// Wakes this instance's worker (it also polls the queue every second).
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }

    pub fn enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// Sends one message to `token` at once, outside the queue, and answers
    /// FCM's verdict (the push self-test: the caller wants to know which
    /// step failed). `None` when push is off on this server.
    pub async fn send_now(
        &self,
        mut message: serde_json::Value,
        token: &str,
    ) -> Option<Result<(), PushError>> {
        let sender = self.sender.as_ref()?;
        message["token"] = serde_json::Value::String(token.to_string());
        Some(sender.send(&message).await)
    }

    /// Waits for the worker to finish its sends in flight and give back its
    /// claims, and for the other push tasks to end (after shutdown began).
    pub async fn stopped(&self) {
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *self.tasks.lock().unwrap());
        for task in tasks {
            let _ = task.await;
        }
    }
}

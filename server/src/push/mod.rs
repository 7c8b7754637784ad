//! Push notifications through Firebase Cloud Messaging (HTTP v1), and
//! PushKit VoIP pushes to iPhones through APNs.
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
//! - `apns.rs`: APNs for VoIP pushes (HTTP/2, provider tokens);
//! - `message.rs`: what each push says;
//! - `metrics.rs`: the push counters of `/metrics`.

pub mod apns;
pub mod calls;
pub mod follower;
pub mod live;
pub mod message;
pub mod metrics;
pub mod sender;
pub mod worker;

use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::Config;
use crate::db::{self, Db};
pub use live::{LiveGuard, LiveSessions};
pub use sender::{FcmSender, PushError, PushSender};

use crate::db::push::Service;

/// The services this instance sends through; either may be off.
#[derive(Clone, Default)]
pub struct Senders {
    pub fcm: Option<Arc<dyn PushSender>>,
    pub apns: Option<Arc<dyn PushSender>>,
}

impl Senders {
    pub fn get(&self, service: Service) -> Option<&Arc<dyn PushSender>> {
        match service {
            Service::Fcm => self.fcm.as_ref(),
            Service::Apns => self.apns.as_ref(),
        }
    }

    /// The services configured here: the worker claims only these.
    pub fn services(&self) -> Vec<Service> {
        [Service::Fcm, Service::Apns]
            .into_iter()
            .filter(|s| self.get(*s).is_some())
            .collect()
    }
}

/// The push side of an instance; cheap to clone.
#[derive(Clone)]
pub struct Push {
    db: Db,
    /// Wakes this instance's worker when something is queued here.
    wake: Arc<Notify>,
    senders: Senders,
    pub live: Arc<LiveSessions>,
    calls_to_all_devices: bool,
    ring_timeout_secs: u64,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    pub metrics: metrics::PushMetrics,
}

impl Push {
    /// Reads the FCM credentials and the APNs key if configured and starts
    /// the worker, the follower and the live-session heartbeat. Without
    /// either, push is off (devices can still register) and the log says so.
    pub async fn start(
        db: &Db,
        config: &Config,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<Push> {
        let mut senders = Senders::default();
        match &config.fcm_credentials {
            Some(path) => {
                let sender = FcmSender::from_file(path, &config.fcm_endpoint)?;
                tracing::info!(endpoint = %config.fcm_endpoint, "push notifications on (FCM)");
                senders.fcm = Some(Arc::new(sender));
            }
            None => tracing::info!("push notifications off: CS_FCM_CREDENTIALS is not set"),
        }
        match config.apns()? {
            Some(settings) => {
                let sender = apns::ApnsSender::new(&settings)?;
                tracing::info!(endpoint = %settings.endpoint, "iPhone VoIP pushes on (APNs)");
                senders.apns = Some(Arc::new(sender));
            }
            None => tracing::info!("iPhone VoIP pushes off: CS_APNS_KEY is not set"),
        }
        Ok(Push::with_senders(db, config, senders, shutdown))
    }

    /// As `start`, with any senders (tests, benchmarks).
    pub fn with_senders(
        db: &Db,
        config: &Config,
        senders: Senders,
        shutdown: watch::Receiver<bool>,
    ) -> Push {
        let instance_id = uuid::Uuid::new_v4().to_string();
        let any = senders.fcm.is_some() || senders.apns.is_some();
        let live = LiveSessions::new(db.clone(), instance_id.clone(), any);
        let push = Push {
            db: db.clone(),
            wake: Arc::new(Notify::new()),
            senders: senders.clone(),
            live,
            calls_to_all_devices: config.push_calls_to_all_devices,
            ring_timeout_secs: config.ring_timeout_secs,
            tasks: Arc::default(),
            metrics: metrics::PushMetrics::default(),
        };
        if any {
            let mut tasks = push.tasks.lock().unwrap();
            tasks.push(worker::spawn(
                db.clone(),
                senders.clone(),
                instance_id,
                push.wake.clone(),
                push.metrics.clone(),
                shutdown.clone(),
            ));
            // Chat and status pushes are FCM's.
            if senders.fcm.is_some() {
                tasks.push(follower::spawn(
                    db.clone(),
                    push.wake.clone(),
                    push.metrics.clone(),
                    shutdown.clone(),
                ));
            }
            tasks.extend(push.live.spawn_heartbeat(shutdown));
        }
        push
    }

    /// Wakes this instance's worker (it also polls the queue every second).
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }

    /// After `pushes` committed to the queue: count them and wake the worker.
    pub fn queued(&self, pushes: &[db::push::NewPush]) {
        if pushes.is_empty() {
            return;
        }
        for push in pushes {
            self.metrics.queued(push.kind, 1);
        }
        self.wake.notify_one();
    }

    /// Whether any push service is configured.
    pub fn enabled(&self) -> bool {
        self.senders.fcm.is_some() || self.senders.apns.is_some()
    }

    /// Whether `service` is configured.
    pub fn sends_through(&self, service: Service) -> bool {
        self.senders.get(service).is_some()
    }

    /// Sends one message to `token` through `service` at once, outside the
    /// queue, and answers the service's verdict (the push self-test: the
    /// caller wants to know which step failed). `None` when that service is
    /// off on this server.
    pub async fn send_now(
        &self,
        service: Service,
        mut message: serde_json::Value,
        token: &str,
    ) -> Option<Result<(), PushError>> {
        let sender = self.senders.get(service)?;
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

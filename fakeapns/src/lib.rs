//! A fake Apple Push Notification service for tests: `POST /3/device/<token>`
//! over HTTP/2 only, on TLS with a certificate made at start, checking what
//! Apple checks: the provider token (ES256 signature, key id, team id, age,
//! refresh rate; `auth.rs`), the device token, the `apns-*` headers, the
//! payload and its size (`request.rs`), answering Apple's status codes and
//! `{"reason": …}` bodies with an `apns-id` header (`serve.rs`).
//!
//! Checks run in this order: provider token, method, path and device token,
//! headers, body; then the script: unregistered tokens answer 410, and
//! scripted failures apply to requests that passed every check. Every
//! accepted request is recorded with its arrival time, every refusal with
//! its reason.

mod auth;
mod request;
mod serve;
mod tls;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Notify;

pub use auth::{MIN_REFRESH_SECS, TOKEN_MAX_AGE_SECS, TestKey};
pub use request::{PAYLOAD_LIMIT, PUSH_TYPES, VOIP_PAYLOAD_LIMIT};

/// How a scripted failure answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 500 InternalServerError.
    InternalServerError,
    /// 503 ServiceUnavailable (the server is shutting down).
    ServiceUnavailable,
    /// 429 TooManyRequests (too many pushes to one device token).
    TooManyRequests,
}

impl Failure {
    fn answer(self) -> (u16, &'static str) {
        match self {
            Failure::InternalServerError => (500, "InternalServerError"),
            Failure::ServiceUnavailable => (503, "ServiceUnavailable"),
            Failure::TooManyRequests => (429, "TooManyRequests"),
        }
    }
}

/// What the fake trusts.
#[derive(Debug, Clone)]
pub struct FakeApnsConfig {
    /// The provider tokens' `iss`.
    pub team_id: String,
    /// The keys whose ids (`kid`) and signatures are accepted.
    pub keys: Vec<TestKey>,
    /// The app's bundle id. Topics are it, or it with the suffix of a push
    /// type: `<bundle id>.voip` for VoIP pushes, `.complication`, ….
    pub bundle_id: String,
    /// Answer 429 TooManyProviderTokenUpdates to a new token (per key id)
    /// whose `iat` is less than [`MIN_REFRESH_SECS`] after that of the
    /// previous new one. Tokens seen before are never updates. On by
    /// default; turn it off for tests that mint tokens freely.
    pub refresh_limit: bool,
}

impl FakeApnsConfig {
    /// Trusts `key` (and its team) for the app `bundle_id`, refresh limit on.
    pub fn new(key: &TestKey, bundle_id: &str) -> FakeApnsConfig {
        FakeApnsConfig {
            team_id: key.team_id.clone(),
            keys: vec![key.clone()],
            bundle_id: bundle_id.to_string(),
            refresh_limit: true,
        }
    }
}

/// A notification APNs accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub device_token: String,
    /// Every request header by lowercase name, `authorization` left out.
    pub headers: BTreeMap<String, String>,
    pub payload: Value,
    /// The `apns-id` answered: the one sent, or one made up.
    pub apns_id: String,
    /// Its `apns-expiration` had already passed: Apple would accept it and
    /// drop it undelivered.
    pub already_expired: bool,
    /// `HTTP/2.0`: nothing else reaches the fake.
    pub http_version: String,
    /// When the request arrived (before any scripted delay).
    pub arrived: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn push_type(&self) -> Option<&str> {
        self.header("apns-push-type")
    }

    pub fn topic(&self) -> Option<&str> {
        self.header("apns-topic")
    }

    /// `apns-priority` (10, 5 or 1), if sent.
    pub fn priority(&self) -> Option<u8> {
        self.header("apns-priority")?.parse().ok()
    }

    /// `apns-expiration` (UNIX seconds), if sent.
    pub fn expiration(&self) -> Option<u64> {
        self.header("apns-expiration")?.parse().ok()
    }

    pub fn collapse_id(&self) -> Option<&str> {
        self.header("apns-collapse-id")
    }
}

/// A request APNs refused, scripted failures included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub reason: String,
    /// As in the `:path` (empty if the path had none).
    pub device_token: String,
}

#[derive(Default)]
struct Script {
    /// Token → when it was unregistered, in milliseconds since the epoch.
    unregistered: HashMap<String, i64>,
    failures: VecDeque<Failure>,
    delay: Duration,
}

pub(crate) struct Shared {
    bundle_id: String,
    verifier: Mutex<auth::Verifier>,
    script: Mutex<Script>,
    accepted: Mutex<Vec<Received>>,
    refused: Mutex<Vec<Refused>>,
    requests: Mutex<u64>,
    changed: Notify,
}

pub struct FakeApns {
    addr: SocketAddr,
    ca_pem: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeApns {
    /// Trusts one key of its team for the app `bundle_id`, refresh limit on.
    pub async fn start_with(key: &TestKey, bundle_id: &str) -> FakeApns {
        FakeApns::start(FakeApnsConfig::new(key, bundle_id)).await
    }

    /// Serves on 127.0.0.1 on a free port.
    pub async fn start(config: FakeApnsConfig) -> FakeApns {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("a local address");
        let (acceptor, ca_pem) = tls::acceptor();
        let verifier = auth::Verifier::new(&config.team_id, &config.keys, config.refresh_limit);
        let shared = Arc::new(Shared {
            bundle_id: config.bundle_id,
            verifier: Mutex::new(verifier),
            script: Mutex::default(),
            accepted: Mutex::default(),
            refused: Mutex::default(),
            requests: Mutex::default(),
            changed: Notify::new(),
        });
        let task = tokio::spawn(serve::serve(listener, acceptor, shared.clone()));
        FakeApns {
            addr,
            ca_pem,
            shared,
            task,
        }
    }

    /// `https://127.0.0.1:<port>`, where `/3/device/<token>` is served.
    pub fn endpoint(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The certificate (PEM) of the authority that signed the fake's TLS
    /// certificate: what a client must trust.
    pub fn ca_certificate_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The topic VoIP pushes must name: `<bundle id>.voip`.
    pub fn voip_topic(&self) -> String {
        format!("{}.voip", self.shared.bundle_id)
    }

    /// From now on, pushes to `token` answer 410 Unregistered, with this
    /// moment as the `timestamp`.
    pub fn unregister(&self, token: &str) {
        let mut script = self.shared.script.lock().unwrap();
        script
            .unregistered
            .insert(token.to_string(), serve::now_millis());
    }

    /// The next `n` requests that pass every check fail with `failure`.
    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut script = self.shared.script.lock().unwrap();
        script.failures.extend(std::iter::repeat_n(failure, n));
    }

    /// Every answer, accepted or refused, waits this long.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.script.lock().unwrap().delay = delay;
    }

    /// Every accepted notification so far, in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.shared.accepted.lock().unwrap().clone()
    }

    /// How many notifications were accepted, without copying them.
    pub fn accepted_count(&self) -> usize {
        self.shared.accepted.lock().unwrap().len()
    }

    /// Every refused request so far (scripted failures included).
    pub fn refused(&self) -> Vec<Refused> {
        self.shared.refused.lock().unwrap().clone()
    }

    /// Requests that reached the fake over HTTP/2, accepted or not.
    pub fn requests(&self) -> u64 {
        *self.shared.requests.lock().unwrap()
    }

    /// Distinct provider tokens accepted so far: 1 for a client that keeps
    /// its token, as Apple asks, over a short test.
    pub fn provider_tokens_seen(&self) -> usize {
        self.shared.verifier.lock().unwrap().distinct_tokens()
    }

    /// Waits until the accepted notifications satisfy `done`, or `timeout`
    /// passes; returns them either way.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        self.wait(timeout, || {
            let accepted = self.accepted();
            done(&accepted).then_some(accepted)
        })
        .await
        .unwrap_or_else(|| self.accepted())
    }

    /// As [`Self::wait_until`], over the refused requests.
    pub async fn wait_until_refused(
        &self,
        timeout: Duration,
        done: impl Fn(&[Refused]) -> bool,
    ) -> Vec<Refused> {
        self.wait(timeout, || {
            let refused = self.refused();
            done(&refused).then_some(refused)
        })
        .await
        .unwrap_or_else(|| self.refused())
    }

    async fn wait<T>(&self, timeout: Duration, ready: impl Fn() -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Made before looking, so a change in between is not missed.
            let changed = self.shared.changed.notified();
            if let Some(value) = ready() {
                return Some(value);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return None;
            }
        }
    }
}

impl Drop for FakeApns {
    /// Stops listening and closes every open connection.
    fn drop(&mut self) {
        self.task.abort();
    }
}

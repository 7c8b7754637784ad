//! A fake Firebase Cloud Messaging for tests and benchmarks: an OAuth token
//! endpoint that accepts only a JWT-bearer grant signed by the test service
//! account's key, and `POST /v1/projects/{project}/messages:send` that checks
//! the bearer token it issued and the message's shape the way FCM does.
//!
//! Scriptable: tokens FCM should call UNREGISTERED, the next N sends failing
//! with 500 or 429 + Retry-After, a delay before each answer. Every accepted
//! message is recorded with its arrival time.
//!
//! The key pair under `testdata/` is a TEST-ONLY key, committed on purpose.

mod message;
mod oauth;

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// The project the fake serves.
pub const PROJECT_ID: &str = "fake-project";
/// The service account the fake trusts.
pub const CLIENT_EMAIL: &str = "push@fake-project.iam.gserviceaccount.com";
/// The scope FCM HTTP v1 requires.
pub const MESSAGING_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// TEST-ONLY private key (PKCS#8 PEM) of the service account.
pub const TEST_ONLY_PRIVATE_KEY_PEM: &str =
    include_str!("../testdata/test-only-service-account-key.pem");
/// Its public half (PKCS#1 PEM), which the token endpoint verifies with.
pub const TEST_ONLY_PUBLIC_KEY_PEM: &str =
    include_str!("../testdata/test-only-service-account-pub.pem");

/// How a scripted failure answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 500 INTERNAL.
    ServerError,
    /// 503 UNAVAILABLE with `Retry-After: secs`.
    Unavailable { retry_after_secs: u64 },
    /// 429 QUOTA_EXCEEDED with `Retry-After: secs`.
    QuotaExceeded { retry_after_secs: u64 },
}

/// A message FCM accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `message` object as sent.
    pub message: Value,
    /// When the request arrived (before any scripted delay).
    pub arrived: Instant,
}

impl Received {
    pub fn token(&self) -> &str {
        self.message["token"].as_str().unwrap_or_default()
    }

    /// A value of the message's `data` map.
    pub fn data(&self, key: &str) -> Option<&str> {
        self.message["data"][key].as_str()
    }
}

/// A request FCM refused, with the answer it got.
#[derive(Debug, Clone)]
pub struct Refused {
    pub status: u16,
    pub body: Value,
    pub message: Value,
}

#[derive(Default)]
struct Script {
    unregistered: HashSet<String>,
    failures: VecDeque<Failure>,
    delay: Duration,
}

#[derive(Default)]
pub(crate) struct Shared {
    script: Mutex<Script>,
    accepted: Mutex<Vec<Received>>,
    refused: Mutex<Vec<Refused>>,
    /// Access tokens issued by the token endpoint.
    issued: Mutex<HashSet<String>>,
    token_requests: Mutex<u64>,
    send_requests: Mutex<u64>,
    changed: Notify,
    token_uri: String,
}

pub struct FakeFcm {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeFcm {
    /// Serves on 127.0.0.1 on a free port.
    pub async fn start() -> FakeFcm {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("a local address");
        let shared = Arc::new(Shared {
            token_uri: format!("http://{addr}/token"),
            ..Shared::default()
        });
        let app = Router::new()
            .route("/token", post(oauth::token))
            .route("/v1/projects/{project}/{method}", post(message::send))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeFcm { addr, shared, task }
    }

    /// The base URL to give the server as `CS_FCM_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The OAuth token endpoint (the service account's `token_uri`).
    pub fn token_uri(&self) -> String {
        self.shared.token_uri.clone()
    }

    /// The service-account JSON a Firebase console would give, pointing at
    /// this fake's token endpoint and carrying the TEST-ONLY key.
    pub fn service_account_json(&self) -> Value {
        json!({
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": "test-only-key",
            "private_key": TEST_ONLY_PRIVATE_KEY_PEM,
            "client_email": CLIENT_EMAIL,
            "client_id": "000000000000000000000",
            "auth_uri": "http://127.0.0.1/unused",
            "token_uri": self.token_uri(),
        })
    }

    /// Writes [`Self::service_account_json`] into `dir` and returns its path
    /// (for `CS_FCM_CREDENTIALS`).
    pub fn write_service_account(&self, dir: &Path) -> PathBuf {
        let path = dir.join("fake-fcm-service-account.json");
        std::fs::write(&path, self.service_account_json().to_string())
            .expect("writing the service-account file");
        path
    }

    /// From now on, sends to `token` answer 404 UNREGISTERED.
    pub fn unregister(&self, token: &str) {
        self.shared
            .script
            .lock()
            .unwrap()
            .unregistered
            .insert(token.to_string());
    }

    /// The next `n` well-formed sends fail with `failure`.
    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut script = self.shared.script.lock().unwrap();
        script.failures.extend(std::iter::repeat_n(failure, n));
    }

    /// Every send waits this long before answering.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.script.lock().unwrap().delay = delay;
    }

    /// Every accepted message so far, in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.shared.accepted.lock().unwrap().clone()
    }

    /// How many messages were accepted, without copying them.
    pub fn accepted_count(&self) -> usize {
        self.shared.accepted.lock().unwrap().len()
    }

    /// Every refused send so far (scripted failures included).
    pub fn refused(&self) -> Vec<Refused> {
        self.shared.refused.lock().unwrap().clone()
    }

    /// Requests to `messages:send`, accepted or not.
    pub fn send_requests(&self) -> u64 {
        *self.shared.send_requests.lock().unwrap()
    }

    /// Requests to the token endpoint.
    pub fn token_requests(&self) -> u64 {
        *self.shared.token_requests.lock().unwrap()
    }

    /// Waits until the accepted messages satisfy `done`, or `timeout`
    /// passes; returns the accepted messages either way.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            let accepted = self.accepted();
            if done(&accepted) {
                return accepted;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.accepted();
            }
        }
    }
}

impl Drop for FakeFcm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    pub(crate) fn record_accepted(&self, received: Received) {
        self.accepted.lock().unwrap().push(received);
        self.changed.notify_waiters();
    }

    pub(crate) fn record_refused(&self, refused: Refused) {
        self.refused.lock().unwrap().push(refused);
        self.changed.notify_waiters();
    }
}

/// FCM's error body: `{"error": {code, message, status, details}}`, with
/// the FCM error code in `details[].errorCode` as the real service gives it.
pub(crate) fn fcm_error(code: u16, status: &str, error_code: Option<&str>, message: &str) -> Value {
    let details = match error_code {
        Some(error_code) => json!([{
            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
            "errorCode": error_code,
        }]),
        None => json!([]),
    };
    json!({"error": {"code": code, "message": message, "status": status, "details": details}})
}

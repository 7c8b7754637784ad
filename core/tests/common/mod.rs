//! Helpers of the core's tests against the real server, in-process.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use cs_core::{Client, file_token_store};
use serde_json::{Value, json};

pub const PASSWORD: &str = server::testing::ADMIN_PASSWORD;
pub const ADMIN: &str = server::testing::ADMIN_EMAIL;

/// The real server, stoppable and restartable on its port.
pub struct Backend {
    pub server: server::testing::RestartableServer,
}

impl Backend {
    pub async fn start() -> Backend {
        Backend {
            server: server::testing::RestartableServer::start().await,
        }
    }

    /// Starts with a changed configuration (TURN servers, ring timeout).
    pub async fn start_with(
        adjust: impl Fn(&mut server::Config) + Send + Sync + 'static,
    ) -> Backend {
        Backend {
            server: server::testing::RestartableServer::start_with(adjust).await,
        }
    }

    /// Starts the stopped server again, on the same port and data.
    pub async fn up(&mut self) {
        self.server.up().await;
    }

    /// Stops the server, as a phone sees it go away.
    pub async fn down(&mut self) {
        self.server.down().await;
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A plain HTTP call as `token`; panics unless it succeeds.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url()))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    pub async fn token_of(&self, email: &str) -> String {
        let response: Value = reqwest::Client::new()
            .post(format!("{}/v1/auth/login", self.url()))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["token"].as_str().unwrap().to_string()
    }

    /// Registers a customer through the API (no core); their session token.
    pub async fn customer_token(&self, email: &str, name: &str) -> String {
        let response: Value = reqwest::Client::new()
            .post(format!("{}/v1/auth/register", self.url()))
            .json(&json!({"email": email, "password": PASSWORD, "name": name}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["token"].as_str().unwrap().to_string()
    }

    /// A ticket opened over HTTP by the customer whose session is `token`;
    /// the server's answer.
    pub async fn open_ticket(&self, token: &str, dept: &str, subject: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/v1/tickets",
            token,
            Some(json!({"department_id": dept, "subject": subject, "body": "B"})),
        )
        .await
    }

    /// A department, made by the admin; its id.
    pub async fn department(&self, name: &str) -> String {
        let admin = self.token_of(ADMIN).await;
        let dept = self
            .call(
                reqwest::Method::POST,
                "/v1/departments",
                &admin,
                Some(json!({"name": name})),
            )
            .await;
        dept["id"].as_str().unwrap().to_string()
    }

    /// An agent of `dept`, made by the admin; their email.
    pub async fn agent(&self, name: &str, dept: &str) -> String {
        self.staff(name, "agent", dept).await
    }

    /// A supervisor of `dept`, made by the admin; their email.
    #[allow(dead_code)] // Each test binary compiles this module; not all use it.
    pub async fn supervisor(&self, name: &str, dept: &str) -> String {
        self.staff(name, "supervisor", dept).await
    }

    async fn staff(&self, name: &str, role: &str, dept: &str) -> String {
        let admin = self.token_of(ADMIN).await;
        let email = format!("{}@staff.example", name.to_lowercase());
        self.call(
            reqwest::Method::POST,
            "/v1/staff",
            &admin,
            Some(json!({"email": email, "name": name, "password": PASSWORD,
                        "role": role, "department_id": dept})),
        )
        .await;
        email
    }
}

pub fn client(backend: &Backend, dir: &std::path::Path) -> Arc<Client> {
    let tokens = file_token_store(dir.join("token").to_string_lossy().into_owned());
    Client::new(
        backend.url(),
        dir.join("cache").to_string_lossy().into_owned(),
        tokens,
    )
    .expect("client opens")
}

/// Polls `check` until it holds (or fails the test after 10 s).
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..400 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// A call device that sends a tone and analyses what it hears.
pub fn tone_device(
    hz: f64,
) -> (
    Arc<dyn cs_core::call::AudioDevice>,
    Arc<cs_core::call::audio::AudioAnalyser>,
) {
    let heard = Arc::new(cs_core::call::audio::AudioAnalyser::new());
    let device = cs_core::call::CombinedDevice::new(
        Some(cs_core::call::audio::tone_source(hz, 0.3)),
        vec![heard.clone()],
    );
    (Arc::new(device), heard)
}

/// Waits until `analyser` hears `hz` (within 5 Hz); fails the test after
/// 20 s, with `context` (a log, say) in the message.
pub async fn hears(
    who: &str,
    analyser: &cs_core::call::audio::AudioAnalyser,
    hz: f64,
    context: impl Fn() -> String,
) {
    let start = std::time::Instant::now();
    loop {
        let report = analyser.report();
        if report.dominant_hz.is_some_and(|h| (h - hz).abs() <= 5.0) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{who} never heard {hz} Hz (last report {report:?}){}",
            context()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! Test harness: a real server on an ephemeral port with a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` is set), and a small HTTP client to drive it.
#![allow(dead_code)]

pub mod smtp;
pub mod ws;

use std::sync::atomic::{AtomicU32, Ordering};

use protocol::{AuthResponse, Department, Role, Ticket, User};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::{Config, RunningServer};
use sqlx::Connection;

pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub server: RunningServer,
    pub http: reqwest::Client,
    pub base: String,
    _dir: tempfile::TempDir,
}

/// Which database the suite runs on.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

/// A fresh PostgreSQL database for one test, next to `TEST_DATABASE_URL`'s.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "cs_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    );
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connecting to TEST_DATABASE_URL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("creating a test database");
    conn.close().await.ok();
    // Replace the database path of the URL, keep credentials and host.
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// The database URL a test server should use: `None` for the default
/// SQLite file in its data directory, or a fresh PostgreSQL database.
pub async fn test_database_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(fresh_postgres_database(&url).await),
        _ => None,
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        // Server warnings and errors show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,sqlx=error".into()))
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(PASSWORD.into()),
            ..Config::default()
        };
        config.database_url = test_database_url().await;
        adjust(&mut config);
        let server = server::start(config).await.expect("server starts");
        let base = server.url();
        TestApp {
            server,
            http: reqwest::Client::new(),
            base,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server gracefully.
    pub async fn stop(self) {
        self.server.stop().await.expect("the server stops");
    }

    /// A request without a token.
    pub async fn anonymous(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        send(&self.http, self.url(path), method, None, body).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let resp = self
            .anonymous(
                Method::POST,
                "/v1/auth/login",
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "login {email}: {}", resp.body);
        self.session(resp.json())
    }

    pub fn session(&self, auth: AuthResponse) -> Session {
        Session {
            http: self.http.clone(),
            base: self.base.clone(),
            token: auth.token,
            user: auth.user,
        }
    }

    pub async fn admin(&self) -> Session {
        self.login(ADMIN_EMAIL, PASSWORD).await
    }

    pub async fn customer(&self, name: &str) -> Session {
        let email = format!(
            "{}@customers.example",
            name.to_lowercase().replace(' ', ".")
        );
        let resp = self
            .anonymous(
                Method::POST,
                "/v1/auth/register",
                Some(json!({"email": email, "password": PASSWORD, "name": name})),
            )
            .await;
        assert_eq!(
            resp.status,
            StatusCode::CREATED,
            "register {name}: {}",
            resp.body
        );
        self.session(resp.json())
    }

    /// Creates a staff member (as `creator`) and signs them in.
    pub async fn staff(
        &self,
        creator: &Session,
        name: &str,
        role: Role,
        department: Option<&Department>,
    ) -> Session {
        let email = format!("{}@staff.example", name.to_lowercase().replace(' ', "."));
        let resp = creator
            .post(
                "/v1/staff",
                json!({
                    "email": email, "name": name, "password": PASSWORD,
                    "role": role.as_str(), "department_id": department.map(|d| d.id),
                }),
            )
            .await;
        assert_eq!(
            resp.status,
            StatusCode::CREATED,
            "create staff {name}: {}",
            resp.body
        );
        self.login(&email, PASSWORD).await
    }
}

pub struct Session {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub user: User,
}

impl Session {
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        send(
            &self.http,
            format!("{}{}", self.base, path),
            method,
            Some(&self.token),
            body,
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.request(Method::PATCH, path, Some(body)).await
    }

    pub async fn department(&self, name: &str) -> Department {
        let resp = self.post("/v1/departments", json!({"name": name})).await;
        assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.body);
        resp.json()
    }

    pub async fn open_ticket(&self, department: &Department, subject: &str) -> Ticket {
        let resp = self
            .post(
                "/v1/tickets",
                json!({"department_id": department.id, "subject": subject, "body": "Please help."}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.body);
        resp.json()
    }

    pub async fn ticket(&self, id: uuid::Uuid) -> Ticket {
        let resp = self.get(&format!("/v1/tickets/{id}")).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.body);
        resp.json()
    }

    /// Changes a ticket's fields (`{"status": "resolved"}`) at its current
    /// version, as staff do from the app.
    pub async fn set_ticket(&self, id: uuid::Uuid, mut changes: Value) -> Ticket {
        changes["version"] = json!(self.ticket(id).await.version);
        let resp = self.patch(&format!("/v1/tickets/{id}"), changes).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.body);
        resp.json()
    }

    /// Uploads bytes as a file and returns its id.
    pub async fn upload(&self, name: &str, content_type: &str, bytes: Vec<u8>) -> Resp {
        let response = self
            .http
            .post(format!("{}/v1/files", self.base))
            .query(&[("name", name)])
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("request sent");
        Resp::read(response).await
    }
}

/// A response: its status and JSON body (`Value::Null` when empty or not JSON).
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub bytes: Vec<u8>,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    async fn read(response: reqwest::Response) -> Resp {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read").to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            bytes,
            headers,
        }
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("unexpected body {}: {e}", self.body))
    }

    /// The `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }

    /// Asserts the status and that error bodies follow the convention.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        if status.is_client_error() || status.is_server_error() {
            assert!(
                self.body["error"]["code"].is_string() && self.body["error"]["message"].is_string(),
                "error body must be {{error: {{code, message}}}}, got {}",
                self.body
            );
        }
        self
    }
}

pub async fn send(
    http: &reqwest::Client,
    url: String,
    method: Method,
    token: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    Resp::read(request.send().await.expect("request sent")).await
}

/// A value of the `/metrics` of the server at `base`, by its series (name
/// and labels).
pub async fn metric(base: &str, series: &str) -> f64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in /metrics:\n{text}"))
}

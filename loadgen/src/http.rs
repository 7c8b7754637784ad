//! The few API calls that set a run up.

use anyhow::{Context, bail};
use protocol::{AuthResponse, CreateDepartment, Department, LoginRequest, RegisterRequest};
use serde_json::Value;

/// One client for all simulated users: keeps a connection per concurrent
/// request open (HTTP/1.1 keep-alive), as a fleet of real clients would.
pub fn client(connections: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()?)
}

pub async fn login(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let resp = http
        .post(format!("{base}/v1/auth/login"))
        .json(&LoginRequest {
            email: email.into(),
            password: password.into(),
        })
        .send()
        .await?;
    let auth: AuthResponse = expect_json(resp).await.context("signing in")?;
    Ok(auth.token)
}

/// Registers a customer; returns its token and id.
pub async fn register(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<AuthResponse> {
    let resp = http
        .post(format!("{base}/v1/auth/register"))
        .json(&RegisterRequest {
            email: email.into(),
            password: password.into(),
            name: "Load Test Customer".into(),
        })
        .send()
        .await?;
    expect_json(resp).await.context("registering a customer")
}

pub async fn create_department(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
) -> anyhow::Result<Department> {
    let resp = http
        .post(format!("{base}/v1/departments"))
        .bearer_auth(token)
        .json(&CreateDepartment { name: name.into() })
        .send()
        .await?;
    expect_json(resp).await.context("creating a department")
}

async fn expect_json<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    if !status.is_success() {
        let body: Value = resp.json().await.unwrap_or_default();
        bail!("HTTP {status}: {body}");
    }
    Ok(resp.json().await?)
}

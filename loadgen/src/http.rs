//! The few API calls that set a run up.

use anyhow::{Context, bail};
use protocol::{AuthResponse, CreateDepartment, Department, LoginRequest, RegisterRequest};
use serde_json::{Value, json};
use uuid::Uuid;

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

/// Gives the department a business-hours SLA policy with targets for every
/// priority, so each new ticket's due times are computed (Mon–Fri 09–17 in
/// Berlin, two holidays).
pub async fn set_sla_policy(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    department: Uuid,
) -> anyhow::Result<()> {
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|day| json!({"day": day, "opens": "09:00", "closes": "17:00"}))
        .collect();
    let targets: Vec<Value> = ["low", "normal", "high", "urgent"]
        .iter()
        .map(|p| json!({"priority": p, "first_response_minutes": 60, "resolution_minutes": 960}))
        .collect();
    let resp = http
        .put(format!("{base}/v1/departments/{department}/sla"))
        .bearer_auth(token)
        .json(&json!({
            "time_zone": "Europe/Berlin",
            "hours": hours,
            "holidays": ["2026-12-25", "2026-12-26"],
            "targets": targets,
        }))
        .send()
        .await?;
    let _: Value = expect_json(resp).await.context("setting the SLA policy")?;
    Ok(())
}

async fn expect_json<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    if !status.is_success() {
        let body: Value = resp.json().await.unwrap_or_default();
        bail!("HTTP {status}: {body}");
    }
    Ok(resp.json().await?)
}

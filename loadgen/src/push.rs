//! `loadgen push`: the server (in this process, release build) with its push
//! going to a fake FCM (also in this process, on 127.0.0.1).
//!
//! 1. Call push latency: a customer places `--calls` calls one after the
//!    other on their ticket; each rings an Active agent whose only device
//!    has no socket. Measured: from sending `POST /v1/calls` to the
//!    incoming-call push arriving at the fake (the fake's arrival instant,
//!    same clock). Each call is then cancelled (which sends a stop-ringing
//!    push) before the next.
//! 2. Worker throughput: `--pushes` rows are put in the queue not yet due,
//!    then made due at once and the worker woken; measured from then to the
//!    last arrival at the fake.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fakefcm::FakeFcm;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::database::Database;
use crate::http;
use crate::stats::{Latencies, ms, round3};

pub struct Options {
    pub database_url: Option<String>,
    pub calls: usize,
    pub pushes: usize,
    pub keep: bool,
}

const ADMIN_EMAIL: &str = "admin@loadgen.test";
const PASSWORD: &str = "loadgen-password";
const AGENT_EMAIL: &str = "agent@loadgen.test";
const WARMUP_CALLS: usize = 5;
const WAIT: Duration = Duration::from_secs(30);

pub async fn run(opts: Options) -> anyhow::Result<Value> {
    let database = Database::prepare(opts.database_url.as_deref()).await?;
    let data = tempfile::tempdir()?;
    let fake = FakeFcm::start().await;
    let credentials = fake.write_service_account(data.path());
    let config = server::Config {
        addr: "127.0.0.1:0".parse()?,
        data_dir: data.path().join("data"),
        database_url: database.url().map(str::to_string),
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(PASSWORD.into()),
        fcm_credentials: Some(credentials),
        fcm_endpoint: fake.endpoint(),
        ..server::Config::default()
    };
    let running = server::start(config).await.context("starting the server")?;
    let result = measure(&opts, &running, &fake, data.path()).await;
    running.stop().await?;
    database.cleanup(opts.keep).await?;
    let (latencies, throughput) = result?;

    eprintln!("call push latency: {}", latencies.line());
    eprintln!(
        "worker throughput: {} pushes in {:.3} s = {:.0}/s",
        opts.pushes, throughput.1, throughput.0
    );
    Ok(json!({
        "command": "push",
        "database": database_kind(opts.database_url.as_deref()),
        "calls": latencies.len(),
        "call_push_latency_ms": latencies.json(),
        "target_p99_ms": 50,
        "p99_met": ms(latencies.percentile(99.0)) < 50.0,
        "pushes": opts.pushes,
        "throughput_per_s": throughput.0.round(),
        "throughput_seconds": round3(throughput.1),
        "target_throughput_per_s": 500,
        "throughput_met": throughput.0 >= 500.0,
        "errors": 0,
        "lost": 0,
    }))
}

fn database_kind(url: Option<&str>) -> &'static str {
    match url {
        Some(u) if u.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}

async fn measure(
    opts: &Options,
    running: &server::RunningServer,
    fake: &FakeFcm,
    _dir: &Path,
) -> anyhow::Result<(Latencies, (f64, f64))> {
    let base = running.url();
    let client = http::client(8)?;
    let admin = http::login(&client, &base, ADMIN_EMAIL, PASSWORD).await?;
    let dept = http::create_department(&client, &base, &admin, "Push bench").await?;
    let resp = client
        .post(format!("{base}/v1/staff"))
        .bearer_auth(&admin)
        .json(&json!({
            "email": AGENT_EMAIL, "name": "Bench Agent", "password": PASSWORD,
            "role": "agent", "department_id": dept.id,
        }))
        .send()
        .await?;
    expect(resp, "creating the agent").await?;
    let agent = http::login(&client, &base, AGENT_EMAIL, PASSWORD).await?;
    let resp = client
        .put(format!("{base}/v1/me/status"))
        .bearer_auth(&agent)
        .json(&json!({"status": "active"}))
        .send()
        .await?;
    expect(resp, "going Active").await?;
    let resp = client
        .post(format!("{base}/v1/devices"))
        .bearer_auth(&agent)
        .json(&json!({"platform": "android", "token": "bench-agent-device"}))
        .send()
        .await?;
    expect(resp, "registering the agent's device").await?;
    let customer = http::register(&client, &base, "customer@loadgen.test", PASSWORD).await?;
    let resp = client
        .post(format!("{base}/v1/tickets"))
        .bearer_auth(&customer.token)
        .json(&json!({"department_id": dept.id, "subject": "Call me", "body": "Please call."}))
        .send()
        .await?;
    let ticket = expect(resp, "opening a ticket").await?;
    let ticket_id = ticket["id"].as_str().context("ticket id")?.to_string();

    let mut samples = Vec::with_capacity(opts.calls);
    for i in 0..WARMUP_CALLS + opts.calls {
        let call_id = Uuid::now_v7();
        let wanted = call_id.to_string();
        let sent = Instant::now();
        let resp = client
            .post(format!("{base}/v1/calls"))
            .bearer_auth(&customer.token)
            .json(&json!({"id": call_id, "ticket_id": ticket_id}))
            .send()
            .await?;
        expect(resp, "placing a call").await?;
        let pushes = fake
            .wait_until(WAIT, |p| {
                p.iter().rev().any(|r| {
                    r.data("type") == Some("incoming_call") && r.data("call_id") == Some(&wanted)
                })
            })
            .await;
        let Some(push) = pushes.iter().rev().find(|r| {
            r.data("type") == Some("incoming_call") && r.data("call_id") == Some(&wanted)
        }) else {
            bail!("no incoming-call push for call {wanted} within {WAIT:?}");
        };
        if i >= WARMUP_CALLS {
            samples.push(push.arrived.saturating_duration_since(sent));
        }
        let resp = client
            .post(format!("{base}/v1/calls/{call_id}/hangup"))
            .bearer_auth(&customer.token)
            .send()
            .await?;
        expect(resp, "cancelling the call").await?;
    }
    let latencies = Latencies::new(samples);

    // Let the last stop-ringing push go before timing the worker alone.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let throughput = worker_throughput(running, fake, opts.pushes).await?;
    Ok((latencies, throughput))
}

/// Fills the queue with pushes not yet due, makes them due at once and
/// times the worker draining them: (pushes per second, seconds).
async fn worker_throughput(
    running: &server::RunningServer,
    fake: &FakeFcm,
    count: usize,
) -> anyhow::Result<(f64, f64)> {
    let db = &running.state.db;
    let later = server::db::now_micros() + 3_600_000_000;
    let pushes: Vec<server::db::push::NewPush> = (0..count)
        .map(|i| {
            let id = Uuid::now_v7();
            server::db::push::NewPush {
                id,
                service: server::db::push::Service::Fcm,
                device_token: format!("bench-device-{i}"),
                user_id: Uuid::nil(),
                kind: "bench",
                call_id: None,
                message: server::push::message::stop_ringing(id, Uuid::nil(), "bench", 30),
                due_at: later,
                expires_at: None,
            }
        })
        .collect();
    for chunk in pushes.chunks(1000) {
        let mut tx = db.writer().begin().await?;
        server::db::push::enqueue(&mut tx, chunk, server::db::now_micros()).await?;
        tx.commit().await?;
    }
    let before = fake.accepted_count();
    let started = Instant::now();
    sqlx::query("UPDATE push_queue SET due_at = $1 WHERE kind = 'bench'")
        .bind(server::db::now_micros())
        .execute(db.writer())
        .await?;
    running.state.push.wake_worker();
    while fake.accepted_count() < before + count {
        if started.elapsed() > Duration::from_secs(600) {
            bail!(
                "the worker sent {} of {count} pushes in 10 minutes",
                fake.accepted_count() - before
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let last = fake
        .accepted()
        .iter()
        .map(|r| r.arrived)
        .max()
        .context("no arrivals")?;
    let seconds = last.saturating_duration_since(started).as_secs_f64();
    Ok((count as f64 / seconds, seconds))
}

async fn expect(resp: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{what}: HTTP {status}: {body}");
    }
    Ok(body)
}

//! `chat-latency`: the shape chat is compared with pub/sub servers in
//! (issue 13): one department's staff on `--sockets` WebSockets, and the
//! ticket's customer posting `--messages` chat messages over REST at a low
//! fixed `--rate`. Latency is from the POST leaving this process to the
//! `message` event arriving on each socket; one unmeasured message warms the
//! path up first. The server's CPU time over the sends, divided by the
//! deliveries, is the cost of one delivered message.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use serde_json::{Value, json};
use server::benchseed;
use server::{AppState, Config};
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::database::Database;
use crate::server_proc::{ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess};
use crate::stages::Stages;
use crate::stats::{Latencies, ms, round3};
use crate::ws_fanout::{connect, cpu_seconds, post_message, raise_open_files_limit, receive};

pub struct Options {
    pub database_url: Option<String>,
    pub server_bin: PathBuf,
    pub sockets: usize,
    pub messages: usize,
    pub rate: f64,
    pub keep: bool,
}

const PASSWORD: &str = "loadgen-chat-password";
/// How long, after the last post, deliveries may still come.
const STRAGGLERS: Duration = Duration::from_secs(5);

pub async fn run(opts: Options) -> anyhow::Result<Value> {
    if !(opts.rate > 0.0 && opts.rate <= 1000.0) {
        bail!("--rate must be between 0 and 1000 messages/s");
    }
    let nofile = raise_open_files_limit(opts.sockets as u64 + 256)?;
    let mut dir = tempfile::Builder::new().prefix("cs-bench-").tempdir()?;
    if opts.keep {
        dir.disable_cleanup(true);
        eprintln!("keeping data directory {}", dir.path().display());
    }
    let database = Database::prepare(opts.database_url.as_deref()).await?;
    let outcome = async {
        let seed = seed(&opts, dir.path(), database.url()).await?;
        let http = crate::http::client(8)?;
        let server =
            ServerProcess::start(&opts.server_bin, dir.path(), database.url(), &http).await?;
        let measured = measure(&opts, &http, &server, &seed).await;
        let mut report = server.finish(measured).await?;
        report["open_files_limit"] = json!(nofile);
        anyhow::Ok(report)
    }
    .await;
    let kind = database.kind();
    database.cleanup(opts.keep).await?;
    let mut report = outcome?;
    report["database"] = json!(kind);
    Ok(report)
}

/// One department of `--sockets` agents, one customer and their ticket.
async fn seed(
    opts: &Options,
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<benchseed::FanoutSeed> {
    let config = Config {
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Config::default()
    };
    let state = AppState::open(config).await?;
    let seeded = async {
        let hash = server::auth::hash_password(PASSWORD).map_err(|e| anyhow!(e.message))?;
        benchseed::seed_fanout(&state, 1, opts.sockets, 1, 1, &hash).await
    }
    .await;
    state.stop_background();
    state.db.close().await;
    seeded
}

async fn measure(
    opts: &Options,
    http: &reqwest::Client,
    server: &ServerProcess,
    seed: &benchseed::FanoutSeed,
) -> anyhow::Result<Value> {
    let addr = server.url.trim_start_matches("http://").to_string();
    let epoch = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let delivered = Arc::new(AtomicU64::new(0));
    let mut receivers = JoinSet::new();
    for (i, agent) in seed.staff.iter().enumerate() {
        let (ws, _) = connect(&addr, &agent.token).await?;
        receivers.spawn(receive(i, ws, epoch, stop_rx.clone(), delivered.clone()));
    }
    let ticket = &seed.tickets[0];
    let customer = &seed.customers[ticket.customer];
    let url = format!("{}/v1/tickets/{}/messages", server.url, ticket.id);

    // One unmeasured message: connections, caches and statements warm up.
    post_message(http, &url, &customer.token, Uuid::now_v7(), 0)
        .await
        .map_err(|e| anyhow!("warm-up message: {e}"))?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let stages_before = Stages::read(http, &server.url).await?;
    let cpu_before = cpu_seconds(std::slice::from_ref(server))?[0];
    let interval = Duration::from_secs_f64(1.0 / opts.rate);
    let started = Instant::now();
    let mut sent: HashMap<u128, u64> = HashMap::new();
    let mut errors = Vec::new();
    for k in 1..=opts.messages {
        let due = started + interval * (k as u32 - 1);
        tokio::time::sleep_until(due.into()).await;
        let id = Uuid::now_v7();
        let at = epoch.elapsed().as_micros() as u64;
        // At a low rate each post is answered long before the next is due.
        match post_message(http, &url, &customer.token, id, k).await {
            Ok(()) => {
                sent.insert(id.as_u128(), at);
            }
            Err(e) => errors.push(e),
        }
    }
    let expected = (sent.len() * seed.staff.len()) as u64;
    let deadline = Instant::now() + STRAGGLERS;
    while delivered.load(std::sync::atomic::Ordering::Relaxed) < expected + seed.staff.len() as u64
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sending = started.elapsed();
    let cpu_after = cpu_seconds(std::slice::from_ref(server))?[0];
    let stages = Stages::read(http, &server.url).await?.since(&stages_before);
    let _ = stop_tx.send(true);

    let mut latencies = Vec::new();
    let mut lost = 0u64;
    while let Some(log) = receivers.join_next().await {
        let log = log?;
        let arrived: HashMap<u128, u64> = log.messages.iter().copied().collect();
        for (id, at) in &sent {
            match arrived.get(id) {
                Some(when) => latencies.push(Duration::from_micros(when.saturating_sub(*at))),
                None => lost += 1,
            }
        }
    }
    let deliveries = latencies.len() as u64;
    let latencies = Latencies::new(latencies);
    let cpu = cpu_after - cpu_before;
    let cpu_per_delivery_us = if deliveries > 0 {
        cpu / deliveries as f64 * 1e6
    } else {
        0.0
    };
    println!(
        "chat-latency: {} sockets of one department, {} messages at {}/s",
        opts.sockets,
        sent.len(),
        opts.rate
    );
    println!("  delivery    {}", latencies.line());
    println!(
        "  lost        {lost} of {expected}; {} posts failed",
        errors.len()
    );
    println!("  stages      {}", stages.line());
    println!(
        "  cpu         server {cpu:.2} s over {:.1} s: {cpu_per_delivery_us:.1} µs per delivered message",
        sending.as_secs_f64()
    );
    Ok(json!({
        "benchmark": "chat_latency",
        "sockets": opts.sockets,
        "messages": sent.len(),
        "rate": opts.rate,
        "delivery_ms": latencies.json(),
        "lost": lost,
        "errors": errors.len(),
        "first_error": errors.first(),
        "server_cpu_seconds": round3(cpu),
        "server_cpu_us_per_delivery": round3(cpu_per_delivery_us),
        "server_cpu_us_per_message": round3(cpu / sent.len().max(1) as f64 * 1e6),
        "p99_ms": round3(ms(latencies.percentile(99.0))),
        "stages_mean_ms": stages.json(),
    }))
}

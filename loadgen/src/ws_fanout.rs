//! `ws-fanout`: many signed-in WebSocket clients, messages posted over HTTP,
//! and how fast (and whether) each one reaches everyone who should see it.
//!
//! Seeds departments, agents, customers, one open ticket per customer of the
//! first `--tickets`, and a session per account straight into the store.
//! Then every account connects `GET /v1/ws`; the server's memory is read
//! before and after. Customers post messages to their tickets at a fixed
//! rate (open loop: a send starts on schedule whether or not earlier ones
//! have been answered), and every socket notes when each `message` event
//! arrives. A message must reach its ticket's customer and every agent of
//! the ticket's department.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use futures_util::StreamExt;
use protocol::CreateMessage;
use serde_json::{Value, json};
use server::benchseed::{self, FanoutSeed};
use server::{AppState, Config};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

use crate::database::Database;
use crate::server_proc::{ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess};
use crate::stages::Stages;
use crate::stats::{Latencies, ms, round3};

pub const DEPARTMENTS: usize = 10;
pub const AGENTS_PER_DEPARTMENT: usize = 10;
const PASSWORD: &str = "loadgen-fanout-password";
/// WebSocket handshakes in flight at once.
const CONNECTING_AT_ONCE: usize = 256;
/// Attempts per socket before the run gives up.
const CONNECT_ATTEMPTS: u32 = 5;
/// How long the sockets sit idle before the server's memory is read.
const IDLE: Duration = Duration::from_secs(2);
/// How long, after the last answer to a post, late deliveries may come.
const STRAGGLERS: Duration = Duration::from_secs(5);
/// How long a socket may take to say `ready`.
const READY_WAIT: Duration = Duration::from_secs(30);
/// Posts in flight at most. Only reached when the server falls behind; it
/// keeps loadgen and the server within their open-files limits (each post
/// in flight holds a connection), and shows as sends starting late.
const POSTS_IN_FLIGHT: usize = 2000;

pub struct Options {
    pub database_url: Option<String>,
    pub server_bin: PathBuf,
    pub instances: usize,
    pub clients: usize,
    pub tickets: usize,
    pub rate: f64,
    pub duration: Duration,
    /// Leave the data directories (and PostgreSQL database) for inspection.
    pub keep: bool,
}

/// Whom a socket belongs to, as far as deliveries go.
#[derive(Clone, Copy)]
enum Listener {
    /// Index into the seeded customers.
    Customer(usize),
    /// An agent of the department with this index.
    Agent(usize),
}

/// What one socket saw between `ready` and the end of the run.
pub(crate) struct SocketLog {
    client: usize,
    /// `message` events: (message id, microseconds since the run's epoch).
    pub messages: Vec<(u128, u64)>,
    ticket_events: u64,
    other_frames: u64,
    resyncs: u64,
    /// Why the socket ended before the run did, if it did.
    ended: Option<String>,
}

/// One `POST /v1/tickets/{id}/messages`.
struct Send {
    k: usize,
    id: Uuid,
    /// Microseconds since the epoch: when the request started, and when its
    /// answer had been read.
    started: u64,
    finished: u64,
    /// How late the request started against its schedule.
    lag: Duration,
    error: Option<String>,
}

pub async fn run(opts: Options) -> anyhow::Result<Value> {
    if !(1..=2).contains(&opts.instances) {
        bail!("--instances must be 1 or 2");
    }
    let postgres = opts
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres:") || u.starts_with("postgresql:"));
    if opts.instances == 2 && !postgres {
        bail!("--instances 2 needs --database-url postgres://… (SQLite allows one server)");
    }
    let staff = DEPARTMENTS * AGENTS_PER_DEPARTMENT;
    if opts.clients < staff + opts.tickets {
        bail!(
            "--clients must be at least {} ({staff} agents and a customer per ticket)",
            staff + opts.tickets
        );
    }
    if opts.tickets == 0 {
        bail!("--tickets must be at least 1");
    }
    if !(opts.rate > 0.0 && opts.rate <= 100_000.0) {
        bail!("--rate must be between 0 and 100000 messages/s");
    }
    let nofile = raise_open_files_limit(opts.clients as u64 + 1024)?;
    eprintln!("open files limit of loadgen (and so of the server): {nofile}");

    let mut temp_dirs = Vec::new();
    for _ in 0..opts.instances {
        let mut dir = tempfile::Builder::new().prefix("cs-bench-").tempdir()?;
        if opts.keep {
            dir.disable_cleanup(true);
            eprintln!("keeping data directory {}", dir.path().display());
        }
        temp_dirs.push(dir);
    }
    let database = Database::prepare(opts.database_url.as_deref()).await?;
    let http = crate::http::client(CONNECTING_AT_ONCE)?;
    let outcome = async {
        let (seed, seed_seconds) = seed(&opts, temp_dirs[0].path(), database.url()).await?;
        let mut servers = Vec::new();
        for dir in &temp_dirs {
            servers.push(
                ServerProcess::start(&opts.server_bin, dir.path(), database.url(), &http).await?,
            );
        }
        let mut server_limits = Vec::new();
        for server in &servers {
            let limit = server.open_files_limit()?;
            anyhow::ensure!(
                limit >= (opts.clients / opts.instances) as u64 + 256,
                "the server (pid {}) may open only {limit} files: too few for its sockets",
                server.pid()
            );
            server_limits.push(limit);
        }
        let measured = drive(&opts, &http, &servers, &seed).await;
        let mut peaks = Vec::new();
        let mut exits = Vec::new();
        for server in servers {
            peaks.push(server.peak_rss_kib());
            exits.push(server.stop().await);
        }
        let mut report = measured?;
        let peaks = peaks.into_iter().collect::<anyhow::Result<Vec<u64>>>()?;
        let exits = exits
            .into_iter()
            .map(|e| e.map(|status| status.to_string()))
            .collect::<anyhow::Result<Vec<String>>>()?;
        let peak_line: Vec<String> = peaks
            .iter()
            .map(|kib| format!("{:.1} MiB", *kib as f64 / 1024.0))
            .collect();
        println!(
            "  server      peak RSS {} ({})",
            peak_line.join(" + "),
            exits.join(", ")
        );
        report["server_peak_rss_kib"] = json!(peaks);
        report["server_exit"] = json!(exits);
        report["seed_seconds"] = json!(round3(seed_seconds));
        report["open_files_limit"] = json!(nofile);
        report["server_open_files_limit"] = json!(server_limits);
        anyhow::Ok(report)
    }
    .await;
    let kind = database.kind();
    database.cleanup(opts.keep).await?;
    let mut report = outcome?;
    report["database"] = json!(kind);
    Ok(report)
}

/// Opens the store as the server would, writes the accounts, sessions and
/// tickets, and closes it.
async fn seed(
    opts: &Options,
    data_dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<(FanoutSeed, f64)> {
    let started = Instant::now();
    let config = Config {
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Config::default()
    };
    let state = AppState::open(config).await?;
    let customers = opts.clients - DEPARTMENTS * AGENTS_PER_DEPARTMENT;
    let seeded = async {
        // One argon2 hash shared by every account: nobody signs in anyway.
        let hash = server::auth::hash_password(PASSWORD).map_err(|e| anyhow!(e.message))?;
        benchseed::seed_fanout(
            &state,
            DEPARTMENTS,
            AGENTS_PER_DEPARTMENT,
            customers,
            opts.tickets,
            &hash,
        )
        .await
    }
    .await;
    state.stop_background();
    state.db.close().await;
    let seed = seeded?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "seeded {} departments, {} agents, {} customers with sessions and {} tickets in {seconds:.1} s",
        seed.departments.len(),
        seed.staff.len(),
        seed.customers.len(),
        seed.tickets.len()
    );
    Ok((seed, seconds))
}

async fn drive(
    opts: &Options,
    http: &reqwest::Client,
    servers: &[ServerProcess],
    seed: &FanoutSeed,
) -> anyhow::Result<Value> {
    let epoch = Instant::now();
    // Socket `i` is held by agent `i` for the first 100, then by customer
    // `i - 100`; it connects to instance `i % instances`.
    let mut listeners = Vec::with_capacity(opts.clients);
    let mut tokens = Vec::with_capacity(opts.clients);
    for agent in &seed.staff {
        let dept = agent.department_id.context("agent without department")?;
        let d = seed
            .departments
            .iter()
            .position(|id| *id == dept)
            .context("agent of an unknown department")?;
        listeners.push(Listener::Agent(d));
        tokens.push(agent.token.clone());
    }
    for (c, customer) in seed.customers.iter().enumerate() {
        listeners.push(Listener::Customer(c));
        tokens.push(customer.token.clone());
    }
    let addrs: Vec<String> = servers
        .iter()
        .map(|s| s.url.trim_start_matches("http://").to_string())
        .collect();

    let rss_before: Vec<u64> = servers
        .iter()
        .map(ServerProcess::rss_kib)
        .collect::<anyhow::Result<_>>()?;
    eprintln!(
        "connecting {} sockets ({CONNECTING_AT_ONCE} at a time) to {} instance(s)",
        opts.clients,
        servers.len()
    );
    let (stop, stopped) = watch::channel(false);
    let delivered = Arc::new(AtomicU64::new(0));
    let connecting = Instant::now();
    let mut sockets = JoinSet::new();
    let mut retries = 0u32;
    {
        let mut attempts = futures_util::stream::iter(tokens.into_iter().enumerate())
            .map(|(i, token)| {
                let addr = addrs[i % addrs.len()].clone();
                async move { (i, connect(&addr, &token).await) }
            })
            .buffer_unordered(CONNECTING_AT_ONCE);
        while let Some((i, connected)) = attempts.next().await {
            let (ws, tries) = connected.with_context(|| format!("socket {i}"))?;
            retries += tries - 1;
            sockets.spawn(receive(i, ws, epoch, stopped.clone(), delivered.clone()));
        }
    }
    let connect_seconds = connecting.elapsed().as_secs_f64();
    eprintln!(
        "{} sockets ready in {connect_seconds:.1} s ({retries} retried); idle for {:.0} s",
        opts.clients,
        IDLE.as_secs_f64()
    );
    tokio::time::sleep(IDLE).await;
    let rss_idle: Vec<u64> = servers
        .iter()
        .map(ServerProcess::rss_kib)
        .collect::<anyhow::Result<_>>()?;
    let idle_growth: i64 = rss_idle
        .iter()
        .zip(&rss_before)
        .map(|(after, before)| *after as i64 - *before as i64)
        .sum();
    let kib_per_connection = idle_growth as f64 / opts.clients as f64;

    // The sends, on schedule.
    let count = (opts.rate * opts.duration.as_secs_f64()).round() as usize;
    eprintln!(
        "posting {count} messages at {} /s over {} tickets",
        opts.rate,
        seed.tickets.len()
    );
    let mut stages_before = Vec::with_capacity(servers.len());
    for server in servers {
        stages_before.push(Stages::read(http, &server.url).await?);
    }
    let cpu_before = cpu_seconds(servers)?;
    let self_cpu_before = process_cpu_seconds("self")?;
    let period = Duration::from_secs_f64(1.0 / opts.rate);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(POSTS_IN_FLIGHT));
    let schedule_start = tokio::time::Instant::now();
    let mut sends = JoinSet::new();
    for k in 0..count {
        let due = schedule_start + period.mul_f64(k as f64);
        tokio::time::sleep_until(due).await;
        let permit = in_flight.clone().acquire_owned().await?;
        let ticket = seed.tickets[k % seed.tickets.len()];
        let token = seed.customers[ticket.customer].token.clone();
        let url = format!(
            "{}/v1/tickets/{}/messages",
            servers[k % servers.len()].url,
            ticket.id
        );
        let http = http.clone();
        sends.spawn(async move {
            let lag = due.elapsed();
            let id = Uuid::now_v7();
            let started = micros(epoch.elapsed());
            let error = post_message(&http, &url, &token, id, k).await.err();
            drop(permit);
            Send {
                k,
                id,
                started,
                finished: micros(epoch.elapsed()),
                lag,
                error,
            }
        });
    }
    let mut sent = Vec::with_capacity(count);
    while let Some(joined) = sends.join_next().await {
        sent.push(joined.context("a send task panicked")?);
    }
    let answered = Instant::now();
    let http_errors = sent.iter().filter(|s| s.error.is_some()).count();
    let first_error = sent.iter().find_map(|s| s.error.clone());

    // Everyone who should get each posted message.
    let mut agents_of = vec![0u64; seed.departments.len()];
    for l in &listeners {
        if let Listener::Agent(d) = l {
            agents_of[*d] += 1;
        }
    }
    let expected: u64 = sent
        .iter()
        .filter(|s| s.error.is_none())
        .map(|s| 1 + agents_of[seed.tickets[s.k % seed.tickets.len()].department])
        .sum();
    let straggle_deadline = answered + STRAGGLERS;
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < straggle_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu_after = cpu_seconds(servers)?;
    let self_cpu_after = process_cpu_seconds("self")?;
    let phase_end = micros(epoch.elapsed());
    let mut stages = Vec::with_capacity(servers.len());
    for (server, before) in servers.iter().zip(&stages_before) {
        stages.push(Stages::read(http, &server.url).await?.since(before));
    }
    let _ = stop.send(true);
    let mut logs = Vec::with_capacity(opts.clients);
    while let Some(joined) = sockets.join_next().await {
        logs.push(joined.context("a socket task panicked")?);
    }

    // Who got what, when.
    let by_id: HashMap<u128, &Send> = sent
        .iter()
        .filter(|s| s.error.is_none())
        .map(|s| (s.id.as_u128(), s))
        .collect();
    let mut latencies = Vec::with_capacity(expected as usize);
    let (mut received, mut duplicates, mut unexpected, mut unknown) = (0u64, 0u64, 0u64, 0u64);
    let (mut ticket_events, mut other_frames, mut resyncs) = (0u64, 0u64, 0u64);
    let mut ended = 0u64;
    let mut first_ended = None;
    for log in &logs {
        ticket_events += log.ticket_events;
        other_frames += log.other_frames;
        resyncs += log.resyncs;
        if let Some(why) = &log.ended {
            ended += 1;
            first_ended.get_or_insert_with(|| format!("socket {}: {why}", log.client));
        }
        let mut seen = HashSet::with_capacity(log.messages.len());
        for (id, at) in &log.messages {
            let Some(send) = by_id.get(id) else {
                unknown += 1;
                continue;
            };
            let ticket = seed.tickets[send.k % seed.tickets.len()];
            let meant = match listeners[log.client] {
                Listener::Customer(c) => ticket.customer == c,
                Listener::Agent(d) => ticket.department == d,
            };
            if !meant {
                unexpected += 1;
            } else if !seen.insert(*id) {
                duplicates += 1;
            } else {
                received += 1;
                latencies.push(Duration::from_micros(at.saturating_sub(send.started)));
            }
        }
    }
    let lost = expected.saturating_sub(received);
    let latencies = Latencies::new(latencies);
    let posts = Latencies::new(
        sent.iter()
            .map(|s| Duration::from_micros(s.finished - s.started))
            .collect(),
    );
    let first_start = sent.iter().map(|s| s.started).min().unwrap_or(0);
    let last_start = sent.iter().map(|s| s.started).max().unwrap_or(0);
    let send_window = Duration::from_micros(last_start - first_start);
    let achieved_rate = if count > 1 {
        (count - 1) as f64 / send_window.as_secs_f64()
    } else {
        0.0
    };
    let max_lag = sent.iter().map(|s| s.lag).max().unwrap_or_default();
    let phase_seconds = Duration::from_micros(phase_end.saturating_sub(first_start)).as_secs_f64();
    let server_cpu: Vec<f64> = cpu_after
        .iter()
        .zip(&cpu_before)
        .map(|(a, b)| round3(a - b))
        .collect();
    let loadgen_cpu = round3(self_cpu_after - self_cpu_before);

    let db_kind = if servers.len() == 2 {
        "2 instances"
    } else {
        "1 instance"
    };
    println!(
        "ws-fanout: {} sockets ({} agents in {} departments, {} customers) on {db_kind}",
        opts.clients,
        seed.staff.len(),
        seed.departments.len(),
        seed.customers.len()
    );
    println!("  connect     {connect_seconds:.1} s for all sockets ({retries} attempts retried)");
    println!(
        "  idle RSS    {} KiB before, {} KiB after: {kib_per_connection:.1} KiB per connection",
        join(&rss_before),
        join(&rss_idle)
    );
    println!(
        "  sent        {} messages over {} tickets in {:.2} s: {achieved_rate:.0} /s \
         (target {} /s, latest start {:.1} ms behind schedule)",
        sent.len(),
        seed.tickets.len(),
        send_window.as_secs_f64(),
        opts.rate,
        ms(max_lag)
    );
    println!("  post        {}", posts.line());
    println!("  http errors {http_errors}");
    if let Some(e) = &first_error {
        println!("  first error {e}");
    }
    println!(
        "  deliveries  {received} of {expected} expected: {lost} lost, {duplicates} duplicates, \
         {unexpected} to the wrong socket, {unknown} unknown"
    );
    println!("  latency     {}", latencies.line());
    println!(
        "  also        {ticket_events} ticket events, {other_frames} other frames, \
         {resyncs} resyncs, {ended} sockets ended early"
    );
    if let Some(e) = &first_ended {
        println!("  first end   {e}");
    }
    for (i, stages) in stages.iter().enumerate() {
        println!("  stages      instance {}: {}", i + 1, stages.line());
    }
    println!(
        "  cpu         server {server_cpu:?} s, loadgen {loadgen_cpu} s over {phase_seconds:.1} s of sending"
    );
    Ok(json!({
        "benchmark": "ws_fanout",
        "instances": servers.len(),
        "clients": opts.clients,
        "agents": seed.staff.len(),
        "departments": seed.departments.len(),
        "customers": seed.customers.len(),
        "tickets": seed.tickets.len(),
        "rate_per_s": opts.rate,
        "seconds": opts.duration.as_secs_f64(),
        "connect_seconds": round3(connect_seconds),
        "connect_retries": retries,
        "server_rss_before_kib": rss_before,
        "server_rss_idle_kib": rss_idle,
        "idle_kib_per_connection": round3(kib_per_connection),
        "messages_sent": sent.len(),
        "achieved_send_rate_per_s": round3(achieved_rate),
        "max_send_lag_ms": round3(ms(max_lag)),
        "post_latency_ms": posts.json(),
        "http_errors": http_errors,
        "errors": http_errors,
        "first_error": first_error,
        "expected_deliveries": expected,
        "received_deliveries": received,
        "lost": lost,
        "duplicates": duplicates,
        "unexpected_deliveries": unexpected,
        "unknown_messages": unknown,
        "delivery_latency_ms": latencies.json(),
        "ticket_events": ticket_events,
        "other_frames": other_frames,
        "resyncs": resyncs,
        "sockets_ended_early": ended,
        "first_socket_end": first_ended,
        "server_cpu_seconds": server_cpu,
        "stages_mean_ms": stages.iter().map(Stages::json).collect::<Vec<_>>(),
        "loadgen_cpu_seconds": loadgen_cpu,
        "send_phase_seconds": round3(phase_seconds),
        "loadgen_peak_rss_kib": crate::server_proc::status_kib("self", "VmHWM:").ok(),
    }))
}

/// Opens one socket and waits for `ready`, trying again a few times if the
/// connection is refused or reset; returns it and the attempts it took.
pub(crate) async fn connect(
    addr: &str,
    token: &str,
) -> anyhow::Result<(WebSocketStream<TcpStream>, u32)> {
    let mut attempt = 1;
    loop {
        match connect_once(addr, token).await {
            Ok(ws) => return Ok((ws, attempt)),
            Err(e) if attempt >= CONNECT_ATTEMPTS => {
                return Err(e.context(format!("{attempt} attempts")));
            }
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                attempt += 1;
            }
        }
    }
}

async fn connect_once(addr: &str, token: &str) -> anyhow::Result<WebSocketStream<TcpStream>> {
    let mut request = format!("ws://{addr}/v1/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    // Small buffers: ten thousand of these live in this process.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(request, tcp, Some(config)).await?;
    let first = tokio::time::timeout(READY_WAIT, ws.next())
        .await
        .map_err(|_| anyhow!("no frame within {READY_WAIT:?}"))?;
    match first {
        Some(Ok(WsMessage::Text(text))) if text.starts_with(r#"{"type":"ready""#) => Ok(ws),
        other => bail!("expected ready, got {other:?}"),
    }
}

/// Reads the socket until told to stop, noting each `message` event.
pub(crate) async fn receive(
    client: usize,
    mut ws: WebSocketStream<TcpStream>,
    epoch: Instant,
    mut stop: watch::Receiver<bool>,
    delivered: Arc<AtomicU64>,
) -> SocketLog {
    let mut log = SocketLog {
        client,
        messages: Vec::new(),
        ticket_events: 0,
        other_frames: 0,
        resyncs: 0,
        ended: None,
    };
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(WsMessage::Text(text))) => match classify(text.as_str()) {
                    Frame::Message(id) => {
                        log.messages.push((id, micros(epoch.elapsed())));
                        delivered.fetch_add(1, Ordering::Relaxed);
                    }
                    Frame::Ticket => log.ticket_events += 1,
                    Frame::Resync => log.resyncs += 1,
                    Frame::Other => log.other_frames += 1,
                },
                // Pings are answered by tungstenite as it reads.
                Some(Ok(WsMessage::Close(frame))) => {
                    log.ended = Some(format!("closed by the server: {frame:?}"));
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    log.ended = Some(e.to_string());
                    break;
                }
                None => {
                    log.ended = Some("the stream ended".into());
                    break;
                }
            },
            _ = stop.changed() => break,
        }
    }
    log
}

#[derive(Debug, PartialEq)]
enum Frame {
    Message(u128),
    Ticket,
    Resync,
    Other,
}

/// Just enough of a frame: its type, and a message's id. The server writes
/// the tag first and a message's `id` first (serde keeps field order), so
/// this is a prefix check and 36 bytes of UUID; anything else laid out
/// differently is parsed in full.
fn classify(text: &str) -> Frame {
    const MESSAGE: &str = r#"{"type":"message","message":{"id":""#;
    if let Some(rest) = text.strip_prefix(MESSAGE)
        && let Some(id) = rest.get(..36).and_then(|s| Uuid::try_parse(s).ok())
    {
        return Frame::Message(id.as_u128());
    }
    if text.starts_with(r#"{"type":"ticket""#) {
        return Frame::Ticket;
    }
    match serde_json::from_str::<protocol::ServerEvent>(text) {
        Ok(protocol::ServerEvent::Message { message }) => Frame::Message(message.id.as_u128()),
        Ok(protocol::ServerEvent::Ticket { .. }) => Frame::Ticket,
        Ok(protocol::ServerEvent::Resync { .. }) => Frame::Resync,
        _ => Frame::Other,
    }
}

/// Posts message `k` as the ticket's customer; anything but 201 is an error.
pub(crate) async fn post_message(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    id: Uuid,
    k: usize,
) -> Result<(), String> {
    let body = CreateMessage {
        id: Some(id),
        body: format!("Load test message {k}: is there any news on my order?"),
        attachment_ids: Vec::new(),
        internal: false,
    };
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| chain(&e))?;
    let status = resp.status();
    let answer = resp.bytes().await.map_err(|e| chain(&e))?;
    if status != reqwest::StatusCode::CREATED {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&answer)
        ));
    }
    Ok(())
}

/// An error with its causes: reqwest's own message names only the URL.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Raises the soft limit on open files to the hard limit (children, such as
/// the server, inherit it); fails if even that is below `needed`.
pub(crate) fn raise_open_files_limit(needed: u64) -> anyhow::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error()).context("getrlimit(RLIMIT_NOFILE)");
    }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            return Err(std::io::Error::last_os_error()).context("setrlimit(RLIMIT_NOFILE)");
        }
    }
    let soft = limit.rlim_cur;
    if soft < needed {
        bail!(
            "{needed} open files needed but the hard limit is {soft} \
             (raise it, e.g. `ulimit -Hn`, or use fewer --clients)"
        );
    }
    Ok(soft)
}

/// User plus system CPU time of each server so far, in seconds.
pub(crate) fn cpu_seconds(servers: &[ServerProcess]) -> anyhow::Result<Vec<f64>> {
    servers
        .iter()
        .map(|s| process_cpu_seconds(&s.pid().to_string()))
        .collect()
}

/// `utime + stime` of `/proc/<pid>/stat`, in seconds.
fn process_cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').context("no ')' in stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields.get(i).context("short stat")?.parse::<u64>()? as f64)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the ')'.
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok((ticks(11)? + ticks(12)?) / hz)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn join(values: &[u64]) -> String {
    values
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ServerEvent;

    #[test]
    fn message_ids_are_read_from_the_frames_the_server_writes() {
        let id = Uuid::now_v7();
        let message = serde_json::from_value(json!({
            "id": id,
            "ticket_id": Uuid::now_v7(),
            "author_id": Uuid::now_v7(),
            "body": "hello \"id\":",
            "internal": false,
            "attachments": [],
            "created_at": "2026-11-24T12:00:00Z",
        }))
        .unwrap();
        let event = ServerEvent::Message { message };
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.starts_with(r#"{"type":"message","message":{"id":""#));
        assert_eq!(classify(&text), Frame::Message(id.as_u128()));
        // Laid out differently: still understood.
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let reordered = format!(r#"{{"message":{},"type":"message"}}"#, value["message"]);
        assert_eq!(classify(&reordered), Frame::Message(id.as_u128()));
        let resync = serde_json::to_string(&ServerEvent::Resync { reason: "x".into() }).unwrap();
        assert_eq!(classify(&resync), Frame::Resync);
        assert_eq!(classify("not json"), Frame::Other);
    }
}

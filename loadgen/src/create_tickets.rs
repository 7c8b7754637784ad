//! `create-tickets`: many customers opening tickets at once.
//!
//! The admin creates a department, one customer registers per client, then
//! every client sends `POST /v1/tickets` (with a fresh client-generated id)
//! back to back until the time is up.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use protocol::CreateTicket;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::database::Database;
use crate::http;
use crate::server_proc::{ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess};
use crate::stats::{Latencies, round3};

pub struct Options {
    pub database_url: Option<String>,
    pub server_bin: PathBuf,
    pub clients: usize,
    pub duration: Duration,
    /// Leave the data directory (and PostgreSQL database) for inspection.
    pub keep: bool,
    /// Give the department an SLA policy, so each ticket gets due times.
    pub sla: bool,
}

/// What one client saw.
#[derive(Default)]
struct ClientResult {
    latencies: Vec<Duration>,
    created: u64,
    errors: u64,
    first_error: Option<String>,
}

pub async fn run(opts: Options) -> anyhow::Result<Value> {
    let mut data_dir = tempfile::Builder::new().prefix("cs-bench-").tempdir()?;
    if opts.keep {
        data_dir.disable_cleanup(true);
        eprintln!("keeping data directory {}", data_dir.path().display());
    }
    let database = Database::prepare(opts.database_url.as_deref()).await?;
    let http = http::client(opts.clients)?;
    let outcome = async {
        let server =
            ServerProcess::start(&opts.server_bin, data_dir.path(), database.url(), &http).await?;
        let measured = drive(&opts, &http, &server).await;
        server.finish(measured).await
    }
    .await;
    let kind = database.kind();
    database.cleanup(opts.keep).await?;
    let mut report = outcome?;
    report["database"] = json!(kind);
    Ok(report)
}

async fn drive(
    opts: &Options,
    http: &reqwest::Client,
    server: &ServerProcess,
) -> anyhow::Result<Value> {
    let base = server.url.as_str();
    let admin = http::login(http, base, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let department = http::create_department(http, base, &admin, "Load Test").await?;
    if opts.sla {
        http::set_sla_policy(http, base, &admin, department.id).await?;
    }
    let mut tokens = Vec::with_capacity(opts.clients);
    for c in 0..opts.clients {
        let email = format!("customer{c}@loadgen.test");
        let auth = http::register(http, base, &email, "customer-password").await?;
        tokens.push(auth.token);
    }
    eprintln!(
        "{} customers registered; creating tickets for {:.1} s",
        opts.clients,
        opts.duration.as_secs_f64()
    );

    // Sign-ups hash passwords (argon2, 19 MiB each): the peak so far is theirs.
    let setup_peak_rss_kib = server.peak_rss_kib()?;
    let url = format!("{base}/v1/tickets");
    let started = Instant::now();
    let deadline = started + opts.duration;
    let mut clients = JoinSet::new();
    for (c, token) in tokens.into_iter().enumerate() {
        let (http, url, department_id) = (http.clone(), url.clone(), department.id);
        clients.spawn(async move {
            let mut result = ClientResult::default();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let sent = Instant::now();
                let outcome = create_ticket(&http, &url, &token, department_id, c, n).await;
                result.latencies.push(sent.elapsed());
                match outcome {
                    Ok(()) => result.created += 1,
                    Err(e) => {
                        result.errors += 1;
                        result.first_error.get_or_insert(e);
                    }
                }
            }
            result
        });
    }
    let mut total = ClientResult::default();
    while let Some(joined) = clients.join_next().await {
        let r = joined.context("a client task panicked")?;
        total.latencies.extend(r.latencies);
        total.created += r.created;
        total.errors += r.errors;
        total.first_error = total.first_error.or(r.first_error);
    }
    let elapsed = started.elapsed();

    let latencies = Latencies::new(total.latencies);
    let throughput = total.created as f64 / elapsed.as_secs_f64();
    println!(
        "create-tickets: {} clients for {:.2} s",
        opts.clients,
        elapsed.as_secs_f64()
    );
    println!("  created     {} tickets", total.created);
    println!("  throughput  {throughput:.0} tickets/s");
    println!("  latency     {}", latencies.line());
    println!("  errors      {}", total.errors);
    if let Some(e) = &total.first_error {
        println!("  first error {e}");
    }
    Ok(json!({
        "benchmark": "create_tickets",
        "sla": opts.sla,
        "clients": opts.clients,
        "seconds": round3(elapsed.as_secs_f64()),
        "created": total.created,
        "throughput_per_s": round3(throughput),
        "latency_ms": latencies.json(),
        "errors": total.errors,
        "first_error": total.first_error,
        "server_setup_peak_rss_kib": setup_peak_rss_kib,
    }))
}

/// One `POST /v1/tickets`, answer read in full; anything but 201 Created
/// is an error (200 would mean the id was taken already).
async fn create_ticket(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    department_id: Uuid,
    client: usize,
    n: u64,
) -> Result<(), String> {
    let body = CreateTicket {
        id: Some(Uuid::now_v7()),
        department_id,
        subject: format!("Load test ticket {client}-{n}"),
        body: "The printer on the third floor jams on every second page; \
               we already replaced the toner and cleaned the rollers."
            .into(),
        first_message_id: Some(Uuid::now_v7()),
        customer_id: None,
    };
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let answer = resp.bytes().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::CREATED {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&answer)
        ));
    }
    Ok(())
}

//! `queue-page`: the first page of a department queue in a large store.
//!
//! Seeds N tickets straight into the store (before the server runs), then
//! has a supervisor of department 1 read
//! `GET /v1/tickets?status=open&sort=priority&limit=50` over and over.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use protocol::{Role, TicketPage, TicketStatus};
use serde_json::{Value, json};
use server::db::{self, users::NewUser};
use server::{AppState, Config};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::database::Database;
use crate::http;
use crate::server_proc::{ADMIN_EMAIL, ADMIN_PASSWORD, RunDir, ServerProcess};
use crate::stats::{Latencies, round3};

const SUPERVISOR_EMAIL: &str = "supervisor@loadgen.test";
const STAFF_PASSWORD: &str = "loadgen-staff-password";
const PAGE: usize = 50;
const QUERY: &str = "status=open&sort=priority&limit=50";

pub struct Options {
    pub database_url: Option<String>,
    pub server_bin: PathBuf,
    pub tickets: usize,
    pub customers: usize,
    pub requests: usize,
    pub warmup: usize,
    pub clients: usize,
    /// Leave the data directory (and PostgreSQL database) for inspection.
    pub keep: bool,
    /// Use (and keep) this data directory; a SQLite store seeded there by
    /// an earlier run is reused as it is.
    pub data_dir: Option<PathBuf>,
}

/// The store the server is started on.
struct Seeded {
    department: Uuid,
    tickets: i64,
    /// `None` when an earlier run's store was reused.
    seconds: Option<f64>,
}

pub async fn run(opts: Options) -> anyhow::Result<Value> {
    let run_dir = RunDir::new(opts.data_dir.as_deref(), opts.keep)?;
    let data_dir = &run_dir.path;
    let database = Database::prepare(opts.database_url.as_deref()).await?;
    let http = http::client(opts.clients)?;
    let outcome = async {
        let seeded = seed(&opts, data_dir, database.url()).await?;
        let server =
            ServerProcess::start(&opts.server_bin, data_dir, database.url(), &http).await?;
        let measured = measure(&opts, &http, &server.url, &seeded).await;
        let mut report = server.finish(measured).await?;
        report["tickets"] = json!(seeded.tickets);
        report["seed_seconds"] = json!(seeded.seconds.map(round3));
        report["customers"] = json!(seeded.seconds.map(|_| opts.customers));
        anyhow::Ok(report)
    }
    .await;
    let kind = database.kind();
    database.cleanup(opts.keep).await?;
    let mut report = outcome?;
    report["database"] = json!(kind);
    Ok(report)
}

/// Opens the store as the server would, writes departments, staff,
/// customers and tickets (unless an earlier run did), and closes it.
async fn seed(
    opts: &Options,
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<Seeded> {
    let config = Config {
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.map(str::to_string),
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Config::default()
    };
    let state = AppState::open(config).await?;
    let result = async {
        let reused = db::users::by_email(state.db.reader(), SUPERVISOR_EMAIL).await?;
        let (department, seconds) = match reused {
            Some((supervisor, _)) => {
                eprintln!("reusing the store seeded earlier in {}", data_dir.display());
                (
                    supervisor
                        .department_id
                        .context("supervisor without department")?,
                    None,
                )
            }
            None => {
                let (department, seconds) = seed_store(opts, &state).await?;
                (department, Some(seconds))
            }
        };
        let (tickets,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tickets")
            .fetch_one(state.db.reader())
            .await?;
        anyhow::Ok(Seeded {
            department,
            tickets,
            seconds,
        })
    }
    .await;
    state.stop_background();
    state.db.close().await;
    result
}

async fn seed_store(opts: &Options, state: &AppState) -> anyhow::Result<(Uuid, f64)> {
    let started = Instant::now();
    let mut departments = Vec::new();
    for name in ["Billing", "Technical Support"] {
        let dept = db::departments::insert(state.db.writer(), name)
            .await?
            .with_context(|| format!("department {name} exists already"))?;
        departments.push(dept.id);
    }
    // One argon2 hash for every account: hashing is deliberately slow.
    let hash = server::auth::hash_password(STAFF_PASSWORD).map_err(|e| anyhow!(e.message))?;
    let mut tx = state.db.begin_write().await?;
    let staff = [
        (SUPERVISOR_EMAIL, Role::Supervisor, departments[0]),
        ("agent1@loadgen.test", Role::Agent, departments[0]),
        ("agent2@loadgen.test", Role::Agent, departments[1]),
    ];
    for (email, role, dept) in staff {
        let new = NewUser {
            id: Uuid::now_v7(),
            email,
            name: "Load Test Staff",
            password_hash: &hash,
            role,
            department_id: Some(dept),
        };
        anyhow::ensure!(db::users::insert(tx.conn(), new).await?, "{email} exists");
    }
    let mut customers = Vec::with_capacity(opts.customers);
    for c in 0..opts.customers {
        let id = Uuid::now_v7();
        let email = format!("customer{c}@loadgen.test");
        let new = NewUser {
            id,
            email: &email,
            name: "Load Test Customer",
            password_hash: &hash,
            role: Role::Customer,
            department_id: None,
        };
        anyhow::ensure!(db::users::insert(tx.conn(), new).await?, "{email} exists");
        customers.push(id);
    }
    tx.commit().await?;
    eprintln!(
        "seeding {} tickets over {} customers ({:.1} s of setup so far)",
        opts.tickets,
        customers.len(),
        started.elapsed().as_secs_f64()
    );
    let seeding = Instant::now();
    server::benchseed::seed_tickets(state, &departments, &customers, opts.tickets).await?;
    let seconds = seeding.elapsed().as_secs_f64();
    eprintln!(
        "seeded in {seconds:.1} s ({:.0} tickets/s)",
        opts.tickets as f64 / seconds
    );
    Ok((departments[0], seconds))
}

/// What one client saw.
#[derive(Default)]
struct ClientResult {
    latencies: Vec<Duration>,
    rows: Vec<usize>,
    errors: u64,
    first_error: Option<String>,
}

async fn measure(
    opts: &Options,
    http: &reqwest::Client,
    base: &str,
    seeded: &Seeded,
) -> anyhow::Result<Value> {
    let department = seeded.department;
    let token = http::login(http, base, SUPERVISOR_EMAIL, STAFF_PASSWORD).await?;
    let url = format!("{base}/v1/tickets?{QUERY}");
    // Unmeasured: fills the server's statement and page caches.
    let warmup = fetch_pages(http, &url, &token, department, opts.warmup, opts.clients).await?;
    anyhow::ensure!(
        warmup.errors == 0,
        "warm-up failed: {:?}",
        warmup.first_error
    );
    let started = Instant::now();
    let total = fetch_pages(http, &url, &token, department, opts.requests, opts.clients).await?;
    let elapsed = started.elapsed();

    let latencies = Latencies::new(total.latencies);
    let throughput = latencies.len() as f64 / elapsed.as_secs_f64();
    let rows_min = total.rows.iter().copied().min().unwrap_or(0);
    let rows_max = total.rows.iter().copied().max().unwrap_or(0);
    println!(
        "queue-page: {} requests from {} clients ({} warm-up requests not counted)",
        opts.requests, opts.clients, opts.warmup
    );
    println!("  GET         /v1/tickets?{QUERY} as a supervisor of department 1");
    match seeded.seconds {
        Some(s) => println!(
            "  store       {} tickets, seeded in {s:.1} s",
            seeded.tickets
        ),
        None => println!("  store       {} tickets, reused", seeded.tickets),
    }
    println!("  latency     {}", latencies.line());
    println!("  throughput  {throughput:.0} requests/s");
    println!("  rows        {rows_min}..={rows_max} per page (expected {PAGE})");
    println!("  errors      {}", total.errors);
    if let Some(e) = &total.first_error {
        println!("  first error {e}");
    }
    Ok(json!({
        "benchmark": "queue_page",
        "requests": opts.requests,
        "warmup_requests": opts.warmup,
        "clients": opts.clients,
        "query": QUERY,
        "seconds": round3(elapsed.as_secs_f64()),
        "throughput_per_s": round3(throughput),
        "latency_ms": latencies.json(),
        "rows_min": rows_min,
        "rows_max": rows_max,
        "errors": total.errors,
        "first_error": total.first_error,
    }))
}

/// `count` requests shared among `clients` concurrent loops.
async fn fetch_pages(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    department: Uuid,
    count: usize,
    clients: usize,
) -> anyhow::Result<ClientResult> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..clients {
        let (http, url, token, next) = (
            http.clone(),
            url.to_string(),
            token.to_string(),
            next.clone(),
        );
        tasks.spawn(async move {
            let mut result = ClientResult::default();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let sent = Instant::now();
                let fetched = fetch_page(&http, &url, &token).await;
                result.latencies.push(sent.elapsed());
                match fetched.and_then(|page| check_page(&page, department)) {
                    Ok(rows) => result.rows.push(rows),
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
    while let Some(joined) = tasks.join_next().await {
        let r = joined.context("a client task panicked")?;
        total.latencies.extend(r.latencies);
        total.rows.extend(r.rows);
        total.errors += r.errors;
        total.first_error = total.first_error.or(r.first_error);
    }
    Ok(total)
}

/// The whole response is read before the clock stops; parsing is not timed.
async fn fetch_page(http: &reqwest::Client, url: &str, token: &str) -> Result<Vec<u8>, String> {
    let resp = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    Ok(bytes.to_vec())
}

/// A full page of open tickets of the department, most pressing first.
fn check_page(body: &[u8], department: Uuid) -> Result<usize, String> {
    let page: TicketPage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let t = &page.tickets;
    if t.len() != PAGE || page.next_cursor.is_none() {
        return Err(format!("{} rows, expected a full page of {PAGE}", t.len()));
    }
    if t.iter()
        .any(|t| t.status != TicketStatus::Open || t.department_id != department)
    {
        return Err("a ticket that is not open or not of department 1".into());
    }
    if t.windows(2)
        .any(|w| (w[1].priority, w[0].created_at) > (w[0].priority, w[1].created_at))
    {
        return Err("tickets not most pressing, then oldest, first".into());
    }
    Ok(t.len())
}

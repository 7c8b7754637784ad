//! `daily-report`: a department's daily report over 90 days in a store of
//! a million tickets and their timelines.
//!
//! Seeds the history straight into the store (before the server runs), has
//! the report job take it all in (timed: the backfill a first deployment on
//! an old database does), then has the department's supervisor read
//! `GET /v1/reports/daily` for the last `--days` days over and over.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::Utc;
use protocol::{DailyReport, Role};
use serde_json::{Value, json};
use server::benchseed::{self, ReportPeople};
use server::db::{self, users::NewUser};
use server::{AppState, Config};
use uuid::Uuid;

use crate::database::Database;
use crate::http;
use crate::server_proc::{ADMIN_EMAIL, ADMIN_PASSWORD, RunDir, ServerProcess};
use crate::stats::{Latencies, round3};

const SUPERVISOR_EMAIL: &str = "supervisor@loadgen.test";
const STAFF_PASSWORD: &str = "loadgen-staff-password";
const AGENTS: usize = 20;
const CUSTOMERS: usize = 1_000;

pub struct Options {
    pub database_url: Option<String>,
    pub server_bin: PathBuf,
    pub tickets: usize,
    pub days: i64,
    pub requests: usize,
    pub warmup: usize,
    pub keep: bool,
    /// Use (and keep) this data directory; a SQLite store seeded there by
    /// an earlier run is reused as it is.
    pub data_dir: Option<PathBuf>,
}

struct Seeded {
    department: Uuid,
    tickets: i64,
    events: i64,
    facts: i64,
    /// `None` when an earlier run's store was reused.
    seed_seconds: Option<f64>,
    report_build_seconds: Option<f64>,
}

pub async fn run(opts: Options) -> anyhow::Result<Value> {
    let run_dir = RunDir::new(opts.data_dir.as_deref(), opts.keep)?;
    let data_dir = &run_dir.path;
    let database = Database::prepare(opts.database_url.as_deref()).await?;
    let http = http::client(1)?;
    let outcome = async {
        let seeded = seed(&opts, data_dir, database.url()).await?;
        let server =
            ServerProcess::start(&opts.server_bin, data_dir, database.url(), &http).await?;
        let measured = measure(&opts, &http, &server.url, &seeded).await;
        let mut report = server.finish(measured).await?;
        report["tickets"] = json!(seeded.tickets);
        report["timeline_events"] = json!(seeded.events);
        report["report_facts"] = json!(seeded.facts);
        report["seed_seconds"] = json!(seeded.seed_seconds.map(round3));
        report["report_build_seconds"] = json!(seeded.report_build_seconds.map(round3));
        anyhow::Ok(report)
    }
    .await;
    let kind = database.kind();
    database.cleanup(opts.keep).await?;
    let mut report = outcome?;
    report["database"] = json!(kind);
    Ok(report)
}

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
        // The backfill below is timed on its own, not raced by the timer.
        report_update_ms: 24 * 3_600_000,
        ..Config::default()
    };
    let state = AppState::open(config).await?;
    let result = async {
        let reused = db::users::by_email(state.db.reader(), SUPERVISOR_EMAIL).await?;
        let (department, seed_seconds, report_build_seconds) = match reused {
            Some((supervisor, _)) => {
                eprintln!("reusing the store seeded earlier in {}", data_dir.display());
                let dept = supervisor
                    .department_id
                    .context("supervisor without department")?;
                (dept, None, None)
            }
            None => {
                let started = Instant::now();
                let department = seed_store(opts, &state).await?;
                let seeded = started.elapsed().as_secs_f64();
                eprintln!("seeded in {seeded:.1} s; the report job takes the history in");
                let building = Instant::now();
                server::report::job::catch_up(&state.db).await?;
                let built = building.elapsed().as_secs_f64();
                eprintln!("report built in {built:.1} s");
                (department, Some(seeded), Some(built))
            }
        };
        let db = &state.db;
        let count = |sql: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(db.reader()).await?;
            anyhow::Ok(n)
        };
        anyhow::Ok(Seeded {
            department,
            tickets: count("SELECT COUNT(*) FROM tickets").await?,
            events: count("SELECT COUNT(*) FROM timeline_events").await?,
            facts: count("SELECT COUNT(*) FROM report_facts").await?,
            seed_seconds,
            report_build_seconds,
        })
    }
    .await;
    state.stop_background();
    state.db.close().await;
    result
}

async fn seed_store(opts: &Options, state: &AppState) -> anyhow::Result<Uuid> {
    let dept = db::departments::insert(state.db.writer(), "Billing")
        .await?
        .context("department Billing exists already")?;
    let hash = server::auth::hash_password(STAFF_PASSWORD).map_err(|e| anyhow!(e.message))?;
    let mut tx = state.db.begin_write().await?;
    let mut accounts = vec![(
        SUPERVISOR_EMAIL.to_string(),
        "Sue Supervisor".to_string(),
        Role::Supervisor,
        Some(dept.id),
    )];
    for a in 0..AGENTS {
        accounts.push((
            format!("agent{a}@loadgen.test"),
            format!("Agent {a}"),
            Role::Agent,
            Some(dept.id),
        ));
    }
    for c in 0..CUSTOMERS {
        accounts.push((
            format!("customer{c}@loadgen.test"),
            format!("Customer {c}"),
            Role::Customer,
            None,
        ));
    }
    let (mut agents, mut customers) = (Vec::new(), Vec::new());
    for (email, name, role, department_id) in &accounts {
        let id = Uuid::now_v7();
        let new = NewUser {
            id,
            email,
            name,
            password_hash: &hash,
            role: *role,
            department_id: *department_id,
        };
        anyhow::ensure!(db::users::insert(tx.conn(), new).await?, "{email} exists");
        match role {
            Role::Agent => agents.push(id),
            Role::Customer => customers.push(id),
            _ => {}
        }
    }
    tx.commit().await?;
    eprintln!(
        "seeding {} tickets over {} days with their timelines",
        opts.tickets, opts.days
    );
    let people = ReportPeople {
        department: dept.id,
        agents: &agents,
        customers: &customers,
    };
    benchseed::seed_report_history(state, &people, opts.tickets, opts.days).await?;
    Ok(dept.id)
}

async fn measure(
    opts: &Options,
    http: &reqwest::Client,
    base: &str,
    seeded: &Seeded,
) -> anyhow::Result<Value> {
    let token = http::login(http, base, SUPERVISOR_EMAIL, STAFF_PASSWORD).await?;
    let today = Utc::now().date_naive();
    let from = today - chrono::Duration::days(opts.days - 1);
    let url = format!(
        "{base}/v1/reports/daily?department_id={}&from={from}&to={today}",
        seeded.department
    );
    let mut first: Option<DailyReport> = None;
    for _ in 0..opts.warmup.max(1) {
        first = Some(fetch(http, &url, &token).await?.1);
    }
    let report = first.expect("at least one warm-up request");
    anyhow::ensure!(
        report.days.len() as i64 == opts.days,
        "{} days in the report, expected {}",
        report.days.len(),
        opts.days
    );
    let mut latencies = Vec::with_capacity(opts.requests);
    let mut bytes = 0;
    let started = Instant::now();
    for _ in 0..opts.requests {
        let sent = Instant::now();
        let (size, _) = fetch(http, &url, &token).await?;
        latencies.push(sent.elapsed());
        bytes = size;
    }
    let elapsed = started.elapsed();
    let latencies = Latencies::new(latencies);
    let t = &report.total;
    println!(
        "daily-report: {} requests, one client, {} warm-up not counted",
        opts.requests, opts.warmup
    );
    println!(
        "  GET         /v1/reports/daily, {} days, as the department's supervisor",
        opts.days
    );
    println!(
        "  store       {} tickets, {} timeline events, {} report facts",
        seeded.tickets, seeded.events, seeded.facts
    );
    if let (Some(s), Some(b)) = (seeded.seed_seconds, seeded.report_build_seconds) {
        println!("  seeded      {s:.1} s; report job backfill {b:.1} s");
    }
    println!("  latency     {}", latencies.line());
    println!(
        "  answer      {bytes} bytes, {} agents",
        report.agents.len()
    );
    println!(
        "  figures     opened {}, resolved {}, reopened {}, first reply median {:?} s, CSAT {:?} ({})",
        t.opened,
        t.resolved,
        t.reopened,
        t.first_response.median_secs,
        t.csat.average,
        t.csat.count
    );
    Ok(json!({
        "benchmark": "daily_report",
        "days": opts.days,
        "requests": opts.requests,
        "warmup_requests": opts.warmup,
        "seconds": round3(elapsed.as_secs_f64()),
        "latency_ms": latencies.json(),
        "answer_bytes": bytes,
        "agents": report.agents.len(),
        "opened_in_range": t.opened,
        "resolved_in_range": t.resolved,
    }))
}

/// The whole answer is read before the clock stops; parsing is not timed.
async fn fetch(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> anyhow::Result<(usize, DailyReport)> {
    let resp = tokio::time::timeout(
        Duration::from_secs(30),
        http.get(url).bearer_auth(token).send(),
    )
    .await
    .context("the report did not answer within 30 s")??;
    let status = resp.status();
    let body = resp.bytes().await?;
    anyhow::ensure!(
        status.is_success(),
        "HTTP {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok((body.len(), serde_json::from_slice(&body)?))
}

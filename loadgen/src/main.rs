//! `loadgen`: starts the real server (release build) as a child process,
//! drives it over HTTP, and reports latency, throughput and memory: human
//! lines, then one JSON line with every figure.

mod create_tickets;
mod database;
mod http;
mod push;
mod queue_page;
mod server_proc;
mod stats;
mod ws_fanout;

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};

const USAGE: &str = "usage:
  loadgen create-tickets [--database-url URL] [--clients 32] [--seconds 10]
  loadgen queue-page [--database-url URL] [--tickets 1000000] [--requests 2000]
                     [--clients 4] [--customers 1000] [--warmup 50]
                     [--data-dir DIR]
  loadgen ws-fanout [--database-url URL] [--instances 1|2] [--clients 10000]
                    [--tickets 1000] [--rate 1000] [--seconds 20]
  loadgen push [--database-url URL] [--calls 200] [--pushes 5000]

All take --server-bin PATH (default target/release/server: run from the
workspace root after `cargo build --release -p server`) and --keep-data
(leave the data directory and database behind for inspection).
queue-page --data-dir DIR seeds into DIR and keeps it; a later run with the
same DIR (SQLite) reuses that store instead of seeding again. Without
--database-url the server uses SQLite in a fresh temporary data directory;
with a postgres:// URL a database cs_bench_<random> is created next to it
and dropped at the end. The server inherits the environment, so e.g.
CS_DB_MAX_CONNECTIONS=4 loadgen … applies to it.
ws-fanout seeds 10 departments of 10 agents, customers for the other
clients and a ticket for each of the first --tickets customers, all signed
in; connects every client to GET /v1/ws; then customers post --rate
messages/s for --seconds, round-robin over the tickets, and every socket
times the `message` events it receives. --instances 2 runs two servers on
one PostgreSQL database (needs --database-url postgres://…).
push runs the server in this process (this binary's release build) with
push going to a fake FCM on 127.0.0.1: the time from POST /v1/calls to the
incoming-call push reaching the fake, over --calls calls one after the
other, then the worker draining --pushes queued pushes into the fake.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    if cfg!(debug_assertions) {
        eprintln!("warning: loadgen is a debug build; use `cargo run --release -p loadgen`");
    }
    // Other work on the machine skews every figure: record how busy it was.
    let load_before = load_average();
    let mut report = match command.as_str() {
        "create-tickets" => {
            let flags = Flags::parse(
                &rest,
                &[
                    "database-url",
                    "server-bin",
                    "clients",
                    "seconds",
                    "keep-data",
                ],
            )?;
            let seconds: f64 = flags.get("seconds", 10.0)?;
            if !(seconds > 0.0 && seconds < 86_400.0) {
                bail!("--seconds must be positive");
            }
            create_tickets::run(create_tickets::Options {
                database_url: flags.string("database-url"),
                server_bin: flags.server_bin(),
                clients: flags.positive("clients", 32)?,
                duration: Duration::from_secs_f64(seconds),
                keep: flags.switch("keep-data"),
            })
            .await?
        }
        "queue-page" => {
            let flags = Flags::parse(
                &rest,
                &[
                    "database-url",
                    "server-bin",
                    "tickets",
                    "requests",
                    "clients",
                    "customers",
                    "warmup",
                    "keep-data",
                    "data-dir",
                ],
            )?;
            queue_page::run(queue_page::Options {
                database_url: flags.string("database-url"),
                server_bin: flags.server_bin(),
                tickets: flags.get("tickets", 1_000_000)?,
                requests: flags.positive("requests", 2000)?,
                clients: flags.positive("clients", 4)?,
                customers: flags.positive("customers", 1000)?,
                warmup: flags.get("warmup", 50)?,
                keep: flags.switch("keep-data"),
                data_dir: flags.string("data-dir").map(PathBuf::from),
            })
            .await?
        }
        "ws-fanout" => {
            let flags = Flags::parse(
                &rest,
                &[
                    "database-url",
                    "server-bin",
                    "instances",
                    "clients",
                    "tickets",
                    "rate",
                    "seconds",
                    "keep-data",
                ],
            )?;
            let seconds: f64 = flags.get("seconds", 20.0)?;
            if !(seconds > 0.0 && seconds < 86_400.0) {
                bail!("--seconds must be positive");
            }
            ws_fanout::run(ws_fanout::Options {
                database_url: flags.string("database-url"),
                server_bin: flags.server_bin(),
                instances: flags.positive("instances", 1)?,
                clients: flags.positive("clients", 10_000)?,
                tickets: flags.positive("tickets", 1000)?,
                rate: flags.get("rate", 1000.0)?,
                duration: Duration::from_secs_f64(seconds),
                keep: flags.switch("keep-data"),
            })
            .await?
        }
        "push" => {
            let flags = Flags::parse(&rest, &["database-url", "calls", "pushes", "keep-data"])?;
            push::run(push::Options {
                database_url: flags.string("database-url"),
                calls: flags.positive("calls", 200)?,
                pushes: flags.positive("pushes", 5000)?,
                keep: flags.switch("keep-data"),
            })
            .await?
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return Ok(());
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    };
    report["load_average_1m"] = serde_json::json!([load_before, load_average()]);
    println!("{report}");
    let errors = report["errors"].as_u64().unwrap_or(0);
    if errors > 0 {
        bail!("{errors} requests failed (see first_error above)");
    }
    let lost = report["lost"].as_u64().unwrap_or(0);
    if lost > 0 {
        bail!("{lost} deliveries lost");
    }
    Ok(())
}

/// The 1-minute load average (from `/proc/loadavg`), if readable.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

const SWITCHES: [&str; 1] = ["keep-data"];

/// `--name value` or `--name=value` pairs, checked against the names a
/// command takes; `--keep-data` alone is a switch.
struct Flags(HashMap<String, String>);

impl Flags {
    fn parse(args: &[String], known: &[&str]) -> anyhow::Result<Flags> {
        let mut values = HashMap::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let Some(flag) = arg.strip_prefix("--") else {
                bail!("unexpected argument {arg:?}\n\n{USAGE}");
            };
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None if SWITCHES.contains(&flag) => (flag.to_string(), "true".to_string()),
                None => {
                    let value = iter
                        .next()
                        .with_context(|| format!("--{flag} needs a value"))?;
                    (flag.to_string(), value.clone())
                }
            };
            if !known.contains(&name.as_str()) {
                bail!("unknown option --{name}\n\n{USAGE}");
            }
            values.insert(name, value);
        }
        Ok(Flags(values))
    }

    fn switch(&self, name: &str) -> bool {
        self.0.get(name).is_some_and(|v| v == "true")
    }

    fn string(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    fn get<T: FromStr>(&self, name: &str, default: T) -> anyhow::Result<T> {
        match self.0.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name} {v:?} is not a valid value")),
        }
    }

    fn positive(&self, name: &str, default: usize) -> anyhow::Result<usize> {
        match self.get(name, default)? {
            0 => bail!("--{name} must be at least 1"),
            n => Ok(n),
        }
    }

    fn server_bin(&self) -> PathBuf {
        PathBuf::from(
            self.string("server-bin")
                .unwrap_or_else(|| "target/release/server".into()),
        )
    }
}

//! `loadgen`: starts the real server (release build) as a child process,
//! drives it over HTTP, and reports latency, throughput and memory: human
//! lines, then one JSON line with every figure.

mod chat_latency;
mod create_tickets;
mod daily_report;
mod database;
mod http;
mod push;
mod queue_page;
mod server_proc;
mod stages;
mod stats;
mod ws_fanout;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "loadgen",
    about = "Drives the real server (its release build, as a child process) and reports \
             latency, throughput and memory: human lines, then one JSON line with every figure.",
    after_help = "Run from the workspace root after `cargo build --release -p server`. The \
                  server inherits the environment, so e.g. CS_DB_MAX_CONNECTIONS=4 loadgen … \
                  applies to it."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What every command against a server process takes.
#[derive(Args)]
struct ServerArgs {
    /// A postgres:// URL: a database cs_bench_<random> is created next to it and
    /// dropped at the end. Without it, SQLite in a fresh temporary data directory.
    #[arg(long)]
    database_url: Option<String>,
    /// The server binary to run.
    #[arg(long, default_value = "target/release/server")]
    server_bin: PathBuf,
    /// Leave the data directory and database behind for inspection.
    #[arg(long)]
    keep_data: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Clients creating tickets as fast as they can.
    CreateTickets {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long, default_value_t = 32, value_parser = at_least_one)]
        clients: usize,
        #[arg(long, default_value_t = 10.0, value_parser = seconds)]
        seconds: f64,
        /// Give the department an SLA policy (business hours, targets for
        /// every priority), so each ticket's due times are computed.
        #[arg(long)]
        sla: bool,
    },
    /// The staff queue's first page over a large store.
    QueuePage {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long, default_value_t = 1_000_000)]
        tickets: usize,
        #[arg(long, default_value_t = 2000, value_parser = at_least_one)]
        requests: usize,
        #[arg(long, default_value_t = 4, value_parser = at_least_one)]
        clients: usize,
        #[arg(long, default_value_t = 1000, value_parser = at_least_one)]
        customers: usize,
        #[arg(long, default_value_t = 50)]
        warmup: usize,
        /// Seed into DIR and keep it; a later run with the same DIR (SQLite)
        /// reuses that store instead of seeding again.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// The daily report of one department over --days days, in a store of
    /// --tickets tickets opened over those days with their timelines (the
    /// report job's backfill of them is timed too).
    DailyReport {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long, default_value_t = 1_000_000)]
        tickets: usize,
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=366))]
        days: i64,
        #[arg(long, default_value_t = 1000, value_parser = at_least_one)]
        requests: usize,
        #[arg(long, default_value_t = 20)]
        warmup: usize,
        /// Seed into DIR and keep it; a later run with the same DIR (SQLite)
        /// reuses that store instead of seeding again.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Chat delivered to many WebSockets.
    ///
    /// Seeds 10 departments of 10 agents, customers for the other clients
    /// and a ticket for each of the first --tickets customers; every client
    /// holds GET /v1/ws; customers post --rate messages/s for --seconds,
    /// round-robin over the tickets, and every socket times the `message`
    /// events it receives.
    WsFanout {
        #[command(flatten)]
        server: ServerArgs,
        /// 2: two servers on one PostgreSQL database (needs --database-url).
        #[arg(long, default_value_t = 1, value_parser = at_least_one)]
        instances: usize,
        /// WebSocket clients (staff and customers).
        #[arg(long, default_value_t = 10_000, value_parser = at_least_one)]
        clients: usize,
        /// Tickets the messages go to.
        #[arg(long, default_value_t = 1000, value_parser = at_least_one)]
        tickets: usize,
        /// Messages per second, all tickets together.
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        #[arg(long, default_value_t = 20.0, value_parser = seconds)]
        seconds: f64,
    },
    /// Chat latency to one department's staff, at a low rate.
    ///
    /// One department of --sockets agents on GET /v1/ws, and its ticket's
    /// customer posting --messages messages at --rate per second; latency
    /// from the POST leaving loadgen to the `message` event on each socket,
    /// and the server's CPU per delivered message.
    ChatLatency {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long, default_value_t = 100, value_parser = at_least_one)]
        sockets: usize,
        #[arg(long, default_value_t = 200, value_parser = at_least_one)]
        messages: usize,
        #[arg(long, default_value_t = 20.0)]
        rate: f64,
    },
    /// Push latency and throughput, into a fake FCM.
    ///
    /// The server runs in this process with push going to a fake FCM on
    /// 127.0.0.1: the time from POST /v1/calls to the incoming-call push
    /// reaching the fake, over --calls calls one after the other, then the
    /// worker draining --pushes queued pushes.
    Push {
        /// As for the other commands.
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long, default_value_t = 200, value_parser = at_least_one)]
        calls: usize,
        #[arg(long, default_value_t = 5000, value_parser = at_least_one)]
        pushes: usize,
        #[arg(long)]
        keep_data: bool,
    },
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s < 86_400.0 => Ok(s),
        Ok(_) => Err("must be more than 0 and less than a day".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cfg!(debug_assertions) {
        eprintln!("warning: loadgen is a debug build; use `cargo run --release -p loadgen`");
    }
    // Other work on the machine skews every figure: record how busy it was.
    let load_before = load_average();
    let mut report = match cli.command {
        Command::CreateTickets {
            server,
            clients,
            seconds,
            sla,
        } => {
            create_tickets::run(create_tickets::Options {
                sla,
                database_url: server.database_url,
                server_bin: server.server_bin,
                clients,
                duration: Duration::from_secs_f64(seconds),
                keep: server.keep_data,
            })
            .await?
        }
        Command::QueuePage {
            server,
            tickets,
            requests,
            clients,
            customers,
            warmup,
            data_dir,
        } => {
            queue_page::run(queue_page::Options {
                database_url: server.database_url,
                server_bin: server.server_bin,
                tickets,
                requests,
                clients,
                customers,
                warmup,
                keep: server.keep_data,
                data_dir,
            })
            .await?
        }
        Command::DailyReport {
            server,
            tickets,
            days,
            requests,
            warmup,
            data_dir,
        } => {
            daily_report::run(daily_report::Options {
                database_url: server.database_url,
                server_bin: server.server_bin,
                tickets,
                days,
                requests,
                warmup,
                keep: server.keep_data,
                data_dir,
            })
            .await?
        }
        Command::WsFanout {
            server,
            instances,
            clients,
            tickets,
            rate,
            seconds,
        } => {
            ws_fanout::run(ws_fanout::Options {
                database_url: server.database_url,
                server_bin: server.server_bin,
                instances,
                clients,
                tickets,
                rate,
                duration: Duration::from_secs_f64(seconds),
                keep: server.keep_data,
            })
            .await?
        }
        Command::ChatLatency {
            server,
            sockets,
            messages,
            rate,
        } => {
            chat_latency::run(chat_latency::Options {
                database_url: server.database_url,
                server_bin: server.server_bin,
                sockets,
                messages,
                rate,
                keep: server.keep_data,
            })
            .await?
        }
        Command::Push {
            database_url,
            calls,
            pushes,
            keep_data,
        } => {
            push::run(push::Options {
                database_url,
                calls,
                pushes,
                keep: keep_data,
            })
            .await?
        }
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_flags_are_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_apply_and_bad_values_are_refused_with_a_message() {
        let cli = Cli::try_parse_from(["loadgen", "ws-fanout", "--rate", "20"]).unwrap();
        let Command::WsFanout {
            clients,
            rate,
            server,
            ..
        } = cli.command
        else {
            panic!("parsed as another command");
        };
        assert_eq!((clients, rate), (10_000, 20.0));
        assert_eq!(server.server_bin, PathBuf::from("target/release/server"));
        for bad in [
            ["loadgen", "ws-fanout", "--clients", "0"],
            ["loadgen", "create-tickets", "--seconds", "0"],
        ] {
            let error = Cli::try_parse_from(bad).err().expect("refused");
            assert!(error.to_string().contains("invalid value"), "{error}");
        }
    }
}

//! Benchmarks of the core (see BENCHMARKS.md); run through
//! `scripts/bench-core`, which gives each measurement its own process so
//! that peak RSS is the client's alone.
//!
//!   bench seed-cache DIR N              a client cache with N tickets
//!   bench cold-open DIR                 open it, time to the first page of 50
//!   bench seed-server DIR T M           a server data dir: T tickets, M messages
//!   bench full-sync URL DIR             sign in as admin, time to a full cache
//!   bench outbox URL DIR N              N messages queued offline, time to drain
//!
//! Prints one JSON line per measurement, with `peak_rss_kib` of this process.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cs_core::{Client, SyncState, TicketFilter, TicketItem, TicketListListener, file_token_store};
use protocol as wire;
use uuid::Uuid;

const ADMIN: &str = "admin@bench.example";
const PASSWORD: &str = "bench-password";

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn client(url: &str, dir: &str) -> Arc<Client> {
    let tokens = file_token_store(format!("{dir}/token"));
    Client::new(url.into(), format!("{dir}/cache"), tokens).expect("client opens")
}

struct FirstPage {
    at: Mutex<Option<(Instant, usize)>>,
}

impl TicketListListener for FirstPage {
    fn on_update(&self, tickets: Vec<TicketItem>) {
        let mut at = self.at.lock().unwrap();
        if at.is_none() {
            *at = Some((Instant::now(), tickets.len()));
        }
    }
}

fn ticket(i: usize, dept: Uuid, customer: Uuid) -> wire::Ticket {
    let t = chrono::Utc::now() - chrono::Duration::seconds(i as i64);
    wire::Ticket {
        id: Uuid::now_v7(),
        number: 1000 + i as i64,
        subject: format!("Cached ticket {i}"),
        status: wire::TicketStatus::ALL[i % 4],
        priority: wire::Priority::ALL[i % 4],
        department_id: dept,
        customer_id: customer,
        assignee_id: None,
        created_at: t,
        updated_at: t,
        closed_at: None,
        version: 1,
        rating: None,
        sla: Default::default(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(0).as_str() {
        "seed-cache" => {
            let n: usize = arg(2).parse()?;
            let store =
                cs_core::store::Store::open(std::path::Path::new(&format!("{}/cache", arg(1))))?;
            let (dept, customer) = (Uuid::now_v7(), Uuid::now_v7());
            for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
                let page = wire::SyncResponse {
                    tickets: chunk.iter().map(|i| ticket(*i, dept, customer)).collect(),
                    messages: vec![],
                    events: vec![],
                    removed_tickets: vec![],
                    users: vec![],
                    next_cursor: "0".into(),
                    has_more: false,
                };
                store.apply_sync(&page)?;
            }
            println!("{{\"seeded_tickets\": {n}}}");
        }
        "cold-open" => {
            let started = Instant::now();
            // Nothing listens on port 9: the measurement is the cache alone.
            let client = client("http://127.0.0.1:9", &arg(1));
            let listener = Arc::new(FirstPage {
                at: Mutex::new(None),
            });
            let _handle = client.observe_tickets(TicketFilter::default(), 50, listener.clone());
            let (at, rows) = listener.at.lock().unwrap().expect("first page delivered");
            let ms = (at - started).as_secs_f64() * 1000.0;
            println!(
                "{{\"bench\": \"cold_open\", \"first_page_ms\": {ms:.2}, \"rows\": {rows}, \"peak_rss_kib\": {}}}",
                peak_rss_kib()
            );
        }
        "seed-server" => {
            let (tickets, messages): (usize, usize) = (arg(2).parse()?, arg(3).parse()?);
            seed_server(&arg(1), tickets, messages).await?;
            println!("{{\"seeded_tickets\": {tickets}, \"seeded_messages\": {messages}}}");
        }
        "full-sync" => {
            let client = client(&arg(1), &arg(2));
            let started = Instant::now();
            client.sign_in(ADMIN.into(), PASSWORD.into()).await?;
            // Live means the catch-up through /v1/sync has finished.
            while client.sync_state() != SyncState::Live {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let secs = started.elapsed().as_secs_f64();
            let cached = client.tickets(TicketFilter::default(), 1_000_000)?.len();
            println!(
                "{{\"bench\": \"full_sync\", \"seconds\": {secs:.3}, \"tickets_cached\": {cached}, \"peak_rss_kib\": {}}}",
                peak_rss_kib()
            );
        }
        "outbox" => {
            let n: usize = arg(3).parse()?;
            let client = client(&arg(1), &arg(2));
            client.sign_in(ADMIN.into(), PASSWORD.into()).await?;
            while client.sync_state() != SyncState::Live {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let ticket = client
                .tickets(TicketFilter::default(), 1)?
                .pop()
                .expect("the seeded server has tickets");
            for i in 0..n {
                client.send_message(ticket.id.clone(), format!("queued {i}"), vec![], false)?;
            }
            let started = Instant::now();
            while client.pending_count()? > 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{{\"bench\": \"outbox_drain\", \"messages\": {n}, \"seconds\": {secs:.3}, \"per_second\": {:.0}, \"peak_rss_kib\": {}}}",
                n as f64 / secs,
                peak_rss_kib()
            );
        }
        _ => anyhow::bail!("see the comment at the top of core/examples/bench.rs"),
    }
    Ok(())
}

/// A server data directory with an admin, `tickets` tickets and `messages`
/// messages spread over them, written through the server's own store.
async fn seed_server(dir: &str, tickets: usize, messages: usize) -> anyhow::Result<()> {
    let config = server::Config {
        data_dir: dir.into(),
        admin_email: Some(ADMIN.into()),
        admin_password: Some(PASSWORD.into()),
        ..server::Config::default()
    };
    let state = server::AppState::open(config).await?;
    let dept = server::db::departments::insert(state.db.writer(), "Bench")
        .await?
        .expect("a fresh database");
    let hash = server::auth::hash_password(PASSWORD).map_err(|e| anyhow::anyhow!(e.message))?;
    let customer = Uuid::now_v7();
    server::db::users::insert(
        state.db.writer(),
        server::db::users::NewUser {
            id: customer,
            email: "customer@bench.example",
            name: "Customer",
            password_hash: &hash,
            role: wire::Role::Customer,
            department_id: None,
        },
    )
    .await?;
    server::benchseed::seed_tickets(&state, &[dept.id], &[customer], tickets).await?;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tickets")
        .fetch_all(state.db.reader())
        .await?;
    let per_batch = 5000;
    let mut written = 0;
    while written < messages {
        let mut tx = state.db.begin_write().await?;
        for k in 0..per_batch.min(messages - written) {
            let i = written + k;
            let message = wire::Message {
                id: Uuid::now_v7(),
                ticket_id: Uuid::parse_str(&ids[i % ids.len()])?,
                author_id: customer,
                body: format!("Seeded message {i}: the printer still jams on page two."),
                internal: false,
                attachments: vec![],
                created_at: chrono::Utc::now(),
            };
            let seq = tx.next_seq();
            server::db::messages::insert(tx.conn(), &message, seq).await?;
        }
        tx.commit().await?;
        written += per_batch.min(messages - written);
    }
    state.stop_background();
    state.db.close().await;
    Ok(())
}

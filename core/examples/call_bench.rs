//! Call benchmarks (BENCHMARKS.md), through the real server with real cores:
//!
//! ```text
//! cargo run --release -p cs-core --example call_bench [concurrent calls] [rounds]
//! ```
//!
//! - Ringing: from `place_call` to the callee's `CallListener` showing the
//!   call ringing, over `rounds` calls one after another.
//! - First audio: from `accept_call` (the callee answers) to the first
//!   decoded non-silent frame at each end, same rounds.
//! - Load: `concurrent` calls at once (one agent core and one customer core
//!   each, all in this process with the server), every tone checked at both
//!   ends; CPU and memory of the process per active call, measured over ten
//!   seconds against the same clients idle.
//!
//! Prints human lines and one JSON line at the end.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cs_core::call::audio::{AudioAnalyser, tone_source};
use cs_core::call::manager::{CallDirection, CallInfo, CallListener, CallPhase};
use cs_core::call::{AudioDevice, CombinedDevice};
use cs_core::{Client, SendState, SyncState, TicketFilter, file_token_store};
use serde_json::{Value, json};

const PASSWORD: &str = server::testing::ADMIN_PASSWORD;
const ADMIN: &str = server::testing::ADMIN_EMAIL;
const CALLER_HZ: f64 = 440.0;
const CALLEE_HZ: f64 = 660.0;

/// Records when a call first shows as ringing here.
#[derive(Default)]
struct RingWatch(Mutex<Vec<(String, Instant)>>);

impl CallListener for RingWatch {
    fn on_calls(&self, calls: Vec<CallInfo>) {
        let now = Instant::now();
        let mut seen = self.0.lock().unwrap();
        for c in calls {
            if c.direction == CallDirection::Incoming
                && c.phase == CallPhase::Ringing
                && !seen.iter().any(|(id, _)| *id == c.id)
            {
                seen.push((c.id, now));
            }
        }
    }
}

impl RingWatch {
    fn rang_at(&self, id: &str) -> Option<Instant> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, t)| *t)
    }
}

struct Pair {
    agent: Arc<Client>,
    customer: Arc<Client>,
    rings: Arc<RingWatch>,
    _ring_handle: Arc<cs_core::TaskHandle>,
    ticket_id: String,
}

fn tone_device(hz: f64) -> (Arc<dyn AudioDevice>, Arc<AudioAnalyser>) {
    let heard = Arc::new(AudioAnalyser::new());
    let device = CombinedDevice::new(Some(tone_source(hz, 0.3)), vec![heard.clone()]);
    (Arc::new(device), heard)
}

fn hears(analyser: &AudioAnalyser, hz: f64) -> bool {
    analyser
        .report()
        .dominant_hz
        .is_some_and(|h| (h - hz).abs() <= 5.0)
}

async fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn client(url: &str, dir: &std::path::Path) -> Arc<Client> {
    let tokens = file_token_store(dir.join("token").to_string_lossy().into_owned());
    let client = Client::new(
        url.into(),
        dir.join("cache").to_string_lossy().into_owned(),
        tokens,
    )
    .expect("client opens");
    client.configure_call_media(vec!["127.0.0.1:0".into()], false);
    client
}

async fn post(url: &str, path: &str, token: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn pairs(url: &str, dir: &std::path::Path, count: usize) -> Vec<Pair> {
    let admin: Value = reqwest::Client::new()
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({"email": ADMIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = admin["token"].as_str().unwrap().to_string();
    let mut pairs = Vec::new();
    for i in 0..count {
        // A department per pair, so each agent sees only their own call's
        // updates (as a team of 50 agents in one department would not all
        // be calling at once).
        let dept = post(
            url,
            "/v1/departments",
            &admin,
            json!({"name": format!("Bench {i}")}),
        )
        .await;
        let dept = dept["id"].as_str().unwrap().to_string();
        let email = format!("agent{i}@bench.example");
        post(
            url,
            "/v1/staff",
            &admin,
            json!({"email": email, "name": format!("Agent {i}"), "password": PASSWORD,
                   "role": "agent", "department_id": dept}),
        )
        .await;
        let agent = client(url, &dir.join(format!("agent{i}")));
        agent.sign_in(email, PASSWORD.into()).await.unwrap();
        let customer = client(url, &dir.join(format!("customer{i}")));
        customer
            .register(
                format!("customer{i}@bench.example"),
                PASSWORD.into(),
                format!("Customer {i}"),
            )
            .await
            .unwrap();
        customer.refresh_departments().await.unwrap();
        let ticket = customer
            .create_ticket(dept.clone(), format!("Call {i}"), "Please call".into())
            .unwrap();
        let rings = Arc::new(RingWatch::default());
        let ring_handle = customer.observe_calls(rings.clone());
        pairs.push(Pair {
            agent,
            customer,
            rings,
            _ring_handle: ring_handle,
            ticket_id: ticket.id,
        });
    }
    for p in &pairs {
        wait_until(
            "clients live and tickets sent",
            Duration::from_secs(60),
            || {
                p.agent.sync_state() == SyncState::Live
                    && p.customer.sync_state() == SyncState::Live
                    && p.customer.tickets(TicketFilter::default(), 1).unwrap()[0].send_state
                        == SendState::Sent
            },
        )
        .await;
    }
    pairs
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    json!({"p50": percentile(&v, 0.5), "p99": percentile(&v, 0.99),
           "max": v[v.len() - 1], "samples": v.len()})
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap()
}

/// One call on `pair`: ringing latency, and first audio at each end after
/// the answer. Hangs up and waits for both ends to forget the call.
async fn timed_call(pair: &Pair) -> (f64, f64, f64, f64) {
    let (caller_audio, caller_heard) = tone_device(CALLER_HZ);
    let placed_at = Instant::now();
    let call = pair
        .agent
        .place_call(pair.ticket_id.clone(), caller_audio)
        .await
        .unwrap();
    let placed_ms = placed_at.elapsed().as_secs_f64() * 1e3;
    wait_until("ringing", Duration::from_secs(10), || {
        pair.rings.rang_at(&call.id).is_some()
    })
    .await;
    let ringing_ms = (pair.rings.rang_at(&call.id).unwrap() - placed_at).as_secs_f64() * 1e3;
    let (callee_audio, callee_heard) = tone_device(CALLEE_HZ);
    let accepted_at = Instant::now();
    pair.customer
        .accept_call(call.id.clone(), callee_audio)
        .await
        .unwrap();
    wait_until("first audio both ways", Duration::from_secs(10), || {
        caller_heard.first_sound_at().is_some() && callee_heard.first_sound_at().is_some()
    })
    .await;
    let at_caller = (caller_heard.first_sound_at().unwrap() - accepted_at).as_secs_f64() * 1e3;
    let at_callee = (callee_heard.first_sound_at().unwrap() - accepted_at).as_secs_f64() * 1e3;
    pair.agent.hang_up(call.id).await.unwrap();
    wait_until("ended", Duration::from_secs(10), || {
        pair.agent.calls().is_empty() && pair.customer.calls().is_empty()
    })
    .await;
    (ringing_ms, at_caller, at_callee, placed_ms)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let concurrent: usize = args.next().map_or(50, |a| a.parse().unwrap());
    let rounds: usize = args.next().map_or(20, |a| a.parse().unwrap());
    let backend = server::testing::RestartableServer::start().await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let pairs = pairs(&url, dir.path(), concurrent).await;
    println!("{concurrent} agent/customer pairs signed in");

    // One call first, not counted: the first connection of each kind warms
    // up caches and pools.
    timed_call(&pairs[0]).await;
    let (mut ringing, mut first_caller, mut first_callee) = (Vec::new(), Vec::new(), Vec::new());
    let mut placing = Vec::new();
    for round in 0..rounds {
        let (r, a, b, p) = timed_call(&pairs[round % pairs.len()]).await;
        placing.push(p);
        ringing.push(r);
        first_caller.push(a);
        first_callee.push(b);
    }
    let ringing = summary(ringing);
    let placing = summary(placing);
    println!("place_call returns (POST /v1/calls answered): {placing}");
    let first_caller = summary(first_caller);
    let first_callee = summary(first_callee);
    println!("place → ringing on the callee: {ringing}");
    println!("accept → first audio at the caller: {first_caller}");
    println!("accept → first audio at the callee: {first_callee}");

    // Idle baseline with every client connected.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (cpu0, rss_idle) = (cpu_seconds(), rss_kib());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_cpu = cpu_seconds() - cpu0;

    // Every pair calls at once.
    let mut analysers = Vec::new();
    let mut ids = Vec::new();
    for p in &pairs {
        let (audio, heard) = tone_device(CALLER_HZ);
        let call = p
            .agent
            .place_call(p.ticket_id.clone(), audio)
            .await
            .unwrap();
        analysers.push((heard, CALLEE_HZ));
        ids.push(call.id);
    }
    for (p, id) in pairs.iter().zip(&ids) {
        wait_until("ringing", Duration::from_secs(30), || {
            p.rings.rang_at(id).is_some()
        })
        .await;
        let (audio, heard) = tone_device(CALLEE_HZ);
        p.customer.accept_call(id.clone(), audio).await.unwrap();
        analysers.push((heard, CALLER_HZ));
    }
    let all_heard = Instant::now();
    wait_until("every tone heard", Duration::from_secs(60), || {
        analysers.iter().all(|(a, hz)| hears(a, *hz))
    })
    .await;
    println!(
        "{concurrent} calls up, all {} tones heard ({:.1} s after the last answer)",
        analysers.len(),
        all_heard.elapsed().as_secs_f64()
    );
    let (cpu1, rss_calls) = (cpu_seconds(), rss_kib());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let calls_cpu = cpu_seconds() - cpu1;
    let still = analysers.iter().filter(|(a, hz)| hears(a, *hz)).count();
    let mut lost_packets = 0;
    for (p, id) in pairs.iter().zip(&ids) {
        lost_packets += p.agent.call_quality(id.clone()).await.unwrap().packets_lost;
    }
    let cpu_per_call = (calls_cpu - idle_cpu) / 10.0 / concurrent as f64 * 100.0;
    for (p, id) in pairs.iter().zip(&ids) {
        p.agent.hang_up(id.clone()).await.unwrap();
    }
    for p in &pairs {
        wait_until("every call over", Duration::from_secs(30), || {
            p.agent.calls().is_empty() && p.customer.calls().is_empty()
        })
        .await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // What the calls held, from the fall when they ended (the allocator
    // keeps some, so this is a floor).
    let rss_after = rss_kib();
    let rss_per_call = (rss_calls - rss_after) / concurrent as f64;
    println!(
        "load: {:.1}% of a core per call (both ends and the server; {calls_cpu:.1} s of CPU in 10 s, {idle_cpu:.1} s idle), RSS {rss_idle:.0} KiB idle, {rss_calls:.0} KiB in the calls, {rss_after:.0} KiB after: {rss_per_call:.0} KiB per call, {still}/{} tones still heard, {lost_packets} packets lost at the callers",
        cpu_per_call,
        analysers.len()
    );
    println!(
        "{}",
        json!({
            "benchmark": "calls", "concurrent_calls": concurrent, "rounds": rounds,
            "ringing_ms": ringing, "place_call_ms": placing, "first_audio_at_caller_ms": first_caller,
            "first_audio_at_callee_ms": first_callee,
            "tones_heard": analysers.len(), "tones_still_heard_after_10s": still,
            "cpu_percent_of_core_per_call": cpu_per_call, "rss_kib_per_call": rss_per_call,
            "rss_kib": {"idle": rss_idle, "calls": rss_calls, "after": rss_after},
            "process_cpu_seconds_10s": {"idle": idle_cpu, "calls": calls_cpu},
            "packets_lost_at_callers": lost_packets,
        })
    );
}

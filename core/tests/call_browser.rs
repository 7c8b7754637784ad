//! Interop with a standard browser WebRTC stack: headless Chromium (fake
//! microphone playing a tone WAV) in a small page (`browser/call.html`)
//! answers a call the core places, and places one the core answers, through
//! the real server. The tone each side sends is detected by the other.
//!
//! Needs `chromium` (Debian's package). Without it the tests say SKIPPED,
//! except with CI=true, where a missing browser fails them.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use common::{Backend, PASSWORD, client, eventually, hears, tone_device};
use cs_core::call::manager::{CallDirection, CallPhase};
use cs_core::{StaffStatus, SyncState};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

const CORE_HZ: f64 = 440.0;
const BROWSER_HZ: f64 = 660.0;
const PAGE: &str = include_str!("browser/call.html");

/// The Chromium binary, or `None` (after saying so) where the test may skip.
fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(name))
            .find(|path| path.is_file());
        if found.is_some() {
            return found;
        }
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "chromium is missing (apt-get install chromium) and CI=true: nothing may be skipped"
        );
    }
    eprintln!("SKIPPED: browser interop: chromium is not installed (apt-get install chromium)");
    None
}

/// A 16-bit mono 48 kHz WAV of a tone, for Chromium's fake microphone.
fn write_tone_wav(path: &Path, hz: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..48_000 * 2 {
        let t = n as f64 / 48_000.0;
        let sample = (t * hz * std::f64::consts::TAU).sin() * 0.3 * i16::MAX as f64;
        wav.write_sample(sample as i16).unwrap();
    }
    wav.finalize().unwrap();
}

/// Serves the page and receives its `ready` ping and final report.
struct Harness {
    addr: SocketAddr,
    ready: Arc<Notify>,
    report: Mutex<Option<oneshot::Receiver<Value>>>,
}

#[derive(Clone)]
struct HarnessState {
    ready: Arc<Notify>,
    report: Arc<Mutex<Option<oneshot::Sender<Value>>>>,
}

impl Harness {
    async fn start() -> Harness {
        let ready = Arc::new(Notify::new());
        let (report_tx, report_rx) = oneshot::channel();
        let state = HarnessState {
            ready: ready.clone(),
            report: Arc::new(Mutex::new(Some(report_tx))),
        };
        let app = Router::new()
            .route("/call.html", get(|| async { Html(PAGE) }))
            .route(
                "/ready",
                post(|State(s): State<HarnessState>| async move { s.ready.notify_one() }),
            )
            .route(
                "/report",
                post(
                    |State(s): State<HarnessState>, axum::Json(v): axum::Json<Value>| async move {
                        if let Some(tx) = s.report.lock().unwrap().take() {
                            let _ = tx.send(v);
                        }
                    },
                ),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Harness {
            addr,
            ready,
            report: Mutex::new(Some(report_rx)),
        }
    }

    fn page_url(&self, api: &str, token: &str, mode: &str, ticket: &str) -> String {
        let base = format!("http://{}", self.addr);
        format!(
            "{base}/call.html?api={api}&token={token}&mode={mode}&ticket={ticket}\
             &ready={base}/ready&report={base}/report"
        )
    }

    async fn report(&self) -> Value {
        let rx = self.report.lock().unwrap().take().expect("one report");
        tokio::time::timeout(Duration::from_secs(40), rx)
            .await
            .expect("the page reports in time")
            .expect("the page reports")
    }
}

/// Headless Chromium on the page, killed when dropped.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn open(binary: &Path, url: &str, microphone_wav: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
                // The page (one origin) calls the API (another) directly.
                "--disable-web-security",
                // Host candidates on loopback, as plain addresses.
                "--allow-loopback-in-peer-connection",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
            ])
            .arg(format!(
                "--use-file-for-fake-audio-capture={}",
                microphone_wav.display()
            ))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        Browser {
            child,
            _profile: profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn assert_browser_heard(report: &Value, hz: f64) {
    assert_eq!(report["ok"], json!(true), "the page failed: {report:#}");
    let heard = report["dominant_hz"].as_f64().unwrap_or(0.0);
    // WebAudio's FFT of 8192 points at 48 kHz has 5.9 Hz bins.
    assert!(
        (heard - hz).abs() <= 10.0,
        "the browser heard {heard} Hz, not {hz}: {report:#}"
    );
}

/// The real server, an agent on a core, and a customer (for the browser)
/// with a ticket.
struct Scene {
    backend: Backend,
    _dir: tempfile::TempDir,
    agent: Arc<cs_core::Client>,
    customer_token: String,
    ticket_id: String,
}

async fn scene() -> Scene {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let agent_email = backend.agent("Bea", &dept).await;
    let customer_token = backend.customer_token("ann@x.example", "Ann").await;
    let dir = tempfile::tempdir().unwrap();
    let agent = client(&backend, dir.path());
    agent.sign_in(agent_email, PASSWORD.into()).await.unwrap();
    agent.set_status(StaffStatus::Active).await.unwrap();
    agent.configure_call_media(vec!["127.0.0.1:0".into()], false);
    eventually("the agent is live", || {
        agent.sync_state() == SyncState::Live
    })
    .await;
    let ticket = backend
        .call(
            Method::POST,
            "/v1/tickets",
            &customer_token,
            Some(json!({"department_id": dept, "subject": "Browser call", "body": "Hi"})),
        )
        .await;
    Scene {
        backend,
        _dir: dir,
        agent,
        customer_token,
        ticket_id: ticket["id"].as_str().unwrap().to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_answers_a_call_the_core_places_and_both_hear_each_other() {
    let Some(binary) = chromium() else { return };
    let s = scene().await;
    let harness = Harness::start().await;
    let wav_dir = tempfile::tempdir().unwrap();
    let wav = wav_dir.path().join("browser-tone.wav");
    write_tone_wav(&wav, BROWSER_HZ);
    let url = harness.page_url(&s.backend.url(), &s.customer_token, "answer", &s.ticket_id);
    let _browser = Browser::open(&binary, &url, &wav);
    tokio::time::timeout(Duration::from_secs(30), harness.ready.notified())
        .await
        .expect("the page connects to the server");

    let (audio, heard) = tone_device(CORE_HZ);
    s.agent
        .place_call(s.ticket_id.clone(), audio)
        .await
        .unwrap();
    hears("the core", &heard, BROWSER_HZ, String::new).await;
    let report = harness.report().await;
    assert_browser_heard(&report, CORE_HZ);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_core_answers_a_call_chromium_places_and_both_hear_each_other() {
    let Some(binary) = chromium() else { return };
    let s = scene().await;
    let harness = Harness::start().await;
    let wav_dir = tempfile::tempdir().unwrap();
    let wav = wav_dir.path().join("browser-tone.wav");
    write_tone_wav(&wav, BROWSER_HZ);
    let url = harness.page_url(&s.backend.url(), &s.customer_token, "place", &s.ticket_id);
    let _browser = Browser::open(&binary, &url, &wav);

    eventually("the agent's core rings", || {
        s.agent
            .calls()
            .iter()
            .any(|c| c.direction == CallDirection::Incoming && c.phase == CallPhase::Ringing)
    })
    .await;
    let call = s.agent.calls().remove(0);
    let (audio, heard) = tone_device(CORE_HZ);
    s.agent.accept_call(call.id, audio).await.unwrap();
    hears("the core", &heard, BROWSER_HZ, String::new).await;
    let report = harness.report().await;
    assert_browser_heard(&report, CORE_HZ);
}

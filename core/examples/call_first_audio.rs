//! How long after the answer is applied the far end hears the caller.
//!
//! Two media sessions in one process over loopback, signalling handed
//! across directly (as `tests/call_media.rs`), repeated a few times:
//!
//! ```text
//! cargo run -p cs-core --example call_first_audio [rounds]
//! ```
//!
//! For each round: the caller applies the callee's answer (t = 0); then
//! when each side reports Connected, and when the callee's analyser decodes
//! the first non-silent frame of the caller's tone. Also prints the call's
//! statistics after two seconds, and what the callee sees when the caller
//! closes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cs_core::call::audio::{AudioAnalyser, tone_source};
use cs_core::call::{CombinedDevice, MediaConfig, MediaEvent, MediaSession, MediaState};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

struct Side {
    session: Arc<MediaSession>,
    heard: Arc<AudioAnalyser>,
    events: Option<UnboundedReceiver<MediaEvent>>,
}

async fn side(tone_hz: f64) -> Side {
    let heard = Arc::new(AudioAnalyser::new());
    let device = CombinedDevice::new(Some(tone_source(tone_hz, 0.3)), vec![heard.clone()]);
    let (session, events) = MediaSession::new(MediaConfig::loopback(), Arc::new(device))
        .await
        .expect("a media session starts");
    Side {
        session: Arc::new(session),
        heard,
        events: Some(events),
    }
}

/// Relays candidates to `to`; publishes each state with the time it came.
fn relay(
    mut events: UnboundedReceiver<MediaEvent>,
    to: Arc<MediaSession>,
) -> watch::Receiver<(MediaState, Instant)> {
    let (tx, rx) = watch::channel((MediaState::New, Instant::now()));
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                MediaEvent::LocalCandidate(json) => {
                    let _ = to.add_remote_candidate(&json).await;
                }
                MediaEvent::ConnectionState(state) => {
                    let _ = tx.send((state, Instant::now()));
                }
                // One path only: these tests never lose it.
                MediaEvent::GatheringComplete | MediaEvent::RestartOffer(_) => {}
            }
        }
    });
    rx
}

async fn when(state: &mut watch::Receiver<(MediaState, Instant)>, wanted: MediaState) -> Instant {
    let seen = tokio::time::timeout(
        Duration::from_secs(10),
        state.wait_for(|(s, _)| *s == wanted),
    )
    .await
    .expect("state reached in time")
    .expect("states still reported");
    seen.1
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Round {
    caller_connected: f64,
    callee_connected: f64,
    first_audio: f64,
}

async fn round(report_extras: bool) -> Round {
    let mut caller = side(440.0).await;
    let mut callee = side(660.0).await;
    let mut caller_state = relay(caller.events.take().unwrap(), callee.session.clone());
    let mut callee_state = relay(callee.events.take().unwrap(), caller.session.clone());

    let offer = caller.session.create_offer().await.unwrap();
    let answer = callee.session.accept_offer(&offer).await.unwrap();
    caller.session.accept_answer(&answer).await.unwrap();
    let applied = Instant::now();

    let caller_connected = when(&mut caller_state, MediaState::Connected).await;
    let callee_connected = when(&mut callee_state, MediaState::Connected).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let first_sound = loop {
        if let Some(at) = callee.heard.first_sound_at() {
            break at;
        }
        assert!(Instant::now() < deadline, "no audio arrived");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };

    if report_extras {
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!("callee stats after 2 s: {:?}", callee.session.stats().await);
        println!("callee heard: {:?}", callee.heard.report());
        let closed = Instant::now();
        caller.session.close().await;
        let seen = tokio::time::timeout(
            Duration::from_secs(40),
            callee_state.wait_for(|(s, _)| *s != MediaState::Connected),
        )
        .await;
        match seen {
            Ok(Ok(seen)) => println!(
                "callee saw the caller close as {:?} after {:.0} ms",
                seen.0,
                ms(seen.1 - closed)
            ),
            _ => println!("callee still Connected 40 s after the caller closed"),
        }
    } else {
        caller.session.close().await;
    }
    callee.session.close().await;

    Round {
        caller_connected: ms(caller_connected - applied),
        callee_connected: ms(callee_connected - applied),
        first_audio: ms(first_sound - applied),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    println!("times from the answer being applied (ms):");
    println!("round  caller-connected  callee-connected  first-audio-at-callee");
    let mut results = Vec::new();
    for i in 0..rounds {
        let r = round(i == 0).await;
        println!(
            "{:>5}  {:>16.1}  {:>16.1}  {:>21.1}",
            i + 1,
            r.caller_connected,
            r.callee_connected,
            r.first_audio
        );
        results.push(r);
    }
    let first_audio: Vec<f64> = results.iter().map(|r| r.first_audio).collect();
    println!(
        "first audio: median {:.1} ms, min {:.1} ms, max {:.1} ms over {} rounds",
        median(first_audio.clone()),
        first_audio.iter().copied().fold(f64::MAX, f64::min),
        first_audio.iter().copied().fold(0.0, f64::max),
        rounds
    );
}

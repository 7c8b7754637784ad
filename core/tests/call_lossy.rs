//! A call over a bad mobile network, made in user space (this kernel has no
//! `netem`): a UDP relay between two real media sessions delays every packet
//! by 60 ms ± 30 ms (so they reorder), drops 5 % of them, from a seeded
//! generator. Each side is handed the relay's address in place of the other's
//! candidates, so ICE, DTLS, SRTP and RTCP all cross it.
//!
//! Passes when each end hears the other's tone in at least 95 % of the frames
//! it plays after the first second; prints the playout delay the jitter
//! buffer added and the frames it concealed. Then the path is lost: the relay
//! stops forwarding, and the call either recovers through an ICE restart
//! when a new path (another relay port) is there, or fails on both ends
//! within 10 s when none is.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cs_core::call::audio::{FRAME_SAMPLES, SAMPLE_RATE, tone_source};
use cs_core::call::{
    AudioDevice, CombinedDevice, MediaConfig, MediaEvent, MediaSession, MediaState,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

const CALLER_HZ: f64 = 440.0;
const CALLEE_HZ: f64 = 660.0;
const PATIENCE: Duration = Duration::from_secs(15);
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURED: Duration = Duration::from_secs(6);

/// How the relay treats each packet.
#[derive(Clone, Copy)]
struct Impairment {
    delay: Duration,
    jitter: Duration,
    loss: f64,
}

const MOBILE: Impairment = Impairment {
    delay: Duration::from_millis(60),
    jitter: Duration::from_millis(30),
    loss: 0.05,
};

const CLEAN: Impairment = Impairment {
    delay: Duration::ZERO,
    jitter: Duration::ZERO,
    loss: 0.0,
};

/// Two sockets, one facing each peer. What the caller sends to its socket
/// leaves by the callee's socket to the callee, and the other way round, late
/// or not at all; each peer thus sees the other at its own socket's address.
/// The peers' real addresses are learned from what they send.
struct LossyRelay {
    /// Handed to the caller in place of the callee's candidates.
    callers_side: SocketAddr,
    /// Handed to the callee in place of the caller's candidates.
    callees_side: SocketAddr,
    dropped: Arc<AtomicU64>,
    forwarded: Arc<AtomicU64>,
    /// Off: the path is gone (a phone that left its network).
    forwarding: Arc<AtomicBool>,
}

impl LossyRelay {
    async fn start(impairment: Impairment, seed: u64) -> LossyRelay {
        let callers_side = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let callees_side = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let relay = LossyRelay {
            callers_side: callers_side.local_addr().unwrap(),
            callees_side: callees_side.local_addr().unwrap(),
            dropped: Arc::default(),
            forwarded: Arc::default(),
            forwarding: Arc::new(AtomicBool::new(true)),
        };
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let caller: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let callee: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        for (inbound, outbound, sender, receiver) in [
            (
                callers_side.clone(),
                callees_side.clone(),
                caller.clone(),
                callee.clone(),
            ),
            (callees_side, callers_side, callee, caller),
        ] {
            let (rng, dropped, forwarded, forwarding) = (
                rng.clone(),
                relay.dropped.clone(),
                relay.forwarded.clone(),
                relay.forwarding.clone(),
            );
            tokio::spawn(async move {
                let mut buf = vec![0u8; 2048];
                while let Ok((len, from)) = inbound.recv_from(&mut buf).await {
                    if !forwarding.load(Ordering::Relaxed) {
                        continue;
                    }
                    *sender.lock().unwrap() = Some(from);
                    // Not heard from the other peer yet: lost, as on a network.
                    let Some(to) = *receiver.lock().unwrap() else {
                        continue;
                    };
                    let wait = {
                        let mut rng = rng.lock().unwrap();
                        if rng.random_bool(impairment.loss) {
                            dropped.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        let spread = impairment.jitter.as_secs_f64();
                        impairment.delay.as_secs_f64() + rng.random_range(-spread..=spread)
                    };
                    forwarded.fetch_add(1, Ordering::Relaxed);
                    let (packet, outbound) = (buf[..len].to_vec(), outbound.clone());
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                        let _ = outbound.send_to(&packet, to).await;
                    });
                }
            });
        }
        relay
    }

    fn stop_forwarding(&self) {
        self.forwarding.store(false, Ordering::Relaxed);
    }
}

/// A candidate as the browser JSON carries it, with its address replaced.
fn through(candidate_json: &str, relay: SocketAddr) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(candidate_json).unwrap();
    let line = value["candidate"].as_str()?.to_string();
    let mut fields: Vec<String> = line.split(' ').map(str::to_string).collect();
    // candidate:<foundation> <component> <udp> <priority> <ip> <port> typ <type> ...
    if fields.len() < 8 || !fields[2].eq_ignore_ascii_case("udp") || fields[7] != "host" {
        return None;
    }
    fields[4] = relay.ip().to_string();
    fields[5] = relay.port().to_string();
    value["candidate"] = fields.join(" ").into();
    Some(value.to_string())
}

/// The SDP with the candidates it may carry pointed at the relay (a restart
/// offer carries them all).
fn sdp_through(sdp: &str, relay: SocketAddr) -> String {
    sdp.split_inclusive('\n')
        .filter_map(|line| match line.strip_prefix("a=") {
            Some(candidate) if candidate.starts_with("candidate:") => {
                let json = serde_json::json!({"candidate": candidate.trim_end()}).to_string();
                let rewritten: serde_json::Value =
                    serde_json::from_str(&through(&json, relay)?).ok()?;
                Some(format!("a={}\r\n", rewritten["candidate"].as_str()?))
            }
            _ => Some(line.to_string()),
        })
        .collect()
}

/// Counts, among the frames played after `from`, those that carry `hz`.
struct ToneCounter {
    hz: f64,
    from: Mutex<Option<Instant>>,
    frames: AtomicU64,
    with_tone: AtomicU64,
}

impl ToneCounter {
    fn new(hz: f64) -> Arc<ToneCounter> {
        Arc::new(ToneCounter {
            hz,
            from: Mutex::new(None),
            frames: AtomicU64::new(0),
            with_tone: AtomicU64::new(0),
        })
    }

    fn count_from(&self, at: Instant) {
        *self.from.lock().unwrap() = Some(at);
    }

    fn reset(&self) {
        self.frames.store(0, Ordering::Relaxed);
        self.with_tone.store(0, Ordering::Relaxed);
    }

    fn share(&self) -> (u64, u64) {
        (
            self.with_tone.load(Ordering::Relaxed),
            self.frames.load(Ordering::Relaxed),
        )
    }
}

impl AudioDevice for ToneCounter {
    fn capture_frame(&self) -> Vec<i16> {
        vec![0; FRAME_SAMPLES]
    }

    fn play_frame(&self, pcm: Vec<i16>) {
        if !self
            .from
            .lock()
            .unwrap()
            .is_some_and(|from| Instant::now() >= from)
        {
            return;
        }
        self.frames.fetch_add(1, Ordering::Relaxed);
        // The tone's share of the frame's energy (Goertzel at `hz`).
        let samples: Vec<f64> = pcm.iter().map(|s| f64::from(*s) / 32768.0).collect();
        let energy: f64 = samples.iter().map(|s| s * s).sum();
        let w = 2.0 * std::f64::consts::PI * self.hz / f64::from(SAMPLE_RATE);
        let (mut s1, mut s2) = (0.0, 0.0);
        for x in &samples {
            let s0 = x + 2.0 * w.cos() * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
        let tone_energy = 2.0 * power / samples.len() as f64;
        if energy > 1e-4 && tone_energy / energy > 0.5 {
            self.with_tone.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Peer {
    session: Arc<MediaSession>,
    heard: Arc<ToneCounter>,
    state: watch::Receiver<MediaState>,
}

async fn peer(tone_hz: f64, hears: Arc<ToneCounter>) -> (Peer, UnboundedReceiver<MediaEvent>) {
    let device = CombinedDevice::new(Some(tone_source(tone_hz, 0.3)), vec![hears.clone()]);
    let (session, events) = MediaSession::new(MediaConfig::loopback(), Arc::new(device))
        .await
        .expect("a media session starts");
    let peer = Peer {
        session: Arc::new(session),
        heard: hears,
        state: watch::channel(MediaState::New).1,
    };
    (peer, events)
}

/// The relay address a peer's candidates are rewritten to; switching it is
/// the path moving to another port.
type Route = Arc<Mutex<SocketAddr>>;

/// Every state a session reported, with when.
type History = Arc<Mutex<Vec<(MediaState, Instant)>>>;

/// Hands `from`'s candidates to `to` through `route`'s relay address, and
/// its restart offers to `to` (and the answer back, through `back`), as the
/// call manager does through the server; records `from`'s states.
fn signal_through(
    mut events: UnboundedReceiver<MediaEvent>,
    from: Arc<MediaSession>,
    to: Arc<MediaSession>,
    route: Route,
    back: Route,
) -> (watch::Receiver<MediaState>, History) {
    let (state_tx, state_rx) = watch::channel(MediaState::New);
    let history: History = Arc::default();
    let seen = history.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                MediaEvent::LocalCandidate(json) => {
                    let relay = *route.lock().unwrap();
                    if let Some(rewritten) = through(&json, relay) {
                        let _ = to.add_remote_candidate(&rewritten).await;
                    }
                }
                MediaEvent::RestartOffer(offer) => {
                    let offer = sdp_through(&offer, *route.lock().unwrap());
                    let Ok(answer) = to.accept_offer(&offer).await else {
                        continue;
                    };
                    let answer = sdp_through(&answer, *back.lock().unwrap());
                    let _ = from.accept_answer(&answer).await;
                }
                MediaEvent::GatheringComplete => {}
                MediaEvent::ConnectionState(state) => {
                    seen.lock().unwrap().push((state, Instant::now()));
                    let _ = state_tx.send(state);
                }
            }
        }
    });
    (state_rx, history)
}

async fn wait_connected(peer: &mut Peer) {
    tokio::time::timeout(
        PATIENCE,
        peer.state.wait_for(|s| *s == MediaState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("the state is still reported");
}

/// A call between a 440 Hz caller and a 660 Hz callee through `relay`,
/// connected; the routes let a test move the path.
struct Call {
    caller: Peer,
    callee: Peer,
    caller_states: History,
    callee_states: History,
    /// Where the caller's candidates point the callee.
    to_callers_side: Route,
    /// Where the callee's candidates point the caller.
    to_callees_side: Route,
}

async fn call_through(relay: &LossyRelay) -> Call {
    let (mut caller, caller_events) = peer(CALLER_HZ, ToneCounter::new(CALLEE_HZ)).await;
    let (mut callee, callee_events) = peer(CALLEE_HZ, ToneCounter::new(CALLER_HZ)).await;
    // The callee reaches the caller at the relay's callee-side socket.
    let to_callers_side: Route = Arc::new(Mutex::new(relay.callees_side));
    let to_callees_side: Route = Arc::new(Mutex::new(relay.callers_side));
    let (caller_state, caller_states) = signal_through(
        caller_events,
        caller.session.clone(),
        callee.session.clone(),
        to_callers_side.clone(),
        to_callees_side.clone(),
    );
    let (callee_state, callee_states) = signal_through(
        callee_events,
        callee.session.clone(),
        caller.session.clone(),
        to_callees_side.clone(),
        to_callers_side.clone(),
    );
    caller.state = caller_state;
    callee.state = callee_state;

    let offer = caller.session.create_offer().await.unwrap();
    let offer = sdp_through(&offer, relay.callees_side);
    let answer = callee.session.accept_offer(&offer).await.unwrap();
    let answer = sdp_through(&answer, relay.callers_side);
    caller.session.accept_answer(&answer).await.unwrap();
    wait_connected(&mut caller).await;
    wait_connected(&mut callee).await;
    Call {
        caller,
        callee,
        caller_states,
        callee_states,
        to_callers_side,
        to_callees_side,
    }
}

/// When `history` first shows `state` at or after `since`.
fn first(history: &History, state: MediaState, since: Instant) -> Option<Instant> {
    history
        .lock()
        .unwrap()
        .iter()
        .find(|(s, at)| *s == state && *at >= since)
        .map(|(_, at)| *at)
}

async fn wait_for(
    history: &History,
    state: MediaState,
    since: Instant,
    within: Duration,
) -> Instant {
    let deadline = Instant::now() + within;
    loop {
        if let Some(at) = first(history, state, since) {
            return at;
        }
        assert!(
            Instant::now() < deadline,
            "no {state:?} within {within:?}: {:?}",
            history.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Both ends hear each other in most of the next second's frames.
async fn both_hear(call: &Call) {
    let from = Instant::now() + Duration::from_millis(300);
    for peer in [&call.caller, &call.callee] {
        peer.heard.reset();
        peer.heard.count_from(from);
    }
    tokio::time::sleep(Duration::from_millis(1300)).await;
    for (name, peer) in [("caller", &call.caller), ("callee", &call.callee)] {
        let (with_tone, frames) = peer.heard.share();
        assert!(
            frames >= 40 && with_tone * 10 >= frames * 9,
            "{name}: tone in {with_tone} of {frames}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_over_a_lossy_jittery_network_is_heard_at_both_ends() {
    let relay = LossyRelay::start(MOBILE, 20_261_203).await;
    let Call { caller, callee, .. } = call_through(&relay).await;

    // The first second is for the jitter buffer to learn the network.
    let from = Instant::now() + WARM_UP;
    caller.heard.count_from(from);
    callee.heard.count_from(from);
    tokio::time::sleep(WARM_UP + MEASURED).await;

    let dropped = relay.dropped.load(Ordering::Relaxed);
    let forwarded = relay.forwarded.load(Ordering::Relaxed);
    for (name, peer) in [("caller", &caller), ("callee", &callee)] {
        let (with_tone, frames) = peer.heard.share();
        let stats = peer.session.stats().await;
        println!(
            "{name}: tone in {with_tone} of {frames} frames ({:.1} %); playout delay \
             {:.0} ms, {} frames concealed, {} late packets; relay dropped {dropped} of {}",
            100.0 * with_tone as f64 / frames.max(1) as f64,
            stats.playout_delay_ms,
            stats.concealed_frames,
            stats.late_packets,
            dropped + forwarded,
        );
        // One frame per 20 ms tick was played (give or take the clock).
        let expected = MEASURED.as_millis() as u64 / 20;
        assert!(frames >= expected * 9 / 10, "{name} played {frames} frames");
        assert!(
            with_tone * 100 >= frames * 95,
            "{name} heard the tone in {with_tone} of {frames} frames"
        );
        assert!(
            stats.concealed_frames > 0,
            "5 % loss and nothing concealed?"
        );
        // Reordering is absorbed: hardly a packet comes after its turn.
        assert!(stats.late_packets * 50 <= frames, "{stats:?}");
        assert!(stats.playout_delay_ms <= 200.0, "{stats:?}");
    }
    assert!(dropped > 0, "the relay lost nothing");
    caller.session.close().await;
    callee.session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_path_is_found_again_through_an_ice_restart() {
    let old = LossyRelay::start(CLEAN, 1).await;
    let call = call_through(&old).await;
    both_hear(&call).await;

    // The path moves: the old relay goes dark, a new port takes over.
    let new = LossyRelay::start(CLEAN, 2).await;
    *call.to_callers_side.lock().unwrap() = new.callees_side;
    *call.to_callees_side.lock().unwrap() = new.callers_side;
    let lost = Instant::now();
    old.stop_forwarding();

    for (name, states) in [
        ("caller", &call.caller_states),
        ("callee", &call.callee_states),
    ] {
        let noticed = wait_for(
            states,
            MediaState::Disconnected,
            lost,
            Duration::from_secs(5),
        )
        .await;
        let back = wait_for(states, MediaState::Connected, lost, Duration::from_secs(10)).await;
        println!(
            "{name}: reconnecting {:.1} s after the loss, connected again {:.1} s after it",
            (noticed - lost).as_secs_f64(),
            (back - lost).as_secs_f64()
        );
        assert!(first(states, MediaState::Failed, lost).is_none());
    }
    assert!(
        new.forwarded.load(Ordering::Relaxed) > 0,
        "the new path carries nothing"
    );
    both_hear(&call).await;
    call.caller.session.close().await;
    call.callee.session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_that_does_not_come_back_fails_on_both_ends_within_10_s() {
    let relay = LossyRelay::start(CLEAN, 3).await;
    let call = call_through(&relay).await;
    both_hear(&call).await;

    let lost = Instant::now();
    relay.stop_forwarding();
    for (name, states) in [
        ("caller", &call.caller_states),
        ("callee", &call.callee_states),
    ] {
        let failed = wait_for(states, MediaState::Failed, lost, Duration::from_secs(10)).await;
        println!(
            "{name}: failed {:.1} s after the loss",
            (failed - lost).as_secs_f64()
        );
        assert!(first(states, MediaState::Disconnected, lost).is_some_and(|at| at < failed));
    }
}

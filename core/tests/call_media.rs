//! Two media sessions in one process, connected over loopback with the
//! signalling handed across directly. Audio is checked by content: each side
//! sends a tone and the other must hear that frequency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cs_core::call::audio::{AudioAnalyser, SILENCE_RMS, tone_source};
use cs_core::call::{CallError, CombinedDevice, MediaConfig, MediaEvent, MediaSession, MediaState};
use tokio::sync::{mpsc::UnboundedReceiver, watch};

const CALLER_HZ: f64 = 440.0;
const CALLEE_HZ: f64 = 660.0;
const PATIENCE: Duration = Duration::from_secs(10);

struct Peer {
    session: Arc<MediaSession>,
    heard: Arc<AudioAnalyser>,
    state: watch::Receiver<MediaState>,
}

impl Peer {
    async fn new(tone_hz: f64) -> (Self, UnboundedReceiver<MediaEvent>) {
        let heard = Arc::new(AudioAnalyser::new());
        let device = CombinedDevice::new(Some(tone_source(tone_hz, 0.3)), vec![heard.clone()]);
        let (session, events) = MediaSession::new(MediaConfig::loopback(), Arc::new(device))
            .await
            .expect("a media session starts");
        let (_, state) = watch::channel(MediaState::New);
        let peer = Peer {
            session: Arc::new(session),
            heard,
            state,
        };
        (peer, events)
    }

    async fn wait_for_state(&mut self, wanted: impl Fn(MediaState) -> bool) -> MediaState {
        let state = tokio::time::timeout(PATIENCE, self.state.wait_for(|s| wanted(*s)))
            .await
            .expect("the state changes in time")
            .expect("the state is still reported");
        *state
    }

    async fn wait_to_hear(&self, hz: f64) {
        wait_to_hear(&self.heard, hz).await
    }
}

/// Waits until `analyser` hears `hz` (within 5 Hz).
async fn wait_to_hear(analyser: &AudioAnalyser, hz: f64) {
    let start = Instant::now();
    loop {
        let report = analyser.report();
        if report
            .dominant_hz
            .is_some_and(|heard| (heard - hz).abs() <= 5.0)
        {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "{hz} Hz never arrived; last heard {report:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Relays `from`'s candidates to `to` and publishes `from`'s state.
fn relay(
    mut events: UnboundedReceiver<MediaEvent>,
    to: Arc<MediaSession>,
) -> watch::Receiver<MediaState> {
    let (state_tx, state_rx) = watch::channel(MediaState::New);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                MediaEvent::LocalCandidate(json) => {
                    // The JSON browsers exchange, with a real mid.
                    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
                    assert!(
                        value["candidate"]
                            .as_str()
                            .unwrap()
                            .starts_with("candidate:")
                    );
                    assert_ne!(value["sdpMid"], "", "candidate without a mid: {json}");
                    assert_eq!(value["sdpMLineIndex"], 0);
                    let _ = to.add_remote_candidate(&json).await;
                }
                // One path only: these tests never lose it.
                MediaEvent::GatheringComplete | MediaEvent::RestartOffer(_) => {}
                MediaEvent::ConnectionState(state) => {
                    let _ = state_tx.send(state);
                }
            }
        }
    });
    state_rx
}

/// Caller sends 440 Hz, callee 660 Hz; returns once both are connected.
async fn connected_call() -> (Peer, Peer) {
    let (mut caller, caller_events) = Peer::new(CALLER_HZ).await;
    let (mut callee, callee_events) = Peer::new(CALLEE_HZ).await;
    caller.state = relay(caller_events, callee.session.clone());
    callee.state = relay(callee_events, caller.session.clone());

    let offer = caller.session.create_offer().await.unwrap();
    assert!(offer.contains("opus/48000/2"), "offer: {offer}");
    let answer = callee.session.accept_offer(&offer).await.unwrap();
    caller.session.accept_answer(&answer).await.unwrap();

    caller.wait_for_state(|s| s == MediaState::Connected).await;
    callee.wait_for_state(|s| s == MediaState::Connected).await;
    (caller, callee)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_hears_the_others_tone() {
    let (caller, callee) = connected_call().await;

    callee.wait_to_hear(CALLER_HZ).await;
    caller.wait_to_hear(CALLEE_HZ).await;
    assert!(caller.heard.first_sound_at().is_some());

    let stats = callee.session.stats().await;
    assert!(stats.packets_received > 0, "{stats:?}");
    assert!(stats.packets_sent > 0, "{stats:?}");
    assert!(stats.jitter_ms.unwrap_or(0.0) < 100.0, "{stats:?}");
    assert!(stats.rtt_ms.unwrap_or(0.0) < 100.0, "{stats:?}");
    let stats = caller.session.stats().await;
    assert!(stats.packets_received > 0, "{stats:?}");

    caller.session.close().await;
    callee.session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_sends_silence_and_unmute_brings_the_tone_back() {
    let (caller, callee) = connected_call().await;
    callee.wait_to_hear(CALLER_HZ).await;

    caller.session.set_muted(true);
    assert!(caller.session.is_muted());
    tokio::time::sleep(Duration::from_millis(300)).await; // frames in flight
    callee.heard.reset();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let report = callee.heard.report();
    assert!(
        report.frames >= 10,
        "the stream goes on while muted: {report:?}"
    );
    assert_eq!(report.sounding_frames, 0, "heard while muted: {report:?}");
    assert!(report.rms <= SILENCE_RMS);
    // The other direction is not affected.
    caller.wait_to_hear(CALLEE_HZ).await;

    caller.session.set_muted(false);
    callee.wait_to_hear(CALLER_HZ).await;

    caller.session.close().await;
    callee.session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_ends_the_media_on_both_sides() {
    let (mut caller, mut callee) = connected_call().await;
    callee.wait_to_hear(CALLER_HZ).await;

    caller.session.close().await;
    assert_eq!(caller.session.state(), MediaState::Closed);
    caller.wait_for_state(|s| s == MediaState::Closed).await;
    assert!(matches!(
        caller.session.create_offer().await,
        Err(CallError::Closed)
    ));

    // Nothing more reaches the callee.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let frames = callee.heard.report().frames;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(callee.heard.report().frames, frames, "audio after close");

    callee.session.close().await;
    callee.wait_for_state(|s| s == MediaState::Closed).await;
    callee.session.close().await; // twice is fine
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signalling_is_refused_with_typed_errors() {
    let (peer, _events) = Peer::new(CALLER_HZ).await;
    assert!(matches!(
        peer.session.accept_answer("v=0 nonsense").await,
        Err(CallError::InvalidSdp { .. })
    ));
    assert!(matches!(
        peer.session.add_remote_candidate("not json").await,
        Err(CallError::InvalidCandidate { .. })
    ));
    peer.session.close().await;
}

/// Collects `events`' candidates until gathering completes.
async fn gathered(events: &mut UnboundedReceiver<MediaEvent>) -> Vec<String> {
    let mut candidates = Vec::new();
    loop {
        let event = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .expect("gathering completes in time")
            .expect("events still flow");
        match event {
            MediaEvent::LocalCandidate(json) => candidates.push(json),
            MediaEvent::GatheringComplete => return candidates,
            MediaEvent::ConnectionState(_) | MediaEvent::RestartOffer(_) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_that_overtake_the_offer_or_answer_are_kept() {
    let (mut caller, mut caller_events) = Peer::new(CALLER_HZ).await;
    let (mut callee, mut callee_events) = Peer::new(CALLEE_HZ).await;

    let offer = caller.session.create_offer().await.unwrap();
    let caller_candidates = gathered(&mut caller_events).await;
    assert!(!caller_candidates.is_empty());
    // The signalling delivers the candidates before the offer.
    for json in &caller_candidates {
        callee.session.add_remote_candidate(json).await.unwrap();
    }
    let answer = callee.session.accept_offer(&offer).await.unwrap();
    let callee_candidates = gathered(&mut callee_events).await;
    for json in &callee_candidates {
        caller.session.add_remote_candidate(json).await.unwrap();
    }
    caller.state = relay(caller_events, callee.session.clone());
    callee.state = relay(callee_events, caller.session.clone());
    caller.session.accept_answer(&answer).await.unwrap();

    caller.wait_for_state(|s| s == MediaState::Connected).await;
    callee.wait_for_state(|s| s == MediaState::Connected).await;
    callee.wait_to_hear(CALLER_HZ).await;

    caller.session.close().await;
    callee.session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_only_without_a_turn_server_is_refused() {
    let config = MediaConfig {
        relay_only: true,
        ..MediaConfig::loopback()
    };
    let device = Arc::new(CombinedDevice::new(None, vec![]));
    assert!(matches!(
        MediaSession::new(config, device).await.err(),
        Some(CallError::InvalidConfig { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wav_file_played_into_a_call_is_recorded_at_the_far_end() {
    use cs_core::call::AudioDevice;
    use cs_core::call::audio::{FRAME_SAMPLES, ToneSource, WavEnd, WavRecorder, WavSource};

    let dir = tempfile::tempdir().unwrap();
    let prompt = dir.path().join("prompt.wav");
    let recording = dir.path().join("recording.wav");
    // A one-second 660 Hz prompt.
    let writer = WavRecorder::create(&prompt).unwrap();
    let tone = ToneSource::new(CALLEE_HZ, 0.3);
    for _ in 0..50 {
        writer.play_frame(tone.capture_frame());
    }
    writer.finish().unwrap();

    let source: Arc<dyn AudioDevice> = Arc::new(WavSource::open(&prompt, WavEnd::Loop).unwrap());
    let (player, player_events) = MediaSession::new(
        MediaConfig::loopback(),
        Arc::new(CombinedDevice::new(Some(source), vec![])),
    )
    .await
    .unwrap();
    let recorder = Arc::new(WavRecorder::create(&recording).unwrap());
    let heard = Arc::new(AudioAnalyser::new());
    let listener_device = CombinedDevice::new(None, vec![recorder.clone(), heard.clone()]);
    let (listener, listener_events) =
        MediaSession::new(MediaConfig::loopback(), Arc::new(listener_device))
            .await
            .unwrap();
    let (player, listener) = (Arc::new(player), Arc::new(listener));
    let _ = relay(player_events, listener.clone());
    let _ = relay(listener_events, player.clone());
    let offer = player.create_offer().await.unwrap();
    let answer = listener.accept_offer(&offer).await.unwrap();
    player.accept_answer(&answer).await.unwrap();

    wait_to_hear(&heard, CALLEE_HZ).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    player.close().await;
    listener.close().await;
    recorder.finish().unwrap();

    // The recording holds the prompt's tone.
    let played_back = WavSource::open(&recording, WavEnd::Silence).unwrap();
    assert!(played_back.len_samples() >= 25 * FRAME_SAMPLES);
    let check = AudioAnalyser::new();
    for _ in 0..played_back.len_samples() / FRAME_SAMPLES {
        check.play_frame(played_back.capture_frame());
    }
    let report = check.report();
    let found = report.dominant_hz.expect("the recording ends in sound");
    assert!((found - CALLEE_HZ).abs() <= 5.0, "{report:?}");
}

//! One WebRTC peer connection per call, carrying one Opus voice track each
//! way (webrtc-rs 0.21 on its sans-I/O `rtc` core, libopus through `opus`).
//!
//! The call manager drives it with strings it relays over the server's
//! WebSocket:
//!
//! ```text
//!  caller                                   callee
//!  MediaSession::new ─ create_offer() ──sdp──▶ MediaSession::new ─ accept_offer(sdp)
//!  accept_answer(sdp) ◀─────────────sdp────── (returns the answer)
//!  MediaEvent::LocalCandidate(json) ──json──▶ add_remote_candidate(json)   (both ways)
//!  MediaEvent::ConnectionState(Connected): audio flows
//!  close()                                   close()
//! ```
//!
//! Audio: a 20 ms clock pulls a frame from the [`AudioDevice`], encodes it
//! and writes it to the local track; each received RTP packet is decoded and
//! handed to the device (see `audio_loop`).

mod audio_loop;
mod candidate;
pub(crate) mod jitter;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCOfferOptions;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceGatheringState, RTCIceServer, RTCIceTransportPolicy,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState, RTCSessionDescription, Registry,
    SettingEngine, SettingEngineBuilder, StatsSelector, register_default_interceptors,
};
use webrtc::rtp_transceiver::RtpSender;

use crate::call::audio::{AudioDevice, FRAME_DURATION, SAMPLE_RATE};
use crate::call::error::CallError;
use audio_loop::{AudioLoop, Controls, Inbound};
pub use candidate::IceCandidate;

/// Where to bind when the config names nothing: every interface. The
/// wildcard is expanded to the interfaces' addresses and skips loopback, so
/// two peers on one machine with no other interface need `127.0.0.1:0`.
const DEFAULT_BIND: &str = "0.0.0.0:0";
/// The payload type browsers use for Opus; any works, this one eases reading
/// SDP side by side.
const OPUS_PAYLOAD_TYPE: u8 = 111;
const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);
const ICE_KEEPALIVE: Duration = Duration::from_millis(500);
const ICE_DISCONNECTED_AFTER: Duration = Duration::from_secs(2);
/// Later than the recovery's own deadline, which decides.
const ICE_FAILED_AFTER: Duration = Duration::from_secs(20);

/// A STUN or TURN server, as the server's configuration hands it out (TURN
/// with time-limited coturn REST-API credentials). TURN works over UDP only:
/// `turns:` and `?transport=tcp` URLs are skipped by webrtc-rs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: Option<String>,
    pub credential: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaConfig {
    pub ice_servers: Vec<IceServer>,
    /// Use TURN relays only (hides the device's addresses from the peer).
    pub relay_only: bool,
    /// Local UDP addresses to gather host candidates on; empty means every
    /// interface (`0.0.0.0:0`). Tests on one machine use `127.0.0.1:0`.
    pub bind_addresses: Vec<String>,
}

impl MediaConfig {
    /// Host candidates on loopback only, no servers: two sessions in one
    /// process or on one machine.
    pub fn loopback() -> Self {
        MediaConfig {
            bind_addresses: vec!["127.0.0.1:0".into()],
            ..Self::default()
        }
    }
}

/// The peer connection's state, as the call screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaState {
    New,
    Connecting,
    Connected,
    /// Lost for now; ICE may recover on its own.
    Disconnected,
    Failed,
    Closed,
}

impl From<RTCPeerConnectionState> for MediaState {
    fn from(state: RTCPeerConnectionState) -> Self {
        match state {
            RTCPeerConnectionState::Connecting => MediaState::Connecting,
            RTCPeerConnectionState::Connected => MediaState::Connected,
            RTCPeerConnectionState::Disconnected => MediaState::Disconnected,
            RTCPeerConnectionState::Failed => MediaState::Failed,
            RTCPeerConnectionState::Closed => MediaState::Closed,
            _ => MediaState::New,
        }
    }
}

/// What a session tells its call manager, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaEvent {
    /// A local candidate to send to the peer, in browser JSON form
    /// (`{"candidate", "sdpMid", "sdpMLineIndex"}`).
    LocalCandidate(String),
    /// Every local candidate has been announced.
    GatheringComplete,
    ConnectionState(MediaState),
    /// The path was lost: send the peer this new offer (an ICE restart)
    /// as any offer, and apply its answer with `accept_answer`. Only the
    /// side that made the first offer makes these.
    RestartOffer(String),
}

/// Quality figures for the call screen and the call log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallStats {
    /// Round trip on the selected candidate pair (ICE consent checks).
    pub rtt_ms: Option<f64>,
    /// Interarrival jitter of the received audio.
    pub jitter_ms: Option<f64>,
    pub packets_lost: i64,
    pub packets_received: u64,
    pub packets_sent: u64,
    /// What the jitter buffer holds now, as time: the delay it adds.
    pub playout_delay_ms: f64,
    /// Frames played from concealment (lost, late or not yet arrived).
    pub concealed_frames: u64,
    /// Packets that arrived after their turn and were dropped.
    pub late_packets: u64,
}

/// The media of one call.
pub struct MediaSession {
    peer: Arc<dyn PeerConnection>,
    shared: Arc<Shared>,
    audio: Mutex<AudioLoop>,
}

/// What the session and its event handler share.
struct Shared {
    controls: Arc<Controls>,
    events: UnboundedSender<MediaEvent>,
    state: Mutex<MediaState>,
    /// The mid of our audio section, to stamp on local candidates.
    local_mid: Mutex<Option<String>>,
    /// Remote candidates that came before the remote description (the
    /// signalling may overtake it): applied right after it.
    early_candidates: tokio::sync::Mutex<Option<Vec<IceCandidate>>>,
    closed: AtomicBool,
    /// The peer connection, for the recovery task (set once built).
    peer: Mutex<Option<Weak<dyn PeerConnection>>>,
    /// This side made the first offer: it makes the restart offers.
    offerer: AtomicBool,
    /// Media flowed once: a loss from then on is recovered, not fatal.
    was_connected: AtomicBool,
    /// A recovery task is running.
    recovering: AtomicBool,
}

impl MediaSession {
    /// Builds the peer connection with one Opus track and starts the audio
    /// thread. Events arrive on the returned receiver until the session is
    /// closed. Must be called within a Tokio runtime (the core's).
    pub async fn new(
        config: MediaConfig,
        device: Arc<dyn AudioDevice>,
    ) -> Result<(Self, UnboundedReceiver<MediaEvent>), CallError> {
        if config.relay_only && !config.ice_servers.iter().any(has_turn_url) {
            return Err(CallError::InvalidConfig {
                message: "relay only, but no TURN server".into(),
            });
        }
        let (events, event_receiver) = unbounded_channel();
        let controls = Arc::new(Controls::default());
        let (encoded, encoded_frames) = unbounded_channel();
        let audio = AudioLoop::start(device, controls.clone(), encoded)?;
        let shared = Arc::new(Shared {
            controls,
            events,
            state: Mutex::new(MediaState::New),
            local_mid: Mutex::new(None),
            early_candidates: tokio::sync::Mutex::new(Some(Vec::new())),
            closed: Default::default(),
            peer: Mutex::new(None),
            offerer: Default::default(),
            was_connected: Default::default(),
            recovering: Default::default(),
        });

        let (media_engine, registry) = opus_only_engine()?;
        let bind = if config.bind_addresses.is_empty() {
            vec![DEFAULT_BIND.to_owned()]
        } else {
            config.bind_addresses.clone()
        };
        let peer = PeerConnectionBuilder::new()
            .with_configuration(rtc_configuration(&config))
            .with_media_engine(media_engine)
            .with_interceptor_registry(registry)
            .with_setting_engine(ice_timing())
            .with_handler(Arc::new(EventHandler {
                shared: shared.clone(),
                inbound: Mutex::new(audio.inbound.clone()),
            }))
            .with_udp_addrs(bind)
            .build()
            .await
            .map_err(|e| CallError::InvalidConfig {
                message: e.to_string(),
            })?;
        let peer: Arc<dyn PeerConnection> = Arc::new(peer);
        *lock(&shared.peer) = Some(Arc::downgrade(&peer));

        let ssrc = rand::random::<u32>();
        let track = Arc::new(
            TrackLocalStaticSample::new(Instant::now(), voice_track(ssrc))
                .map_err(CallError::media)?,
        );
        let sender = peer
            .add_track(track.clone() as Arc<dyn TrackLocal>)
            .await
            .map_err(CallError::media)?;
        tokio::spawn(send_encoded_frames(track, sender, ssrc, encoded_frames));

        Ok((
            MediaSession {
                peer,
                shared,
                audio: Mutex::new(audio),
            },
            event_receiver,
        ))
    }

    /// The caller's side: an SDP offer to send to the callee.
    pub async fn create_offer(&self) -> Result<String, CallError> {
        self.ensure_open()?;
        self.shared.offerer.store(true, Ordering::Release);
        let offer = self
            .peer
            .create_offer(None)
            .await
            .map_err(|e| CallError::WrongState {
                message: e.to_string(),
            })?;
        self.set_local(offer).await
    }

    /// The callee's side: applies the caller's offer and returns the answer
    /// to send back.
    pub async fn accept_offer(&self, offer_sdp: &str) -> Result<String, CallError> {
        self.ensure_open()?;
        let offer = RTCSessionDescription::offer(offer_sdp.to_owned()).map_err(invalid_sdp)?;
        self.set_remote(offer).await?;
        let answer = self
            .peer
            .create_answer(None)
            .await
            .map_err(|e| CallError::WrongState {
                message: e.to_string(),
            })?;
        self.set_local(answer).await
    }

    /// The caller's side: applies the callee's answer; media starts once
    /// ICE and DTLS complete.
    pub async fn accept_answer(&self, answer_sdp: &str) -> Result<(), CallError> {
        self.ensure_open()?;
        let answer = RTCSessionDescription::answer(answer_sdp.to_owned()).map_err(invalid_sdp)?;
        self.set_remote(answer).await
    }

    /// A candidate from the peer, in browser JSON form. Candidates that come
    /// before the offer/answer are kept and applied after it.
    pub async fn add_remote_candidate(&self, candidate_json: &str) -> Result<(), CallError> {
        self.ensure_open()?;
        let candidate = IceCandidate::from_json(candidate_json)?;
        {
            let mut early = self.shared.early_candidates.lock().await;
            if let Some(early) = early.as_mut() {
                early.push(candidate);
                return Ok(());
            }
        }
        self.apply_remote_candidate(candidate).await
    }

    /// Muted, the peer hears silence (the stream goes on, as in browsers).
    pub fn set_muted(&self, muted: bool) {
        self.shared.controls.muted.store(muted, Ordering::Release);
    }

    pub fn is_muted(&self) -> bool {
        self.shared.controls.muted.load(Ordering::Acquire)
    }

    pub fn state(&self) -> MediaState {
        *lock(&self.shared.state)
    }

    pub async fn stats(&self) -> CallStats {
        let report = self
            .peer
            .get_stats(Instant::now(), StatsSelector::None)
            .await;
        let mut stats = CallStats::default();
        for inbound in report.inbound_rtp_streams() {
            let received = &inbound.received_rtp_stream_stats;
            stats.packets_received += received.packets_received;
            stats.packets_lost += received.packets_lost;
            // rtc 0.21.1 reports the RTCP receiver-report value, in RTP
            // timestamp units (W3C says seconds): 48 units per millisecond.
            stats.jitter_ms = Some(received.jitter * 1000.0 / f64::from(SAMPLE_RATE));
        }
        for outbound in report.outbound_rtp_streams() {
            stats.packets_sent += outbound.sent_rtp_stream_stats.packets_sent;
        }
        let playout = *self.shared.controls.playout.lock().unwrap();
        stats.playout_delay_ms = playout.delay.as_secs_f64() * 1000.0;
        stats.concealed_frames = playout.concealed;
        stats.late_packets = playout.late;
        stats.rtt_ms = report
            .candidate_pairs()
            .filter(|pair| pair.current_round_trip_time > 0.0)
            .max_by_key(|pair| pair.packets_received)
            .map(|pair| pair.current_round_trip_time * 1000.0);
        stats
    }

    /// Ends the media: stops the audio thread, closes the peer connection
    /// (the peer sees it through ICE/DTLS) and reports `Closed`. Idempotent.
    pub async fn close(&self) {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared
            .controls
            .connected
            .store(false, Ordering::Release);
        lock(&self.audio).stop();
        if let Err(e) = self.peer.close().await {
            tracing::debug!("closing the peer connection: {e}");
        }
        self.shared.set_state(MediaState::Closed);
    }

    fn ensure_open(&self) -> Result<(), CallError> {
        if self.shared.closed.load(Ordering::Acquire) {
            Err(CallError::Closed)
        } else {
            Ok(())
        }
    }

    async fn set_local(&self, description: RTCSessionDescription) -> Result<String, CallError> {
        set_local(&self.shared, &*self.peer, description).await
    }

    async fn set_remote(&self, description: RTCSessionDescription) -> Result<(), CallError> {
        self.peer
            .set_remote_description(description)
            .await
            .map_err(invalid_sdp)?;
        let early = self.shared.early_candidates.lock().await.take();
        for candidate in early.unwrap_or_default() {
            if let Err(e) = self.apply_remote_candidate(candidate).await {
                tracing::debug!("an early remote candidate was refused: {e}");
            }
        }
        Ok(())
    }

    async fn apply_remote_candidate(&self, candidate: IceCandidate) -> Result<(), CallError> {
        self.peer
            .add_ice_candidate(candidate.into_init())
            .await
            .map_err(|e| CallError::InvalidCandidate {
                message: e.to_string(),
            })
    }
}

impl Drop for MediaSession {
    /// A session dropped without `close()` still stops its thread and, when
    /// a runtime is at hand, its peer connection.
    fn drop(&mut self) {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        lock(&self.audio).stop();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let peer = self.peer.clone();
            runtime.spawn(async move { peer.close().await });
        }
    }
}

async fn set_local(
    shared: &Shared,
    peer: &dyn PeerConnection,
    description: RTCSessionDescription,
) -> Result<String, CallError> {
    // Known before gathering starts, so every candidate gets it.
    *lock(&shared.local_mid) = candidate::first_media_mid(&description.sdp);
    peer.set_local_description(description)
        .await
        .map_err(|e| CallError::WrongState {
            message: e.to_string(),
        })?;
    peer.local_description()
        .await
        .map(|d| d.sdp)
        .ok_or_else(|| CallError::media("no local description after setting it"))
}

/// How long a lost path may take to come back before the media fails.
pub const RECOVERY_DEADLINE: Duration = Duration::from_secs(7);
/// A restart offer that brought nothing is made again after this.
const RESTART_EVERY: Duration = Duration::from_millis(2500);

/// A connected session lost its path: the offerer restarts ICE (new
/// credentials, new candidates, so a new network or port is found) and
/// offers again, every `RESTART_EVERY`, while both sides wait; not
/// connected again within `RECOVERY_DEADLINE`, the media fails.
async fn recover(shared: Arc<Shared>) {
    let started = Instant::now();
    let mut next_restart = started;
    while started.elapsed() < RECOVERY_DEADLINE {
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        if *lock(&shared.state) == MediaState::Connected {
            shared.recovering.store(false, Ordering::Release);
            return;
        }
        if shared.offerer.load(Ordering::Acquire) && Instant::now() >= next_restart {
            match restart_offer(&shared).await {
                Ok(sdp) => {
                    let _ = shared.events.send(MediaEvent::RestartOffer(sdp));
                }
                Err(e) => tracing::debug!("an ICE restart failed: {e}"),
            }
            next_restart = Instant::now() + RESTART_EVERY;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shared.recovering.store(false, Ordering::Release);
    if !shared.closed.load(Ordering::Acquire) && *lock(&shared.state) != MediaState::Connected {
        tracing::info!("the call's media path did not come back; giving up");
        shared.set_state(MediaState::Failed);
    }
}

async fn restart_offer(shared: &Shared) -> Result<String, CallError> {
    let peer = lock(&shared.peer)
        .as_ref()
        .and_then(Weak::upgrade)
        .ok_or(CallError::Closed)?;
    // The peer's new candidates may overtake its answer: hold them for it.
    *shared.early_candidates.lock().await = Some(Vec::new());
    peer.restart_ice().await.map_err(CallError::media)?;
    let offer = peer
        .create_offer(Some(RTCOfferOptions { ice_restart: true }))
        .await
        .map_err(|e| CallError::WrongState {
            message: e.to_string(),
        })?;
    set_local(shared, &*peer, offer).await
}

impl Shared {
    fn set_state(&self, state: MediaState) {
        let changed = {
            let mut current = lock(&self.state);
            let changed = *current != state;
            *current = state;
            changed
        };
        self.controls
            .connected
            .store(state == MediaState::Connected, Ordering::Release);
        if changed {
            let _ = self.events.send(MediaEvent::ConnectionState(state));
        }
    }
}

struct EventHandler {
    shared: Arc<Shared>,
    /// Received packets go to the audio thread.
    inbound: Mutex<std::sync::mpsc::Sender<Inbound>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for EventHandler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        let mid = lock(&self.shared.local_mid).clone();
        match event.candidate.to_json() {
            Ok(init) => {
                let json = IceCandidate::local(init, mid).to_json();
                let _ = self.shared.events.send(MediaEvent::LocalCandidate(json));
            }
            Err(e) => tracing::debug!("a local candidate cannot be signalled: {e}"),
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.shared.events.send(MediaEvent::GatheringComplete);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        let state = MediaState::from(state);
        let recovering = shared.recovering.load(Ordering::Acquire);
        match state {
            MediaState::Connected => {
                shared.was_connected.store(true, Ordering::Release);
                shared.set_state(state);
            }
            // Anything else after media flowed (the answerer sees its peer
            // restart as "connecting"): the path is lost for now.
            MediaState::New
            | MediaState::Connecting
            | MediaState::Disconnected
            | MediaState::Failed
                if shared.was_connected.load(Ordering::Acquire) =>
            {
                // Shown as Disconnected (the call screen's "Reconnecting")
                // until the path is back or the recovery gives up.
                shared.set_state(MediaState::Disconnected);
                if !shared.recovering.swap(true, Ordering::AcqRel) {
                    tokio::spawn(recover(shared.clone()));
                }
            }
            _ if recovering => {}
            _ => shared.set_state(state),
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let inbound = lock(&self.inbound).clone();
        // Read on a task of its own: this callback runs on the connection's
        // driver, which must keep going.
        tokio::spawn(forward_received_packets(track, inbound));
    }
}

async fn forward_received_packets(
    track: Arc<dyn TrackRemote>,
    inbound: std::sync::mpsc::Sender<Inbound>,
) {
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) => {
                if packet.payload.is_empty() {
                    continue;
                }
                let received = Inbound::Packet {
                    sequence: packet.header.sequence_number,
                    payload: packet.payload,
                };
                if inbound.send(received).is_err() {
                    return; // the session is closed
                }
            }
            TrackRemoteEvent::OnEnded => return,
            _ => {}
        }
    }
}

/// Writes each encoded frame to the track as a 20 ms sample. Ends when the
/// audio thread stops.
async fn send_encoded_frames(
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    mut frames: UnboundedReceiver<Bytes>,
) {
    let mut payload_type = None;
    while let Some(data) = frames.recv().await {
        // Known once negotiated; the packet must carry what was agreed.
        if payload_type.is_none() {
            payload_type = negotiated_payload_type(&*sender).await;
        }
        let Some(payload_type) = payload_type else {
            continue;
        };
        let sample = Sample {
            data,
            duration: FRAME_DURATION,
            ..Sample::new(Instant::now())
        };
        if let Err(e) = track.write_sample(ssrc, payload_type, &sample, &[]).await {
            tracing::debug!("sending an audio frame failed: {e}");
        }
    }
}

async fn negotiated_payload_type(sender: &dyn RtpSender) -> Option<u8> {
    let parameters = sender.get_parameters().await.ok()?;
    parameters
        .rtp_parameters
        .codecs
        .first()
        .map(|codec| codec.payload_type)
}

fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: "audio/opus".to_owned(),
        clock_rate: SAMPLE_RATE,
        // SDP always says opus/48000/2 (RFC 7587); the stream itself is mono.
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// A media engine that offers and accepts Opus only, with the default
/// interceptors (RTCP reports, which feed the statistics; NACK; TWCC).
fn opus_only_engine() -> Result<(MediaEngine, Registry), CallError> {
    let mut media_engine = MediaEngine::default();
    media_engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: opus_codec(),
                payload_type: OPUS_PAYLOAD_TYPE,
            },
            RtpCodecKind::Audio,
        )
        .map_err(CallError::media)?;
    let registry = register_default_interceptors(Registry::new(), &mut media_engine)
        .map_err(CallError::media)?;
    Ok((media_engine, registry))
}

fn voice_track(ssrc: u32) -> MediaStreamTrack {
    MediaStreamTrack::new(
        "cs-call".to_owned(),
        "cs-voice".to_owned(),
        "voice".to_owned(),
        RtpCodecKind::Audio,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec: opus_codec(),
            ..Default::default()
        }],
    )
}

/// ICE timing tuned for time to first audio:
/// - connectivity checks every 50 ms (RFC 8445's Ta, as browsers pace them)
///   instead of webrtc-rs's 200 ms; forty attempts keep a pair tried for 2 s;
/// - no wait before nominating a peer-reflexive pair (webrtc-rs waits 1 s).
///   With trickle ICE the peer's checks often arrive before its candidate
///   does through the signalling, so its address is first learned as
///   peer-reflexive; it is the same address, and waiting for "something
///   better" cost a whole second in about one call in ten;
/// - and for a lost path (a phone that left its Wi-Fi): keep-alives every
///   500 ms, so 2 s of silence marks it disconnected and the recovery (ICE
///   restart) begins, instead of webrtc-rs's 5 s.
fn ice_timing() -> SettingEngine {
    SettingEngineBuilder::new()
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(40))
        .with_prflx_acceptance_min_wait(Some(Duration::ZERO))
        .with_ice_timeouts(
            Some(ICE_DISCONNECTED_AFTER),
            Some(ICE_FAILED_AFTER),
            Some(ICE_KEEPALIVE),
        )
        .build()
}

fn rtc_configuration(config: &MediaConfig) -> webrtc::peer_connection::RTCConfiguration {
    let ice_servers = config
        .ice_servers
        .iter()
        .map(|server| RTCIceServer {
            urls: server.urls.clone(),
            username: server.username.clone().unwrap_or_default(),
            credential: server.credential.clone().unwrap_or_default(),
        })
        .collect();
    let policy = if config.relay_only {
        RTCIceTransportPolicy::Relay
    } else {
        RTCIceTransportPolicy::All
    };
    RTCConfigurationBuilder::new()
        .with_ice_servers(ice_servers)
        .with_ice_transport_policy(policy)
        .build()
}

fn has_turn_url(server: &IceServer) -> bool {
    server.urls.iter().any(|url| url.starts_with("turn:"))
}

fn invalid_sdp(e: impl std::fmt::Display) -> CallError {
    CallError::InvalidSdp {
        message: e.to_string(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

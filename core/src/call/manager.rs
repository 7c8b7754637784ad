//! The call manager: places, answers, declines and ends calls through the
//! server's REST API, follows their state from the WebSocket, relays
//! signalling, and runs one `MediaSession` per call.
//!
//! ```text
//!  caller device                     server                    callee device
//!  place ── POST /v1/calls ──────────▶ ringing ── call_ringing ──▶ Ringing
//!                                                    accept ◀── POST accept
//!  Connecting ◀── call_updated(accepted) ─┘  (the callee's media starts)
//!  offer ─────────── call_signal ─────────────────────────────▶ answer
//!  candidates ◀───────────── call_signal (both ways) ──────────▶
//!  Connected: audio flows; either side hangs up ─▶ call_updated(ended)
//! ```
//!
//! Signalling can overtake the REST answer that creates the callee's
//! session (the offer follows `call_updated` at once), so signals for a call
//! without media yet are kept and applied when it starts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use protocol as wire;
use reqwest::Method;
use tokio::sync::mpsc::UnboundedReceiver;
use uuid::Uuid;

use super::audio::AudioDevice;
use super::media::{IceCandidate, IceServer, MediaConfig, MediaEvent, MediaSession, MediaState};
use super::{CallStats, silent_device};
use crate::client::Inner;
use crate::error::CoreError;

/// Which way a call goes, from this device's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CallDirection {
    Outgoing,
    Incoming,
}

/// Where a call is, as the call screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CallPhase {
    /// Ringing the other side (outgoing) or this device (incoming).
    Ringing,
    /// Answered; audio is being connected.
    Connecting,
    /// Audio flows.
    Connected,
    /// The network dropped; ICE is trying to recover.
    Reconnecting,
    /// Over: `outcome` is `ended`, `declined`, `missed`, `cancelled`,
    /// `answered_elsewhere` or `failed`.
    Ended { outcome: String },
}

/// One call, ready for the call screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CallInfo {
    pub id: String,
    pub ticket_id: String,
    pub direction: CallDirection,
    pub phase: CallPhase,
    /// Who is calling (incoming calls).
    pub caller_name: Option<String>,
    pub ticket_subject: Option<String>,
    pub muted: bool,
}

/// Live quality figures of a call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CallQuality {
    pub rtt_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub packets_lost: i64,
    pub packets_received: u64,
    pub packets_sent: u64,
    /// The delay the jitter buffer adds now.
    pub playout_delay_ms: f64,
    /// Frames concealed (lost, late or not yet arrived).
    pub concealed_frames: u64,
}

impl From<CallStats> for CallQuality {
    fn from(s: CallStats) -> Self {
        CallQuality {
            rtt_ms: s.rtt_ms,
            jitter_ms: s.jitter_ms,
            packets_lost: s.packets_lost,
            packets_received: s.packets_received,
            packets_sent: s.packets_sent,
            playout_delay_ms: s.playout_delay_ms,
            concealed_frames: s.concealed_frames,
        }
    }
}

/// Told of every change to the calls of this client.
#[uniffi::export(foreign)]
pub trait CallListener: Send + Sync {
    /// The calls as they should be shown now: live ones, and ones that just
    /// ended (shown once in `Ended`, then gone).
    fn on_calls(&self, calls: Vec<CallInfo>);
}

/// A call this device is in (or is being rung for).
struct ActiveCall {
    call: wire::Call,
    direction: CallDirection,
    caller_name: Option<String>,
    ticket_subject: Option<String>,
    ice_servers: Vec<wire::IceServer>,
    /// The audio device for the call, once placed or answered here.
    device: Option<Arc<dyn AudioDevice>>,
    media: Option<Arc<MediaSession>>,
    media_state: MediaState,
    /// Signals that came before the media session.
    early_signals: Vec<wire::Signal>,
    muted: bool,
    /// This device is answering (or answered) the call: an accepted state
    /// then means "ours", not "answered elsewhere".
    answering: bool,
    /// When this device's media started (answer, or the callee's answer).
    answered_at: Option<Instant>,
    /// Why it ended when the server's state does not say (failed media).
    local_outcome: Option<&'static str>,
    /// The signed-in user, for incoming calls: a call still ringing others
    /// but no longer them (they declined on another device) stops ringing.
    me: Option<Uuid>,
}

impl ActiveCall {
    fn new(call: wire::Call, direction: CallDirection) -> Self {
        ActiveCall {
            call,
            direction,
            caller_name: None,
            ticket_subject: None,
            ice_servers: Vec::new(),
            device: None,
            media: None,
            media_state: MediaState::New,
            early_signals: Vec::new(),
            muted: false,
            answering: false,
            answered_at: None,
            local_outcome: None,
            me: None,
        }
    }

    fn info(&self) -> CallInfo {
        CallInfo {
            id: self.call.id.to_string(),
            ticket_id: self.call.ticket_id.to_string(),
            direction: self.direction,
            phase: self.phase(),
            caller_name: self.caller_name.clone(),
            ticket_subject: self.ticket_subject.clone(),
            muted: self.muted,
        }
    }

    fn phase(&self) -> CallPhase {
        use wire::CallState as S;
        if let Some(outcome) = self.local_outcome {
            return CallPhase::Ended {
                outcome: outcome.into(),
            };
        }
        match self.call.state {
            // Declined by this user on another device; others still rung.
            S::Ringing
                if self.direction == CallDirection::Incoming
                    && self.me.is_some_and(|me| !self.call.ringing.contains(&me)) =>
            {
                ended("declined")
            }
            S::Ringing => CallPhase::Ringing,
            // Answered on another device of this user, or by a colleague.
            S::Accepted if self.direction == CallDirection::Incoming && !self.answering => {
                ended("answered_elsewhere")
            }
            S::Accepted => match self.media_state {
                MediaState::Connected => CallPhase::Connected,
                MediaState::Disconnected => CallPhase::Reconnecting,
                _ => CallPhase::Connecting,
            },
            S::Declined => ended("declined"),
            S::Missed => ended("missed"),
            S::Cancelled => ended("cancelled"),
            S::Ended => ended("ended"),
        }
    }
}

fn ended(outcome: &str) -> CallPhase {
    CallPhase::Ended {
        outcome: outcome.into(),
    }
}

/// The calls of one client.
#[derive(Default)]
pub struct CallManager {
    calls: Mutex<HashMap<Uuid, ActiveCall>>,
    listeners: Mutex<HashMap<u64, Arc<dyn CallListener>>>,
    next_listener: std::sync::atomic::AtomicU64,
    /// Where media binds and whether it may only use relays.
    media_config: Mutex<MediaConfig>,
}

impl CallManager {
    /// Bind addresses and relay-only mode for new calls' media (tests bind
    /// to loopback; `relay_only` forces TURN).
    pub fn configure_media(&self, bind_addresses: Vec<String>, relay_only: bool) {
        let mut config = self.media_config.lock().unwrap();
        config.bind_addresses = bind_addresses;
        config.relay_only = relay_only;
    }

    pub fn add_listener(&self, listener: Arc<dyn CallListener>) -> u64 {
        let id = self
            .next_listener
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        listener.on_calls(self.snapshot());
        self.listeners.lock().unwrap().insert(id, listener);
        id
    }

    pub fn remove_listener(&self, id: u64) {
        self.listeners.lock().unwrap().remove(&id);
    }

    /// The calls as listeners see them.
    pub fn snapshot(&self) -> Vec<CallInfo> {
        let calls = self.calls.lock().unwrap();
        let mut infos: Vec<CallInfo> = calls.values().map(ActiveCall::info).collect();
        infos.sort_by(|a, b| a.id.cmp(&b.id));
        infos
    }

    pub fn info(&self, id: Uuid) -> Option<CallInfo> {
        self.calls.lock().unwrap().get(&id).map(ActiveCall::info)
    }

    /// Tells listeners, then forgets calls that are over (they were shown
    /// once as ended).
    fn publish(&self) {
        let infos = self.snapshot();
        let listeners: Vec<Arc<dyn CallListener>> =
            self.listeners.lock().unwrap().values().cloned().collect();
        for listener in listeners {
            listener.on_calls(infos.clone());
        }
        self.calls
            .lock()
            .unwrap()
            .retain(|_, c| !matches!(c.phase(), CallPhase::Ended { .. }));
    }

    // ---- what the app does ----

    /// Places a call on a ticket; the device plays and records its audio.
    pub async fn place(
        &self,
        inner: &Inner,
        token: &str,
        ticket_id: Uuid,
        device: Arc<dyn AudioDevice>,
    ) -> Result<CallInfo, CoreError> {
        let body = wire::PlaceCall {
            ticket_id,
            id: Some(Uuid::now_v7()),
        };
        let (_, session): (_, wire::CallSession) = inner
            .api
            .send(Method::POST, "/v1/calls", Some(token), Some(&body))
            .await?;
        let id = session.call.id;
        let mut call = ActiveCall::new(session.call, CallDirection::Outgoing);
        call.ice_servers = session.ice_servers;
        call.device = Some(device);
        self.calls.lock().unwrap().insert(id, call);
        let info = self.info(id).expect("just inserted");
        self.publish();
        Ok(info)
    }

    /// Answers a call ringing this device and starts its media.
    pub async fn accept(
        self: &Arc<Self>,
        inner: &Arc<Inner>,
        token: &str,
        id: Uuid,
        device: Arc<dyn AudioDevice>,
    ) -> Result<CallInfo, CoreError> {
        // Opened from a push, the app may not be connected yet; the caller's
        // offer comes over the socket, so answer only once it is up.
        wait_for_socket(inner).await?;
        let path = format!("/v1/calls/{id}/accept");
        // Marked before asking: the `accepted` event may arrive before the
        // answer, and must not read as "answered elsewhere".
        if let Some(call) = self.calls.lock().unwrap().get_mut(&id) {
            call.answering = true;
        }
        let answer: Result<(_, wire::CallSession), CoreError> = inner
            .api
            .send(Method::POST, &path, Some(token), None::<&()>)
            .await;
        let session = match answer {
            Ok((_, session)) => session,
            Err(e) => {
                if let Some(call) = self.calls.lock().unwrap().get_mut(&id) {
                    call.answering = false;
                }
                self.publish();
                return Err(e);
            }
        };
        {
            let mut calls = self.calls.lock().unwrap();
            let call = calls
                .entry(id)
                .or_insert_with(|| ActiveCall::new(session.call.clone(), CallDirection::Incoming));
            call.call = session.call;
            call.ice_servers = session.ice_servers;
            call.device = Some(device);
            call.answering = true;
        }
        self.start_media(inner, id).await?;
        self.publish();
        self.info(id).ok_or_else(call_gone)
    }

    pub async fn decline(&self, inner: &Inner, token: &str, id: Uuid) -> Result<(), CoreError> {
        let path = format!("/v1/calls/{id}/decline");
        let (_, call): (_, wire::Call) = inner
            .api
            .send(Method::POST, &path, Some(token), None::<&()>)
            .await?;
        self.update(call).await;
        Ok(())
    }

    /// Cancels, ends or declines, whichever fits; closes the media.
    pub async fn hang_up(&self, inner: &Inner, token: &str, id: Uuid) -> Result<(), CoreError> {
        let path = format!("/v1/calls/{id}/hangup");
        let result: Result<(_, wire::Call), CoreError> = inner
            .api
            .send(Method::POST, &path, Some(token), None::<&()>)
            .await;
        match result {
            Ok((_, call)) => self.update(call).await,
            // Whatever the server says, this device leaves the call.
            Err(e) => {
                self.fail(id, "ended").await;
                return Err(e);
            }
        }
        Ok(())
    }

    pub fn set_muted(&self, id: Uuid, muted: bool) -> Result<(), CoreError> {
        {
            let mut calls = self.calls.lock().unwrap();
            let call = calls.get_mut(&id).ok_or_else(call_gone)?;
            call.muted = muted;
            if let Some(media) = &call.media {
                media.set_muted(muted);
            }
        }
        self.publish();
        Ok(())
    }

    pub async fn quality(&self, id: Uuid) -> Result<CallQuality, CoreError> {
        let media = self
            .calls
            .lock()
            .unwrap()
            .get(&id)
            .ok_or_else(call_gone)?
            .media
            .clone();
        Ok(match media {
            Some(media) => media.stats().await.into(),
            None => CallStats::default().into(),
        })
    }

    /// How long from answer to connected audio, for the call log and the
    /// benchmark; `None` until connected.
    pub fn answered_at(&self, id: Uuid) -> Option<Instant> {
        self.calls.lock().unwrap().get(&id)?.answered_at
    }

    // ---- what the server says ----

    /// After (re)connecting: calls ringing this user that began while the
    /// socket was down (the app was just opened, say from a push) show as
    /// ringing; the WebSocket only tells of calls placed while it is up.
    pub async fn refresh_live(&self, inner: &Inner, token: &str) -> Result<(), CoreError> {
        let Some(me) = inner.me_uuid() else {
            return Ok(());
        };
        let (_, live): (_, Vec<wire::CallSession>) = inner
            .api
            .send(Method::GET, "/v1/calls", Some(token), None::<&()>)
            .await?;
        let mut added = false;
        {
            let mut calls = self.calls.lock().unwrap();
            for session in live {
                let ringing_me = session.call.state == wire::CallState::Ringing
                    && session.call.ringing.contains(&me);
                if ringing_me && !calls.contains_key(&session.call.id) {
                    let id = session.call.id;
                    let mut call = ActiveCall::new(session.call, CallDirection::Incoming);
                    call.me = Some(me);
                    call.ice_servers = session.ice_servers;
                    call.caller_name = session.caller_name;
                    call.ticket_subject = session.ticket_subject;
                    calls.insert(id, call);
                    added = true;
                }
            }
        }
        if added {
            self.publish();
        }
        Ok(())
    }

    /// Handles a call event from the WebSocket.
    pub async fn on_event(self: &Arc<Self>, inner: &Arc<Inner>, event: wire::ServerEvent) {
        match event {
            wire::ServerEvent::CallRinging {
                session,
                caller_name,
                ticket_subject,
            } => {
                let id = session.call.id;
                let mut call = ActiveCall::new(session.call, CallDirection::Incoming);
                call.me = inner.me_uuid();
                call.caller_name = Some(caller_name);
                call.ticket_subject = Some(ticket_subject);
                call.ice_servers = session.ice_servers;
                self.calls.lock().unwrap().entry(id).or_insert(call);
                self.publish();
            }
            wire::ServerEvent::CallUpdated { call } => {
                let id = call.id;
                let outgoing_answered = call.state == wire::CallState::Accepted
                    && self.calls.lock().unwrap().get(&id).is_some_and(|c| {
                        c.direction == CallDirection::Outgoing && c.media.is_none()
                    });
                self.update(call).await;
                if outgoing_answered {
                    if let Err(e) = self.start_media(inner, id).await {
                        tracing::warn!(error = %e, "could not start the call's media");
                        self.fail(id, "failed").await;
                    }
                    self.publish();
                }
            }
            wire::ServerEvent::CallSignal { call_id, signal } => {
                if let Err(e) = self.on_signal(inner, call_id, signal).await {
                    tracing::warn!(error = %e, "call signalling failed");
                }
            }
            _ => {}
        }
    }

    /// Takes the server's state of a call; a final one closes the media.
    async fn update(&self, call: wire::Call) {
        let id = call.id;
        let media = {
            let mut calls = self.calls.lock().unwrap();
            let Some(active) = calls.get_mut(&id) else {
                return;
            };
            active.call = call;
            if active.call.state.is_final() {
                active.media.take()
            } else {
                None
            }
        };
        if let Some(media) = media {
            media.close().await;
        }
        self.publish();
    }

    /// Ends a call on this device only (media failure, hang-up error).
    async fn fail(&self, id: Uuid, outcome: &'static str) {
        let media = {
            let mut calls = self.calls.lock().unwrap();
            let Some(active) = calls.get_mut(&id) else {
                return;
            };
            active.local_outcome = Some(outcome);
            active.media.take()
        };
        if let Some(media) = media {
            media.close().await;
        }
        self.publish();
    }

    /// Creates the call's media session; the caller's side sends the offer.
    async fn start_media(self: &Arc<Self>, inner: &Arc<Inner>, id: Uuid) -> Result<(), CoreError> {
        let (direction, ice_servers, device, muted) = {
            let calls = self.calls.lock().unwrap();
            let call = calls.get(&id).ok_or_else(call_gone)?;
            (
                call.direction,
                call.ice_servers.clone(),
                call.device.clone().unwrap_or_else(silent_device),
                call.muted,
            )
        };
        let mut config = self.media_config.lock().unwrap().clone();
        config.ice_servers = ice_servers
            .into_iter()
            .map(|s| IceServer {
                urls: s.urls,
                username: s.username,
                credential: s.credential,
            })
            .collect();
        let (media, events) = MediaSession::new(config, device).await?;
        media.set_muted(muted);
        let media = Arc::new(media);
        let early = {
            let mut calls = self.calls.lock().unwrap();
            let Some(call) = calls.get_mut(&id) else {
                return Err(call_gone());
            };
            call.media = Some(media.clone());
            call.answered_at = Some(Instant::now());
            std::mem::take(&mut call.early_signals)
        };
        tokio::spawn(pump_media_events(
            Arc::downgrade(self),
            Arc::downgrade(inner),
            id,
            events,
        ));
        if direction == CallDirection::Outgoing {
            let sdp = media.create_offer().await?;
            send_signal(inner, id, wire::Signal::Offer { sdp })?;
        }
        for signal in early {
            self.apply_signal(inner, &media, id, signal).await?;
        }
        Ok(())
    }

    async fn on_signal(
        &self,
        inner: &Inner,
        id: Uuid,
        signal: wire::Signal,
    ) -> Result<(), CoreError> {
        let media = {
            let mut calls = self.calls.lock().unwrap();
            let Some(call) = calls.get_mut(&id) else {
                return Ok(());
            };
            match &call.media {
                Some(media) => media.clone(),
                None => {
                    call.early_signals.push(signal);
                    return Ok(());
                }
            }
        };
        self.apply_signal(inner, &media, id, signal).await
    }

    async fn apply_signal(
        &self,
        inner: &Inner,
        media: &MediaSession,
        id: Uuid,
        signal: wire::Signal,
    ) -> Result<(), CoreError> {
        match signal {
            wire::Signal::Offer { sdp } => {
                let answer = media.accept_offer(&sdp).await?;
                send_signal(inner, id, wire::Signal::Answer { sdp: answer })?;
            }
            wire::Signal::Answer { sdp } => media.accept_answer(&sdp).await?,
            wire::Signal::Candidate {
                candidate,
                sdp_mid,
                sdp_mline_index,
            } => {
                let json = serde_json::to_string(&IceCandidate {
                    candidate,
                    sdp_mid,
                    sdp_m_line_index: sdp_mline_index,
                    username_fragment: None,
                })
                .expect("candidates serialise");
                media.add_remote_candidate(&json).await?;
            }
        }
        Ok(())
    }

    fn set_media_state(&self, id: Uuid, state: MediaState) -> bool {
        let mut calls = self.calls.lock().unwrap();
        match calls.get_mut(&id) {
            Some(call) if call.media_state != state => {
                call.media_state = state;
                true
            }
            _ => false,
        }
    }
}

/// How long answering waits for the socket (an app woken by a push).
const SOCKET_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn wait_for_socket(inner: &Inner) -> Result<(), CoreError> {
    let deadline = Instant::now() + SOCKET_WAIT;
    while inner.ws_out.lock().unwrap().is_none() {
        if Instant::now() > deadline {
            return Err(CoreError::Offline {
                message: "not connected to the server: the call cannot be answered".into(),
            });
        }
        inner.reconnect.notify_one();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

fn call_gone() -> CoreError {
    CoreError::NotFound {
        message: "no such call on this device".into(),
    }
}

/// Sends signalling to the other device of the call, over the live socket.
fn send_signal(inner: &Inner, call_id: Uuid, signal: wire::Signal) -> Result<(), CoreError> {
    let frame = serde_json::to_string(&wire::ClientEvent::CallSignal { call_id, signal })
        .expect("frames serialise");
    let sender = inner.ws_out.lock().unwrap().clone();
    match sender {
        Some(sender) => sender.try_send(frame).map_err(|_| CoreError::Offline {
            message: "the connection to the server is busy or closed".into(),
        }),
        None => Err(CoreError::Offline {
            message: "not connected to the server: the call cannot be set up".into(),
        }),
    }
}

/// Forwards a media session's events: local candidates to the peer, state
/// changes to the listeners. Ends with the session.
async fn pump_media_events(
    manager: std::sync::Weak<CallManager>,
    inner: std::sync::Weak<Inner>,
    id: Uuid,
    mut events: UnboundedReceiver<MediaEvent>,
) {
    while let Some(event) = events.recv().await {
        let (Some(manager), Some(inner)) = (manager.upgrade(), inner.upgrade()) else {
            return;
        };
        match event {
            MediaEvent::LocalCandidate(json) => {
                let Ok(c) = serde_json::from_str::<IceCandidate>(&json) else {
                    continue;
                };
                let signal = wire::Signal::Candidate {
                    candidate: c.candidate,
                    sdp_mid: c.sdp_mid,
                    sdp_mline_index: c.sdp_m_line_index,
                };
                if let Err(e) = send_signal(&inner, id, signal) {
                    tracing::debug!(error = %e, "a local candidate was not sent");
                }
            }
            MediaEvent::GatheringComplete => {}
            // An ICE restart after the path was lost: an offer like any.
            MediaEvent::RestartOffer(sdp) => {
                if let Err(e) = send_signal(&inner, id, wire::Signal::Offer { sdp }) {
                    tracing::debug!(error = %e, "a restart offer was not sent");
                }
            }
            MediaEvent::ConnectionState(state) => {
                if manager.set_media_state(id, state) {
                    if state == MediaState::Failed {
                        manager.fail(id, "failed").await;
                        // Tell the server too, or the call would stay live on
                        // the ticket and block the next one.
                        if let Some(token) = inner.token() {
                            let path = format!("/v1/calls/{id}/hangup");
                            let ended: Result<(_, wire::Call), _> = inner
                                .api
                                .send(Method::POST, &path, Some(&token), None::<&()>)
                                .await;
                            if let Err(e) = ended {
                                tracing::debug!(error = %e, "a failed call was not ended on the server");
                            }
                        }
                    } else {
                        manager.publish();
                    }
                }
            }
        }
    }
}

/// Routes call events to the call task (in order); gives back the others.
pub fn take_call_event(inner: &Inner, event: wire::ServerEvent) -> Option<wire::ServerEvent> {
    match event {
        wire::ServerEvent::CallRinging { .. }
        | wire::ServerEvent::CallUpdated { .. }
        | wire::ServerEvent::CallSignal { .. } => {
            let _ = inner.call_events.send(event);
            None
        }
        other => Some(other),
    }
}

/// The call task: handles call events one at a time, so an offer is never
/// applied before the state change that precedes it.
pub async fn run_events(
    inner: Arc<Inner>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<wire::ServerEvent>,
) {
    while let Some(event) = events.recv().await {
        let calls = inner.calls.clone();
        calls.on_event(&inner, event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ringing_call(ringing: Vec<Uuid>) -> wire::Call {
        wire::Call {
            id: Uuid::now_v7(),
            ticket_id: Uuid::now_v7(),
            caller_id: Uuid::now_v7(),
            callee_id: None,
            ringing,
            state: wire::CallState::Ringing,
            created_at: chrono::Utc::now(),
            accepted_at: None,
            ended_at: None,
        }
    }

    #[test]
    fn a_call_no_longer_ringing_me_stops_ringing_while_it_rings_others() {
        let (me, colleague) = (Uuid::now_v7(), Uuid::now_v7());
        let mut call = ActiveCall::new(ringing_call(vec![me, colleague]), CallDirection::Incoming);
        call.me = Some(me);
        assert_eq!(call.phase(), CallPhase::Ringing);
        // I declined on my other device: the server rings my colleague only.
        call.call.ringing = vec![colleague];
        assert_eq!(call.phase(), ended("declined"));
    }

    #[test]
    fn an_accepted_incoming_call_is_ours_only_if_this_device_answers() {
        let me = Uuid::now_v7();
        let mut call = ActiveCall::new(ringing_call(vec![me]), CallDirection::Incoming);
        call.me = Some(me);
        call.call.state = wire::CallState::Accepted;
        assert_eq!(call.phase(), ended("answered_elsewhere"));
        call.answering = true;
        assert_eq!(call.phase(), CallPhase::Connecting);
        call.media_state = MediaState::Connected;
        assert_eq!(call.phase(), CallPhase::Connected);
    }
}

//! One client's WebSocket: authentication, the frames it receives, the
//! frames it sends (typing, read markers), keep-alive and back-pressure.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use protocol::{ClientEvent, ServerEvent};

use futures_util::SinkExt;
use tokio::sync::mpsc;

use super::hub::{Audience, Frames};
use crate::auth::{Caller, caller_for_token};
use crate::{AppState, api, calls, policy};

/// A client without an `Authorization` header must send `auth` this soon.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// Ping this often; a client silent for three periods is gone.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// Typing frames a client may send per `TYPING_WINDOW`; more are dropped.
const TYPING_BURST: u32 = 5;
const TYPING_WINDOW: Duration = Duration::from_secs(5);

/// Most queued batches written before one flush, so that a busy socket
/// still turns to its pings and the client's frames.
const WRITE_BATCHES: usize = 32;

/// Largest frame a client may send.
pub const MAX_CLIENT_FRAME: usize = 16 * 1024;

/// Close codes (RFC 6455 §7.4; 4000+ are the application's).
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_RESYNC: u16 = 4000;
const CLOSE_REVOKED: u16 = 4001;
const CLOSE_RESCOPED: u16 = 4002;

pub async fn run(mut socket: WebSocket, state: AppState, caller: Option<Caller>) {
    let caller = match caller {
        Some(caller) => caller,
        None => match authenticate(&mut socket, &state).await {
            Some(caller) => caller,
            None => return,
        },
    };
    let realtime = state.realtime.clone();
    let mut registration = realtime.hub.register(
        caller.id(),
        caller.role(),
        caller.user.department_id,
        caller.token_hash.clone(),
    );
    // Counts this device as live for push until the socket ends.
    let _live = state.push.live.track(&caller.token_hash).await;
    if send(
        &mut socket,
        &ServerEvent::Ready {
            user_id: caller.id(),
        },
    )
    .await
    .is_err()
    {
        return;
    }

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let mut typing = RateLimit::new(TYPING_BURST, TYPING_WINDOW);
    let signals = registration.signals.clone();
    let mut stopping = state.shutdown.subscribe();
    loop {
        // Checked at each turn, so a shutdown that began before this socket
        // subscribed is seen too.
        let stop = *stopping.borrow_and_update();
        if stop {
            // The client reconnects: to another instance, or to this one
            // when it is back.
            close(&mut socket, CLOSE_GOING_AWAY, "server shutting down").await;
            return;
        }
        tokio::select! {
            _ = stopping.changed() => {}
            frames = registration.frames.recv() => {
                let Some(frames) = frames else { return };
                if send_frames(&mut socket, frames, &mut registration.frames).await.is_err() {
                    return;
                }
            }
            () = signals.wake.notified() => {
                if signals.revoked.load(Ordering::SeqCst) {
                    close(&mut socket, CLOSE_REVOKED, "session revoked").await;
                    return;
                }
                if signals.rescoped.load(Ordering::SeqCst) {
                    close(&mut socket, CLOSE_RESCOPED, "access changed: reconnect and resync").await;
                    return;
                }
                if signals.overflowed.load(Ordering::SeqCst) {
                    let resync = ServerEvent::Resync {
                        reason: "too many events queued; catch up through /v1/sync".into(),
                    };
                    let _ = send(&mut socket, &resync).await;
                    close(&mut socket, CLOSE_RESYNC, "resync").await;
                    return;
                }
            }
            received = socket.recv() => {
                let Some(Ok(message)) = received else { return };
                last_heard = Instant::now();
                match message {
                    WsMessage::Text(text) => {
                        let reply = handle_client_frame(&state, &caller, text.as_str(), &mut typing).await;
                        if let Some(reply) = reply
                            && send(&mut socket, &reply).await.is_err()
                        {
                            return;
                        }
                    }
                    WsMessage::Binary(_) => {
                        let error = error_event("unsupported_frame", "frames are JSON text");
                        if send(&mut socket, &error).await.is_err() {
                            return;
                        }
                    }
                    WsMessage::Close(_) => return,
                    WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > PING_EVERY * 3 {
                    close(&mut socket, CLOSE_POLICY, "no answer to pings").await;
                    return;
                }
                if socket.send(WsMessage::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Waits for an `auth` frame carrying a valid token.
async fn authenticate(socket: &mut WebSocket, state: &AppState) -> Option<Caller> {
    let first = tokio::time::timeout(AUTH_TIMEOUT, socket.recv()).await;
    let token = match first {
        Ok(Some(Ok(WsMessage::Text(text)))) => match serde_json::from_str(text.as_str()) {
            Ok(ClientEvent::Auth { token }) => Some(token),
            _ => None,
        },
        _ => None,
    };
    let caller = match token {
        Some(token) => caller_for_token(state, &token).await.ok(),
        None => None,
    };
    if caller.is_none() {
        let error = error_event(
            "unauthorized",
            "send {\"type\":\"auth\",\"token\":…} first, with a valid token",
        );
        let _ = send(socket, &error).await;
        close(socket, CLOSE_POLICY, "unauthorized").await;
    }
    caller
}

async fn handle_client_frame(
    state: &AppState,
    caller: &Caller,
    text: &str,
    typing: &mut RateLimit,
) -> Option<ServerEvent> {
    let event = match serde_json::from_str::<ClientEvent>(text) {
        Ok(event) => event,
        Err(e) => return Some(error_event("invalid_frame", &e.to_string())),
    };
    match event {
        ClientEvent::Auth { .. } => Some(error_event(
            "already_authenticated",
            "this socket is signed in",
        )),
        ClientEvent::Typing {
            ticket_id,
            typing: is_typing,
            internal,
        } => {
            if !typing.allow() {
                return None;
            }
            let ticket = match policy::visible_ticket(&state.db, caller, ticket_id).await {
                Ok(ticket) => ticket,
                Err(e) => return Some(error_event(e.code, &e.message)),
            };
            let audience = Audience::Ticket {
                customer_id: ticket.customer_id,
                department_id: ticket.department_id,
                staff_only: internal,
                except: Some(caller.id()),
            };
            let event = ServerEvent::Typing {
                ticket_id,
                user_id: caller.id(),
                typing: is_typing,
            };
            state.realtime.publish(audience, event).await;
            None
        }
        ClientEvent::Read {
            ticket_id,
            message_id,
        } => match api::reads::mark_read(state, caller, ticket_id, message_id).await {
            Ok(_) => None,
            Err(e) => Some(error_event(e.code, &e.message)),
        },
        ClientEvent::CallSignal { call_id, signal } => {
            match calls::relay_signal(state, caller, call_id, signal).await {
                Ok(()) => None,
                Err(e) => Some(error_event(e.code, &e.message)),
            }
        }
    }
}

fn error_event(code: &str, message: &str) -> ServerEvent {
    ServerEvent::Error {
        code: code.to_string(),
        message: message.to_string(),
    }
}

/// Writes a batch and the batches queued behind it, then flushes once: a
/// burst costs one write to the socket, not one per frame.
async fn send_frames(
    socket: &mut WebSocket,
    first: Frames,
    queue: &mut mpsc::Receiver<Frames>,
) -> Result<(), axum::Error> {
    let mut next = Some(first);
    let mut written = 0;
    while let Some(batch) = next.take() {
        for frame in batch.iter() {
            socket.feed(WsMessage::Text(frame.clone())).await?;
        }
        written += 1;
        if written < WRITE_BATCHES {
            next = queue.try_recv().ok();
        }
    }
    socket.flush().await
}

async fn send(socket: &mut WebSocket, event: &ServerEvent) -> Result<(), axum::Error> {
    let text = serde_json::to_string(event).expect("events serialise");
    socket.send(WsMessage::Text(text.into())).await
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(WsMessage::Close(Some(frame))).await;
}

/// At most `burst` events per `window`, counted in fixed windows.
struct RateLimit {
    burst: u32,
    window: Duration,
    started: Instant,
    used: u32,
}

impl RateLimit {
    fn new(burst: u32, window: Duration) -> Self {
        RateLimit {
            burst,
            window,
            started: Instant::now(),
            used: 0,
        }
    }

    fn allow(&mut self) -> bool {
        if self.started.elapsed() >= self.window {
            self.started = Instant::now();
            self.used = 0;
        }
        self.used += 1;
        self.used <= self.burst
    }
}

//! The link to the server: one WebSocket for live events, reconnected with
//! exponential backoff and jitter; on every (re)connect the cache catches up
//! through `/v1/sync` and the outbox drains.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ServerEvent, SyncResponse, TimelineChange};
use rand::Rng;
use reqwest::Method;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::client::Inner;
use crate::error::CoreError;
use crate::outbox;
use crate::types::SyncState;
use crate::typing::TYPING_TTL;

const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Changes asked for per sync call.
const SYNC_PAGE: u32 = 1000;

/// Exponential backoff with full jitter: a random wait up to a ceiling that
/// doubles after each failure, so a fleet of phones does not reconnect in
/// step after an outage.
pub struct Backoff {
    ceiling: Duration,
}

impl Backoff {
    pub fn new() -> Self {
        Backoff {
            ceiling: BACKOFF_FIRST,
        }
    }

    pub fn reset(&mut self) {
        self.ceiling = BACKOFF_FIRST;
    }

    pub fn next(&mut self) -> Duration {
        let wait = rand::rng().random_range(Duration::ZERO..=self.ceiling);
        self.ceiling = (self.ceiling * 2).min(BACKOFF_MAX);
        wait.max(Duration::from_millis(50))
    }
}

/// The server's close code for a revoked session.
const CLOSE_REVOKED: u16 = 4001;
/// The server's close code for a user whose sight changed (moved to another
/// department, another role): resync from scratch.
const CLOSE_RESCOPED: u16 = 4002;

/// Runs until the client is dropped (the task is aborted).
pub async fn run(inner: Arc<Inner>) {
    let mut backoff = Backoff::new();
    loop {
        let Some(token) = inner.token() else {
            inner.set_state(inner.idle_state());
            inner.reconnect.notified().await;
            continue;
        };
        inner.set_state(SyncState::Connecting);
        match session(&inner, &token, &mut backoff).await {
            Ok(()) => {}
            Err(CoreError::Unauthorized { .. } | CoreError::SignedOut { .. }) => {
                // Revoked elsewhere: forget the token, wait for a new sign-in.
                inner.session_ended(&token);
                continue;
            }
            Err(e) => tracing::debug!(error = %e, "connection lost"),
        }
        inner.set_state(SyncState::Offline);
        tokio::select! {
            () = tokio::time::sleep(backoff.next()) => {}
            () = inner.reconnect.notified() => {}
        }
    }
}

/// Opens the WebSocket at `url` (TLS for wss) with the token in the header.
async fn connect(
    url: String,
    token: &str,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, CoreError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| CoreError::invalid(e.to_string()))?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .map_err(|_| CoreError::invalid("the token is not a valid header"))?,
    );
    let tls = Connector::Rustls(crate::tls::websocket_config());
    let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(tls))
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 401 => {
                CoreError::signed_out()
            }
            _ => CoreError::Offline {
                message: "the server cannot be reached".into(),
            },
        })?;
    Ok(ws)
}

/// One connected session: connect, catch up, drain, then stay live.
async fn session(inner: &Inner, token: &str, backoff: &mut Backoff) -> Result<(), CoreError> {
    let mut ws = connect(inner.api.ws_url(), token).await?;
    await_ready(&mut ws).await?;
    inner.set_state(SyncState::Syncing);
    catch_up(inner, token).await?;
    refresh_colleagues(inner, token).await?;
    refresh_canned_replies(inner, token).await?;
    inner.calls.refresh_live(inner, token).await?;
    outbox::drain(inner).await?;
    inner.set_state(SyncState::Live);
    backoff.reset();

    let (tx, mut outgoing) = tokio::sync::mpsc::channel::<String>(64);
    *inner.ws_out.lock().unwrap() = Some(tx);
    let mut names = NameLookups::default();
    let result = loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Ok(event) = serde_json::from_str::<ServerEvent>(&text)
                        && let Some(event) = crate::call::manager::take_call_event(inner, event)
                        && let Err(e) = apply(inner, token, event, &mut names).await
                    {
                        break Err(e);
                    }
                }
                Some(Ok(WsMessage::Close(Some(frame)))) if u16::from(frame.code) == CLOSE_REVOKED => {
                    break Err(CoreError::signed_out());
                }
                Some(Ok(WsMessage::Close(Some(frame)))) if u16::from(frame.code) == CLOSE_RESCOPED => {
                    inner.store.forget_synced()?;
                    inner.changed();
                    break Ok(());
                }
                Some(Ok(WsMessage::Close(_))) | None => break Ok(()),
                Some(Err(_)) => break Ok(()),
                Some(Ok(_)) => {}
            },
            () = inner.outbox_wake.notified() => {
                if let Err(e) = outbox::drain(inner).await {
                    break Err(e);
                }
            }
            Some(text) = outgoing.recv() => {
                if ws.send(WsMessage::Text(text.into())).await.is_err() {
                    break Ok(());
                }
            }
        }
    };
    *inner.ws_out.lock().unwrap() = None;
    // Nobody's typing signal outlives the connection that carried it.
    inner.observers.typing.clear();
    result
}

/// How long a connected socket may take to say `ready`.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// Waits for the server's `ready`: it comes once the socket is subscribed,
/// so a change committed after it reaches this socket, and one committed
/// before it is in the catch-up that follows. Catching up as soon as the
/// upgrade answered left a gap: a change (a message, a colleague's
/// presence) committed before the subscription but after the catch-up's
/// read came by neither path.
async fn await_ready<S>(ws: &mut WebSocketStream<S>) -> Result<(), CoreError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let offline = || CoreError::Offline {
        message: "the server did not confirm the live connection".into(),
    };
    let ready = async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(WsMessage::Text(text)) => {
                    if let Ok(ServerEvent::Ready { .. }) = serde_json::from_str(&text) {
                        return Ok(());
                    }
                }
                Ok(WsMessage::Close(Some(frame))) if u16::from(frame.code) == CLOSE_REVOKED => {
                    return Err(CoreError::signed_out());
                }
                Ok(WsMessage::Close(_)) | Err(_) => return Err(offline()),
                Ok(_) => {}
            }
        }
        Err(offline())
    };
    tokio::time::timeout(READY_WITHIN, ready)
        .await
        .unwrap_or_else(|_| Err(offline()))
}

/// Users whose names a live event needed and a catch-up was asked for, so
/// a name the server cannot give is asked for once, not at every event.
#[derive(Default)]
struct NameLookups {
    asked: HashSet<Uuid>,
}

/// The people a stored change refers to.
fn people_in(event: &ServerEvent) -> Vec<Uuid> {
    match event {
        ServerEvent::Ticket { ticket } => {
            let mut ids = vec![ticket.customer_id];
            ids.extend(ticket.assignee_id);
            ids
        }
        ServerEvent::Message { message } => vec![message.author_id],
        ServerEvent::Timeline { event } => {
            let mut ids: Vec<Uuid> = event.actor_id.into_iter().collect();
            match &event.change {
                TimelineChange::AssigneeChanged { from, to } => {
                    ids.extend(from.iter().chain(to.iter()));
                }
                TimelineChange::CreatedFor { customer_id } => ids.push(*customer_id),
                _ => {}
            }
            ids
        }
        // Typing and read receipts are not feed rows: a catch-up cannot bring
        // their names, and asking would spend the one lookup of a person
        // whose name a later row (their reply, an assignment) does bring.
        _ => Vec::new(),
    }
}

async fn apply(
    inner: &Inner,
    token: &str,
    event: ServerEvent,
    names: &mut NameLookups,
) -> Result<(), CoreError> {
    let people = people_in(&event);
    match event {
        ServerEvent::Ticket { ticket } => inner.store.put_ticket(&ticket)?,
        ServerEvent::Message { message } => inner.store.put_message(&message)?,
        ServerEvent::Timeline { event } => inner.store.put_event(&event)?,
        ServerEvent::TicketRemoved { ticket_id } => {
            inner.store.remove_ticket(&ticket_id.to_string())?
        }
        ServerEvent::Typing {
            ticket_id,
            user_id,
            typing,
        } => {
            let (ticket_id, user_id) = (ticket_id.to_string(), user_id.to_string());
            if !inner.observers.typing.set(&ticket_id, &user_id, typing) {
                return Ok(());
            }
            if typing {
                // Show the lapse when it comes.
                let observers = inner.observers.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(TYPING_TTL + Duration::from_millis(50)).await;
                    observers.changed.notify_one();
                });
            }
        }
        ServerEvent::Read { receipt } => inner.store.put_read(&receipt)?,
        ServerEvent::Presence { user_id, status } => {
            if !inner.store.set_presence(user_id, status)? {
                return Ok(());
            }
        }
        ServerEvent::CannedRepliesChanged { .. } => refresh_canned_replies(inner, token).await?,
        ServerEvent::Resync { .. } => catch_up(inner, token).await?,
        ServerEvent::Ready { .. } | ServerEvent::Error { .. } => return Ok(()),
        // Events of other parts of the core (calls) are handled there.
        _ => return Ok(()),
    }
    // A name the cache lacks comes with the rows of a catch-up.
    let missing: Vec<Uuid> = inner
        .store
        .missing_users(&people)?
        .into_iter()
        .filter(|id| names.asked.insert(*id))
        .collect();
    if !missing.is_empty() {
        catch_up(inner, token).await?;
    }
    inner.changed();
    Ok(())
}

/// Staff: the colleagues and their presence, fresh at every connect (the
/// presence events missed while away are not replayed).
async fn refresh_colleagues(inner: &Inner, token: &str) -> Result<(), CoreError> {
    if !inner.is_staff() {
        return Ok(());
    }
    match inner
        .api
        .send::<Vec<protocol::User>>(Method::GET, "/v1/staff", Some(token), None::<&()>)
        .await
    {
        Ok((_, staff)) => {
            inner.store.set_colleagues(&staff)?;
            inner.changed();
            Ok(())
        }
        Err(e @ (CoreError::Unauthorized { .. } | CoreError::Offline { .. })) => Err(e),
        // A staff member without the right to list (none today): no colleagues.
        Err(e) => {
            tracing::debug!(error = %e, "colleagues not listed");
            Ok(())
        }
    }
}

/// Staff: the canned replies, fresh at every connect and at each change.
async fn refresh_canned_replies(inner: &Inner, token: &str) -> Result<(), CoreError> {
    if !inner.is_staff() {
        return Ok(());
    }
    match crate::canned::refresh(inner, token).await {
        Ok(()) => {
            inner.changed();
            Ok(())
        }
        Err(e @ (CoreError::Unauthorized { .. } | CoreError::Offline { .. })) => Err(e),
        // An older server without them: the composer offers none.
        Err(e) => {
            tracing::debug!(error = %e, "canned replies not read");
            Ok(())
        }
    }
}

/// Follows `/v1/sync` from the stored cursor to the end.
pub async fn catch_up(inner: &Inner, token: &str) -> Result<(), CoreError> {
    loop {
        let since = inner
            .store
            .meta("sync_cursor")?
            .unwrap_or_else(|| "0".into());
        let path = format!("/v1/sync?since={since}&limit={SYNC_PAGE}");
        let (_, page): (_, SyncResponse) = inner
            .api
            .send(Method::GET, &path, Some(token), None::<&()>)
            .await?;
        inner.store.apply_sync(&page)?;
        inner.changed();
        if !page.has_more {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Accepts one connection and returns its first bytes.
    async fn first_bytes(listener: tokio::net::TcpListener) -> Vec<u8> {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 6];
        socket.read_exact(&mut buf).await.unwrap();
        buf
    }

    /// A TLS record of type handshake (22) carrying a ClientHello (1).
    fn is_client_hello(bytes: &[u8]) -> bool {
        bytes[0] == 0x16 && bytes[5] == 0x01
    }

    #[tokio::test]
    async fn https_and_wss_urls_speak_tls() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let api = crate::api::Api::new(&format!("https://127.0.0.1:{port}")).unwrap();
        let request = tokio::spawn(async move {
            api.send_empty(Method::GET, "/v1/me", None, None::<&()>)
                .await
        });
        let hello = tokio::time::timeout(Duration::from_secs(5), first_bytes(listener))
            .await
            .expect("the HTTPS client connects");
        assert!(is_client_hello(&hello), "{hello:?}");
        // The listener hung up mid-handshake: that is "unreachable".
        assert!(request.await.unwrap().unwrap_err().is_retryable());

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let socket = tokio::spawn(connect(format!("wss://127.0.0.1:{port}/v1/ws"), "t"));
        let hello = tokio::time::timeout(Duration::from_secs(5), first_bytes(listener))
            .await
            .expect("the WebSocket connects");
        assert!(is_client_hello(&hello), "{hello:?}");
        assert!(socket.await.unwrap().is_err());
    }

    /// A WebSocket server on loopback that runs `serve` on its one
    /// connection, and a client connected to it.
    async fn socket_pair<F, Fut>(serve: F) -> WebSocketStream<MaybeTlsStream<TcpStream>>
    where
        F: FnOnce(WebSocketStream<TcpStream>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            serve(tokio_tungstenite::accept_async(tcp).await.unwrap()).await;
        });
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}"))
            .await
            .unwrap();
        ws
    }

    #[tokio::test]
    async fn catching_up_waits_for_the_servers_ready() {
        let sent_ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = sent_ready.clone();
        let mut ws = socket_pair(move |mut server| async move {
            // The upgrade answered, the subscription is not made yet.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let ping = WsMessage::Ping(Vec::new().into());
            server.send(ping).await.unwrap();
            let ready = serde_json::to_string(&ServerEvent::Ready {
                user_id: Uuid::nil(),
            })
            .unwrap();
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            server.send(WsMessage::Text(ready.into())).await.unwrap();
            // Held open until the client has read it.
            let _ = server.next().await;
        })
        .await;

        await_ready(&mut ws).await.unwrap();

        assert!(sent_ready.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_socket_closed_before_ready_is_offline_or_signed_out() {
        let mut closed = socket_pair(|mut server| async move {
            server.close(None).await.unwrap();
        })
        .await;
        let e = await_ready(&mut closed).await.unwrap_err();
        assert!(matches!(e, CoreError::Offline { .. }), "{e:?}");

        let mut revoked = socket_pair(|mut server| async move {
            let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CLOSE_REVOKED.into(),
                reason: "session revoked".into(),
            };
            server.close(Some(frame)).await.unwrap();
        })
        .await;
        let e = await_ready(&mut revoked).await.unwrap_err();
        assert!(matches!(e, CoreError::SignedOut { .. }), "{e:?}");
    }

    #[test]
    fn backoff_grows_to_a_ceiling_with_jitter() {
        let mut b = Backoff::new();
        let waits: Vec<Duration> = (0..12).map(|_| b.next()).collect();
        assert!(waits.iter().all(|w| *w <= BACKOFF_MAX));
        assert_eq!(b.ceiling, BACKOFF_MAX);
        b.reset();
        assert!(b.next() <= BACKOFF_FIRST);
    }
}

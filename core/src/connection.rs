//! The link to the server: one WebSocket for live events, reconnected with
//! exponential backoff and jitter; on every (re)connect the cache catches up
//! through `/v1/sync` and the outbox drains.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ServerEvent, SyncResponse};
use rand::Rng;
use reqwest::Method;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::client::Inner;
use crate::error::CoreError;
use crate::outbox;
use crate::types::SyncState;

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

/// Runs until the client is dropped (the task is aborted).
pub async fn run(inner: Arc<Inner>) {
    let mut backoff = Backoff::new();
    loop {
        let Some(token) = inner.token() else {
            inner.set_state(SyncState::Offline);
            inner.reconnect.notified().await;
            continue;
        };
        inner.set_state(SyncState::Connecting);
        match session(&inner, &token, &mut backoff).await {
            Ok(()) => {}
            Err(CoreError::Unauthorized { .. }) => {
                // Revoked elsewhere: wait for a new sign-in.
                inner.set_state(SyncState::Offline);
                inner.reconnect.notified().await;
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

/// One connected session: connect, catch up, drain, then stay live.
async fn session(inner: &Inner, token: &str, backoff: &mut Backoff) -> Result<(), CoreError> {
    let mut request = inner
        .api
        .ws_url()
        .into_client_request()
        .map_err(|e| CoreError::invalid(e.to_string()))?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .map_err(|_| CoreError::invalid("the token is not a valid header"))?,
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 401 => {
                CoreError::Unauthorized {
                    message: "the session was revoked".into(),
                }
            }
            _ => CoreError::Offline {
                message: "the server cannot be reached".into(),
            },
        })?;
    inner.set_state(SyncState::Syncing);
    catch_up(inner, token).await?;
    outbox::drain(inner).await?;
    inner.set_state(SyncState::Live);
    backoff.reset();

    let (tx, mut outgoing) = tokio::sync::mpsc::channel::<String>(64);
    *inner.ws_out.lock().unwrap() = Some(tx);
    let result = loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Ok(event) = serde_json::from_str::<ServerEvent>(&text)
                        && let Err(e) = apply(inner, token, event).await
                    {
                        break Err(e);
                    }
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
    result
}

async fn apply(inner: &Inner, token: &str, event: ServerEvent) -> Result<(), CoreError> {
    match event {
        ServerEvent::Ticket { ticket } => inner.store.put_ticket(&ticket)?,
        ServerEvent::Message { message } => inner.store.put_message(&message)?,
        ServerEvent::Timeline { event } => inner.store.put_event(&event)?,
        ServerEvent::Resync { .. } => catch_up(inner, token).await?,
        // Typing, read receipts and presence are not cached yet.
        _ => return Ok(()),
    }
    inner.changed();
    Ok(())
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

//! A WebSocket test client for `/v1/ws`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for an event that should come.
pub const EVENT_WAIT: Duration = Duration::from_secs(5);

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub enum Closed {
    /// The server closed with this code.
    Code(u16),
    /// The stream ended without a close frame.
    Ended,
}

impl WsClient {
    /// Connects with the token in the `Authorization` header and waits for `ready`.
    pub async fn connect(base: &str, token: &str) -> WsClient {
        let mut request = ws_url(base).into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        let mut client = WsClient { stream };
        client.expect_ready().await;
        client
    }

    /// Connects without a header; the caller sends `auth` itself.
    pub async fn connect_bare(base: &str) -> WsClient {
        let (stream, _) = tokio_tungstenite::connect_async(ws_url(base))
            .await
            .expect("websocket connects");
        WsClient { stream }
    }

    /// Tries to connect with a header token, returning the HTTP error status.
    pub async fn refused(base: &str, token: &str) -> u16 {
        let mut request = ws_url(base).into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        match tokio_tungstenite::connect_async(request).await {
            Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("the server accepted the socket"),
        }
    }

    pub async fn expect_ready(&mut self) {
        match self.next().await {
            Some(ServerEvent::Ready { .. }) => {}
            other => panic!("expected ready, got {other:?}"),
        }
    }

    pub async fn send(&mut self, event: &ClientEvent) {
        let text = serde_json::to_string(event).unwrap();
        self.stream.send(Message::Text(text.into())).await.unwrap();
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next event within `EVENT_WAIT`, or `None` if the socket closed.
    pub async fn next(&mut self) -> Option<ServerEvent> {
        self.next_within(EVENT_WAIT)
            .await
            .unwrap_or_else(|| panic!("no event within {EVENT_WAIT:?}"))
    }

    /// `Some(None)` if closed, `None` on time-out.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Option<ServerEvent>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let event = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("unreadable frame {text}: {e}"));
                    return Some(Some(event));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Some(None),
                Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Waits for the first event matching `pick`, skipping others.
    pub async fn wait_for<T>(&mut self, mut pick: impl FnMut(&ServerEvent) -> Option<T>) -> T {
        loop {
            match self.next().await {
                Some(event) => {
                    if let Some(found) = pick(&event) {
                        return found;
                    }
                }
                None => panic!("socket closed while waiting"),
            }
        }
    }

    /// Collects every event arriving within `wait`.
    pub async fn drain(&mut self, wait: Duration) -> Vec<ServerEvent> {
        let mut events = Vec::new();
        while let Some(Some(event)) = self.next_within(wait).await {
            events.push(event);
        }
        events
    }

    /// Waits for the server to close the socket; its close code.
    pub async fn closed(&mut self) -> Closed {
        let deadline = tokio::time::Instant::now() + EVENT_WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("the server closes the socket in time");
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => return Closed::Code(frame.code.into()),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return Closed::Ended,
                Some(Ok(_)) => continue,
            }
        }
    }
}

pub fn close_code(closed: Closed) -> Option<u16> {
    match closed {
        Closed::Code(code) => Some(code),
        Closed::Ended => None,
    }
}

fn ws_url(base: &str) -> String {
    format!("{}/v1/ws", base.replacen("http://", "ws://", 1))
}

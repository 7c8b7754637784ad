//! The accept loop: HTTP/1.1 and HTTP/2 (with WebSocket upgrades) on each
//! connection, under the limits that keep slow or greedy clients from wearing
//! the server down.
//!
//! `axum::serve` sets no timer, so hyper's header-read timeout never fires
//! under it and a client that never finishes its headers holds a socket for
//! ever. Here:
//! - a request's headers must arrive within `header_read_timeout`; hyper
//!   starts the same clock when a kept-alive connection waits for its next
//!   request, so it is the idle timeout as well;
//! - HTTP/2 connections are pinged and closed when the pings go unanswered;
//! - each source address may hold `max_connections_per_address` connections
//!   (WebSockets included); more are answered 429 and closed;
//! - bodies have their own timeouts, as layers of the router (`app.rs`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::config::Config;
use crate::connection_limit::{ConnectionLimiter, ConnectionSlot};

/// HTTP/2 connections are pinged this often, and closed when a ping goes
/// unanswered for as long (a phone that left the network).
const H2_KEEP_ALIVE: Duration = Duration::from_secs(20);

/// How long a refused connection is given to read its answer.
const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// The connection limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub header_read_timeout: Duration,
    pub max_connections_per_address: usize,
}

impl ServeLimits {
    pub fn from_config(config: &Config) -> ServeLimits {
        ServeLimits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            max_connections_per_address: config.max_connections_per_address,
        }
    }
}

/// A connection's place under the per-address limit, in every request's
/// extensions: the WebSocket handler keeps it for the socket's life.
pub type HeldSlot = Arc<ConnectionSlot>;

/// Serves `app` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish and returns once every connection has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let limiter = ConnectionLimiter::new(limits.max_connections_per_address);
    let builder = connection_builder(limits);
    // Each connection's task holds a receiver: all are gone when all closed.
    let (stop_tx, stop_rx) = watch::channel(());
    let (closed_tx, closed_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = limiter.admit(remote.ip()) else {
            refuse(stream, remote);
            continue;
        };
        // Chat frames are small and latency matters more than packing.
        let _ = stream.set_nodelay(true);
        let slot: HeldSlot = Arc::new(slot);
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                request.extensions_mut().insert(slot.clone());
                request
            });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let mut stop = stop_rx.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%remote, error = %e, "connection ended with an error");
            }
            drop(closed);
        });
    }
    drop(listener);
    drop(closed_rx);
    let _ = stop_tx.send(());
    closed_tx.closed().await;
    Ok(())
}

fn connection_builder(limits: ServeLimits) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(H2_KEEP_ALIVE)
        .keep_alive_timeout(H2_KEEP_ALIVE)
        // WebSockets over HTTP/2 (RFC 8441).
        .enable_connect_protocol();
    builder
}

/// Answers a connection over its address's limit, without reading from it.
fn refuse(mut stream: TcpStream, remote: SocketAddr) {
    tracing::debug!(%remote, "too many connections from this address; refused");
    tokio::spawn(async move {
        let body = r#"{"error":{"code":"too_many_connections","message":"too many connections from this address"}}"#;
        let answer = format!(
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tokio::time::timeout(REFUSAL_WRITE_TIMEOUT, async {
            stream.write_all(answer.as_bytes()).await?;
            stream.shutdown().await
        })
        .await;
    });
}

/// Errors of one connection are the client's; others (too many open files)
/// are the server's, and retrying at once would spin.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

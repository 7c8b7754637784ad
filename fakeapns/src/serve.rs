//! Connections and answers: TLS, then HTTP/2 only (a client that did not
//! negotiate `h2` by ALPN is dropped, as APNs serves nothing else), then
//! each request judged and answered as APNs answers: 200 with an empty
//! body, or Apple's status with `{"reason": …}` (and `timestamp` for 410),
//! always with an `apns-id` header.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::request::{self, Checked, Refusal};
use crate::{Received, Refused, Shared};

/// Accepts connections until aborted; aborting drops the set, which closes
/// every connection with it.
pub(crate) async fn serve(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(connection(tcp, acceptor.clone(), shared.clone()));
                }
                // Out of descriptors, say: let some connections end first.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(tcp: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    // A client offering only other protocols fails the handshake itself.
    let Ok(stream) = acceptor.accept(tcp).await else {
        return;
    };
    // One offering none gets TLS, but no HTTP/1.1 behind it.
    if stream.get_ref().1.alpn_protocol() != Some(b"h2".as_slice()) {
        return;
    }
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(shared.answer(req).await) }
    });
    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// A refusal, with the time a 410's token stopped being valid.
type Answer = Result<Checked, (u16, &'static str, Option<i64>)>;

impl Shared {
    async fn answer(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let arrived = Instant::now();
        *self.requests.lock().unwrap() += 1;
        let (parts, body) = req.into_parts();
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => Bytes::new(),
        };
        let device_token = parts.uri.path().strip_prefix("/3/device/").unwrap_or("");
        // The client's own id when it is a good one; Apple's otherwise.
        let apns_id = parts
            .headers
            .get("apns-id")
            .and_then(|v| v.to_str().ok())
            .filter(|id| request::is_canonical_uuid(id))
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);

        let checked = self.judge(&parts, &body, device_token);
        let delay = self.script.lock().unwrap().delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let answer: Answer = match checked {
            Err((status, reason)) => Err((status, reason, None)),
            Ok(checked) => self.scripted(device_token).map_or(Ok(checked), Err),
        };

        match answer {
            Ok(checked) => {
                let headers = parts
                    .headers
                    .iter()
                    .filter(|(name, _)| *name != AUTHORIZATION)
                    .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
                    .collect();
                self.accepted.lock().unwrap().push(Received {
                    device_token: device_token.to_string(),
                    headers,
                    payload: checked.payload,
                    apns_id: apns_id.clone(),
                    already_expired: checked.already_expired,
                    http_version: format!("{:?}", parts.version),
                    arrived,
                });
                self.changed.notify_waiters();
                respond(200, &apns_id, None)
            }
            Err((status, reason, timestamp)) => {
                self.refused.lock().unwrap().push(Refused {
                    status,
                    reason: reason.to_string(),
                    device_token: device_token.to_string(),
                });
                self.changed.notify_waiters();
                let body = match timestamp {
                    Some(at) => json!({"reason": reason, "timestamp": at}),
                    None => json!({"reason": reason}),
                };
                respond(status, &apns_id, Some(body.to_string()))
            }
        }
    }

    /// Apple's checks, provider token first: nothing else is looked at for
    /// a provider APNs does not know.
    fn judge(&self, parts: &Parts, body: &[u8], device_token: &str) -> Result<Checked, Refusal> {
        let now = now_millis() / 1000;
        // A value that is not text cannot be a bearer token.
        let authorization =
            (parts.headers.get(AUTHORIZATION)).map(|v| v.to_str().unwrap_or("not-text"));
        self.verifier.lock().unwrap().check(authorization, now)?;
        if parts.method != Method::POST {
            return Err((405, "MethodNotAllowed"));
        }
        if !parts.uri.path().starts_with("/3/device/") {
            return Err((404, "BadPath"));
        }
        request::check_device_token(device_token)?;
        request::check(&self.bundle_id, &parts.headers, body, now)
    }

    /// What the test scripted for a request that passed every check.
    fn scripted(&self, device_token: &str) -> Option<(u16, &'static str, Option<i64>)> {
        let mut script = self.script.lock().unwrap();
        if let Some(&at) = script.unregistered.get(device_token) {
            return Some((410, "Unregistered", Some(at)));
        }
        let (status, reason) = script.failures.pop_front()?.answer();
        Some((status, reason, None))
    }
}

fn respond(status: u16, apns_id: &str, json: Option<String>) -> Response<Full<Bytes>> {
    let mut response = Response::builder()
        .status(status)
        .header("apns-id", apns_id);
    if json.is_some() {
        response = response.header(CONTENT_TYPE, "application/json");
    }
    let body = json.map_or_else(Bytes::new, Bytes::from);
    response.body(Full::new(body)).expect("a valid response")
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

//! Sending one message to FCM: the `PushSender` trait the worker uses, its
//! typed errors, and the FCM HTTP v1 implementation (reqwest + a
//! service-account OAuth token from `gcp_auth`).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use futures_util::future::BoxFuture;
use gcp_auth::TokenProvider;
use serde_json::{Value, json};

/// The OAuth scope of FCM HTTP v1.
pub const MESSAGING_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// One send may take this long before it counts as failed (and is retried).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PushError {
    /// The token is no longer valid (app uninstalled, token rotated): forget it.
    #[error("the device token is not registered")]
    Unregistered,
    /// The message or token is malformed: retrying cannot help.
    #[error("the push service refused the message: {0}")]
    InvalidArgument(String),
    /// Over quota: retry after the given time, or back off.
    #[error("the push service's quota is exceeded")]
    QuotaExceeded { retry_after: Option<Duration> },
    /// The service unavailable or failing, or the network: retry later.
    #[error("the push service is unavailable: {message}")]
    Retryable {
        retry_after: Option<Duration>,
        message: String,
    },
    /// Our credentials: no token, or the service refused it.
    #[error("push authentication failed: {0}")]
    Auth(String),
}

/// Sends one message of its service (FCM: the `message` object of HTTP v1;
/// APNs: `headers` and `payload`), its `token` included.
pub trait PushSender: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a Value) -> BoxFuture<'a, Result<(), PushError>>;
}

/// FCM HTTP v1: `POST {endpoint}/v1/projects/{project}/messages:send`.
pub struct FcmSender {
    http: reqwest::Client,
    auth: gcp_auth::CustomServiceAccount,
    url: String,
}

impl FcmSender {
    /// Reads a Firebase service-account JSON; its `token_uri` is where OAuth
    /// tokens come from (gcp_auth honours it, over https or plain http).
    pub fn from_file(credentials: &Path, endpoint: &str) -> anyhow::Result<FcmSender> {
        let auth = gcp_auth::CustomServiceAccount::from_file(credentials)
            .with_context(|| format!("reading FCM credentials {}", credentials.display()))?;
        let project = auth
            .project_id()
            .context("the FCM service account has no project_id")?
            .to_string();
        let url = format!(
            "{}/v1/projects/{project}/messages:send",
            endpoint.trim_end_matches('/')
        );
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .build()
            .context("building the FCM HTTP client")?;
        Ok(FcmSender { http, auth, url })
    }

    async fn send_once(&self, message: &Value) -> Result<(), PushError> {
        let token = self
            .auth
            .token(&[MESSAGING_SCOPE])
            .await
            .map_err(|e| PushError::Auth(e.to_string()))?;
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(token.as_str())
            .json(&json!({ "message": message }))
            .send()
            .await
            .map_err(|e| PushError::Retryable {
                retry_after: None,
                message: e.to_string(),
            })?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let retry_after = retry_after(&response);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Err(classify(status, &body, retry_after))
    }
}

impl PushSender for FcmSender {
    fn send<'a>(&'a self, message: &'a Value) -> BoxFuture<'a, Result<(), PushError>> {
        Box::pin(self.send_once(message))
    }
}

/// An FCM error answer as a typed error: `details[].errorCode` first (that
/// is where FCM says UNREGISTERED), then the HTTP status.
pub fn classify(status: u16, body: &Value, retry_after: Option<Duration>) -> PushError {
    let error_code = body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .unwrap_or_default();
    let message = body["error"]["message"].as_str().map_or_else(
        || format!("HTTP {status}"),
        |m| format!("HTTP {status}: {m}"),
    );
    match (error_code, status) {
        ("UNREGISTERED", _) => PushError::Unregistered,
        ("QUOTA_EXCEEDED", _) | (_, 429) => PushError::QuotaExceeded { retry_after },
        ("THIRD_PARTY_AUTH_ERROR", _) | (_, 401) => PushError::Auth(message),
        ("UNAVAILABLE" | "INTERNAL", _) | (_, 500..=599) => PushError::Retryable {
            retry_after,
            message,
        },
        _ => PushError::InvalidArgument(message),
    }
}

/// A response's `Retry-After`, if it has a readable one.
pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(wait.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fcm_error(code: &str) -> Value {
        json!({"error": {"message": "m", "details": [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}
        ]}})
    }

    #[test]
    fn fcm_errors_become_typed_errors() {
        assert_eq!(
            classify(404, &fcm_error("UNREGISTERED"), None),
            PushError::Unregistered
        );
        assert!(matches!(
            classify(400, &fcm_error("INVALID_ARGUMENT"), None),
            PushError::InvalidArgument(_)
        ));
        let wait = Some(Duration::from_secs(3));
        assert_eq!(
            classify(429, &fcm_error("QUOTA_EXCEEDED"), wait),
            PushError::QuotaExceeded { retry_after: wait }
        );
        assert!(matches!(
            classify(503, &Value::Null, wait),
            PushError::Retryable { retry_after, .. } if retry_after == wait
        ));
        assert!(matches!(
            classify(401, &Value::Null, None),
            PushError::Auth(_)
        ));
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}

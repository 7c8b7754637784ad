//! Sending one request to APNs itself, for PushKit VoIP pushes (FCM cannot
//! deliver those): HTTP/2 over TLS with reqwest, token-based
//! authentication with an ES256 JWT signed by the team's `.p8` key.
//!
//! Apple refuses a provider token older than an hour and a provider that
//! makes a new one more often than every 20 minutes, so one token is reused
//! for 50 minutes. One HTTP/2 connection carries every request (reqwest
//! keeps it open and multiplexes), as Apple asks of providers.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Value, json};

use super::sender::{PushError, PushSender, SEND_TIMEOUT, retry_after};

/// Apple's production endpoint (apps from the App Store and TestFlight).
pub const PRODUCTION: &str = "https://api.push.apple.com";
/// Apple's development endpoint (apps run from Xcode).
pub const SANDBOX: &str = "https://api.sandbox.push.apple.com";
/// A provider token is replaced after this long (Apple: at most one new
/// token per 20 minutes, none older than 60).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);

/// What an operator configures (see the README, "iPhone calls").
#[derive(Debug, Clone, PartialEq)]
pub struct ApnsSettings {
    /// The `.p8` signing key from the Apple Developer account.
    pub key_path: PathBuf,
    /// The key's 10-character id.
    pub key_id: String,
    /// The 10-character team id.
    pub team_id: String,
    /// The app's bundle id; VoIP pushes go to the topic `<bundle id>.voip`.
    pub bundle_id: String,
    /// `PRODUCTION`, `SANDBOX`, or another server (tests).
    pub endpoint: String,
    /// An extra certificate authority to trust (a test server, a proxy).
    pub ca_certificate: Option<PathBuf>,
}

pub struct ApnsSender {
    http: reqwest::Client,
    endpoint: String,
    bundle_id: String,
    token: ProviderToken,
}

impl ApnsSender {
    pub fn new(settings: &ApnsSettings) -> anyhow::Result<ApnsSender> {
        let token =
            ProviderToken::from_file(&settings.key_path, &settings.key_id, &settings.team_id)?;
        let mut http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            // APNs speaks HTTP/2 only: ask for it in the TLS handshake.
            .http2_prior_knowledge()
            .http2_keep_alive_interval(Duration::from_secs(60))
            .http2_keep_alive_while_idle(true);
        if let Some(path) = &settings.ca_certificate {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading CS_APNS_CA_CERT {}", path.display()))?;
            let certificate = reqwest::Certificate::from_pem(&pem).with_context(|| {
                format!(
                    "CS_APNS_CA_CERT {} is not a PEM certificate",
                    path.display()
                )
            })?;
            http = http.tls_certs_merge([certificate]);
        }
        Ok(ApnsSender {
            http: http.build().context("building the APNs HTTP client")?,
            endpoint: settings.endpoint.trim_end_matches('/').to_string(),
            bundle_id: settings.bundle_id.clone(),
            token,
        })
    }

    /// `message`: `{"token", "headers": {apns-*}, "payload": {...}}`.
    async fn send_once(&self, message: &Value) -> Result<(), PushError> {
        let device_token = message["token"].as_str().unwrap_or_default();
        if !is_device_token(device_token) {
            // It would only come back as BadDeviceToken; it cannot become valid.
            return Err(PushError::Unregistered);
        }
        let push_type = message["headers"]["apns-push-type"]
            .as_str()
            .unwrap_or("alert");
        let topic = match push_type {
            "voip" => format!("{}.voip", self.bundle_id),
            _ => self.bundle_id.clone(),
        };
        let body = serde_json::to_vec(&message["payload"])
            .map_err(|e| PushError::InvalidArgument(e.to_string()))?;
        let bearer = self.token.current()?;
        let mut request = self
            .http
            .post(format!("{}/3/device/{device_token}", self.endpoint))
            .header("authorization", format!("bearer {bearer}"))
            .header("apns-topic", topic)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in message["headers"].as_object().into_iter().flatten() {
            if let Some(value) = value.as_str() {
                request = request.header(name.as_str(), value);
            }
        }
        let response = request.send().await.map_err(|e| PushError::Retryable {
            retry_after: None,
            message: format!("APNs: {e}"),
        })?;
        let status = response.status().as_u16();
        if status == 200 {
            return Ok(());
        }
        let retry_after = retry_after(&response);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let reason = body["reason"].as_str().unwrap_or_default();
        if reason == "ExpiredProviderToken" {
            self.token.discard(&bearer);
        }
        Err(classify(status, reason, retry_after))
    }
}

impl PushSender for ApnsSender {
    fn send<'a>(&'a self, message: &'a Value) -> BoxFuture<'a, Result<(), PushError>> {
        Box::pin(self.send_once(message))
    }
}

/// An APNs error answer as a typed error. 410 and `BadDeviceToken` mean the
/// token is dead (the app was removed, or it is another environment's);
/// provider-token errors are our credentials; 429 and 5xx pass.
pub fn classify(status: u16, reason: &str, retry_after: Option<Duration>) -> PushError {
    let message = if reason.is_empty() {
        format!("APNs answered HTTP {status}")
    } else {
        format!("APNs answered HTTP {status}: {reason}")
    };
    match (status, reason) {
        (410, _) | (400, "BadDeviceToken") => PushError::Unregistered,
        (403, _) => PushError::Auth(message),
        (429, _) => PushError::QuotaExceeded { retry_after },
        (500..=599, _) => PushError::Retryable {
            retry_after,
            message,
        },
        _ => PushError::InvalidArgument(message),
    }
}

/// An iPhone's device token: hex, as the app registers it (checked at
/// registration too, so a token APNs could never take is refused there).
pub fn is_device_token(token: &str) -> bool {
    token.len() >= 32
        && token.len().is_multiple_of(2)
        && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The provider token: `{alg: ES256, kid}.{iss: team, iat}` signed with the
/// `.p8` key, made on first use and again after `TOKEN_LIFETIME`.
struct ProviderToken {
    key: EcdsaKeyPair,
    key_id: String,
    team_id: String,
    current: Mutex<Option<(String, Instant)>>,
}

impl ProviderToken {
    fn from_file(path: &Path, key_id: &str, team_id: &str) -> anyhow::Result<ProviderToken> {
        let der = PrivatePkcs8KeyDer::from_pem_file(path).with_context(|| {
            format!(
                "CS_APNS_KEY {} is not a .p8 key (a PKCS#8 PEM private key)",
                path.display()
            )
        })?;
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.secret_pkcs8_der())
                .map_err(|e| {
                    anyhow::anyhow!("CS_APNS_KEY {} is not a P-256 key: {e}", path.display())
                })?;
        Ok(ProviderToken {
            key,
            key_id: key_id.to_string(),
            team_id: team_id.to_string(),
            current: Mutex::new(None),
        })
    }

    fn current(&self) -> Result<String, PushError> {
        let mut current = self.current.lock().unwrap();
        if let Some((token, made)) = current.as_ref()
            && made.elapsed() < TOKEN_LIFETIME
        {
            return Ok(token.clone());
        }
        let token = self.make(chrono::Utc::now().timestamp())?;
        *current = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    /// Forgets `stale` (APNs said it expired), unless it was replaced already.
    fn discard(&self, stale: &str) {
        let mut current = self.current.lock().unwrap();
        if current.as_ref().is_some_and(|(token, _)| token == stale) {
            *current = None;
        }
    }

    fn make(&self, issued_at: i64) -> Result<String, PushError> {
        let header = json!({"alg": "ES256", "kid": self.key_id});
        let claims = json!({"iss": self.team_id, "iat": issued_at});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .key
            .sign(&SystemRandom::new(), signed.as_bytes())
            .map_err(|_| PushError::Auth("could not sign the APNs provider token".into()))?;
        Ok(format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apns_errors_become_typed_errors() {
        assert_eq!(classify(410, "Unregistered", None), PushError::Unregistered);
        assert_eq!(
            classify(400, "BadDeviceToken", None),
            PushError::Unregistered
        );
        assert!(matches!(
            classify(403, "InvalidProviderToken", None),
            PushError::Auth(_)
        ));
        let wait = Some(Duration::from_secs(2));
        assert_eq!(
            classify(429, "TooManyRequests", wait),
            PushError::QuotaExceeded { retry_after: wait }
        );
        assert!(matches!(
            classify(503, "ServiceUnavailable", None),
            PushError::Retryable { .. }
        ));
        assert!(matches!(
            classify(400, "BadTopic", None),
            PushError::InvalidArgument(m) if m.contains("BadTopic")
        ));
    }

    #[test]
    fn device_tokens_are_hex() {
        assert!(is_device_token(&"ab".repeat(32)));
        assert!(!is_device_token("ab/../cd"));
        assert!(!is_device_token(&"a".repeat(63)));
        assert!(!is_device_token("abcd"));
    }
}

//! The fake refuses what APNs refuses, over HTTP/2 and TLS, with Apple's
//! statuses and reasons; tokens are signed here with ring, as a provider
//! signs them.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use fakeapns::{Failure, FakeApns, FakeApnsConfig, TestKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};

const BUNDLE: &str = "com.example.support";
const TEAM: &str = "TEAM123456";
const KID: &str = "KEY1234567";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn device(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// An ES256 provider token, signed with `key` but claiming `kid` and `iss`.
fn jwt_with(key: &TestKey, alg: &str, kid: &str, iss: &str, iat: i64) -> String {
    let body: String = key
        .p8_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body).unwrap();
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng).unwrap();
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": kid}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(json!({"iss": iss, "iat": iat}).to_string());
    let signed = format!("{header}.{claims}");
    let signature = pair.sign(&rng, signed.as_bytes()).unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn jwt(key: &TestKey, iat: i64) -> String {
    jwt_with(key, "ES256", &key.key_id, &key.team_id, iat)
}

fn client(fake: &FakeApns) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(fake.ca_certificate_pem().as_bytes()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap()
}

type Headers = Vec<(&'static str, String)>;

/// A fake trusting one key, a client trusting the fake, and one token.
struct Setup {
    fake: FakeApns,
    key: TestKey,
    http: reqwest::Client,
    token: String,
}

struct Reply {
    status: u16,
    apns_id: Option<String>,
    version: reqwest::Version,
    body: Value,
}

impl Reply {
    fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or_default()
    }
}

async fn setup() -> Setup {
    let key = TestKey::generate(KID, TEAM);
    setup_from(FakeApnsConfig::new(&key, BUNDLE), key, now()).await
}

/// A fake started with `config`, and a token of `key` issued at `iat`.
async fn setup_from(config: FakeApnsConfig, key: TestKey, iat: i64) -> Setup {
    let fake = FakeApns::start(config).await;
    Setup {
        http: client(&fake),
        token: jwt(&key, iat),
        fake,
        key,
    }
}

impl Setup {
    /// What the server sends for an incoming call.
    fn voip(&self) -> Headers {
        vec![
            ("authorization", format!("bearer {}", self.token)),
            ("apns-topic", format!("{BUNDLE}.voip")),
            ("apns-push-type", "voip".into()),
            ("apns-priority", "10".into()),
            ("apns-expiration", "0".into()),
        ]
    }

    async fn send(&self, device: &str, headers: &Headers, body: impl Into<Vec<u8>>) -> Reply {
        self.request(
            reqwest::Method::POST,
            &format!("/3/device/{device}"),
            headers,
            body,
        )
        .await
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &Headers,
        body: impl Into<Vec<u8>>,
    ) -> Reply {
        let url = format!("{}{path}", self.fake.endpoint());
        let mut request = self.http.request(method, url).body(body.into());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let version = response.version();
        let apns_id = (response.headers().get("apns-id")).map(|v| v.to_str().unwrap().to_string());
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            apns_id,
            version,
            body,
        }
    }
}

fn set(mut headers: Headers, name: &'static str, value: &str) -> Headers {
    headers.retain(|(n, _)| *n != name);
    headers.push((name, value.to_string()));
    headers
}

fn unset(mut headers: Headers, name: &str) -> Headers {
    headers.retain(|(n, _)| *n != name);
    headers
}

fn call() -> Vec<u8> {
    json!({"aps": {}, "call_id": "c1"}).to_string().into_bytes()
}

/// A payload of exactly `len` bytes.
fn payload_of(len: usize) -> Vec<u8> {
    let pad = len - r#"{"aps":{},"pad":""}"#.len();
    let body = format!(r#"{{"aps":{{}},"pad":"{}"}}"#, "x".repeat(pad));
    assert_eq!(body.len(), len);
    body.into_bytes()
}

#[tokio::test]
async fn a_voip_push_is_accepted_over_http2_and_recorded() {
    let s = setup().await;
    let id = "123e4567-e89b-12d3-a456-4266554400a0";
    let headers = set(s.voip(), "apns-id", id);
    let reply = s.send(&device(1), &headers, call()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, Value::Null, "an empty body");
    assert_eq!(reply.apns_id.as_deref(), Some(id));
    assert_eq!(reply.version, reqwest::Version::HTTP_2);

    let accepted = s.fake.accepted();
    assert_eq!(accepted.len(), 1);
    let push = &accepted[0];
    assert_eq!(push.device_token, device(1));
    assert_eq!(push.apns_id, id);
    assert_eq!(push.http_version, "HTTP/2.0");
    assert_eq!(push.push_type(), Some("voip"));
    assert_eq!(push.topic(), Some("com.example.support.voip"));
    assert_eq!(push.topic().map(String::from), Some(s.fake.voip_topic()));
    assert_eq!(push.priority(), Some(10));
    assert_eq!(push.expiration(), Some(0));
    assert!(!push.already_expired);
    assert_eq!(push.payload["call_id"], "c1");
    assert!(push.header("authorization").is_none());
    assert_eq!((s.fake.requests(), s.fake.accepted_count()), (1, 1));
    assert!(s.fake.refused().is_empty());
    assert_eq!(s.fake.provider_tokens_seen(), 1);
}

#[tokio::test]
async fn an_apns_id_is_made_up_when_none_is_sent() {
    let s = setup().await;
    let reply = s.send(&device(1), &s.voip(), call()).await;
    assert_eq!(reply.status, 200);
    let id = reply.apns_id.unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(s.fake.accepted()[0].apns_id, id);
}

#[tokio::test]
async fn a_missing_provider_token_is_403_missing_provider_token() {
    let s = setup().await;
    let reply = s
        .send(&device(1), &unset(s.voip(), "authorization"), call())
        .await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "MissingProviderToken")
    );
    assert!(reply.apns_id.is_some(), "errors carry an apns-id too");
    assert_eq!(s.fake.accepted_count(), 0);
    let refused = s.fake.refused();
    assert_eq!(refused[0].reason, "MissingProviderToken");
    assert_eq!(refused[0].device_token, device(1));
}

async fn refused_token(s: &Setup, token: &str) -> Reply {
    let headers = set(s.voip(), "authorization", &format!("bearer {token}"));
    let reply = s.send(&device(1), &headers, call()).await;
    assert_eq!(s.fake.accepted_count(), 0);
    reply
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_invalid() {
    let s = setup().await;
    let other = TestKey::generate(KID, TEAM);
    let reply = refused_token(&s, &jwt(&other, now())).await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "InvalidProviderToken")
    );
}

#[tokio::test]
async fn a_token_of_an_unknown_key_id_is_invalid() {
    let s = setup().await;
    let token = jwt_with(&s.key, "ES256", "OTHERKEY00", TEAM, now());
    let reply = refused_token(&s, &token).await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "InvalidProviderToken")
    );
}

#[tokio::test]
async fn a_token_of_another_team_is_invalid() {
    let s = setup().await;
    let token = jwt_with(&s.key, "ES256", KID, "OTHERTEAM0", now());
    let reply = refused_token(&s, &token).await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "InvalidProviderToken")
    );
}

#[tokio::test]
async fn a_token_issued_over_an_hour_ago_is_expired() {
    let s = setup().await;
    let reply = refused_token(&s, &jwt(&s.key, now() - 3601)).await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "ExpiredProviderToken")
    );
}

#[tokio::test]
async fn malformed_tokens_wrong_alg_future_iat_and_other_schemes_are_invalid() {
    let s = setup().await;
    let tokens = [
        jwt_with(&s.key, "HS256", KID, TEAM, now()),
        jwt(&s.key, now() + 600),
        format!("{}=", jwt(&s.key, now())),
        "not-a-jwt".to_string(),
    ];
    for token in tokens {
        let reply = refused_token(&s, &token).await;
        assert_eq!(reply.status, 403, "{token}");
        assert_eq!(reply.reason(), "InvalidProviderToken", "{token}");
    }
    // A scheme other than bearer, or none.
    for value in [s.token.clone(), format!("basic {}", s.token)] {
        let headers = set(s.voip(), "authorization", &value);
        let reply = s.send(&device(1), &headers, call()).await;
        assert_eq!(
            (reply.status, reply.reason()),
            (403, "InvalidProviderToken")
        );
    }
    let reply = s
        .send(
            &device(1),
            &set(s.voip(), "authorization", "bearer "),
            call(),
        )
        .await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "MissingProviderToken")
    );
    assert_eq!(s.fake.provider_tokens_seen(), 0);
}

#[tokio::test]
async fn new_tokens_sooner_than_20_minutes_apart_are_too_many_updates() {
    let key = TestKey::generate(KID, TEAM);
    let s = setup_from(FakeApnsConfig::new(&key, BUNDLE), key, now() - 25 * 60).await;
    let with = |token: &str| set(s.voip(), "authorization", &format!("bearer {token}"));
    assert_eq!(s.send(&device(1), &s.voip(), call()).await.status, 200);
    // 25 minutes later: a proper refresh.
    let fresh = jwt(&s.key, now());
    assert_eq!(s.send(&device(1), &with(&fresh), call()).await.status, 200);
    // Another one at once is not.
    let again = jwt(&s.key, now() - 30);
    let reply = s.send(&device(1), &with(&again), call()).await;
    assert_eq!(
        (reply.status, reply.reason()),
        (429, "TooManyProviderTokenUpdates")
    );
    // Tokens seen before stay good (requests in flight across a refresh).
    assert_eq!(s.send(&device(1), &s.voip(), call()).await.status, 200);
    assert_eq!(s.fake.provider_tokens_seen(), 2);
}

#[tokio::test]
async fn the_refresh_limit_can_be_turned_off() {
    let key = TestKey::generate(KID, TEAM);
    let config = FakeApnsConfig {
        refresh_limit: false,
        ..FakeApnsConfig::new(&key, BUNDLE)
    };
    let s = setup_from(config, key, now()).await;
    for iat in [now() - 2, now() - 1, now()] {
        let headers = set(
            s.voip(),
            "authorization",
            &format!("bearer {}", jwt(&s.key, iat)),
        );
        assert_eq!(s.send(&device(1), &headers, call()).await.status, 200);
    }
    assert_eq!(s.fake.provider_tokens_seen(), 3);
}

#[tokio::test]
async fn a_missing_topic_is_400_missing_topic_and_a_foreign_one_bad_topic() {
    let s = setup().await;
    let reply = s
        .send(&device(1), &unset(s.voip(), "apns-topic"), call())
        .await;
    assert_eq!((reply.status, reply.reason()), (400, "MissingTopic"));
    let reply = s
        .send(
            &device(1),
            &set(s.voip(), "apns-topic", "com.other.app.voip"),
            call(),
        )
        .await;
    assert_eq!((reply.status, reply.reason()), (400, "BadTopic"));
    assert_eq!(s.fake.accepted_count(), 0);
}

#[tokio::test]
async fn a_voip_push_to_the_bundle_topic_is_refused() {
    let s = setup().await;
    let reply = s
        .send(&device(1), &set(s.voip(), "apns-topic", BUNDLE), call())
        .await;
    assert_eq!(
        (reply.status, reply.reason()),
        (400, "DeviceTokenNotForTopic")
    );
    // And the other way round: the .voip topic takes VoIP pushes only.
    let reply = s
        .send(
            &device(1),
            &set(s.voip(), "apns-push-type", "alert"),
            call(),
        )
        .await;
    assert_eq!((reply.status, reply.reason()), (400, "InvalidPushType"));
    for push_type in [None, Some("VoIP"), Some("call")] {
        let headers = match push_type {
            None => unset(s.voip(), "apns-push-type"),
            Some(t) => set(s.voip(), "apns-push-type", t),
        };
        let reply = s.send(&device(1), &headers, call()).await;
        assert_eq!((reply.status, reply.reason()), (400, "InvalidPushType"));
    }
    // An alert to the bundle topic is fine.
    let alert = set(
        set(s.voip(), "apns-topic", BUNDLE),
        "apns-push-type",
        "alert",
    );
    assert_eq!(s.send(&device(1), &alert, call()).await.status, 200);
    assert_eq!(s.fake.accepted_count(), 1);
}

#[tokio::test]
async fn a_bad_priority_is_400_bad_priority() {
    let s = setup().await;
    for priority in ["high", "0", "7", ""] {
        let reply = s
            .send(
                &device(1),
                &set(s.voip(), "apns-priority", priority),
                call(),
            )
            .await;
        assert_eq!(
            (reply.status, reply.reason()),
            (400, "BadPriority"),
            "{priority}"
        );
    }
    let background = |priority: &str| {
        let h = set(s.voip(), "apns-topic", BUNDLE);
        set(
            set(h, "apns-push-type", "background"),
            "apns-priority",
            priority,
        )
    };
    let reply = s.send(&device(1), &background("10"), call()).await;
    assert_eq!((reply.status, reply.reason()), (400, "BadPriority"));
    assert_eq!(
        s.send(&device(1), &background("5"), call()).await.status,
        200
    );
    for priority in ["5", "1"] {
        let reply = s
            .send(
                &device(1),
                &set(s.voip(), "apns-priority", priority),
                call(),
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    assert_eq!(s.fake.accepted_count(), 3);
}

#[tokio::test]
async fn a_bad_expiration_is_400_and_a_past_one_is_accepted_as_already_expired() {
    let s = setup().await;
    for expiration in ["soon", "-1", "1.5", "+60"] {
        let headers = set(s.voip(), "apns-expiration", expiration);
        let reply = s.send(&device(1), &headers, call()).await;
        assert_eq!((reply.status, reply.reason()), (400, "BadExpirationDate"));
    }
    let past = (now() - 60).to_string();
    let future = (now() + 60).to_string();
    for expiration in [&past, &future] {
        let headers = set(s.voip(), "apns-expiration", expiration);
        assert_eq!(s.send(&device(1), &headers, call()).await.status, 200);
    }
    let accepted = s.fake.accepted();
    assert!(accepted[0].already_expired);
    assert!(!accepted[1].already_expired);
    assert_eq!(accepted[1].expiration(), Some(future.parse().unwrap()));
}

#[tokio::test]
async fn a_bad_apns_id_is_400_bad_message_id() {
    let s = setup().await;
    for id in [
        "1",
        "123e4567e89b12d3a4564266554400a0",
        "123e4567-e89b-12d3-a456-42665544zzzz",
    ] {
        let reply = s
            .send(&device(1), &set(s.voip(), "apns-id", id), call())
            .await;
        assert_eq!((reply.status, reply.reason()), (400, "BadMessageId"));
        assert_ne!(reply.apns_id.as_deref(), Some(id), "a fresh id is answered");
    }
}

#[tokio::test]
async fn a_collapse_id_over_64_bytes_is_400_bad_collapse_id() {
    let s = setup().await;
    let reply = s
        .send(
            &device(1),
            &set(s.voip(), "apns-collapse-id", &"c".repeat(65)),
            call(),
        )
        .await;
    assert_eq!((reply.status, reply.reason()), (400, "BadCollapseId"));
    let reply = s
        .send(
            &device(1),
            &set(s.voip(), "apns-collapse-id", &"c".repeat(64)),
            call(),
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn repeated_apns_headers_are_400_duplicate_headers() {
    let s = setup().await;
    let mut headers = s.voip();
    headers.push(("apns-priority", "5".into()));
    let reply = s.send(&device(1), &headers, call()).await;
    assert_eq!((reply.status, reply.reason()), (400, "DuplicateHeaders"));
}

#[tokio::test]
async fn payloads_over_5120_bytes_are_413_for_voip_and_over_4096_for_alerts() {
    let s = setup().await;
    let reply = s.send(&device(1), &s.voip(), payload_of(5121)).await;
    assert_eq!((reply.status, reply.reason()), (413, "PayloadTooLarge"));
    assert_eq!(
        s.send(&device(1), &s.voip(), payload_of(5120)).await.status,
        200
    );
    assert_eq!(
        s.send(&device(1), &s.voip(), payload_of(5000)).await.status,
        200
    );
    let alert = set(
        set(s.voip(), "apns-topic", BUNDLE),
        "apns-push-type",
        "alert",
    );
    let reply = s.send(&device(1), &alert, payload_of(5000)).await;
    assert_eq!((reply.status, reply.reason()), (413, "PayloadTooLarge"));
    assert_eq!(
        s.send(&device(1), &alert, payload_of(4096)).await.status,
        200
    );
    assert_eq!(s.fake.accepted_count(), 3);
}

#[tokio::test]
async fn empty_and_non_json_payloads_are_refused() {
    let s = setup().await;
    let reply = s.send(&device(1), &s.voip(), Vec::new()).await;
    assert_eq!((reply.status, reply.reason()), (400, "PayloadEmpty"));
    for body in ["not json", "[1]", r#"{"call_id":"c1"}"#, r#"{"aps":"x"}"#] {
        let reply = s.send(&device(1), &s.voip(), body).await;
        assert_eq!(
            (reply.status, reply.reason()),
            (400, "BadRequest"),
            "{body}"
        );
    }
    assert_eq!(s.fake.accepted_count(), 0);
}

#[tokio::test]
async fn a_bad_device_token_is_400_bad_device_token() {
    let s = setup().await;
    for token in ["abc".repeat(21), "zz".repeat(32), "ab".repeat(8)] {
        let reply = s.send(&token, &s.voip(), call()).await;
        assert_eq!(
            (reply.status, reply.reason()),
            (400, "BadDeviceToken"),
            "{token}"
        );
    }
    let reply = s.send("", &s.voip(), call()).await;
    assert_eq!((reply.status, reply.reason()), (400, "MissingDeviceToken"));
    let refused = s.fake.refused();
    assert_eq!(refused.len(), 4);
    assert_eq!(refused[0].device_token, "abc".repeat(21));
}

#[tokio::test]
async fn other_paths_are_404_and_other_methods_405() {
    let s = setup().await;
    let path = format!("/3/device/{}", device(1));
    let reply = s.request(reqwest::Method::GET, &path, &s.voip(), "").await;
    assert_eq!((reply.status, reply.reason()), (405, "MethodNotAllowed"));
    let reply = s
        .request(reqwest::Method::POST, "/2/device/ab", &s.voip(), call())
        .await;
    assert_eq!((reply.status, reply.reason()), (404, "BadPath"));
    // Authentication comes first.
    let headers = unset(s.voip(), "authorization");
    let reply = s.request(reqwest::Method::GET, "/", &headers, "").await;
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "MissingProviderToken")
    );
    assert_eq!(s.fake.requests(), 3);
}

#[tokio::test]
async fn an_unregistered_token_answers_410_with_a_timestamp() {
    let s = setup().await;
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    s.fake.unregister(&device(1));
    let reply = s.send(&device(1), &s.voip(), call()).await;
    assert_eq!((reply.status, reply.reason()), (410, "Unregistered"));
    let timestamp = reply.body["timestamp"].as_i64().expect("a timestamp in ms");
    assert!(
        (before..before + 60_000).contains(&timestamp),
        "{timestamp} vs {before}"
    );
    assert_eq!(s.send(&device(2), &s.voip(), call()).await.status, 200);
    let refused = s.fake.refused();
    assert_eq!(
        (refused[0].status, refused[0].device_token.clone()),
        (410, device(1))
    );
}

#[tokio::test]
async fn fail_next_two_service_unavailable_then_success() {
    let s = setup().await;
    s.fake.fail_next(2, Failure::ServiceUnavailable);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let reply = s.send(&device(1), &s.voip(), call()).await;
        statuses.push((reply.status, reply.reason().to_string()));
    }
    let unavailable = (503, "ServiceUnavailable".to_string());
    assert_eq!(
        statuses,
        [unavailable.clone(), unavailable, (200, String::new())]
    );
    let refused = s.fake.refused();
    assert_eq!(refused.len(), 2);
    assert!(refused.iter().all(|r| r.reason == "ServiceUnavailable"));
    assert_eq!(s.fake.accepted_count(), 1);
}

#[tokio::test]
async fn scripted_failures_skip_requests_that_fail_a_check() {
    let s = setup().await;
    s.fake.fail_next(1, Failure::InternalServerError);
    s.fake.fail_next(1, Failure::TooManyRequests);
    let bad = set(s.voip(), "apns-priority", "9");
    assert_eq!(
        s.send(&device(1), &bad, call()).await.reason(),
        "BadPriority"
    );
    let reply = s.send(&device(1), &s.voip(), call()).await;
    assert_eq!((reply.status, reply.reason()), (500, "InternalServerError"));
    let reply = s.send(&device(1), &s.voip(), call()).await;
    assert_eq!((reply.status, reply.reason()), (429, "TooManyRequests"));
    assert_eq!(s.send(&device(1), &s.voip(), call()).await.status, 200);
}

#[tokio::test]
async fn http1_cannot_get_a_200() {
    let s = setup().await;
    let ca = reqwest::Certificate::from_pem(s.fake.ca_certificate_pem().as_bytes()).unwrap();
    let http1 = reqwest::Client::builder()
        .tls_certs_only([ca])
        .http1_only()
        .build()
        .unwrap();
    let mut request = http1
        .post(format!("{}/3/device/{}", s.fake.endpoint(), device(1)))
        .body(call());
    for (name, value) in s.voip() {
        request = request.header(name, value);
    }
    let result = request.send().await;
    assert!(!matches!(&result, Ok(r) if r.status() == 200), "{result:?}");
    assert_eq!((s.fake.requests(), s.fake.accepted_count()), (0, 0));
}

#[tokio::test]
async fn http1_over_tls_without_alpn_gets_no_answer() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = setup().await;
    let mut roots = rustls::RootCertStore::empty();
    let pem = s.fake.ca_certificate_pem();
    roots
        .add(CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let addr = s.fake.endpoint().trim_start_matches("https://").to_string();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector
        .connect(name, tcp)
        .await
        .expect("TLS itself works");
    let body = String::from_utf8(call()).unwrap();
    let mut request = format!("POST /3/device/{} HTTP/1.1\r\nhost: {addr}\r\n", device(1));
    for (name, value) in s.voip() {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    let _ = tls.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the fake closes the connection");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_eq!((s.fake.requests(), s.fake.accepted_count()), (0, 0));
}

#[tokio::test]
async fn the_delay_holds_every_answer() {
    let s = setup().await;
    s.fake.set_delay(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(s.send(&device(1), &s.voip(), call()).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let push = &s.fake.accepted()[0];
    assert!(
        push.arrived < started + Duration::from_millis(300),
        "arrival precedes the delay"
    );
}

#[tokio::test]
async fn wait_until_returns_once_a_push_arrives() {
    let s = std::sync::Arc::new(setup().await);
    let sender = s.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        sender.send(&device(1), &sender.voip(), call()).await;
    });
    let accepted = s
        .fake
        .wait_until(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    assert_eq!(accepted.len(), 1);
    let refused = s
        .fake
        .wait_until_refused(Duration::from_millis(50), |r| !r.is_empty())
        .await;
    assert!(refused.is_empty(), "times out empty");
}

#[tokio::test]
async fn dropping_the_fake_closes_its_connections() {
    let s = setup().await;
    assert_eq!(s.send(&device(1), &s.voip(), call()).await.status, 200);
    let url = format!("{}/3/device/{}", s.fake.endpoint(), device(1));
    let Setup { fake, http, .. } = s;
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(http.post(url).body(call()).send().await.is_err());
}

#[test]
fn the_p8_file_is_named_as_apple_names_it() {
    let key = TestKey::generate(KID, TEAM);
    let dir = std::env::temp_dir().join(format!("fakeapns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = key.write_p8(&dir);
    assert_eq!(path.file_name().unwrap(), "AuthKey_KEY1234567.p8");
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(pem, key.p8_pem);
    std::fs::remove_dir_all(&dir).unwrap();
}

//! iPhone calls through APNs: the real server sends PushKit VoIP pushes to
//! a fake APNs on 127.0.0.1 (HTTP/2 over TLS, ES256 provider tokens checked
//! as Apple checks them) and everything else to a fake FCM. On SQLite, and
//! on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use std::time::{Duration, Instant};

use common::ws::WsClient;
use common::{Session, TestApp};
use fakeapns::{FakeApns, TestKey};
use fakefcm::FakeFcm;
use protocol::{CallSession, Role, Ticket};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

/// Long enough for a push to get through the queue on a busy machine.
const WAIT: Duration = Duration::from_secs(10);
/// How long we watch for a push that must not come.
const QUIET: Duration = Duration::from_millis(1500);
const BUNDLE_ID: &str = "support.customerservice.app";
/// PushKit's token for the agent's iPhone, as the app registers it (hex).
const VOIP_TOKEN: &str = "5f0c1e9a2b7d4c3e8f6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e";
/// The same iPhone's FCM token (messages, and stop-ringing).
const FCM_TOKEN: &str = "agent-iphone-fcm";

/// A department with one Active agent whose iPhone is registered (its FCM
/// token and its VoIP token, from one session) and has no socket, a
/// customer and the customer's ticket.
struct Scene {
    app: TestApp,
    apns: FakeApns,
    fcm: FakeFcm,
    _dir: tempfile::TempDir,
    agent: Session,
    customer: Session,
    ticket: Ticket,
}

async fn scene() -> Scene {
    let key = TestKey::generate("KEY1234567", "TEAM123456");
    let apns = FakeApns::start_with(&key, BUNDLE_ID).await;
    let fcm = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let credentials = fcm.write_service_account(dir.path());
    let p8 = key.write_p8(dir.path());
    let ca = dir.path().join("fake-apns-ca.pem");
    std::fs::write(&ca, apns.ca_certificate_pem()).unwrap();
    let (fcm_endpoint, apns_endpoint) = (fcm.endpoint(), apns.endpoint());
    let app = TestApp::start_with(move |config| {
        config.fcm_credentials = Some(credentials);
        config.fcm_endpoint = fcm_endpoint;
        config.apns_key = Some(p8);
        config.apns_key_id = Some("KEY1234567".into());
        config.apns_team_id = Some("TEAM123456".into());
        config.apns_bundle_id = Some(BUNDLE_ID.into());
        config.apns_endpoint = Some(apns_endpoint);
        config.apns_ca_cert = Some(ca);
    })
    .await;
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let agent = app.staff(&admin, "Ada", Role::Agent, Some(&dept)).await;
    agent
        .request(
            reqwest::Method::PUT,
            "/v1/me/status",
            Some(json!({"status": "active"})),
        )
        .await
        .expect(StatusCode::OK);
    let customer = app.customer("Ann").await;
    let ticket = customer.open_ticket(&dept, "No dial tone").await;
    register(&agent, "ios", FCM_TOKEN).await;
    register(&agent, "ios_voip", VOIP_TOKEN).await;
    Scene {
        app,
        apns,
        fcm,
        _dir: dir,
        agent,
        customer,
        ticket,
    }
}

async fn register(session: &Session, platform: &str, token: &str) {
    let resp = session
        .post("/v1/devices", json!({"platform": platform, "token": token}))
        .await;
    assert!(
        resp.status == StatusCode::CREATED || resp.status == StatusCode::OK,
        "{}",
        resp.body
    );
}

async fn place_call(s: &Scene) -> CallSession {
    let resp = s
        .customer
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await;
    resp.expect(StatusCode::CREATED);
    resp.json()
}

/// `sql` (a `COUNT(*) AS n` with one parameter) for `token`.
async fn count(app: &TestApp, sql: &'static str, token: &str) -> i64 {
    sqlx::query(sql)
        .bind(token.to_string())
        .fetch_one(app.server.state.db.reader())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

fn fcm_calls_to_the_iphone(fcm: &FakeFcm, kind: &str) -> usize {
    fcm.accepted()
        .iter()
        .filter(|p| p.token() == FCM_TOKEN && p.data("type") == Some(kind))
        .count()
}

#[tokio::test]
async fn a_call_rings_an_offline_iphone_by_exactly_one_voip_push_and_answered_elsewhere_sends_no_more()
 {
    let s = scene().await;
    let placed = Instant::now();
    let call = place_call(&s).await;
    let call_id = call.call.id.to_string();

    let pushes = s.apns.wait_until(WAIT, |p| !p.is_empty()).await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let push = &pushes[0];
    assert_eq!(push.device_token, VOIP_TOKEN);
    assert_eq!(push.push_type(), Some("voip"));
    assert_eq!(push.topic(), Some(format!("{BUNDLE_ID}.voip").as_str()));
    assert_eq!(push.priority(), Some(10));
    assert!(!push.already_expired);
    // It expires when the call stops ringing: 30 s after it began.
    let deadline = call.call.created_at.timestamp() + 30;
    let expiration = push.expiration().unwrap() as i64;
    assert!(
        (expiration - deadline).abs() <= 1,
        "{expiration} vs {deadline}"
    );
    assert_eq!(push.payload["type"], "incoming_call");
    assert_eq!(push.payload["call_id"], call_id);
    assert_eq!(push.payload["caller_name"], "Ann");
    assert_eq!(push.payload["ticket_subject"], "No dial tone");
    assert_eq!(push.payload["aps"], json!({}));
    assert_eq!(push.apns_id, push.payload["push_id"].as_str().unwrap());
    assert!(placed.elapsed() < Duration::from_secs(30));

    // The iPhone rings once, through PushKit: its FCM token is not rung too.
    tokio::time::sleep(QUIET).await;
    assert_eq!(fcm_calls_to_the_iphone(&s.fcm, "incoming_call"), 0);

    // Answered on the agent's desk: the iPhone is told through FCM, never
    // by another VoIP push (iOS would have to show it as a new call).
    let desk = s.app.login("ada@staff.example", common::PASSWORD).await;
    let _socket = WsClient::connect(&s.app.base, &desk.token).await;
    desk.post(&format!("/v1/calls/{call_id}/accept"), json!({}))
        .await
        .expect(StatusCode::OK);
    let stops = s
        .fcm
        .wait_until(WAIT, |p| {
            p.iter()
                .any(|p| p.token() == FCM_TOKEN && p.data("type") == Some("stop_ringing"))
        })
        .await;
    let stop = stops
        .iter()
        .find(|p| p.token() == FCM_TOKEN && p.data("type") == Some("stop_ringing"))
        .unwrap();
    assert_eq!(stop.data("call_id"), Some(call_id.as_str()));
    assert_eq!(stop.data("reason"), Some("answered_elsewhere"));
    tokio::time::sleep(QUIET).await;
    assert_eq!(s.apns.accepted().len(), 1, "no further VoIP push");
    assert_eq!(fcm_calls_to_the_iphone(&s.fcm, "stop_ringing"), 1);
    assert_eq!(s.apns.provider_tokens_seen(), 1);
    s.app.stop().await;
}

#[tokio::test]
async fn a_voip_push_waiting_for_its_retry_is_cancelled_when_the_call_stops_ringing() {
    let s = scene().await;
    s.apns.fail_next(1, fakeapns::Failure::ServiceUnavailable);
    let call = place_call(&s).await;
    let refused = s.apns.wait_until_refused(WAIT, |r| !r.is_empty()).await;
    assert_eq!(refused[0].status, 503);
    // Declined before the retry comes due (the first backoff is 0.4 s or more).
    s.agent
        .post(&format!("/v1/calls/{}/decline", call.call.id), json!({}))
        .await
        .expect(StatusCode::OK);
    tokio::time::sleep(QUIET).await;
    assert!(s.apns.accepted().is_empty(), "{:?}", s.apns.accepted());
    assert_eq!(s.apns.requests(), 1);
    s.app.stop().await;
}

#[tokio::test]
async fn a_voip_push_that_apns_cannot_take_is_retried_and_delivered_once() {
    let s = scene().await;
    s.apns.fail_next(2, fakeapns::Failure::ServiceUnavailable);
    place_call(&s).await;
    let pushes = s.apns.wait_until(WAIT, |p| !p.is_empty()).await;
    assert_eq!(pushes.len(), 1);
    tokio::time::sleep(QUIET).await;
    assert_eq!(s.apns.accepted().len(), 1, "delivered once");
    assert_eq!(s.apns.refused().len(), 2);
    // Two refused, one accepted, and nothing after it.
    assert_eq!(s.apns.requests(), 3);
    s.app.stop().await;
}

#[tokio::test]
async fn a_voip_token_apns_calls_unregistered_is_removed_with_its_queue() {
    let s = scene().await;
    s.apns.unregister(VOIP_TOKEN);
    place_call(&s).await;
    let refused = s.apns.wait_until_refused(WAIT, |r| !r.is_empty()).await;
    assert_eq!(refused[0].status, 410);
    assert_eq!(refused[0].reason, "Unregistered");
    let deadline = Instant::now() + WAIT;
    while count(
        &s.app,
        "SELECT COUNT(*) AS n FROM devices WHERE token = $1",
        VOIP_TOKEN,
    )
    .await
        > 0
    {
        assert!(
            Instant::now() < deadline,
            "the dead VoIP token is still registered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let queued = count(
        &s.app,
        "SELECT COUNT(*) AS n FROM push_queue WHERE device_token = $1",
        VOIP_TOKEN,
    )
    .await;
    assert_eq!(queued, 0);
    // The phone's FCM token stays: only the VoIP token died.
    let fcm = count(
        &s.app,
        "SELECT COUNT(*) AS n FROM devices WHERE token = $1",
        FCM_TOKEN,
    )
    .await;
    assert_eq!(fcm, 1);
    s.app.stop().await;
}

#[tokio::test]
async fn the_voip_self_test_goes_through_apns_and_says_when_the_token_is_dead() {
    let s = scene().await;
    let path = format!("/v1/devices/{VOIP_TOKEN}/test");
    let resp = s.agent.post(&path, json!({})).await;
    resp.expect(StatusCode::OK);
    let push_id = resp.body["push_id"].as_str().unwrap().to_string();
    let pushes = s.apns.wait_until(WAIT, |p| !p.is_empty()).await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].push_type(), Some("voip"));
    assert_eq!(pushes[0].payload["type"], "test");
    assert_eq!(pushes[0].payload["push_id"], push_id);
    assert!(
        s.fcm
            .accepted()
            .iter()
            .all(|p| p.data("type") != Some("test")),
        "the self-test of a VoIP token is not FCM's"
    );

    s.apns.unregister(VOIP_TOKEN);
    let resp = s.agent.post(&path, json!({})).await;
    resp.expect(StatusCode::BAD_GATEWAY);
    assert_eq!(resp.body["error"]["code"], "push_token_unregistered");
    assert!(
        resp.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("APNs")
    );
    // Forgotten: a second try is told to register first.
    let resp = s.agent.post(&path, json!({})).await;
    resp.expect(StatusCode::NOT_FOUND);
    s.app.stop().await;
}

#[tokio::test]
async fn a_voip_token_must_be_hex() {
    let s = scene().await;
    // Not hex, and hex too short to be PushKit's: both refused at once.
    for token in ["not/a-token", "abcd"] {
        let resp = s
            .agent
            .post(
                "/v1/devices",
                json!({"platform": "ios_voip", "token": token}),
            )
            .await;
        resp.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(resp.body["error"]["code"], "invalid_field");
    }
    s.app.stop().await;
}

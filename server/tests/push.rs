//! Push notifications through the real server and a fake FCM on 127.0.0.1
//! (OAuth JWT-bearer exchange, `messages:send` shape checks): who gets what,
//! retries, UNREGISTERED, a restart mid-queue, and the device endpoints.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::ws::WsClient;
use common::{Session, TestApp, metric};
use fakefcm::{Failure, FakeFcm, Received};
use protocol::{CallSession, Role, Ticket};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

/// Long enough for a push to get through the queue on a busy machine.
const WAIT: Duration = Duration::from_secs(10);
/// How long we watch for a push that must not come.
const QUIET: Duration = Duration::from_millis(1500);

/// A server whose push goes to `fake`.
async fn app_with(
    fake: &FakeFcm,
    dir: &tempfile::TempDir,
    adjust: impl FnOnce(&mut server::Config),
) -> TestApp {
    let credentials = fake.write_service_account(dir.path());
    let endpoint = fake.endpoint();
    TestApp::start_with(move |config| {
        config.fcm_credentials = Some(credentials);
        config.fcm_endpoint = endpoint;
        adjust(config);
    })
    .await
}

/// A department with one Active agent (who gets the ticket), a customer and
/// the customer's ticket.
struct Scene {
    app: TestApp,
    fake: FakeFcm,
    _dir: tempfile::TempDir,
    agent: Session,
    customer: Session,
    ticket: Ticket,
}

async fn scene_with(adjust: impl FnOnce(&mut server::Config)) -> Scene {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&fake, &dir, adjust).await;
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let agent = app.staff(&admin, "Ada", Role::Agent, Some(&dept)).await;
    set_status(&agent, "active").await;
    let customer = app.customer("Ann").await;
    let ticket = customer.open_ticket(&dept, "Router keeps rebooting").await;
    // The ticket's first message is behind us before any device registers.
    settle(&app).await;
    Scene {
        app,
        fake,
        _dir: dir,
        agent,
        customer,
        ticket,
    }
}

async fn scene() -> Scene {
    scene_with(|_| {}).await
}

async fn set_status(session: &Session, status: &str) {
    session
        .request(
            Method::PUT,
            "/v1/me/status",
            Some(json!({"status": status})),
        )
        .await
        .expect(StatusCode::OK);
}

async fn register(session: &Session, token: &str) {
    let resp = session
        .post(
            "/v1/devices",
            json!({"platform": "android", "token": token}),
        )
        .await;
    assert!(
        resp.status == StatusCode::CREATED || resp.status == StatusCode::OK,
        "{}",
        resp.body
    );
}

async fn post_message(session: &Session, ticket: &Ticket, body: &str, internal: bool) -> Value {
    let resp = session
        .post(
            &format!("/v1/tickets/{}/messages", ticket.id),
            json!({"body": body, "internal": internal}),
        )
        .await;
    resp.expect(StatusCode::CREATED);
    resp.body
}

/// Waits until the push follower has read the whole change feed.
async fn settle(app: &TestApp) {
    let deadline = Instant::now() + WAIT;
    loop {
        let row = sqlx::query(
            "SELECT (SELECT value FROM counters WHERE name = 'feed') AS feed, \
             (SELECT value FROM counters WHERE name = 'push_feed') AS pushed",
        )
        .fetch_one(app.server.state.db.reader())
        .await
        .unwrap();
        let (feed, pushed): (i64, i64) =
            (row.try_get("feed").unwrap(), row.try_get("pushed").unwrap());
        if pushed >= feed {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the push follower is stuck at {pushed} < {feed}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn of_type<'a>(pushes: &'a [Received], kind: &str, token: &str) -> Vec<&'a Received> {
    pushes
        .iter()
        .filter(|p| p.data("type") == Some(kind) && p.token() == token)
        .collect()
}

async fn device_count(app: &TestApp, token: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM devices WHERE token = $1")
        .bind(token.to_string())
        .fetch_one(app.server.state.db.reader())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn a_call_pushes_once_to_each_offline_device_and_stops_ringing_when_answered() {
    let s = scene().await;
    // The agent's phone with the app open (socket) and a tablet without.
    register(&s.agent, "agent-phone").await;
    let _phone_socket = WsClient::connect(&s.app.base, &s.agent.token).await;
    let tablet = s.app.login("ada@staff.example", common::PASSWORD).await;
    register(&tablet, "agent-tablet").await;
    register(&s.customer, "customer-phone").await;

    let placed_at = Instant::now();
    let resp = s
        .customer
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await;
    resp.expect(StatusCode::CREATED);
    let call: CallSession = resp.json();
    let call_id = call.call.id.to_string();

    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "incoming_call", "agent-tablet").is_empty()
        })
        .await;
    let ringing = of_type(&pushes, "incoming_call", "agent-tablet");
    assert_eq!(ringing.len(), 1, "{pushes:?}");
    assert!(
        placed_at.elapsed() < Duration::from_secs(30),
        "within the ring timeout"
    );
    let push = &ringing[0].message;
    assert_eq!(push["data"]["call_id"], call_id);
    assert_eq!(push["data"]["ticket_id"], s.ticket.id.to_string());
    assert_eq!(push["data"]["caller_name"], "Ann");
    assert_eq!(push["data"]["ticket_subject"], "Router keeps rebooting");
    assert!(push["data"]["push_id"].is_string());
    assert_eq!(push["android"]["priority"], "HIGH");
    assert_eq!(push["android"]["ttl"], "30s");
    // The deadline lets a late push stay silent: ringing ends 30 s after the call began.
    let time = |key: &str| {
        chrono::DateTime::parse_from_rfc3339(push["data"][key].as_str().unwrap()).unwrap()
    };
    assert_eq!(
        (time("ring_deadline") - time("created_at")).num_seconds(),
        30
    );
    assert_eq!(push["apns"]["headers"]["apns-priority"], "10");
    assert_eq!(push["apns"]["headers"]["apns-push-type"], "alert");
    assert_eq!(push["apns"]["payload"]["aps"]["category"], "INCOMING_CALL");

    // Answered on the phone: the tablet is told to stop ringing.
    s.agent
        .post(&format!("/v1/calls/{call_id}/accept"), json!({}))
        .await
        .expect(StatusCode::OK);
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "stop_ringing", "agent-tablet").is_empty()
        })
        .await;
    let stop = of_type(&pushes, "stop_ringing", "agent-tablet");
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0].data("call_id"), Some(call_id.as_str()));
    assert_eq!(stop[0].data("reason"), Some("answered_elsewhere"));

    tokio::time::sleep(QUIET).await;
    let pushes = s.fake.accepted();
    assert_eq!(of_type(&pushes, "incoming_call", "agent-tablet").len(), 1);
    assert_eq!(of_type(&pushes, "stop_ringing", "agent-tablet").len(), 1);
    assert!(
        pushes.iter().all(|p| p.token() != "agent-phone"),
        "the phone with a live socket rings through it: {pushes:?}"
    );
    assert!(pushes.iter().all(|p| p.token() != "customer-phone"));
    s.app.stop().await;
}

#[tokio::test]
async fn a_missed_call_stops_ringing_and_all_devices_ring_when_configured() {
    let s = scene_with(|c| {
        c.ring_timeout_secs = 1;
        c.push_calls_to_all_devices = true;
    })
    .await;
    register(&s.agent, "agent-phone").await;
    let _socket = WsClient::connect(&s.app.base, &s.agent.token).await;
    s.customer
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await
        .expect(StatusCode::CREATED);
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "stop_ringing", "agent-phone").is_empty()
        })
        .await;
    let ringing = of_type(&pushes, "incoming_call", "agent-phone");
    assert_eq!(ringing.len(), 1, "rung despite the socket: {pushes:?}");
    assert_eq!(ringing[0].message["android"]["ttl"], "1s");
    let stop = of_type(&pushes, "stop_ringing", "agent-phone");
    assert_eq!(stop[0].data("reason"), Some("missed"));
    s.app.stop().await;
}

#[tokio::test]
async fn a_new_message_reaches_an_offline_customer_as_a_collapsed_notification() {
    let s = scene().await;
    let online = s.app.login("ann@customers.example", common::PASSWORD).await;
    register(&online, "ann-online").await;
    let _socket = WsClient::connect(&s.app.base, &online.token).await;
    register(&s.customer, "ann-offline").await;
    register(&s.agent, "ada-phone").await;

    let body = "Please unplug it for thirty seconds, then plug it back in.";
    let message = post_message(&s.agent, &s.ticket, body, false).await;
    let message_id = message["id"].as_str().unwrap().to_string();
    let pushes = s
        .fake
        .wait_until(WAIT, |p| !of_type(p, "message", "ann-offline").is_empty())
        .await;
    let push = &of_type(&pushes, "message", "ann-offline")[0].message;
    let ticket_id = s.ticket.id.to_string();
    assert_eq!(push["notification"]["title"], "Router keeps rebooting");
    assert_eq!(push["notification"]["body"], body);
    assert_eq!(push["data"]["message_id"], message["id"]);
    assert_eq!(push["data"]["ticket_id"], ticket_id);
    assert_eq!(push["android"]["collapse_key"], ticket_id);
    // Shown by the system while the app is in the background: one per ticket, in the app's channel.
    assert_eq!(push["android"]["notification"]["tag"], ticket_id);
    assert_eq!(push["android"]["notification"]["channel_id"], "messages");
    assert_eq!(push["apns"]["headers"]["apns-collapse-id"], ticket_id);

    // A status change is news for the customer too.
    s.agent
        .set_ticket(s.ticket.id, json!({"status": "in_progress"}))
        .await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "ticket_status", "ann-offline").is_empty()
        })
        .await;
    let status = of_type(&pushes, "ticket_status", "ann-offline");
    assert_eq!(status[0].data("status"), Some("in_progress"));

    tokio::time::sleep(QUIET).await;
    let pushes = s.fake.accepted();
    assert!(
        pushes.iter().all(|p| p.token() != "ann-online"),
        "the device with a live socket hears it live"
    );
    assert!(
        pushes
            .iter()
            .all(|p| p.token() != "ada-phone" || p.data("message_id") != Some(&message_id)),
        "never to the author"
    );
    assert_eq!(of_type(&pushes, "message", "ann-offline").len(), 1);
    s.app.stop().await;
}

#[tokio::test]
async fn the_first_resolution_asks_the_customer_for_a_rating_once() {
    let s = scene().await;
    register(&s.customer, "ann-phone").await;
    s.agent
        .set_ticket(s.ticket.id, json!({"status": "resolved"}))
        .await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "rating_request", "ann-phone").is_empty()
        })
        .await;
    let ask = &of_type(&pushes, "rating_request", "ann-phone")[0].message;
    assert_eq!(ask["data"]["ticket_id"], s.ticket.id.to_string());
    assert_eq!(
        ask["notification"]["body"],
        "Your ticket is resolved. How did we do? Tap to rate us."
    );
    assert!(
        of_type(&pushes, "ticket_status", "ann-phone").is_empty(),
        "the request is the status push, not a second one"
    );

    // Reopened and resolved again: the news, without asking again.
    s.agent
        .set_ticket(s.ticket.id, json!({"status": "open"}))
        .await;
    s.agent
        .set_ticket(s.ticket.id, json!({"status": "resolved"}))
        .await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            of_type(p, "ticket_status", "ann-phone")
                .iter()
                .any(|p| p.data("status") == Some("resolved"))
        })
        .await;
    assert_eq!(of_type(&pushes, "rating_request", "ann-phone").len(), 1);
    s.app.stop().await;
}

#[tokio::test]
async fn a_missed_target_pushes_the_departments_supervisors_once() {
    let s = scene_with(|config| config.sla_check_ms = 50).await;
    let admin = s.app.admin().await;
    admin
        .post(
            "/v1/staff",
            json!({
                "email": "sue@staff.example", "name": "Sue", "password": common::PASSWORD,
                "role": "supervisor", "department_id": s.ticket.department_id,
            }),
        )
        .await
        .expect(StatusCode::CREATED);
    let sue = s.app.login("sue@staff.example", common::PASSWORD).await;
    set_status(&sue, "active").await;
    register(&sue, "sue-phone").await;
    register(&s.agent, "agent-phone").await;
    register(&s.customer, "ann-phone").await;

    // The first response was due a second ago.
    let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).timestamp_micros();
    sqlx::query("UPDATE tickets SET first_response_due_at = $1 WHERE id = $2")
        .bind(past)
        .bind(s.ticket.id.to_string())
        .execute(s.app.server.state.db.writer())
        .await
        .unwrap();
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "sla_breached", "sue-phone").is_empty()
        })
        .await;
    let push = &of_type(&pushes, "sla_breached", "sue-phone")[0].message;
    assert_eq!(push["data"]["ticket_id"], s.ticket.id.to_string());
    assert_eq!(push["data"]["ticket_number"], s.ticket.number.to_string());
    assert_eq!(push["data"]["target"], "first_response");
    assert_eq!(
        push["notification"]["body"],
        format!(
            "Ticket #{} missed its first-response target.",
            s.ticket.number
        )
    );

    tokio::time::sleep(QUIET).await;
    let pushes = s.fake.accepted();
    assert_eq!(of_type(&pushes, "sla_breached", "sue-phone").len(), 1);
    for other in ["agent-phone", "ann-phone"] {
        assert!(
            of_type(&pushes, "sla_breached", other).is_empty(),
            "only supervisors hear of it"
        );
    }
    s.app.stop().await;
}

#[tokio::test]
async fn a_customer_never_receives_an_internal_note() {
    let s = scene().await;
    register(&s.customer, "ann-phone").await;
    let note = post_message(&s.agent, &s.ticket, "Customer seems annoyed", true).await;
    let public = post_message(&s.agent, &s.ticket, "We are on it", false).await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            p.iter()
                .any(|r| r.data("message_id") == public["id"].as_str())
        })
        .await;
    tokio::time::sleep(QUIET).await;
    let pushes = [pushes, s.fake.accepted()].concat();
    assert!(
        pushes
            .iter()
            .all(|p| p.data("message_id") != note["id"].as_str()),
        "{pushes:?}"
    );
    s.app.stop().await;
}

#[tokio::test]
async fn off_staff_receive_no_call_or_chat_push() {
    let s = scene().await;
    register(&s.agent, "ada-phone").await;
    set_status(&s.agent, "off").await;
    post_message(&s.customer, &s.ticket, "Hello? Anyone?", false).await;
    s.customer
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await
        .expect(StatusCode::CONFLICT);
    tokio::time::sleep(QUIET).await;
    assert!(s.fake.accepted().is_empty(), "{:?}", s.fake.accepted());

    // Active again, the same path delivers: the silence above was Off.
    set_status(&s.agent, "active").await;
    let message = post_message(&s.customer, &s.ticket, "Still there?", false).await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| !of_type(p, "message", "ada-phone").is_empty())
        .await;
    let got = of_type(&pushes, "message", "ada-phone");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data("message_id"), message["id"].as_str());
    s.app.stop().await;
}

#[tokio::test]
async fn an_unregistered_token_is_forgotten() {
    let s = scene().await;
    register(&s.customer, "ann-old-phone").await;
    register(&s.customer, "ann-new-phone").await;
    s.fake.unregister("ann-old-phone");
    post_message(&s.agent, &s.ticket, "First", false).await;
    s.fake
        .wait_until(WAIT, |p| !of_type(p, "message", "ann-new-phone").is_empty())
        .await;
    let deadline = Instant::now() + WAIT;
    while device_count(&s.app, "ann-old-phone").await > 0 {
        assert!(Instant::now() < deadline, "the token was not forgotten");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(device_count(&s.app, "ann-new-phone").await, 1);
    let refused_before = s.fake.refused().len();
    assert_eq!(refused_before, 1, "{:?}", s.fake.refused());

    post_message(&s.agent, &s.ticket, "Second", false).await;
    s.fake
        .wait_until(WAIT, |p| of_type(p, "message", "ann-new-phone").len() == 2)
        .await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(s.fake.refused().len(), refused_before, "not tried again");
    let failed = metric(
        &s.app.base,
        r#"cs_push_failed_total{service="fcm",reason="unregistered"}"#,
    );
    assert_eq!(failed.await, 1.0);
    s.app.stop().await;
}

#[tokio::test]
async fn server_errors_and_quota_are_retried_and_delivered_once() {
    let s = scene().await;
    register(&s.customer, "ann-phone").await;
    s.fake.fail_next(1, Failure::ServerError);
    s.fake.fail_next(
        1,
        Failure::QuotaExceeded {
            retry_after_secs: 1,
        },
    );
    let started = Instant::now();
    let message = post_message(&s.agent, &s.ticket, "Retried", false).await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| !of_type(p, "message", "ann-phone").is_empty())
        .await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    let refused = s.fake.refused();
    assert_eq!(
        refused.iter().map(|r| r.status).collect::<Vec<_>>(),
        [500, 429]
    );
    tokio::time::sleep(QUIET).await;
    let delivered = of_type(&pushes, "message", "ann-phone");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].data("message_id"), message["id"].as_str());
    assert_eq!(of_type(&s.fake.accepted(), "message", "ann-phone").len(), 1);
    // The same push_id on every attempt.
    let push_id = delivered[0].data("push_id").unwrap();
    assert!(
        refused
            .iter()
            .all(|r| r.message["data"]["push_id"] == push_id)
    );
    // The counters tell the same story.
    let queued = metric(&s.app.base, r#"cs_push_queued_total{kind="message"}"#).await;
    let retried = metric(&s.app.base, r#"cs_push_retried_total{service="fcm"}"#).await;
    let sent = metric(&s.app.base, r#"cs_push_sent_total{service="fcm"}"#).await;
    assert_eq!((queued, retried, sent), (1.0, 2.0, 1.0));
    s.app.stop().await;
}

#[tokio::test]
async fn a_restart_mid_queue_loses_and_doubles_nothing() {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let data_path = data_dir.path().to_path_buf();
    let app = app_with(&fake, &dir, move |c| c.data_dir = data_path).await;
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let agent = app.staff(&admin, "Ada", Role::Agent, Some(&dept)).await;
    set_status(&agent, "active").await;
    let customer = app.customer("Ann").await;
    let ticket = customer.open_ticket(&dept, "Restart").await;
    register(&customer, "ann-phone").await;

    // Some sends fail and wait 2 s for a retry; the rest are slow.
    fake.fail_next(
        4,
        Failure::Unavailable {
            retry_after_secs: 2,
        },
    );
    fake.set_delay(Duration::from_millis(200));
    const MESSAGES: usize = 10;
    let mut ids = Vec::new();
    for i in 0..MESSAGES {
        let message = post_message(&agent, &ticket, &format!("Message {i}"), false).await;
        ids.push(message["id"].as_str().unwrap().to_string());
    }
    let deadline = Instant::now() + WAIT;
    while fake.send_requests() < 5 {
        assert!(Instant::now() < deadline, "no sends began");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Graceful stop with retries pending and sends in flight.
    let config = (*app.server.state.config).clone();
    app.stop().await;
    let before_restart = fake.accepted().len();
    assert!(
        before_restart < MESSAGES,
        "the queue was not drained before the stop"
    );

    let restarted = server::start(server::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..config
    })
    .await
    .expect("the server starts again");
    let pushes = fake
        .wait_until(Duration::from_secs(20), |p| {
            of_type(p, "message", "ann-phone").len() >= MESSAGES
        })
        .await;
    tokio::time::sleep(QUIET).await;
    let pushes = [pushes, fake.accepted()].concat();
    let mut per_message: HashMap<String, usize> = HashMap::new();
    let mut per_push: HashMap<String, usize> = HashMap::new();
    for p in fake.accepted() {
        *per_message
            .entry(p.data("message_id").unwrap().to_string())
            .or_default() += 1;
        *per_push
            .entry(p.data("push_id").unwrap().to_string())
            .or_default() += 1;
    }
    assert!(!pushes.is_empty());
    for id in &ids {
        assert_eq!(
            per_message.get(id),
            Some(&1),
            "message {id}: {per_message:?}"
        );
    }
    assert_eq!(per_push.len(), MESSAGES);
    assert!(per_push.values().all(|n| *n == 1), "{per_push:?}");
    restarted.stop().await.unwrap();
}

#[tokio::test]
async fn device_registration_checks_its_input() {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&fake, &dir, |_| {}).await;
    let ann = app.customer("Ann").await;

    app.anonymous(
        Method::POST,
        "/v1/devices",
        Some(json!({"platform": "android", "token": "t"})),
    )
    .await
    .expect(StatusCode::UNAUTHORIZED);
    let bad = [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"platform": "windows", "token": "t"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"platform": "ios", "token": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"platform": "ios", "token": "has space"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"platform": "ios", "token": "é"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"platform": "ios", "token": "x".repeat(5000)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"platform": "ios", "token": 42}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"platform": "ios", "token": "t", "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, status) in bad {
        ann.post("/v1/devices", body).await.expect(status);
    }
    let resp = ann
        .http
        .post(format!("{}/v1/devices", app.base))
        .bearer_auth(&ann.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let long = "x".repeat(5000);
    ann.request(Method::DELETE, &format!("/v1/devices/{long}"), None)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn devices_are_idempotent_move_between_accounts_and_leave_at_sign_out() {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&fake, &dir, |_| {}).await;
    let ann = app.customer("Ann").await;
    let bob = app.customer("Bob").await;
    let body = json!({"platform": "ios", "token": "shared-phone"});
    let resp = ann.post("/v1/devices", body.clone()).await;
    resp.expect(StatusCode::CREATED);
    assert_eq!(resp.body, body);
    ann.post("/v1/devices", body.clone())
        .await
        .expect(StatusCode::OK);
    // The phone changes hands.
    bob.post("/v1/devices", body.clone())
        .await
        .expect(StatusCode::CREATED);
    let owner: String = sqlx::query("SELECT user_id FROM devices WHERE token = 'shared-phone'")
        .fetch_one(app.server.state.db.reader())
        .await
        .unwrap()
        .try_get("user_id")
        .unwrap();
    assert_eq!(owner, bob.user.id.to_string());
    // Ann can no longer remove it; Bob can.
    ann.request(Method::DELETE, "/v1/devices/shared-phone", None)
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(device_count(&app, "shared-phone").await, 1);
    bob.request(Method::DELETE, "/v1/devices/shared-phone", None)
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(device_count(&app, "shared-phone").await, 0);

    // Signing out drops the devices of that session only.
    let ann_tablet = app.login("ann@customers.example", common::PASSWORD).await;
    register(&ann, "ann-phone").await;
    register(&ann_tablet, "ann-tablet").await;
    ann.post("/v1/auth/logout", json!({}))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(device_count(&app, "ann-phone").await, 0);
    assert_eq!(device_count(&app, "ann-tablet").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn two_instances_share_the_queue_and_know_each_others_sockets() {
    if !common::on_postgres() {
        eprintln!("skipped: several instances need PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    let s = scene().await;
    let mut config = (*s.app.server.state.config).clone();
    let second_dir = tempfile::tempdir().unwrap();
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.data_dir = second_dir.path().to_path_buf();
    let second = server::start(config)
        .await
        .expect("a second instance starts");

    // Ann's tablet holds a socket on the second instance; her phone none.
    let tablet = s.app.login("ann@customers.example", common::PASSWORD).await;
    register(&tablet, "ann-tablet").await;
    let _socket = WsClient::connect(&second.url(), &tablet.token).await;
    register(&s.customer, "ann-phone").await;

    const MESSAGES: usize = 20;
    let mut ids = Vec::new();
    for i in 0..MESSAGES {
        let message = post_message(&s.agent, &s.ticket, &format!("Update {i}"), false).await;
        ids.push(message["id"].as_str().unwrap().to_string());
    }
    s.fake
        .wait_until(WAIT, |p| {
            of_type(p, "message", "ann-phone").len() >= MESSAGES
        })
        .await;
    tokio::time::sleep(QUIET).await;
    let pushes = s.fake.accepted();
    let to_phone = of_type(&pushes, "message", "ann-phone");
    let mut got: Vec<String> = to_phone
        .iter()
        .map(|p| p.data("message_id").unwrap().to_string())
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(
        got, ids,
        "each message once, although both instances follow the feed"
    );
    assert!(
        pushes.iter().all(|p| p.token() != "ann-tablet"),
        "the socket on the other instance counts as live"
    );
    second.stop().await.unwrap();
    s.app.stop().await;
}

#[tokio::test]
async fn what_a_crashed_instance_left_behind_expires() {
    let s = scene().await;
    register(&s.customer, "ann-phone").await;
    let db = &s.app.server.state.db;
    let now = server::db::now_micros();
    // A socket the dead instance held a minute ago no longer counts as live.
    let hash = server::auth::hash_token(&s.customer.token);
    server::db::push::live_upsert(db.writer(), &[hash], "crashed-instance", now - 60_000_000)
        .await
        .unwrap();
    // A push it had claimed and never finished is taken over.
    let id = uuid::Uuid::now_v7();
    let push = server::db::push::NewPush {
        id,
        service: server::db::push::Service::Fcm,
        device_token: "ann-phone".into(),
        user_id: s.customer.user.id,
        kind: "stop_ringing",
        call_id: None,
        message: server::push::message::stop_ringing(id, uuid::Uuid::nil(), "missed", 30),
        due_at: now,
        expires_at: None,
    };
    let mut tx = db.writer().begin().await.unwrap();
    server::db::push::enqueue(&mut tx, &[push], now)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE push_queue SET state = 'sending', claimed_by = 'crashed-instance', \
         claim_expires = $1 WHERE id = $2",
    )
    .bind(now - 1)
    .bind(id.to_string())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let message = post_message(&s.agent, &s.ticket, "Are you there?", false).await;
    let pushes = s
        .fake
        .wait_until(WAIT, |p| {
            !of_type(p, "message", "ann-phone").is_empty()
                && !of_type(p, "stop_ringing", "ann-phone").is_empty()
        })
        .await;
    let chat = of_type(&pushes, "message", "ann-phone");
    assert_eq!(chat.len(), 1, "{pushes:?}");
    assert_eq!(chat[0].data("message_id"), message["id"].as_str());
    let taken_over = of_type(&pushes, "stop_ringing", "ann-phone");
    assert_eq!(taken_over.len(), 1);
    assert_eq!(taken_over[0].data("push_id"), Some(id.to_string().as_str()));
    s.app.stop().await;
}

#[tokio::test]
async fn the_push_self_test_reaches_the_device_at_once_or_says_which_step_failed() {
    let s = scene().await;
    register(&s.customer, "ann-phone").await;
    // The app runs the test while it is on screen: its socket is open.
    let _socket = WsClient::connect(&s.app.base, &s.customer.token).await;

    let sent = s
        .customer
        .post("/v1/devices/ann-phone/test", json!({}))
        .await;
    sent.expect(StatusCode::OK);
    let push_id = sent.body["push_id"].as_str().unwrap().to_string();
    assert!(sent.body["sent_at"].is_string(), "{}", sent.body);
    // Sent before the answer, outside the queue: FCM has it already.
    let tests = s.fake.accepted();
    let test = of_type(&tests, "test", "ann-phone");
    assert_eq!(test.len(), 1, "{tests:?}");
    assert_eq!(test[0].data("push_id"), Some(push_id.as_str()));
    assert!(test[0].data("sent_at").is_some());
    assert_eq!(test[0].message["android"]["priority"], "HIGH");

    // Another account's token, or one never registered: 404, nothing sent.
    register(&s.agent, "ada-phone").await;
    for token in ["ada-phone", "nobody"] {
        let resp = s
            .customer
            .post(&format!("/v1/devices/{token}/test"), json!({}))
            .await;
        resp.expect(StatusCode::NOT_FOUND);
        assert_eq!(resp.body["error"]["code"], "device_not_found");
    }
    assert_eq!(of_type(&s.fake.accepted(), "test", "ada-phone").len(), 0);

    // FCM no longer knows the token: 502 with the reason, and it is forgotten.
    s.fake.unregister("ann-phone");
    let resp = s
        .customer
        .post("/v1/devices/ann-phone/test", json!({}))
        .await;
    resp.expect(StatusCode::BAD_GATEWAY);
    assert_eq!(resp.body["error"]["code"], "push_token_unregistered");
    assert_eq!(device_count(&s.app, "ann-phone").await, 0);

    // FCM down: 502 at once (the test does not retry).
    register(&s.customer, "ann-tablet").await;
    s.fake.fail_next(1, Failure::ServerError);
    let resp = s
        .customer
        .post("/v1/devices/ann-tablet/test", json!({}))
        .await;
    resp.expect(StatusCode::BAD_GATEWAY);
    assert_eq!(resp.body["error"]["code"], "push_unavailable");

    // Signed out: 401.
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/devices/ann-tablet/test", s.app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    s.app.stop().await;
}

#[tokio::test]
async fn the_push_self_test_on_a_server_without_push_says_push_is_off() {
    let app = TestApp::start().await;
    let ann = app.customer("Ann").await;
    register(&ann, "ann-phone").await;
    let resp = ann.post("/v1/devices/ann-phone/test", json!({})).await;
    resp.expect(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.body["error"]["code"], "push_disabled");
    app.stop().await;
}

#[tokio::test]
async fn an_iphone_voip_token_gets_no_fcm_push_and_without_apns_the_phone_rings_through_fcm() {
    let s = scene().await;
    // The agent's iPhone: its FCM token and its PushKit VoIP token.
    register(&s.agent, "agent-iphone-fcm").await;
    let voip = s
        .agent
        .post(
            "/v1/devices",
            json!({"platform": "ios_voip", "token": "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"}),
        )
        .await;
    voip.expect(StatusCode::CREATED);
    assert_eq!(voip.body["platform"], "ios_voip");

    let resp = s
        .customer
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await;
    resp.expect(StatusCode::CREATED);
    s.fake
        .wait_until(WAIT, |p| {
            !of_type(p, "incoming_call", "agent-iphone-fcm").is_empty()
        })
        .await;
    post_message(&s.customer, &s.ticket, "Are you there?", false).await;
    s.fake
        .wait_until(WAIT, |p| {
            !of_type(p, "message", "agent-iphone-fcm").is_empty()
        })
        .await;
    tokio::time::sleep(QUIET).await;
    // FCM cannot deliver VoIP pushes: nothing went to that token through it.
    let to_voip: Vec<_> = s
        .fake
        .accepted()
        .into_iter()
        .filter(|p| p.token().starts_with("a1b2c3"))
        .collect();
    assert!(to_voip.is_empty(), "{to_voip:?}");
    assert!(s.fake.refused().is_empty(), "{:?}", s.fake.refused());

    // Without an APNs key the self-test says VoIP pushes are off.
    let test = s
        .agent
        .post(
            "/v1/devices/a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90/test",
            json!({}),
        )
        .await;
    test.expect(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(test.body["error"]["code"], "push_disabled");
    assert!(
        test.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("APNs"),
        "{}",
        test.body
    );
    s.app.stop().await;
}

/// The queue's gauges read what is due and unsent and how long the oldest
/// has waited, and follow the queue: here a push for a service this server
/// has no sender for (APNs is not configured), due half a minute ago.
#[tokio::test]
async fn the_queue_gauges_show_what_waits_unsent() {
    let s = scene().await;
    let db = &s.app.server.state.db;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO push_queue (id, device_token, user_id, kind, message, state, due_at, \
         created_at, service) VALUES ($1, 'ios-voip-token', $2, 'message', '{}', 'pending', \
         $3, $3, 'apns')",
    )
    .bind(&id)
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now - 30_000_000)
    .execute(db.writer())
    .await
    .unwrap();

    let gauges = || async {
        (
            metric(&s.app.base, "cs_push_queue_due").await,
            metric(&s.app.base, "cs_push_queue_oldest_due_seconds").await,
        )
    };
    let deadline = Instant::now() + WAIT;
    let (due, oldest) = loop {
        let (due, oldest) = gauges().await;
        if due > 0.0 || Instant::now() > deadline {
            break (due, oldest);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(due, 1.0, "one push due and unsent");
    assert!((30.0..60.0).contains(&oldest), "waited {oldest} s");

    sqlx::query("UPDATE push_queue SET state = 'cancelled' WHERE id = $1")
        .bind(&id)
        .execute(db.writer())
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while gauges().await != (0.0, 0.0) {
        assert!(
            Instant::now() < deadline,
            "the gauges did not follow the queue"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.app.stop().await;
}

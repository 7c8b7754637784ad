//! SLA targets: a department's policy (read by its staff, set by its
//! supervisors), the due times it gives tickets, the first public reply and
//! the first resolution meeting them, and the watcher marking a target that
//! ran out as missed, on the ticket and its timeline, once.
//!
//! Time does not pass in a test: a target "runs out" by moving its due
//! time into the past in the database, as the clock would.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{Session, TestApp};
use protocol::{Department, Role, SlaKind, SlaPolicy, Ticket, TimelineChange, TimelineEvent};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Around the clock in UTC, so due times are plain arithmetic here (the
/// calendar's business hours, holidays and DST have their unit tests).
fn round_the_clock() -> Value {
    json!({
        "time_zone": "UTC",
        "targets": [
            {"priority": "normal", "first_response_minutes": 60, "resolution_minutes": 480},
            {"priority": "urgent", "first_response_minutes": 15, "resolution_minutes": 120},
        ],
    })
}

async fn put_policy(session: &Session, dept: &Department, policy: Value) -> common::Resp {
    session
        .request(
            Method::PUT,
            &format!("/v1/departments/{}/sla", dept.id),
            Some(policy),
        )
        .await
}

async fn timeline(session: &Session, ticket: &Ticket) -> Vec<TimelineEvent> {
    session
        .get(&format!("/v1/tickets/{}/timeline", ticket.id))
        .await
        .expect(StatusCode::OK)
        .json()
}

fn minutes_after(start: DateTime<Utc>, due: Option<DateTime<Utc>>) -> i64 {
    (due.expect("a due time") - start).num_minutes()
}

async fn post(who: &Session, ticket: &Ticket, body: &str, internal: bool) {
    who.post(
        &format!("/v1/tickets/{}/messages", ticket.id),
        json!({"body": body, "internal": internal}),
    )
    .await
    .expect(StatusCode::CREATED);
}

/// Moves a ticket's running targets' due times into the past.
async fn run_out(app: &TestApp, ticket: &Ticket) {
    let past = (Utc::now() - chrono::Duration::seconds(1)).timestamp_micros();
    sqlx::query(
        "UPDATE tickets SET first_response_due_at = $1, resolution_due_at = $1 WHERE id = $2",
    )
    .bind(past)
    .bind(ticket.id.to_string())
    .execute(app.server.state.db.writer())
    .await
    .unwrap();
}

/// Polls the ticket until `done` holds (the watcher checks every 50 ms).
async fn wait_for(session: &Session, ticket: &Ticket, done: impl Fn(&Ticket) -> bool) -> Ticket {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = session.ticket(ticket.id).await;
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "still {:?}", now.sla);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A server checking targets every 50 ms; Billing, its agent Bea and the
/// customer Ann, with Billing's targets set around the clock.
async fn billing_with_targets() -> (TestApp, Department, Session, Session) {
    let app = TestApp::start_with(|config| config.sla_check_ms = 50).await;
    let admin = app.admin().await;
    let billing = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&billing)).await;
    let ann = app.customer("Ann").await;
    put_policy(&admin, &billing, round_the_clock())
        .await
        .expect(StatusCode::OK);
    (app, billing, bea, ann)
}

#[tokio::test]
async fn a_policy_is_read_by_the_departments_staff_and_set_by_its_supervisors() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let billing = admin.department("Billing").await;
    let sales = admin.department("Sales").await;
    let sue = app
        .staff(&admin, "Sue", Role::Supervisor, Some(&billing))
        .await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&billing)).await;
    let sam = app
        .staff(&admin, "Sam", Role::Supervisor, Some(&sales))
        .await;
    let ann = app.customer("Ann").await;
    let path = format!("/v1/departments/{}/sla", billing.id);

    let none: SlaPolicy = bea.get(&path).await.expect(StatusCode::OK).json();
    assert_eq!(none, SlaPolicy::none(), "no policy: no targets");

    for outsider in [&bea, &sam] {
        let refused = put_policy(outsider, &billing, round_the_clock()).await;
        refused.expect(StatusCode::FORBIDDEN);
    }
    let saved: SlaPolicy = put_policy(&sue, &billing, round_the_clock())
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(saved.targets.len(), 2);
    let read: SlaPolicy = bea.get(&path).await.expect(StatusCode::OK).json();
    assert_eq!(read, saved);
    assert_eq!(
        admin
            .get(&path)
            .await
            .expect(StatusCode::OK)
            .json::<SlaPolicy>(),
        saved
    );
    sam.get(&path).await.expect(StatusCode::FORBIDDEN);
    ann.get(&path).await.expect(StatusCode::FORBIDDEN);
    let nowhere = format!("/v1/departments/{}/sla", uuid::Uuid::now_v7());
    admin.get(&nowhere).await.expect(StatusCode::NOT_FOUND);

    // Each mistake is named, and the saved policy stays.
    let cases = [
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (
            json!({"time_zone": "UTC", "hours": [{"day": "mon", "opens": "17:00", "closes": "09:00"}]}),
            "hours",
        ),
        (
            json!({"time_zone": "UTC", "targets": [
                {"priority": "high", "resolution_minutes": 60},
                {"priority": "high", "resolution_minutes": 90}]}),
            "targets",
        ),
        (
            json!({"time_zone": "UTC", "targets": [{"priority": "low", "first_response_minutes": 0}]}),
            "first_response_minutes",
        ),
    ];
    for (policy, field) in cases {
        let refused = put_policy(&sue, &billing, policy).await;
        refused.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{field}: {}",
            refused.body
        );
    }
    let unknown = put_policy(
        &sue,
        &billing,
        json!({"time_zone": "UTC", "weekends": true}),
    )
    .await;
    unknown.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bea.get(&path)
            .await
            .expect(StatusCode::OK)
            .json::<SlaPolicy>(),
        saved
    );
    app.stop().await;
}

#[tokio::test]
async fn a_ticket_is_due_by_its_priority_from_its_opening() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let billing = admin.department("Billing").await;
    let sales = admin.department("Sales").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&billing)).await;
    let ann = app.customer("Ann").await;
    let before = ann.open_ticket(&billing, "Opened before the policy").await;
    assert_eq!(before.sla, Default::default(), "no policy, no due times");

    put_policy(&admin, &billing, round_the_clock())
        .await
        .expect(StatusCode::OK);
    let ticket = ann.open_ticket(&billing, "Charged twice").await;
    let opened = ticket.created_at;
    assert_eq!(minutes_after(opened, ticket.sla.first_response_due_at), 60);
    assert_eq!(minutes_after(opened, ticket.sla.resolution_due_at), 480);
    assert_eq!(
        ann.ticket(ticket.id).await.sla,
        ticket.sla,
        "the customer sees when to expect an answer"
    );

    let urgent = bea
        .set_ticket(ticket.id, json!({"priority": "urgent"}))
        .await;
    assert_eq!(minutes_after(opened, urgent.sla.first_response_due_at), 15);
    assert_eq!(minutes_after(opened, urgent.sla.resolution_due_at), 120);
    let high = bea.set_ticket(ticket.id, json!({"priority": "high"})).await;
    assert_eq!(
        (high.sla.first_response_due_at, high.sla.resolution_due_at),
        (None, None),
        "high has no target in this policy"
    );
    let moved = bea
        .set_ticket(
            ticket.id,
            json!({"priority": "normal", "department_id": sales.id}),
        )
        .await;
    assert_eq!(
        moved.sla.first_response_due_at, None,
        "Sales has no policy: the ticket leaves Billing's targets behind"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_first_public_reply_and_the_first_resolution_meet_the_targets() {
    let (app, billing, bea, ann) = billing_with_targets().await;
    let ticket = ann.open_ticket(&billing, "Charged twice").await;
    post(&ann, &ticket, "Any news?", false).await;
    post(&bea, &ticket, "Customer was charged twice, checking", true).await;
    assert_eq!(
        bea.ticket(ticket.id).await.sla.first_responded_at,
        None,
        "neither the customer's message nor an internal note is a response"
    );
    post(&bea, &ticket, "Refunded, sorry about that", false).await;
    let replied = bea.ticket(ticket.id).await;
    let responded = replied.sla.first_responded_at.expect("the reply responded");
    assert!(responded >= ticket.created_at);
    post(&bea, &ticket, "Anything else?", false).await;
    assert_eq!(
        bea.ticket(ticket.id).await.sla.first_responded_at,
        Some(responded),
        "the first reply counts"
    );

    let resolved = bea
        .set_ticket(ticket.id, json!({"status": "resolved"}))
        .await;
    let resolved_at = resolved.sla.resolved_at.expect("resolution recorded");
    bea.set_ticket(ticket.id, json!({"status": "open"})).await;
    bea.set_ticket(ticket.id, json!({"status": "resolved"}))
        .await;
    assert_eq!(
        bea.ticket(ticket.id).await.sla.resolved_at,
        Some(resolved_at),
        "the first resolution counts"
    );

    // Met targets never run out, even reopened.
    bea.set_ticket(ticket.id, json!({"status": "open"})).await;
    run_out(&app, &ticket).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = bea.ticket(ticket.id).await;
    assert!(!later.sla.breached(), "{:?}", later.sla);
    assert!(
        !timeline(&bea, &ticket)
            .await
            .iter()
            .any(|e| matches!(e.change, TimelineChange::SlaBreached { .. }))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_target_that_runs_out_is_marked_missed_on_the_ticket_and_its_timeline_once() {
    let (app, billing, bea, ann) = billing_with_targets().await;
    let ticket = ann.open_ticket(&billing, "Charged twice").await;
    let resolved_early = ann.open_ticket(&billing, "Wrong address").await;
    bea.set_ticket(resolved_early.id, json!({"status": "resolved"}))
        .await;
    let version = bea.ticket(ticket.id).await.version;

    run_out(&app, &ticket).await;
    run_out(&app, &resolved_early).await;
    let missed = wait_for(&bea, &ticket, |t| {
        t.sla.first_response_breached && t.sla.resolution_breached
    })
    .await;
    assert!(missed.version > version, "a new version, for every cache");
    // A few more checks go by.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let breaches: Vec<SlaKind> = timeline(&bea, &ticket)
        .await
        .iter()
        .filter_map(|e| match e.change {
            TimelineChange::SlaBreached { target } => {
                assert_eq!(e.actor_id, None, "nobody did it: time ran out");
                Some(target)
            }
            _ => None,
        })
        .collect();
    assert_eq!(breaches.len(), 2, "each target once: {breaches:?}");
    assert!(breaches.contains(&SlaKind::FirstResponse));
    assert!(breaches.contains(&SlaKind::Resolution));
    assert_eq!(
        ann.ticket(ticket.id).await.sla,
        missed.sla,
        "the customer's copy is the same"
    );

    let done = bea.ticket(resolved_early.id).await;
    assert!(
        !done.sla.resolution_breached,
        "a resolved ticket's target does not run out"
    );

    // A reply after the breach still records the response.
    post(&bea, &ticket, "Sorry for the wait", false).await;
    let late = bea.ticket(ticket.id).await;
    assert!(late.sla.first_responded_at.is_some() && late.sla.first_response_breached);
    app.stop().await;
}

//! Routing of new tickets to Active staff: fairness, capacity, the queue,
//! Off staff, and hand-over from an Off assignee.

mod common;

use std::collections::HashMap;

use common::{Session, TestApp};
use protocol::{Department, Role, Ticket, TicketPage, TimelineChange, TimelineEvent};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

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

async fn team(app: &TestApp, names: &[&str]) -> (Session, Department, Vec<Session>) {
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let mut staff = Vec::new();
    for name in names {
        staff.push(app.staff(&admin, name, Role::Agent, Some(&dept)).await);
    }
    (admin, dept, staff)
}

#[tokio::test]
async fn new_tickets_are_shared_fairly_among_active_staff() {
    let app = TestApp::start().await;
    let (_, dept, staff) = team(&app, &["Ada", "Ben", "Cy"]).await;
    for s in &staff {
        set_status(s, "active").await;
    }
    let ann = app.customer("Ann").await;
    let mut order = Vec::new();
    for i in 0..6 {
        let t = ann.open_ticket(&dept, &format!("T{i}")).await;
        order.push(t.assignee_id.expect("routed at once"));
    }
    let mut load: HashMap<Uuid, usize> = HashMap::new();
    for a in &order {
        *load.entry(*a).or_default() += 1;
    }
    assert_eq!(load.len(), 3);
    assert!(load.values().all(|n| *n == 2), "{load:?}");
    // Equal loads go to whoever waited longest: a round robin.
    assert_eq!(order[0..3], order[3..6]);
}

#[tokio::test]
async fn the_least_loaded_gets_the_next_ticket() {
    let app = TestApp::start().await;
    let (_, dept, staff) = team(&app, &["Ada", "Ben"]).await;
    let ann = app.customer("Ann").await;
    set_status(&staff[0], "active").await;
    for i in 0..3 {
        ann.open_ticket(&dept, &format!("Early {i}")).await;
    }
    set_status(&staff[1], "active").await;
    for i in 0..2 {
        let t = ann.open_ticket(&dept, &format!("Late {i}")).await;
        assert_eq!(t.assignee_id, Some(staff[1].user.id), "Ben has fewer");
    }
}

#[tokio::test]
async fn capacity_is_never_exceeded_and_the_rest_waits_in_the_queue() {
    let app = TestApp::start_with(|c| c.routing_capacity = 2).await;
    let (_, dept, staff) = team(&app, &["Ada"]).await;
    set_status(&staff[0], "active").await;
    let ann = app.customer("Ann").await;
    let tickets: Vec<Ticket> = futures_util::future::join_all(
        (0..4).map(|i| ann.open_ticket(&dept, if i < 2 { "first" } else { "later" })),
    )
    .await;
    let assigned = tickets.iter().filter(|t| t.assignee_id.is_some()).count();
    assert_eq!(assigned, 2);
    let queue: TicketPage = staff[0].get("/v1/tickets?assignee=unassigned").await.json();
    assert_eq!(queue.tickets.len(), 2);
}

#[tokio::test]
async fn off_staff_are_skipped() {
    let app = TestApp::start().await;
    let (_, dept, staff) = team(&app, &["Ada", "Ben"]).await;
    set_status(&staff[1], "active").await;
    set_status(&staff[1], "off").await;
    set_status(&staff[0], "active").await;
    let ann = app.customer("Ann").await;
    for i in 0..3 {
        let t = ann.open_ticket(&dept, &format!("T{i}")).await;
        assert_eq!(t.assignee_id, Some(staff[0].user.id));
    }
    set_status(&staff[0], "off").await;
    let t = ann.open_ticket(&dept, "Nobody in").await;
    assert_eq!(t.assignee_id, None, "waits in the queue");
}

#[tokio::test]
async fn the_queue_is_handed_out_oldest_first_when_someone_turns_active_or_frees_room() {
    let app = TestApp::start_with(|c| c.routing_capacity = 2).await;
    let (_, dept, staff) = team(&app, &["Ada"]).await;
    let ann = app.customer("Ann").await;
    let mut waiting = Vec::new();
    for i in 0..3 {
        let t = ann.open_ticket(&dept, &format!("Waiting {i}")).await;
        assert_eq!(t.assignee_id, None);
        waiting.push(t);
    }
    set_status(&staff[0], "active").await;
    let ada = staff[0].user.id;
    let now: Vec<Ticket> =
        futures_util::future::join_all(waiting.iter().map(|t| staff[0].ticket(t.id))).await;
    assert_eq!(now[0].assignee_id, Some(ada), "oldest first");
    assert_eq!(now[1].assignee_id, Some(ada));
    assert_eq!(now[2].assignee_id, None, "capacity 2");

    // Resolving one frees room for the last.
    staff[0]
        .patch(
            &format!("/v1/tickets/{}", now[0].id),
            json!({"status": "resolved", "version": now[0].version}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(staff[0].ticket(now[2].id).await.assignee_id, Some(ada));

    // The routing is on the timeline, made by the server (no actor).
    let timeline: Vec<TimelineEvent> = staff[0]
        .get(&format!("/v1/tickets/{}/timeline", now[2].id))
        .await
        .json();
    let last = timeline.last().unwrap();
    assert_eq!(last.actor_id, None);
    assert_eq!(
        last.change,
        TimelineChange::AssigneeChanged {
            from: None,
            to: Some(ada)
        }
    );
}

#[tokio::test]
async fn a_customer_writing_to_an_off_assignee_is_handed_to_an_active_colleague() {
    let app = TestApp::start().await;
    let (_, dept, staff) = team(&app, &["Ada", "Ben"]).await;
    set_status(&staff[0], "active").await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "Help").await;
    assert_eq!(t.assignee_id, Some(staff[0].user.id));
    set_status(&staff[0], "off").await;
    set_status(&staff[1], "active").await;

    ann.post(
        &format!("/v1/tickets/{}/messages", t.id),
        json!({"body": "Hello?"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let now = ann.ticket(t.id).await;
    assert_eq!(now.assignee_id, Some(staff[1].user.id));
    let timeline: Vec<TimelineEvent> = ann
        .get(&format!("/v1/tickets/{}/timeline", t.id))
        .await
        .json();
    assert_eq!(
        timeline.last().unwrap().change,
        TimelineChange::AssigneeChanged {
            from: Some(staff[0].user.id),
            to: Some(staff[1].user.id)
        }
    );

    // With nobody Active, it goes back to the queue rather than wait on Ben.
    set_status(&staff[1], "off").await;
    ann.post(
        &format!("/v1/tickets/{}/messages", t.id),
        json!({"body": "Anyone?"}),
    )
    .await
    .expect(StatusCode::CREATED);
    assert_eq!(ann.ticket(t.id).await.assignee_id, None);
}

#[tokio::test]
async fn routing_never_overrides_a_manual_assignment() {
    let app = TestApp::start_with(|c| c.routing_capacity = 1).await;
    let (admin, dept, staff) = team(&app, &["Ada", "Ben"]).await;
    let sup = app
        .staff(&admin, "Sue", Role::Supervisor, Some(&dept))
        .await;
    let ann = app.customer("Ann").await;
    set_status(&staff[0], "active").await;
    let routed = ann.open_ticket(&dept, "Routed").await;
    assert_eq!(routed.assignee_id, Some(staff[0].user.id));
    let manual = ann.open_ticket(&dept, "Manual").await;
    assert_eq!(manual.assignee_id, None, "Ada is at capacity");
    // A supervisor may assign beyond capacity.
    sup.patch(
        &format!("/v1/tickets/{}", manual.id),
        json!({"assignee_id": staff[0].user.id, "version": manual.version}),
    )
    .await
    .expect(StatusCode::OK);
    // Ben turning Active drains the queue but takes nothing from Ada.
    set_status(&staff[1], "active").await;
    assert_eq!(
        sup.ticket(manual.id).await.assignee_id,
        Some(staff[0].user.id)
    );
    assert_eq!(
        sup.ticket(routed.id).await.assignee_id,
        Some(staff[0].user.id)
    );
}

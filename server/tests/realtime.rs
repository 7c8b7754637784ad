//! The WebSocket: authentication, who receives which event, typing, read
//! receipts, presence, revocation, and catching up after a disconnect.

mod common;

use std::time::Duration;

use common::ws::{WsClient, close_code};
use common::{Session, TestApp};
use protocol::{
    ClientEvent, Department, Message, ReadReceipt, Role, ServerEvent, StaffStatus, SyncResponse,
    Ticket, User,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// How long to listen to be sure that nothing comes.
const QUIET: Duration = Duration::from_millis(400);

struct World {
    app: TestApp,
    x: Department,
    ann: Session,
    bob: Session,
    agent_x: Session,
    agent_x2: Session,
    agent_y: Session,
    admin: Session,
}

async fn world() -> World {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let x = admin.department("X").await;
    let y = admin.department("Y").await;
    let agent_x = app.staff(&admin, "Agent X", Role::Agent, Some(&x)).await;
    let agent_x2 = app.staff(&admin, "Agent X2", Role::Agent, Some(&x)).await;
    let agent_y = app.staff(&admin, "Agent Y", Role::Agent, Some(&y)).await;
    let ann = app.customer("Ann").await;
    let bob = app.customer("Bob").await;
    World {
        app,
        x,
        ann,
        bob,
        agent_x,
        agent_x2,
        agent_y,
        admin,
    }
}

fn ticket_event(event: &ServerEvent) -> Option<Ticket> {
    match event {
        ServerEvent::Ticket { ticket } => Some(ticket.clone()),
        _ => None,
    }
}

fn message_event(event: &ServerEvent) -> Option<Message> {
    match event {
        ServerEvent::Message { message } => Some(message.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn a_socket_authenticates_by_header_or_first_frame_and_refuses_bad_tokens() {
    let w = world().await;
    WsClient::connect(&w.app.base, &w.ann.token).await;
    assert_eq!(WsClient::refused(&w.app.base, "not-a-token").await, 401);

    let mut bare = WsClient::connect_bare(&w.app.base).await;
    bare.send(&ClientEvent::Auth {
        token: w.ann.token.clone(),
    })
    .await;
    bare.expect_ready().await;

    let mut wrong = WsClient::connect_bare(&w.app.base).await;
    wrong
        .send(&ClientEvent::Auth {
            token: "not-a-token".into(),
        })
        .await;
    match wrong.next().await {
        Some(ServerEvent::Error { code, .. }) => assert_eq!(code, "unauthorized"),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(close_code(wrong.closed().await), Some(1008));
}

#[tokio::test]
async fn ticket_and_message_events_reach_exactly_those_who_may_see_them() {
    let w = world().await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    let mut bob = WsClient::connect(&w.app.base, &w.bob.token).await;
    let mut agent_x = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    let mut agent_y = WsClient::connect(&w.app.base, &w.agent_y.token).await;
    let mut admin = WsClient::connect(&w.app.base, &w.admin.token).await;

    let t = w.ann.open_ticket(&w.x, "Printer on fire").await;
    for (who, client) in [
        ("ann", &mut ann),
        ("agent_x", &mut agent_x),
        ("admin", &mut admin),
    ] {
        let got = client.wait_for(ticket_event).await;
        assert_eq!(got.id, t.id, "{who}");
    }

    let path = format!("/v1/tickets/{}/messages", t.id);
    w.agent_x
        .post(
            &path,
            json!({"body": "thinking out loud", "internal": true}),
        )
        .await
        .expect(StatusCode::CREATED);
    w.agent_x
        .post(&path, json!({"body": "We are on it"}))
        .await
        .expect(StatusCode::CREATED);

    // The customer gets the reply and never the internal note.
    let bodies: Vec<String> = ann
        .drain(QUIET)
        .await
        .iter()
        .filter_map(message_event)
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["Please help.", "We are on it"]);
    // Staff of the department and the admin get both.
    for client in [&mut agent_x, &mut admin] {
        let bodies: Vec<String> = client
            .drain(QUIET)
            .await
            .iter()
            .filter_map(message_event)
            .map(|m| m.body)
            .collect();
        assert!(
            bodies.contains(&"thinking out loud".to_string()),
            "{bodies:?}"
        );
        assert!(bodies.contains(&"We are on it".to_string()), "{bodies:?}");
    }
    // Others get nothing at all.
    assert!(bob.drain(QUIET).await.is_empty());
    // Another note: the customer gets no event at all, not even the ticket
    // moving, so nothing tells them one was written.
    w.agent_x
        .post(&path, json!({"body": "second thought", "internal": true}))
        .await
        .expect(StatusCode::CREATED);
    assert!(agent_x.wait_for(message_event).await.internal);
    let told = ann.drain(QUIET).await;
    assert!(told.is_empty(), "{told:?}");
    assert!(agent_y.drain(QUIET).await.is_empty());
}

#[tokio::test]
async fn typing_reaches_the_other_participants_only() {
    let w = world().await;
    let t = w.ann.open_ticket(&w.x, "Question").await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    let mut agent_x = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    let mut agent_y = WsClient::connect(&w.app.base, &w.agent_y.token).await;
    ann.send(&ClientEvent::Typing {
        ticket_id: t.id,
        typing: true,
        internal: false,
    })
    .await;
    let (ticket_id, user_id, typing) = agent_x
        .wait_for(|e| match e {
            ServerEvent::Typing {
                ticket_id,
                user_id,
                typing,
            } => Some((*ticket_id, *user_id, *typing)),
            _ => None,
        })
        .await;
    assert_eq!((ticket_id, user_id, typing), (t.id, w.ann.user.id, true));
    // (Events of the ticket's creation may still arrive: only typing counts.)
    assert_eq!(typing_events(&mut ann).await, 0, "not echoed to the typist");
    assert!(agent_y.drain(QUIET).await.is_empty());

    // Typing in someone else's ticket is refused.
    let mut bob = WsClient::connect(&w.app.base, &w.bob.token).await;
    bob.send(&ClientEvent::Typing {
        ticket_id: t.id,
        typing: true,
        internal: false,
    })
    .await;
    match bob.next().await {
        Some(ServerEvent::Error { code, .. }) => assert_eq!(code, "ticket_not_found"),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(typing_events(&mut agent_x).await, 0);
}

/// Staff writing an internal note are shown typing to colleagues, never to
/// the customer, who would learn that a note is being written.
#[tokio::test]
async fn typing_an_internal_note_is_shown_to_staff_only() {
    let w = world().await;
    let t = w.ann.open_ticket(&w.x, "Question").await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    let mut agent_x = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    let mut agent_x2 = WsClient::connect(&w.app.base, &w.agent_x2.token).await;
    agent_x
        .send(&ClientEvent::Typing {
            ticket_id: t.id,
            typing: true,
            internal: true,
        })
        .await;
    let typist = agent_x2
        .wait_for(|e| match e {
            ServerEvent::Typing { user_id, .. } => Some(*user_id),
            _ => None,
        })
        .await;
    assert_eq!(typist, w.agent_x.user.id);
    assert_eq!(
        typing_events(&mut ann).await,
        0,
        "the customer saw a note being written"
    );
}

async fn typing_events(client: &mut WsClient) -> usize {
    client
        .drain(QUIET)
        .await
        .iter()
        .filter(|e| matches!(e, ServerEvent::Typing { .. }))
        .count()
}

#[tokio::test]
async fn typing_is_rate_limited() {
    let w = world().await;
    let t = w.ann.open_ticket(&w.x, "Question").await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    let mut agent_x = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    for i in 0..20 {
        ann.send(&ClientEvent::Typing {
            ticket_id: t.id,
            typing: i % 2 == 0,
            internal: false,
        })
        .await;
    }
    let typing = agent_x
        .drain(QUIET)
        .await
        .into_iter()
        .filter(|e| matches!(e, ServerEvent::Typing { .. }))
        .count();
    assert!((1..=5).contains(&typing), "{typing} typing events passed");
}

#[tokio::test]
async fn read_receipts_are_announced_and_persisted() {
    let w = world().await;
    let t = w.ann.open_ticket(&w.x, "Question").await;
    let path = format!("/v1/tickets/{}/messages", t.id);
    let reply: Message = w
        .agent_x
        .post(&path, json!({"body": "Answer"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let note: Message = w
        .agent_x
        .post(&path, json!({"body": "note", "internal": true}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let mut agent_x = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    let mut ann_ws = WsClient::connect(&w.app.base, &w.ann.token).await;

    // Over the socket, as a client reads.
    ann_ws
        .send(&ClientEvent::Read {
            ticket_id: t.id,
            message_id: reply.id,
        })
        .await;
    let receipt = agent_x
        .wait_for(|e| match e {
            ServerEvent::Read { receipt } => Some(receipt.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        (receipt.user_id, receipt.message_id),
        (w.ann.user.id, reply.id)
    );

    // Over REST; a marker on an internal note is not shown to the customer.
    w.agent_x2
        .request(
            Method::PUT,
            &format!("/v1/tickets/{}/read", t.id),
            Some(json!({"message_id": note.id})),
        )
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(
        ann_ws
            .drain(QUIET)
            .await
            .iter()
            .all(|e| !matches!(e, ServerEvent::Read { .. })),
        "no receipt of an internal note for the customer"
    );
    let for_staff: Vec<ReadReceipt> = w
        .agent_x
        .get(&format!("/v1/tickets/{}/reads", t.id))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(for_staff.len(), 2);
    let for_customer: Vec<ReadReceipt> = w
        .ann
        .get(&format!("/v1/tickets/{}/reads", t.id))
        .await
        .json();
    assert_eq!(for_customer.len(), 1);
    assert_eq!(for_customer[0].user_id, w.ann.user.id);

    // Markers never move back; a customer cannot mark an internal note.
    w.ann
        .request(
            Method::PUT,
            &format!("/v1/tickets/{}/read", t.id),
            Some(json!({"message_id": note.id})),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn presence_reaches_colleagues_and_is_stored() {
    let w = world().await;
    let mut agent_x2 = WsClient::connect(&w.app.base, &w.agent_x2.token).await;
    let mut agent_y = WsClient::connect(&w.app.base, &w.agent_y.token).await;
    let me: User = w
        .agent_x
        .request(
            Method::PUT,
            "/v1/me/status",
            Some(json!({"status": "active"})),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(me.status, Some(StaffStatus::Active));
    let (user_id, status) = agent_x2
        .wait_for(|e| match e {
            ServerEvent::Presence { user_id, status } => Some((*user_id, *status)),
            _ => None,
        })
        .await;
    assert_eq!((user_id, status), (w.agent_x.user.id, StaffStatus::Active));
    assert!(
        agent_y.drain(QUIET).await.is_empty(),
        "other departments are not told"
    );
    let staff: Vec<User> = w.agent_x2.get("/v1/staff").await.json();
    let stored = staff.iter().find(|u| u.id == w.agent_x.user.id).unwrap();
    assert_eq!(stored.status, Some(StaffStatus::Active));

    w.ann
        .request(
            Method::PUT,
            "/v1/me/status",
            Some(json!({"status": "active"})),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_revoked_token_closes_its_socket() {
    let w = world().await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    w.ann
        .request(Method::POST, "/v1/auth/logout", None)
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(close_code(ann.closed().await), Some(4001));

    let mut agent = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    w.admin
        .patch(
            &format!("/v1/staff/{}", w.agent_x.user.id),
            json!({"disabled": true}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(close_code(agent.closed().await), Some(4001));
}

#[tokio::test]
async fn staff_moved_to_another_department_lose_the_old_departments_events() {
    let w = world().await;
    let mut moved = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    let y = w.agent_y.user.department_id.unwrap();
    w.admin
        .patch(
            &format!("/v1/staff/{}", w.agent_x.user.id),
            json!({"department_id": y}),
        )
        .await
        .expect(StatusCode::OK);
    // Closed so the client reconnects (and resyncs) with its new sight.
    assert_eq!(close_code(moved.closed().await), Some(4002));
    let mut again = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    w.ann.open_ticket(&w.x, "For department X").await;
    let events = again.drain(std::time::Duration::from_millis(400)).await;
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ServerEvent::Ticket { ticket } if ticket.department_id == w.x.id)),
        "the old department's ticket reached the moved agent: {events:?}"
    );
}

#[tokio::test]
async fn unreadable_frames_get_an_error_and_the_socket_stays_open() {
    let w = world().await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    ann.send_text("{not json").await;
    match ann.next().await {
        Some(ServerEvent::Error { code, .. }) => assert_eq!(code, "invalid_frame"),
        other => panic!("expected an error, got {other:?}"),
    }
    ann.send_text(r#"{"type":"typing","ticket_id":"nope","typing":true}"#)
        .await;
    assert!(matches!(ann.next().await, Some(ServerEvent::Error { .. })));
    // Still alive: events keep coming.
    w.ann.open_ticket(&w.x, "After the errors").await;
    ann.wait_for(ticket_event).await;
}

#[tokio::test]
async fn a_client_that_was_away_catches_up_through_sync() {
    let w = world().await;
    let t = w.ann.open_ticket(&w.x, "Question").await;
    let first: SyncResponse = w.ann.get("/v1/sync").await.json();
    let ws = WsClient::connect(&w.app.base, &w.ann.token).await;
    drop(ws); // the phone goes offline
    w.agent_x
        .post(
            &format!("/v1/tickets/{}/messages", t.id),
            json!({"body": "While you were away"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let mut back = WsClient::connect(&w.app.base, &w.ann.token).await;
    let missed: SyncResponse = w
        .ann
        .get(&format!("/v1/sync?since={}", first.next_cursor))
        .await
        .json();
    assert_eq!(missed.messages.len(), 1);
    assert_eq!(missed.messages[0].body, "While you were away");
    // And live events flow again.
    w.agent_x
        .post(
            &format!("/v1/tickets/{}/messages", t.id),
            json!({"body": "Welcome back"}),
        )
        .await
        .expect(StatusCode::CREATED);
    // (A change made just before reconnecting may arrive live as well as
    // through sync; clients apply both by id.)
    let live = back
        .wait_for(|e| message_event(e).filter(|m| m.body == "Welcome back"))
        .await;
    assert_eq!(live.ticket_id, t.id);
}

#[tokio::test]
async fn stopping_the_server_closes_sockets_as_going_away() {
    let w = world().await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;
    let stopped = tokio::spawn(w.app.stop());
    assert_eq!(close_code(ann.closed().await), Some(1001));
    tokio::time::timeout(Duration::from_secs(5), stopped)
        .await
        .expect("the shutdown does not wait on the socket")
        .unwrap();
}

#[tokio::test]
async fn a_transfer_removes_the_ticket_from_the_sockets_of_the_department_it_left() {
    let w = world().await;
    let y: Department = w
        .admin
        .get("/v1/departments")
        .await
        .expect(StatusCode::OK)
        .json::<Vec<Department>>()
        .into_iter()
        .find(|d| d.name == "Y")
        .unwrap();
    let ticket = w.ann.open_ticket(&w.x, "Moves").await;
    let mut agent_x = WsClient::connect(&w.app.base, &w.agent_x.token).await;
    let mut admin = WsClient::connect(&w.app.base, &w.admin.token).await;
    let mut ann = WsClient::connect(&w.app.base, &w.ann.token).await;

    w.agent_x2
        .patch(
            &format!("/v1/tickets/{}", ticket.id),
            json!({"department_id": y.id, "version": ticket.version}),
        )
        .await
        .expect(StatusCode::OK);

    let removed = agent_x
        .wait_for(|e| match e {
            ServerEvent::TicketRemoved { ticket_id } => Some(*ticket_id),
            _ => None,
        })
        .await;
    assert_eq!(removed, ticket.id);
    for (who, socket) in [("the admin", &mut admin), ("the customer", &mut ann)] {
        let events = socket.drain(QUIET).await;
        assert!(
            events.iter().any(|e| ticket_event(e).is_some()),
            "{who} hears of the transfer"
        );
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ServerEvent::TicketRemoved { .. })),
            "{who} keeps the ticket"
        );
    }
}

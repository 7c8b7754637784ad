//! The core against the real server, in-process on loopback: online use,
//! offline use, a kill in the middle of draining the outbox, conflicts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cs_core::{
    Client, CoreError, SendState, SyncState, TicketChanges, TicketFilter, TicketItem,
    TicketListListener, TicketStatus, file_token_store,
};
use serde_json::json;

mod common;

use common::{ADMIN, Backend, PASSWORD, client, eventually};

#[derive(Default)]
struct Recorder {
    updates: Mutex<Vec<Vec<TicketItem>>>,
}

impl TicketListListener for Recorder {
    fn on_update(&self, tickets: Vec<TicketItem>) {
        self.updates.lock().unwrap().push(tickets);
    }
}

#[tokio::test]
async fn online_a_ticket_goes_pending_then_sent_and_the_list_follows() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&backend, dir.path());
    let me = client
        .register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    eventually("live", || client.sync_state() == SyncState::Live).await;

    let recorder = Arc::new(Recorder::default());
    let handle = client.observe_tickets(TicketFilter::default(), 50, recorder.clone());
    assert_eq!(
        recorder.updates.lock().unwrap().len(),
        1,
        "the first snapshot comes at once"
    );

    let ticket = client
        .create_ticket(dept.clone(), "Printer".into(), "It jams.".into())
        .unwrap();
    assert_eq!(ticket.send_state, SendState::Pending);
    assert_eq!(ticket.customer_id, me.id);
    eventually("the ticket is confirmed", || {
        recorder.updates.lock().unwrap().last().is_some_and(|list| {
            list.len() == 1 && list[0].send_state == SendState::Sent && list[0].number.is_some()
        })
    })
    .await;

    // A reply from staff reaches the cache live.
    let staff_token = {
        let admin = backend.token_of(ADMIN).await;
        backend
            .call(
                reqwest::Method::POST,
                "/v1/staff",
                &admin,
                Some(
                    json!({"email": "bea@staff.example", "name": "Bea", "password": PASSWORD,
                            "role": "agent", "department_id": dept}),
                ),
            )
            .await;
        backend.token_of("bea@staff.example").await
    };
    backend
        .call(
            reqwest::Method::POST,
            &format!("/v1/tickets/{}/messages", ticket.id),
            &staff_token,
            Some(json!({"body": "On it"})),
        )
        .await;
    eventually("the reply arrives", || {
        client
            .ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| d.messages.iter().any(|m| m.body == "On it"))
    })
    .await;

    // A cancelled subscription hears nothing more.
    handle.cancel();
    let seen = recorder.updates.lock().unwrap().len();
    client
        .create_ticket(dept, "Second".into(), "Another".into())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(recorder.updates.lock().unwrap().len(), seen);
}

#[tokio::test]
async fn offline_work_survives_a_kill_mid_drain_and_arrives_once_in_order() {
    let mut backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let dir = tempfile::tempdir().unwrap();

    // Signed in while online, then the server goes away.
    let first = client(&backend, dir.path());
    first
        .register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    backend.down().await;
    eventually("offline", || first.sync_state() == SyncState::Offline).await;

    let ticket = first
        .create_ticket(dept, "Offline ticket".into(), "Written in a tunnel".into())
        .unwrap();
    for i in 1..=3 {
        first
            .send_message(ticket.id.clone(), format!("message {i}"), vec![], false)
            .unwrap();
    }
    assert_eq!(first.pending_count().unwrap(), 4);
    let shown = first.ticket_detail(ticket.id.clone()).unwrap().unwrap();
    assert_eq!(shown.messages.len(), 4, "shown at once, before any server");
    assert!(
        shown
            .messages
            .iter()
            .all(|m| m.send_state == SendState::Pending)
    );

    // The server returns; the app is killed as soon as the ticket is on the
    // server, with the messages still on their way.
    backend.up().await;
    let token = backend.token_of("ann@x.example").await;
    first.reconnect_now();
    let http = reqwest::Client::new();
    let ticket_url = format!("{}/v1/tickets/{}", backend.url(), ticket.id);
    for _ in 0..2000 {
        let status = http
            .get(&ticket_url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        if status.is_success() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(first);

    // The app starts again over the same cache and finishes the job.
    let second = client(&backend, dir.path());
    assert!(second.current_user().is_some(), "the session is restored");
    eventually("the outbox drains", || second.pending_count().unwrap() == 0).await;

    let on_server = backend
        .call(reqwest::Method::GET, "/v1/tickets", &token, None)
        .await;
    assert_eq!(
        on_server["tickets"].as_array().unwrap().len(),
        1,
        "one ticket"
    );
    let messages = backend
        .call(
            reqwest::Method::GET,
            &format!("/v1/tickets/{}/messages", ticket.id),
            &token,
            None,
        )
        .await;
    let bodies: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["Written in a tunnel", "message 1", "message 2", "message 3"]
    );

    eventually("the cache agrees", || {
        let detail = second.ticket_detail(ticket.id.clone()).unwrap().unwrap();
        let cached: Vec<&str> = detail.messages.iter().map(|m| m.body.as_str()).collect();
        cached == bodies
            && detail
                .messages
                .iter()
                .all(|m| m.send_state == SendState::Sent)
    })
    .await;
    assert_eq!(
        second.tickets(TicketFilter::default(), 50).unwrap().len(),
        1
    );
}

/// A ticket a customer opened in `dept` over HTTP, as the server answered it.
async fn ticket_from_ann(backend: &Backend, dept: &str) -> serde_json::Value {
    let ann = backend.customer_token("ann@x.example", "Ann").await;
    backend.open_ticket(&ann, dept, "S").await
}

#[tokio::test]
async fn a_stale_staff_change_is_surfaced_not_overwritten() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let admin = backend.token_of(ADMIN).await;
    backend
        .call(
            reqwest::Method::POST,
            "/v1/staff",
            &admin,
            Some(
                json!({"email": "bea@staff.example", "name": "Bea", "password": PASSWORD,
                        "role": "agent", "department_id": dept}),
            ),
        )
        .await;
    let ticket = ticket_from_ann(&backend, &dept).await;
    let ticket_id = ticket["id"].as_str().unwrap().to_string();

    let dir = tempfile::tempdir().unwrap();
    let client = client(&backend, dir.path());
    client
        .sign_in("bea@staff.example".into(), PASSWORD.into())
        .await
        .unwrap();
    eventually("the ticket is cached", || {
        client.ticket_detail(ticket_id.clone()).unwrap().is_some()
    })
    .await;

    // Someone else changes it first (the supervisor's laptop, say).
    let bea = backend.token_of("bea@staff.example").await;
    backend
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/tickets/{ticket_id}"),
            &bea,
            Some(json!({"priority": "urgent", "version": 1})),
        )
        .await;
    // Our change still carries version 1 if the cache has not caught up.
    client
        .inner()
        .store
        .put_ticket(&serde_json::from_value(ticket.clone()).unwrap())
        .unwrap();
    client
        .update_ticket(
            ticket_id.clone(),
            TicketChanges {
                status: Some(TicketStatus::Resolved),
                ..TicketChanges::default()
            },
        )
        .unwrap();
    eventually("the conflict is shown", || {
        client
            .ticket_detail(ticket_id.clone())
            .unwrap()
            .is_some_and(|d| matches!(d.ticket.send_state, SendState::Failed { .. }))
    })
    .await;
    let shown = client
        .ticket_detail(ticket_id.clone())
        .unwrap()
        .unwrap()
        .ticket;
    assert_eq!(
        shown.priority,
        cs_core::Priority::Urgent,
        "the server's version is shown"
    );
    assert_eq!(
        shown.status,
        TicketStatus::Open,
        "our change did not overwrite it"
    );
    match shown.send_state {
        SendState::Failed { reason } => assert!(reason.contains("conflict"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // Later server news keeps the refusal shown until the user decides.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still = client
        .ticket_detail(ticket_id.clone())
        .unwrap()
        .unwrap()
        .ticket;
    assert!(matches!(still.send_state, SendState::Failed { .. }));
    assert_eq!(client.discard_failed().unwrap(), 1);
    let after = client
        .ticket_detail(ticket_id.clone())
        .unwrap()
        .unwrap()
        .ticket;
    assert_eq!(after.send_state, SendState::Sent);
}

/// Two changes of one ticket queued before the first is confirmed (offline,
/// or faster than the round trip) both start from the version the user saw;
/// the second builds on the first instead of conflicting with it.
#[tokio::test]
async fn two_changes_in_a_row_both_reach_the_server() {
    let mut backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let bea_email = backend.agent("Bea", &dept).await;
    let ticket = ticket_from_ann(&backend, &dept).await;
    let ticket_id = ticket["id"].as_str().unwrap().to_string();

    let dir = tempfile::tempdir().unwrap();
    let client = client(&backend, dir.path());
    client
        .sign_in(bea_email.clone(), PASSWORD.into())
        .await
        .unwrap();
    eventually("the ticket is cached", || {
        client.ticket_detail(ticket_id.clone()).unwrap().is_some()
    })
    .await;

    backend.down().await;
    eventually("offline", || client.sync_state() == SyncState::Offline).await;
    client
        .update_ticket(
            ticket_id.clone(),
            TicketChanges {
                status: Some(TicketStatus::InProgress),
                ..TicketChanges::default()
            },
        )
        .unwrap();
    client
        .update_ticket(
            ticket_id.clone(),
            TicketChanges {
                priority: Some(cs_core::Priority::High),
                ..TicketChanges::default()
            },
        )
        .unwrap();
    assert_eq!(client.pending_count().unwrap(), 2);

    backend.up().await;
    client.reconnect_now();
    eventually("both sent", || client.pending_count().unwrap() == 0).await;
    assert!(
        client.outbox().unwrap().is_empty(),
        "nothing refused: {:?}",
        client.outbox().unwrap()
    );
    let token = backend.token_of(&bea_email).await;
    let on_server = backend
        .call(
            reqwest::Method::GET,
            &format!("/v1/tickets/{ticket_id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(on_server["status"], "in_progress");
    assert_eq!(on_server["priority"], "high");
}

#[tokio::test]
async fn bad_input_is_a_typed_error_and_queues_nothing() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&backend, dir.path());
    assert!(matches!(
        client.create_ticket(dept.clone(), "S".into(), "B".into()),
        Err(CoreError::Unauthorized { .. })
    ));
    client
        .register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    assert!(matches!(
        client.create_ticket(dept.clone(), "   ".into(), "B".into()),
        Err(CoreError::Invalid { .. })
    ));
    assert!(matches!(
        client.create_ticket("not-an-id".into(), "S".into(), "B".into()),
        Err(CoreError::Invalid { .. })
    ));
    assert!(matches!(
        client.send_message("not-an-id".into(), "hi".into(), vec![], false),
        Err(CoreError::Invalid { .. })
    ));
    assert_eq!(client.pending_count().unwrap(), 0);
    let wrong = client
        .sign_in("ann@x.example".into(), "wrong password".into())
        .await;
    assert!(
        matches!(wrong, Err(CoreError::Unauthorized { .. })),
        "{wrong:?}"
    );
    assert!(matches!(
        Client::new(
            "ftp://nowhere".into(),
            dir.path().join("c2").to_string_lossy().into_owned(),
            file_token_store(dir.path().join("t2").to_string_lossy().into_owned())
        ),
        Err(CoreError::Invalid { .. })
    ));
}

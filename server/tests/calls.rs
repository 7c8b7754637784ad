//! Calls through the real server: who rings, the states, signalling between
//! the two devices in a call and nobody else, and the log on the timeline.

mod common;

use std::time::Duration;

use common::ws::WsClient;
use common::{PASSWORD, Session, TestApp};
use protocol::{
    Call, CallOutcome, CallSession, CallState, ClientEvent, Department, Role, ServerEvent, Signal,
    Ticket, TimelineChange, TimelineEvent,
};
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

/// A department with one Active agent, a customer and a ticket of theirs.
struct Scene {
    app: TestApp,
    dept: Department,
    agent: Session,
    customer: Session,
    ticket: Ticket,
}

async fn scene_with(adjust: impl FnOnce(&mut server::Config)) -> Scene {
    let app = TestApp::start_with(adjust).await;
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let agent = app.staff(&admin, "Ada", Role::Agent, Some(&dept)).await;
    set_status(&agent, "active").await;
    let customer = app.customer("Ann").await;
    let ticket = customer.open_ticket(&dept, "No dial tone").await;
    Scene {
        app,
        dept,
        agent,
        customer,
        ticket,
    }
}

async fn scene() -> Scene {
    scene_with(|_| {}).await
}

async fn place(session: &Session, ticket: &Ticket) -> CallSession {
    let resp = session
        .post("/v1/calls", json!({"ticket_id": ticket.id}))
        .await;
    resp.expect(StatusCode::CREATED);
    resp.json()
}

async fn ringing(ws: &mut WsClient) -> (CallSession, String, String) {
    ws.wait_for(|e| match e {
        ServerEvent::CallRinging {
            session,
            caller_name,
            ticket_subject,
        } => Some((session.clone(), caller_name.clone(), ticket_subject.clone())),
        _ => None,
    })
    .await
}

async fn updated(ws: &mut WsClient, state: CallState) -> Call {
    ws.wait_for(|e| match e {
        ServerEvent::CallUpdated { call } if call.state == state => Some(call.clone()),
        _ => None,
    })
    .await
}

async fn signal(ws: &mut WsClient) -> Signal {
    ws.wait_for(|e| match e {
        ServerEvent::CallSignal { signal, .. } => Some(signal.clone()),
        _ => None,
    })
    .await
}

async fn call_events(ws: &mut WsClient, wait: Duration) -> Vec<ServerEvent> {
    ws.drain(wait)
        .await
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                ServerEvent::CallRinging { .. }
                    | ServerEvent::CallUpdated { .. }
                    | ServerEvent::CallSignal { .. }
            )
        })
        .collect()
}

async fn call_log(session: &Session, ticket: &Ticket) -> Vec<TimelineChange> {
    let timeline: Vec<TimelineEvent> = session
        .get(&format!("/v1/tickets/{}/timeline", ticket.id))
        .await
        .json();
    timeline
        .into_iter()
        .map(|e| e.change)
        .filter(|c| matches!(c, TimelineChange::Call { .. }))
        .collect()
}

fn outcome_of(change: &TimelineChange) -> CallOutcome {
    match change {
        TimelineChange::Call { outcome, .. } => *outcome,
        other => panic!("not a call: {other:?}"),
    }
}

#[tokio::test]
async fn staff_call_rings_the_customer_connects_signalling_and_is_logged_with_its_duration() {
    let s = scene_with(|c| {
        c.stun_urls = vec!["stun:127.0.0.1:3478".into()];
        c.turn_urls = vec!["turn:127.0.0.1:3478?transport=udp".into()];
        c.turn_secret = Some("s3cret".into());
    })
    .await;
    let mut agent_ws = WsClient::connect(&s.app.base, &s.agent.token).await;
    let mut customer_ws = WsClient::connect(&s.app.base, &s.customer.token).await;

    let placed = place(&s.agent, &s.ticket).await;
    assert_eq!(placed.call.state, CallState::Ringing);
    assert_eq!(placed.call.ringing, vec![s.customer.user.id]);
    assert_eq!(placed.ice_servers.len(), 2, "STUN, then TURN");
    let (rung, caller_name, subject) = ringing(&mut customer_ws).await;
    assert_eq!(rung.call.id, placed.call.id);
    assert_eq!(
        (caller_name.as_str(), subject.as_str()),
        ("Ada", "No dial tone")
    );
    let turn = &rung.ice_servers[1];
    assert!(
        turn.username
            .as_deref()
            .is_some_and(|u| u.ends_with(&format!(":{}", s.customer.user.id))),
        "TURN credentials are the callee's own: {turn:?}"
    );

    let accepted: CallSession = s
        .customer
        .post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await
        .json();
    assert_eq!(accepted.call.state, CallState::Accepted);
    assert_eq!(accepted.call.callee_id, Some(s.customer.user.id));
    updated(&mut agent_ws, CallState::Accepted).await;

    let id = placed.call.id;
    let offer = Signal::Offer {
        sdp: "v=0 offer".into(),
    };
    agent_ws
        .send(&ClientEvent::CallSignal {
            call_id: id,
            signal: offer.clone(),
        })
        .await;
    assert_eq!(signal(&mut customer_ws).await, offer);
    let candidate = Signal::Candidate {
        candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    };
    customer_ws
        .send(&ClientEvent::CallSignal {
            call_id: id,
            signal: candidate.clone(),
        })
        .await;
    assert_eq!(signal(&mut agent_ws).await, candidate);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let ended: Call = s
        .agent
        .post(&format!("/v1/calls/{id}/hangup"), json!({}))
        .await
        .json();
    assert_eq!(ended.state, CallState::Ended);
    updated(&mut customer_ws, CallState::Ended).await;
    // Hanging up again changes nothing.
    let again: Call = s
        .customer
        .post(&format!("/v1/calls/{id}/hangup"), json!({}))
        .await
        .json();
    assert_eq!(again, ended);

    let log = call_log(&s.customer, &s.ticket).await;
    assert_eq!(log.len(), 1);
    match &log[0] {
        TimelineChange::Call {
            call_id,
            caller_id,
            callee_id,
            outcome,
            duration_secs,
        } => {
            assert_eq!(*call_id, id);
            assert_eq!(*caller_id, s.agent.user.id);
            assert_eq!(*callee_id, Some(s.customer.user.id));
            assert_eq!(*outcome, CallOutcome::Completed);
            assert!(duration_secs.is_some_and(|d| d >= 1), "{duration_secs:?}");
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_declined_call_is_logged_as_declined() {
    let s = scene().await;
    let mut agent_ws = WsClient::connect(&s.app.base, &s.agent.token).await;
    let placed = place(&s.agent, &s.ticket).await;
    let declined: Call = s
        .customer
        .post(&format!("/v1/calls/{}/decline", placed.call.id), json!({}))
        .await
        .json();
    assert_eq!(declined.state, CallState::Declined);
    updated(&mut agent_ws, CallState::Declined).await;
    let log = call_log(&s.agent, &s.ticket).await;
    assert_eq!(
        log.iter().map(outcome_of).collect::<Vec<_>>(),
        [CallOutcome::Declined]
    );
    // Too late to answer now.
    let late = s
        .customer
        .post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await;
    late.expect(StatusCode::CONFLICT);
    assert_eq!(late.code(), "call_not_ringing");
}

#[tokio::test]
async fn an_unanswered_call_is_missed_after_the_ring_timeout() {
    let s = scene_with(|c| c.ring_timeout_secs = 1).await;
    let mut agent_ws = WsClient::connect(&s.app.base, &s.agent.token).await;
    let mut customer_ws = WsClient::connect(&s.app.base, &s.customer.token).await;
    let placed = place(&s.agent, &s.ticket).await;
    ringing(&mut customer_ws).await;
    let missed = updated(&mut customer_ws, CallState::Missed).await;
    assert_eq!(missed.id, placed.call.id);
    updated(&mut agent_ws, CallState::Missed).await;
    let log = call_log(&s.agent, &s.ticket).await;
    assert_eq!(
        log.iter().map(outcome_of).collect::<Vec<_>>(),
        [CallOutcome::Missed]
    );
}

#[tokio::test]
async fn the_caller_cancels_before_an_answer() {
    let s = scene().await;
    let mut customer_ws = WsClient::connect(&s.app.base, &s.customer.token).await;
    let placed = place(&s.agent, &s.ticket).await;
    ringing(&mut customer_ws).await;
    let cancelled: Call = s
        .agent
        .post(&format!("/v1/calls/{}/hangup", placed.call.id), json!({}))
        .await
        .json();
    assert_eq!(cancelled.state, CallState::Cancelled);
    updated(&mut customer_ws, CallState::Cancelled).await;
    let log = call_log(&s.agent, &s.ticket).await;
    assert_eq!(
        log.iter().map(outcome_of).collect::<Vec<_>>(),
        [CallOutcome::Cancelled]
    );
}

#[tokio::test]
async fn answering_on_one_device_stops_the_other_and_signalling_goes_to_the_answering_one() {
    let s = scene().await;
    let phone = &s.customer;
    let tablet = s.app.login(&s.customer.user.email, PASSWORD).await;
    let mut agent_ws = WsClient::connect(&s.app.base, &s.agent.token).await;
    let mut phone_ws = WsClient::connect(&s.app.base, &phone.token).await;
    let mut tablet_ws = WsClient::connect(&s.app.base, &tablet.token).await;

    let placed = place(&s.agent, &s.ticket).await;
    ringing(&mut phone_ws).await;
    ringing(&mut tablet_ws).await;
    tablet
        .post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await
        .expect(StatusCode::OK);
    // The phone stops ringing: the call is answered.
    let seen = updated(&mut phone_ws, CallState::Accepted).await;
    assert_eq!(seen.callee_id, Some(s.customer.user.id));
    let late = phone
        .post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await;
    late.expect(StatusCode::CONFLICT);
    assert_eq!(late.code(), "call_not_ringing");

    updated(&mut agent_ws, CallState::Accepted).await;
    let offer = Signal::Offer { sdp: "o".into() };
    agent_ws
        .send(&ClientEvent::CallSignal {
            call_id: placed.call.id,
            signal: offer.clone(),
        })
        .await;
    assert_eq!(signal(&mut tablet_ws).await, offer);
    assert!(
        call_events(&mut phone_ws, Duration::from_millis(300))
            .await
            .is_empty(),
        "the phone that did not answer gets no signalling"
    );
    // Nor may it signal into the call.
    phone_ws
        .send(&ClientEvent::CallSignal {
            call_id: placed.call.id,
            signal: Signal::Answer { sdp: "x".into() },
        })
        .await;
    let refused = phone_ws
        .wait_for(|e| match e {
            ServerEvent::Error { code, .. } => Some(code.clone()),
            _ => None,
        })
        .await;
    assert_eq!(refused, "call_not_found");
}

#[tokio::test]
async fn a_customer_call_rings_active_staff_only_and_the_first_answer_wins() {
    let s = scene().await;
    let admin = s.app.admin().await;
    let ben = s.app.staff(&admin, "Ben", Role::Agent, Some(&s.dept)).await;
    let dee = s.app.staff(&admin, "Dee", Role::Agent, Some(&s.dept)).await;
    let cy = s.app.staff(&admin, "Cy", Role::Agent, Some(&s.dept)).await;
    set_status(&ben, "active").await;
    set_status(&dee, "active").await;
    // Ada, the assignee, goes Off; Cy never turned Active.
    assert_eq!(s.ticket.assignee_id, Some(s.agent.user.id));
    set_status(&s.agent, "off").await;
    let mut ada_ws = WsClient::connect(&s.app.base, &s.agent.token).await;
    let mut ben_ws = WsClient::connect(&s.app.base, &ben.token).await;
    let mut dee_ws = WsClient::connect(&s.app.base, &dee.token).await;
    let mut cy_ws = WsClient::connect(&s.app.base, &cy.token).await;

    let placed = place(&s.customer, &s.ticket).await;
    let mut rung = placed.call.ringing.clone();
    rung.sort();
    let mut active = vec![ben.user.id, dee.user.id];
    active.sort();
    assert_eq!(rung, active, "Active staff are rung, Off staff are not");
    ringing(&mut ben_ws).await;
    ringing(&mut dee_ws).await;

    dee.post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await
        .expect(StatusCode::OK);
    let seen = updated(&mut ben_ws, CallState::Accepted).await;
    assert_eq!(seen.callee_id, Some(dee.user.id));
    let late = ben
        .post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await;
    assert_eq!(late.code(), "call_not_ringing");
    for ws in [&mut ada_ws, &mut cy_ws] {
        assert!(
            call_events(ws, Duration::from_millis(300)).await.is_empty(),
            "Off staff hear nothing of the call"
        );
    }
}

#[tokio::test]
async fn a_customer_call_goes_to_the_active_assignee_alone() {
    let s = scene().await;
    let admin = s.app.admin().await;
    let ben = s.app.staff(&admin, "Ben", Role::Agent, Some(&s.dept)).await;
    set_status(&ben, "active").await;
    assert_eq!(s.ticket.assignee_id, Some(s.agent.user.id), "routed to Ada");
    let placed = place(&s.customer, &s.ticket).await;
    assert_eq!(placed.call.ringing, vec![s.agent.user.id]);
}

#[tokio::test]
async fn a_customer_call_with_nobody_active_fails_at_once() {
    let s = scene().await;
    set_status(&s.agent, "off").await;
    let resp = s
        .customer
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await;
    resp.expect(StatusCode::CONFLICT);
    assert_eq!(resp.code(), "nobody_available");
}

#[tokio::test]
async fn strangers_cannot_see_a_call_nor_signal_into_it() {
    let s = scene().await;
    let admin = s.app.admin().await;
    let other_dept = admin.department("Billing").await;
    let outsider = s
        .app
        .staff(&admin, "Ola", Role::Agent, Some(&other_dept))
        .await;
    let mallory = s.app.customer("Mallory").await;
    let mut agent_ws = WsClient::connect(&s.app.base, &s.agent.token).await;
    let mut customer_ws = WsClient::connect(&s.app.base, &s.customer.token).await;
    let placed = place(&s.agent, &s.ticket).await;
    let id = placed.call.id;
    s.customer
        .post(&format!("/v1/calls/{id}/accept"), json!({}))
        .await
        .expect(StatusCode::OK);
    for stranger in [&mallory, &outsider] {
        let resp = stranger.get(&format!("/v1/calls/{id}")).await;
        resp.expect(StatusCode::NOT_FOUND);
        assert_eq!(resp.code(), "call_not_found");
        stranger
            .post(&format!("/v1/calls/{id}/hangup"), json!({}))
            .await
            .expect(StatusCode::NOT_FOUND);
        let mut ws = WsClient::connect(&s.app.base, &stranger.token).await;
        ws.send(&ClientEvent::CallSignal {
            call_id: id,
            signal: Signal::Offer { sdp: "evil".into() },
        })
        .await;
        let code = ws
            .wait_for(|e| match e {
                ServerEvent::Error { code, .. } => Some(code.clone()),
                _ => None,
            })
            .await;
        assert_eq!(code, "call_not_found");
    }
    // Neither party received anything from them.
    for ws in [&mut agent_ws, &mut customer_ws] {
        let signals: Vec<_> = call_events(ws, Duration::from_millis(300))
            .await
            .into_iter()
            .filter(|e| matches!(e, ServerEvent::CallSignal { .. }))
            .collect();
        assert!(signals.is_empty(), "{signals:?}");
    }
    // And the call is still on.
    let call: Call = s.customer.get(&format!("/v1/calls/{id}")).await.json();
    assert_eq!(call.state, CallState::Accepted);
}

#[tokio::test]
async fn one_live_call_per_ticket_and_a_retried_id_places_one_call() {
    let s = scene().await;
    let id = Uuid::now_v7();
    let body = json!({"ticket_id": s.ticket.id, "id": id});
    s.agent
        .post("/v1/calls", body.clone())
        .await
        .expect(StatusCode::CREATED);
    let again: CallSession = s.agent.post("/v1/calls", body).await.json();
    assert_eq!(again.call.id, id);
    let second = s
        .agent
        .post("/v1/calls", json!({"ticket_id": s.ticket.id}))
        .await;
    second.expect(StatusCode::CONFLICT);
    assert_eq!(second.code(), "call_in_progress");
    // The callee finds the ringing call through REST too (after a restart,
    // or opened from a push notification).
    let live: Vec<CallSession> = s.customer.get("/v1/calls").await.json();
    assert_eq!(live.iter().map(|c| c.call.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn bad_call_requests_get_clear_errors() {
    let s = scene().await;
    let unknown = s
        .agent
        .post("/v1/calls", json!({"ticket_id": Uuid::now_v7()}))
        .await;
    unknown.expect(StatusCode::NOT_FOUND);
    let extra = s
        .agent
        .post(
            "/v1/calls",
            json!({"ticket_id": s.ticket.id, "video": true}),
        )
        .await;
    assert!(extra.status.is_client_error(), "{}", extra.body);
    s.agent
        .post(&format!("/v1/calls/{}/accept", Uuid::now_v7()), json!({}))
        .await
        .expect(StatusCode::NOT_FOUND);
    // The caller cannot answer their own call.
    let placed = place(&s.agent, &s.ticket).await;
    s.agent
        .post(&format!("/v1/calls/{}/accept", placed.call.id), json!({}))
        .await
        .expect(StatusCode::FORBIDDEN);
}

//! Voice calls between two cores through the real server, in-process:
//! ringing, answering, WebRTC audio over loopback checked by content (a tone
//! sent by one side is heard at its frequency by the other), hang-up, and
//! the call on the ticket's timeline.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Backend, PASSWORD, client, eventually, hears, tone_device};
use cs_core::call::manager::{CallDirection, CallInfo, CallListener, CallPhase};
use cs_core::{Client, SendState, SyncState, TicketFilter};

const STAFF_HZ: f64 = 440.0;
const CUSTOMER_HZ: f64 = 660.0;

#[derive(Default)]
struct Calls(Mutex<Vec<Vec<CallInfo>>>);

impl CallListener for Calls {
    fn on_calls(&self, calls: Vec<CallInfo>) {
        self.0.lock().unwrap().push(calls);
    }
}

impl Calls {
    /// Every state a call was shown in, in order.
    fn phases_of(&self, id: &str) -> Vec<CallPhase> {
        let mut phases: Vec<CallPhase> = Vec::new();
        for snapshot in self.0.lock().unwrap().iter() {
            for call in snapshot.iter().filter(|c| c.id == id) {
                if phases.last() != Some(&call.phase) {
                    phases.push(call.phase.clone());
                }
            }
        }
        phases
    }

    fn ringing(&self) -> Option<CallInfo> {
        self.0.lock().unwrap().iter().rev().find_map(|snapshot| {
            snapshot
                .iter()
                .find(|c| c.direction == CallDirection::Incoming && c.phase == CallPhase::Ringing)
                .cloned()
        })
    }
}

/// A customer with a ticket and an agent of its department, both signed in
/// on their own core, live.
struct Scene {
    backend: Backend,
    _dirs: Vec<tempfile::TempDir>,
    customer: Arc<Client>,
    agent: Arc<Client>,
    ticket_id: String,
}

async fn scene() -> Scene {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let agent_email = backend.agent("Bea", &dept).await;
    let (customer_dir, agent_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let customer = client(&backend, customer_dir.path());
    customer
        .register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    customer.refresh_departments().await.unwrap();
    let ticket = customer
        .create_ticket(dept, "No sound".into(), "Please call me".into())
        .unwrap();
    eventually("the ticket is sent", || {
        customer.tickets(TicketFilter::default(), 10).unwrap()[0].send_state == SendState::Sent
    })
    .await;
    let agent = client(&backend, agent_dir.path());
    agent.sign_in(agent_email, PASSWORD.into()).await.unwrap();
    for c in [&customer, &agent] {
        c.configure_call_media(vec!["127.0.0.1:0".into()], false);
        eventually("live", || c.sync_state() == SyncState::Live).await;
    }
    Scene {
        backend,
        _dirs: vec![customer_dir, agent_dir],
        customer,
        agent,
        ticket_id: ticket.id,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_call_the_customer_tones_cross_both_ways_and_the_call_is_logged() {
    let s = scene().await;
    let customer_calls = Arc::new(Calls::default());
    let _watch = s.customer.observe_calls(customer_calls.clone());
    let agent_calls = Arc::new(Calls::default());
    let _watch_agent = s.agent.observe_calls(agent_calls.clone());

    let (agent_audio, agent_heard) = tone_device(STAFF_HZ);
    let placed = s
        .agent
        .place_call(s.ticket_id.clone(), agent_audio)
        .await
        .unwrap();
    assert_eq!(placed.phase, CallPhase::Ringing);
    assert_eq!(placed.direction, CallDirection::Outgoing);

    eventually("the customer's phone rings", || {
        customer_calls.ringing().is_some()
    })
    .await;
    let ringing = customer_calls.ringing().unwrap();
    assert_eq!(ringing.id, placed.id);
    assert_eq!(ringing.caller_name.as_deref(), Some("Bea"));
    assert_eq!(ringing.ticket_subject.as_deref(), Some("No sound"));

    let (customer_audio, customer_heard) = tone_device(CUSTOMER_HZ);
    s.customer
        .accept_call(placed.id.clone(), customer_audio)
        .await
        .unwrap();
    hears("the customer", &customer_heard, STAFF_HZ, String::new).await;
    hears("the agent", &agent_heard, CUSTOMER_HZ, String::new).await;
    eventually("both show Connected", || {
        s.agent
            .calls()
            .iter()
            .any(|c| c.phase == CallPhase::Connected)
            && s.customer
                .calls()
                .iter()
                .any(|c| c.phase == CallPhase::Connected)
    })
    .await;
    let quality = s.agent.call_quality(placed.id.clone()).await.unwrap();
    assert!(quality.packets_received > 0, "{quality:?}");

    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.agent.hang_up(placed.id.clone()).await.unwrap();
    eventually("the customer's call ends", || s.customer.calls().is_empty()).await;
    assert_eq!(
        customer_calls.phases_of(&placed.id),
        [
            CallPhase::Ringing,
            CallPhase::Connecting,
            CallPhase::Connected,
            CallPhase::Ended {
                outcome: "ended".into()
            }
        ]
    );
    // Hanging up a call that is over changes nothing.
    s.customer.hang_up(placed.id.clone()).await.unwrap_or(());

    // On the timeline of both, with its duration.
    for (who, c) in [("customer", &s.customer), ("agent", &s.agent)] {
        eventually(&format!("the {who} sees the call on the timeline"), || {
            c.ticket_detail(s.ticket_id.clone())
                .unwrap()
                .is_some_and(|d| {
                    d.timeline
                        .iter()
                        .any(|e| e.description.starts_with("call: "))
                })
        })
        .await;
    }
    let _ = &s.backend;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_call_ends_on_both_sides() {
    let s = scene().await;
    let agent_calls = Arc::new(Calls::default());
    let _watch = s.agent.observe_calls(agent_calls.clone());
    let (audio, _) = tone_device(STAFF_HZ);
    let placed = s
        .agent
        .place_call(s.ticket_id.clone(), audio)
        .await
        .unwrap();
    eventually("the customer's phone rings", || {
        s.customer.calls().iter().any(|c| c.id == placed.id)
    })
    .await;
    s.customer.decline_call(placed.id.clone()).await.unwrap();
    eventually("the agent's call ends", || s.agent.calls().is_empty()).await;
    assert_eq!(
        agent_calls.phases_of(&placed.id).last(),
        Some(&CallPhase::Ended {
            outcome: "declined".into()
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_call_requests_are_typed_errors() {
    let s = scene().await;
    let (audio, _) = tone_device(STAFF_HZ);
    let err = s
        .agent
        .place_call("not-an-id".into(), audio.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, cs_core::CoreError::Invalid { .. }), "{err:?}");
    let err = s
        .customer
        .accept_call(uuid::Uuid::now_v7().to_string(), audio)
        .await
        .unwrap_err();
    assert!(
        matches!(err, cs_core::CoreError::NotFound { .. }),
        "{err:?}"
    );
}

//! Push from the app's side, against the real server and a fake FCM on
//! loopback: the core registers the device's token; with the app killed, a
//! call raises an incoming-call push; the core turns its data map into the
//! call-screen action, and accepting from it (a freshly opened app) goes
//! straight into the call, audio both ways.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Backend, PASSWORD, client, eventually, hears, tone_device};
use cs_core::push::{PushAction, PushPlatform, parse_push};
use cs_core::{SendState, SyncState, TicketFilter};
use fakefcm::FakeFcm;

#[tokio::test(flavor = "multi_thread")]
async fn a_push_woken_app_answers_the_call_from_the_push() {
    let fake = FakeFcm::start().await;
    let keys = tempfile::tempdir().unwrap();
    let credentials = fake.write_service_account(keys.path());
    let endpoint = fake.endpoint();
    let backend = Backend::start_with(move |config| {
        config.fcm_credentials = Some(credentials.clone());
        config.fcm_endpoint = endpoint.clone();
    })
    .await;
    let dept = backend.department("Support").await;
    let agent_email = backend.agent("Bea", &dept).await;

    let phone_dir = tempfile::tempdir().unwrap();
    let phone = client(&backend, phone_dir.path());
    phone
        .register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    phone.refresh_departments().await.unwrap();
    let ticket = phone
        .create_ticket(dept.clone(), "No sound".into(), "Call me".into())
        .unwrap();
    eventually("the ticket is sent", || {
        phone.tickets(TicketFilter::default(), 10).unwrap()[0].send_state == SendState::Sent
    })
    .await;
    phone
        .register_push_token(PushPlatform::Android, "phone-token".into())
        .await
        .unwrap();
    // A token registered and then turned off gets nothing.
    phone
        .register_push_token(PushPlatform::Android, "old-token".into())
        .await
        .unwrap();
    phone
        .unregister_push_token("old-token".into())
        .await
        .unwrap();
    let err = phone
        .register_push_token(PushPlatform::Ios, "  ".into())
        .await
        .unwrap_err();
    assert!(matches!(err, cs_core::CoreError::Invalid { .. }), "{err:?}");
    // The app is killed: no socket any more, only push can reach it.
    drop(phone);

    let agent_dir = tempfile::tempdir().unwrap();
    let agent = client(&backend, agent_dir.path());
    agent.sign_in(agent_email, PASSWORD.into()).await.unwrap();
    agent.configure_call_media(vec!["127.0.0.1:0".into()], false);
    eventually("the agent is live", || {
        agent.sync_state() == SyncState::Live
    })
    .await;
    let (agent_audio, agent_heard) = tone_device(440.0);
    let placed = agent
        .place_call(ticket.id.clone(), agent_audio)
        .await
        .unwrap();

    let pushes = fake
        .wait_until(Duration::from_secs(10), |r| {
            r.iter()
                .any(|m| m.token() == "phone-token" && m.data("type") == Some("incoming_call"))
        })
        .await;
    let push = pushes
        .iter()
        .find(|m| m.token() == "phone-token" && m.data("type") == Some("incoming_call"))
        .expect("an incoming-call push reaches the phone");
    assert!(pushes.iter().all(|m| m.token() != "old-token"));
    let data: HashMap<String, String> = push.message["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let PushAction::IncomingCall {
        call_id,
        caller_name,
        ticket_subject,
        ..
    } = parse_push(data).unwrap()
    else {
        panic!("not the call screen action");
    };
    assert_eq!(call_id, placed.id);
    assert_eq!(
        (caller_name.as_str(), ticket_subject.as_str()),
        ("Bea", "No sound")
    );

    // The user taps Accept: the app starts (its session restored) and answers.
    let woken = client(&backend, phone_dir.path());
    woken.configure_call_media(vec!["127.0.0.1:0".into()], false);
    // Connected, the app also lists the call as ringing (it began while the
    // app was not running), with the caller's name.
    eventually("the woken app shows the call ringing", || {
        woken.calls().iter().any(|c| {
            c.id == call_id
                && c.phase == cs_core::call::manager::CallPhase::Ringing
                && c.caller_name.as_deref() == Some("Bea")
        })
    })
    .await;
    let (phone_audio, phone_heard) = tone_device(660.0);
    woken.accept_call(call_id, phone_audio).await.unwrap();
    hears("the phone", &phone_heard, 440.0, String::new).await;
    hears("the agent", &agent_heard, 660.0, String::new).await;
}

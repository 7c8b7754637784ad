//! Tickets on a customer's behalf through the core: staff invite a customer
//! who phoned, open a ticket for them (queued while the server is away), and
//! the customer signs in with the one-time link and finds it as their own.

mod common;

use common::{Backend, client, eventually};
use cs_core::{CoreError, SendState, SyncState, TicketFilter};

#[tokio::test(flavor = "multi_thread")]
async fn staff_open_a_ticket_for_an_invited_customer_who_signs_in_with_the_link() {
    let mut backend = Backend::start().await;
    let dept = backend.department("Billing").await;
    let bea_email = backend.agent("Bea", &dept).await;
    let bea_dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, bea_dir.path());
    bea.sign_in(bea_email, common::PASSWORD.into())
        .await
        .unwrap();
    eventually("Bea is live", || bea.sync_state() == SyncState::Live).await;

    let missing = bea.find_customer("ann@x.example".into()).await.unwrap_err();
    assert!(matches!(missing, CoreError::NotFound { .. }), "{missing:?}");
    let invite = bea
        .invite_customer("ann@x.example".into(), "Ann".into())
        .await
        .unwrap();
    assert!(!invite.emailed);
    let link = invite
        .sign_in_link
        .clone()
        .expect("no relay: the link to pass on");
    let found = bea.find_customer(" ANN@x.example ".into()).await.unwrap();
    assert_eq!(found, invite.customer);

    // Written while the server is away: queued, then sent once.
    backend.down().await;
    eventually("Bea offline", || bea.sync_state() == SyncState::Offline).await;
    let ticket = bea
        .create_ticket_for(
            found.id.clone(),
            dept.clone(),
            "Phoned about a refund".into(),
            "Charged twice in March.".into(),
        )
        .unwrap();
    assert_eq!(ticket.send_state, SendState::Pending);
    assert_eq!(ticket.customer_name.as_deref(), Some("Ann"));
    backend.up().await;
    eventually("the ticket is sent", || {
        bea.tickets(TicketFilter::default(), 10)
            .unwrap()
            .iter()
            .any(|t| t.id == ticket.id && t.send_state == SendState::Sent)
    })
    .await;
    eventually("the timeline says who opened it for whom", || {
        bea.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| {
                d.timeline.iter().any(|e| {
                    e.actor_name.as_deref() == Some("Bea")
                        && e.description == "opened the ticket for Ann"
                })
            })
    })
    .await;

    // Ann's phone: the link signs her in once, and the ticket is hers.
    let ann_dir = tempfile::tempdir().unwrap();
    let ann = client(&backend, ann_dir.path());
    let me = ann.sign_in_with_link(link.clone()).await.unwrap();
    assert_eq!(me.id, found.id);
    eventually("Ann has the ticket", || {
        ann.tickets(TicketFilter::default(), 10)
            .unwrap()
            .iter()
            .any(|t| t.id == ticket.id && t.customer_id == me.id)
    })
    .await;
    let other_dir = tempfile::tempdir().unwrap();
    let again = client(&backend, other_dir.path())
        .sign_in_with_link(link)
        .await
        .unwrap_err();
    assert!(
        matches!(again, CoreError::Unauthorized { .. }),
        "a used link: {again:?}"
    );
    let garbage = ann
        .sign_in_with_link("no link here".into())
        .await
        .unwrap_err();
    assert!(matches!(garbage, CoreError::Invalid { .. }), "{garbage:?}");
}

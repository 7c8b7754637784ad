//! Satisfaction ratings through the core: the customer rates a resolved
//! ticket while the server is away (shown at once, queued, sent once), can
//! close it after, and cannot rate it twice.

mod common;

use common::{Backend, client, eventually};
use cs_core::{CoreError, SendState, SyncState, TicketStatus};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_rates_a_resolved_ticket_offline_and_it_reaches_the_server_once() {
    let mut backend = Backend::start().await;
    let dept = backend.department("Billing").await;
    let bea_email = backend.agent("Bea", &dept).await;
    let bea = backend.token_of(&bea_email).await;
    let dir = tempfile::tempdir().unwrap();
    let ann = client(&backend, dir.path());
    ann.register(
        "ann@x.example".into(),
        common::PASSWORD.into(),
        "Ann".into(),
    )
    .await
    .unwrap();
    eventually("Ann is live", || ann.sync_state() == SyncState::Live).await;
    let ticket = ann
        .create_ticket(dept.clone(), "Charged twice".into(), "In March.".into())
        .unwrap();
    eventually("the ticket is sent", || {
        ann.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| d.ticket.send_state == SendState::Sent)
    })
    .await;
    let path = format!("/v1/tickets/{}", ticket.id);
    let seen = backend.call(Method::GET, &path, &bea, None).await;
    backend
        .call(
            Method::PATCH,
            &path,
            &bea,
            Some(json!({"status": "resolved", "version": seen["version"]})),
        )
        .await;
    eventually("Ann sees it resolved", || {
        ann.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| d.ticket.status == TicketStatus::Resolved)
    })
    .await;

    let out_of_range = ann.rate_ticket(ticket.id.clone(), 6, None).unwrap_err();
    assert!(
        matches!(out_of_range, CoreError::Invalid { .. }),
        "{out_of_range:?}"
    );

    backend.down().await;
    eventually("Ann offline", || ann.sync_state() == SyncState::Offline).await;
    ann.rate_ticket(ticket.id.clone(), 4, Some("  Quick, thanks!  ".into()))
        .unwrap();
    let shown = ann
        .ticket_detail(ticket.id.clone())
        .unwrap()
        .unwrap()
        .ticket;
    assert_eq!(shown.send_state, SendState::Pending);
    let rating = shown.rating.expect("shown at once");
    assert_eq!(
        (rating.score, rating.comment.as_deref()),
        (4, Some("Quick, thanks!"))
    );
    let twice = ann.rate_ticket(ticket.id.clone(), 1, None).unwrap_err();
    assert!(matches!(twice, CoreError::Conflict { .. }), "{twice:?}");
    // Closing it after rating, still offline: built on the rating's version.
    ann.close_ticket(ticket.id.clone()).unwrap();

    backend.up().await;
    eventually("both sent", || {
        ann.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| {
                d.ticket.send_state == SendState::Sent && d.ticket.status == TicketStatus::Closed
            })
            && ann.pending_count().unwrap() == 0
    })
    .await;
    let server = backend.call(Method::GET, &path, &bea, None).await;
    assert_eq!(server["rating"]["score"], 4);
    assert_eq!(server["rating"]["comment"], "Quick, thanks!");
    assert_eq!(server["status"], "closed");
    eventually("the timeline says so", || {
        ann.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| {
                d.timeline
                    .iter()
                    .any(|e| e.description == "rated the support 4/5: “Quick, thanks!”")
            })
    })
    .await;
    assert!(ann.outbox().unwrap().is_empty(), "nothing refused");
}

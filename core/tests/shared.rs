//! What the apps share beyond the cache: typing, read receipts, presence,
//! names, the list's previews, unread counts and per-filter counts, the
//! outbox item by item, a session the server ended, and tickets that leave
//! the user's sight. Against the real server, in-process.

mod common;

use std::sync::{Arc, Mutex};

use common::{ADMIN, Backend, PASSWORD, client, eventually};
use cs_core::{
    Colleague, ColleaguesListener, CoreError, OutboxKind, SendState, StaffStatus, SyncState,
    TicketChanges, TicketDetail, TicketDetailListener, TicketFilter, TicketItem,
    TicketListListener, TicketStatus,
};
use reqwest::Method;
use serde_json::json;

#[derive(Default)]
struct Details(Mutex<Vec<TicketDetail>>);

impl TicketDetailListener for Details {
    fn on_update(&self, detail: TicketDetail) {
        self.0.lock().unwrap().push(detail);
    }
}

impl Details {
    fn last(&self) -> Option<TicketDetail> {
        self.0.lock().unwrap().last().cloned()
    }
}

#[derive(Default)]
struct Lists(Mutex<Vec<Vec<TicketItem>>>);

impl TicketListListener for Lists {
    fn on_update(&self, tickets: Vec<TicketItem>) {
        self.0.lock().unwrap().push(tickets);
    }
}

impl Lists {
    /// The ticket `id` in the last list delivered.
    fn row(&self, id: &str) -> Option<TicketItem> {
        let lists = self.0.lock().unwrap();
        lists.last()?.iter().find(|t| t.id == id).cloned()
    }
}

#[derive(Default)]
struct Colleagues(Mutex<Vec<Vec<Colleague>>>);

impl ColleaguesListener for Colleagues {
    fn on_update(&self, colleagues: Vec<Colleague>) {
        self.0.lock().unwrap().push(colleagues);
    }
}

/// Ann, a customer on her own device, who opened a ticket in `dept`.
async fn ann_with_ticket(
    backend: &Backend,
    dept: &str,
) -> (tempfile::TempDir, Arc<cs_core::Client>, TicketItem) {
    let dir = tempfile::tempdir().unwrap();
    let ann = client(backend, dir.path());
    ann.register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    ann.refresh_departments().await.unwrap();
    let ticket = ann
        .create_ticket(dept.to_string(), "Refund".into(), "Charged twice".into())
        .unwrap();
    (dir, ann, ticket)
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_reads_presence_and_names_reach_the_listeners() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let bea_email = backend.agent("Bea", &dept).await;
    let cid_email = backend.agent("Cid", &dept).await;

    let (_ann_dir, ann, ticket) = ann_with_ticket(&backend, &dept).await;
    eventually("the ticket is sent", || {
        ann.tickets(TicketFilter::default(), 10).unwrap()[0].send_state == SendState::Sent
    })
    .await;

    let bea_dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, bea_dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    eventually("Bea is live", || bea.sync_state() == SyncState::Live).await;
    eventually("Bea has the ticket", || {
        bea.ticket_detail(ticket.id.clone()).unwrap().is_some()
    })
    .await;

    // Names: the customer's in Bea's list, the author's on each message.
    let row = &bea.tickets(TicketFilter::default(), 10).unwrap()[0];
    assert_eq!(row.customer_name.as_deref(), Some("Ann"));
    let details = Arc::new(Details::default());
    let _handle = bea.observe_ticket(ticket.id.clone(), details.clone());
    let first = details.last().unwrap();
    assert_eq!(first.messages[0].author_name.as_deref(), Some("Ann"));
    assert!(first.typing.is_empty() && first.reads.is_empty());

    bea.send_message(ticket.id.clone(), "On it".into(), vec![], false)
        .unwrap();
    eventually("Ann sees Bea's reply with her name", || {
        ann.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| {
                d.messages
                    .iter()
                    .any(|m| m.body == "On it" && m.author_name.as_deref() == Some("Bea"))
            })
    })
    .await;

    // Typing reaches Bea's detail listener, with the name.
    eventually("Ann is live", || ann.sync_state() == SyncState::Live).await;
    ann.set_typing(ticket.id.clone(), true, false).unwrap();
    eventually("Bea sees Ann typing", || {
        details
            .last()
            .is_some_and(|d| d.typing.len() == 1 && d.typing[0].name.as_deref() == Some("Ann"))
    })
    .await;
    ann.set_typing(ticket.id.clone(), false, false).unwrap();
    eventually("Ann stopped", || {
        details.last().is_some_and(|d| d.typing.is_empty())
    })
    .await;

    // A read receipt reaches Bea's listener and is kept in the cache.
    let reply = ann
        .ticket_detail(ticket.id.clone())
        .unwrap()
        .unwrap()
        .messages
        .into_iter()
        .find(|m| m.body == "On it")
        .unwrap();
    ann.mark_read(ticket.id.clone(), reply.id.clone())
        .await
        .unwrap();
    eventually("Bea sees Ann's read marker", || {
        details.last().is_some_and(|d| {
            d.reads
                .iter()
                .any(|r| r.message_id == reply.id && r.user_name.as_deref() == Some("Ann"))
        })
    })
    .await;

    // Presence: Cid switches Active; Bea's colleagues listener hears it.
    let colleagues = Arc::new(Colleagues::default());
    let _colleagues_handle = bea.observe_colleagues(colleagues.clone());
    let cid_of = |list: &[Colleague]| list.iter().find(|c| c.name == "Cid").map(|c| c.status);
    assert_eq!(cid_of(&bea.colleagues().unwrap()), Some(StaffStatus::Off));
    let cid = backend.token_of(&cid_email).await;
    backend
        .call(
            Method::PUT,
            "/v1/me/status",
            &cid,
            Some(json!({"status": "active"})),
        )
        .await;
    eventually("Bea's listener sees Cid active", || {
        colleagues
            .0
            .lock()
            .unwrap()
            .last()
            .is_some_and(|list| cid_of(list) == Some(StaffStatus::Active))
    })
    .await;

    // Bea's own switch is in her list once the server has answered, whether
    // or not her presence event has come yet.
    bea.set_status(StaffStatus::Active).await.unwrap();
    let bea_of = |list: &[Colleague]| list.iter().find(|c| c.name == "Bea").map(|c| c.status);
    assert_eq!(
        bea_of(&bea.colleagues().unwrap()),
        Some(StaffStatus::Active)
    );
}

/// A staff member who reads a ticket (a read receipt, not a feed row) before
/// taking it and replying: the customer still learns their name from the
/// rows that follow. (The receipt once used up the name's only lookup.)
#[tokio::test(flavor = "multi_thread")]
async fn a_name_first_seen_on_a_read_receipt_comes_with_the_later_rows() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let bea_email = backend.agent("Bea", &dept).await;

    let (_ann_dir, ann, ticket) = ann_with_ticket(&backend, &dept).await;
    eventually("Ann is live with the ticket sent", || {
        ann.sync_state() == SyncState::Live
            && ann.tickets(TicketFilter::default(), 10).unwrap()[0].send_state == SendState::Sent
    })
    .await;

    let bea_dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, bea_dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    eventually("Bea has the ticket", || {
        bea.ticket_detail(ticket.id.clone()).unwrap().is_some()
    })
    .await;
    let first = bea
        .ticket_detail(ticket.id.clone())
        .unwrap()
        .unwrap()
        .messages[0]
        .clone();
    bea.mark_read(ticket.id.clone(), first.id).await.unwrap();
    eventually("Ann sees the receipt", || {
        ann.ticket_detail(ticket.id.clone())
            .unwrap()
            .is_some_and(|d| {
                !d.reads
                    .iter()
                    .all(|r| r.user_name.as_deref() == Some("Ann"))
            })
    })
    .await;

    let me = bea.current_user().unwrap();
    bea.update_ticket(
        ticket.id.clone(),
        TicketChanges {
            assignee_id: Some(me.id),
            ..TicketChanges::default()
        },
    )
    .unwrap();
    bea.send_message(ticket.id.clone(), "On it".into(), vec![], false)
        .unwrap();
    eventually(
        "Ann sees Bea named as the assignee, author and reader",
        || {
            ann.ticket_detail(ticket.id.clone())
                .unwrap()
                .is_some_and(|d| {
                    d.ticket.assignee_name.as_deref() == Some("Bea")
                        && d.messages
                            .iter()
                            .any(|m| m.body == "On it" && m.author_name.as_deref() == Some("Bea"))
                        && d.reads
                            .iter()
                            .any(|r| r.user_name.as_deref() == Some("Bea"))
                })
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_previews_the_newest_message_and_counts_what_is_unread() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let bea_email = backend.agent("Bea", &dept).await;

    let ann_dir = tempfile::tempdir().unwrap();
    let ann = client(&backend, ann_dir.path());
    ann.register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    let ticket = ann
        .create_ticket(dept.clone(), "Refund".into(), "Charged\n twice".into())
        .unwrap();
    assert_eq!(ticket.last_message.as_deref(), Some("Charged twice"));
    assert_eq!(ticket.unread_count, 0, "her own message");
    let list = Arc::new(Lists::default());
    let _handle = ann.observe_tickets(TicketFilter::default(), 50, list.clone());
    eventually("the ticket is sent", || {
        list.row(&ticket.id)
            .is_some_and(|t| t.send_state == SendState::Sent)
    })
    .await;
    let row = list.row(&ticket.id).unwrap();
    assert_eq!(row.last_message.as_deref(), Some("Charged twice"));
    assert_eq!(row.unread_count, 0);

    let bea_dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, bea_dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    eventually("Bea has the ticket", || {
        bea.ticket_detail(ticket.id.clone()).unwrap().is_some()
    })
    .await;
    assert_eq!(
        bea.tickets(TicketFilter::default(), 10).unwrap()[0].unread_count,
        1
    );
    let reply = bea
        .send_message(ticket.id.clone(), "On it".into(), vec![], false)
        .unwrap();

    // The reply reaches Ann's list listener as the preview, unread.
    eventually("Ann's list shows the reply, unread", || {
        list.row(&ticket.id)
            .is_some_and(|t| t.last_message.as_deref() == Some("On it") && t.unread_count == 1)
    })
    .await;
    let detail = ann.ticket_detail(ticket.id.clone()).unwrap().unwrap();
    assert_eq!(detail.ticket.unread_count, 1, "the detail's item agrees");

    ann.mark_read(ticket.id.clone(), reply.id.clone())
        .await
        .unwrap();
    assert_eq!(
        ann.tickets(TicketFilter::default(), 10).unwrap()[0].unread_count,
        0
    );
    eventually("Ann's list listener sees it read", || {
        list.row(&ticket.id).is_some_and(|t| t.unread_count == 0)
    })
    .await;

    // Counts per filter (the staff queue): two more tickets; Bea takes one
    // and closes the other.
    let ann_token = backend.token_of("ann@x.example").await;
    let mut more = Vec::new();
    for subject in ["Login", "Invoice"] {
        let t = backend.open_ticket(&ann_token, &dept, subject).await;
        more.push(t["id"].as_str().unwrap().to_string());
    }
    eventually("Bea has all three", || {
        bea.count_tickets(TicketFilter::default()).unwrap() == 3
    })
    .await;
    let bea_id = bea.current_user().unwrap().id;
    bea.update_ticket(
        more[0].clone(),
        TicketChanges {
            assignee_id: Some(bea_id),
            ..TicketChanges::default()
        },
    )
    .unwrap();
    bea.close_ticket(more[1].clone()).unwrap();
    eventually("Bea's changes are sent", || {
        bea.pending_count().unwrap() == 0
    })
    .await;
    let count = |statuses: Vec<TicketStatus>, assignee: Option<&str>| {
        bea.count_tickets(TicketFilter {
            statuses,
            assignee: assignee.map(Into::into),
            ..TicketFilter::default()
        })
        .unwrap()
    };
    assert_eq!(count(vec![TicketStatus::Open], None), 2);
    assert_eq!(count(vec![TicketStatus::Closed], None), 1);
    assert_eq!(count(vec![], Some("unassigned")), 2);
    assert_eq!(count(vec![TicketStatus::Open], Some("unassigned")), 1);
    assert_eq!(count(vec![], Some("me")), 1);
    assert!(bea.outbox().unwrap().is_empty(), "nothing was refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_lists_each_item_and_retries_or_discards_one() {
    let mut backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let dir = tempfile::tempdir().unwrap();
    let ann = client(&backend, dir.path());
    ann.register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    let ticket = ann
        .create_ticket(dept.clone(), "Refund".into(), "Charged twice".into())
        .unwrap();
    eventually("sent", || ann.outbox().unwrap().is_empty()).await;

    backend.server.down().await;
    let fine = ann
        .send_message(ticket.id.clone(), "Any news?".into(), vec![], false)
        .unwrap();
    // Customers may not write internal notes: the server will refuse it.
    let refused = ann
        .send_message(ticket.id.clone(), "Secret".into(), vec![], true)
        .unwrap();
    let items = ann.outbox().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().all(|i| i.kind == OutboxKind::SendMessage
        && i.state == SendState::Pending
        && i.ticket_id == ticket.id));
    assert_eq!(items[0].summary, "Any news?");
    assert!(items[0].id < items[1].id, "oldest first");
    let err = ann.discard_outbox_item(items[0].id).unwrap_err();
    assert!(matches!(err, CoreError::Invalid { .. }), "pending: {err:?}");

    backend.server.up().await;
    ann.reconnect_now();
    eventually("one sent, one refused", || {
        let items = ann.outbox().unwrap();
        items.len() == 1 && matches!(items[0].state, SendState::Failed { .. })
    })
    .await;
    let failed = ann.outbox().unwrap().remove(0);
    assert_eq!(failed.summary, "Secret");

    // Retrying puts it back in the queue; the server refuses it again.
    ann.retry_outbox_item(failed.id).unwrap();
    eventually("refused again", || {
        ann.outbox()
            .unwrap()
            .first()
            .is_some_and(|i| matches!(i.state, SendState::Failed { .. }))
    })
    .await;

    ann.discard_outbox_item(failed.id).unwrap();
    assert!(ann.outbox().unwrap().is_empty());
    let messages = ann
        .ticket_detail(ticket.id.clone())
        .unwrap()
        .unwrap()
        .messages;
    assert!(
        messages.iter().all(|m| m.id != refused.id),
        "its row is gone"
    );
    assert!(messages.iter().any(|m| m.id == fine.id));
    let err = ann.discard_outbox_item(failed.id).unwrap_err();
    assert!(matches!(err, CoreError::NotFound { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_revoked_elsewhere_signs_out_instead_of_going_offline() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ann = client(&backend, dir.path());
    ann.register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    eventually("live", || ann.sync_state() == SyncState::Live).await;
    let token_file = dir.path().join("token");
    let token = std::fs::read_to_string(&token_file).unwrap();

    // Signed out on another device with the same session.
    backend
        .call(Method::POST, "/v1/auth/logout", token.trim(), None)
        .await;
    eventually("signed out", || ann.sync_state() == SyncState::SignedOut).await;
    assert!(!token_file.exists(), "the token store was cleared");

    // No reconnecting, and calls say why.
    ann.reconnect_now();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(ann.sync_state(), SyncState::SignedOut);
    let err = ann.refresh_departments().await.unwrap_err();
    assert!(matches!(err, CoreError::SignedOut { .. }), "{err:?}");

    // Signing in again resumes.
    ann.sign_in("ann@x.example".into(), PASSWORD.into())
        .await
        .unwrap();
    eventually("live again", || ann.sync_state() == SyncState::Live).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_answered_401_ends_the_session_too() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    std::fs::write(dir.path().join("token"), "not-a-session").unwrap();
    let ann = client(&backend, dir.path());
    eventually("signed out", || ann.sync_state() == SyncState::SignedOut).await;
    assert!(!dir.path().join("token").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_transferred_away_leaves_the_old_departments_caches() {
    let backend = Backend::start().await;
    let x = backend.department("X").await;
    let y = backend.department("Y").await;
    let bea_email = backend.agent("Bea", &x).await;
    let ann = backend.customer_token("ann@x.example", "Ann").await;
    let mut tickets = Vec::new();
    for subject in ["Live", "While away", "Stays"] {
        let t = backend.open_ticket(&ann, &x, subject).await;
        tickets.push(t["id"].as_str().unwrap().to_string());
    }
    let admin = backend.token_of(ADMIN).await;
    let transfer = |id: String| {
        let (backend, admin, y) = (&backend, admin.clone(), y.clone());
        async move {
            backend
                .call(
                    Method::PATCH,
                    &format!("/v1/tickets/{id}"),
                    &admin,
                    Some(json!({"department_id": y, "version": 1})),
                )
                .await;
        }
    };

    let dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    eventually("all three cached", || {
        bea.tickets(TicketFilter::default(), 10).unwrap().len() == 3
    })
    .await;
    eventually("live", || bea.sync_state() == SyncState::Live).await;

    // Live: the WebSocket says so.
    transfer(tickets[0].clone()).await;
    eventually("dropped live", || {
        bea.ticket_detail(tickets[0].clone()).unwrap().is_none()
    })
    .await;

    // Away: the next catch-up says so.
    drop(bea);
    transfer(tickets[1].clone()).await;
    let bea = client(&backend, dir.path());
    eventually("dropped at catch-up", || {
        bea.ticket_detail(tickets[1].clone()).unwrap().is_none()
    })
    .await;
    let left: Vec<String> = bea
        .tickets(TicketFilter::default(), 10)
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(left, vec![tickets[2].clone()]);
    let inner = bea.inner();
    assert!(inner.store.messages(&tickets[1]).unwrap().is_empty());
    assert!(inner.store.timeline(&tickets[1]).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_moved_to_another_department_resync_with_their_new_sight() {
    let backend = Backend::start().await;
    let x = backend.department("X").await;
    let y = backend.department("Y").await;
    let bea_email = backend.agent("Bea", &x).await;
    let ann = backend.customer_token("ann@x.example", "Ann").await;
    let mut ids = Vec::new();
    for dept in [&x, &y] {
        let t = backend.open_ticket(&ann, dept, "S").await;
        ids.push(t["id"].as_str().unwrap().to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let bea = client(&backend, dir.path());
    bea.sign_in(bea_email, PASSWORD.into()).await.unwrap();
    eventually("X's ticket cached", || {
        bea.tickets(TicketFilter::default(), 10).unwrap().len() == 1
    })
    .await;
    eventually("live", || bea.sync_state() == SyncState::Live).await;

    let admin = backend.token_of(ADMIN).await;
    let bea_id = bea.current_user().unwrap().id;
    backend
        .call(
            Method::PATCH,
            &format!("/v1/staff/{bea_id}"),
            &admin,
            Some(json!({"department_id": y})),
        )
        .await;
    eventually("only Y's ticket is cached now", || {
        let cached: Vec<String> = bea
            .tickets(TicketFilter::default(), 10)
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        cached == vec![ids[1].clone()]
    })
    .await;
}

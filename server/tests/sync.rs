//! The sync feed: what changed after a cursor, only what the caller may see,
//! and never a committed change skipped, even under concurrent writers.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Session, TestApp};
use protocol::{Role, SyncResponse, TimelineChange};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

async fn sync(session: &Session, since: &str, limit: u32) -> SyncResponse {
    session
        .get(&format!("/v1/sync?since={since}&limit={limit}"))
        .await
        .expect(StatusCode::OK)
        .json()
}

#[tokio::test]
async fn sync_returns_changes_after_the_cursor_once() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "Refund").await;

    let first = sync(&ann, "0", 100).await;
    assert_eq!(first.tickets.len(), 1);
    assert_eq!(first.tickets[0].id, t.id);
    assert_eq!(first.messages.len(), 1);
    assert_eq!(first.events.len(), 1);
    assert_eq!(first.events[0].change, TimelineChange::Created);
    assert!(!first.has_more);

    let nothing = sync(&ann, &first.next_cursor, 100).await;
    assert!(nothing.tickets.is_empty() && nothing.messages.is_empty() && nothing.events.is_empty());
    assert_eq!(nothing.next_cursor, first.next_cursor);

    ann.post(
        &format!("/v1/tickets/{}/messages", t.id),
        json!({"body": "Any news?"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let next = sync(&ann, &first.next_cursor, 100).await;
    assert_eq!(next.messages.len(), 1);
    assert_eq!(next.messages[0].body, "Any news?");
    assert_eq!(next.tickets.len(), 1, "the ticket moved (updated_at)");
    assert!(next.next_cursor.parse::<i64>().unwrap() > first.next_cursor.parse::<i64>().unwrap());
}

#[tokio::test]
async fn sync_shows_only_what_the_caller_may_see() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let billing = admin.department("Billing").await;
    let tech = admin.department("Tech").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&billing)).await;
    let tom = app.staff(&admin, "Tom", Role::Agent, Some(&tech)).await;
    let ann = app.customer("Ann").await;
    let bob = app.customer("Bob").await;
    let t = ann.open_ticket(&billing, "Ann's").await;
    bob.open_ticket(&tech, "Bob's").await;
    bea.post(
        &format!("/v1/tickets/{}/messages", t.id),
        json!({"body": "internal thought", "internal": true}),
    )
    .await
    .expect(StatusCode::CREATED);

    let ann_view = sync(&ann, "0", 100).await;
    assert_eq!(
        ann_view
            .tickets
            .iter()
            .map(|t| &t.subject)
            .collect::<Vec<_>>(),
        ["Ann's"]
    );
    assert!(
        ann_view.messages.iter().all(|m| !m.internal),
        "no internal notes for customers"
    );
    assert_eq!(ann_view.messages.len(), 1);
    let bea_view = sync(&bea, "0", 100).await;
    assert_eq!(
        bea_view
            .tickets
            .iter()
            .map(|t| &t.subject)
            .collect::<Vec<_>>(),
        ["Ann's"]
    );
    assert_eq!(bea_view.messages.len(), 2, "staff see the internal note");
    let tom_view = sync(&tom, "0", 100).await;
    assert_eq!(
        tom_view
            .tickets
            .iter()
            .map(|t| &t.subject)
            .collect::<Vec<_>>(),
        ["Bob's"]
    );
    assert_eq!(sync(&admin, "0", 100).await.tickets.len(), 2);
}

#[tokio::test]
async fn small_pages_cover_every_change_exactly_once() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let mut expected_messages = 0;
    for i in 0..5 {
        let t = ann.open_ticket(&dept, &format!("T{i}")).await;
        expected_messages += 1;
        for j in 0..3 {
            ann.post(
                &format!("/v1/tickets/{}/messages", t.id),
                json!({"body": format!("m{j}")}),
            )
            .await
            .expect(StatusCode::CREATED);
            expected_messages += 1;
        }
    }
    let mut cursor = "0".to_string();
    let mut messages = Vec::new();
    let mut events = Vec::new();
    let mut pages = 0;
    loop {
        let page = sync(&ann, &cursor, 4).await;
        assert!(page.tickets.len() + page.messages.len() + page.events.len() <= 4);
        messages.extend(page.messages.into_iter().map(|m| m.id));
        events.extend(page.events.into_iter().map(|e| e.id));
        cursor = page.next_cursor;
        pages += 1;
        if !page.has_more {
            break;
        }
    }
    assert!(pages > 3);
    let unique: std::collections::HashSet<_> = messages.iter().collect();
    assert_eq!(messages.len(), expected_messages);
    assert_eq!(unique.len(), expected_messages);
    assert_eq!(events.len(), 5);
}

/// Many tasks write (open tickets, post messages) while a reader follows
/// the feed with small pages. Every message and timeline event must reach
/// the reader exactly once. On PostgreSQL this is where positions handed
/// out in one order and committed in another would lose rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_feed_never_skips_a_change_under_concurrent_writers() {
    const WRITERS: usize = 12;
    const MESSAGES_PER_WRITER: usize = 25;

    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let mut customers = Vec::new();
    for i in 0..WRITERS {
        customers.push(app.customer(&format!("Writer {i}")).await);
    }
    let done = Arc::new(AtomicBool::new(false));

    let reader = {
        let admin = app.admin().await;
        let done = done.clone();
        tokio::spawn(async move {
            let mut seen_messages: HashMap<Uuid, usize> = HashMap::new();
            let mut seen_events: HashMap<Uuid, usize> = HashMap::new();
            let mut cursor = "0".to_string();
            loop {
                // Read the flag before the page: once writers are done and a
                // page after that says "no more", the reader has everything.
                let finished = done.load(Ordering::SeqCst);
                let page = sync(&admin, &cursor, 7).await;
                for m in &page.messages {
                    *seen_messages.entry(m.id).or_default() += 1;
                }
                for e in &page.events {
                    *seen_events.entry(e.id).or_default() += 1;
                }
                cursor = page.next_cursor;
                if finished && !page.has_more {
                    return (seen_messages, seen_events);
                }
            }
        })
    };

    let writers = customers.into_iter().map(|customer| {
        let dept = dept.clone();
        tokio::spawn(async move {
            let mut messages = Vec::new();
            let ticket = customer.open_ticket(&dept, "Concurrent").await;
            let first: protocol::MessagePage = customer
                .get(&format!("/v1/tickets/{}/messages", ticket.id))
                .await
                .json();
            messages.push(first.messages[0].id);
            for i in 0..MESSAGES_PER_WRITER {
                let id = Uuid::new_v4();
                customer
                    .post(
                        &format!("/v1/tickets/{}/messages", ticket.id),
                        json!({"id": id, "body": format!("message {i}")}),
                    )
                    .await
                    .expect(StatusCode::CREATED);
                messages.push(id);
            }
            messages
        })
    });
    let mut written = Vec::new();
    for writer in writers.collect::<Vec<_>>() {
        written.extend(writer.await.expect("writer finished"));
    }
    done.store(true, Ordering::SeqCst);
    let (seen_messages, seen_events) = reader.await.expect("reader finished");

    assert_eq!(written.len(), WRITERS * (MESSAGES_PER_WRITER + 1));
    for id in &written {
        assert_eq!(
            seen_messages.get(id),
            Some(&1),
            "message {id} seen exactly once"
        );
    }
    assert_eq!(seen_messages.len(), written.len(), "nothing extra");
    assert_eq!(seen_events.len(), WRITERS, "one created event per ticket");
    assert!(seen_events.values().all(|n| *n == 1));
}

#[tokio::test]
async fn a_transfer_tells_the_department_it_left_to_drop_the_ticket() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let x = admin.department("X").await;
    let y = admin.department("Y").await;
    let agent_x = app.staff(&admin, "Agent X", Role::Agent, Some(&x)).await;
    let agent_y = app.staff(&admin, "Agent Y", Role::Agent, Some(&y)).await;
    let ann = app.customer("Ann").await;
    let moved = ann.open_ticket(&x, "Moves").await;
    let stays = ann.open_ticket(&x, "Stays").await;

    let before_x = sync(&agent_x, "0", 100).await;
    let before_y = sync(&agent_y, "0", 100).await;
    let before_admin = sync(&admin, "0", 100).await;
    let before_ann = sync(&ann, "0", 100).await;
    assert_eq!(before_x.tickets.len(), 2);
    assert!(before_x.removed_tickets.is_empty());

    agent_x
        .patch(
            &format!("/v1/tickets/{}", moved.id),
            json!({"department_id": y.id, "version": moved.version}),
        )
        .await
        .expect(StatusCode::OK);

    let x_after = sync(&agent_x, &before_x.next_cursor, 100).await;
    assert_eq!(x_after.removed_tickets, vec![moved.id]);
    assert!(
        x_after.tickets.is_empty(),
        "the moved ticket is not readable"
    );
    assert!(!x_after.removed_tickets.contains(&stays.id));

    let y_after = sync(&agent_y, &before_y.next_cursor, 100).await;
    assert_eq!(y_after.tickets.len(), 1);
    assert_eq!(y_after.tickets[0].id, moved.id);
    assert!(y_after.removed_tickets.is_empty());

    for (who, session, cursor) in [
        ("the admin", &admin, &before_admin.next_cursor),
        ("the customer", &ann, &before_ann.next_cursor),
    ] {
        let after = sync(session, cursor, 100).await;
        assert!(after.removed_tickets.is_empty(), "{who} still sees it");
        assert!(after.tickets.iter().any(|t| t.id == moved.id), "{who}");
    }

    // Back in X before X's staff synced again: nothing to drop, the ticket
    // is there again.
    let current = agent_y.ticket(moved.id).await;
    agent_y
        .patch(
            &format!("/v1/tickets/{}", moved.id),
            json!({"department_id": x.id, "version": current.version}),
        )
        .await
        .expect(StatusCode::OK);
    let x_back = sync(&agent_x, &before_x.next_cursor, 100).await;
    assert!(x_back.removed_tickets.is_empty(), "{x_back:?}");
    assert!(x_back.tickets.iter().any(|t| t.id == moved.id));
    let y_back = sync(&agent_y, &y_after.next_cursor, 100).await;
    assert_eq!(y_back.removed_tickets, vec![moved.id]);
}

#[tokio::test]
async fn a_departure_counts_as_a_position_of_the_page() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let x = admin.department("X").await;
    let y = admin.department("Y").await;
    let agent_x = app.staff(&admin, "Agent X", Role::Agent, Some(&x)).await;
    let ann = app.customer("Ann").await;
    let mut moved = Vec::new();
    for i in 0..3 {
        moved.push(ann.open_ticket(&x, &format!("T{i}")).await);
    }
    let start = sync(&agent_x, "0", 1000).await.next_cursor;
    for t in &moved {
        agent_x
            .patch(
                &format!("/v1/tickets/{}", t.id),
                json!({"department_id": y.id, "version": t.version}),
            )
            .await
            .expect(StatusCode::OK);
    }
    // One removal per page: every departure arrives exactly once, in order.
    let mut cursor = start;
    let mut removed = Vec::new();
    loop {
        let page = sync(&agent_x, &cursor, 1).await;
        assert!(page.removed_tickets.len() <= 1);
        removed.extend(page.removed_tickets);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(removed, moved.iter().map(|t| t.id).collect::<Vec<_>>());
}

#[tokio::test]
async fn sync_names_the_people_its_rows_refer_to() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let x = admin.department("X").await;
    let agent = app
        .staff(&admin, "Agent Smith", Role::Agent, Some(&x))
        .await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&x, "Help").await;
    agent
        .post(
            &format!("/v1/tickets/{}/messages", t.id),
            json!({"body": "On it"}),
        )
        .await
        .expect(StatusCode::CREATED);

    let page = sync(&ann, "0", 100).await;
    let names: HashMap<Uuid, (String, Role)> = page
        .users
        .iter()
        .map(|u| (u.id, (u.name.clone(), u.role)))
        .collect();
    assert_eq!(
        names.get(&ann.user.id),
        Some(&("Ann".into(), Role::Customer))
    );
    assert_eq!(
        names.get(&agent.user.id),
        Some(&("Agent Smith".into(), Role::Agent))
    );
    assert_eq!(names.len(), 2, "only the people the rows name");
}

#[tokio::test]
async fn an_internal_note_leaves_the_customers_view_of_the_ticket_unchanged() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "Refund").await;
    let path = format!("/v1/tickets/{}", t.id);
    let before: serde_json::Value = ann.get(&path).await.expect(StatusCode::OK).json();
    let seen = sync(&ann, "0", 100).await;
    let staff_seen = sync(&bea, "0", 100).await;

    bea.post(
        &format!("{path}/messages"),
        json!({"body": "refund abuse?", "internal": true}),
    )
    .await
    .expect(StatusCode::CREATED);

    let after: serde_json::Value = ann.get(&path).await.expect(StatusCode::OK).json();
    assert_eq!(after, before, "not even updated_at moves for the customer");
    let next = sync(&ann, &seen.next_cursor, 100).await;
    assert!(
        next.tickets.is_empty() && next.messages.is_empty() && next.events.is_empty(),
        "the customer's feed shows nothing new: {next:?}"
    );
    // Staff still get the note in their feed.
    let staff_next = sync(&bea, &staff_seen.next_cursor, 100).await;
    assert_eq!(staff_next.messages.len(), 1);
    assert!(staff_next.messages[0].internal);

    // A reply the customer sees does move the ticket.
    bea.post(&format!("{path}/messages"), json!({"body": "Refunded."}))
        .await
        .expect(StatusCode::CREATED);
    let replied = sync(&ann, &next.next_cursor, 100).await;
    assert_eq!(replied.tickets.len(), 1);
    assert_eq!(replied.messages.len(), 1);
}

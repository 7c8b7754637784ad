//! Tickets: idempotent creation, optimistic concurrency, the timeline,
//! listing with filters, sorting, search and keyset pagination.

mod common;

use common::{Session, TestApp};
use protocol::{
    Message, MessagePage, Priority, Role, Ticket, TicketPage, TicketStatus, TimelineChange,
    TimelineEvent,
};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn the_same_client_id_creates_one_ticket_and_returns_it_twice() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let id = Uuid::new_v4();
    let body = json!({"id": id, "department_id": dept.id, "subject": "Refund", "body": "Hi"});

    let first = ann.post("/v1/tickets", body.clone()).await;
    first.expect(StatusCode::CREATED);
    let again = ann.post("/v1/tickets", body).await;
    again.expect(StatusCode::OK);
    assert_eq!(first.json::<Ticket>(), again.json::<Ticket>());

    let page: TicketPage = ann.get("/v1/tickets").await.json();
    assert_eq!(page.tickets.len(), 1);
    let messages: MessagePage = ann.get(&format!("/v1/tickets/{id}/messages")).await.json();
    assert_eq!(
        messages.messages.len(),
        1,
        "the first message is not doubled"
    );
}

#[tokio::test]
async fn concurrent_sends_of_one_id_create_one_ticket() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let body = json!({"id": Uuid::new_v4(), "department_id": dept.id, "subject": "S", "body": "B"});
    let sends = (0..8).map(|_| ann.post("/v1/tickets", body.clone()));
    let results = futures_util::future::join_all(sends).await;
    let created = results
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let replayed = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!((created, replayed), (1, 7));
    let page: TicketPage = ann.get("/v1/tickets").await.json();
    assert_eq!(page.tickets.len(), 1);
}

#[tokio::test]
async fn another_customers_id_is_a_conflict_not_their_ticket() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let bob = app.customer("Bob").await;
    let body = json!({"id": Uuid::new_v4(), "department_id": dept.id, "subject": "S", "body": "B"});
    ann.post("/v1/tickets", body.clone())
        .await
        .expect(StatusCode::CREATED);
    let resp = bob.post("/v1/tickets", body).await;
    resp.expect(StatusCode::CONFLICT);
    assert_eq!(resp.code(), "id_conflict");
}

#[tokio::test]
async fn tickets_get_increasing_numbers_and_open_defaults() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let a = ann.open_ticket(&dept, "First").await;
    let b = ann.open_ticket(&dept, "Second").await;
    assert!(b.number > a.number);
    assert_eq!(a.status, TicketStatus::Open);
    assert_eq!(a.priority, Priority::Normal);
    assert_eq!(a.assignee_id, None);
    assert_eq!(a.customer_id, ann.user.id);
    assert_eq!(a.version, 1);
}

#[tokio::test]
async fn a_stale_version_gets_409_and_changes_nothing() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let agent = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let ticket = ann.open_ticket(&dept, "Printer").await;
    let path = format!("/v1/tickets/{}", ticket.id);

    let updated: Ticket = agent
        .patch(
            &path,
            json!({"priority": "high", "version": ticket.version}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated.version, ticket.version + 1);

    let stale = agent
        .patch(
            &path,
            json!({"priority": "urgent", "status": "resolved", "version": ticket.version}),
        )
        .await;
    stale.expect(StatusCode::CONFLICT);
    assert_eq!(stale.code(), "version_conflict");
    let now = agent.ticket(ticket.id).await;
    assert_eq!(now, updated, "the stale write changed nothing");
    let timeline: Vec<TimelineEvent> = agent.get(&format!("{path}/timeline")).await.json();
    assert_eq!(
        timeline.len(),
        2,
        "created + one priority change: {timeline:?}"
    );
}

#[tokio::test]
async fn concurrent_patches_with_one_version_let_exactly_one_through() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let agent = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let ticket = ann.open_ticket(&dept, "Printer").await;
    let path = format!("/v1/tickets/{}", ticket.id);
    let priorities = ["low", "high", "urgent", "low", "high", "urgent"];
    let patches = priorities
        .iter()
        .map(|p| agent.patch(&path, json!({"priority": p, "version": ticket.version})));
    let results = futures_util::future::join_all(patches).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let conflicts = results
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (1, priorities.len() - 1));
    assert_eq!(agent.ticket(ticket.id).await.version, ticket.version + 1);
}

#[tokio::test]
async fn every_change_is_on_the_timeline_with_who_and_what() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let billing = admin.department("Billing").await;
    let tech = admin.department("Tech").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&billing)).await;
    let bill = app.staff(&admin, "Bill", Role::Agent, Some(&billing)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&billing, "Card charged twice").await;
    let path = format!("/v1/tickets/{}", t.id);

    let t: Ticket = bea
        .patch(
            &path,
            json!({"status": "in_progress", "assignee_id": bill.user.id, "version": t.version}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(t.assignee_id, Some(bill.user.id));
    let t: Ticket = bill
        .patch(
            &path,
            json!({"department_id": tech.id, "version": t.version}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(t.department_id, tech.id);
    assert_eq!(t.assignee_id, None, "a transfer unassigns");
    // Billing staff no longer see it; the admin does.
    bill.get(&path).await.expect(StatusCode::NOT_FOUND);
    let t: Ticket = ann
        .patch(&path, json!({"status": "closed", "version": t.version}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(t.closed_at.is_some());

    let timeline: Vec<TimelineEvent> = admin.get(&format!("{path}/timeline")).await.json();
    let seen: Vec<(Uuid, TimelineChange)> = timeline
        .into_iter()
        .map(|e| (e.actor_id.expect("a person made every change"), e.change))
        .collect();
    assert_eq!(
        seen,
        vec![
            (ann.user.id, TimelineChange::Created),
            (
                bea.user.id,
                TimelineChange::AssigneeChanged {
                    from: None,
                    to: Some(bill.user.id)
                }
            ),
            (
                bea.user.id,
                TimelineChange::StatusChanged {
                    from: TicketStatus::Open,
                    to: TicketStatus::InProgress
                }
            ),
            (
                bill.user.id,
                TimelineChange::DepartmentChanged {
                    from: billing.id,
                    to: tech.id
                }
            ),
            (
                bill.user.id,
                TimelineChange::AssigneeChanged {
                    from: Some(bill.user.id),
                    to: None
                }
            ),
            (
                ann.user.id,
                TimelineChange::StatusChanged {
                    from: TicketStatus::InProgress,
                    to: TicketStatus::Closed
                }
            ),
        ]
    );
}

#[tokio::test]
async fn reopening_a_closed_ticket_clears_closed_at() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "S").await;
    let path = format!("/v1/tickets/{}", t.id);
    let t: Ticket = ann
        .patch(&path, json!({"status": "closed", "version": 1}))
        .await
        .json();
    assert!(t.closed_at.is_some());
    let t: Ticket = bea
        .patch(&path, json!({"status": "open", "version": t.version}))
        .await
        .json();
    assert_eq!(t.closed_at, None);
}

#[tokio::test]
async fn messages_are_idempotent_and_internal_notes_stay_internal() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "S").await;
    let path = format!("/v1/tickets/{}/messages", t.id);
    let id = Uuid::new_v4();
    let first = ann
        .post(&path, json!({"id": id, "body": "More details"}))
        .await;
    first.expect(StatusCode::CREATED);
    let again = ann
        .post(&path, json!({"id": id, "body": "More details"}))
        .await;
    again.expect(StatusCode::OK);
    assert_eq!(first.json::<Message>(), again.json::<Message>());
    bea.post(
        &path,
        json!({"body": "Customer seems upset", "internal": true}),
    )
    .await
    .expect(StatusCode::CREATED);
    bea.post(&path, json!({"body": "On it!"}))
        .await
        .expect(StatusCode::CREATED);

    let for_customer: MessagePage = ann.get(&path).await.json();
    let bodies: Vec<&str> = for_customer
        .messages
        .iter()
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies, ["Please help.", "More details", "On it!"]);
    let for_staff: MessagePage = bea.get(&path).await.json();
    assert_eq!(for_staff.messages.len(), 4);

    // Paging with `after`.
    let after = &for_staff.messages[1].id;
    let rest: MessagePage = bea
        .get(&format!("{path}?after={after}&limit=1"))
        .await
        .json();
    assert_eq!(rest.messages.len(), 1);
    assert_eq!(rest.messages[0].body, "Customer seems upset");
    assert!(rest.has_more);
}

#[tokio::test]
async fn a_customer_reply_reopens_a_resolved_ticket_and_closed_ones_take_no_more() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "S").await;
    let path = format!("/v1/tickets/{}", t.id);
    let t: Ticket = bea
        .patch(&path, json!({"status": "resolved", "version": 1}))
        .await
        .json();
    ann.post(&format!("{path}/messages"), json!({"body": "Still broken"}))
        .await
        .expect(StatusCode::CREATED);
    let reopened = ann.ticket(t.id).await;
    assert_eq!(reopened.status, TicketStatus::Open);
    assert_eq!(reopened.version, t.version + 1);

    ann.patch(
        &path,
        json!({"status": "closed", "version": reopened.version}),
    )
    .await
    .expect(StatusCode::OK);
    let resp = ann
        .post(&format!("{path}/messages"), json!({"body": "Hello?"}))
        .await;
    resp.expect(StatusCode::CONFLICT);
    assert_eq!(resp.code(), "ticket_closed");
}

/// Opens `n` tickets for `customer` in `dept`, returning them in order.
async fn open_many(customer: &Session, dept: &protocol::Department, n: usize) -> Vec<Ticket> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(customer.open_ticket(dept, &format!("Ticket {i}")).await);
    }
    out
}

#[tokio::test]
async fn keyset_pages_cover_every_ticket_once_in_order() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let tickets = open_many(&ann, &dept, 7).await;
    // Give some of them priorities so the priority sort has groups.
    for (t, p) in tickets
        .iter()
        .zip(["urgent", "low", "high", "urgent", "normal", "low", "high"])
    {
        bea.patch(
            &format!("/v1/tickets/{}", t.id),
            json!({"priority": p, "version": 1}),
        )
        .await
        .expect(StatusCode::OK);
    }
    for sort in ["updated", "priority"] {
        let mut seen: Vec<Ticket> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/tickets?sort={sort}&limit=3");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: TicketPage = bea.get(&path).await.expect(StatusCode::OK).json();
            assert!(page.tickets.len() <= 3);
            seen.extend(page.tickets);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 7, "{sort}: every ticket once");
        let mut expected = seen.clone();
        match sort {
            "updated" => expected.sort_by_key(|t| std::cmp::Reverse((t.updated_at, t.id))),
            _ => expected.sort_by(|a, b| {
                (b.priority, a.created_at, a.id).cmp(&(a.priority, b.created_at, b.id))
            }),
        }
        assert_eq!(seen, expected, "{sort}: in order");
    }
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let bill = app.staff(&admin, "Bill", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = open_many(&ann, &dept, 4).await;
    let patch = |t: &Ticket, body: serde_json::Value| {
        let path = format!("/v1/tickets/{}", t.id);
        let bea = &bea;
        async move { bea.patch(&path, body).await }
    };
    patch(
        &t[0],
        json!({"assignee_id": bea.user.id, "priority": "urgent", "version": 1}),
    )
    .await
    .expect(StatusCode::OK);
    patch(
        &t[1],
        json!({"assignee_id": bill.user.id, "status": "in_progress", "version": 1}),
    )
    .await
    .expect(StatusCode::OK);
    patch(&t[2], json!({"status": "resolved", "version": 1}))
        .await
        .expect(StatusCode::OK);

    let ids = |page: TicketPage| {
        let mut ids: Vec<Uuid> = page.tickets.iter().map(|t| t.id).collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<Uuid>| {
        v.sort();
        v
    };
    let list = |query: &'static str| bea.get(query);
    assert_eq!(
        ids(list("/v1/tickets?assignee=me").await.json()),
        vec![t[0].id]
    );
    assert_eq!(
        ids(list("/v1/tickets?assignee=unassigned").await.json()),
        sorted(vec![t[2].id, t[3].id])
    );
    assert_eq!(
        ids(bea
            .get(&format!("/v1/tickets?assignee={}", bill.user.id))
            .await
            .json()),
        vec![t[1].id]
    );
    assert_eq!(
        ids(list("/v1/tickets?status=open,in_progress").await.json()),
        sorted(vec![t[0].id, t[1].id, t[3].id])
    );
    assert_eq!(
        ids(list("/v1/tickets?priority=urgent").await.json()),
        vec![t[0].id]
    );
    assert_eq!(
        ids(bea
            .get(&format!("/v1/tickets?department_id={}", dept.id))
            .await
            .json())
        .len(),
        4
    );
}

#[tokio::test]
async fn search_finds_words_in_subjects_and_messages() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let printer = ann.open_ticket(&dept, "Printer jammed").await;
    let invoice = ann.open_ticket(&dept, "Invoice address").await;
    ann.post(
        &format!("/v1/tickets/{}/messages", invoice.id),
        json!({"body": "The invoice shows my old street"}),
    )
    .await
    .expect(StatusCode::CREATED);

    let found = |page: TicketPage| page.tickets.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        found(bea.get("/v1/tickets?q=printer").await.json()),
        vec![printer.id]
    );
    assert_eq!(
        found(bea.get("/v1/tickets?q=street").await.json()),
        vec![invoice.id]
    );
    assert_eq!(
        found(ann.get("/v1/tickets?q=old%20street").await.json()),
        vec![invoice.id]
    );
    assert!(found(bea.get("/v1/tickets?q=nothing%20matches").await.json()).is_empty());
    // Operators in the input are searched for as words, never interpreted.
    bea.get("/v1/tickets?q=printer%20OR%20%22*")
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn the_first_message_takes_the_client_generated_id() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let ann = app.customer("Ann").await;
    let (id, first) = (Uuid::new_v4(), Uuid::new_v4());
    let body = json!({"id": id, "first_message_id": first, "department_id": dept.id,
                      "subject": "S", "body": "B"});
    ann.post("/v1/tickets", body)
        .await
        .expect(StatusCode::CREATED);
    let page: MessagePage = ann.get(&format!("/v1/tickets/{id}/messages")).await.json();
    assert_eq!(page.messages[0].id, first);
    // A first-message id already used is a conflict, and nothing is created.
    let again = json!({"id": Uuid::new_v4(), "first_message_id": first,
                       "department_id": dept.id, "subject": "S", "body": "B"});
    let resp = ann.post("/v1/tickets", again).await;
    resp.expect(StatusCode::CONFLICT);
    let list: TicketPage = ann.get("/v1/tickets").await.json();
    assert_eq!(list.tickets.len(), 1);
}

/// Concurrent creations are written in batches (group commit): each request
/// still gets its own ticket, numbers stay unique, and a duplicate id inside
/// one batch is answered like one across batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_each_get_their_own_ticket_and_number() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let mut customers = Vec::new();
    for i in 0..6 {
        customers.push(app.customer(&format!("Customer {i}")).await);
    }
    let shared = Uuid::new_v4();
    let mut sends = Vec::new();
    for (c, customer) in customers.iter().enumerate() {
        for k in 0..8 {
            // Customer 0 and 1 both try `shared` once; the rest are unique.
            let id = if k == 0 && c < 2 {
                shared
            } else {
                Uuid::new_v4()
            };
            let body = json!({"id": id, "department_id": dept.id, "subject": format!("{c}-{k}"), "body": "B"});
            sends.push(async move { (c, customer.post("/v1/tickets", body).await) });
        }
    }
    let results = futures_util::future::join_all(sends).await;
    let created: Vec<Ticket> = results
        .iter()
        .filter(|(_, r)| r.status == StatusCode::CREATED)
        .map(|(_, r)| r.json())
        .collect();
    let conflicts = results
        .iter()
        .filter(|(_, r)| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        created.len(),
        47,
        "48 sends, one id taken by the other customer"
    );
    assert_eq!(
        conflicts,
        1,
        "statuses: {:?}",
        results.iter().map(|(_, r)| r.status).collect::<Vec<_>>()
    );
    let mut numbers: Vec<i64> = created.iter().map(|t| t.number).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 47, "unique numbers");
    for (c, customer) in customers.iter().enumerate() {
        let page: TicketPage = customer.get("/v1/tickets?limit=50").await.json();
        let expected = if c < 2 { [8, 7] } else { [8, 8] };
        assert!(
            expected.contains(&page.tickets.len()),
            "customer {c}: {}",
            page.tickets.len()
        );
        assert!(
            page.tickets
                .iter()
                .all(|t| t.customer_id == customer.user.id)
        );
    }
}

//! Customer satisfaction (CSAT): the customer rates their resolved ticket
//! once, 1 to 5 with an optional comment; the rating is on the ticket (staff
//! see it) and on its timeline; nobody else rates it.

mod common;

use common::{Session, TestApp};
use protocol::{Role, Ticket, TimelineChange, TimelineEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn rate(s: &Session, ticket: &Ticket, body: Value) -> common::Resp {
    s.post(&format!("/v1/tickets/{}/rating", ticket.id), body)
        .await
}

#[tokio::test]
async fn a_customer_rates_their_resolved_ticket_once_and_staff_see_it() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let ticket = ann.open_ticket(&dept, "Charged twice").await;

    let early = rate(&ann, &ticket, json!({"score": 5})).await;
    early.expect(StatusCode::CONFLICT);
    assert_eq!(early.code(), "not_resolved");

    bea.set_ticket(ticket.id, json!({"status": "resolved"}))
        .await;
    let before = bea.ticket(ticket.id).await;
    let rated: Ticket = rate(
        &ann,
        &ticket,
        json!({"score": 4, "comment": "  Quick, thanks!  "}),
    )
    .await
    .expect(StatusCode::OK)
    .json();
    let rating = rated.rating.clone().expect("the rating is on the ticket");
    assert_eq!(
        (rating.score, rating.comment.as_deref()),
        (4, Some("Quick, thanks!"))
    );
    assert_eq!(
        rated.version,
        before.version + 1,
        "a new version, for every cache"
    );
    assert_eq!(bea.ticket(ticket.id).await.rating, Some(rating.clone()));

    let timeline: Vec<TimelineEvent> = bea
        .get(&format!("/v1/tickets/{}/timeline", ticket.id))
        .await
        .expect(StatusCode::OK)
        .json();
    let last = timeline.last().unwrap();
    assert_eq!(last.actor_id, Some(ann.user.id));
    assert_eq!(
        last.change,
        TimelineChange::Rated {
            score: 4,
            comment: Some("Quick, thanks!".into())
        }
    );

    // The app sending its rating again (it never heard back) gets the ticket;
    // a different rating is refused, and the first one stays.
    let again: Ticket = rate(
        &ann,
        &ticket,
        json!({"score": 4, "comment": "Quick, thanks!"}),
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(again.version, rated.version);
    let twice = rate(&ann, &ticket, json!({"score": 1})).await;
    twice.expect(StatusCode::CONFLICT);
    assert_eq!(twice.code(), "already_rated");
    assert_eq!(ann.ticket(ticket.id).await.rating, Some(rating));
    app.stop().await;
}

#[tokio::test]
async fn only_the_tickets_customer_rates_it_and_bad_ratings_are_refused() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let cid = app.customer("Cid").await;
    let ticket = ann.open_ticket(&dept, "Charged twice").await;
    bea.set_ticket(ticket.id, json!({"status": "closed"})).await;

    let staff = rate(&bea, &ticket, json!({"score": 5})).await;
    staff.expect(StatusCode::FORBIDDEN);
    let other = rate(&cid, &ticket, json!({"score": 1})).await;
    other.expect(StatusCode::NOT_FOUND);
    for bad in [
        json!({"score": 0}),
        json!({"score": 6}),
        json!({"score": 3, "comment": "x".repeat(2_001)}),
    ] {
        let refused = rate(&ann, &ticket, bad.clone()).await;
        refused.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.code(), "invalid_field", "{bad}");
    }
    let unknown_field = rate(&ann, &ticket, json!({"score": 3, "stars": 3})).await;
    unknown_field.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        ann.ticket(ticket.id).await.rating,
        None,
        "nothing was stored"
    );

    // A closed ticket is rated like a resolved one; an empty comment is none.
    let rated: Ticket = rate(&ann, &ticket, json!({"score": 2, "comment": "   "}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(rated.rating.map(|r| (r.score, r.comment)), Some((2, None)));
    app.stop().await;
}

//! Tickets on a customer's behalf: staff find the customer by email or
//! invite them (an account without a password and a one-time sign-in link,
//! mailed through the operator's relay or shown to staff), then open the
//! ticket in their department; the customer sees it as their own.

mod common;

use common::smtp::FakeRelay;
use common::{Session, TestApp};
use protocol::{
    AuthResponse, CustomerInvite, Message, MessagePage, Role, Ticket, TicketPage, TimelineChange,
    TimelineEvent, User,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn invite(s: &Session, email: &str, name: &str) -> common::Resp {
    s.post("/v1/customers", json!({"email": email, "name": name}))
        .await
}

async fn open_for(s: &Session, customer: uuid::Uuid, dept: uuid::Uuid) -> common::Resp {
    s.post(
        "/v1/tickets",
        json!({"department_id": dept, "subject": "Phoned about a refund",
               "body": "Called at 10:05: charged twice in March.", "customer_id": customer}),
    )
    .await
}

/// The token of a `customerservice://sign-in?token=…` link.
fn token_of(link: &str) -> &str {
    let start = link.find("token=").expect("a token in the link") + "token=".len();
    link[start..].split('&').next().unwrap()
}

async fn link_sign_in(app: &TestApp, token: &str) -> common::Resp {
    app.anonymous(Method::POST, "/v1/auth/link", Some(json!({"token": token})))
        .await
}

#[tokio::test]
async fn staff_invite_a_customer_open_a_ticket_for_them_and_the_link_signs_them_in_once() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app
        .staff(&admin, "Bea Agent", Role::Agent, Some(&dept))
        .await;

    let unknown = bea.get("/v1/customers?email=ann@x.example").await;
    unknown.expect(StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "customer_not_found");

    let invited: CustomerInvite = invite(&bea, "Ann@X.example", "Ann")
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(invited.customer.email, "ann@x.example");
    assert_eq!(invited.customer.role, Role::Customer);
    assert!(
        !invited.emailed && invited.mail_error.is_none(),
        "{invited:?}"
    );
    let link = invited
        .sign_in_link
        .clone()
        .expect("no relay: the link is shown to staff");
    assert!(
        link.starts_with("customerservice://sign-in?token="),
        "{link}"
    );
    let again = invite(&bea, "ann@x.example", "Ann").await;
    again.expect(StatusCode::CONFLICT);
    assert_eq!(again.code(), "email_taken");
    let found: User = bea
        .get("/v1/customers?email=ANN@x.example")
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(found.id, invited.customer.id);

    let ticket: Ticket = open_for(&bea, found.id, dept.id)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(ticket.customer_id, found.id);
    let timeline: Vec<TimelineEvent> = bea
        .get(&format!("/v1/tickets/{}/timeline", ticket.id))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(timeline[0].actor_id, Some(bea.user.id));
    assert_eq!(
        timeline[0].change,
        TimelineChange::CreatedFor {
            customer_id: found.id
        }
    );

    // No password yet: only the link signs Ann in, and only once.
    let by_password = app
        .anonymous(
            Method::POST,
            "/v1/auth/login",
            Some(json!({"email": "ann@x.example", "password": ""})),
        )
        .await;
    by_password.expect(StatusCode::UNAUTHORIZED);
    let auth: AuthResponse = link_sign_in(&app, token_of(&link))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(auth.user.id, found.id);
    let used = link_sign_in(&app, token_of(&link)).await;
    used.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(used.code(), "invalid_link");
    link_sign_in(&app, "made-up")
        .await
        .expect(StatusCode::UNAUTHORIZED);

    // Ann sees the ticket as her own, with what Bea wrote for her.
    let ann = app.session(auth);
    let page: TicketPage = ann.get("/v1/tickets").await.expect(StatusCode::OK).json();
    assert_eq!(
        page.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ticket.id]
    );
    let messages: MessagePage = ann
        .get(&format!("/v1/tickets/{}/messages", ticket.id))
        .await
        .expect(StatusCode::OK)
        .json();
    let first: &Message = &messages.messages[0];
    assert_eq!(first.author_id, bea.user.id);
    ann.post(
        &format!("/v1/tickets/{}/messages", ticket.id),
        json!({"body": "Yes, that is me."}),
    )
    .await
    .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn who_may_open_a_ticket_for_whom() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let (x, y) = (admin.department("X").await, admin.department("Y").await);
    let agent_x = app.staff(&admin, "Al X", Role::Agent, Some(&x)).await;
    let ann = app.customer("Ann").await;
    let bob = app.customer("Bob").await;

    // Staff: their own department, a real customer, and a customer named.
    open_for(&agent_x, ann.user.id, y.id)
        .await
        .expect(StatusCode::FORBIDDEN);
    let staff_as_customer = open_for(&agent_x, admin.user.id, x.id).await;
    staff_as_customer.expect(StatusCode::NOT_FOUND);
    assert_eq!(staff_as_customer.code(), "customer_not_found");
    open_for(&agent_x, uuid::Uuid::now_v7(), x.id)
        .await
        .expect(StatusCode::NOT_FOUND);
    agent_x
        .post(
            "/v1/tickets",
            json!({"department_id": x.id, "subject": "S", "body": "B"}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // An admin, anywhere.
    open_for(&admin, ann.user.id, y.id)
        .await
        .expect(StatusCode::CREATED);
    // A customer opens their own only, and cannot look others up or invite.
    open_for(&ann, bob.user.id, x.id)
        .await
        .expect(StatusCode::FORBIDDEN);
    ann.get("/v1/customers?email=bob@customers.example")
        .await
        .expect(StatusCode::FORBIDDEN);
    invite(&ann, "carl@x.example", "Carl")
        .await
        .expect(StatusCode::FORBIDDEN);
    // Bad input is named.
    let bad = invite(&agent_x, "not an email", "Carl").await;
    bad.expect(StatusCode::UNPROCESSABLE_ENTITY);
    agent_x
        .get("/v1/customers?email=nope")
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // Bob saw nothing of Ann's tickets.
    let page: TicketPage = bob.get("/v1/tickets").await.expect(StatusCode::OK).json();
    assert!(page.tickets.is_empty());
}

/// A server whose mail goes to a fake relay (one that refuses every
/// recipient, or not), and Bea, an agent of its Billing department.
async fn with_a_relay(refusing: bool) -> (FakeRelay, TestApp, Session) {
    let relay = FakeRelay::start(refusing).await;
    let url = relay.url();
    let app = TestApp::start_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = Some("Support <support@shop.example>".into());
        c.public_url = Some("https://support.shop.example".into());
    })
    .await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app
        .staff(&admin, "Bea Agent", Role::Agent, Some(&dept))
        .await;
    (relay, app, bea)
}

#[tokio::test]
async fn with_a_relay_the_link_goes_by_mail_and_staff_never_see_it() {
    let (relay, app, bea) = with_a_relay(false).await;

    let invited: CustomerInvite = invite(&bea, "ann@x.example", "Ann")
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert!(invited.emailed, "{invited:?}");
    assert_eq!(invited.sign_in_link, None);
    let mails = relay.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].from, "<support@shop.example>");
    assert_eq!(mails[0].to, ["<ann@x.example>"]);
    let data = mails[0].text();
    assert!(data.contains("Bea Agent"), "{data}");
    let line = data
        .lines()
        .find(|l| l.starts_with("customerservice://sign-in?token="))
        .unwrap_or_else(|| panic!("no link in {data}"));
    assert!(
        line.ends_with("&server=https%3A%2F%2Fsupport.shop.example"),
        "{line}"
    );
    link_sign_in(&app, token_of(line))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_relay_that_refuses_leaves_the_link_with_staff_and_says_why() {
    let (_relay, app, bea) = with_a_relay(true).await;

    let invited: CustomerInvite = invite(&bea, "ann@nowhere.example", "Ann")
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert!(!invited.emailed);
    let error = invited.mail_error.clone().expect("the relay's reason");
    assert!(error.contains("no such domain"), "{error}");
    let link = invited.sign_in_link.expect("the link, to pass on");
    link_sign_in(&app, token_of(&link))
        .await
        .expect(StatusCode::OK);
}

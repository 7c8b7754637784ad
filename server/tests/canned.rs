//! Canned replies: what a supervisor may write, how staff find them by
//! title, and the event that tells the department's clients to read them
//! again. (Who may do what is in authorization.rs.)

mod common;

use std::time::Duration;

use common::ws::WsClient;
use common::{Session, TestApp};
use protocol::{CannedReply, Department, Role, ServerEvent};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn write(s: &Session, dept: &Department, title: &str, body: &str) -> common::Resp {
    s.post(
        "/v1/canned-replies",
        json!({"department_id": dept.id, "title": title, "body": body}),
    )
    .await
}

fn titles(replies: &[CannedReply]) -> Vec<&str> {
    replies.iter().map(|r| r.title.as_str()).collect()
}

#[tokio::test]
async fn bad_replies_are_refused_with_the_reason() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let sup = app
        .staff(&admin, "Sue Visor", Role::Supervisor, Some(&dept))
        .await;

    write(&sup, &dept, "Refund", "Hi {customer_name}, refunded.")
        .await
        .expect(StatusCode::CREATED);
    for (title, body, code) in [
        ("  ", "Hi", "invalid_field"),
        ("Two\nlines", "Hi", "invalid_field"),
        ("Typo", "Dear {custmer_name}", "unknown_placeholder"),
        (&"t".repeat(101), "Hi", "invalid_field"),
    ] {
        let resp = write(&sup, &dept, title, body).await;
        resp.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(resp.code(), code, "{title:?} / {body:?}: {}", resp.body);
    }
    let typo = write(&sup, &dept, "Typo", "Dear {custmer_name}").await;
    let message = typo.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("{custmer_name}") && message.contains("{customer_name}"),
        "the message names the typo and the known placeholders: {message}"
    );

    // A title is the department's once, in any case.
    let taken = write(&sup, &dept, "REFUND", "Again").await;
    taken.expect(StatusCode::CONFLICT);
    assert_eq!(taken.code(), "canned_reply_title_taken");
    let other = write(&sup, &dept, "Shipping", "Soon").await;
    let other: CannedReply = other.expect(StatusCode::CREATED).json();
    let renamed = sup
        .patch(
            &format!("/v1/canned-replies/{}", other.id),
            json!({"title": "refund"}),
        )
        .await;
    renamed.expect(StatusCode::CONFLICT);

    // An admin names the department, and it must exist.
    let resp = admin
        .post("/v1/canned-replies", json!({"title": "X", "body": "Y"}))
        .await;
    resp.expect(StatusCode::UNPROCESSABLE_ENTITY);
    let resp = admin
        .post(
            "/v1/canned-replies",
            json!({"department_id": uuid::Uuid::now_v7(), "title": "X", "body": "Y"}),
        )
        .await;
    resp.expect(StatusCode::NOT_FOUND);
    assert_eq!(resp.code(), "department_not_found");

    // Nothing refused was stored, and the refused rename left its reply.
    let all: Vec<CannedReply> = sup
        .get("/v1/canned-replies")
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(titles(&all), ["Refund", "Shipping"]);
}

#[tokio::test]
async fn staff_find_replies_by_any_part_of_the_title_in_any_case() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let agent = app
        .staff(&admin, "Al Agent", Role::Agent, Some(&dept))
        .await;
    for title in [
        "Password reset",
        "Reset your router",
        "50% off",
        "5000 off",
        "Goodbye",
    ] {
        write(&admin, &dept, title, "Body")
            .await
            .expect(StatusCode::CREATED);
    }
    let search = async |q: &str| -> Vec<String> {
        let resp = agent
            .http
            .get(format!("{}/v1/canned-replies", agent.base))
            .query(&[("q", q)])
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let replies: Vec<CannedReply> = resp.json().await.unwrap();
        replies.into_iter().map(|r| r.title).collect()
    };
    assert_eq!(
        search("RESET").await,
        ["Password reset", "Reset your router"]
    );
    // `%` and `_` are letters here, not wildcards.
    assert_eq!(search("50%").await, ["50% off"]);
    assert_eq!(search("_").await, Vec::<String>::new());
    assert_eq!(search("").await.len(), 5);
}

#[tokio::test]
async fn a_change_tells_the_departments_staff_and_nobody_else() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let (x, y) = (admin.department("X").await, admin.department("Y").await);
    let sup = app.staff(&admin, "Sue X", Role::Supervisor, Some(&x)).await;
    let agent_x = app.staff(&admin, "Al X", Role::Agent, Some(&x)).await;
    let agent_y = app.staff(&admin, "Al Y", Role::Agent, Some(&y)).await;
    let mut in_x = WsClient::connect(&app.base, &agent_x.token).await;
    let mut in_y = WsClient::connect(&app.base, &agent_y.token).await;

    let reply: CannedReply = write(&sup, &x, "Hello", "Hi {agent_name} here")
        .await
        .expect(StatusCode::CREATED)
        .json();
    let changed = |e: &ServerEvent| match e {
        ServerEvent::CannedRepliesChanged { department_id } => Some(*department_id),
        _ => None,
    };
    assert_eq!(in_x.wait_for(changed).await, x.id);
    sup.request(
        Method::DELETE,
        &format!("/v1/canned-replies/{}", reply.id),
        None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    assert_eq!(in_x.wait_for(changed).await, x.id);

    let heard_in_y = in_y.drain(Duration::from_millis(300)).await;
    assert!(
        !heard_in_y.iter().any(|e| changed(e).is_some()),
        "Y's agent heard of X's replies: {heard_in_y:?}"
    );
}

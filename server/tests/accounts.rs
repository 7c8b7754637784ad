//! Registration, sign-in, tokens and throttling.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn register_returns_a_token_that_signs_in() {
    let app = TestApp::start().await;
    let ann = app.customer("Ann").await;
    assert_eq!(ann.user.role, protocol::Role::Customer);
    assert_eq!(ann.user.department_id, None);
    assert_eq!(ann.user.status, None);
    let me: protocol::User = ann.get("/v1/me").await.expect(StatusCode::OK).json();
    assert_eq!(me, ann.user);
}

#[tokio::test]
async fn registering_an_email_twice_is_a_conflict_whatever_its_case() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    let resp = app
        .anonymous(
            Method::POST,
            "/v1/auth/register",
            Some(json!({"email": "ANN@customers.example", "password": PASSWORD, "name": "Ann"})),
        )
        .await;
    resp.expect(StatusCode::CONFLICT);
    assert_eq!(resp.code(), "email_taken");
}

#[tokio::test]
async fn sign_in_failures_do_not_reveal_whether_the_email_exists() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    let wrong_password = app
        .anonymous(
            Method::POST,
            "/v1/auth/login",
            Some(json!({"email": "ann@customers.example", "password": "not the password"})),
        )
        .await;
    let unknown_email = app
        .anonymous(
            Method::POST,
            "/v1/auth/login",
            Some(json!({"email": "nobody@customers.example", "password": "not the password"})),
        )
        .await;
    wrong_password.expect(StatusCode::UNAUTHORIZED);
    unknown_email.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.body, unknown_email.body);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    let attempt = |password: &'static str| {
        app.anonymous(
            Method::POST,
            "/v1/auth/login",
            Some(json!({"email": "ann@customers.example", "password": password})),
        )
    };
    for _ in 0..server::auth::LoginThrottle::MAX_FAILURES {
        attempt("wrong password")
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    let throttled = attempt(PASSWORD).await;
    throttled.expect(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.code(), "too_many_attempts");
    assert!(throttled.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let app = TestApp::start().await;
    let ann = app.customer("Ann").await;
    ann.request(Method::POST, "/v1/auth/logout", None)
        .await
        .expect(StatusCode::NO_CONTENT);
    ann.get("/v1/me").await.expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthorized() {
    let app = TestApp::start().await;
    app.anonymous(Method::GET, "/v1/me", None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let resp = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth("made-up-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabling_a_staff_member_revokes_their_sessions_and_sign_in() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let agent = app
        .staff(&admin, "Bea", protocol::Role::Agent, Some(&dept))
        .await;
    admin
        .patch(
            &format!("/v1/staff/{}", agent.user.id),
            json!({"disabled": true}),
        )
        .await
        .expect(StatusCode::OK);
    agent.get("/v1/me").await.expect(StatusCode::UNAUTHORIZED);
    app.anonymous(
        Method::POST,
        "/v1/auth/login",
        Some(json!({"email": agent.user.email, "password": PASSWORD})),
    )
    .await
    .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn staff_start_off_and_carry_their_department() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let agent = app
        .staff(&admin, "Bea", protocol::Role::Agent, Some(&dept))
        .await;
    assert_eq!(agent.user.department_id, Some(dept.id));
    assert_eq!(agent.user.status, Some(protocol::StaffStatus::Off));
}

//! Registration, sign-in, tokens and throttling.

mod common;

use std::time::Duration;

use common::{PASSWORD, Resp, TestApp, send};
use protocol::AuthResponse;
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::sign_in_throttle::FREE_PER_ACCOUNT;
use server::trusted_proxies::TrustedProxies;

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

/// A POST from the local address `from` (the server listens on 127.0.0.1;
/// the whole of 127/8 reaches it).
async fn post_from(app: &TestApp, from: &str, path: &str, body: serde_json::Value) -> Resp {
    let http = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    send(&http, app.url(path), Method::POST, None, Some(body)).await
}

async fn sign_in_from(app: &TestApp, from: &str, email: &str, password: &str) -> Resp {
    let body = json!({"email": email, "password": password});
    post_from(app, from, "/v1/auth/login", body).await
}

async fn register_from(app: &TestApp, from: &str, email: &str) -> Resp {
    let body = json!({"email": email, "password": PASSWORD, "name": "Someone"});
    post_from(app, from, "/v1/auth/register", body).await
}

const ANN: &str = "ann@customers.example";

/// Wrong passwords for Ann from `from` until the next attempt must wait.
async fn use_up_free_attempts(app: &TestApp, from: &str) {
    for _ in 0..FREE_PER_ACCOUNT {
        sign_in_from(app, from, ANN, "a guess")
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
}

fn retry_after(resp: &Resp) -> u64 {
    resp.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    use_up_free_attempts(&app, "127.0.0.1").await;
    let throttled = sign_in_from(&app, "127.0.0.1", ANN, PASSWORD).await;
    throttled.expect(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.code(), "too_many_attempts");
    assert_eq!(retry_after(&throttled), 1);
}

#[tokio::test]
async fn each_attempt_past_the_free_ones_waits_twice_as_long() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    use_up_free_attempts(&app, "127.0.0.1").await;
    let mut waits = Vec::new();
    for _ in 0..2 {
        let refused = sign_in_from(&app, "127.0.0.1", ANN, "wrong password").await;
        refused.expect(StatusCode::TOO_MANY_REQUESTS);
        let wait = retry_after(&refused);
        waits.push(wait);
        // Once the wait is over, one more guess is let through (and fails).
        tokio::time::sleep(Duration::from_millis(wait * 1000 + 50)).await;
        sign_in_from(&app, "127.0.0.1", ANN, "wrong password")
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    assert_eq!(waits, [1, 2]);
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    // Someone at 127.0.0.2 guesses Ann's password until refused.
    use_up_free_attempts(&app, "127.0.0.2").await;
    sign_in_from(&app, "127.0.0.2", ANN, "guess")
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    // Even the right password is refused there, for now...
    sign_in_from(&app, "127.0.0.2", ANN, PASSWORD)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    // ...while Ann, at her own address, signs in at once.
    let signed_in = sign_in_from(&app, "127.0.0.1", ANN, PASSWORD).await;
    signed_in.expect(StatusCode::OK);
    assert_eq!(signed_in.json::<AuthResponse>().user.email, ANN);
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_slowed_and_others_are_not() {
    let app = TestApp::start_with(|config| config.sign_in_free_per_address = 3).await;
    app.customer("Ann").await;
    // One guess at each of three accounts uses up the address's free attempts.
    for n in 0..3 {
        let email = format!("person{n}@customers.example");
        sign_in_from(&app, "127.0.0.2", &email, "guess")
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in_from(&app, "127.0.0.2", "person3@customers.example", "guess").await;
    refused.expect(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&refused), 1);
    sign_in_from(&app, "127.0.0.1", ANN, PASSWORD)
        .await
        .expect(StatusCode::OK);
}

/// A guess at the account `person{n}` from `from`, forwarded by it for
/// `forwarded_for` (an `X-Forwarded-For` header).
async fn guess_through(app: &TestApp, from: &str, forwarded_for: &str, n: u32) -> Resp {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", forwarded_for.parse().unwrap());
    let http = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .default_headers(headers)
        .build()
        .unwrap();
    let email = format!("person{n}@customers.example");
    let body = json!({"email": email, "password": "guess"});
    send(
        &http,
        app.url("/v1/auth/login"),
        Method::POST,
        None,
        Some(body),
    )
    .await
}

/// Behind a trusted reverse proxy, clients are throttled each by the
/// address the proxy forwards; what a client writes in the header itself,
/// or a peer that is not the proxy, is not believed.
#[tokio::test]
async fn clients_behind_a_trusted_proxy_are_told_apart_and_cannot_pose_as_others() {
    let app = TestApp::start_with(|config| {
        config.sign_in_free_per_address = 3;
        config.trusted_proxies = TrustedProxies::parse_list("127.0.0.3").unwrap();
    })
    .await;
    app.customer("Ann").await;
    const PROXY: &str = "127.0.0.3";
    for n in 0..3 {
        guess_through(&app, PROXY, "203.0.113.7", n)
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    guess_through(&app, PROXY, "203.0.113.7", 3)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    // Another client of the same proxy is not slowed...
    guess_through(&app, PROXY, "203.0.113.8", 4)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // ...and the slowed one cannot pass for it by naming it first.
    guess_through(&app, PROXY, "203.0.113.8, 203.0.113.7", 5)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    // A peer that is not the proxy is counted at its own address: the
    // header does not move its guesses onto someone else's count.
    for n in 6..9 {
        guess_through(&app, "127.0.0.4", "203.0.113.9", n)
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    guess_through(&app, "127.0.0.4", "203.0.113.10", 9)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    guess_through(&app, PROXY, "203.0.113.9", 10)
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_successful_sign_in_forgets_the_failures_before_it() {
    let app = TestApp::start().await;
    app.customer("Ann").await;
    for _ in 0..2 {
        for _ in 0..FREE_PER_ACCOUNT - 1 {
            sign_in_from(&app, "127.0.0.1", ANN, "typo")
                .await
                .expect(StatusCode::UNAUTHORIZED);
        }
        // The last free attempt succeeds, so the next round starts afresh.
        sign_in_from(&app, "127.0.0.1", ANN, PASSWORD)
            .await
            .expect(StatusCode::OK);
    }
}

/// "Email taken" tells whether an account exists: one address trying many
/// is slowed like a guesser, while registering for real is never slowed.
#[tokio::test]
async fn listing_accounts_through_registration_is_slowed() {
    let app = TestApp::start_with(|config| config.sign_in_free_per_address = 3).await;
    app.customer("Ann").await;
    for _ in 0..3 {
        let taken = register_from(&app, "127.0.0.2", ANN).await;
        taken.expect(StatusCode::CONFLICT);
        assert_eq!(taken.code(), "email_taken");
    }
    register_from(&app, "127.0.0.2", ANN)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    // New accounts from another address: as many as people want.
    for n in 0..5 {
        let email = format!("new{n}@customers.example");
        register_from(&app, "127.0.0.1", &email)
            .await
            .expect(StatusCode::CREATED);
    }
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

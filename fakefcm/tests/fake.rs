//! The fake refuses what FCM refuses, through HTTP, with FCM's error JSON.

use fakefcm::FakeFcm;
use serde_json::{Value, json};

async fn post(url: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(url).json(&body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sends_need_a_token_the_fake_issued() {
    let fake = FakeFcm::start().await;
    let url = format!(
        "{}/v1/projects/{}/messages:send",
        fake.endpoint(),
        fakefcm::PROJECT_ID
    );
    let message = json!({"message": {"token": "device", "data": {"type": "x"}}});
    let (status, body) = post(&url, None, message.clone()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    let (status, _) = post(&url, Some("made-up"), message).await;
    assert_eq!(status, 401);
    assert!(fake.accepted().is_empty());
}

#[tokio::test]
async fn the_token_endpoint_wants_a_signed_jwt_bearer_grant() {
    let fake = FakeFcm::start().await;
    let http = reqwest::Client::new();
    let response = http
        .post(fake.token_uri())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = http
        .post(fake.token_uri())
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(fake.token_requests(), 2);
}

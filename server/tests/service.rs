//! Operations: health, metrics, the OpenAPI document, the database in use,
//! configuration of the admin, graceful shutdown.

mod common;

use common::{TestApp, on_postgres};
use reqwest::{Method, StatusCode};
use server::db::Dialect;

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_given() {
    let app = TestApp::start().await;
    let expected = if on_postgres() {
        Dialect::Postgres
    } else {
        Dialect::Sqlite
    };
    assert_eq!(app.server.state.db.dialect, expected);
}

#[tokio::test]
async fn healthz_answers_while_the_database_does() {
    let app = TestApp::start().await;
    let resp = app.anonymous(Method::GET, "/healthz", None).await;
    assert_eq!(resp.status, StatusCode::OK);
    app.server.state.db.close().await;
    let resp = app.anonymous(Method::GET, "/healthz", None).await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::start().await;
    let ann = app.customer("Ann").await;
    ann.get("/v1/tickets/00000000-0000-0000-0000-000000000000")
        .await
        .expect(StatusCode::NOT_FOUND);
    let text = String::from_utf8(app.anonymous(Method::GET, "/metrics", None).await.bytes).unwrap();
    assert!(
        text.contains(
            r#"cs_http_requests_total{method="GET",route="/v1/tickets/{id}",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("cs_http_request_duration_seconds_bucket"));
}

/// A message's way to the sockets, stage by stage: the writer's queue and
/// batch, the hand-over to the follower and its delivery.
#[tokio::test]
async fn metrics_time_the_stages_of_a_write() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let ann = app.customer("Ann").await;
    let ticket = ann.open_ticket(&dept, "Help").await;
    ann.post(
        &format!("/v1/tickets/{}/messages", ticket.id),
        serde_json::json!({"body": "Hello"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let count = |text: &str, series: &str| -> u64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0)
    };
    // The follower delivers shortly after the commit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let text =
            String::from_utf8(app.anonymous(Method::GET, "/metrics", None).await.bytes).unwrap();
        let messages = count(&text, r#"cs_write_batch_seconds_count{writer="message"}"#);
        let tickets = count(&text, r#"cs_write_queued_seconds_count{writer="ticket"}"#);
        // Both commits are this instance's own: delivered from the rows
        // their writers handed over, not read back from the feed.
        let handed = count(&text, "cs_feed_handed_total");
        let deliveries = count(&text, "cs_feed_deliver_seconds_count");
        if messages >= 1 && tickets >= 1 && handed >= 2 && deliveries >= 2 {
            assert!(text.contains(r#"cs_write_batch_size_bucket{le="1.0",writer="message"}"#));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::start().await;
    let doc = app
        .anonymous(Method::GET, "/v1/openapi.json", None)
        .await
        .body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/v1/auth/register", "post"),
        ("/v1/auth/login", "post"),
        ("/v1/auth/logout", "post"),
        ("/v1/me", "get"),
        ("/v1/departments", "post"),
        ("/v1/departments", "get"),
        ("/v1/departments/{id}", "patch"),
        ("/v1/staff", "post"),
        ("/v1/staff", "get"),
        ("/v1/staff/{id}", "patch"),
        ("/v1/tickets", "post"),
        ("/v1/tickets", "get"),
        ("/v1/tickets/{id}", "get"),
        ("/v1/tickets/{id}", "patch"),
        ("/v1/tickets/{id}/timeline", "get"),
        ("/v1/tickets/{id}/messages", "post"),
        ("/v1/tickets/{id}/messages", "get"),
        ("/v1/files", "post"),
        ("/v1/files/{id}", "get"),
        ("/v1/sync", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    assert!(doc["components"]["schemas"]["Ticket"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// What a generated client relies on: parameters where the server reads
/// them, one unique operationId each, and the statuses the server answers.
#[tokio::test]
async fn the_openapi_document_is_a_contract_generated_clients_can_trust() {
    let app = TestApp::start().await;
    let doc = app
        .anonymous(Method::GET, "/v1/openapi.json", None)
        .await
        .body;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(ids.insert(id.to_string()), "operationId {id} repeats");
            let public = op["security"]
                .as_array()
                .is_some_and(|r| r.iter().all(|r| r.as_object().unwrap().is_empty()));
            let responses = &op["responses"];
            if !public {
                assert!(responses["401"].is_object(), "{method} {path}: no 401");
            }
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                let in_template = path.contains(&format!("{{{name}}}"));
                match param["in"].as_str().unwrap() {
                    "path" => assert!(in_template, "{method} {path}: {name} is not in the path"),
                    "query" => assert!(!in_template, "{method} {path}: {name} is a path segment"),
                    other => panic!("{method} {path}: {name} in {other}"),
                }
                assert!(responses["400"].is_object(), "{method} {path}: no 400");
            }
            for (status, response) in responses.as_object().unwrap() {
                assert!(
                    response["description"].is_string(),
                    "{method} {path}: the {status} answer has no description"
                );
            }
            if op["requestBody"]["content"]["application/json"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses[status].is_object(),
                        "{method} {path}: no {status}"
                    );
                }
            }
        }
    }
    // The filters of the ticket list are query parameters.
    let list = &doc["paths"]["/v1/tickets"]["get"]["parameters"];
    let status = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "status")
        .unwrap();
    assert_eq!(status["in"], "query");
    // Uploads are documented with the types the server takes, and as
    // octet-stream, whose type the server recognises from the content.
    let upload = doc["paths"]["/v1/files"]["post"]["requestBody"]["content"]
        .as_object()
        .unwrap();
    assert!(upload.contains_key("image/png") && upload.contains_key("application/pdf"));
    assert!(upload.contains_key("application/octet-stream"));
}

#[tokio::test]
async fn unknown_routes_answer_with_the_json_error_body() {
    let app = TestApp::start().await;
    app.anonymous(Method::GET, "/v1/nothing-here", None)
        .await
        .expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_method_answers_405_with_the_json_error_body() {
    let app = TestApp::start().await;
    app.anonymous(Method::DELETE, "/v1/tickets", None)
        .await
        .expect(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn stopping_finishes_and_the_data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::test_database_url().await;
    let config = || server::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url.clone(),
        admin_email: Some(common::ADMIN_EMAIL.into()),
        admin_password: Some(common::PASSWORD.into()),
        ..server::Config::default()
    };
    let first = server::start(config()).await.unwrap();
    let http = reqwest::Client::new();
    let register =
        serde_json::json!({"email": "ann@x.io", "password": common::PASSWORD, "name": "Ann"});
    let resp = http
        .post(format!("{}/v1/auth/register", first.url()))
        .json(&register)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    first.stop().await.unwrap();

    let second = server::start(config()).await.unwrap();
    let login = serde_json::json!({"email": "ann@x.io", "password": common::PASSWORD});
    let resp = http
        .post(format!("{}/v1/auth/login", second.url()))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "the account survived the restart"
    );
    second.stop().await.unwrap();
}

//! Malformed and out-of-range input: every refusal has the right status and
//! a JSON error body, never a 500, and writes nothing.
//!
//! Each test runs a table of bad requests. After every request the runner
//! compares a snapshot of everything stored (the admin's sync feed,
//! departments and staff, row counts, the files on disk) with the one taken
//! before, and checks explicitly that ticket T's version is unchanged and
//! that customer Cid, who never opened a ticket, still lists none.

mod common;

use base64::Engine;
use common::{Resp, Session, TestApp};
use protocol::{Department, Ticket, TicketPage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
const UNSUPPORTED: StatusCode = StatusCode::UNSUPPORTED_MEDIA_TYPE;
const TOO_LARGE: StatusCode = StatusCode::PAYLOAD_TOO_LARGE;

/// The JSON body limit of the API.
const JSON_LIMIT: usize = 256 * 1024;

/// The start of a PNG file.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
enum Who {
    Nobody,
    /// A customer with tickets T and T2.
    Ann,
    /// A customer without tickets.
    Cid,
    /// An agent of T's department.
    Bea,
    Admin,
}

struct Fixture {
    app: TestApp,
    admin: Session,
    dept: Department,
    ann: Session,
    cid: Session,
    bea: Session,
    /// Ann's; T2 exists so that ticket lists have a second page.
    ticket: Ticket,
}

impl Fixture {
    async fn build() -> Fixture {
        Self::build_on(TestApp::start().await).await
    }

    async fn build_on(app: TestApp) -> Fixture {
        let admin = app.admin().await;
        let dept = admin.department("Billing").await;
        let ann = app.customer("Ann").await;
        let cid = app.customer("Cid").await;
        let bea = app
            .staff(&admin, "Bea", protocol::Role::Agent, Some(&dept))
            .await;
        let ticket = ann.open_ticket(&dept, "Refund").await;
        ann.open_ticket(&dept, "Second").await;
        Fixture {
            app,
            admin,
            dept,
            ann,
            cid,
            bea,
            ticket,
        }
    }

    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Nobody => None,
            Who::Ann => Some(&self.ann.token),
            Who::Cid => Some(&self.cid.token),
            Who::Bea => Some(&self.bea.token),
            Who::Admin => Some(&self.admin.token),
        }
    }

    /// A path under T: `t("/messages")` is `/v1/tickets/{T}/messages`.
    fn t(&self, rest: &str) -> String {
        format!("/v1/tickets/{}{rest}", self.ticket.id)
    }

    fn v(&self) -> i64 {
        self.ticket.version
    }

    async fn send(&self, case: &Case) -> Resp {
        let mut request = self
            .app
            .http
            .request(case.method.clone(), self.app.url(&case.path));
        if let Some(token) = self.token(case.by) {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        if case.method != Method::GET {
            request = request.body(case.body.clone());
        }
        read(request).await
    }

    /// Everything a refused request could have written.
    async fn snapshot(&self) -> Value {
        let get = async |path: &str| {
            self.admin
                .get(path)
                .await
                .expect(StatusCode::OK)
                .body
                .clone()
        };
        let mut rows = serde_json::Map::new();
        for (table, sql) in ROW_COUNTS {
            let row = sqlx::query(sql)
                .fetch_one(self.app.server.state.db.reader())
                .await
                .expect("counting rows");
            let n: i64 = sqlx::Row::try_get(&row, "n").expect("a count");
            rows.insert(table.into(), n.into());
        }
        json!({
            "sync": get("/v1/sync").await,
            "departments": get("/v1/departments").await,
            "staff": get("/v1/staff").await,
            "rows": rows,
            "stored files": stored_files(&self.app),
        })
    }

    /// Sends each case, checks its refusal, and that nothing was written.
    async fn reject_all(&self, cases: Vec<Case>) {
        let before = self.snapshot().await;
        for case in cases {
            let resp = self.send(&case).await;
            let what = case.describe();
            assert_eq!(
                resp.status,
                case.status,
                "{what}: expected {}, got {} {}",
                case.status,
                resp.status,
                String::from_utf8_lossy(&resp.bytes)
            );
            resp.expect(case.status);
            assert_eq!(resp.code(), case.code, "{what}: error code");

            let ticket = self.admin.ticket(self.ticket.id).await;
            assert_eq!(ticket.version, self.v(), "{what}: T's version changed");
            let cid: TicketPage = self.cid.get("/v1/tickets").await.json();
            assert!(
                cid.tickets.is_empty(),
                "{what}: Cid now has {:?}",
                cid.tickets
            );
            let after = self.snapshot().await;
            assert!(
                after == before,
                "{what}: the refused request wrote something\nbefore: {before}\nafter:  {after}"
            );
        }
    }
}

const ROW_COUNTS: [(&str, &str); 8] = [
    ("users", "SELECT COUNT(*) AS n FROM users"),
    ("sessions", "SELECT COUNT(*) AS n FROM sessions"),
    ("departments", "SELECT COUNT(*) AS n FROM departments"),
    ("tickets", "SELECT COUNT(*) AS n FROM tickets"),
    ("messages", "SELECT COUNT(*) AS n FROM messages"),
    (
        "timeline_events",
        "SELECT COUNT(*) AS n FROM timeline_events",
    ),
    ("files", "SELECT COUNT(*) AS n FROM files"),
    ("ticket_search", "SELECT COUNT(*) AS n FROM ticket_search"),
];

/// Every file under the file store, temporary ones included.
fn stored_files(app: &TestApp) -> Vec<String> {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(&app.server.state.config.files_dir(), &mut found);
    found.sort();
    found
}

/// Sends a request built by hand and reads the answer like the harness does.
async fn read(request: reqwest::RequestBuilder) -> Resp {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body read").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        body,
        bytes,
        headers,
    }
}

/// One bad request and the refusal it must get.
struct Case {
    by: Who,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
}

/// Starts a case: a request without a body.
fn req(by: Who, method: Method, path: impl Into<String>) -> Case {
    Case {
        by,
        method,
        path: path.into(),
        content_type: None,
        body: Vec::new(),
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "<unset>",
    }
}

impl Case {
    /// A JSON body, sent as `application/json`.
    fn json(self, body: Value) -> Case {
        self.raw(Some("application/json"), body.to_string())
    }

    /// Any bytes, with the given Content-Type (none when `None`).
    fn raw(mut self, content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Case {
        self.content_type = content_type;
        self.body = body.into();
        self
    }

    fn answers(mut self, status: StatusCode, code: &'static str) -> Case {
        self.status = status;
        self.code = code;
        self
    }

    fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(100).collect();
        let more = if self.body.len() > 100 {
            format!("… ({} bytes)", self.body.len())
        } else {
            String::new()
        };
        format!(
            "{:?} {} {} [{}] {body}{more}",
            self.by,
            self.method,
            self.path,
            self.content_type.unwrap_or("no content type")
        )
    }
}

/// Shorthands for the usual senders and methods.
fn post(by: Who, path: impl Into<String>) -> Case {
    req(by, Method::POST, path)
}
fn patch(by: Who, path: impl Into<String>) -> Case {
    req(by, Method::PATCH, path)
}
fn get(by: Who, path: impl Into<String>) -> Case {
    req(by, Method::GET, path)
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

// ---------------------------------------------------------------------------

/// Bodies that are not JSON at all: 400 `malformed_json`.
#[tokio::test]
async fn malformed_json_is_400() {
    let f = Fixture::build().await;
    let json = Some("application/json");
    let (staff, dept) = (
        format!("/v1/staff/{}", f.bea.user.id),
        format!("/v1/departments/{}", f.dept.id),
    );
    let bad = |case: Case| case.answers(BAD_REQUEST, "malformed_json");
    f.reject_all(vec![
        bad(post(Who::Cid, "/v1/tickets").raw(json, r#"{"department_id": "#)),
        bad(post(Who::Cid, "/v1/tickets").raw(json, "")),
        bad(post(Who::Cid, "/v1/tickets").raw(json, r#"{"subject": "a",}"#)),
        bad(post(Who::Cid, "/v1/tickets").raw(json, b"{\"subject\": \"\xff\xfe\"}".to_vec())),
        bad(patch(Who::Bea, f.t("")).raw(json, r#"{"version": 1,"#)),
        bad(patch(Who::Ann, f.t("")).raw(json, r#"{"status": closed, "version": 1}"#)),
        bad(post(Who::Ann, f.t("/messages")).raw(json, r#"{"body": "hi""#)),
        bad(post(Who::Ann, f.t("/messages")).raw(json, r#"{"body": "a"} {"body": "b"}"#)),
        bad(post(Who::Admin, "/v1/departments").raw(json, "not json")),
        bad(patch(Who::Admin, dept).raw(json, "{'name': 'x'}")),
        bad(post(Who::Admin, "/v1/staff").raw(
            json,
            format!(
                "{}}}",
                json!({
                    "email": "n@staff.example", "name": "N", "password": "long enough",
                    "role": "agent", "department_id": f.dept.id,
                })
            ),
        )),
        bad(patch(Who::Admin, staff).raw(json, r#"{"name": "x""#)),
        bad(post(Who::Nobody, "/v1/auth/register").raw(json, "{")),
        bad(post(Who::Nobody, "/v1/auth/login").raw(json, r#"{"email": "a@b.c", "password": }"#)),
    ])
    .await;
}

/// JSON endpoints refuse other content types: 415 `expected_json`.
#[tokio::test]
async fn bodies_not_declared_as_json_are_415() {
    let f = Fixture::build().await;
    let ticket = json!({"department_id": f.dept.id, "subject": "s", "body": "b"}).to_string();
    let unsupported = |case: Case| case.answers(UNSUPPORTED, "expected_json");
    f.reject_all(vec![
        unsupported(post(Who::Cid, "/v1/tickets").raw(Some("text/plain"), ticket.clone())),
        unsupported(post(Who::Cid, "/v1/tickets").raw(None, ticket.clone())),
        unsupported(post(Who::Cid, "/v1/tickets").raw(Some("application/jsonx"), ticket)),
        unsupported(patch(Who::Bea, f.t("")).raw(
            Some("application/x-www-form-urlencoded"),
            "version=1&status=closed",
        )),
        unsupported(
            post(Who::Ann, f.t("/messages")).raw(Some("multipart/form-data; boundary=x"), "--x--"),
        ),
        unsupported(
            post(Who::Admin, "/v1/departments").raw(Some("application/xml"), "<name>x</name>"),
        ),
        unsupported(post(Who::Nobody, "/v1/auth/register").raw(
            Some("text/plain"),
            r#"{"email": "new@x.io", "password": "long enough", "name": "N"}"#,
        )),
    ])
    .await;
}

/// JSON bodies over 256 KiB: 413 `body_too_large`, however valid otherwise.
#[tokio::test]
async fn json_bodies_over_256_kib_are_413() {
    let f = Fixture::build().await;
    let huge = long(300 * 1024);
    // A valid body padded with trailing whitespace to one byte over the limit.
    let mut just_over = json!({"body": "hi"}).to_string();
    just_over.push_str(&" ".repeat(JSON_LIMIT + 1 - just_over.len()));
    let too_large = |case: Case| case.answers(TOO_LARGE, "body_too_large");
    f.reject_all(vec![
        too_large(post(Who::Cid, "/v1/tickets").json(json!({
            "department_id": f.dept.id, "subject": "s", "body": huge,
        }))),
        too_large(post(Who::Ann, f.t("/messages")).json(json!({"body": huge}))),
        too_large(post(Who::Ann, f.t("/messages")).raw(Some("application/json"), just_over)),
        too_large(patch(Who::Bea, f.t("")).json(json!({"version": f.v(), "pad": huge}))),
        too_large(post(Who::Admin, "/v1/departments").json(json!({"name": huge}))),
        too_large(post(Who::Nobody, "/v1/auth/register").json(json!({
            "email": "big@x.io", "password": "long enough", "name": huge,
        }))),
    ])
    .await;
}

/// Fields the request type does not have: 422 `invalid_body`, including the
/// ones that would grant something (a role, a customer, a status).
#[tokio::test]
async fn unknown_fields_are_422() {
    let f = Fixture::build().await;
    let d = f.dept.id;
    let staff = format!("/v1/staff/{}", f.bea.user.id);
    let dept = format!("/v1/departments/{}", f.dept.id);
    let unknown = |case: Case| case.answers(UNPROCESSABLE, "invalid_body");
    let ticket = |extra: Value| {
        let mut body = json!({"department_id": d, "subject": "s", "body": "b"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        unknown(post(Who::Cid, "/v1/tickets").json(body))
    };
    f.reject_all(vec![
        ticket(json!({"priority": "high"})),
        ticket(json!({"status": "closed"})),
        ticket(json!({"opened_by": f.ann.user.id})),
        ticket(json!({"Subject": "case matters"})),
        unknown(patch(Who::Bea, f.t("")).json(json!({"version": f.v(), "subject": "new"}))),
        unknown(
            patch(Who::Bea, f.t("")).json(json!({"version": f.v(), "customer_id": f.cid.user.id})),
        ),
        unknown(
            patch(Who::Ann, f.t(""))
                .json(json!({"version": f.v(), "status": "closed", "why": "done"})),
        ),
        unknown(
            post(Who::Ann, f.t("/messages"))
                .json(json!({"body": "hi", "author_id": f.bea.user.id})),
        ),
        unknown(
            post(Who::Ann, f.t("/messages")).json(json!({"body": "hi", "internal_note": true})),
        ),
        unknown(
            post(Who::Admin, "/v1/departments").json(json!({"name": "New", "id": Uuid::new_v4()})),
        ),
        unknown(
            patch(Who::Admin, dept)
                .json(json!({"name": "New", "created_at": "2020-01-01T00:00:00Z"})),
        ),
        unknown(post(Who::Admin, "/v1/staff").json(json!({
            "email": "new@staff.example", "name": "New", "password": "long enough",
            "role": "agent", "department_id": d, "status": "active",
        }))),
        unknown(patch(Who::Admin, staff).json(json!({"email": "bea2@staff.example"}))),
        unknown(post(Who::Nobody, "/v1/auth/register").json(json!({
            "email": "eve@x.io", "password": "long enough", "name": "Eve", "role": "admin",
        }))),
        unknown(post(Who::Nobody, "/v1/auth/login").json(json!({
            "email": "ann@customers.example", "password": common::PASSWORD, "remember_me": true,
        }))),
    ])
    .await;
}

/// Fields of the wrong JSON type, and bodies that are not objects: 422.
#[tokio::test]
async fn wrong_types_are_422() {
    let f = Fixture::build().await;
    let d = f.dept.id;
    let staff = format!("/v1/staff/{}", f.bea.user.id);
    let wrong = |case: Case| case.answers(UNPROCESSABLE, "invalid_body");
    let ticket = |body: Value| wrong(post(Who::Cid, "/v1/tickets").json(body));
    let patch_t = |body: Value| wrong(patch(Who::Bea, f.t("")).json(body));
    let message = |body: Value| wrong(post(Who::Ann, f.t("/messages")).json(body));
    f.reject_all(vec![
        ticket(json!({"department_id": d, "subject": 42, "body": "b"})),
        ticket(json!({"department_id": 42, "subject": "s", "body": "b"})),
        ticket(json!({"department_id": d, "subject": "s", "body": null})),
        ticket(json!({"department_id": d, "subject": "s", "body": ["b"]})),
        ticket(json!([])),
        ticket(json!(null)),
        ticket(json!("a ticket")),
        ticket(json!(42)),
        patch_t(json!({"version": "1"})),
        patch_t(json!({"version": 1.5})),
        patch_t(json!({"version": null})),
        patch_t(json!({"version": 99_999_999_999_999_999_999.0_f64})),
        patch_t(json!({"version": f.v(), "assignee_id": 42})),
        patch_t(json!({"version": f.v(), "department_id": false})),
        message(json!({"body": "hi", "internal": "yes"})),
        message(json!({"body": "hi", "attachment_ids": "one"})),
        message(json!({"body": {}})),
        message(json!({"body": "hi", "id": 7})),
        wrong(post(Who::Admin, "/v1/departments").json(json!({"name": 42}))),
        wrong(post(Who::Admin, "/v1/departments").json(json!({"name": null}))),
        wrong(post(Who::Admin, "/v1/staff").json(json!({
            "email": "n@staff.example", "name": "N", "password": 12_345_678,
            "role": "agent", "department_id": d,
        }))),
        wrong(patch(Who::Admin, &staff).json(json!({"disabled": "no"}))),
        wrong(patch(Who::Admin, &staff).json(json!({"name": 7}))),
        wrong(post(Who::Nobody, "/v1/auth/register").json(json!({
            "email": 5, "password": "long enough", "name": "N",
        }))),
        wrong(post(Who::Nobody, "/v1/auth/login").json(json!({
            "email": "ann@customers.example", "password": null,
        }))),
    ])
    .await;
}

/// Enum fields (status, priority, role) given a number, a boolean or an
/// array: as wrong a type as any above, so 422 `invalid_body` (serde_json
/// reports these as syntax errors; `extract.rs` parses in two steps so they
/// are not mistaken for malformed JSON).
#[tokio::test]
async fn wrong_types_on_enum_fields_are_422() {
    let f = Fixture::build().await;
    let v = f.v();
    let staff = format!("/v1/staff/{}", f.bea.user.id);
    let wrong = |case: Case| case.answers(UNPROCESSABLE, "invalid_body");
    f.reject_all(vec![
        wrong(patch(Who::Bea, f.t("")).json(json!({"version": v, "status": 1}))),
        wrong(patch(Who::Bea, f.t("")).json(json!({"version": v, "status": true}))),
        wrong(patch(Who::Bea, f.t("")).json(json!({"version": v, "priority": ["high"]}))),
        wrong(patch(Who::Ann, f.t("")).json(json!({"version": v, "status": 3}))),
        wrong(post(Who::Admin, "/v1/staff").json(json!({
            "email": "n@staff.example", "name": "N", "password": "long enough",
            "role": 1, "department_id": f.dept.id,
        }))),
        wrong(patch(Who::Admin, &staff).json(json!({"role": false}))),
    ])
    .await;
}

/// Required fields left out: 422.
#[tokio::test]
async fn missing_fields_are_422() {
    let f = Fixture::build().await;
    let d = f.dept.id;
    let missing = |case: Case| case.answers(UNPROCESSABLE, "invalid_body");
    let ticket = |body: Value| missing(post(Who::Cid, "/v1/tickets").json(body));
    f.reject_all(vec![
        ticket(json!({})),
        ticket(json!({"department_id": d, "body": "b"})),
        ticket(json!({"department_id": d, "subject": "s"})),
        ticket(json!({"subject": "s", "body": "b"})),
        missing(patch(Who::Bea, f.t("")).json(json!({"status": "closed"}))),
        missing(patch(Who::Ann, f.t("")).json(json!({"status": "closed"}))),
        missing(patch(Who::Bea, f.t("")).json(json!({}))),
        missing(post(Who::Ann, f.t("/messages")).json(json!({}))),
        missing(post(Who::Ann, f.t("/messages")).json(json!({"attachment_ids": []}))),
        missing(post(Who::Bea, f.t("/messages")).json(json!({"internal": true}))),
        missing(post(Who::Admin, "/v1/departments").json(json!({}))),
        missing(post(Who::Admin, "/v1/staff").json(json!({
            "email": "n@staff.example", "name": "N", "role": "agent", "department_id": d,
        }))),
        missing(post(Who::Admin, "/v1/staff").json(json!({
            "email": "n@staff.example", "name": "N", "password": "long enough", "department_id": d,
        }))),
        missing(post(Who::Admin, "/v1/staff").json(json!({
            "name": "N", "password": "long enough", "role": "agent", "department_id": d,
        }))),
        missing(
            post(Who::Nobody, "/v1/auth/register")
                .json(json!({"password": "long enough", "name": "N"})),
        ),
        missing(
            post(Who::Nobody, "/v1/auth/register")
                .json(json!({"email": "n@x.io", "password": "long enough"})),
        ),
        missing(
            post(Who::Nobody, "/v1/auth/login").json(json!({"email": "ann@customers.example"})),
        ),
    ])
    .await;
}

/// Strings too long (in characters), empty, or with control characters:
/// 422 `invalid_field`. Limits: subject 200, body 20 000, name 100.
#[tokio::test]
async fn over_long_empty_and_control_strings_are_422() {
    let f = Fixture::build().await;
    let d = f.dept.id;
    let staff = format!("/v1/staff/{}", f.bea.user.id);
    let dept = format!("/v1/departments/{}", f.dept.id);
    let invalid = |case: Case| case.answers(UNPROCESSABLE, "invalid_field");
    let ticket = |subject: String, body: String| {
        invalid(post(Who::Cid, "/v1/tickets").json(json!({
            "department_id": d, "subject": subject, "body": body,
        })))
    };
    let message =
        |by: Who, body: String| invalid(post(by, f.t("/messages")).json(json!({"body": body})));
    let new_staff = |email: &str, name: String, password: &str| {
        invalid(post(Who::Admin, "/v1/staff").json(json!({
            "email": email, "name": name, "password": password,
            "role": "agent", "department_id": d,
        })))
    };
    let register = |email: String, name: String, password: &str| {
        invalid(post(Who::Nobody, "/v1/auth/register").json(json!({
            "email": email, "name": name, "password": password,
        })))
    };
    f.reject_all(vec![
        ticket(long(201), "b".into()),
        ticket("é".repeat(201), "b".into()),
        ticket("s".into(), long(20_001)),
        ticket("   ".into(), "b".into()),
        ticket("s".into(), "".into()),
        ticket("bell \u{7}".into(), "b".into()),
        ticket("s".into(), "nul \u{0} byte".into()),
        message(Who::Ann, long(20_001)),
        message(Who::Bea, "ü".repeat(20_001)),
        message(Who::Ann, " \n\t ".into()),
        message(Who::Ann, "escape \u{1b}[31m".into()),
        invalid(post(Who::Admin, "/v1/departments").json(json!({"name": long(101)}))),
        invalid(post(Who::Admin, "/v1/departments").json(json!({"name": ""}))),
        invalid(patch(Who::Admin, &dept).json(json!({"name": long(101)}))),
        invalid(patch(Who::Admin, &dept).json(json!({"name": " "}))),
        new_staff("n@staff.example", long(101), "long enough"),
        new_staff("not an email", "N".into(), "long enough"),
        new_staff("n@staff.example", "N".into(), "short"),
        invalid(patch(Who::Admin, &staff).json(json!({"name": long(101)}))),
        invalid(patch(Who::Admin, &staff).json(json!({"password": "short"}))),
        invalid(patch(Who::Admin, &staff).json(json!({"password": long(257)}))),
        register("n@x.io".into(), long(101), "long enough"),
        register("n@x.io".into(), "".into(), "long enough"),
        register(format!("{}@x.io", long(250)), "N".into(), "long enough"),
        register("n@x".into(), "N".into(), "long enough"),
        register("n@x.io".into(), "N".into(), "seven77"),
        register("n@x.io".into(), "N".into(), &long(257)),
    ])
    .await;
}

/// Ids in paths that are not UUIDs: 400 `invalid_path`.
#[tokio::test]
async fn invalid_uuids_in_paths_are_400() {
    let f = Fixture::build().await;
    let almost = "00000000-0000-0000-0000-00000000000g";
    let bad = |case: Case| case.answers(BAD_REQUEST, "invalid_path");
    let patch_body = json!({"status": "closed", "version": f.v()});
    f.reject_all(vec![
        bad(get(Who::Ann, "/v1/tickets/not-a-uuid")),
        bad(get(Who::Ann, format!("/v1/tickets/{almost}"))),
        bad(get(Who::Ann, format!("/v1/tickets/{}x", f.ticket.id))),
        bad(patch(Who::Ann, "/v1/tickets/123").json(patch_body.clone())),
        bad(patch(Who::Bea, format!("/v1/tickets/{}0", f.ticket.id)).json(patch_body)),
        bad(get(Who::Ann, "/v1/tickets/123/messages")),
        bad(post(Who::Ann, "/v1/tickets/123/messages").json(json!({"body": "hi"}))),
        bad(get(Who::Ann, "/v1/tickets/xyz/timeline")),
        bad(get(Who::Ann, "/v1/files/not-a-uuid")),
        bad(patch(Who::Admin, "/v1/departments/billing").json(json!({"name": "N"}))),
        bad(patch(Who::Admin, "/v1/staff/bea").json(json!({"name": "N"}))),
    ])
    .await;
}

/// Ids in bodies: not UUIDs → 422 `invalid_body`; UUIDs that name nothing
/// suitable → 422 with a code saying which.
#[tokio::test]
async fn invalid_and_unknown_ids_in_bodies_are_422() {
    let f = Fixture::build().await;
    let d = f.dept.id;
    let v = f.v();
    let nowhere = Uuid::new_v4();
    let staff = format!("/v1/staff/{}", f.bea.user.id);
    let ticket = |department_id: Value, id: Value| {
        post(Who::Cid, "/v1/tickets").json(json!({
            "id": id, "department_id": department_id, "subject": "s", "body": "b",
        }))
    };
    let new_staff = |department_id: Value| {
        post(Who::Admin, "/v1/staff").json(json!({
            "email": "n@staff.example", "name": "N", "password": "long enough",
            "role": "agent", "department_id": department_id,
        }))
    };
    let not_uuid = |case: Case| case.answers(UNPROCESSABLE, "invalid_body");
    f.reject_all(vec![
        not_uuid(ticket(json!("billing"), json!(null))),
        not_uuid(ticket(json!(d), json!("abc"))),
        not_uuid(patch(Who::Bea, f.t("")).json(json!({"version": v, "assignee_id": "bea"}))),
        not_uuid(patch(Who::Bea, f.t("")).json(json!({"version": v, "department_id": ""}))),
        not_uuid(
            post(Who::Ann, f.t("/messages"))
                .json(json!({"body": "hi", "attachment_ids": ["nope"]})),
        ),
        not_uuid(post(Who::Ann, f.t("/messages")).json(json!({"body": "hi", "id": "1"}))),
        not_uuid(new_staff(json!("x"))),
        not_uuid(patch(Who::Admin, &staff).json(json!({"department_id": "x"}))),
        // Well-formed ids that name nothing usable.
        ticket(json!(nowhere), json!(null)).answers(UNPROCESSABLE, "invalid_department"),
        patch(Who::Bea, f.t(""))
            .json(json!({"version": v, "department_id": nowhere}))
            .answers(UNPROCESSABLE, "invalid_department"),
        patch(Who::Bea, f.t(""))
            .json(json!({"version": v, "assignee_id": nowhere}))
            .answers(UNPROCESSABLE, "invalid_assignee"),
        patch(Who::Bea, f.t(""))
            .json(json!({"version": v, "assignee_id": f.ann.user.id}))
            .answers(UNPROCESSABLE, "invalid_assignee"),
        post(Who::Ann, f.t("/messages"))
            .json(json!({"body": "hi", "attachment_ids": [nowhere]}))
            .answers(UNPROCESSABLE, "invalid_attachment"),
        new_staff(json!(nowhere)).answers(UNPROCESSABLE, "invalid_department"),
        patch(Who::Admin, &staff)
            .json(json!({"department_id": nowhere}))
            .answers(UNPROCESSABLE, "invalid_department"),
    ])
    .await;
}

/// Values outside an enum: 422 in bodies, 400 in queries.
#[tokio::test]
async fn unknown_enum_values_are_422_in_bodies_and_400_in_queries() {
    let f = Fixture::build().await;
    let v = f.v();
    let staff = format!("/v1/staff/{}", f.bea.user.id);
    let in_body = |case: Case| case.answers(UNPROCESSABLE, "invalid_body");
    let in_query = |path: &str| get(Who::Bea, path).answers(BAD_REQUEST, "invalid_query");
    let new_staff = |role: &str| {
        post(Who::Admin, "/v1/staff").json(json!({
            "email": "n@staff.example", "name": "N", "password": "long enough",
            "role": role, "department_id": f.dept.id,
        }))
    };
    f.reject_all(vec![
        in_body(patch(Who::Bea, f.t("")).json(json!({"version": v, "status": "bogus"}))),
        in_body(patch(Who::Bea, f.t("")).json(json!({"version": v, "status": "Closed"}))),
        in_body(patch(Who::Bea, f.t("")).json(json!({"version": v, "priority": "URGENT"}))),
        in_body(patch(Who::Ann, f.t("")).json(json!({"version": v, "status": "bogus"}))),
        in_body(new_staff("overlord")),
        in_body(patch(Who::Admin, &staff).json(json!({"role": "root"}))),
        // Valid roles, but not staff roles.
        new_staff("customer").answers(UNPROCESSABLE, "invalid_role"),
        patch(Who::Admin, &staff)
            .json(json!({"role": "customer"}))
            .answers(UNPROCESSABLE, "invalid_role"),
        in_query("/v1/tickets?status=bogus"),
        in_query("/v1/tickets?status=open,bogus"),
        in_query("/v1/tickets?status=OPEN"),
        in_query("/v1/tickets?status="),
        in_query("/v1/tickets?priority=bogus"),
        in_query("/v1/tickets?sort=newest"),
        in_query("/v1/tickets?assignee=somebody"),
    ])
    .await;
}

/// Out-of-range or unparsable query parameters: 400.
#[tokio::test]
async fn bad_query_parameters_are_400() {
    let f = Fixture::build().await;
    // A real cursor of the default sort, to replay against the other one.
    let page: TicketPage = f.ann.get("/v1/tickets?limit=1").await.json();
    let cursor = page.next_cursor.expect("Ann has two tickets");
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("u:soon:someone");
    let query = |path: String| get(Who::Ann, path).answers(BAD_REQUEST, "invalid_query");
    let cursor_case = |path: String| get(Who::Ann, path).answers(BAD_REQUEST, "invalid_cursor");
    let messages = f.t("/messages");
    f.reject_all(vec![
        query("/v1/tickets?limit=0".into()),
        query("/v1/tickets?limit=201".into()),
        query("/v1/tickets?limit=100000".into()),
        query("/v1/tickets?limit=-1".into()),
        query("/v1/tickets?limit=ten".into()),
        query("/v1/tickets?limit=99999999999999999999".into()),
        query("/v1/tickets?department_id=billing".into()),
        query("/v1/tickets?unknown=1".into()),
        query(format!("/v1/tickets?q={}", long(201))),
        query("/v1/tickets?q=%21%21%21".into()),
        cursor_case("/v1/tickets?cursor=garbage".into()),
        cursor_case("/v1/tickets?cursor=%25%25%25".into()),
        cursor_case(format!("/v1/tickets?cursor={forged}")),
        cursor_case(format!("/v1/tickets?sort=priority&cursor={cursor}")),
        query(format!("{messages}?limit=0")),
        query(format!("{messages}?limit=501")),
        query(format!("{messages}?after=nope")),
        query(format!("{messages}?after={}", Uuid::new_v4())),
        query(format!("{messages}?page=2")),
        cursor_case("/v1/sync?since=-1".into()),
        cursor_case("/v1/sync?since=abc".into()),
        cursor_case("/v1/sync?since=1.5".into()),
        cursor_case("/v1/sync?since=".into()),
        query("/v1/sync?limit=0".into()),
        query("/v1/sync?limit=1001".into()),
        query("/v1/sync?limit=100000".into()),
        query("/v1/sync?full=true".into()),
        get(Who::Admin, "/v1/staff?department_id=billing").answers(BAD_REQUEST, "invalid_query"),
        get(Who::Admin, "/v1/staff?role=agent").answers(BAD_REQUEST, "invalid_query"),
        post(Who::Ann, "/v1/files?name=a.txt&public=1")
            .raw(Some("text/plain"), "hello")
            .answers(BAD_REQUEST, "invalid_query"),
    ])
    .await;
}

/// Uploads that are empty, of a type not accepted, or whose bytes are not of
/// their declared type.
#[tokio::test]
async fn bad_uploads_are_refused() {
    let f = Fixture::build().await;
    let upload = |content_type: Option<&'static str>, bytes: &[u8]| {
        post(Who::Ann, "/v1/files?name=upload").raw(content_type, bytes.to_vec())
    };
    let not_accepted = |content_type: Option<&'static str>, bytes: &[u8]| {
        upload(content_type, bytes).answers(UNSUPPORTED, "unsupported_file_type")
    };
    let mismatch = |content_type: &'static str, bytes: &[u8]| {
        upload(Some(content_type), bytes).answers(UNSUPPORTED, "content_mismatch")
    };
    f.reject_all(vec![
        upload(Some("text/plain"), b"").answers(UNPROCESSABLE, "empty_file"),
        upload(Some("image/png"), b"").answers(UNPROCESSABLE, "empty_file"),
        not_accepted(Some("text/html"), b"<script>alert(1)</script>"),
        not_accepted(Some("image/svg+xml"), b"<svg onload='alert(1)'/>"),
        not_accepted(Some("application/x-msdownload"), b"MZ\x90\0"),
        not_accepted(Some("application/octet-stream"), b"bytes"),
        not_accepted(Some("application/json"), b"{}"),
        not_accepted(None, b"no type at all"),
        mismatch("image/png", b"just some text"),
        mismatch("application/pdf", b"not a pdf"),
        mismatch("image/jpeg", PNG),
        mismatch("text/plain", b"text with a \0 in it"),
        mismatch("text/csv", PNG),
    ])
    .await;
}

/// Uploads over `max_upload_bytes`: 413 `file_too_large`, whether the size
/// is declared up front or only found while streaming.
#[tokio::test]
async fn uploads_over_the_limit_are_413() {
    let f = Fixture::build_on(TestApp::start_with(|c| c.max_upload_bytes = 1024).await).await;
    let too_large = |bytes: Vec<u8>| {
        post(Who::Ann, "/v1/files?name=big.txt")
            .raw(Some("text/plain"), bytes)
            .answers(TOO_LARGE, "file_too_large")
    };
    f.reject_all(vec![
        too_large(vec![b'a'; 1025]),
        too_large(vec![b'a'; 4096]),
    ])
    .await;

    // Streamed without a Content-Length: found out while storing.
    let before = f.snapshot().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![b'a'; 1000]), Ok(vec![b'b'; 1000])];
    let request = f
        .app
        .http
        .post(f.app.url("/v1/files?name=streamed.txt"))
        .bearer_auth(&f.ann.token)
        .header("content-type", "text/plain")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )));
    let resp = read(request).await;
    resp.expect(TOO_LARGE);
    assert_eq!(resp.code(), "file_too_large");
    assert!(
        f.snapshot().await == before,
        "a refused streamed upload left something behind"
    );

    // The limit itself is allowed.
    f.ann
        .upload("exact.txt", "text/plain", vec![b'a'; 1024])
        .await
        .expect(StatusCode::CREATED);
}

/// The other side of the limits above: values at a limit are accepted, and
/// limits count characters, not bytes.
#[tokio::test]
async fn values_at_the_limits_are_accepted() {
    let f = Fixture::build().await;
    let created: Ticket = f
        .cid
        .post(
            "/v1/tickets",
            json!({"department_id": f.dept.id, "subject": "é".repeat(200), "body": "ü".repeat(20_000)}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(created.subject.chars().count(), 200);
    let dept: Department = f
        .admin
        .post("/v1/departments", json!({"name": "ß".repeat(100)}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(dept.name.chars().count(), 100);

    // A JSON body of exactly 256 KiB (padded with whitespace) is read.
    let mut exact = json!({"body": "padded"}).to_string();
    exact.push_str(&" ".repeat(JSON_LIMIT - exact.len()));
    let request = f
        .app
        .http
        .post(f.app.url(&f.t("/messages")))
        .bearer_auth(&f.ann.token)
        .header("content-type", "application/json")
        .body(exact);
    read(request).await.expect(StatusCode::CREATED);

    // Uploads are not held to the JSON limit, and a charset is fine.
    f.ann
        .upload(
            "big.txt",
            "text/plain; charset=utf-8",
            vec![b'a'; 300 * 1024],
        )
        .await
        .expect(StatusCode::CREATED);
    f.ann
        .upload("pixel.png", "image/png", PNG.to_vec())
        .await
        .expect(StatusCode::CREATED);
}

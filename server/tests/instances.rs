//! Several server instances on one database: on PostgreSQL they behave as
//! one (events cross between instances through NOTIFY); on SQLite a second
//! server on the same file is refused.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::ws::WsClient;
use common::{ADMIN_EMAIL, PASSWORD, TestApp, metric, on_postgres, test_database_url};
use protocol::{
    AuthResponse, CallSession, CallState, ClientEvent, Department, Priority, Role, ServerEvent,
    Signal, StaffStatus, TicketStatus,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Connection;

/// A server process of the real binary, stopped when dropped.
struct Instance {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Instance {
    async fn spawn(database_url: &str) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("CS_ADDR", format!("127.0.0.1:{port}"))
            .env("CS_DATABASE_URL", database_url)
            .env("CS_DATA_DIR", dir.path())
            .env("CS_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("CS_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("server binary starts");
        // Dropping the instance kills the child on every path from here.
        let instance = Instance {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{}/healthz", instance.base)).send().await
                && r.status() == StatusCode::OK
            {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("instance on port {port} did not become healthy");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A session on a given instance (the harness's sessions talk to one base).
fn on(base: &str, auth: AuthResponse) -> common::Session {
    common::Session {
        http: reqwest::Client::new(),
        base: base.to_string(),
        token: auth.token,
        user: auth.user,
    }
}

async fn login(base: &str, email: &str) -> common::Session {
    let resp = common::send(
        &reqwest::Client::new(),
        format!("{base}/v1/auth/login"),
        Method::POST,
        None,
        Some(json!({"email": email, "password": PASSWORD})),
    )
    .await;
    resp.expect(StatusCode::OK);
    on(base, resp.json())
}

/// Through the server at `base`: a department "Support" with an agent of
/// each name (`<name>@staff.example`), and a customer Ann, signed in there.
async fn organisation(base: &str, agents: &[&str]) -> (Department, common::Session) {
    let admin = login(base, ADMIN_EMAIL).await;
    let dept: Department = admin
        .post("/v1/departments", json!({"name": "Support"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    for name in agents {
        admin
            .post(
                "/v1/staff",
                json!({"email": format!("{}@staff.example", name.to_lowercase()), "name": name,
                       "password": PASSWORD, "role": Role::Agent.as_str(), "department_id": dept.id}),
            )
            .await
            .expect(StatusCode::CREATED);
    }
    let register = common::send(
        &reqwest::Client::new(),
        format!("{base}/v1/auth/register"),
        Method::POST,
        None,
        Some(json!({"email": "ann@x.example", "password": PASSWORD, "name": "Ann"})),
    )
    .await;
    (dept, on(base, register.json()))
}

/// Two instances on one fresh PostgreSQL database, the organisation set up
/// through the first (Ann signed in there) and Ada signed in on the second;
/// `None` on SQLite, which takes one server.
async fn two_instances() -> Option<(
    Instance,
    Instance,
    Department,
    common::Session,
    common::Session,
)> {
    let Some(url) = test_database_url().await.filter(|_| on_postgres()) else {
        eprintln!("SKIPPED: needs PostgreSQL (TEST_DATABASE_URL); SQLite takes one server");
        return None;
    };
    let one = Instance::spawn(&url).await;
    let two = Instance::spawn(&url).await;
    let (dept, ann) = organisation(&one.base, &["Ada"]).await;
    let ada = login(&two.base, "ada@staff.example").await;
    Some((one, two, dept, ann, ada))
}

#[tokio::test]
async fn a_second_server_on_one_database_is_refused_on_sqlite_and_welcome_on_postgres() {
    let app = TestApp::start().await;
    let second = server::start(server::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: app.server.state.config.data_dir.clone(),
        database_url: app.server.state.config.database_url.clone(),
        ..server::Config::default()
    })
    .await;
    if on_postgres() {
        let second = second.expect("PostgreSQL takes several instances");
        second.stop().await.unwrap();
    } else {
        let err = second.err().expect("SQLite refuses a second server");
        assert!(format!("{err:#}").contains("another server"), "{err:#}");
    }
}

#[tokio::test]
async fn two_processes_on_postgres_deliver_chat_and_presence_both_ways() {
    let Some(url) = test_database_url().await.filter(|_| on_postgres()) else {
        eprintln!("SKIPPED: needs PostgreSQL (TEST_DATABASE_URL); SQLite takes one server");
        return;
    };
    let one = Instance::spawn(&url).await;
    let two = Instance::spawn(&url).await;

    // Organisation set up through instance one.
    let (dept, ann) = organisation(&one.base, &["Ada", "Ben"]).await;
    // Staff work through instance two.
    let ada = login(&two.base, "ada@staff.example").await;
    let ben = login(&two.base, "ben@staff.example").await;

    let mut ann_ws = WsClient::connect(&one.base, &ann.token).await;
    let mut ada_ws = WsClient::connect(&two.base, &ada.token).await;
    let mut ben_ws = WsClient::connect(&two.base, &ben.token).await;

    // Customer on one → staff on two.
    let t = ann.open_ticket(&dept, "Across instances").await;
    let seen = ada_ws
        .wait_for(|e| match e {
            ServerEvent::Ticket { ticket } => Some(ticket.id),
            _ => None,
        })
        .await;
    assert_eq!(seen, t.id);

    // Staff on two → customer on one: a message and typing.
    ada.post(
        &format!("/v1/tickets/{}/messages", t.id),
        json!({"body": "Hi Ann"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let body = ann_ws
        .wait_for(|e| match e {
            ServerEvent::Message { message } if message.author_id == ada.user.id => {
                Some(message.body.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(body, "Hi Ann");
    ada_ws
        .send(&ClientEvent::Typing {
            ticket_id: t.id,
            typing: true,
            internal: false,
        })
        .await;
    let typist = ann_ws
        .wait_for(|e| match e {
            ServerEvent::Typing { user_id, .. } => Some(*user_id),
            _ => None,
        })
        .await;
    assert_eq!(typist, ada.user.id);

    // Customer on one → staff on two: a reply.
    ann.post(
        &format!("/v1/tickets/{}/messages", t.id),
        json!({"body": "Thanks"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let reply = ada_ws
        .wait_for(|e| match e {
            ServerEvent::Message { message }
                if message.author_id == ann.user.id && message.body == "Thanks" =>
            {
                Some(message.id)
            }
            _ => None,
        })
        .await;
    assert!(!reply.is_nil());

    // Presence: Ben switches Active through instance one, Ada hears it on two.
    let ben_on_one = on(
        &one.base,
        AuthResponse {
            token: ben.token.clone(),
            user: ben.user.clone(),
        },
    );
    ben_on_one
        .request(
            Method::PUT,
            "/v1/me/status",
            Some(json!({"status": "active"})),
        )
        .await
        .expect(StatusCode::OK);
    let (who, status) = ada_ws
        .wait_for(|e| match e {
            ServerEvent::Presence { user_id, status } => Some((*user_id, *status)),
            _ => None,
        })
        .await;
    assert_eq!((who, status), (ben.user.id, StaffStatus::Active));
    // Ben's own socket on two is still live.
    let _ = ben_ws.drain(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn another_instances_chat_arrives_with_its_notification_not_through_a_feed_read() {
    let Some((_one, two, dept, ann, ada)) = two_instances().await else {
        return;
    };
    let mut ada_ws = WsClient::connect(&two.base, &ada.token).await;
    let t = ann.open_ticket(&dept, "Handed across").await;
    ada_ws
        .wait_for(|e| {
            matches!(e, ServerEvent::Ticket { ticket } if ticket.id == t.id).then_some(())
        })
        .await;

    let reads_before = metric(&two.base, "cs_feed_read_seconds_count").await;
    let handed_before = metric(&two.base, "cs_feed_handed_total").await;
    for n in 0..5 {
        let body = format!("message {n}");
        ann.post(
            &format!("/v1/tickets/{}/messages", t.id),
            json!({ "body": body }),
        )
        .await
        .expect(StatusCode::CREATED);
        let got = ada_ws
            .wait_for(|e| match e {
                ServerEvent::Message { message } if message.body.starts_with("message ") => {
                    Some(message.body.clone())
                }
                _ => None,
            })
            .await;
        assert_eq!(got, body, "delivered in order, once");
    }
    assert!(
        metric(&two.base, "cs_feed_handed_total").await >= handed_before + 5.0,
        "each of instance one's commits was handed to instance two's follower"
    );
    assert_eq!(
        metric(&two.base, "cs_feed_read_seconds_count").await,
        reads_before,
        "instance two read none of them back from the feed"
    );
}

/// A message's batch reads its ticket before it takes the feed lock; a
/// ticket changed by another writer meanwhile must not be written over with
/// what was read (here: reopening at a version that no longer holds).
#[tokio::test]
async fn a_message_racing_another_writer_on_its_ticket_is_written_after_it_not_over_it() {
    if !on_postgres() {
        eprintln!("SKIPPED: needs PostgreSQL (TEST_DATABASE_URL); SQLite has one writer");
        return;
    }
    let app = TestApp::start().await;
    let database_url = app.server.state.config.database_url.clone().unwrap();
    let admin = app.admin().await;
    let dept = admin.department("Support").await;
    let sam = app
        .staff(&admin, "Sam", Role::Supervisor, Some(&dept))
        .await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "Racing").await;
    let resolved = sam.set_ticket(t.id, json!({"status": "resolved"})).await;

    // Another writer (as another instance would) holds the feed lock...
    let mut other = sqlx::PgConnection::connect(&database_url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    let (feed,): (i64,) =
        sqlx::query_as("UPDATE counters SET value = value WHERE name = 'feed' RETURNING value")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    // ...while Ann writes: her batch reads the resolved ticket, then waits.
    let path = format!("/v1/tickets/{}/messages", t.id);
    let posting = tokio::spawn(async move {
        let resp = ann.post(&path, json!({"body": "It broke again"})).await;
        (resp.status, resp.body)
    });
    waiting_for_locks(&database_url, 1).await;
    // The other writer raises the priority, a new version at a new position.
    sqlx::query("UPDATE tickets SET priority = $1, version = version + 1, seq = $2 WHERE id = $3")
        .bind(Priority::Urgent.rank())
        .bind(feed + 1)
        .bind(t.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'feed'")
        .bind(feed + 1)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (status, body) = posting.await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let now = sam.ticket(t.id).await;
    assert_eq!(now.status, TicketStatus::Open, "the message reopened it");
    assert_eq!(
        now.priority,
        Priority::Urgent,
        "the other writer's change kept"
    );
    assert_eq!(
        now.version,
        resolved.version + 2,
        "both changes, one after the other"
    );
}

/// Waits until `n` sessions of the database at `url` wait for a lock.
async fn waiting_for_locks(url: &str, n: i64) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    for _ in 0..500 {
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{n} sessions never waited for a lock");
}

/// A message that only inserts and touches its ticket has the reads it
/// made before the feed lock checked in its commit's own statement: a
/// ticket another instance changed meanwhile must not go out (to this
/// instance's sockets from the rows handed to its follower, to the other's
/// in the NOTIFY) as it was read.
#[tokio::test]
async fn a_message_racing_another_instance_on_its_ticket_delivers_the_ticket_as_changed() {
    let Some(url) = test_database_url().await.filter(|_| on_postgres()) else {
        eprintln!("SKIPPED: needs PostgreSQL (TEST_DATABASE_URL); SQLite has one writer");
        return;
    };
    let one = Instance::spawn(&url).await;
    let two = Instance::spawn(&url).await;
    let (dept, ann) = organisation(&one.base, &["Ada"]).await;
    let ada = login(&two.base, "ada@staff.example").await;
    let t = ann.open_ticket(&dept, "Racing").await;
    let version = ada.ticket(t.id).await.version;
    let ada_on_one = login(&one.base, "ada@staff.example").await;
    let mut sockets = [
        WsClient::connect(&one.base, &ada_on_one.token).await,
        WsClient::connect(&two.base, &ada.token).await,
    ];

    // A third party holds the feed lock while Ada, on instance two, raises
    // the priority (her batch waits for the lock), then Ann, on instance
    // one, writes (her batch reads the ticket as it was, then waits). The
    // holder only locks the counter's row: had it updated it, the waiters
    // would race for its new version rather than take turns.
    let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut held = holder.begin().await.unwrap();
    sqlx::query("SELECT value FROM counters WHERE name = 'feed' FOR UPDATE")
        .execute(&mut *held)
        .await
        .unwrap();
    let raise = tokio::spawn({
        let path = format!("/v1/tickets/{}", t.id);
        async move {
            let changes = json!({"priority": "urgent", "version": version});
            ada.patch(&path, changes).await.status
        }
    });
    waiting_for_locks(&url, 1).await;
    let write = tokio::spawn({
        let path = format!("/v1/tickets/{}/messages", t.id);
        async move { ann.post(&path, json!({"body": "Any news?"})).await.status }
    });
    waiting_for_locks(&url, 2).await;
    held.commit().await.unwrap();
    assert_eq!(raise.await.unwrap(), StatusCode::OK);
    assert_eq!(write.await.unwrap(), StatusCode::CREATED);

    let stored = ada_on_one.ticket(t.id).await;
    assert_eq!(stored.priority, Priority::Urgent);
    for (i, ws) in sockets.iter_mut().enumerate() {
        // The message's touch of its ticket comes after the message.
        ws.wait_for(|e| matches!(e, ServerEvent::Message { .. }).then_some(()))
            .await;
        let delivered = ws
            .wait_for(|e| match e {
                ServerEvent::Ticket { ticket } if ticket.id == t.id => Some(ticket.clone()),
                _ => None,
            })
            .await;
        assert_eq!(
            delivered,
            stored,
            "instance {}: the ticket as stored, not as read before the raise",
            i + 1
        );
    }
}

#[tokio::test]
async fn a_call_between_two_postgres_instances_rings_and_carries_large_signalling() {
    let Some((one, two, dept, ann, ada)) = two_instances().await else {
        return;
    };
    let ticket = ann.open_ticket(&dept, "Call me").await;
    let mut ann_ws = WsClient::connect(&one.base, &ann.token).await;
    let mut ada_ws = WsClient::connect(&two.base, &ada.token).await;

    let placed: CallSession = ada
        .post("/v1/calls", json!({"ticket_id": ticket.id}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let rung = ann_ws
        .wait_for(|e| match e {
            ServerEvent::CallRinging { session, .. } => Some(session.call.id),
            _ => None,
        })
        .await;
    assert_eq!(rung, placed.call.id);
    ann.post(&format!("/v1/calls/{rung}/accept"), json!({}))
        .await
        .expect(StatusCode::OK);
    ada_ws
        .wait_for(|e| match e {
            ServerEvent::CallUpdated { call } if call.state == CallState::Accepted => Some(()),
            _ => None,
        })
        .await;
    // Larger than a NOTIFY payload may be: it crosses through the store.
    let sdp = "a=candidate:x\r\n".repeat(800);
    let offer = Signal::Offer { sdp };
    ada_ws
        .send(&ClientEvent::CallSignal {
            call_id: rung,
            signal: offer.clone(),
        })
        .await;
    let received = ann_ws
        .wait_for(|e| match e {
            ServerEvent::CallSignal { signal, .. } => Some(signal.clone()),
            _ => None,
        })
        .await;
    assert_eq!(received, offer);
}

#[tokio::test]
async fn failed_sign_ins_count_on_every_instance() {
    let Some(url) = test_database_url().await.filter(|_| on_postgres()) else {
        eprintln!("SKIPPED: needs PostgreSQL (TEST_DATABASE_URL); SQLite takes one server");
        return;
    };
    let one = Instance::spawn(&url).await;
    let two = Instance::spawn(&url).await;
    organisation(&one.base, &[]).await;
    let http = reqwest::Client::new();
    let attempt = |base: &str, password: &str| {
        common::send(
            &http,
            format!("{base}/v1/auth/login"),
            Method::POST,
            None,
            Some(json!({"email": "ann@x.example", "password": password})),
        )
    };
    // Guesses spread over both instances use up one count...
    for n in 0..server::sign_in_throttle::FREE_PER_ACCOUNT {
        let base = if n % 2 == 0 { &one.base } else { &two.base };
        attempt(base, "guess")
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    // ...so both refuse the next, even with the right password.
    for base in [&one.base, &two.base] {
        let refused = attempt(base, PASSWORD).await;
        refused.expect(StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.code(), "too_many_attempts");
    }
}

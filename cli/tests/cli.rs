//! The built `cs` binary against the real server, in-process on loopback:
//! a customer's and a staff member's day online, bad input, changes queued
//! while the server is away and sent by the next run, `watch`, and a call
//! between two `cs` processes checked by what each side heard.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const PASSWORD: &str = server::testing::ADMIN_PASSWORD;
const ADMIN: &str = server::testing::ADMIN_EMAIL;

/// The real server, stoppable and restartable on its port, with the HTTP
/// helpers these tests use.
struct Backend {
    server: server::testing::RestartableServer,
}

impl Backend {
    async fn start() -> Backend {
        Backend {
            server: server::testing::RestartableServer::start().await,
        }
    }

    /// A server whose daily report takes in changes every 50 ms.
    async fn start_reporting() -> Backend {
        Backend {
            server: server::testing::RestartableServer::start_with(|c| c.report_update_ms = 50)
                .await,
        }
    }

    async fn up(&mut self) {
        self.server.up().await;
    }

    async fn down(&mut self) {
        self.server.down().await;
    }

    fn url(&self) -> String {
        self.server.url()
    }

    /// A plain HTTP call to the server as `token`.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url()))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    async fn token_of(&self, email: &str) -> String {
        let response: Value = reqwest::Client::new()
            .post(format!("{}/v1/auth/login", self.url()))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["token"].as_str().unwrap().to_string()
    }

    /// A department, made by the admin.
    async fn department(&self, name: &str) -> String {
        let admin = self.token_of(ADMIN).await;
        let dept = self
            .call(
                reqwest::Method::POST,
                "/v1/departments",
                &admin,
                Some(json!({"name": name})),
            )
            .await;
        dept["id"].as_str().unwrap().to_string()
    }

    /// An agent of `department`, made by the admin.
    async fn agent(&self, email: &str, department: &str) -> String {
        let admin = self.token_of(ADMIN).await;
        let user = self
            .call(
                reqwest::Method::POST,
                "/v1/staff",
                &admin,
                Some(json!({"email": email, "name": "Bea", "password": PASSWORD,
                            "role": "agent", "department_id": department})),
            )
            .await;
        user["id"].as_str().unwrap().to_string()
    }

    /// A supervisor of `department`, made by the admin.
    async fn supervisor(&self, email: &str, name: &str, department: &str) {
        let admin = self.token_of(ADMIN).await;
        self.call(
            reqwest::Method::POST,
            "/v1/staff",
            &admin,
            Some(json!({"email": email, "name": name, "password": PASSWORD,
                        "role": "supervisor", "department_id": department})),
        )
        .await;
    }

    /// Ann, a customer registered over HTTP, with a ticket "Refund" in
    /// `department`: her token and the server's ticket.
    async fn ann_with_ticket(&self, department: &str) -> (String, Value) {
        let customer: Value = reqwest::Client::new()
            .post(format!("{}/v1/auth/register", self.url()))
            .json(&json!({"email": "ann@x.example", "password": PASSWORD, "name": "Ann"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ann = customer["token"].as_str().unwrap().to_string();
        let ticket = self
            .call(
                reqwest::Method::POST,
                "/v1/tickets",
                &ann,
                Some(json!({"department_id": department, "subject": "Refund", "body": "Twice!"})),
            )
            .await;
        (ann, ticket)
    }

    /// The ticket numbered `number`, as `token` sees it on the server.
    async fn ticket(&self, token: &str, number: i64) -> Value {
        let list = self
            .call(reqwest::Method::GET, "/v1/tickets", token, None)
            .await;
        list["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["number"] == number)
            .cloned()
            .unwrap_or_else(|| panic!("no ticket #{number} on the server: {list}"))
    }

    async fn message_bodies(&self, token: &str, ticket_id: &str) -> Vec<String> {
        let page = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/tickets/{ticket_id}/messages"),
                token,
                None,
            )
            .await;
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_string())
            .collect()
    }
}

/// What one run of `cs` did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{self:#?}");
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        self
    }

    /// A failure: exit `code` and exactly one line on stderr.
    #[track_caller]
    fn fails(self, code: i32) -> Run {
        assert_eq!(self.code, code, "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
        assert!(self.stderr.starts_with("cs: "), "{self:#?}");
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        self
    }
}

/// `cs` with its own data directory (token, cache, outbox).
struct Cs {
    dir: PathBuf,
}

impl Cs {
    fn new(dir: &Path) -> Cs {
        Cs {
            dir: dir.to_path_buf(),
        }
    }

    fn command(&self, server: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cs"));
        command
            .arg("--server")
            .arg(server)
            .arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .env_remove("CS_SERVER")
            .env_remove("CS_CLI_DATA")
            .env_remove("CS_PASSWORD")
            // Call media on loopback: the test machine may have nothing else.
            .env("CS_CALL_BIND", "127.0.0.1:0")
            .kill_on_drop(true);
        command
    }

    async fn run(&self, server: &str, args: &[&str]) -> Run {
        self.run_with_input(server, args, "").await
    }

    async fn run_with_input(&self, server: &str, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command(server, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cs starts");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
        drop(stdin);
        let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("cs {args:?} did not finish"))
            .unwrap();
        Run {
            code: output.status.code().expect("cs exits, it is not killed"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

/// The number in "opened #1001: …".
fn number_in(text: &str) -> i64 {
    let start = text.find('#').expect("a ticket number") + 1;
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// A `cs` with its own data directory, signed in as `email`.
async fn signed_in(url: &str, email: &str) -> (tempfile::TempDir, Cs) {
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());
    cs.run(url, &["login", email, "--password", PASSWORD])
        .await
        .ok();
    (dir, cs)
}

/// The table row of ticket `number`.
fn row(list: &str, number: i64) -> Option<String> {
    let tag = format!("#{number} ");
    list.lines()
        .find(|l| l.starts_with(&tag))
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_opens_lists_writes_shows_and_closes_a_ticket() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());

    let out = cs
        .run(
            &url,
            &["register", "ann@x.example", "Ann", "--password", PASSWORD],
        )
        .await
        .ok();
    assert!(out.stdout.contains("signed in as Ann"), "{out:?}");
    let out = cs.run(&url, &["whoami"]).await.ok();
    assert!(out.stdout.contains("ann@x.example"), "{out:?}");
    assert!(out.stdout.contains("customer"), "{out:?}");
    let out = cs.run(&url, &["departments"]).await.ok();
    assert!(out.stdout.contains("Support") && out.stdout.contains(&dept));

    // Opened by the department's name, in any case.
    let out = cs
        .run(
            &url,
            &["open", "support", "Printer jams", "It jams on page 2."],
        )
        .await
        .ok();
    assert!(out.stdout.starts_with("opened #"), "{out:?}");
    let number = number_in(&out.stdout);
    let token = backend.token_of("ann@x.example").await;
    let on_server = backend.ticket(&token, number).await;
    assert_eq!(on_server["subject"], "Printer jams");
    let ticket_id = on_server["id"].as_str().unwrap().to_string();

    let list = cs.run(&url, &["tickets"]).await.ok().stdout;
    let line = row(&list, number).unwrap_or_else(|| panic!("{list}"));
    assert!(line.contains("open") && line.contains("normal") && line.contains("Printer jams"));
    assert!(!line.contains("pending"), "{line}");
    let filtered = cs
        .run(&url, &["tickets", "--status", "closed,resolved"])
        .await
        .ok();
    assert_eq!(filtered.stdout.trim(), "no tickets");
    let found = cs.run(&url, &["tickets", "--query", "printer"]).await.ok();
    assert!(row(&found.stdout, number).is_some(), "{found:?}");

    // A message with an attachment: uploaded, then sent.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "paper: A4, 80 g\n").unwrap();
    let out = cs
        .run(
            &url,
            &[
                "send",
                &number.to_string(),
                "Here is what I use.",
                "--attach",
                notes.to_str().unwrap(),
            ],
        )
        .await
        .ok();
    assert_eq!(out.stdout.trim(), format!("sent to #{number}"));
    assert!(out.stderr.contains("uploaded notes.txt"), "{out:?}");
    assert_eq!(
        backend.message_bodies(&token, &ticket_id).await,
        ["It jams on page 2.", "Here is what I use."]
    );

    // Staff answer; `show` has it all, by number or by id.
    backend.agent("bea@staff.example", &dept).await;
    let bea = backend.token_of("bea@staff.example").await;
    backend
        .call(
            reqwest::Method::POST,
            &format!("/v1/tickets/{ticket_id}/messages"),
            &bea,
            Some(json!({"body": "We are on it."})),
        )
        .await;
    let shown = cs
        .run(&url, &["show", &format!("#{number}")])
        .await
        .ok()
        .stdout;
    for expected in [
        "Printer jams",
        "It jams on page 2.",
        "Here is what I use.",
        "attachment: notes.txt",
        "We are on it.",
        "opened the ticket",
        "department: Support",
    ] {
        assert!(shown.contains(expected), "{expected:?} in\n{shown}");
    }
    assert!(shown.contains("Bea (staff)"), "authors by name: {shown}");
    let by_id = cs.run(&url, &["show", &ticket_id]).await.ok().stdout;
    assert_eq!(by_id, shown);

    // Resolved by staff, rated by the customer (once), shown with the ticket.
    let version = backend.ticket(&token, number).await["version"].clone();
    backend
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/tickets/{ticket_id}"),
            &bea,
            Some(json!({"status": "resolved", "version": version})),
        )
        .await;
    let out = cs.run(&url, &["rate", &number.to_string(), "6"]).await;
    assert_eq!(out.code, 2, "a score of 6 is a usage error: {out:?}");
    assert!(out.stderr.contains("1..=5"), "{out:?}");
    let out = cs
        .run(&url, &["rate", &number.to_string(), "5", "Fixed in a day"])
        .await
        .ok();
    assert_eq!(out.stdout.trim(), format!("rated #{number} 5/5"));
    assert_eq!(backend.ticket(&token, number).await["rating"]["score"], 5);
    let shown = cs
        .run(&url, &["show", &number.to_string()])
        .await
        .ok()
        .stdout;
    assert!(
        shown.contains("rating:     5/5 “Fixed in a day”"),
        "{shown}"
    );
    assert!(shown.contains("rated the support 5/5"), "{shown}");

    let out = cs.run(&url, &["close", &number.to_string()]).await.ok();
    assert_eq!(out.stdout.trim(), format!("closed #{number}"));
    assert_eq!(backend.ticket(&token, number).await["status"], "closed");
    let closed = cs.run(&url, &["tickets", "--status", "closed"]).await.ok();
    assert!(row(&closed.stdout, number).is_some(), "{closed:?}");
    let out = cs.run(&url, &["outbox"]).await.ok();
    assert_eq!(out.stdout.trim(), "0 pending");

    // Signed out, nothing is shown; signing in again reads the password
    // from stdin.
    let out = cs.run(&url, &["logout"]).await.ok();
    assert!(out.stdout.contains("signed out ann@x.example"), "{out:?}");
    cs.run(&url, &["tickets"]).await.fails(1);
    cs.run_with_input(&url, &["login", "ann@x.example"], &format!("{PASSWORD}\n"))
        .await
        .ok();
    let list = cs.run(&url, &["tickets"]).await.ok().stdout;
    assert!(row(&list, number).is_some(), "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_filter_and_change_tickets() {
    let backend = Backend::start().await;
    let support = backend.department("Support").await;
    backend.department("Billing").await;
    let staff = backend.agent("bea@staff.example", &support).await;
    let (ann, ticket) = backend.ann_with_ticket(&support).await;
    let number = ticket["number"].as_i64().unwrap();

    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());
    cs.run(
        &url,
        &["login", "bea@staff.example", "--password", PASSWORD],
    )
    .await
    .ok();
    let list = cs
        .run(&url, &["tickets", "--department", "Support"])
        .await
        .ok();
    assert!(row(&list.stdout, number).is_some(), "{list:?}");
    let other = cs
        .run(&url, &["tickets", "--department", "billing"])
        .await
        .ok();
    assert_eq!(other.stdout.trim(), "no tickets");

    let out = cs
        .run(
            &url,
            &[
                "set",
                &number.to_string(),
                "--priority",
                "high",
                "--assign",
                "me",
                "--status",
                "in_progress",
            ],
        )
        .await
        .ok();
    assert_eq!(out.stdout.trim(), format!("updated #{number}"));
    let on_server = backend.ticket(&ann, number).await;
    assert_eq!(on_server["priority"], "high");
    assert_eq!(on_server["status"], "in_progress");
    assert_eq!(on_server["assignee_id"], staff.as_str());

    let mine = cs
        .run(
            &url,
            &["tickets", "--assignee", "me", "--priority", "high,urgent"],
        )
        .await
        .ok();
    let line = row(&mine.stdout, number).unwrap_or_else(|| panic!("{mine:?}"));
    assert!(
        line.contains("in_progress") && line.contains("high"),
        "{line}"
    );
    let unassigned = cs
        .run(&url, &["tickets", "--assignee", "unassigned"])
        .await
        .ok();
    assert_eq!(unassigned.stdout.trim(), "no tickets");

    let note = cs
        .run(&url, &["send", &number.to_string(), "VIP", "--internal"])
        .await
        .ok();
    assert_eq!(note.stdout.trim(), format!("sent to #{number}"));
    let shown = cs.run(&url, &["show", &number.to_string()]).await.ok();
    assert!(shown.stdout.contains("(internal note)"), "{shown:?}");
    assert!(shown.stdout.contains("priority:   high"), "{shown:?}");

    let out = cs.run(&url, &["status", "off"]).await.ok();
    assert!(out.stdout.contains("is now off"), "{out:?}");
    let out = cs.run(&url, &["status", "active"]).await.ok();
    assert!(out.stdout.contains("is now active"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_one_line_on_stderr_and_queues_nothing() {
    let backend = Backend::start().await;
    backend.department("Support").await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());

    // Not signed in yet.
    let out = cs.run(&url, &["tickets"]).await.fails(1);
    assert!(out.stderr.contains("not signed in"), "{out:?}");
    let out = cs.run(&url, &["login", "ann@x.example"]).await.fails(2);
    assert!(out.stderr.contains("no password"), "{out:?}");
    let out = cs
        .run(&url, &["login", "ann@x.example", "--password", "wrong"])
        .await
        .fails(1);
    assert!(out.stderr.contains("sign-in refused"), "{out:?}");

    cs.run(
        &url,
        &["register", "ann@x.example", "Ann", "--password", PASSWORD],
    )
    .await
    .ok();
    let number = number_in(
        &cs.run(&url, &["open", "Support", "Printer", "It jams"])
            .await
            .ok()
            .stdout,
    );

    let n = number.to_string();
    let n = n.as_str();
    let usage: &[(&[&str], &str)] = &[
        (&["tickets", "--status", "opened"], "opened"),
        (&["tickets", "--sort", "oldest"], "oldest"),
        (&["tickets", "--limit", "0"], "0"),
        (&["show", "999999"], "no ticket #999999"),
        (
            &["show", "printer"],
            "neither a ticket number nor a ticket id",
        ),
        (
            &["send", n, "hi", "--attach", "/no/such/file.png"],
            "no such file",
        ),
        (&["send", n], "nothing to send"),
        (
            &["open", "Nowhere", "S", "B"],
            "unknown department \"Nowhere\"",
        ),
        (&["open", "Support", "   ", "B"], "subject"),
        (&["set", n, "--priority", "high"], "only staff"),
        (&["set", n], "nothing to change"),
        (&["status", "busy"], "busy"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, needle) in usage {
        let out = cs.run(&url, args).await.fails(2);
        assert!(out.stderr.contains(needle), "{args:?}: {out:?}");
    }
    let out = cs.run("ftp://nowhere", &["tickets"]).await.fails(2);
    assert!(out.stderr.contains("http://"), "{out:?}");
    let out = cs.run(&url, &["status", "off"]).await.fails(1);
    assert!(out.stderr.contains("not allowed"), "{out:?}");

    let out = cs.run(&url, &["outbox"]).await.ok();
    assert_eq!(out.stdout.trim(), "0 pending");
    let list = cs.run(&url, &["tickets"]).await.ok();
    assert_eq!(list.stdout.lines().count(), 2, "{list:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_made_offline_are_queued_and_sent_by_the_next_run() {
    let mut backend = Backend::start().await;
    backend.department("Support").await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());
    cs.run(
        &url,
        &["register", "ann@x.example", "Ann", "--password", PASSWORD],
    )
    .await
    .ok();
    let first = number_in(
        &cs.run(&url, &["open", "Support", "First", "Online"])
            .await
            .ok()
            .stdout,
    );

    // The server goes away: reads come from the cache, writes are queued.
    backend.down().await;
    let out = cs
        .run(
            &url,
            &["open", "Support", "Offline ticket", "Written in a tunnel"],
        )
        .await
        .ok();
    assert!(out.stdout.starts_with("queued (offline)"), "{out:?}");
    let out = cs
        .run(&url, &["send", &first.to_string(), "Still there?"])
        .await
        .ok();
    assert!(out.stdout.starts_with("queued (offline)"), "{out:?}");
    let list = cs.run(&url, &["tickets"]).await.ok();
    let pending = list
        .stdout
        .lines()
        .find(|l| l.contains("Offline ticket"))
        .unwrap_or_else(|| panic!("{list:?}"));
    assert!(
        pending.starts_with("- ") && pending.ends_with("pending"),
        "{pending}"
    );
    assert!(list.stderr.contains("offline"), "{list:?}");
    let shown = cs.run(&url, &["show", &first.to_string()]).await.ok();
    assert!(shown.stdout.contains("Still there?"), "{shown:?}");
    assert!(shown.stdout.contains("[pending]"), "{shown:?}");
    let out = cs.run(&url, &["outbox"]).await.ok();
    assert!(out.stdout.starts_with("2 pending (offline"), "{out:?}");

    // Back: the next run sends them, once, in order.
    backend.up().await;
    let out = cs.run(&url, &["outbox"]).await.ok();
    assert_eq!(out.stdout.trim(), "0 pending");
    let token = backend.token_of("ann@x.example").await;
    let on_server = backend
        .call(reqwest::Method::GET, "/v1/tickets", &token, None)
        .await;
    let tickets = on_server["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2, "{on_server}");
    assert!(tickets.iter().any(|t| t["subject"] == "Offline ticket"));
    let first_id = backend.ticket(&token, first).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        backend.message_bodies(&token, &first_id).await,
        ["Online", "Still there?"]
    );
    let list = cs.run(&url, &["tickets"]).await.ok();
    let sent = list
        .stdout
        .lines()
        .find(|l| l.contains("Offline ticket"))
        .unwrap_or_else(|| panic!("{list:?}"));
    assert!(sent.starts_with('#') && !sent.contains("pending"), "{sent}");

    // The same with a server URL where nothing listens, then the real one:
    // the change waits in this data directory's outbox.
    let nowhere = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}")
    };
    let out = cs.run(&nowhere, &["close", &first.to_string()]).await.ok();
    assert!(out.stdout.starts_with("queued (offline)"), "{out:?}");
    let out = cs.run(&url, &["tickets", "--status", "closed"]).await.ok();
    assert!(row(&out.stdout, first).is_some(), "{out:?}");
    assert!(
        out.stderr.contains("sent 1 change(s) queued earlier"),
        "{out:?}"
    );
    assert_eq!(backend.ticket(&token, first).await["status"], "closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_prints_the_list_again_at_every_change() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());
    cs.run(
        &url,
        &["register", "ann@x.example", "Ann", "--password", PASSWORD],
    )
    .await
    .ok();
    cs.run(&url, &["open", "Support", "First", "One"])
        .await
        .ok();

    let mut child = cs
        .command(&url, &["watch", "--status", "open"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    let mut wait_for = async |needle: &str| {
        tokio::time::timeout(Duration::from_secs(20), async {
            while !seen.contains(needle) {
                let line = lines.next_line().await.unwrap().expect("watch runs on");
                seen.push_str(&line);
                seen.push('\n');
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{needle:?} never came in:\n{seen}"));
    };
    wait_for("First").await;

    // Opened elsewhere (over HTTP): the list comes again with it.
    let token = backend.token_of("ann@x.example").await;
    backend
        .call(
            reqwest::Method::POST,
            "/v1/tickets",
            &token,
            Some(json!({"department_id": dept, "subject": "Second", "body": "Two"})),
        )
        .await;
    wait_for("Second").await;

    // Ctrl-C ends it cleanly.
    let pid = child.id().unwrap().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("watch stops at Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn outbox_lists_changes_by_id_and_discards_one_refusal() {
    let mut backend = Backend::start().await;
    backend.department("Support").await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());
    cs.run(
        &url,
        &["register", "ann@x.example", "Ann", "--password", PASSWORD],
    )
    .await
    .ok();
    let number = number_in(
        &cs.run(&url, &["open", "Support", "Printer", "It jams"])
            .await
            .ok()
            .stdout,
    );

    // Offline: a customer's internal note waits, to be refused later.
    backend.down().await;
    let out = cs
        .run(&url, &["send", &number.to_string(), "Secret", "--internal"])
        .await
        .ok();
    assert!(out.stdout.starts_with("queued (offline)"), "{out:?}");
    let out = cs.run(&url, &["outbox"]).await.ok();
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("\"Secret\""))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(row.ends_with("pending"), "{row}");
    let id = row.split_whitespace().next().unwrap().to_string();

    backend.up().await;
    let out = cs.run(&url, &["outbox"]).await.ok();
    assert!(out.stdout.contains("1 refused"), "{out:?}");
    assert!(out.stdout.contains("REFUSED:"), "{out:?}");
    let out = cs
        .run(&url, &["outbox", "--discard", "999999"])
        .await
        .fails(2);
    assert!(out.stderr.contains("999999"), "{out:?}");
    let out = cs.run(&url, &["outbox", "--discard", &id]).await.ok();
    assert!(
        out.stdout.starts_with(&format!("discarded change {id}")),
        "{out:?}"
    );
    assert!(!out.stdout.contains("Secret"), "{out:?}");
    let shown = cs.run(&url, &["show", &number.to_string()]).await.ok();
    assert!(!shown.stdout.contains("Secret"), "{shown:?}");
}

/// The frequency on the summary's `heard:` line ("heard:     440 Hz at …").
fn heard_hz(stdout: &str) -> Option<f64> {
    let line = stdout.lines().find(|l| l.starts_with("heard:"))?;
    line.trim_start_matches("heard:")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_calls_the_customer_and_each_hears_the_others_tone() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    backend.agent("bea@staff.example", &dept).await;
    let url = backend.url();
    let (ann_dir, bea_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ann, bea) = (Cs::new(ann_dir.path()), Cs::new(bea_dir.path()));
    ann.run(
        &url,
        &["register", "ann@x.example", "Ann", "--password", PASSWORD],
    )
    .await
    .ok();
    let number = number_in(
        &ann.run(&url, &["open", "Support", "No sound", "Please call me"])
            .await
            .ok()
            .stdout,
    );
    bea.run(
        &url,
        &["login", "bea@staff.example", "--password", PASSWORD],
    )
    .await
    .ok();

    // The customer listens first: ringing reaches the devices online.
    let recording = ann_dir.path().join("out.wav");
    let answering = Waiting::start(
        &ann,
        &url,
        &[
            "answer",
            "--tone",
            "660",
            "--record",
            recording.to_str().unwrap(),
            "--wait",
            "30",
        ],
    )
    .await;

    let agent = bea
        .run(
            &url,
            &[
                "call",
                &number.to_string(),
                "--tone",
                "440",
                "--seconds",
                "2",
            ],
        )
        .await
        .ok();
    let customer = answering.finish().await;
    assert_eq!(customer.code, Some(0), "{customer:#?}");
    let customer = customer.stdout;

    for expected in [
        format!("calling about #{number} \"No sound\""),
        "ringing".into(),
        "connected".into(),
        "ended: ended".into(),
        "packets:".into(),
    ] {
        assert!(agent.stdout.contains(&expected), "{expected:?}: {agent:#?}");
    }
    for expected in [
        "answering call from Bea about \"No sound\"",
        "connected",
        "ended: ended",
        "recorded:",
    ] {
        assert!(customer.contains(expected), "{expected:?} in\n{customer}");
    }
    let at_customer = heard_hz(&customer).unwrap_or_else(|| panic!("{customer}"));
    assert!((at_customer - 440.0).abs() <= 10.0, "{customer}");
    let at_agent = heard_hz(&agent.stdout).unwrap_or_else(|| panic!("{agent:#?}"));
    assert!((at_agent - 660.0).abs() <= 10.0, "{agent:#?}");
    // A header is 44 bytes; a second of 48 kHz 16-bit audio is 96 000.
    let size = std::fs::metadata(&recording).unwrap().len();
    assert!(size > 48_000, "out.wav holds {size} bytes");

    // The call is on the ticket's timeline.
    let shown = ann.run(&url, &["show", &number.to_string()]).await.ok();
    assert!(shown.stdout.contains(": call: "), "{shown:#?}");

    // Declined: the caller says so and fails.
    let declining = Waiting::start(&ann, &url, &["decline", "--wait", "30"]).await;
    let agent = bea
        .run(&url, &["call", &number.to_string(), "--tone", "440"])
        .await
        .fails(1);
    assert!(agent.stderr.contains("the call was declined"), "{agent:#?}");
    assert!(agent.stdout.contains("ended: declined"), "{agent:#?}");
    let customer = declining.finish().await;
    assert_eq!(customer.code, Some(0), "{customer:#?}");
    assert!(
        customer.stdout.contains("declined call from Bea"),
        "{customer:#?}"
    );

    // Ctrl-C while it rings cancels the call; that is what was asked.
    let mut calling = bea
        .command(&url, &["call", &number.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(calling.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while !seen.contains("ringing") {
            let line = lines.next_line().await.unwrap().expect("cs call runs on");
            seen.push_str(&line);
            seen.push('\n');
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never rang:\n{seen}"));
    let pid = calling.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-INT", &pid]).status().await;
    assert!(killed.unwrap().success());
    while let Ok(Some(line)) = lines.next_line().await {
        seen.push_str(&line);
        seen.push('\n');
    }
    let status = tokio::time::timeout(Duration::from_secs(10), calling.wait())
        .await
        .expect("cs call stops at Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{seen}");
    assert!(seen.contains("ended: cancelled"), "{seen}");
}

/// A `cs answer` or `cs decline` run, started and waiting for a call.
struct Waiting {
    child: tokio::process::Child,
    rest: tokio::task::JoinHandle<String>,
}

#[derive(Debug)]
struct Finished {
    code: Option<i32>,
    stdout: String,
}

impl Waiting {
    async fn start(cs: &Cs, server: &str, args: &[&str]) -> Waiting {
        let mut child = cs
            .command(server, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("cs {args:?} never started waiting"))
            .unwrap()
            .unwrap_or_default();
        assert!(first.starts_with("waiting for a call"), "{first}");
        let rest = tokio::spawn(async move {
            let mut text = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        Waiting { child, rest }
    }

    async fn finish(mut self) -> Finished {
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("cs ends with the call")
            .unwrap();
        Finished {
            code: status.code(),
            stdout: self.rest.await.unwrap(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_call_input_is_one_line_on_stderr() {
    let backend = Backend::start().await;
    let dept = backend.department("Support").await;
    // Staff are Off when created: nobody takes a customer's call.
    backend.agent("bea@staff.example", &dept).await;
    let url = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let cs = Cs::new(dir.path());
    cs.run(
        &url,
        &["register", "ann@x.example", "Ann", "--password", PASSWORD],
    )
    .await
    .ok();
    let number = number_in(
        &cs.run(&url, &["open", "Support", "No sound", "Call me"])
            .await
            .ok()
            .stdout,
    );
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a sound\n").unwrap();
    let no_dir = dir.path().join("missing/out.wav");
    let unknown_call = "0190a0a0-0000-7000-8000-000000000000";

    let n = number.to_string();
    let n = n.as_str();
    let usage: &[(&[&str], &str)] = &[
        (&["call", n, "--play", "/no/such/tone.wav"], "no such file"),
        (
            &["call", n, "--play", text.to_str().unwrap()],
            "not a 16-bit PCM WAV file",
        ),
        (&["call", "999999", "--tone", "440"], "no ticket #999999"),
        (
            &["call", "hello"],
            "neither a ticket number nor a ticket id",
        ),
        (&["call", n, "--tone", "5"], "frequency"),
        (&["call", n, "--seconds", "0"], "seconds"),
        (
            &["call", n, "--tone", "440", "--play", "x.wav"],
            "cannot be used with",
        ),
        (
            &["call", n, "--record", no_dir.to_str().unwrap()],
            "cannot record to",
        ),
        (&["answer", "--call", "not-an-id"], "not an id"),
        (&["answer", "--call", unknown_call], "no call"),
        (&["decline", "--call", unknown_call], "no call"),
        (&["--call-bind", "loopback", "call", n], "IP:PORT"),
        (
            &["tone", "440", "--seconds", "1", no_dir.to_str().unwrap()],
            "cannot record to",
        ),
    ];
    for (args, needle) in usage {
        let out = cs.run(&url, args).await.fails(2);
        assert!(out.stderr.contains(needle), "{args:?}: {out:?}");
    }

    let out = cs.run(&url, &["call", n, "--tone", "440"]).await.fails(1);
    assert!(
        out.stderr.contains("no support staff is available"),
        "{out:?}"
    );
    let out = cs.run(&url, &["answer", "--wait", "0.5"]).await.fails(1);
    assert!(out.stderr.contains("no call rang"), "{out:?}");
    let nowhere = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}")
    };
    let out = cs.run(&nowhere, &["call", n]).await.fails(1);
    assert!(out.stderr.contains("offline"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_writes_canned_replies_and_an_agent_sends_one_filled_in() {
    let mut backend = Backend::start().await;
    let support = backend.department("Support").await;
    backend.agent("bea@staff.example", &support).await;
    backend
        .supervisor("sue@staff.example", "Sue", &support)
        .await;
    let (ann, ticket) = backend.ann_with_ticket(&support).await;
    let (id, number) = (
        ticket["id"].as_str().unwrap().to_string(),
        ticket["number"].as_i64().unwrap(),
    );

    let url = backend.url();
    let (_sue_dir, sue) = signed_in(&url, "sue@staff.example").await;
    let (_bea_dir, bea) = signed_in(&url, "bea@staff.example").await;

    let added = sue
        .run(
            &url,
            &[
                "canned",
                "add",
                "Refund issued",
                "Hi {customer_name}, #{ticket_number} is refunded. {agent_name}",
            ],
        )
        .await
        .ok();
    assert!(
        added.stdout.starts_with("added \"Refund issued\""),
        "{added:?}"
    );
    sue.run(&url, &["canned", "add", "Goodbye", "Bye"])
        .await
        .ok();
    let typo = sue
        .run(&url, &["canned", "add", "Typo", "Dear {custmer_name}"])
        .await
        .fails(2);
    assert!(typo.stderr.contains("{custmer_name}"), "{typo:?}");
    let refused = bea
        .run(&url, &["canned", "add", "Mine", "Body"])
        .await
        .fails(1);
    assert!(refused.stderr.contains("supervisors"), "{refused:?}");

    let listed = bea.run(&url, &["canned", "list", "refund"]).await.ok();
    assert!(listed.stdout.contains("Refund issued"), "{listed:?}");
    assert!(!listed.stdout.contains("Goodbye"), "{listed:?}");
    let filled = bea
        .run(&url, &["canned", "fill", "refund", &number.to_string()])
        .await
        .ok();
    assert_eq!(
        filled.stdout.trim(),
        format!("Hi Ann, #{number} is refunded. Bea")
    );
    let sent = bea
        .run(
            &url,
            &["send", &number.to_string(), "--canned", "Refund issued"],
        )
        .await
        .ok();
    assert_eq!(sent.stdout.trim(), format!("sent to #{number}"));
    let bodies = backend.message_bodies(&ann, &id).await;
    assert_eq!(
        bodies.last().unwrap(),
        &format!("Hi Ann, #{number} is refunded. Bea")
    );

    sue.run(&url, &["canned", "edit", "goodbye", "--body", "See you"])
        .await
        .ok();
    sue.run(&url, &["canned", "rm", "Refund issued"]).await.ok();
    let left = bea.run(&url, &["canned", "list"]).await.ok();
    assert!(
        left.stdout.contains("See you") && !left.stdout.contains("Refund issued"),
        "{left:?}"
    );
    let unknown = bea
        .run(&url, &["canned", "fill", "nope", &number.to_string()])
        .await
        .fails(2);
    assert!(unknown.stderr.contains("canned list"), "{unknown:?}");

    // Offline: listed from the cache, and managing says why it cannot.
    backend.down().await;
    let cached = bea.run(&url, &["canned", "list"]).await.ok();
    assert!(cached.stdout.contains("Goodbye"), "{cached:?}");
    assert!(cached.stderr.contains("offline"), "{cached:?}");
    sue.run(&url, &["canned", "rm", "Goodbye"]).await.fails(1);
    backend.up().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_opens_a_ticket_for_a_customer_who_phoned_and_they_sign_in_with_the_link() {
    let backend = Backend::start().await;
    let support = backend.department("Support").await;
    backend.agent("bea@staff.example", &support).await;
    let url = backend.url();
    let (bea_dir, ann_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (bea, ann) = (Cs::new(bea_dir.path()), Cs::new(ann_dir.path()));
    bea.run(
        &url,
        &["login", "bea@staff.example", "--password", PASSWORD],
    )
    .await
    .ok();

    let unknown = bea
        .run(
            &url,
            &[
                "open",
                "Support",
                "Refund",
                "Charged twice",
                "--for",
                "ann@x.example",
            ],
        )
        .await
        .fails(2);
    assert!(unknown.stderr.contains("--name"), "{unknown:?}");
    let opened = bea
        .run(
            &url,
            &[
                "open",
                "Support",
                "Refund",
                "Charged twice",
                "--for",
                "ann@x.example",
                "--name",
                "Ann",
            ],
        )
        .await
        .ok();
    let invited = opened.stdout.lines().next().unwrap();
    assert!(
        invited.starts_with("invited Ann <ann@x.example>: pass on"),
        "{opened:?}"
    );
    let link = invited.rsplit(' ').next().unwrap();
    assert!(
        link.starts_with("customerservice://sign-in?token="),
        "{link}"
    );
    let number = number_in(opened.stdout.lines().nth(1).unwrap());
    let shown = bea.run(&url, &["show", &number.to_string()]).await.ok();
    assert!(
        shown.stdout.contains("opened the ticket for Ann"),
        "{shown:?}"
    );

    let signed_in = ann.run(&url, &["link", link]).await.ok();
    assert!(
        signed_in.stdout.contains("signed in as Ann"),
        "{signed_in:?}"
    );
    let mine = ann.run(&url, &["tickets"]).await.ok();
    assert!(row(&mine.stdout, number).is_some(), "{mine:?}");
    let other_dir = tempfile::tempdir().unwrap();
    let used = Cs::new(other_dir.path())
        .run(&url, &["link", link])
        .await
        .fails(1);
    assert!(used.stderr.contains("used already"), "{used:?}");
    // The customer exists now: found, not invited again.
    let second = bea
        .run(
            &url,
            &[
                "open",
                "Support",
                "Again",
                "Still charged",
                "--for",
                "ANN@x.example",
            ],
        )
        .await
        .ok();
    assert!(second.stdout.starts_with("opened #"), "{second:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_sets_service_level_targets_and_the_queue_sorts_by_them() {
    let mut backend = Backend::start().await;
    let support = backend.department("Support").await;
    backend.agent("bea@staff.example", &support).await;
    backend
        .supervisor("sue@staff.example", "Sue", &support)
        .await;
    let url = backend.url();
    let (_sue_dir, sue) = signed_in(&url, "sue@staff.example").await;
    let (_bea_dir, bea) = signed_in(&url, "bea@staff.example").await;

    let set = sue
        .run(
            &url,
            &[
                "sla",
                "set",
                "--zone",
                "UTC",
                "--target",
                "normal=30m/8h",
                "--target",
                "urgent=-/2h",
            ],
        )
        .await
        .ok();
    assert!(
        set.stdout
            .contains("normal:     first response 30m, resolution 8h"),
        "{set:?}"
    );
    assert!(
        set.stdout
            .contains("urgent:     first response none, resolution 2h"),
        "{set:?}"
    );
    let refused = bea
        .run(&url, &["sla", "set", "--target", "low=1h/1d"])
        .await
        .fails(1);
    assert!(refused.stderr.contains("supervisors"), "{refused:?}");
    let typo = sue
        .run(&url, &["sla", "set", "--target", "normal=30/8h"])
        .await
        .fails(2);
    assert!(
        typo.stderr.contains("PRIORITY=FIRST/RESOLUTION"),
        "{typo:?}"
    );
    let shown = bea.run(&url, &["sla", "show"]).await.ok();
    assert!(shown.stdout.contains("time zone:  UTC"), "{shown:?}");
    assert!(
        shown.stdout.contains("hours:      around the clock"),
        "{shown:?}"
    );

    // A normal ticket, due in 30 minutes (at risk), and one without a target.
    let (ann, first) = backend.ann_with_ticket(&support).await;
    let first_number = first["number"].as_i64().unwrap();
    let second = backend
        .call(
            reqwest::Method::POST,
            "/v1/tickets",
            &ann,
            Some(json!({"department_id": support, "subject": "Invoice", "body": "Wrong address"})),
        )
        .await;
    let second_number = second["number"].as_i64().unwrap();
    let bea_token = backend.token_of("bea@staff.example").await;
    backend
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/tickets/{}", second["id"].as_str().unwrap()),
            &bea_token,
            Some(json!({"priority": "low", "version": second["version"]})),
        )
        .await;

    let due = bea.run(&url, &["tickets", "--sort", "due"]).await.ok();
    let lines: Vec<&str> = due.stdout.lines().collect();
    assert!(lines[0].contains("DUE"), "{due:?}");
    assert!(
        lines[1].starts_with(&format!("#{first_number} ")),
        "{due:?}"
    );
    assert!(lines[1].contains("at risk: in "), "{due:?}");
    assert!(
        lines[2].starts_with(&format!("#{second_number} ")),
        "{due:?}"
    );
    let at_risk = bea.run(&url, &["tickets", "--sla", "at-risk"]).await.ok();
    assert!(row(&at_risk.stdout, first_number).is_some(), "{at_risk:?}");
    assert!(row(&at_risk.stdout, second_number).is_none(), "{at_risk:?}");
    let missed = bea.run(&url, &["tickets", "--sla", "breached"]).await.ok();
    assert_eq!(missed.stdout.trim(), "no tickets");
    let shown = bea
        .run(&url, &["show", &first_number.to_string()])
        .await
        .ok();
    assert!(shown.stdout.contains("respond by: "), "{shown:?}");
    assert!(shown.stdout.contains("(open)"), "{shown:?}");
    backend.down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_reads_the_daily_report_as_a_table_and_as_csv_and_offline() {
    let mut backend = Backend::start_reporting().await;
    let support = backend.department("Support").await;
    backend.agent("bea@staff.example", &support).await;
    backend
        .supervisor("sue@staff.example", "Sue", &support)
        .await;
    backend.ann_with_ticket(&support).await;
    let url = backend.url();
    let (_sue_dir, sue) = signed_in(&url, "sue@staff.example").await;
    let (_bea_dir, bea) = signed_in(&url, "bea@staff.example").await;
    let today = chrono::Local::now().date_naive().to_string();

    // The job takes the ticket in within moments.
    let mut shown = None;
    for _ in 0..100 {
        let run = sue.run(&url, &["report", "--days", "3"]).await.ok();
        if run
            .stdout
            .lines()
            .any(|l| l.starts_with("total ") && l.split_whitespace().nth(1) == Some("1"))
        {
            shown = Some(run);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = shown.expect("the report counts Ann's ticket");
    assert!(shown.stdout.starts_with("Support: "), "{shown:?}");
    assert!(shown.stdout.contains("1ST REPLY"), "{shown:?}");
    let day_rows = shown.stdout.lines().filter(|l| l.starts_with("20")).count();
    assert_eq!(day_rows, 3, "{shown:?}");
    let today_row = shown
        .stdout
        .lines()
        .find(|l| l.starts_with(&today))
        .unwrap();
    assert_eq!(
        today_row.split_whitespace().nth(1),
        Some("1"),
        "{today_row}"
    );

    let csv = sue
        .run(&url, &["report", "--from", &today, "--to", &today, "--csv"])
        .await
        .ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert!(
        lines[0].starts_with("day,agent_id,agent,opened,"),
        "{csv:?}"
    );
    assert!(lines[1].starts_with(&format!("{today},,,1,")), "{csv:?}");

    bea.run(&url, &["report"]).await.fails(1);
    sue.run(&url, &["report", "--days", "0"]).await.fails(2);
    sue.run(&url, &["report", "--from", "soon", "--to", &today])
        .await
        .fails(2);

    backend.down().await;
    let offline = sue.run(&url, &["report"]).await.ok();
    assert!(
        offline.stderr.contains("offline: the last report read"),
        "{offline:?}"
    );
    assert!(offline.stdout.contains("total "), "{offline:?}");
    sue.run(&url, &["report", "--csv"]).await.fails(1);
}

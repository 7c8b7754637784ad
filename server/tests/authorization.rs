//! The authorization matrix, in the style of Zammad's ticket policy specs:
//! for each endpoint a table of actor → expected answer, run by one loop.
//!
//! Every test builds the same world: departments X and Y; customers A and B;
//! agents agentX, agentX2 and agentY; supervisors supX and supY; the admin.
//! Ticket T is opened by A in X; agentX2 answers it publicly with an
//! attachment and agentX adds an internal note with another attachment.
//!
//! The rules: a customer sees and touches only their own tickets, messages
//! and files; agents and supervisors only their department's; the admin
//! everything. Unseen resources answer 404, seen but forbidden actions 403,
//! and no token 401.

mod common;

use common::{Resp, Session, TestApp};
use protocol::{
    Department, FileMeta, Message, MessagePage, Priority, Role, SyncResponse, Ticket, TicketPage,
    TicketStatus, User,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// Every signed-in actor, in the order each table lists them.
const ACTORS: [&str; 8] = [
    "A", "B", "agentX", "agentX2", "agentY", "supX", "supY", "admin",
];

/// One expected answer per actor, in `ACTORS` order.
type Table<T> = [(&'static str, T); 8];

/// A word only the internal note contains, and one only the public reply.
const NOTE_WORD: &str = "quuxnotesecret";
const REPLY_WORD: &str = "frobreplyword";

/// Contents of the two attachments.
const REPLY_FILE_TEXT: &str = "public attachment";
const NOTE_FILE_TEXT: &str = "internal attachment";

struct World {
    app: TestApp,
    x: Department,
    y: Department,
    a: Session,
    b: Session,
    agent_x: Session,
    agent_x2: Session,
    agent_y: Session,
    sup_x: Session,
    sup_y: Session,
    admin: Session,
    /// Opened by A in X.
    ticket: Ticket,
    /// A's opening message, the public reply (agentX2), the internal note (agentX).
    first: Message,
    reply: Message,
    note: Message,
    reply_file: FileMeta,
    note_file: FileMeta,
}

impl World {
    async fn build() -> World {
        let app = TestApp::start().await;
        let admin = app.admin().await;
        let x = admin.department("X").await;
        let y = admin.department("Y").await;
        let a = app.customer("Customer A").await;
        let b = app.customer("Customer B").await;
        let agent_x = app.staff(&admin, "Agent X", Role::Agent, Some(&x)).await;
        let agent_x2 = app.staff(&admin, "Agent X2", Role::Agent, Some(&x)).await;
        let agent_y = app.staff(&admin, "Agent Y", Role::Agent, Some(&y)).await;
        let sup_x = app.staff(&admin, "Sup X", Role::Supervisor, Some(&x)).await;
        let sup_y = app.staff(&admin, "Sup Y", Role::Supervisor, Some(&y)).await;

        let ticket = a.open_ticket(&x, "Printer on fire").await;
        let messages = format!("/v1/tickets/{}/messages", ticket.id);
        let reply_file = upload(&agent_x2, "reply.txt", REPLY_FILE_TEXT).await;
        let reply: Message = agent_x2
            .post(
                &messages,
                json!({"body": format!("Try this {REPLY_WORD}"), "attachment_ids": [reply_file.id]}),
            )
            .await
            .expect(CREATED)
            .json();
        let note_file = upload(&agent_x, "note.txt", NOTE_FILE_TEXT).await;
        let note: Message = agent_x
            .post(
                &messages,
                json!({
                    "body": format!("Customer is difficult {NOTE_WORD}"),
                    "attachment_ids": [note_file.id], "internal": true,
                }),
            )
            .await
            .expect(CREATED)
            .json();
        let page: MessagePage = admin.get(&messages).await.expect(OK).json();
        assert_eq!(
            page.messages.len(),
            3,
            "fixture: opening message, reply, note"
        );
        let first = page.messages[0].clone();
        let ticket = admin.ticket(ticket.id).await;

        World {
            app,
            x,
            y,
            a,
            b,
            agent_x,
            agent_x2,
            agent_y,
            sup_x,
            sup_y,
            admin,
            ticket,
            first,
            reply,
            note,
            reply_file,
            note_file,
        }
    }

    fn actor(&self, name: &str) -> &Session {
        match name {
            "A" => &self.a,
            "B" => &self.b,
            "agentX" => &self.agent_x,
            "agentX2" => &self.agent_x2,
            "agentY" => &self.agent_y,
            "supX" => &self.sup_x,
            "supY" => &self.sup_y,
            "admin" => &self.admin,
            other => panic!("no actor {other:?}"),
        }
    }

    /// A path under T: `t("/messages")` is `/v1/tickets/{T}/messages`.
    fn t(&self, rest: &str) -> String {
        format!("/v1/tickets/{}{rest}", self.ticket.id)
    }

    async fn version(&self) -> i64 {
        self.admin.ticket(self.ticket.id).await.version
    }

    /// T's messages as the admin sees them.
    async fn all_messages(&self) -> Vec<Message> {
        let page: MessagePage = self.admin.get(&self.t("/messages")).await.expect(OK).json();
        page.messages
    }

    /// Which of T's messages an actor with this view gets, in order.
    fn messages_for(&self, view: View) -> Vec<Uuid> {
        match view {
            View::Nothing => vec![],
            View::Public => vec![self.first.id, self.reply.id],
            View::Everything => vec![self.first.id, self.reply.id, self.note.id],
        }
    }

    /// Which attachments ride along with those messages.
    fn attachments_for(&self, view: View) -> Vec<Uuid> {
        match view {
            View::Nothing => vec![],
            View::Public => vec![self.reply_file.id],
            View::Everything => vec![self.reply_file.id, self.note_file.id],
        }
    }
}

async fn upload(s: &Session, name: &str, text: &str) -> FileMeta {
    s.upload(name, "text/plain", text.as_bytes().to_vec())
        .await
        .expect(CREATED)
        .json()
}

fn message_ids(messages: &[Message]) -> Vec<Uuid> {
    messages.iter().map(|m| m.id).collect()
}

fn attachment_ids(messages: &[Message]) -> Vec<Uuid> {
    messages
        .iter()
        .flat_map(|m| m.attachments.iter().map(|f| f.id))
        .collect()
}

/// Asserts one cell of a table: the status, then the error body's shape.
fn check(resp: &Resp, expected: StatusCode, actor: &str, endpoint: &str) {
    assert_eq!(
        resp.status, expected,
        "{actor} → {endpoint}: expected {expected}, got {} with body {}",
        resp.status, resp.body
    );
    resp.expect(expected);
}

/// Runs `call` as each actor of `table` and checks the status they get.
/// Returns the responses for checks beyond the status.
async fn run(
    w: &World,
    endpoint: &str,
    table: &Table<StatusCode>,
    call: impl AsyncFn(&Session) -> Resp,
) -> Vec<(&'static str, Resp)> {
    assert_eq!(
        table.map(|(actor, _)| actor),
        ACTORS,
        "table for {endpoint}"
    );
    let mut answers = Vec::new();
    for (actor, expected) in table {
        let resp = call(w.actor(actor)).await;
        check(&resp, *expected, actor, endpoint);
        answers.push((*actor, resp));
    }
    answers
}

/// PATCHes T as `s` with T's current version added to `body`. A refused
/// attempt must leave the version as it was.
async fn patch_t(w: &World, s: &Session, mut body: Value) -> Resp {
    let version = w.version().await;
    body["version"] = json!(version);
    let resp = s.patch(&w.t(""), body.clone()).await;
    if !resp.status.is_success() {
        assert_eq!(
            w.version().await,
            version,
            "{} was refused PATCH {body} but T changed",
            s.user.name
        );
    }
    resp
}

// ---------------------------------------------------------------------------
// Tickets: reading

/// GET T, its timeline and its messages: whoever may see T gets 200, others 404.
const READ_T: Table<StatusCode> = [
    ("A", OK),
    ("B", NOT_FOUND),
    ("agentX", OK),
    ("agentX2", OK),
    ("agentY", NOT_FOUND),
    ("supX", OK),
    ("supY", NOT_FOUND),
    ("admin", OK),
];

/// Endpoints every signed-in actor may call (the answer is then scoped).
const EVERYONE: Table<StatusCode> = [
    ("A", OK),
    ("B", OK),
    ("agentX", OK),
    ("agentX2", OK),
    ("agentY", OK),
    ("supX", OK),
    ("supY", OK),
    ("admin", OK),
];

/// How much of T an actor sees: nothing, its public side, or everything
/// including the internal note.
#[derive(Debug, Clone, Copy, PartialEq)]
enum View {
    Nothing,
    Public,
    Everything,
}

/// What each actor sees of T in message lists and the sync feed.
const VIEW: Table<View> = [
    ("A", View::Public),
    ("B", View::Nothing),
    ("agentX", View::Everything),
    ("agentX2", View::Everything),
    ("agentY", View::Nothing),
    ("supX", View::Everything),
    ("supY", View::Nothing),
    ("admin", View::Everything),
];

/// Whether T is in the actor's `GET /v1/tickets`.
const LISTS_T: Table<bool> = [
    ("A", true),
    ("B", false),
    ("agentX", true),
    ("agentX2", true),
    ("agentY", false),
    ("supX", true),
    ("supY", false),
    ("admin", true),
];

/// Whether `q=<word only in the internal note>` finds T.
const FINDS_T_BY_NOTE_WORD: Table<bool> = [
    ("A", false),
    ("B", false),
    ("agentX", true),
    ("agentX2", true),
    ("agentY", false),
    ("supX", true),
    ("supY", false),
    ("admin", true),
];

#[tokio::test]
async fn reading_t_its_timeline_and_messages_needs_sight_of_t() {
    let w = World::build().await;
    let answers = run(&w, "GET /v1/tickets/{T}", &READ_T, async |s| {
        s.get(&w.t("")).await
    })
    .await;
    for (actor, resp) in answers.iter().filter(|(_, r)| r.status == OK) {
        assert_eq!(resp.json::<Ticket>(), w.ticket, "{actor} reads T");
    }
    run(&w, "GET /v1/tickets/{T}/timeline", &READ_T, async |s| {
        s.get(&w.t("/timeline")).await
    })
    .await;
    run(&w, "GET /v1/tickets/{T}/messages", &READ_T, async |s| {
        s.get(&w.t("/messages")).await
    })
    .await;
}

#[tokio::test]
async fn message_lists_never_show_internal_notes_to_customers() {
    let w = World::build().await;
    for (actor, view) in VIEW {
        let resp = w.actor(actor).get(&w.t("/messages")).await;
        if view == View::Nothing {
            check(&resp, NOT_FOUND, actor, "GET /v1/tickets/{T}/messages");
            continue;
        }
        check(&resp, OK, actor, "GET /v1/tickets/{T}/messages");
        let page: MessagePage = resp.json();
        assert_eq!(
            message_ids(&page.messages),
            w.messages_for(view),
            "{actor}: messages of T"
        );
        assert_eq!(
            attachment_ids(&page.messages),
            w.attachments_for(view),
            "{actor}: attachments of T's messages"
        );
    }
}

#[tokio::test]
async fn the_ticket_list_shows_t_only_to_those_who_may_see_it() {
    let w = World::build().await;
    let answers = run(&w, "GET /v1/tickets", &EVERYONE, async |s| {
        s.get("/v1/tickets").await
    })
    .await;
    for ((actor, resp), (_, lists_t)) in answers.iter().zip(LISTS_T) {
        let page: TicketPage = resp.json();
        let listed = page.tickets.iter().any(|t| t.id == w.ticket.id);
        assert_eq!(listed, lists_t, "{actor}: is T in GET /v1/tickets?");
        // Nobody sees anything but T: it is the only ticket.
        assert!(page.tickets.len() <= 1, "{actor} lists {:?}", page.tickets);
    }
}

#[tokio::test]
async fn search_matches_internal_notes_for_staff_only() {
    let w = World::build().await;
    let by_note_word = format!("/v1/tickets?q={NOTE_WORD}");
    let answers = run(&w, "GET /v1/tickets?q=<note word>", &EVERYONE, async |s| {
        s.get(&by_note_word).await
    })
    .await;
    for ((actor, resp), (_, finds)) in answers.iter().zip(FINDS_T_BY_NOTE_WORD) {
        let page: TicketPage = resp.json();
        let found = page.tickets.iter().any(|t| t.id == w.ticket.id);
        assert_eq!(found, finds, "{actor}: does q={NOTE_WORD} find T?");
    }
    // The public reply's word is found by whoever lists T, A included.
    let by_reply_word = format!("/v1/tickets?q={REPLY_WORD}");
    let answers = run(&w, "GET /v1/tickets?q=<reply word>", &EVERYONE, async |s| {
        s.get(&by_reply_word).await
    })
    .await;
    for ((actor, resp), (_, lists_t)) in answers.iter().zip(LISTS_T) {
        let page: TicketPage = resp.json();
        let found = page.tickets.iter().any(|t| t.id == w.ticket.id);
        assert_eq!(found, lists_t, "{actor}: does q={REPLY_WORD} find T?");
    }
}

#[tokio::test]
async fn sync_carries_t_and_its_messages_only_to_those_who_may_see_them() {
    let w = World::build().await;
    let answers = run(&w, "GET /v1/sync", &EVERYONE, async |s| {
        s.get("/v1/sync").await
    })
    .await;
    for ((actor, resp), (_, view)) in answers.iter().zip(VIEW) {
        let sync: SyncResponse = resp.json();
        let sees_t = sync.tickets.iter().any(|t| t.id == w.ticket.id);
        assert_eq!(sees_t, view != View::Nothing, "{actor}: T in /v1/sync");
        let of_t: Vec<Message> = sync
            .messages
            .iter()
            .filter(|m| m.ticket_id == w.ticket.id)
            .cloned()
            .collect();
        assert_eq!(
            message_ids(&of_t),
            w.messages_for(view),
            "{actor}: T's messages in /v1/sync"
        );
        assert_eq!(
            attachment_ids(&of_t),
            w.attachments_for(view),
            "{actor}: attachments in /v1/sync"
        );
        let events_of_t = sync.events.iter().any(|e| e.ticket_id == w.ticket.id);
        assert_eq!(
            events_of_t,
            view != View::Nothing,
            "{actor}: T's timeline in /v1/sync"
        );
        if view != View::Everything {
            assert!(
                sync.messages.iter().all(|m| !m.internal),
                "{actor} synced an internal note: {:?}",
                sync.messages
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Files

/// The public reply's attachment: whoever may see T.
const REPLY_FILE: Table<StatusCode> = READ_T;

/// The internal note's attachment: staff who may see T; never a customer.
const NOTE_FILE: Table<StatusCode> = [
    ("A", NOT_FOUND),
    ("B", NOT_FOUND),
    ("agentX", OK),
    ("agentX2", OK),
    ("agentY", NOT_FOUND),
    ("supX", OK),
    ("supY", NOT_FOUND),
    ("admin", OK),
];

/// An upload not attached to anything belongs to its uploader (B) alone.
const B_UNATTACHED_FILE: Table<StatusCode> = [
    ("A", NOT_FOUND),
    ("B", OK),
    ("agentX", NOT_FOUND),
    ("agentX2", NOT_FOUND),
    ("agentY", NOT_FOUND),
    ("supX", NOT_FOUND),
    ("supY", NOT_FOUND),
    ("admin", NOT_FOUND),
];

/// Attaching B's upload to a message on T: those who may post on T are told
/// the attachment is not theirs (422); those who may not see T get 404.
const ATTACH_B_FILE_TO_T: Table<StatusCode> = [
    ("A", UNPROCESSABLE),
    ("B", NOT_FOUND),
    ("agentX", UNPROCESSABLE),
    ("agentX2", UNPROCESSABLE),
    ("agentY", NOT_FOUND),
    ("supX", UNPROCESSABLE),
    ("supY", NOT_FOUND),
    ("admin", UNPROCESSABLE),
];

/// Downloads a file and, when allowed, checks its bytes.
async fn download(s: &Session, file: &FileMeta, text: &str) -> Resp {
    let resp = s.get(&format!("/v1/files/{}", file.id)).await;
    if resp.status == OK {
        assert_eq!(
            resp.bytes,
            text.as_bytes(),
            "{} downloads {}",
            s.user.name,
            file.name
        );
    }
    resp
}

#[tokio::test]
async fn attachments_are_downloaded_by_those_who_may_see_their_message() {
    let w = World::build().await;
    run(&w, "GET /v1/files/{reply file}", &REPLY_FILE, async |s| {
        download(s, &w.reply_file, REPLY_FILE_TEXT).await
    })
    .await;
    run(&w, "GET /v1/files/{note file}", &NOTE_FILE, async |s| {
        download(s, &w.note_file, NOTE_FILE_TEXT).await
    })
    .await;
}

#[tokio::test]
async fn an_unattached_upload_is_its_uploaders_alone() {
    let w = World::build().await;
    let b_file = upload(&w.b, "mine.txt", "B's own file").await;
    run(
        &w,
        "GET /v1/files/{B's upload}",
        &B_UNATTACHED_FILE,
        async |s| download(s, &b_file, "B's own file").await,
    )
    .await;
    let messages_before = w.all_messages().await;
    let answers = run(
        &w,
        "POST /v1/tickets/{T}/messages attaching B's upload",
        &ATTACH_B_FILE_TO_T,
        async |s| {
            s.post(
                &w.t("/messages"),
                json!({"body": "look at this", "attachment_ids": [b_file.id]}),
            )
            .await
        },
    )
    .await;
    for (actor, resp) in answers.iter().filter(|(_, r)| r.status == UNPROCESSABLE) {
        assert_eq!(resp.code(), "invalid_attachment", "{actor}");
    }
    assert_eq!(
        w.all_messages().await,
        messages_before,
        "a refused message must not be stored"
    );
    // Still B's alone, still unattached.
    run(
        &w,
        "GET /v1/files/{B's upload} again",
        &B_UNATTACHED_FILE,
        async |s| download(s, &b_file, "B's own file").await,
    )
    .await;
}

// ---------------------------------------------------------------------------
// Messages: posting

/// A public message on T.
const POST_PUBLIC_MESSAGE: Table<StatusCode> = [
    ("A", CREATED),
    ("B", NOT_FOUND),
    ("agentX", CREATED),
    ("agentX2", CREATED),
    ("agentY", NOT_FOUND),
    ("supX", CREATED),
    ("supY", NOT_FOUND),
    ("admin", CREATED),
];

/// An internal note on T: staff who may see T; a customer is refused (403).
const POST_INTERNAL_NOTE: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", NOT_FOUND),
    ("agentX", CREATED),
    ("agentX2", CREATED),
    ("agentY", NOT_FOUND),
    ("supX", CREATED),
    ("supY", NOT_FOUND),
    ("admin", CREATED),
];

#[tokio::test]
async fn posting_messages_and_internal_notes() {
    let w = World::build().await;
    let before = w.all_messages().await.len();
    run(
        &w,
        "POST /v1/tickets/{T}/messages",
        &POST_PUBLIC_MESSAGE,
        async |s| {
            s.post(&w.t("/messages"), json!({"body": "public words"}))
                .await
        },
    )
    .await;
    run(
        &w,
        "POST /v1/tickets/{T}/messages internal",
        &POST_INTERNAL_NOTE,
        async |s| {
            s.post(
                &w.t("/messages"),
                json!({"body": "staff only", "internal": true}),
            )
            .await
        },
    )
    .await;
    let count = |table: &Table<StatusCode>| table.iter().filter(|(_, s)| *s == CREATED).count();
    let all = w.all_messages().await;
    assert_eq!(
        all.len(),
        before + count(&POST_PUBLIC_MESSAGE) + count(&POST_INTERNAL_NOTE),
        "only accepted messages are stored"
    );
    let page: MessagePage = w.a.get(&w.t("/messages")).await.expect(OK).json();
    assert!(
        page.messages.iter().all(|m| !m.internal),
        "A sees an internal note: {:?}",
        page.messages
    );
    assert_eq!(
        page.messages.len(),
        all.iter().filter(|m| !m.internal).count()
    );
}

// ---------------------------------------------------------------------------
// Tickets: changing

/// Staff changing T's priority: staff who may see T; A is refused (403).
const PATCH_PRIORITY: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", NOT_FOUND),
    ("agentX", OK),
    ("agentX2", OK),
    ("agentY", NOT_FOUND),
    ("supX", OK),
    ("supY", NOT_FOUND),
    ("admin", OK),
];

/// Closing T: its customer too.
const PATCH_CLOSE: Table<StatusCode> = READ_T;

/// Assigning T to agentY, who is not in X: refused as `invalid_assignee` for
/// those who may change T.
const ASSIGN_TO_AGENT_Y: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", NOT_FOUND),
    ("agentX", UNPROCESSABLE),
    ("agentX2", UNPROCESSABLE),
    ("agentY", NOT_FOUND),
    ("supX", UNPROCESSABLE),
    ("supY", NOT_FOUND),
    ("admin", UNPROCESSABLE),
];

/// Assigning T to agentX2, a colleague in X.
const ASSIGN_TO_AGENT_X2: Table<StatusCode> = PATCH_PRIORITY;

#[tokio::test]
async fn staff_of_the_department_change_t_and_its_customer_cannot() {
    let w = World::build().await;
    run(
        &w,
        "PATCH /v1/tickets/{T} priority",
        &PATCH_PRIORITY,
        async |s| {
            // A different priority each time, so each success is a change.
            let current = w.admin.ticket(w.ticket.id).await;
            let next = if current.priority == Priority::High {
                "low"
            } else {
                "high"
            };
            let version = current.version;
            let resp = patch_t(&w, s, json!({"priority": next})).await;
            if resp.status == OK {
                let changed: Ticket = resp.json();
                assert_eq!(
                    (changed.version, changed.priority.as_str()),
                    (version + 1, next)
                );
            }
            resp
        },
    )
    .await;
    // One new version per accepted change, none for the refused ones.
    let accepted = PATCH_PRIORITY.iter().filter(|(_, s)| *s == OK).count() as i64;
    assert_eq!(w.version().await, w.ticket.version + accepted);
}

/// What customer A may send in a PATCH of their own T: closing only.
#[tokio::test]
async fn a_customer_may_only_close_their_ticket() {
    let w = World::build().await;
    let refused = [
        json!({"status": "open"}),
        json!({"status": "resolved"}),
        json!({"priority": "urgent"}),
        json!({"assignee_id": w.agent_x.user.id}),
        json!({"assignee_id": null}),
        json!({"department_id": w.y.id}),
        json!({"status": "closed", "priority": "low"}),
        json!({"status": "closed", "department_id": w.x.id}),
        json!({}),
    ];
    for body in refused {
        let resp = patch_t(&w, &w.a, body.clone()).await;
        check(
            &resp,
            FORBIDDEN,
            "A",
            &format!("PATCH /v1/tickets/{{T}} {body}"),
        );
    }
    let closed = patch_t(&w, &w.a, json!({"status": "closed"})).await;
    check(&closed, OK, "A", "PATCH /v1/tickets/{T} closing");
    assert_eq!(closed.json::<Ticket>().status, TicketStatus::Closed);
}

#[tokio::test]
async fn closing_t_follows_visibility() {
    let w = World::build().await;
    run(
        &w,
        "PATCH /v1/tickets/{T} closing",
        &PATCH_CLOSE,
        async |s| {
            let resp = patch_t(&w, s, json!({"status": "closed"})).await;
            if resp.status == OK {
                assert_eq!(resp.json::<Ticket>().status, TicketStatus::Closed);
                // Reopen for the next actor.
                patch_t(&w, &w.admin, json!({"status": "open"}))
                    .await
                    .expect(OK);
            }
            resp
        },
    )
    .await;
}

#[tokio::test]
async fn t_can_only_be_assigned_to_a_colleague_of_its_department() {
    let w = World::build().await;
    let answers = run(
        &w,
        "PATCH /v1/tickets/{T} assignee agentY",
        &ASSIGN_TO_AGENT_Y,
        async |s| patch_t(&w, s, json!({"assignee_id": w.agent_y.user.id})).await,
    )
    .await;
    for (actor, resp) in answers.iter().filter(|(_, r)| r.status == UNPROCESSABLE) {
        assert_eq!(resp.code(), "invalid_assignee", "{actor}");
    }
    assert_eq!(w.admin.ticket(w.ticket.id).await.assignee_id, None);

    run(
        &w,
        "PATCH /v1/tickets/{T} assignee agentX2",
        &ASSIGN_TO_AGENT_X2,
        async |s| {
            let resp = patch_t(&w, s, json!({"assignee_id": w.agent_x2.user.id})).await;
            if resp.status == OK {
                assert_eq!(resp.json::<Ticket>().assignee_id, Some(w.agent_x2.user.id));
                // Unassign for the next actor.
                patch_t(&w, &w.admin, json!({"assignee_id": null}))
                    .await
                    .expect(OK);
            }
            resp
        },
    )
    .await;
}

#[tokio::test]
async fn who_sees_t_follows_its_department_and_the_staff_members() {
    let w = World::build().await;
    // agentX transfers T to Y: X's staff lose sight of it, Y's gain it.
    patch_t(&w, &w.agent_x, json!({"department_id": w.y.id}))
        .await
        .expect(OK);
    let after_transfer: Table<StatusCode> = [
        ("A", OK),
        ("B", NOT_FOUND),
        ("agentX", NOT_FOUND),
        ("agentX2", NOT_FOUND),
        ("agentY", OK),
        ("supX", NOT_FOUND),
        ("supY", OK),
        ("admin", OK),
    ];
    run(
        &w,
        "GET /v1/tickets/{T} after transfer to Y",
        &after_transfer,
        async |s| s.get(&w.t("")).await,
    )
    .await;
    // The note's file follows too; agentX uploaded it and keeps it, and a
    // customer never gets it.
    let note_file_after_transfer: Table<StatusCode> = [
        ("A", NOT_FOUND),
        ("B", NOT_FOUND),
        ("agentX", OK),
        ("agentX2", NOT_FOUND),
        ("agentY", OK),
        ("supX", NOT_FOUND),
        ("supY", OK),
        ("admin", OK),
    ];
    run(
        &w,
        "GET /v1/files/{note file} after transfer to Y",
        &note_file_after_transfer,
        async |s| download(s, &w.note_file, NOTE_FILE_TEXT).await,
    )
    .await;
}

// ---------------------------------------------------------------------------
// Opening tickets

/// Customers open tickets for themselves; staff must name the customer.
const OPEN_TICKET: Table<StatusCode> = [
    ("A", CREATED),
    ("B", CREATED),
    ("agentX", UNPROCESSABLE),
    ("agentX2", UNPROCESSABLE),
    ("agentY", UNPROCESSABLE),
    ("supX", UNPROCESSABLE),
    ("supY", UNPROCESSABLE),
    ("admin", UNPROCESSABLE),
];

/// A ticket in X for customer A: X's staff and the admin may open one; a
/// customer may not open one for someone, nor Y's staff in X.
const OPEN_TICKET_FOR_A_IN_X: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", CREATED),
    ("agentX2", CREATED),
    ("agentY", FORBIDDEN),
    ("supX", CREATED),
    ("supY", FORBIDDEN),
    ("admin", CREATED),
];

#[tokio::test]
async fn customers_open_their_own_tickets_and_staff_open_them_for_customers_of_their_department() {
    let w = World::build().await;
    run(&w, "POST /v1/tickets", &OPEN_TICKET, async |s| {
        s.post(
            "/v1/tickets",
            json!({"department_id": w.x.id, "subject": "New", "body": "Hello"}),
        )
        .await
    })
    .await;
    let answers = run(
        &w,
        "POST /v1/tickets for A in X",
        &OPEN_TICKET_FOR_A_IN_X,
        async |s| {
            s.post(
                "/v1/tickets",
                json!({"department_id": w.x.id, "subject": "On the phone", "body": "Called in",
                   "customer_id": w.a.user.id}),
            )
            .await
        },
    )
    .await;
    for (actor, resp) in answers.iter().filter(|(_, r)| r.status == CREATED) {
        assert_eq!(
            resp.json::<Ticket>().customer_id,
            w.a.user.id,
            "{actor}'s ticket is A's"
        );
    }
    let page: TicketPage = w.admin.get("/v1/tickets").await.expect(OK).json();
    assert_eq!(
        page.tickets.len(),
        7,
        "T, the two customers' own and four for A"
    );
    let a_page: TicketPage = w.a.get("/v1/tickets").await.expect(OK).json();
    assert_eq!(
        a_page.tickets.len(),
        6,
        "A sees T, their own and the four opened for them"
    );
    let b_page: TicketPage = w.b.get("/v1/tickets").await.expect(OK).json();
    assert_eq!(b_page.tickets.len(), 1, "B sees only their own new ticket");
    assert_eq!(b_page.tickets[0].customer_id, w.b.user.id);
}

// ---------------------------------------------------------------------------
// Departments

/// Only the admin creates and renames departments.
const MANAGE_DEPARTMENTS: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", FORBIDDEN),
    ("supY", FORBIDDEN),
    ("admin", OK),
];

fn with_created(table: Table<StatusCode>) -> Table<StatusCode> {
    table.map(|(actor, s)| (actor, if s == OK { CREATED } else { s }))
}

#[tokio::test]
async fn the_admin_manages_departments_and_everyone_lists_them() {
    let w = World::build().await;
    run(
        &w,
        "POST /v1/departments",
        &with_created(MANAGE_DEPARTMENTS),
        async |s| {
            let name = format!("Made by {}", s.user.name);
            s.post("/v1/departments", json!({"name": name})).await
        },
    )
    .await;
    run(
        &w,
        "PATCH /v1/departments/{X}",
        &MANAGE_DEPARTMENTS,
        async |s| {
            let name = format!("X renamed by {}", s.user.name);
            s.patch(
                &format!("/v1/departments/{}", w.x.id),
                json!({"name": name}),
            )
            .await
        },
    )
    .await;
    let answers = run(&w, "GET /v1/departments", &EVERYONE, async |s| {
        s.get("/v1/departments").await
    })
    .await;
    for (actor, resp) in &answers {
        let mut names: Vec<String> = resp
            .json::<Vec<Department>>()
            .into_iter()
            .map(|d| d.name)
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["Made by Administrator", "X renamed by Administrator", "Y"],
            "{actor} lists departments"
        );
    }
    // A department that does not exist: 404 for the admin, 403 before that for others.
    let nowhere = format!("/v1/departments/{}", Uuid::new_v4());
    let resp = w.admin.patch(&nowhere, json!({"name": "Z"})).await;
    check(&resp, NOT_FOUND, "admin", "PATCH /v1/departments/{unknown}");
    let resp = w.sup_x.patch(&nowhere, json!({"name": "Z"})).await;
    check(&resp, FORBIDDEN, "supX", "PATCH /v1/departments/{unknown}");
}

// ---------------------------------------------------------------------------
// Staff

/// Creating an agent (or supervisor) in X: the admin and X's supervisor.
const CREATE_STAFF_IN_X: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", CREATED),
    ("supY", FORBIDDEN),
    ("admin", CREATED),
];

/// Creating an agent in Y: the admin and Y's supervisor.
const CREATE_STAFF_IN_Y: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", FORBIDDEN),
    ("supY", CREATED),
    ("admin", CREATED),
];

/// Creating an admin: the admin only.
const CREATE_ADMIN: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", FORBIDDEN),
    ("supY", FORBIDDEN),
    ("admin", CREATED),
];

/// Creates a staff member with a fresh email, as `s`.
async fn create_staff(s: &Session, role: Role, department: Option<&Department>) -> Resp {
    let email = format!("{}.{}@new.example", role.as_str(), Uuid::new_v4().simple());
    s.post(
        "/v1/staff",
        json!({
            "email": email, "name": format!("New {}", role.as_str()),
            "password": common::PASSWORD, "role": role.as_str(),
            "department_id": department.map(|d| d.id),
        }),
    )
    .await
}

async fn staff_count(w: &World) -> usize {
    let staff: Vec<User> = w.admin.get("/v1/staff").await.expect(OK).json();
    staff.len()
}

#[tokio::test]
async fn staff_are_created_by_the_admin_or_their_departments_supervisor() {
    let w = World::build().await;
    let before = staff_count(&w).await;
    let tables: [(&str, Role, Option<&Department>, &Table<StatusCode>); 5] = [
        ("agent in X", Role::Agent, Some(&w.x), &CREATE_STAFF_IN_X),
        (
            "supervisor in X",
            Role::Supervisor,
            Some(&w.x),
            &CREATE_STAFF_IN_X,
        ),
        ("agent in Y", Role::Agent, Some(&w.y), &CREATE_STAFF_IN_Y),
        (
            "supervisor in Y",
            Role::Supervisor,
            Some(&w.y),
            &CREATE_STAFF_IN_Y,
        ),
        ("admin", Role::Admin, None, &CREATE_ADMIN),
    ];
    let mut created = 0;
    for (what, role, dept, table) in tables {
        let endpoint = format!("POST /v1/staff ({what})");
        for (actor, resp) in run(&w, &endpoint, table, async |s| {
            create_staff(s, role, dept).await
        })
        .await
        {
            if resp.status == CREATED {
                let user: User = resp.json();
                assert_eq!(
                    (user.role, user.department_id),
                    (role, dept.map(|d| d.id)),
                    "{actor}"
                );
                created += 1;
            }
        }
    }
    assert_eq!(
        staff_count(&w).await,
        before + created,
        "only accepted staff exist"
    );
}

/// Listing staff: staff may list (their own department, for agents and
/// supervisors); customers may not.
const LIST_STAFF: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", OK),
    ("agentX2", OK),
    ("agentY", OK),
    ("supX", OK),
    ("supY", OK),
    ("admin", OK),
];

/// Listing Y's staff explicitly: Y's own staff and the admin.
const LIST_STAFF_OF_Y: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", OK),
    ("supX", FORBIDDEN),
    ("supY", OK),
    ("admin", OK),
];

#[tokio::test]
async fn staff_lists_are_limited_to_the_callers_department() {
    let w = World::build().await;
    let ids = |resp: &Resp| {
        let mut ids: Vec<Uuid> = resp.json::<Vec<User>>().iter().map(|u| u.id).collect();
        ids.sort();
        ids
    };
    let sorted = |sessions: &[&Session]| {
        let mut ids: Vec<Uuid> = sessions.iter().map(|s| s.user.id).collect();
        ids.sort();
        ids
    };
    let x_staff = sorted(&[&w.agent_x, &w.agent_x2, &w.sup_x]);
    let y_staff = sorted(&[&w.agent_y, &w.sup_y]);
    let all_staff = sorted(&[
        &w.agent_x,
        &w.agent_x2,
        &w.sup_x,
        &w.agent_y,
        &w.sup_y,
        &w.admin,
    ]);

    for (actor, resp) in run(&w, "GET /v1/staff", &LIST_STAFF, async |s| {
        s.get("/v1/staff").await
    })
    .await
    .iter()
    .filter(|(_, r)| r.status == OK)
    {
        let expected = match w.actor(actor).user.department_id {
            Some(d) if d == w.x.id => &x_staff,
            Some(_) => &y_staff,
            None => &all_staff,
        };
        assert_eq!(&ids(resp), expected, "{actor}: GET /v1/staff");
    }
    let of_y = format!("/v1/staff?department_id={}", w.y.id);
    for (actor, resp) in run(
        &w,
        "GET /v1/staff?department_id={Y}",
        &LIST_STAFF_OF_Y,
        async |s| s.get(&of_y).await,
    )
    .await
    .iter()
    .filter(|(_, r)| r.status == OK)
    {
        assert_eq!(
            ids(resp),
            y_staff,
            "{actor}: GET /v1/staff?department_id={{Y}}"
        );
    }
}

/// Renaming agentX2: the admin and X's supervisor; nobody else, not even
/// agentX2 themselves.
const RENAME_AGENT_X2: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", OK),
    ("supY", FORBIDDEN),
    ("admin", OK),
];

/// Moving agentX2 to Y, or promoting them to admin: the admin only; a
/// supervisor cannot move staff out of their department or make admins.
const MOVE_OR_PROMOTE_AGENT_X2: Table<StatusCode> = MANAGE_DEPARTMENTS;

/// Changing the admin's own account: the admin only.
const PATCH_THE_ADMIN: Table<StatusCode> = MANAGE_DEPARTMENTS;

/// `PATCH /v1/staff/{A}`: customers are not staff (404 for those who manage
/// staff at all).
const PATCH_A_AS_STAFF: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", NOT_FOUND),
    ("supY", NOT_FOUND),
    ("admin", NOT_FOUND),
];

async fn staff_member(w: &World, id: Uuid) -> User {
    let staff: Vec<User> = w.admin.get("/v1/staff").await.expect(OK).json();
    staff
        .into_iter()
        .find(|u| u.id == id)
        .expect("staff member listed")
}

#[tokio::test]
async fn staff_are_changed_by_the_admin_or_their_departments_supervisor() {
    let w = World::build().await;
    let x2 = format!("/v1/staff/{}", w.agent_x2.user.id);
    run(
        &w,
        "PATCH /v1/staff/{agentX2} name",
        &RENAME_AGENT_X2,
        async |s| {
            let before = staff_member(&w, w.agent_x2.user.id).await;
            let name = format!("Renamed by {}", s.user.name);
            let resp = s.patch(&x2, json!({"name": name})).await;
            let after = staff_member(&w, w.agent_x2.user.id).await;
            if resp.status == OK {
                assert_eq!(after.name, name);
            } else {
                assert_eq!(after, before, "refused rename changed agentX2");
            }
            resp
        },
    )
    .await;

    let move_back = async || {
        w.admin
            .patch(&x2, json!({"role": "agent", "department_id": w.x.id}))
            .await
            .expect(OK);
    };
    let changes = [
        ("move to Y", json!({"department_id": w.y.id})),
        ("promote to admin", json!({"role": "admin"})),
        (
            "move to Y as supervisor",
            json!({"role": "supervisor", "department_id": w.y.id}),
        ),
    ];
    for (what, body) in changes {
        run(
            &w,
            &format!("PATCH /v1/staff/{{agentX2}} {what}"),
            &MOVE_OR_PROMOTE_AGENT_X2,
            async |s| {
                let before = staff_member(&w, w.agent_x2.user.id).await;
                let resp = s.patch(&x2, body.clone()).await;
                if resp.status == OK {
                    move_back().await;
                } else {
                    let after = staff_member(&w, w.agent_x2.user.id).await;
                    assert_eq!(after, before, "refused {what} changed agentX2");
                }
                resp
            },
        )
        .await;
    }

    let the_admin = format!("/v1/staff/{}", w.admin.user.id);
    run(
        &w,
        "PATCH /v1/staff/{admin} name",
        &PATCH_THE_ADMIN,
        async |s| {
            s.patch(
                &the_admin,
                json!({"name": format!("Boss by {}", s.user.name)}),
            )
            .await
        },
    )
    .await;

    let customer_a = format!("/v1/staff/{}", w.a.user.id);
    run(&w, "PATCH /v1/staff/{A}", &PATCH_A_AS_STAFF, async |s| {
        s.patch(&customer_a, json!({"name": "Not staff"})).await
    })
    .await;
    let me: User = w.a.get("/v1/me").await.expect(OK).json();
    assert_eq!(me, w.a.user, "A's account is untouched");
}

#[tokio::test]
async fn moving_a_staff_member_moves_what_they_see() {
    let w = World::build().await;
    let x2 = format!("/v1/staff/{}", w.agent_x2.user.id);
    w.admin
        .patch(&x2, json!({"department_id": w.y.id}))
        .await
        .expect(OK);
    check(
        &w.agent_x2.get(&w.t("")).await,
        NOT_FOUND,
        "agentX2 (moved to Y)",
        "GET /v1/tickets/{T}",
    );
    check(
        &download(&w.agent_x2, &w.reply_file, REPLY_FILE_TEXT).await,
        OK,
        "agentX2 (moved to Y)",
        "GET /v1/files/{reply file}, their own upload",
    );
    check(
        &download(&w.agent_x2, &w.note_file, NOTE_FILE_TEXT).await,
        NOT_FOUND,
        "agentX2 (moved to Y)",
        "GET /v1/files/{note file}",
    );
    w.admin
        .patch(&x2, json!({"department_id": w.x.id}))
        .await
        .expect(OK);
    check(
        &w.agent_x2.get(&w.t("")).await,
        OK,
        "agentX2 (back in X)",
        "GET /v1/tickets/{T}",
    );
}

// ---------------------------------------------------------------------------
// No token

#[tokio::test]
async fn every_endpoint_needs_a_token() {
    let w = World::build().await;
    let staff = format!("/v1/staff/{}", w.agent_x.user.id);
    let department = format!("/v1/departments/{}", w.x.id);
    let reply_file = format!("/v1/files/{}", w.reply_file.id);
    let version = w.ticket.version;
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/v1/me".into(), None),
        (Method::POST, "/v1/auth/logout".into(), None),
        (Method::GET, "/v1/tickets".into(), None),
        (Method::GET, format!("/v1/tickets?q={NOTE_WORD}"), None),
        (
            Method::POST,
            "/v1/tickets".into(),
            Some(json!({"department_id": w.x.id, "subject": "s", "body": "b"})),
        ),
        (Method::GET, w.t(""), None),
        (
            Method::PATCH,
            w.t(""),
            Some(json!({"status": "closed", "version": version})),
        ),
        (Method::GET, w.t("/messages"), None),
        (Method::POST, w.t("/messages"), Some(json!({"body": "hi"}))),
        (Method::GET, w.t("/timeline"), None),
        (Method::GET, reply_file.clone(), None),
        (Method::GET, "/v1/sync".into(), None),
        (Method::GET, "/v1/departments".into(), None),
        (
            Method::POST,
            "/v1/departments".into(),
            Some(json!({"name": "Z"})),
        ),
        (Method::PATCH, department, Some(json!({"name": "Z"}))),
        (Method::GET, "/v1/staff".into(), None),
        (
            Method::POST,
            "/v1/staff".into(),
            Some(json!({
                "email": "z@staff.example", "name": "Z", "password": common::PASSWORD,
                "role": "admin", "department_id": null,
            })),
        ),
        (Method::PATCH, staff, Some(json!({"role": "admin"}))),
    ];
    let basic = format!("Basic {}", w.admin.token);
    let tokens: [(&str, Option<&str>); 4] = [
        ("no token", None),
        ("an unknown token", Some("Bearer made-up-token")),
        ("a real token under another scheme", Some(&basic)),
        ("an empty bearer token", Some("Bearer ")),
    ];
    let before = w.admin.get("/v1/sync").await.expect(OK).body.clone();
    for (who, authorization) in &tokens {
        for (method, path, body) in &endpoints {
            let mut request = w.app.http.request(method.clone(), w.app.url(path));
            if let Some(value) = authorization {
                request = request.header("authorization", *value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let resp = read(request).await;
            check(
                &resp,
                StatusCode::UNAUTHORIZED,
                who,
                &format!("{method} {path}"),
            );
        }
        // Uploads go through their own, raw-body handler.
        let mut request = w
            .app
            .http
            .post(w.app.url("/v1/files?name=a.txt"))
            .header("content-type", "text/plain")
            .body("anonymous bytes");
        if let Some(value) = authorization {
            request = request.header("authorization", *value);
        }
        check(
            &read(request).await,
            StatusCode::UNAUTHORIZED,
            who,
            "POST /v1/files",
        );
    }
    let after = w.admin.get("/v1/sync").await.expect(OK).body.clone();
    assert_eq!(after, before, "unauthorized requests changed something");
    assert_eq!(staff_count(&w).await, 6, "no staff member was created");
    let depts: Vec<Department> = w.admin.get("/v1/departments").await.expect(OK).json();
    assert_eq!(depts.len(), 2, "no department was created");
    // The admin's token still works: logout without a token revoked nothing.
    w.admin.get("/v1/me").await.expect(OK);
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

// Canned replies: X's staff read X's; X's supervisor and the admin manage
// them; customers and other departments neither read nor change them.

const READ_X_CANNED: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", OK),
    ("agentX2", OK),
    ("agentY", FORBIDDEN),
    ("supX", OK),
    ("supY", FORBIDDEN),
    ("admin", OK),
];

const CREATE_X_CANNED: Table<StatusCode> = [
    ("A", FORBIDDEN),
    ("B", FORBIDDEN),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", FORBIDDEN),
    ("supX", CREATED),
    ("supY", FORBIDDEN),
    ("admin", CREATED),
];

/// A reply of X: unseen (404) outside X, seen but not theirs to change
/// (403) for X's agents.
const CHANGE_X_CANNED: Table<StatusCode> = [
    ("A", NOT_FOUND),
    ("B", NOT_FOUND),
    ("agentX", FORBIDDEN),
    ("agentX2", FORBIDDEN),
    ("agentY", NOT_FOUND),
    ("supX", OK),
    ("supY", NOT_FOUND),
    ("admin", OK),
];

impl World {
    /// A canned reply in X, written by the admin.
    async fn canned_in_x(&self, title: &str) -> protocol::CannedReply {
        self.admin
            .post(
                "/v1/canned-replies",
                json!({"department_id": self.x.id, "title": title, "body": "Hello {customer_name}"}),
            )
            .await
            .expect(CREATED)
            .json()
    }
}

#[tokio::test]
async fn canned_replies_are_read_by_their_departments_staff_and_managed_by_its_supervisors() {
    let w = World::build().await;
    let reply = w.canned_in_x("Greeting").await;
    let x = w.x.id;
    let answers = run(
        &w,
        "GET /v1/canned-replies?department_id=X",
        &READ_X_CANNED,
        async |s| {
            s.get(&format!("/v1/canned-replies?department_id={x}"))
                .await
        },
    )
    .await;
    for (actor, resp) in answers.iter().filter(|(_, r)| r.status == OK) {
        let listed: Vec<protocol::CannedReply> = resp.json();
        assert_eq!(listed, vec![reply.clone()], "{actor} lists X's replies");
    }
    // Without a department, a department's staff get their own: Y's none.
    let own: Vec<protocol::CannedReply> =
        w.agent_y.get("/v1/canned-replies").await.expect(OK).json();
    assert!(own.is_empty(), "agentY sees no reply of X: {own:?}");

    run(
        &w,
        "POST /v1/canned-replies in X",
        &CREATE_X_CANNED,
        async |s| {
            let title = format!("Written by {}", s.user.name);
            s.post(
                "/v1/canned-replies",
                json!({"department_id": x, "title": title, "body": "Hi"}),
            )
            .await
        },
    )
    .await;

    let path = format!("/v1/canned-replies/{}", reply.id);
    run(
        &w,
        "PATCH /v1/canned-replies/{R}",
        &CHANGE_X_CANNED,
        async |s| {
            s.patch(
                &path,
                json!({"body": format!("Hello from {}", s.user.name)}),
            )
            .await
        },
    )
    .await;
    let listed: Vec<protocol::CannedReply> = w
        .admin
        .get(&format!("/v1/canned-replies?department_id={x}&q=greeting"))
        .await
        .expect(OK)
        .json();
    assert_eq!(
        listed[0].body, "Hello from Administrator",
        "refused edits changed nothing"
    );

    let delete_table = CHANGE_X_CANNED.map(|(actor, status)| {
        (
            actor,
            if status == OK {
                StatusCode::NO_CONTENT
            } else {
                status
            },
        )
    });
    run(
        &w,
        "DELETE /v1/canned-replies/{R}",
        &delete_table,
        async |s| {
            let doomed = w.canned_in_x(&format!("Doomed for {}", s.user.name)).await;
            let path = format!("/v1/canned-replies/{}", doomed.id);
            s.request(Method::DELETE, &path, None).await
        },
    )
    .await;
}

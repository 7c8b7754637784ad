//! Group commit for chat messages (see `group_commit`).
//!
//! Chat is the busiest write: every message is a feed row, a search row and
//! a touch of its ticket, and a customer's message may reopen the ticket or
//! hand it over from an away assignee. A batch does the common part with one
//! statement per table and only the rare parts (attachments, reopening,
//! hand-over) per message.

use std::collections::{HashMap, HashSet};

use protocol::{Message, Ticket, TicketStatus, TimelineChange};
use sqlx::Row;
use tokio::sync::watch;
use uuid::Uuid;

use crate::db::sync::Change;
use crate::db::tickets::Scope;
use crate::db::timeline::new_event;
use crate::db::{self, Db, Dialect, SqlBuilder, WriteTx, from_micros, now_micros};
use crate::error::{ApiError, ApiResult};
use crate::group_commit::GroupCommit;
use crate::routing;
use crate::stage_metrics::StageMetrics;
use crate::ticket_writer::id_conflict;

/// A validated message; the writer checks that its author sees the ticket
/// (with the ticket it reads anyway, saving the request a read of its own).
pub struct NewMessage {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    /// The tickets the author sees (`policy::ticket_scope`).
    pub author_scope: Scope,
    /// Staff messages never reopen a ticket nor hand it over; only staff
    /// write internal notes.
    pub author_is_staff: bool,
    pub body: String,
    pub internal: bool,
    /// Distinct file ids.
    pub attachment_ids: Vec<Uuid>,
}

pub enum Posted {
    Created(Message),
    /// This author already posted a message with this id on this ticket.
    Existing(Message),
}

/// Queues messages for the writer task.
#[derive(Clone)]
pub struct MessageWriter(GroupCommit<NewMessage, Posted>);

impl MessageWriter {
    pub fn start(
        db: Db,
        routing_capacity: i64,
        shutdown: watch::Receiver<bool>,
        stages: StageMetrics,
    ) -> Self {
        MessageWriter(GroupCommit::start(
            "message",
            shutdown,
            stages,
            move |batch| write_owned_batch(db.clone(), routing_capacity, batch),
        ))
    }

    /// Posts a message; answers once it is committed.
    pub async fn post(&self, message: NewMessage) -> ApiResult<Posted> {
        self.0.submit(message).await
    }
}

async fn write_owned_batch(
    db: Db,
    capacity: i64,
    batch: Vec<NewMessage>,
) -> Result<Vec<ApiResult<Posted>>, sqlx::Error> {
    write_batch(&db, capacity, &batch).await
}

enum Plan {
    Create,
    Done(ApiResult<Posted>),
    /// The same id as an earlier request of this batch.
    SameAs(usize),
}

/// When a batch takes the feed lock.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Lock {
    /// After its reads, which one statement then confirms under the lock:
    /// two instances' writers hold the lock only for their inserts.
    AfterReads,
    /// Before its reads, when they did not hold (a ticket or file changed,
    /// an id was taken meanwhile): nothing can change under the lock.
    First,
}

/// Writes a batch in one transaction; one outcome per request, in order.
async fn write_batch(
    db: &Db,
    capacity: i64,
    requests: &[NewMessage],
) -> Result<Vec<ApiResult<Posted>>, sqlx::Error> {
    if let Some(outcomes) = write_batch_with(db, capacity, requests, Lock::AfterReads).await? {
        return Ok(outcomes);
    }
    write_batch_with(db, capacity, requests, Lock::First)
        .await?
        .ok_or_else(|| sqlx::Error::Protocol("a batch changed under the feed lock".into()))
}

/// Writes a batch, or `None` (nothing written) when what it read changed
/// before it took the lock.
async fn write_batch_with(
    db: &Db,
    capacity: i64,
    requests: &[NewMessage],
    lock: Lock,
) -> Result<Option<Vec<ApiResult<Posted>>>, sqlx::Error> {
    let mut tx = db.begin_write_reading_first().await?;
    if lock == Lock::First {
        tx.lock_feed().await?;
    }
    let read = read_batch(&mut tx, requests, lock).await?;
    let plans = plan(&mut tx, requests, &read.existing, &read.tickets).await?;
    let creating: Vec<&NewMessage> = requests
        .iter()
        .zip(&plans)
        .filter(|(_, p)| matches!(p, Plan::Create))
        .map(|(r, _)| r)
        .collect();
    if lock == Lock::AfterReads {
        tx.lock_feed().await?;
        if writes_only_at_commit(&creating, &read.tickets, &read.away) {
            let check = (tx.dialect() == Dialect::Postgres).then(|| read.still_holds_sql());
            tx.check_at_commit(check);
        } else if !read.still_holds(&mut tx, &creating).await? {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let Some(created) = insert_messages(&mut tx, &creating).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let mut tickets = read.tickets;
    update_tickets(&mut tx, &creating, &mut tickets, &read.away, capacity).await?;
    if !tx.commit_if_still_holds().await? {
        return Ok(None);
    }

    Ok(Some(
        requests
            .iter()
            .zip(plans)
            .map(|(request, plan)| match plan {
                Plan::Create => Ok(Posted::Created(created[&request.id].clone())),
                Plan::Done(outcome) => outcome,
                Plan::SameAs(first) => match created.get(&requests[first].id) {
                    Some(m) => repeat_of(m, request),
                    None => Err(ApiError::internal("batched duplicate without its original")),
                },
            })
            .collect(),
    ))
}

/// What a batch reads before it writes.
struct BatchRead {
    /// Messages that already have one of the batch's ids.
    existing: HashMap<Uuid, Message>,
    tickets: HashMap<Uuid, Ticket>,
    /// Each ticket's feed position as read.
    seqs: HashMap<Uuid, i64>,
    /// Assignees of tickets a customer writes on, and those of them away.
    assignees: Vec<Uuid>,
    away: HashSet<Uuid>,
}

/// Reads what the batch needs. Ids already taken are looked for only with
/// the lock taken first: a repeat is rare (a client sending again), so the
/// usual batch finds out under the lock that none is (`still_holds`).
async fn read_batch(
    tx: &mut WriteTx,
    requests: &[NewMessage],
    lock: Lock,
) -> Result<BatchRead, sqlx::Error> {
    let existing = if lock == Lock::First {
        let ids: Vec<Uuid> = requests.iter().map(|r| r.id).collect();
        db::messages::get_many(tx.conn(), &ids).await?
    } else {
        HashMap::new()
    };
    let ticket_ids: Vec<Uuid> = requests.iter().map(|r| r.ticket_id).collect();
    let (tickets, seqs) = db::tickets::get_many_with_seq(tx.conn(), &ticket_ids)
        .await?
        .into_iter()
        .map(|(id, (ticket, seq))| ((id, ticket), (id, seq)))
        .unzip();
    let assignees = customers_assignees(requests, &tickets);
    let away = routing::away_among(tx.conn(), &assignees).await?;
    Ok(BatchRead {
        existing,
        tickets,
        seqs,
        assignees,
        away,
    })
}

/// The assignees of the tickets a customer writes on (so that a customer
/// never waits on someone who is away).
fn customers_assignees(requests: &[NewMessage], tickets: &HashMap<Uuid, Ticket>) -> Vec<Uuid> {
    let mut assignees: Vec<Uuid> = requests
        .iter()
        .filter(|r| !r.author_is_staff)
        .filter_map(|r| tickets.get(&r.ticket_id)?.assignee_id)
        .collect();
    assignees.sort_unstable();
    assignees.dedup();
    assignees
}

impl BatchRead {
    /// On PostgreSQL, the check of `still_holds` as one boolean (`ok`) for
    /// the commit's own statement (`WriteTx::check_at_commit`): every
    /// ticket at the position read and the same assignees away. (An id to
    /// create that is taken shows as its insert's unique violation, on
    /// SQLite too, where nothing else can change.)
    fn still_holds_sql(&self) -> SqlBuilder {
        let mut q = SqlBuilder::new("SELECT TRUE");
        if !self.seqs.is_empty() {
            q.push(" AND (SELECT COUNT(*) FROM tickets WHERE ");
            for (i, (id, seq)) in self.seqs.iter().enumerate() {
                q.push(if i == 0 { "(id = " } else { " OR (id = " })
                    .bind(*id)
                    .push(" AND seq = ")
                    .bind(*seq)
                    .push(")");
            }
            q.push(") = ").bind(self.seqs.len() as i64);
        }
        if !self.assignees.is_empty() {
            q.push(
                " AND (SELECT COUNT(*) FROM users \
                 WHERE status = 'active' AND disabled = 0 AND id IN (",
            )
            .push_id_list(self.assignees.iter().copied())
            .push(") = ")
            .bind((self.assignees.len() - self.away.len()) as i64);
        }
        q.push(" AS ok");
        q
    }

    /// Whether the reads still hold under the feed lock, in one statement:
    /// no id to create taken already (not read before), and on PostgreSQL
    /// every ticket at the position read and the same assignees away (on
    /// SQLite this transaction is the only writer: they cannot change).
    async fn still_holds(
        &self,
        tx: &mut WriteTx,
        creating: &[&NewMessage],
    ) -> Result<bool, sqlx::Error> {
        let mut parts: Vec<SqlBuilder> = Vec::new();
        if !creating.is_empty() {
            let mut q = SqlBuilder::new(
                "SELECT 'message' AS kind, id, CAST(0 AS BIGINT) AS seq FROM messages WHERE id IN (",
            );
            q.push_id_list(creating.iter().map(|r| r.id));
            parts.push(q);
        }
        if tx.dialect() == Dialect::Postgres {
            let mut q =
                SqlBuilder::new("SELECT 'ticket' AS kind, id, seq FROM tickets WHERE id IN (");
            q.push_id_list(self.seqs.keys().copied());
            parts.push(q);
            if !self.assignees.is_empty() {
                let mut q = SqlBuilder::new(
                    "SELECT 'active' AS kind, id, CAST(0 AS BIGINT) AS seq FROM users \
                     WHERE status = 'active' AND disabled = 0 AND id IN (",
                );
                q.push_id_list(self.assignees.iter().copied());
                parts.push(q);
            }
        }
        let mut parts = parts.into_iter();
        let Some(mut q) = parts.next() else {
            return Ok(true);
        };
        for part in parts {
            q.push(" UNION ALL ").append(part);
        }
        let (mut tickets, mut active) = (0, 0);
        for row in q.build().fetch_all(tx.conn()).await? {
            let kind: String = row.try_get("kind")?;
            let id = db::parse_id(&row.try_get::<String, _>("id")?)?;
            match kind.as_str() {
                "ticket" if self.seqs.get(&id) == Some(&row.try_get("seq")?) => tickets += 1,
                "active" if !self.away.contains(&id) => active += 1,
                _ => return Ok(false),
            }
        }
        if tx.dialect() == Dialect::Sqlite {
            return Ok(true);
        }
        Ok(tickets == self.seqs.len() && active == self.assignees.len() - self.away.len())
    }
}

/// Decides, in order, what to do with each request.
async fn plan(
    tx: &mut WriteTx,
    requests: &[NewMessage],
    existing: &HashMap<Uuid, Message>,
    tickets: &HashMap<Uuid, Ticket>,
) -> Result<Vec<Plan>, sqlx::Error> {
    let mut plans = Vec::with_capacity(requests.len());
    let mut claimed: HashMap<Uuid, usize> = HashMap::new();
    let mut claimed_files: HashSet<Uuid> = HashSet::new();
    for (i, r) in requests.iter().enumerate() {
        let plan = if let Some(m) = existing.get(&r.id) {
            Plan::Done(repeat_of(m, r))
        } else if let Some(&first) = claimed.get(&r.id) {
            Plan::SameAs(first)
        } else {
            let seen = tickets.get(&r.ticket_id).filter(|t| r.author_scope.sees(t));
            match seen.map(|t| t.status) {
                None => Plan::Done(Err(ApiError::ticket_not_found())),
                Some(_) if r.internal && !r.author_is_staff => {
                    Plan::Done(Err(ApiError::forbidden("only staff write internal notes")))
                }
                Some(TicketStatus::Closed) => Plan::Done(Err(ApiError::conflict(
                    "ticket_closed",
                    "the ticket is closed; open a new one",
                ))),
                Some(_) if !attachable(tx, r, &claimed_files).await? => {
                    Plan::Done(Err(ApiError::unprocessable(
                        "invalid_attachment",
                        "attachments must be your own uploads, not yet attached to a message",
                    )))
                }
                Some(_) => {
                    claimed_files.extend(r.attachment_ids.iter().copied());
                    claimed.insert(r.id, i);
                    Plan::Create
                }
            }
        };
        plans.push(plan);
    }
    Ok(plans)
}

/// A request whose id is taken by `m`: the same message sent again, or a
/// clash with someone else's.
fn repeat_of(m: &Message, r: &NewMessage) -> ApiResult<Posted> {
    if m.author_id == r.author_id && m.ticket_id == r.ticket_id {
        Ok(Posted::Existing(m.clone()))
    } else {
        Err(id_conflict())
    }
}

/// Whether every attachment is the author's own upload, taken by no message
/// yet (nor by an earlier message of this batch).
async fn attachable(
    tx: &mut WriteTx,
    r: &NewMessage,
    claimed_files: &HashSet<Uuid>,
) -> Result<bool, sqlx::Error> {
    if r.attachment_ids.is_empty() {
        return Ok(true);
    }
    if r.attachment_ids.iter().any(|f| claimed_files.contains(f)) {
        return Ok(false);
    }
    let free = db::files::attachable(tx.conn(), &r.attachment_ids, r.author_id).await?;
    Ok(free.len() == r.attachment_ids.len())
}

/// Inserts the messages, their search rows and attachments; returns them
/// as stored, by id, or `None` when a file was taken since it was checked
/// (before the feed lock).
async fn insert_messages(
    tx: &mut WriteTx,
    creating: &[&NewMessage],
) -> Result<Option<HashMap<Uuid, Message>>, sqlx::Error> {
    let now = from_micros(now_micros());
    let mut messages: Vec<Message> = creating
        .iter()
        .map(|r| Message {
            id: r.id,
            ticket_id: r.ticket_id,
            author_id: r.author_id,
            body: r.body.clone(),
            internal: r.internal,
            attachments: Vec::new(),
            created_at: now,
        })
        .collect();
    let seqs: Vec<i64> = messages.iter().map(|_| tx.next_seq()).collect();
    let rows: Vec<(&Message, i64)> = messages.iter().zip(seqs.iter().copied()).collect();
    let with_files: Vec<&&NewMessage> = creating
        .iter()
        .filter(|r| !r.attachment_ids.is_empty())
        .collect();
    if with_files.is_empty() {
        tx.write_at_commit(db::messages::insert_many_sql(&rows));
    } else {
        // Files are attached to stored messages.
        db::messages::insert_many(tx.conn(), &rows).await?;
    }
    let search: Vec<(Uuid, &str, bool)> = messages
        .iter()
        .filter(|m| !m.body.is_empty())
        .map(|m| (m.ticket_id, m.body.as_str(), m.internal))
        .collect();
    tx.write_at_commit(db::tickets::index_many_sql(&search));

    for r in &with_files {
        let attached =
            db::files::attach(tx.conn(), &r.attachment_ids, r.author_id, r.id, r.ticket_id).await?;
        if attached != r.attachment_ids.len() as u64 {
            return Ok(None);
        }
    }
    if !with_files.is_empty() {
        let ids: Vec<Uuid> = with_files.iter().map(|r| r.id).collect();
        let mut files = db::files::for_messages(tx.conn(), &ids).await?;
        for m in &mut messages {
            m.attachments = files.remove(&m.id).unwrap_or_default();
        }
    }
    for (m, seq) in messages.iter().zip(seqs) {
        tx.record(seq, Change::Message(m.clone()));
    }
    Ok(Some(messages.into_iter().map(|m| (m.id, m)).collect()))
}

/// Whether a staff member's message is the first reply the customer sees
/// on `ticket` (it meets the first-response target).
fn first_response(r: &NewMessage, ticket: &Ticket) -> bool {
    r.author_is_staff && !r.internal && ticket.sla.first_responded_at.is_none()
}

/// Whether a customer's message reopens `ticket`.
fn reopens(r: &NewMessage, ticket: &Ticket) -> bool {
    !r.author_is_staff && ticket.status == TicketStatus::Resolved
}

/// Whether a customer's message takes `ticket` from its away assignee.
fn hands_over(r: &NewMessage, ticket: &Ticket, away: &HashSet<Uuid>) -> bool {
    !r.author_is_staff && ticket.assignee_id.is_some_and(|a| away.contains(&a))
}

/// Whether writing these messages leaves every statement for the commit
/// (no attachment, first reply, reopening nor hand-over runs one before).
fn writes_only_at_commit(
    creating: &[&NewMessage],
    tickets: &HashMap<Uuid, Ticket>,
    away: &HashSet<Uuid>,
) -> bool {
    creating.iter().all(|r| {
        let ticket = &tickets[&r.ticket_id];
        r.attachment_ids.is_empty()
            && !first_response(r, ticket)
            && !reopens(r, ticket)
            && !hands_over(r, ticket, away)
    })
}

/// Moves each ticket written on where its customer can see (not for an
/// internal note alone) to a new feed position; a customer's
/// message reopens a resolved ticket and takes it from an away assignee.
async fn update_tickets(
    tx: &mut WriteTx,
    creating: &[&NewMessage],
    tickets: &mut HashMap<Uuid, Ticket>,
    away: &HashSet<Uuid>,
    capacity: i64,
) -> Result<(), sqlx::Error> {
    let mut touched: Vec<Uuid> = Vec::new();
    let mut by_customer: HashMap<Uuid, Uuid> = HashMap::new();
    for r in creating {
        if !touched.contains(&r.ticket_id) {
            touched.push(r.ticket_id);
        }
        if !r.author_is_staff {
            by_customer.entry(r.ticket_id).or_insert(r.author_id);
        }
    }
    let reopening: Vec<Uuid> = touched
        .iter()
        .copied()
        .filter(|id| {
            creating
                .iter()
                .any(|r| r.ticket_id == *id && reopens(r, &tickets[id]))
        })
        .collect();

    // Only content the customer sees moves the ticket: an internal note
    // changing `updated_at` or the feed position would tell them one was
    // just written.
    let seen_by_customer: Vec<Uuid> = creating
        .iter()
        .filter(|r| !r.internal)
        .map(|r| r.ticket_id)
        .collect();
    let now = from_micros(now_micros());
    // Staff's first reply the customer sees meets the first-response target;
    // the ticket's new state goes on the feed with the touch below.
    let first_responses: Vec<Uuid> = creating
        .iter()
        .filter(|r| first_response(r, &tickets[&r.ticket_id]))
        .map(|r| r.ticket_id)
        .collect();
    if !first_responses.is_empty() {
        db::tickets::mark_first_responded(tx.conn(), now.timestamp_micros(), &first_responses)
            .await?;
    }
    for id in &first_responses {
        let ticket = tickets.get_mut(id).expect("planned tickets exist");
        ticket.sla.first_responded_at = Some(now);
    }
    let touches: Vec<(Uuid, i64)> = touched
        .iter()
        .filter(|id| !reopening.contains(id) && seen_by_customer.contains(id))
        .map(|id| (*id, tx.next_seq()))
        .collect();
    // So that a customer never waits on someone who is away.
    let handing_over: Vec<Uuid> = touched
        .iter()
        .copied()
        .filter(|id| {
            creating
                .iter()
                .any(|r| r.ticket_id == *id && hands_over(r, &tickets[id], away))
        })
        .collect();
    let touch = db::tickets::touch_many_sql(now.timestamp_micros(), &touches);
    if handing_over.is_empty() {
        tx.write_at_commit(touch);
    } else if let Some(touch) = touch {
        // Routing writes tickets after it: their last write must be last.
        touch.build().execute(tx.conn()).await?;
    }
    for (id, seq) in &touches {
        let ticket = tickets.get_mut(id).expect("planned tickets exist");
        ticket.updated_at = now;
        tx.record(*seq, Change::Ticket(ticket.clone()));
    }
    for id in &reopening {
        let ticket = tickets.get_mut(id).expect("planned tickets exist");
        let from = ticket.status;
        ticket.status = TicketStatus::Open;
        ticket.updated_at = now;
        ticket.version += 1;
        let seq = tx.next_seq();
        if !db::tickets::update(tx.conn(), ticket, seq).await? {
            return Err(sqlx::Error::Protocol(
                "ticket changed under the feed lock".into(),
            ));
        }
        tx.record(seq, Change::Ticket(ticket.clone()));
        let change = TimelineChange::StatusChanged {
            from,
            to: TicketStatus::Open,
        };
        let seq = tx.next_seq();
        let event = new_event(*id, Some(by_customer[id]), change);
        db::timeline::insert(tx.conn(), &event, seq).await?;
        tx.record(seq, Change::Event(event));
    }

    for id in &handing_over {
        let ticket = tickets.get_mut(id).expect("planned tickets exist");
        routing::reassign_if_assignee_away(tx, ticket, capacity).await?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ticket_writer::{NewTicket, Opened};

    /// A store with one ticket of a customer's, and another customer.
    pub(crate) struct Store {
        pub(crate) _dir: tempfile::TempDir,
        pub(crate) db: Db,
        pub(crate) customer: Uuid,
        pub(crate) other: Uuid,
        pub(crate) ticket: Ticket,
    }

    pub(crate) async fn store_with_a_ticket() -> Store {
        let (dir, db, dept, users) = crate::ticket_writer::tests::store_with_customers().await;
        let (_running, shutdown) = watch::channel(false);
        let writer =
            crate::ticket_writer::TicketWriter::start(db.clone(), 10, shutdown, Default::default());
        let new = NewTicket {
            id: Uuid::now_v7(),
            first_message_id: Uuid::now_v7(),
            opened_by: None,
            department_id: dept,
            subject: "S".into(),
            body: "B".into(),
        };
        let Ok(Opened::Created(ticket)) = writer.open(users[0], new).await else {
            panic!("ticket not created");
        };
        Store {
            _dir: dir,
            db,
            customer: users[0],
            other: users[1],
            ticket,
        }
    }

    fn message(s: &Store, id: Uuid, author_id: Uuid) -> NewMessage {
        NewMessage {
            id,
            ticket_id: s.ticket.id,
            author_id,
            author_scope: Scope::All,
            author_is_staff: false,
            body: "hello".into(),
            internal: false,
            attachment_ids: Vec::new(),
        }
    }

    async fn count(db: &Db, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(db.reader())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_batch_answers_repeats_and_clashes_of_one_id_like_separate_sends() {
        let s = store_with_a_ticket().await;
        let shared = Uuid::now_v7();
        let batch = [
            message(&s, shared, s.customer),
            message(&s, shared, s.customer),
            message(&s, shared, s.other),
            message(&s, Uuid::now_v7(), s.customer),
        ];
        let outcomes = write_batch(&s.db, 10, &batch).await.unwrap();
        let Ok(Posted::Created(first)) = &outcomes[0] else {
            panic!("the first send creates");
        };
        assert!(matches!(&outcomes[1], Ok(Posted::Existing(m)) if m == first));
        assert!(matches!(&outcomes[2], Err(e) if e.code == "id_conflict"));
        assert!(matches!(&outcomes[3], Ok(Posted::Created(_))));
        // The ticket's first message and the two created here.
        assert_eq!(count(&s.db, "SELECT COUNT(*) FROM messages").await, 3);
    }

    /// Ids already taken are found under the lock, and the batch is
    /// written again with them read first: the repeat answers with the
    /// original, the new message beside it is created once.
    #[tokio::test]
    async fn a_message_sent_again_in_a_later_batch_answers_with_the_original() {
        let s = store_with_a_ticket().await;
        let sent = message(&s, Uuid::now_v7(), s.customer);
        let id = sent.id;
        let outcomes = write_batch(&s.db, 10, &[sent]).await.unwrap();
        let Ok(Posted::Created(original)) = &outcomes[0] else {
            panic!("created");
        };
        let again = [
            message(&s, id, s.customer),
            message(&s, Uuid::now_v7(), s.customer),
        ];
        let outcomes = write_batch(&s.db, 10, &again).await.unwrap();
        assert!(matches!(&outcomes[0], Ok(Posted::Existing(m)) if m == original));
        assert!(matches!(&outcomes[1], Ok(Posted::Created(_))));
        assert_eq!(count(&s.db, "SELECT COUNT(*) FROM messages").await, 3);
    }

    #[tokio::test]
    async fn a_file_claimed_twice_in_one_batch_goes_to_the_first_message_only() {
        let s = store_with_a_ticket().await;
        let file = Uuid::now_v7();
        let meta = protocol::FileMeta {
            id: file,
            name: "a.txt".into(),
            content_type: "text/plain".into(),
            size: 1,
            sha256: "00".into(),
            created_at: from_micros(now_micros()),
        };
        db::files::insert(s.db.writer(), &meta, s.customer)
            .await
            .unwrap();
        let mut a = message(&s, Uuid::now_v7(), s.customer);
        a.attachment_ids = vec![file];
        let mut b = message(&s, Uuid::now_v7(), s.customer);
        b.attachment_ids = vec![file];
        let outcomes = write_batch(&s.db, 10, &[a, b]).await.unwrap();
        assert!(
            matches!(&outcomes[0], Ok(Posted::Created(m)) if m.attachments.len() == 1),
            "the first message takes the file"
        );
        assert!(matches!(&outcomes[1], Err(e) if e.code == "invalid_attachment"));
        assert_eq!(count(&s.db, "SELECT COUNT(*) FROM messages").await, 2);
    }

    #[tokio::test]
    async fn a_batch_hands_its_follower_the_rows_the_feed_holds() {
        let s = store_with_a_ticket().await;
        s.db.commits().take();
        let mut note = message(&s, Uuid::now_v7(), s.customer);
        note.author_is_staff = true;
        note.internal = true;
        let batch = [
            message(&s, Uuid::now_v7(), s.customer),
            message(&s, Uuid::now_v7(), s.customer),
            note,
        ];
        write_batch(&s.db, 10, &batch).await.unwrap();
        assert_eq!(
            db::committed::tests::assert_handed_as_the_feed_reads(&s.db).await,
            1
        );

        // An internal note alone does not move the ticket.
        let mut note = message(&s, Uuid::now_v7(), s.customer);
        note.author_is_staff = true;
        note.internal = true;
        write_batch(&s.db, 10, &[note]).await.unwrap();
        db::committed::tests::assert_handed_as_the_feed_reads(&s.db).await;

        // A message with a file: its attachments as the feed reads them.
        let file = Uuid::now_v7();
        let meta = protocol::FileMeta {
            id: file,
            name: "a.txt".into(),
            content_type: "text/plain".into(),
            size: 1,
            sha256: "00".into(),
            created_at: from_micros(now_micros()),
        };
        db::files::insert(s.db.writer(), &meta, s.customer)
            .await
            .unwrap();
        let mut with_file = message(&s, Uuid::now_v7(), s.customer);
        with_file.attachment_ids = vec![file];
        write_batch(&s.db, 10, &[with_file]).await.unwrap();
        let commits = s.db.commits().take();
        let handed = commits[0].changes.as_ref().expect("rows handed");
        assert!(
            handed
                .iter()
                .any(|(_, c)| matches!(c, Change::Message(m) if m.attachments.len() == 1)),
            "the message carries its file"
        );
        for committed in commits {
            s.db.commits().push(committed);
        }
        db::committed::tests::assert_handed_as_the_feed_reads(&s.db).await;

        // Reopening: the ticket once, at its last position, and its event.
        sqlx::query("UPDATE tickets SET status = 'resolved'")
            .execute(s.db.writer())
            .await
            .unwrap();
        let batch = [message(&s, Uuid::now_v7(), s.customer)];
        write_batch(&s.db, 10, &batch).await.unwrap();
        db::committed::tests::assert_handed_as_the_feed_reads(&s.db).await;
    }

    #[tokio::test]
    async fn a_hand_over_from_an_away_assignee_is_handed_as_the_feed_reads() {
        let s = store_with_a_ticket().await;
        let agent = Uuid::now_v7();
        let new = db::users::NewUser {
            id: agent,
            email: "agent@x.io",
            name: "A",
            password_hash: "x",
            role: protocol::Role::Agent,
            department_id: Some(s.ticket.department_id),
        };
        db::users::insert(s.db.writer(), new).await.unwrap();
        sqlx::query("UPDATE tickets SET assignee_id = $1")
            .bind(agent.to_string())
            .execute(s.db.writer())
            .await
            .unwrap();
        s.db.commits().take();
        // The agent is Off: the customer's message takes the ticket off
        // them, which writes the ticket a second time.
        write_batch(&s.db, 10, &[message(&s, Uuid::now_v7(), s.customer)])
            .await
            .unwrap();
        db::committed::tests::assert_handed_as_the_feed_reads(&s.db).await;
        let ticket = db::tickets::get(s.db.reader(), s.ticket.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ticket.assignee_id, None);
    }

    #[tokio::test]
    async fn customer_messages_reopen_a_resolved_ticket_once_per_batch() {
        let s = store_with_a_ticket().await;
        sqlx::query("UPDATE tickets SET status = 'resolved'")
            .execute(s.db.writer())
            .await
            .unwrap();
        let batch = [
            message(&s, Uuid::now_v7(), s.customer),
            message(&s, Uuid::now_v7(), s.customer),
        ];
        let outcomes = write_batch(&s.db, 10, &batch).await.unwrap();
        assert!(outcomes.iter().all(|o| matches!(o, Ok(Posted::Created(_)))));
        let ticket = db::tickets::get(s.db.reader(), s.ticket.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ticket.status, TicketStatus::Open);
        assert_eq!(ticket.version, s.ticket.version + 1);
        let reopened = count(
            &s.db,
            "SELECT COUNT(*) FROM timeline_events WHERE change LIKE '%status_changed%'",
        )
        .await;
        assert_eq!(reopened, 1);
    }
}

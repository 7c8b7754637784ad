//! Group commit for new tickets.
//!
//! Opening a ticket writes a ticket, its first message, a timeline entry and
//! two search rows, under the feed lock. Done one ticket per transaction,
//! the single SQLite writer (and the feed lock on PostgreSQL) spends its time
//! on statement round trips, which caps creation far below what the machine
//! can do. So ticket creation goes through one task per instance: it takes
//! every request waiting at that moment (up to `MAX_BATCH`), writes them all
//! with one multi-row statement per table in one transaction, and answers
//! each. A lone request is written at once, as a batch of one: batching adds
//! no delay, it only forms under load.

use std::collections::{HashMap, HashSet};

use protocol::{Message, Priority, Ticket, TicketStatus, TimelineChange};
use sqlx::Row;
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::db::timeline::new_event;
use crate::db::{self, Db, SqlBuilder, from_micros, now_micros, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::routing;

/// Most tickets written in one transaction.
pub const MAX_BATCH: usize = 64;

/// A validated request to open a ticket.
pub struct NewTicket {
    pub id: Uuid,
    pub first_message_id: Uuid,
    pub department_id: Uuid,
    pub subject: String,
    pub body: String,
}

pub enum Opened {
    Created(Ticket),
    /// A ticket with this id was already opened by this customer.
    Existing(Ticket),
}

struct Job {
    customer_id: Uuid,
    new: NewTicket,
    reply: oneshot::Sender<ApiResult<Opened>>,
}

#[derive(Clone)]
pub struct TicketWriter {
    jobs: mpsc::Sender<Job>,
}

impl TicketWriter {
    pub fn start(db: Db, routing_capacity: i64, mut shutdown: watch::Receiver<bool>) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(1024);
        tokio::spawn(async move {
            loop {
                let first = tokio::select! {
                    job = queue.recv() => match job {
                        Some(job) => job,
                        None => return,
                    },
                    _ = shutdown.changed() => return,
                };
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                write_and_answer(&db, routing_capacity, batch).await;
            }
        });
        TicketWriter { jobs }
    }

    /// Opens a ticket (with its first message and timeline entry) and
    /// routes it; answers once it is committed.
    pub async fn open(&self, customer_id: Uuid, new: NewTicket) -> ApiResult<Opened> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                customer_id,
                new,
                reply,
            })
            .await
            .map_err(|_| ApiError::internal("the ticket writer has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the ticket writer dropped a request"))?
    }
}

async fn write_and_answer(db: &Db, capacity: i64, batch: Vec<Job>) {
    let requests: Vec<(Uuid, &NewTicket)> = batch.iter().map(|j| (j.customer_id, &j.new)).collect();
    match write_batch(db, capacity, &requests).await {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            let message = e.to_string();
            for job in batch {
                let _ = job
                    .reply
                    .send(Err(ApiError::internal(format!("database: {message}"))));
            }
        }
    }
}

/// Writes a batch in one transaction; one outcome per request, in order.
async fn write_batch(
    db: &Db,
    capacity: i64,
    requests: &[(Uuid, &NewTicket)],
) -> Result<Vec<ApiResult<Opened>>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // Checked under the feed lock, so concurrent sends of one id (in this
    // batch, another batch or another instance) cannot both create.
    let existing = existing_tickets(tx.conn(), requests.iter().map(|(_, n)| n.id)).await?;
    let used_messages =
        existing_messages(tx.conn(), requests.iter().map(|(_, n)| n.first_message_id)).await?;

    enum Plan {
        Create,
        Done(ApiResult<Opened>),
        /// The same id as an earlier request of this batch.
        SameAs(usize, Uuid),
    }
    let mut plans = Vec::with_capacity(requests.len());
    let mut claimed: HashMap<Uuid, usize> = HashMap::new();
    let mut claimed_messages: HashSet<Uuid> = HashSet::new();
    for (i, (customer, new)) in requests.iter().enumerate() {
        let plan = if let Some(t) = existing.get(&new.id) {
            Plan::Done(if t.customer_id == *customer {
                Ok(Opened::Existing(t.clone()))
            } else {
                Err(id_conflict())
            })
        } else if let Some(first) = claimed.get(&new.id) {
            Plan::SameAs(*first, *customer)
        } else if used_messages.contains(&new.first_message_id)
            || !claimed_messages.insert(new.first_message_id)
        {
            Plan::Done(Err(id_conflict()))
        } else {
            claimed.insert(new.id, i);
            Plan::Create
        };
        plans.push(plan);
    }

    let creating: Vec<usize> = (0..plans.len())
        .filter(|i| matches!(plans[*i], Plan::Create))
        .collect();
    let mut created: HashMap<usize, Ticket> = HashMap::new();
    if !creating.is_empty() {
        let count = creating.len() as i64;
        let (last_number,): (i64,) = sqlx::query_as(
            "UPDATE counters SET value = value + $1 WHERE name = 'ticket_number' RETURNING value",
        )
        .bind(count)
        .fetch_one(tx.conn())
        .await?;
        let now = from_micros(now_micros());
        let mut tickets = Vec::new();
        let mut messages = Vec::new();
        let mut events = Vec::new();
        for (k, &i) in creating.iter().enumerate() {
            let (customer_id, new) = requests[i];
            tickets.push(Ticket {
                id: new.id,
                number: last_number - count + 1 + k as i64,
                subject: new.subject.clone(),
                status: TicketStatus::Open,
                priority: Priority::Normal,
                department_id: new.department_id,
                customer_id,
                assignee_id: None,
                created_at: now,
                updated_at: now,
                closed_at: None,
                version: 1,
            });
            messages.push(Message {
                id: new.first_message_id,
                ticket_id: new.id,
                author_id: customer_id,
                body: new.body.clone(),
                internal: false,
                attachments: Vec::new(),
                created_at: now,
            });
            events.push(new_event(
                new.id,
                Some(customer_id),
                TimelineChange::Created,
            ));
        }
        // Per ticket, in feed order: the ticket, its message, its event.
        let seqs: Vec<(i64, i64, i64)> = tickets
            .iter()
            .map(|_| (tx.next_seq(), tx.next_seq(), tx.next_seq()))
            .collect();
        let ticket_rows: Vec<_> = tickets.iter().zip(&seqs).map(|(t, s)| (t, s.0)).collect();
        let message_rows: Vec<_> = messages.iter().zip(&seqs).map(|(m, s)| (m, s.1)).collect();
        let event_rows: Vec<_> = events.iter().zip(&seqs).map(|(e, s)| (e, s.2)).collect();
        db::tickets::insert_many(tx.conn(), &ticket_rows).await?;
        db::messages::insert_many(tx.conn(), &message_rows).await?;
        db::timeline::insert_many(tx.conn(), &event_rows).await?;
        let search: Vec<(Uuid, &str, bool)> = tickets
            .iter()
            .zip(&messages)
            .flat_map(|(t, m)| {
                [
                    (t.id, t.subject.as_str(), false),
                    (t.id, m.body.as_str(), false),
                ]
            })
            .collect();
        db::tickets::index_many(tx.conn(), &search).await?;

        // Routing, only where someone is Active (usually one query in all).
        let staffed =
            active_departments(tx.conn(), tickets.iter().map(|t| t.department_id)).await?;
        for ticket in tickets.iter_mut() {
            if staffed.contains(&ticket.department_id) {
                routing::route_new_ticket(&mut tx, ticket, capacity).await?;
            }
        }
        for (&i, ticket) in creating.iter().zip(tickets) {
            created.insert(i, ticket);
        }
    }
    tx.commit().await?;

    Ok(plans
        .into_iter()
        .enumerate()
        .map(|(i, plan)| match plan {
            // Cloned, not taken: a later duplicate of this id answers from it.
            Plan::Create => Ok(Opened::Created(created[&i].clone())),
            Plan::Done(outcome) => outcome,
            Plan::SameAs(first, customer) => match created.get(&first) {
                Some(t) if t.customer_id == customer => Ok(Opened::Existing(t.clone())),
                Some(_) => Err(id_conflict()),
                None => Err(ApiError::internal("batched duplicate without its original")),
            },
        })
        .collect())
}

pub fn id_conflict() -> ApiError {
    ApiError::conflict("id_conflict", "this id is already used by something else")
}

async fn existing_tickets(
    conn: &mut sqlx::AnyConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Ticket>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!(
        "SELECT {} FROM tickets t WHERE t.id IN (",
        db::tickets::COLUMNS
    ));
    push_list(&mut q, ids);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| db::tickets::from_row(row).map(|t| (t.id, t)))
        .collect()
}

async fn existing_messages(
    conn: &mut sqlx::AnyConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let mut q = SqlBuilder::new("SELECT id FROM messages WHERE id IN (");
    push_list(&mut q, ids);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| parse_id(&row.try_get::<String, _>("id")?))
        .collect()
}

/// Departments (of those given) with at least one Active agent or supervisor.
async fn active_departments(
    conn: &mut sqlx::AnyConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let mut q = SqlBuilder::new(
        "SELECT DISTINCT department_id FROM users WHERE status = 'active' AND disabled = 0 \
         AND role IN ('agent', 'supervisor') AND department_id IN (",
    );
    push_list(&mut q, ids);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| parse_id(&row.try_get::<String, _>("department_id")?))
        .collect()
}

/// Appends `a, b, c)` (distinct ids) to an `IN (` list.
fn push_list(q: &mut SqlBuilder, ids: impl Iterator<Item = Uuid>) {
    let mut seen = HashSet::new();
    let mut first = true;
    for id in ids.filter(|id| seen.insert(*id)) {
        if !first {
            q.push(", ");
        }
        q.bind(id);
        first = false;
    }
    q.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::NewUser;

    async fn store_with_customers() -> (tempfile::TempDir, Db, Uuid, [Uuid; 2]) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let dept = db::departments::insert(db.writer(), "D")
            .await
            .unwrap()
            .unwrap();
        let customers = [Uuid::now_v7(), Uuid::now_v7()];
        for (i, id) in customers.iter().enumerate() {
            let email = format!("c{i}@x.io");
            let new = NewUser {
                id: *id,
                email: &email,
                name: "C",
                password_hash: "x",
                role: protocol::Role::Customer,
                department_id: None,
            };
            db::users::insert(db.writer(), new).await.unwrap();
        }
        (dir, db, dept.id, customers)
    }

    fn new_ticket(id: Uuid, department_id: Uuid) -> NewTicket {
        NewTicket {
            id,
            first_message_id: Uuid::now_v7(),
            department_id,
            subject: "S".into(),
            body: "B".into(),
        }
    }

    #[tokio::test]
    async fn a_duplicate_id_inside_one_batch_is_answered_like_one_across_batches() {
        let (_dir, db, dept, [ann, bob]) = store_with_customers().await;
        let shared = Uuid::now_v7();
        let (a, b, c, d) = (
            new_ticket(shared, dept),
            new_ticket(shared, dept),
            new_ticket(shared, dept),
            new_ticket(Uuid::now_v7(), dept),
        );
        let batch = [(ann, &a), (ann, &b), (bob, &c), (bob, &d)];
        let outcomes = write_batch(&db, 10, &batch).await.unwrap();
        let created = match &outcomes[0] {
            Ok(Opened::Created(t)) => t.clone(),
            _ => panic!("the first send creates"),
        };
        match &outcomes[1] {
            Ok(Opened::Existing(t)) => assert_eq!(t, &created),
            _ => panic!("the repeat answers the same ticket"),
        }
        assert!(
            matches!(&outcomes[2], Err(e) if e.code == "id_conflict"),
            "another customer's send of the id is a conflict"
        );
        assert!(matches!(&outcomes[3], Ok(Opened::Created(_))));
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert_eq!(count, 2);
    }
}

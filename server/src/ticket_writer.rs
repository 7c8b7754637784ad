//! Group commit for new tickets (see `group_commit`).
//!
//! Opening a ticket writes a ticket, its first message, a timeline entry and
//! two search rows, then routes it; a batch writes each table with one
//! multi-row statement.

use std::collections::{HashMap, HashSet};

use protocol::{Message, Priority, Ticket, TicketStatus, TimelineChange};
use sqlx::Row;
use tokio::sync::watch;
use uuid::Uuid;

use crate::db::sync::Change;
use crate::db::timeline::new_event;
use crate::db::{self, Db, SqlBuilder, from_micros, now_micros, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::group_commit::GroupCommit;
use crate::routing;
use crate::stage_metrics::StageMetrics;

/// A validated request to open a ticket.
pub struct NewTicket {
    pub id: Uuid,
    pub first_message_id: Uuid,
    pub department_id: Uuid,
    pub subject: String,
    pub body: String,
    /// Staff who open it on the customer's behalf: they write the first
    /// message, and the timeline says who opened it for whom.
    pub opened_by: Option<Uuid>,
}

pub enum Opened {
    Created(Ticket),
    /// A ticket with this id was already opened by this customer.
    Existing(Ticket),
}

/// Queues ticket openings for the writer task.
#[derive(Clone)]
pub struct TicketWriter(GroupCommit<(Uuid, NewTicket), Opened>);

impl TicketWriter {
    pub fn start(
        db: Db,
        routing_capacity: i64,
        shutdown: watch::Receiver<bool>,
        stages: StageMetrics,
    ) -> Self {
        TicketWriter(GroupCommit::start(
            "ticket",
            shutdown,
            stages,
            move |batch| write_owned_batch(db.clone(), routing_capacity, batch),
        ))
    }

    /// Opens a ticket (with its first message and timeline entry) and
    /// routes it; answers once it is committed.
    pub async fn open(&self, customer_id: Uuid, new: NewTicket) -> ApiResult<Opened> {
        self.0.submit((customer_id, new)).await
    }
}

async fn write_owned_batch(
    db: Db,
    capacity: i64,
    batch: Vec<(Uuid, NewTicket)>,
) -> Result<Vec<ApiResult<Opened>>, sqlx::Error> {
    let requests: Vec<(Uuid, &NewTicket)> = batch.iter().map(|(c, n)| (*c, n)).collect();
    write_batch(&db, capacity, &requests).await
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
    let ids: Vec<Uuid> = requests.iter().map(|(_, n)| n.id).collect();
    let existing = db::tickets::get_many(tx.conn(), &ids).await?;
    let used_messages =
        existing_messages(tx.conn(), requests.iter().map(|(_, n)| n.first_message_id)).await?;

    enum Plan {
        Create,
        // Boxed: a ticket is large, and most plans create.
        Done(Box<ApiResult<Opened>>),
        /// The same id as an earlier request of this batch.
        SameAs(usize, Uuid),
    }
    let mut plans = Vec::with_capacity(requests.len());
    let mut claimed: HashMap<Uuid, usize> = HashMap::new();
    let mut claimed_messages: HashSet<Uuid> = HashSet::new();
    for (i, (customer, new)) in requests.iter().enumerate() {
        let plan = if let Some(t) = existing.get(&new.id) {
            Plan::Done(Box::new(if t.customer_id == *customer {
                Ok(Opened::Existing(t.clone()))
            } else {
                Err(id_conflict())
            }))
        } else if let Some(first) = claimed.get(&new.id) {
            Plan::SameAs(*first, *customer)
        } else if used_messages.contains(&new.first_message_id)
            || !claimed_messages.insert(new.first_message_id)
        {
            Plan::Done(Box::new(Err(id_conflict())))
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
        let policies = db::sla::policies(
            tx.conn(),
            creating.iter().map(|&i| requests[i].1.department_id),
        )
        .await?;
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
                rating: None,
                sla: Default::default(),
            });
            if let Some(policy) = policies.get(&new.department_id) {
                crate::sla::set_due_times(tickets.last_mut().expect("just pushed"), policy);
            }
            messages.push(Message {
                id: new.first_message_id,
                ticket_id: new.id,
                author_id: new.opened_by.unwrap_or(customer_id),
                body: new.body.clone(),
                internal: false,
                attachments: Vec::new(),
                created_at: now,
            });
            events.push(match new.opened_by {
                Some(staff) => new_event(
                    new.id,
                    Some(staff),
                    TimelineChange::CreatedFor { customer_id },
                ),
                None => new_event(new.id, Some(customer_id), TimelineChange::Created),
            });
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
        for (((t, m), e), (ts, ms, es)) in tickets.iter().zip(&messages).zip(&events).zip(&seqs) {
            tx.record(*ts, Change::Ticket(t.clone()));
            tx.record(*ms, Change::Message(m.clone()));
            tx.record(*es, Change::Event(e.clone()));
        }
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
            Plan::Done(outcome) => *outcome,
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

async fn existing_messages(
    conn: &mut sqlx::AnyConnection,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let mut q = SqlBuilder::new("SELECT id FROM messages WHERE id IN (");
    q.push_id_list(ids);
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
    q.push_id_list(ids);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| parse_id(&row.try_get::<String, _>("department_id")?))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::users::NewUser;

    /// A migrated SQLite store with a department and two customers.
    pub(crate) async fn store_with_customers() -> (tempfile::TempDir, Db, Uuid, [Uuid; 2]) {
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
            opened_by: None,
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

    #[tokio::test]
    async fn opened_and_routed_tickets_are_handed_as_the_feed_reads() {
        let (_dir, db, dept, [ann, bob]) = store_with_customers().await;
        let agent = Uuid::now_v7();
        let new = NewUser {
            id: agent,
            email: "agent@x.io",
            name: "A",
            password_hash: "x",
            role: protocol::Role::Agent,
            department_id: Some(dept),
        };
        db::users::insert(db.writer(), new).await.unwrap();
        sqlx::query("UPDATE users SET status = 'active' WHERE id = $1")
            .bind(agent.to_string())
            .execute(db.writer())
            .await
            .unwrap();
        db.commits().take();
        let (a, b) = (
            new_ticket(Uuid::now_v7(), dept),
            new_ticket(Uuid::now_v7(), dept),
        );
        let outcomes = write_batch(&db, 10, &[(ann, &a), (bob, &b)]).await.unwrap();
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Ok(Opened::Created(t)) if t.assignee_id == Some(agent))),
            "both routed to the Active agent"
        );
        crate::db::committed::tests::assert_handed_as_the_feed_reads(&db).await;
    }
}

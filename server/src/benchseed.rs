//! Bulk test data for benchmarks (`loadgen queue-page`, `loadgen
//! ws-fanout`): many realistic tickets, accounts and signed-in sessions
//! written straight into the store, through the same insert functions and
//! feed transactions the API uses, without an HTTP round trip (or a password
//! hash) per row.

use anyhow::Context;
use protocol::{Priority, Role, Ticket, TicketStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::AppState;
use crate::db::users::NewUser;
use crate::db::{self, from_micros, now_micros};

/// Rows per write transaction: big enough that commits are cheap, small
/// enough that the single writer is not held for long.
pub const BATCH: usize = 5_000;

const SUBJECTS: [&str; 12] = [
    "Charged twice for my subscription",
    "Cannot sign in after password reset",
    "App crashes when I attach a photo",
    "Invoice needs my company name",
    "Refund not received yet",
    "Delivery is late",
    "How do I change my email address?",
    "Error 500 when saving my profile",
    "Please cancel my order",
    "Notifications stopped working",
    "Export to CSV is missing columns",
    "Wrong VAT rate on receipt",
];

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Writes `n` tickets, each with its searchable subject, spread at random
/// (fixed seed, so runs are comparable) over `departments` and `customers`,
/// created over the past year in order:
///
/// - status: 70% closed or resolved, 15% open, 15% in progress;
/// - priority: 20% low, 50% normal, 22% high, 8% urgent.
///
/// Every row takes a feed position (`seq`) and a ticket number, exactly as
/// tickets opened through the API do, so the sync feed and the numbering
/// stay consistent for whatever runs on the store afterwards.
pub async fn seed_tickets(
    state: &AppState,
    departments: &[Uuid],
    customers: &[Uuid],
    n: usize,
) -> anyhow::Result<()> {
    seed_in_batches(state, departments, customers, n, BATCH).await
}

async fn seed_in_batches(
    state: &AppState,
    departments: &[Uuid],
    customers: &[Uuid],
    n: usize,
    batch_size: usize,
) -> anyhow::Result<()> {
    anyhow::ensure!(!departments.is_empty(), "seed_tickets needs a department");
    anyhow::ensure!(!customers.is_empty(), "seed_tickets needs a customer");
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let end = now_micros();
    let start = end - 365 * MICROS_PER_DAY;
    let step = (end - start) / i64::try_from(n.max(1))?;

    let mut written = 0;
    while written < n {
        let batch = batch_size.min(n - written);
        let mut tx = state.db.begin_write().await?;
        let last_number = reserve_numbers(tx.conn(), batch).await?;
        let first_number = last_number - i64::try_from(batch)? + 1;
        for k in 0..batch {
            let i = i64::try_from(written + k)?;
            let ticket = random_ticket(&mut rng, departments, customers, start + i * step, end);
            let ticket = Ticket {
                number: first_number + i64::try_from(k)?,
                ..ticket
            };
            let seq = tx.next_seq();
            db::tickets::insert(tx.conn(), &ticket, seq)
                .await
                .with_context(|| format!("inserting ticket {}", ticket.number))?;
            db::tickets::index_text(tx.conn(), ticket.id, &ticket.subject, false).await?;
        }
        tx.commit().await?;
        written += batch;
    }
    Ok(())
}

/// An account written by [`seed_fanout`], with a live bearer token.
#[derive(Debug, Clone)]
pub struct SeededUser {
    pub id: Uuid,
    pub role: Role,
    pub department_id: Option<Uuid>,
    /// `Authorization: Bearer` value; its hash is in `sessions`.
    pub token: String,
}

/// A ticket written by [`seed_fanout`]: open, unassigned.
#[derive(Debug, Clone, Copy)]
pub struct SeededTicket {
    pub id: Uuid,
    /// Index into [`FanoutSeed::customers`].
    pub customer: usize,
    /// Index into [`FanoutSeed::departments`].
    pub department: usize,
}

/// Departments, their agents, customers and tickets, everyone signed in.
#[derive(Debug, Clone)]
pub struct FanoutSeed {
    pub departments: Vec<Uuid>,
    /// `agents_per_department` agents of department 0, then of 1, …
    pub staff: Vec<SeededUser>,
    pub customers: Vec<SeededUser>,
    pub tickets: Vec<SeededTicket>,
}

/// The store of `loadgen ws-fanout`:
///
/// - `departments` departments with `agents_per_department` agents each
///   (`agent<d>-<n>@loadgen.test`, status Off, so routing leaves tickets be);
/// - `customers` customers (`customer<c>@loadgen.test`);
/// - `tickets` open, unassigned tickets, ticket `i` opened by customer `i`
///   in department `i % departments`;
/// - one session per account, written straight into `sessions` (the token
///   is returned), so nobody has to sign in.
///
/// Every account gets `password_hash` (hash one password once: argon2 is
/// deliberately slow).
pub async fn seed_fanout(
    state: &AppState,
    departments: usize,
    agents_per_department: usize,
    customers: usize,
    tickets: usize,
    password_hash: &str,
) -> anyhow::Result<FanoutSeed> {
    anyhow::ensure!(departments > 0, "seed_fanout needs a department");
    anyhow::ensure!(
        tickets <= customers,
        "one ticket per customer: {tickets} tickets need as many customers, not {customers}"
    );
    let mut department_ids = Vec::with_capacity(departments);
    for d in 0..departments {
        let name = format!("Load Test Department {d}");
        let dept = db::departments::insert(state.db.writer(), &name)
            .await?
            .with_context(|| format!("department {name} exists already"))?;
        department_ids.push(dept.id);
    }
    let mut staff_accounts = Vec::with_capacity(departments * agents_per_department);
    for (d, dept) in department_ids.iter().enumerate() {
        for n in 0..agents_per_department {
            staff_accounts.push((
                format!("agent{d}-{n}@loadgen.test"),
                Role::Agent,
                Some(*dept),
            ));
        }
    }
    let customer_accounts: Vec<_> = (0..customers)
        .map(|c| (format!("customer{c}@loadgen.test"), Role::Customer, None))
        .collect();
    let staff = seed_users(state, &staff_accounts, password_hash).await?;
    let customers = seed_users(state, &customer_accounts, password_hash).await?;

    let placements: Vec<(Uuid, Uuid)> = (0..tickets)
        .map(|i| (customers[i].id, department_ids[i % departments]))
        .collect();
    let ticket_ids = seed_open_tickets(state, &placements).await?;
    let tickets = ticket_ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| SeededTicket {
            id,
            customer: i,
            department: i % departments,
        })
        .collect();
    Ok(FanoutSeed {
        departments: department_ids,
        staff,
        customers,
        tickets,
    })
}

/// Inserts accounts `(email, role, department)` sharing one password hash,
/// each with a fresh session, in transactions of [`BATCH`] accounts.
pub async fn seed_users(
    state: &AppState,
    accounts: &[(String, Role, Option<Uuid>)],
    password_hash: &str,
) -> anyhow::Result<Vec<SeededUser>> {
    let mut users = Vec::with_capacity(accounts.len());
    for chunk in accounts.chunks(BATCH) {
        let mut tx = state.db.writer().begin().await?;
        for (email, role, department_id) in chunk {
            let id = Uuid::now_v7();
            let new = NewUser {
                id,
                email,
                name: "Load Test User",
                password_hash,
                role: *role,
                department_id: *department_id,
            };
            anyhow::ensure!(db::users::insert(&mut *tx, new).await?, "{email} exists");
            let (token, token_hash) = crate::auth::new_token();
            db::sessions::insert(&mut *tx, &token_hash, id).await?;
            users.push(SeededUser {
                id,
                role: *role,
                department_id: *department_id,
                token,
            });
        }
        tx.commit().await?;
    }
    Ok(users)
}

/// Writes one open, unassigned, normal-priority ticket per `(customer,
/// department)`, created now, each with a feed position and a ticket
/// number as the API gives them. Returns their ids, in order.
pub async fn seed_open_tickets(
    state: &AppState,
    placements: &[(Uuid, Uuid)],
) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(placements.len());
    for chunk in placements.chunks(BATCH) {
        let mut tx = state.db.begin_write().await?;
        let last_number = reserve_numbers(tx.conn(), chunk.len()).await?;
        let first_number = last_number - i64::try_from(chunk.len())? + 1;
        for (k, (customer_id, department_id)) in chunk.iter().enumerate() {
            let now = from_micros(now_micros());
            let number = first_number + i64::try_from(k)?;
            let ticket = Ticket {
                id: Uuid::now_v7(),
                number,
                subject: format!("Load test conversation {number}"),
                status: TicketStatus::Open,
                priority: Priority::Normal,
                department_id: *department_id,
                customer_id: *customer_id,
                assignee_id: None,
                created_at: now,
                updated_at: now,
                closed_at: None,
                version: 1,
                rating: None,
                sla: Default::default(),
            };
            let seq = tx.next_seq();
            db::tickets::insert(tx.conn(), &ticket, seq)
                .await
                .with_context(|| format!("inserting ticket {number}"))?;
            db::tickets::index_text(tx.conn(), ticket.id, &ticket.subject, false).await?;
            ids.push(ticket.id);
        }
        tx.commit().await?;
    }
    Ok(ids)
}

/// Takes `count` ticket numbers at once; returns the last one.
async fn reserve_numbers(conn: &mut sqlx::AnyConnection, count: usize) -> Result<i64, sqlx::Error> {
    let (last,): (i64,) = sqlx::query_as(
        "UPDATE counters SET value = value + $1 WHERE name = 'ticket_number' RETURNING value",
    )
    .bind(i64::try_from(count).unwrap_or(i64::MAX))
    .fetch_one(conn)
    .await?;
    Ok(last)
}

/// A ticket created at `created` (microseconds); `number` is left at 0.
fn random_ticket(
    rng: &mut StdRng,
    departments: &[Uuid],
    customers: &[Uuid],
    created: i64,
    now: i64,
) -> Ticket {
    let created = created + rng.random_range(0..60_000_000);
    let status = match rng.random_range(0..100) {
        0..40 => TicketStatus::Closed,
        40..70 => TicketStatus::Resolved,
        70..85 => TicketStatus::Open,
        _ => TicketStatus::InProgress,
    };
    let priority = match rng.random_range(0..100) {
        0..20 => Priority::Low,
        20..70 => Priority::Normal,
        70..92 => Priority::High,
        _ => Priority::Urgent,
    };
    let (updated, version) = match status {
        TicketStatus::Open => (created, 1),
        _ => (
            (created + rng.random_range(0..3 * MICROS_PER_DAY)).min(now),
            rng.random_range(2..6),
        ),
    };
    let mut random_bits = [0u8; 10];
    rng.fill(&mut random_bits);
    let millis = u64::try_from(created / 1000).unwrap_or_default();
    Ticket {
        // UUIDv7 of the creation time, as `Uuid::now_v7()` gives live tickets.
        id: uuid::Builder::from_unix_timestamp_millis(millis, &random_bits).into_uuid(),
        number: 0,
        subject: format!(
            "{} (order {})",
            SUBJECTS[rng.random_range(0..SUBJECTS.len())],
            rng.random_range(10_000..99_999)
        ),
        status,
        priority,
        department_id: departments[rng.random_range(0..departments.len())],
        customer_id: customers[rng.random_range(0..customers.len())],
        assignee_id: None,
        created_at: from_micros(created),
        updated_at: from_micros(updated),
        closed_at: (status == TicketStatus::Closed).then(|| from_micros(updated)),
        version,
        rating: None,
        sla: Default::default(),
    }
}

/// The people of [`seed_report_history`]'s department.
pub struct ReportPeople<'a> {
    pub department: Uuid,
    pub agents: &'a [Uuid],
    pub customers: &'a [Uuid],
}

/// Writes `n` tickets of one department opened evenly over the last `days`
/// days, each with the timeline and state a busy support desk leaves (fixed
/// seed): routed to an agent; 85 % answered (1 min to 4 h) and resolved
/// (10 min to 2 days after), 5 % of those reopened, 30 % rated; a
/// first-response target of 3 hours missed by the unanswered and the slow; 5 % with a call (answered, missed,
/// declined or cancelled). Tickets and events take feed positions in order,
/// as through the API, for the report job to read back. Returns how many
/// timeline events were written.
pub async fn seed_report_history(
    state: &AppState,
    people: &ReportPeople<'_>,
    n: usize,
    days: i64,
) -> anyhow::Result<usize> {
    use protocol::{CallOutcome, TimelineChange, TimelineEvent};
    anyhow::ensure!(
        !people.agents.is_empty() && !people.customers.is_empty(),
        "seed_report_history needs agents and customers"
    );
    const PER_TX: usize = 500;
    const MINUTE: i64 = 60_000_000;
    let mut rng = StdRng::seed_from_u64(0xDA11);
    let end = now_micros() - 5 * MINUTE;
    let start = end - days * MICROS_PER_DAY;
    let step = (end - start) / i64::try_from(n.max(1))?;
    let mut events_written = 0;
    let mut written = 0;
    while written < n {
        let batch = PER_TX.min(n - written);
        let mut tx = state.db.begin_write().await?;
        let first_number = reserve_numbers(tx.conn(), batch).await? - i64::try_from(batch)? + 1;
        let mut tickets = Vec::with_capacity(batch);
        let mut events: Vec<(TimelineEvent, i64)> = Vec::with_capacity(batch * 4);
        for k in 0..batch {
            let created = start + i64::try_from(written + k)? * step;
            let customer = people.customers[rng.random_range(0..people.customers.len())];
            let agent = people.agents[rng.random_range(0..people.agents.len())];
            let id = Uuid::now_v7();
            let event = |at: i64, actor: Option<Uuid>, change: TimelineChange| {
                let e = TimelineEvent {
                    id: Uuid::now_v7(),
                    ticket_id: id,
                    actor_id: actor,
                    created_at: from_micros(at.min(end)),
                    change,
                };
                (e, 0)
            };
            let mut mine = vec![
                event(created, Some(customer), TimelineChange::Created),
                event(
                    created,
                    None,
                    TimelineChange::AssigneeChanged {
                        from: None,
                        to: Some(agent),
                    },
                ),
            ];
            let answered = rng.random_range(0..100) < 85;
            let responded = answered.then(|| created + rng.random_range(1..240) * MINUTE);
            let resolved = responded.map(|r| r + rng.random_range(10..2_880) * MINUTE);
            let resolved = resolved.filter(|r| *r < end);
            // A 3-hour first-response target: missed by the unanswered and the slow.
            let breached = responded
                .is_none_or(|r| r > created + 180 * MINUTE)
                .then_some(created + 180 * MINUTE)
                .filter(|at| *at < end);
            let mut status = TicketStatus::Open;
            let mut rating = None;
            if let Some(at) = resolved {
                status = TicketStatus::Resolved;
                mine.push(event(
                    at,
                    Some(agent),
                    TimelineChange::StatusChanged {
                        from: TicketStatus::Open,
                        to: TicketStatus::Resolved,
                    },
                ));
                if rng.random_range(0..100) < 30 {
                    let score = [5, 5, 5, 4, 4, 3, 2, 1][rng.random_range(0..8)];
                    rating = Some((score, at + 10 * MINUTE));
                    mine.push(event(
                        at + 10 * MINUTE,
                        Some(customer),
                        TimelineChange::Rated {
                            score,
                            comment: None,
                        },
                    ));
                }
                if rng.random_range(0..100) < 5 {
                    status = TicketStatus::Open;
                    mine.push(event(
                        at + 30 * MINUTE,
                        Some(customer),
                        TimelineChange::StatusChanged {
                            from: TicketStatus::Resolved,
                            to: TicketStatus::Open,
                        },
                    ));
                }
            }
            if rng.random_range(0..100) < 5 {
                let outcome = [
                    CallOutcome::Completed,
                    CallOutcome::Completed,
                    CallOutcome::Missed,
                    CallOutcome::Declined,
                    CallOutcome::Cancelled,
                ][rng.random_range(0..5)];
                let talk = (outcome == CallOutcome::Completed).then(|| rng.random_range(30..900));
                mine.push(event(
                    created + 20 * MINUTE,
                    Some(agent),
                    TimelineChange::Call {
                        call_id: Uuid::now_v7(),
                        caller_id: agent,
                        callee_id: Some(customer),
                        outcome,
                        duration_secs: talk,
                    },
                ));
            }
            for (_, seq) in &mut mine {
                *seq = tx.next_seq();
            }
            let updated = mine
                .iter()
                .map(|(e, _)| e.created_at)
                .max()
                .unwrap_or_default();
            events.extend(mine);
            tickets.push(HistoryTicket {
                id,
                number: first_number + i64::try_from(k)?,
                status,
                customer,
                agent,
                created,
                updated: updated.timestamp_micros(),
                responded,
                resolved,
                breached,
                rating,
                seq: tx.next_seq(),
            });
        }
        insert_history_tickets(tx.conn(), people.department, &tickets).await?;
        for chunk in events.chunks(PER_TX) {
            let rows: Vec<(&TimelineEvent, i64)> = chunk.iter().map(|(e, s)| (e, *s)).collect();
            db::timeline::insert_many(tx.conn(), &rows).await?;
        }
        tx.commit().await?;
        events_written += events.len();
        written += batch;
    }
    Ok(events_written)
}

struct HistoryTicket {
    id: Uuid,
    number: i64,
    status: TicketStatus,
    customer: Uuid,
    agent: Uuid,
    created: i64,
    updated: i64,
    responded: Option<i64>,
    resolved: Option<i64>,
    breached: Option<i64>,
    rating: Option<(u8, i64)>,
    seq: i64,
}

async fn insert_history_tickets(
    conn: &mut sqlx::AnyConnection,
    department: Uuid,
    tickets: &[HistoryTicket],
) -> Result<(), sqlx::Error> {
    let mut q = db::SqlBuilder::new(
        "INSERT INTO tickets (id, number, subject, status, priority, department_id, customer_id, \
         assignee_id, created_at, updated_at, version, seq, first_responded_at, \
         first_resolved_at, first_response_breached_at, rating_score, rated_at) VALUES ",
    );
    for (i, t) in tickets.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(t.id).push(", ").bind(t.number).push(", ");
        q.bind(SUBJECTS[t.number as usize % SUBJECTS.len()]);
        q.push(", ").bind(t.status.as_str());
        q.push(", ").bind(Priority::Normal.rank());
        q.push(", ").bind(department).push(", ").bind(t.customer);
        q.push(", ").bind(t.agent).push(", ").bind(t.created);
        q.push(", ").bind(t.updated).push(", 2, ").bind(t.seq);
        let (score, rated) = match t.rating {
            Some((score, at)) => (Some(i64::from(score)), Some(at)),
            None => (None, None),
        };
        for v in [t.responded, t.resolved, t.breached, score, rated] {
            match v {
                Some(v) => q.push(", ").bind(v),
                None => q.push(", NULL"),
            };
        }
        q.push(")");
    }
    q.build().execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[tokio::test]
    async fn seeded_tickets_take_numbers_and_feed_positions_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let state = AppState::open(config).await.unwrap();
        let dept = db::departments::insert(state.db.writer(), "Billing")
            .await
            .unwrap()
            .unwrap();
        let customer = Uuid::now_v7();
        let new = NewUser {
            id: customer,
            email: "c@example.test",
            name: "C",
            password_hash: "x",
            role: Role::Customer,
            department_id: None,
        };
        assert!(db::users::insert(state.db.writer(), new).await.unwrap());

        seed_in_batches(&state, &[dept.id], &[customer], 25, 10)
            .await
            .unwrap();

        let (count, first, last, seqs): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), MIN(number), MAX(number), COUNT(DISTINCT seq) FROM tickets",
        )
        .fetch_one(state.db.reader())
        .await
        .unwrap();
        assert_eq!((count, first, last, seqs), (25, 1001, 1025, 25));
        let counters: Vec<(String, i64)> =
            sqlx::query_as("SELECT name, value FROM counters ORDER BY name")
                .fetch_all(state.db.reader())
                .await
                .unwrap();
        assert!(counters.contains(&("feed".into(), 25)), "{counters:?}");
        assert!(
            counters.contains(&("ticket_number".into(), 1025)),
            "{counters:?}"
        );
        let (indexed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ticket_search")
            .fetch_one(state.db.reader())
            .await
            .unwrap();
        assert_eq!(indexed, 25);
        state.db.close().await;
    }

    #[tokio::test]
    async fn fanout_accounts_are_signed_in_and_tickets_open_in_their_departments() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let state = AppState::open(config).await.unwrap();

        let seed = seed_fanout(&state, 3, 2, 5, 4, "x").await.unwrap();

        assert_eq!(seed.departments.len(), 3);
        assert_eq!(seed.staff.len(), 6);
        assert_eq!(seed.customers.len(), 5);
        assert_eq!(seed.staff[2].department_id, Some(seed.departments[1]));
        for user in seed.staff.iter().chain(&seed.customers) {
            let hash = crate::auth::hash_token(&user.token);
            let signed_in = db::sessions::user_for_token(state.db.reader(), &hash)
                .await
                .unwrap()
                .expect("the token is live");
            assert_eq!((signed_in.id, signed_in.role), (user.id, user.role));
            assert_eq!(signed_in.department_id, user.department_id);
        }
        assert_eq!(seed.tickets.len(), 4);
        for (i, t) in seed.tickets.iter().enumerate() {
            assert_eq!((t.customer, t.department), (i, i % 3));
            let ticket = db::tickets::get(state.db.reader(), t.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(ticket.status, TicketStatus::Open);
            assert_eq!(ticket.customer_id, seed.customers[i].id);
            assert_eq!(ticket.department_id, seed.departments[i % 3]);
            assert_eq!(ticket.assignee_id, None);
        }
        assert!(seed_fanout(&state, 1, 1, 1, 2, "x").await.is_err());
        state.db.close().await;
    }
}

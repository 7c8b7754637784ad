//! Bulk test data for benchmarks (`loadgen queue-page`): many realistic
//! tickets written straight into the store, through the same insert
//! functions and feed transactions the API uses, without an HTTP round trip
//! per ticket.

use anyhow::Context;
use protocol::{Priority, Ticket, TicketStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::AppState;
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
    }
}

#[cfg(test)]
mod tests {
    use protocol::Role;

    use super::*;
    use crate::Config;
    use crate::db::users::NewUser;

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
}

//! Tombstones of the change feed: tickets that left a department.
//!
//! Sync only returns rows the caller can see *now*, so a ticket transferred
//! away simply stops appearing for the staff of the department it left, and
//! their caches would keep it for ever. A departure is a feed row of its
//! own (a position from the same write transaction as the transfer) that
//! tells exactly those staff to drop the ticket.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::{SqlBuilder, parse_id};

/// A ticket left `department_id` at feed position `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Departure {
    pub ticket_id: Uuid,
    pub department_id: Uuid,
}

/// Records that `ticket_id` left `department_id`; call inside the transfer's
/// write transaction with a position from it.
pub async fn insert(
    conn: &mut AnyConnection,
    ticket_id: Uuid,
    department_id: Uuid,
    seq: i64,
    departed_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ticket_departures (seq, ticket_id, department_id, departed_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(seq)
    .bind(ticket_id.to_string())
    .bind(department_id.to_string())
    .bind(departed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which departures a feed reader receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Every departure, in feed order (the feed follower, which addresses
    /// each to the staff of the department left).
    All,
    /// Those of one department whose ticket is not back in it: a ticket that
    /// returned is visible again and must not be dropped.
    Department(Uuid),
}

/// Up to `limit` departures with `since < seq <= horizon`, in feed order.
pub async fn since(
    conn: &mut AnyConnection,
    sight: Sight,
    since: i64,
    horizon: i64,
    limit: i64,
) -> Result<Vec<(i64, Departure)>, sqlx::Error> {
    let mut q = SqlBuilder::new(
        "SELECT d.seq, d.ticket_id, d.department_id FROM ticket_departures d WHERE d.seq > ",
    );
    q.bind(since).push(" AND d.seq <= ").bind(horizon);
    if let Sight::Department(dept) = sight {
        q.push(" AND d.department_id = ").bind(dept);
        q.push(
            " AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = d.ticket_id \
             AND t.department_id = d.department_id)",
        );
    }
    q.push(" ORDER BY d.seq LIMIT ").bind(limit);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<i64, _>("seq")?,
                Departure {
                    ticket_id: parse_id(&row.try_get::<String, _>("ticket_id")?)?,
                    department_id: parse_id(&row.try_get::<String, _>("department_id")?)?,
                },
            ))
        })
        .collect()
}

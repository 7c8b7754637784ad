//! The change feed read side: what changed after a cursor, within a scope.

use protocol::{Message, Ticket, TimelineEvent};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::tickets::Scope;
use super::tombstones::{self, Departure, Sight};
use super::{SqlBuilder, messages, tickets, timeline};

/// One row of the feed. Serialisable so that a commit's rows can travel to
/// the other instances in its `NOTIFY` (`write.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "row", rename_all = "snake_case")]
pub enum Change {
    Ticket(Ticket),
    Message(Message),
    Event(TimelineEvent),
    /// The ticket left a department (a tombstone): its staff drop it.
    Departure(Departure),
}

pub struct Changes {
    /// In feed order, each with its position.
    pub changes: Vec<(i64, Change)>,
    pub next_cursor: i64,
    pub has_more: bool,
}

/// Reads up to `limit` changes with `since < seq`, in feed order.
///
/// The feed counter is read first: every row with a position at or below it
/// is committed (the counter moves in the same transaction as the rows, see
/// `write.rs`), so reading only up to it can never pass an uncommitted row.
/// When nothing more is visible the cursor jumps to the counter, so a later
/// call does not rescan rows the caller may not see.
pub async fn changes_since(
    conn: &mut AnyConnection,
    scope: Scope,
    include_internal: bool,
    since: i64,
    limit: i64,
) -> Result<Changes, sqlx::Error> {
    let horizon: i64 = sqlx::query("SELECT value FROM counters WHERE name = 'feed'")
        .fetch_one(&mut *conn)
        .await?
        .try_get("value")?;

    let mut q = SqlBuilder::new(&format!(
        "SELECT {}, t.seq FROM tickets t WHERE t.seq > ",
        tickets::COLUMNS
    ));
    q.bind(since).push(" AND t.seq <= ").bind(horizon);
    scope.push_predicate(&mut q);
    q.push(" ORDER BY t.seq LIMIT ").bind(limit + 1);
    let mut ticket_rows = Vec::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        ticket_rows.push((row.try_get::<i64, _>("seq")?, tickets::from_row(&row)?));
    }

    let mut q = SqlBuilder::new(&format!(
        "SELECT {} FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.seq > ",
        messages::COLUMNS
    ));
    q.bind(since).push(" AND m.seq <= ").bind(horizon);
    scope.push_predicate(&mut q);
    if !include_internal {
        q.push(" AND m.internal = 0");
    }
    q.push(" ORDER BY m.seq LIMIT ").bind(limit + 1);
    let mut message_rows = Vec::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        let (message, seq) = messages::from_row(&row)?;
        message_rows.push((seq, message));
    }

    let mut q = SqlBuilder::new(&format!(
        "SELECT {} FROM timeline_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.seq > ",
        timeline::COLUMNS
    ));
    q.bind(since).push(" AND e.seq <= ").bind(horizon);
    scope.push_predicate(&mut q);
    q.push(" ORDER BY e.seq LIMIT ").bind(limit + 1);
    let mut event_rows = Vec::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        event_rows.push((row.try_get::<i64, _>("seq")?, timeline::from_row(&row)?));
    }

    // Tickets that left the caller's department. Customers never lose
    // sight of their tickets, nor admins of any.
    let sight = match scope {
        Scope::All => Some(Sight::All),
        Scope::Department(dept) => Some(Sight::Department(dept)),
        Scope::Customer(_) | Scope::Nothing => None,
    };
    let departure_rows = match sight {
        Some(sight) => tombstones::since(conn, sight, since, horizon, limit + 1).await?,
        None => Vec::new(),
    };

    // Keep the `limit` lowest positions across the four lists: each list
    // holds its own lowest `limit + 1`, so the overall lowest are among them.
    let mut positions: Vec<i64> = ticket_rows
        .iter()
        .map(|(s, _)| *s)
        .chain(message_rows.iter().map(|(s, _)| *s))
        .chain(event_rows.iter().map(|(s, _)| *s))
        .chain(departure_rows.iter().map(|(s, _)| *s))
        .collect();
    positions.sort_unstable();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = positions.len() > limit;
    let next_cursor = if has_more {
        positions[limit - 1]
    } else {
        horizon.max(since)
    };
    let keep = |seq: &i64| *seq <= next_cursor;

    let mut messages: Vec<(i64, Message)> =
        message_rows.into_iter().filter(|(s, _)| keep(s)).collect();
    let mut bare: Vec<Message> = messages.iter().map(|(_, m)| m.clone()).collect();
    messages::attach_files(conn, &mut bare).await?;
    for ((_, m), with_files) in messages.iter_mut().zip(bare) {
        *m = with_files;
    }
    let mut changes: Vec<(i64, Change)> = ticket_rows
        .into_iter()
        .filter(|(s, _)| keep(s))
        .map(|(s, t)| (s, Change::Ticket(t)))
        .chain(messages.into_iter().map(|(s, m)| (s, Change::Message(m))))
        .chain(
            event_rows
                .into_iter()
                .filter(|(s, _)| keep(s))
                .map(|(s, e)| (s, Change::Event(e))),
        )
        .chain(
            departure_rows
                .into_iter()
                .filter(|(s, _)| keep(s))
                .map(|(s, d)| (s, Change::Departure(d))),
        )
        .collect();
    changes.sort_unstable_by_key(|(seq, _)| *seq);
    Ok(Changes {
        changes,
        next_cursor,
        has_more,
    })
}

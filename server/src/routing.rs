//! Routing: who gets a ticket without an assignee.
//!
//! - A new ticket goes to an Active member of its department: fewest open
//!   assigned tickets first (open or in progress), ties to whoever has waited
//!   longest since their last assignment; nobody beyond the capacity.
//! - With nobody Active with room, it waits unassigned in the department
//!   queue; the queue is handed out, oldest first, when someone turns Active
//!   or frees capacity.
//! - When a customer writes on a ticket whose assignee is Off, it goes to an
//!   Active colleague (or back to the queue).
//!
//! Routing only ever assigns unassigned tickets (and those of Off
//! assignees); it never moves a manual assignment to an Active colleague.
//! Everything runs inside a feed write transaction, which serialises
//! writers, so two instances cannot hand out the same capacity twice.

use protocol::{Ticket, TicketStatus, TimelineChange};
use sqlx::Row;
use uuid::Uuid;

use crate::db::sync::Change;
use crate::db::timeline::new_event;
use crate::db::{self, SqlBuilder, WriteTx, from_micros, now_micros, parse_id};

/// The Active staff member of `department_id` who should get the next
/// ticket, if anyone has room.
pub async fn pick_assignee(
    tx: &mut WriteTx,
    department_id: Uuid,
    capacity: i64,
    exclude: Option<Uuid>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let mut q = SqlBuilder::new(
        "SELECT c.id FROM (SELECT u.id, COALESCE(u.last_assigned_at, 0) AS waited, \
         (SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = u.id \
          AND t.status IN ('open', 'in_progress')) AS load \
         FROM users u WHERE u.role IN ('agent', 'supervisor') AND u.status = 'active' \
         AND u.disabled = 0 AND u.department_id = ",
    );
    q.bind(department_id);
    if let Some(id) = exclude {
        q.push(" AND u.id <> ").bind(id);
    }
    q.push(") c WHERE c.load < ")
        .bind(capacity)
        .push(" ORDER BY c.load, c.waited, c.id LIMIT 1");
    match q.build().fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some(parse_id(&row.try_get::<String, _>("id")?)?)),
        None => Ok(None),
    }
}

/// Sets a ticket's assignee as the server (no actor), on the timeline.
pub async fn assign(
    tx: &mut WriteTx,
    ticket: &mut Ticket,
    to: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    let from = ticket.assignee_id;
    let now = now_micros();
    ticket.assignee_id = to;
    ticket.updated_at = from_micros(now);
    ticket.version += 1;
    let seq = tx.next_seq();
    if !db::tickets::update(tx.conn(), ticket, seq).await? {
        return Err(sqlx::Error::Protocol(
            "ticket changed under the feed lock".into(),
        ));
    }
    tx.record(seq, Change::Ticket(ticket.clone()));
    let seq = tx.next_seq();
    let event = new_event(
        ticket.id,
        None,
        TimelineChange::AssigneeChanged { from, to },
    );
    db::timeline::insert(tx.conn(), &event, seq).await?;
    tx.record(seq, Change::Event(event));
    if let Some(user) = to {
        mark_assigned(tx, user, now).await?;
    }
    Ok(())
}

/// Remembers when someone last got a ticket, for tie-breaking.
pub async fn mark_assigned(tx: &mut WriteTx, user: Uuid, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_assigned_at = $1 WHERE id = $2")
        .bind(at)
        .bind(user.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Routes a ticket just opened; it stays in the queue if nobody has room.
pub async fn route_new_ticket(
    tx: &mut WriteTx,
    ticket: &mut Ticket,
    capacity: i64,
) -> Result<(), sqlx::Error> {
    if let Some(to) = pick_assignee(tx, ticket.department_id, capacity, None).await? {
        assign(tx, ticket, Some(to)).await?;
    }
    Ok(())
}

/// Hands out the department's waiting tickets, oldest first, while someone
/// Active has room. Returns how many were assigned.
pub async fn drain_queue(
    tx: &mut WriteTx,
    department_id: Uuid,
    capacity: i64,
) -> Result<usize, sqlx::Error> {
    let mut assigned = 0;
    loop {
        let mut q = SqlBuilder::new(&format!(
            "SELECT {} FROM tickets t WHERE t.department_id = ",
            db::tickets::COLUMNS
        ));
        q.bind(department_id).push(
            " AND t.assignee_id IS NULL AND t.status IN ('open', 'in_progress') \
             ORDER BY t.created_at, t.id LIMIT 1",
        );
        let Some(row) = q.build().fetch_optional(tx.conn()).await? else {
            return Ok(assigned);
        };
        let mut ticket = db::tickets::from_row(&row)?;
        let Some(to) = pick_assignee(tx, department_id, capacity, None).await? else {
            return Ok(assigned);
        };
        assign(tx, &mut ticket, Some(to)).await?;
        assigned += 1;
    }
}

/// When the customer writes and the assignee is Off (or disabled), hands
/// the ticket to an Active colleague with room, or back to the queue.
/// Those of the given staff who are away (Off, disabled or gone): one query
/// for a whole batch of messages, so that the common case (assignee
/// Active) costs nothing more.
pub async fn away_among(
    conn: &mut sqlx::AnyConnection,
    staff: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, sqlx::Error> {
    if staff.is_empty() {
        return Ok(Default::default());
    }
    let mut q = SqlBuilder::new(
        "SELECT id FROM users WHERE status = 'active' AND disabled = 0 AND id IN (",
    );
    q.push_id_list(staff.iter().copied());
    let active = q
        .build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| parse_id(&row.try_get::<String, _>("id")?))
        .collect::<Result<std::collections::HashSet<Uuid>, sqlx::Error>>()?;
    Ok(staff
        .iter()
        .copied()
        .filter(|id| !active.contains(id))
        .collect())
}

pub async fn reassign_if_assignee_away(
    tx: &mut WriteTx,
    ticket: &mut Ticket,
    capacity: i64,
) -> Result<(), sqlx::Error> {
    let Some(assignee) = ticket.assignee_id else {
        return Ok(());
    };
    if matches!(ticket.status, TicketStatus::Closed | TicketStatus::Resolved) {
        return Ok(());
    }
    let away = match db::users::by_id(tx.conn(), assignee).await? {
        Some(user) => user.disabled || user.status != Some(protocol::StaffStatus::Active),
        None => true,
    };
    if away {
        let to = pick_assignee(tx, ticket.department_id, capacity, Some(assignee)).await?;
        assign(tx, ticket, to).await?;
    }
    Ok(())
}

//! The outbox item by item: listing, and retrying or discarding one refused
//! change.

use rusqlite::{OptionalExtension, params};

use super::{Op, Store, micros_to_ms, remove_ticket, state_of};
use crate::error::CoreError;
use crate::types::*;

/// A short text for a list row.
fn summary(op: &Op) -> String {
    let cut = |text: &str| {
        let mut short: String = text.chars().take(60).collect();
        if text.chars().count() > 60 {
            short.push('…');
        }
        short
    };
    match op {
        Op::CreateTicket { ticket } => cut(&ticket.subject),
        Op::SendMessage { message, .. } => cut(&message.body),
        Op::UpdateTicket { update, .. } => {
            let mut parts = Vec::new();
            if let Some(s) = update.status {
                parts.push(format!("status {}", s.as_str()));
            }
            if let Some(p) = update.priority {
                parts.push(format!("priority {}", p.as_str()));
            }
            match update.assignee_id {
                Some(Some(a)) => parts.push(format!("assignee {a}")),
                Some(None) => parts.push("unassign".into()),
                None => {}
            }
            if let Some(d) = update.department_id {
                parts.push(format!("department {d}"));
            }
            parts.join(", ")
        }
        Op::RateTicket { rating, .. } => match &rating.comment {
            Some(comment) => format!("rating {}/5: {}", rating.score, cut(comment)),
            None => format!("rating {}/5", rating.score),
        },
    }
}

fn ticket_of(op: &Op) -> String {
    match op {
        Op::CreateTicket { ticket } => ticket.id.unwrap_or_default().to_string(),
        Op::SendMessage { ticket_id, .. }
        | Op::UpdateTicket { ticket_id, .. }
        | Op::RateTicket { ticket_id, .. } => ticket_id.to_string(),
    }
}

fn kind_of(op: &Op) -> OutboxKind {
    match op {
        Op::CreateTicket { .. } => OutboxKind::CreateTicket,
        Op::SendMessage { .. } => OutboxKind::SendMessage,
        Op::UpdateTicket { .. } => OutboxKind::UpdateTicket,
        Op::RateTicket { .. } => OutboxKind::RateTicket,
    }
}

fn not_failed(id: i64) -> CoreError {
    CoreError::invalid(format!(
        "outbox item {id} is not a refused change (only those can be retried or discarded)"
    ))
}

impl Store {
    /// Everything in the outbox, oldest first.
    pub fn outbox_items(&self) -> Result<Vec<OutboxItem>, CoreError> {
        let rows: Vec<(i64, String, String, Option<String>, i64)> = self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, payload, state, failure, created_at FROM outbox ORDER BY seq",
            )?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        })?;
        rows.into_iter()
            .map(|(id, payload, state, failure, created_at)| {
                let op: Op = serde_json::from_str(&payload)?;
                Ok(OutboxItem {
                    id,
                    kind: kind_of(&op),
                    ticket_id: ticket_of(&op),
                    state: state_of(&state, failure),
                    summary: summary(&op),
                    created_at_ms: micros_to_ms(created_at),
                })
            })
            .collect()
    }

    /// The operation of a refused item, or the error to show.
    fn failed_op(&self, id: i64) -> Result<Op, CoreError> {
        let row: Option<(String, String)> = self.with(|c| {
            c.query_row(
                "SELECT payload, state FROM outbox WHERE seq = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })?;
        match row {
            None => Err(CoreError::NotFound {
                message: format!("no outbox item {id}"),
            }),
            Some((_, state)) if state != "failed" => Err(not_failed(id)),
            Some((payload, _)) => Ok(serde_json::from_str(&payload)?),
        }
    }

    /// Puts one refused item back in the queue (in its original place).
    pub fn retry_op(&self, id: i64) -> Result<(), CoreError> {
        let op = self.failed_op(id)?;
        let (target, target_id) = op.target();
        self.with(|c| {
            let tx = c.transaction()?;
            let table = match target {
                super::Target::Ticket => "tickets",
                super::Target::Message => "messages",
            };
            tx.execute(
                &format!("UPDATE {table} SET send_state = 'pending', failure = NULL WHERE id = ?1"),
                [target_id.to_string()],
            )?;
            tx.execute(
                "UPDATE outbox SET state = 'pending', failure = NULL WHERE seq = ?1",
                [id],
            )?;
            tx.commit()
        })
    }

    /// Drops one refused item and what it showed: a new ticket or message
    /// disappears, a ticket change stops being marked. Returns the dropped
    /// operation (a ticket change needs the server's state fetched again).
    pub fn discard_op(&self, id: i64) -> Result<Op, CoreError> {
        let op = self.failed_op(id)?;
        let (_, target_id) = op.target();
        let target_id = target_id.to_string();
        self.with(|c| {
            let tx = c.transaction()?;
            match &op {
                Op::CreateTicket { .. } => remove_ticket(&tx, &target_id)?,
                Op::SendMessage { .. } => {
                    tx.execute("DELETE FROM messages WHERE id = ?1", [&target_id])?;
                }
                Op::UpdateTicket { .. } | Op::RateTicket { .. } => {
                    // Still marked pending if another change of it waits.
                    tx.execute(
                        "UPDATE tickets SET send_state = CASE WHEN EXISTS (
                             SELECT 1 FROM outbox WHERE target_id = ?1 AND seq <> ?2
                               AND state = 'pending') THEN 'pending' ELSE 'sent' END,
                           failure = NULL WHERE id = ?1",
                        params![target_id, id],
                    )?;
                }
            }
            tx.execute("DELETE FROM outbox WHERE seq = ?1", [id])?;
            tx.commit()
        })?;
        Ok(op)
    }
}

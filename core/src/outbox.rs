//! Drains the outbox in order. Each operation carries client-generated ids,
//! so sending one again after a crash (the server got it, the app never
//! heard back) returns what was created the first time instead of a copy.
//!
//! - Confirmed: the operation leaves the outbox, the server's answer
//!   replaces the pending row.
//! - Unreachable or a server failure: stop, keep everything, retry later.
//! - Refused (4xx): the operation stays as failed with the server's reason,
//!   shown on its row; the queue goes on. A stale-version conflict shows the
//!   server's current ticket next to the reason, never overwrites it.

use protocol::{Message, Ticket};
use reqwest::Method;

use crate::client::Inner;
use crate::error::CoreError;
use crate::store::{Op, QueuedOp};

/// Sends queued operations until the queue is empty (Ok) or the server
/// cannot take more now (the retryable error).
pub async fn drain(inner: &Inner) -> Result<(), CoreError> {
    while let Some(queued) = inner.store.next_op()? {
        let token = inner.token().ok_or_else(|| CoreError::Unauthorized {
            message: "sign in to send what is waiting".into(),
        })?;
        match send(inner, &token, &queued.op).await {
            Ok((ticket, message, first_message)) => {
                inner.store.complete_op(
                    &queued,
                    ticket.as_ref(),
                    message.as_ref(),
                    first_message,
                )?;
            }
            Err(e) if e.is_retryable() || matches!(e, CoreError::Unauthorized { .. }) => {
                return Err(e);
            }
            Err(e) => refuse(inner, &token, &queued, &e).await?,
        }
        inner.changed();
    }
    Ok(())
}

type Sent = (Option<Ticket>, Option<Message>, Option<uuid::Uuid>);

async fn send(inner: &Inner, token: &str, op: &Op) -> Result<Sent, CoreError> {
    match op {
        Op::CreateTicket { ticket } => {
            let (_, created): (_, Ticket) = inner
                .api
                .send(Method::POST, "/v1/tickets", Some(token), Some(ticket))
                .await?;
            Ok((Some(created), None, ticket.first_message_id))
        }
        Op::SendMessage { ticket_id, message } => {
            let path = format!("/v1/tickets/{ticket_id}/messages");
            let (_, sent): (_, Message) = inner
                .api
                .send(Method::POST, &path, Some(token), Some(message))
                .await?;
            Ok((None, Some(sent), None))
        }
        Op::UpdateTicket { ticket_id, update } => {
            let path = format!("/v1/tickets/{ticket_id}");
            let (_, updated): (_, Ticket) = inner
                .api
                .send(Method::PATCH, &path, Some(token), Some(update))
                .await?;
            Ok((Some(updated), None, None))
        }
        Op::RateTicket { ticket_id, rating } => {
            let path = format!("/v1/tickets/{ticket_id}/rating");
            let (_, rated): (_, Ticket) = inner
                .api
                .send(Method::POST, &path, Some(token), Some(rating))
                .await?;
            Ok((Some(rated), None, None))
        }
    }
}

async fn refuse(
    inner: &Inner,
    token: &str,
    queued: &QueuedOp,
    error: &CoreError,
) -> Result<(), CoreError> {
    // On a conflict, show what the server has now.
    let current = match (&queued.op, error) {
        (
            Op::UpdateTicket { ticket_id, .. } | Op::RateTicket { ticket_id, .. },
            CoreError::Conflict { .. },
        ) => inner
            .api
            .send::<Ticket>(
                Method::GET,
                &format!("/v1/tickets/{ticket_id}"),
                Some(token),
                None::<&()>,
            )
            .await
            .ok()
            .map(|(_, t)| t),
        _ => None,
    };
    tracing::warn!(%error, "the server refused a queued change");
    inner
        .store
        .fail_op(queued, &error.to_string(), current.as_ref())
}

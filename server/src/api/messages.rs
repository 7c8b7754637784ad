//! Messages in a ticket: the chat between customer and staff, plus internal
//! notes that only staff ever see.

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{CreateMessage, ErrorBody, Message, MessagePage, TicketStatus, TimelineChange};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::tickets::id_conflict;
use crate::auth::Caller;
use crate::db::{self, from_micros, now_micros, timeline::new_event};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::{AppState, policy, routing, validate};

pub const MAX_ATTACHMENTS: usize = 10;

/// Posts a message. Sending the same `id` again returns the message created
/// the first time (200 instead of 201). A customer writing on a resolved
/// ticket reopens it; closed tickets take no more messages.
#[utoipa::path(post, path = "/v1/tickets/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "ticket id")),
    request_body = CreateMessage,
    responses(
        (status = 201, description = "created", body = Message),
        (status = 200, description = "already created with this id", body = Message),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "ticket closed, or id used by another", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(ticket_id): Path<Uuid>,
    Json(req): Json<CreateMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let ticket = policy::visible_ticket(&state.db, &caller, ticket_id).await?;
    if req.internal && !caller.is_staff() {
        return Err(ApiError::forbidden("only staff write internal notes"));
    }
    let mut attachment_ids = req.attachment_ids.clone();
    attachment_ids.sort_unstable();
    attachment_ids.dedup();
    if attachment_ids.len() > MAX_ATTACHMENTS {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!("at most {MAX_ATTACHMENTS} attachments per message"),
        ));
    }
    let body = if attachment_ids.is_empty() || !req.body.trim().is_empty() {
        validate::text("body", &req.body, validate::MAX_BODY)?
    } else {
        String::new()
    };
    let id = req.id.unwrap_or_else(Uuid::now_v7);

    let mut tx = state.db.begin_write().await?;
    if let Some((existing, _)) = db::messages::get(tx.conn(), id).await? {
        return if existing.author_id == caller.id() && existing.ticket_id == ticket_id {
            Ok((StatusCode::OK, Json(existing)))
        } else {
            Err(id_conflict())
        };
    }
    // Re-read under the lock: the status may have changed since.
    let mut ticket = db::tickets::get(tx.conn(), ticket_id)
        .await?
        .unwrap_or(ticket);
    if ticket.status == TicketStatus::Closed {
        return Err(ApiError::conflict(
            "ticket_closed",
            "the ticket is closed; open a new one",
        ));
    }
    let now = from_micros(now_micros());
    let mut message = Message {
        id,
        ticket_id,
        author_id: caller.id(),
        body,
        internal: req.internal,
        attachments: Vec::new(),
        created_at: now,
    };
    let seq = tx.next_seq();
    db::messages::insert(tx.conn(), &message, seq).await?;
    if !attachment_ids.is_empty() {
        let attached =
            db::files::attach(tx.conn(), &attachment_ids, caller.id(), id, ticket_id).await?;
        if attached != attachment_ids.len() as u64 {
            return Err(ApiError::unprocessable(
                "invalid_attachment",
                "attachments must be your own uploads, not yet attached to a message",
            ));
        }
    }
    if !message.body.is_empty() {
        db::tickets::index_text(tx.conn(), ticket_id, &message.body, message.internal).await?;
    }

    let reopen = !caller.is_staff() && ticket.status == TicketStatus::Resolved;
    let seq = tx.next_seq();
    if reopen {
        let previous = ticket.clone();
        ticket.status = TicketStatus::Open;
        ticket.updated_at = now;
        ticket.version += 1;
        if !db::tickets::update(tx.conn(), &ticket, seq).await? {
            return Err(ApiError::internal("ticket changed under the feed lock"));
        }
        let seq = tx.next_seq();
        let change = TimelineChange::StatusChanged {
            from: previous.status,
            to: TicketStatus::Open,
        };
        db::timeline::insert(
            tx.conn(),
            &new_event(ticket_id, Some(caller.id()), change),
            seq,
        )
        .await?;
    } else {
        db::tickets::touch(tx.conn(), ticket_id, now.timestamp_micros(), seq).await?;
    }
    if !caller.is_staff() {
        // So that a customer never waits on someone who is away.
        routing::reassign_if_assignee_away(&mut tx, &mut ticket, state.config.routing_capacity)
            .await?;
    }
    if let Some((stored, _)) = db::messages::get(tx.conn(), id).await? {
        message = stored;
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(message)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only messages after this message id.
    after: Option<Uuid>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<i64>,
}

/// A ticket's messages, oldest first; customers never see internal notes.
#[utoipa::path(get, path = "/v1/tickets/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "ticket id"), ListParams),
    responses(
        (status = 200, body = MessagePage),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(ticket_id): Path<Uuid>,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<MessagePage>> {
    policy::visible_ticket(&state.db, &caller, ticket_id).await?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 500",
        ));
    }
    let after_seq = match params.after {
        None => 0,
        Some(after) => db::messages::seq_of(state.db.reader(), ticket_id, after)
            .await?
            .ok_or_else(|| {
                ApiError::bad_request("invalid_query", "after names no message of this ticket")
            })?,
    };
    let mut conn = state.db.reader().acquire().await?;
    let mut messages = db::messages::list(
        &mut conn,
        ticket_id,
        caller.is_staff(),
        after_seq,
        limit + 1,
    )
    .await?;
    let has_more = messages.len() as i64 > limit;
    messages.truncate(limit as usize);
    Ok(Json(MessagePage { messages, has_more }))
}

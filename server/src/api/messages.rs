//! Messages in a ticket: the chat between customer and staff, plus internal
//! notes that only staff ever see.

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{CreateMessage, ErrorBody, Message, MessagePage};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::message_writer::{NewMessage, Posted};
use crate::{AppState, policy, validate};

pub const MAX_ATTACHMENTS: usize = 10;

/// Posts a message. Sending the same `id` again returns the message created
/// the first time (200 instead of 201). A customer writing on a resolved
/// ticket reopens it; closed tickets take no more messages.
#[utoipa::path(post, path = "/v1/tickets/{id}/messages", operation_id = "post_message", tag = "messages",
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
    // Whether the caller sees the ticket (404) and may write an internal
    // note on it (403) is checked by the writer, which reads the ticket
    // anyway.
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
    let posted = state
        .messages
        .post(NewMessage {
            id: req.id.unwrap_or_else(Uuid::now_v7),
            ticket_id,
            author_id: caller.id(),
            author_scope: policy::ticket_scope(&caller),
            author_is_staff: caller.is_staff(),
            body,
            internal: req.internal,
            attachment_ids,
        })
        .await?;
    Ok(match posted {
        Posted::Created(message) => (StatusCode::CREATED, Json(message)),
        Posted::Existing(message) => (StatusCode::OK, Json(message)),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only messages after this message id.
    after: Option<Uuid>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<i64>,
}

/// A ticket's messages, oldest first; customers never see internal notes.
#[utoipa::path(get, path = "/v1/tickets/{id}/messages", operation_id = "list_messages", tag = "messages",
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

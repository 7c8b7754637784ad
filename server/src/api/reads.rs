//! Read receipts: each participant's position in a ticket, persisted and
//! announced to the others.

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{ErrorBody, MarkRead, ReadReceipt, ServerEvent};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::{self, from_micros, now_micros};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::realtime::Audience;
use crate::{AppState, policy};

/// Marks the ticket read up to `message_id` for the caller (a marker only
/// moves forward) and tells the ticket's other participants.
pub async fn mark_read(
    state: &AppState,
    caller: &Caller,
    ticket_id: Uuid,
    message_id: Uuid,
) -> ApiResult<()> {
    let ticket = policy::visible_ticket(&state.db, caller, ticket_id).await?;
    let mut conn = state.db.writer().acquire().await?;
    let message = db::messages::get(&mut conn, message_id).await?;
    let (message, seq) = match message {
        Some((m, seq)) if m.ticket_id == ticket_id && (caller.is_staff() || !m.internal) => {
            (m, seq)
        }
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_message",
                "message_id names no message of this ticket",
            ));
        }
    };
    let now = now_micros();
    if !db::reads::advance(&mut conn, ticket_id, caller.id(), message_id, seq, now).await? {
        return Ok(());
    }
    let receipt = ReadReceipt {
        ticket_id,
        user_id: caller.id(),
        message_id,
        read_at: from_micros(now),
    };
    let audience = Audience::Ticket {
        customer_id: ticket.customer_id,
        department_id: ticket.department_id,
        // A marker on an internal note must not reveal it to the customer.
        staff_only: message.internal,
        except: Some(caller.id()),
    };
    state
        .realtime
        .publish(audience, ServerEvent::Read { receipt })
        .await;
    Ok(())
}

#[utoipa::path(put, path = "/v1/tickets/{id}/read", operation_id = "mark_read", tag = "messages",
    params(("id" = Uuid, Path, description = "ticket id")),
    request_body = MarkRead,
    responses(
        (status = 204),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn put_read(
    State(state): State<AppState>,
    caller: Caller,
    Path(ticket_id): Path<Uuid>,
    Json(req): Json<MarkRead>,
) -> ApiResult<StatusCode> {
    mark_read(&state, &caller, ticket_id, req.message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where each participant has read up to.
#[utoipa::path(get, path = "/v1/tickets/{id}/reads", operation_id = "list_reads", tag = "messages",
    params(("id" = Uuid, Path, description = "ticket id")),
    responses((status = 200, body = Vec<ReadReceipt>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(ticket_id): Path<Uuid>,
) -> ApiResult<Json<Vec<ReadReceipt>>> {
    policy::visible_ticket(&state.db, &caller, ticket_id).await?;
    Ok(Json(
        db::reads::list(state.db.reader(), ticket_id, caller.is_staff()).await?,
    ))
}

//! Voice calls on a ticket: place, answer, decline, hang up, look up.
//! The rules are in `crate::calls`; these handlers only parse and answer.

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{Call, CallSession, ErrorBody, PlaceCall};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::{AppState, calls};

/// Places a call on a ticket. Staff call the ticket's customer; a customer
/// calls support (the assignee if Active, else every Active colleague of the
/// department; the first to answer wins). Sending the same `id` again
/// returns the call placed the first time (200 instead of 201).
#[utoipa::path(post, path = "/v1/calls", operation_id = "place_call", tag = "calls",
    request_body = PlaceCall,
    responses(
        (status = 201, description = "ringing", body = CallSession),
        (status = 200, description = "already placed with this id", body = CallSession),
        (status = 404, body = ErrorBody),
        (status = 409, description = "nobody available, a call already live, ticket closed, or id used", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn place(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PlaceCall>,
) -> ApiResult<(StatusCode, Json<CallSession>)> {
    let (created, session) = calls::place(&state, &caller, req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(session)))
}

/// Calls ringing or under way that involve the caller: what a device
/// opened from a push notification, or reconnecting, needs to show.
#[utoipa::path(get, path = "/v1/calls", operation_id = "list_calls", tag = "calls",
    responses((status = 200, body = Vec<CallSession>)))]
pub async fn live(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<CallSession>>> {
    Ok(Json(calls::live_calls(&state, &caller).await?))
}

#[utoipa::path(get, path = "/v1/calls/{id}", operation_id = "get_call", tag = "calls",
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = Call), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Call>> {
    Ok(Json(calls::visible_call(&state, &caller, id).await?.call))
}

/// Answers a call ringing the caller, on this device: signalling for the
/// call then flows to this device's WebSocket.
#[utoipa::path(post, path = "/v1/calls/{id}/accept", operation_id = "accept_call", tag = "calls",
    params(("id" = Uuid, Path, description = "call id")),
    responses(
        (status = 200, body = CallSession),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "no longer ringing", body = ErrorBody),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CallSession>> {
    Ok(Json(calls::accept(&state, &caller, id).await?))
}

#[utoipa::path(post, path = "/v1/calls/{id}/decline", operation_id = "decline_call", tag = "calls",
    params(("id" = Uuid, Path, description = "call id")),
    responses(
        (status = 200, body = Call),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "no longer ringing", body = ErrorBody),
    ))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Call>> {
    Ok(Json(calls::decline(&state, &caller, id).await?))
}

/// Cancels (caller, while ringing), ends (either party, once answered) or
/// declines (someone rung). A call already over is returned as it is.
#[utoipa::path(post, path = "/v1/calls/{id}/hangup", operation_id = "hang_up_call", tag = "calls",
    params(("id" = Uuid, Path, description = "call id")),
    responses(
        (status = 200, body = Call),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn hangup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Call>> {
    Ok(Json(calls::hangup(&state, &caller, id).await?))
}

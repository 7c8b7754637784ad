//! `GET /v1/ws`: the realtime connection, and staff availability.

use axum::Extension;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use protocol::{ErrorBody, Role, ServerEvent, SetStatus, StaffStatus, User};

use crate::auth::{Caller, caller_for_token};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::realtime::{Audience, socket};
use crate::serve::HeldSlot;
use crate::{AppState, db, routing};

/// Opens the realtime WebSocket. Authenticate with the `Authorization`
/// header where the client can set one; otherwise send
/// `{"type":"auth","token":"…"}` as the first frame within 5 seconds.
/// Frames are `protocol::ServerEvent` and `protocol::ClientEvent` as JSON.
#[utoipa::path(get, path = "/v1/ws", operation_id = "open_realtime", tag = "realtime",
    responses(
        (status = 101, description = "switching to the WebSocket protocol"),
        (status = 400, description = "not a WebSocket upgrade request", body = ErrorBody),
        (status = 401, description = "the Authorization header names no live token", body = ErrorBody),
        (status = 426, description = "the connection cannot be upgraded (HTTP/2 without extended CONNECT)", body = ErrorBody),
    ))]
pub async fn connect(
    State(state): State<AppState>,
    headers: HeaderMap,
    slot: Option<Extension<HeldSlot>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    // A plain GET gets the JSON error body, not axum's text.
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "websocket_upgrade_required",
            rejection.body_text(),
        )
    })?;
    // A header, when given, is checked before upgrading so that a bad token
    // gets a plain 401.
    let caller = match headers.get(AUTHORIZATION) {
        Some(value) => {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
            Some(caller_for_token(&state, token.trim()).await?)
        }
        None => None,
    };
    Ok(upgrade
        // Small buffers: thousands of idle sockets must stay cheap.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(socket::MAX_CLIENT_FRAME)
        .max_frame_size(socket::MAX_CLIENT_FRAME)
        .on_upgrade(move |ws| async move {
            // The socket counts against its address's connection limit
            // for as long as it is open.
            let _slot = slot;
            socket::run(ws, state, caller).await
        }))
}

/// Switches the signed-in staff member Active (offered new tickets, chats
/// and calls) or Off (offered none). Going Active hands out the
/// department's waiting tickets.
#[utoipa::path(put, path = "/v1/me/status", operation_id = "set_status", tag = "realtime",
    request_body = SetStatus,
    responses(
        (status = 200, body = User),
        (status = 403, description = "customers have no status", body = ErrorBody),
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<SetStatus>,
) -> ApiResult<Json<User>> {
    let department_id = match (caller.role(), caller.user.department_id) {
        (Role::Agent | Role::Supervisor, Some(dept)) => Some(dept),
        (Role::Admin, _) => None,
        _ => return Err(ApiError::forbidden("only staff have a status")),
    };
    let mut tx = state.db.begin_write().await?;
    db::users::set_status(tx.conn(), caller.id(), req.status).await?;
    if req.status == StaffStatus::Active
        && let Some(dept) = department_id
    {
        routing::drain_queue(&mut tx, dept, state.config.routing_capacity).await?;
    }
    tx.commit().await?;
    if let Some(dept) = department_id {
        let event = ServerEvent::Presence {
            user_id: caller.id(),
            status: req.status,
        };
        state
            .realtime
            .publish(
                Audience::Department {
                    department_id: dept,
                },
                event,
            )
            .await;
    }
    let mut user = caller.user;
    user.status = Some(req.status);
    Ok(Json(user))
}

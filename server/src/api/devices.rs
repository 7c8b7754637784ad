//! Devices registered for push notifications: the app registers its FCM
//! token after sign-in and removes it at sign-out (sign-out also drops the
//! devices registered from that session).

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{Device, ErrorBody, RegisterDevice};

use crate::AppState;
use crate::auth::Caller;
use crate::db::{self, now_micros};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};

/// FCM tokens are about 160 characters; leave room, refuse abuse.
pub const MAX_TOKEN_CHARS: usize = 4096;

/// The token's shape: FCM tokens are URL-safe text without spaces.
fn check_token(token: &str) -> ApiResult<()> {
    if token.is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!("token must have 1 to {MAX_TOKEN_CHARS} characters"),
        ));
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::unprocessable(
            "invalid_field",
            "token must be printable ASCII without spaces",
        ));
    }
    Ok(())
}

/// Registers the signed-in user's device for push. Registering a token
/// again is harmless (200); a token registered by another account moves to
/// this one.
#[utoipa::path(post, path = "/v1/devices", tag = "devices",
    request_body = RegisterDevice,
    responses(
        (status = 201, description = "registered", body = Device),
        (status = 200, description = "already registered to this account", body = Device),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<RegisterDevice>,
) -> ApiResult<(StatusCode, Json<Device>)> {
    check_token(&req.token)?;
    let mut tx = state.db.writer().begin().await?;
    let created = db::devices::register(
        &mut tx,
        &req.token,
        caller.id(),
        req.platform.as_str(),
        &caller.token_hash,
        now_micros(),
    )
    .await?;
    tx.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let device = Device {
        platform: req.platform,
        token: req.token,
    };
    Ok((status, Json(device)))
}

/// Stops push to one of the signed-in user's devices. Answers 204 whether
/// or not the token was registered to this account, so it tells nothing of
/// other accounts' tokens.
#[utoipa::path(delete, path = "/v1/devices/{token}", tag = "devices",
    params(("token" = String, Path, description = "the FCM registration token")),
    responses(
        (status = 204),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn unregister(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
) -> ApiResult<StatusCode> {
    check_token(&token)?;
    let mut tx = state.db.writer().begin().await?;
    db::devices::unregister(&mut tx, &token, caller.id()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Drops the devices registered from a session (sign-out).
pub async fn forget_session(state: &AppState, token_hash: &str) -> ApiResult<()> {
    let mut tx = state.db.writer().begin().await?;
    db::devices::forget_session(&mut tx, token_hash).await?;
    tx.commit().await?;
    Ok(())
}

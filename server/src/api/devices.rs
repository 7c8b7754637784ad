//! Devices registered for push notifications: the app registers its FCM
//! token after sign-in and removes it at sign-out (sign-out also drops the
//! devices registered from that session).

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{Device, DevicePlatform, ErrorBody, RegisterDevice, TestPushSent};

use crate::AppState;
use crate::auth::Caller;
use crate::db::push::Service;
use crate::db::{self, now_micros};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::push::{PushError, message};

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
#[utoipa::path(post, path = "/v1/devices", operation_id = "register_device", tag = "devices",
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
    if req.platform == DevicePlatform::IosVoip && !crate::push::apns::is_device_token(&req.token) {
        return Err(ApiError::unprocessable(
            "invalid_field",
            "an ios_voip token is PushKit's device token in hex (at least 32 digits)",
        ));
    }
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
#[utoipa::path(delete, path = "/v1/devices/{token}", operation_id = "unregister_device", tag = "devices",
    params(("token" = String, Path, description = "the FCM registration token",
        min_length = 1, max_length = 4096, pattern = r"^[!-~]+$")),
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

/// The push self-test: sends a test push to one of the signed-in user's
/// devices at once, outside the queue, and answers what the push service
/// said (FCM, or APNs for an iPhone's VoIP token), so the app can tell
/// which step failed (this device's token, this server, the service). It
/// goes even while the app holds a WebSocket (the app is on screen while it
/// tests).
#[utoipa::path(post, path = "/v1/devices/{token}/test", operation_id = "send_test_push", tag = "devices",
    params(("token" = String, Path, description = "the FCM registration token or the VoIP token",
        min_length = 1, max_length = 4096, pattern = r"^[!-~]+$")),
    responses(
        (status = 200, description = "the push service accepted the test push", body = TestPushSent),
        (status = 401, body = ErrorBody),
        (status = 404, description = "the token is not registered to this account", body = ErrorBody),
        (status = 422, description = "a malformed token", body = ErrorBody),
        (status = 502, description = "the push service refused the push (the code says why)", body = ErrorBody),
        (status = 503, description = "push (or, for a VoIP token, APNs) is off on this server", body = ErrorBody),
    ))]
pub async fn send_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
) -> ApiResult<Json<TestPushSent>> {
    check_token(&token)?;
    let Some(platform) = db::devices::platform_of(state.db.reader(), &token, caller.id()).await?
    else {
        return Err(ApiError::not_found(
            "device_not_found",
            "this token is not registered for push on this account: register it first",
        ));
    };
    let push_id = uuid::Uuid::now_v7();
    let (service, name, message) = if platform == DevicePlatform::IosVoip.as_str() {
        let message = message::voip_test(push_id, chrono::Utc::now());
        (Service::Apns, "APNs", message)
    } else {
        (
            Service::Fcm,
            "FCM",
            message::test(push_id, chrono::Utc::now()),
        )
    };
    let Some(outcome) = state.push.send_now(service, message, &token).await else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "push_disabled",
            match service {
                Service::Fcm => {
                    "push notifications are off on this server (no FCM credentials configured)"
                }
                Service::Apns => {
                    "VoIP pushes are off on this server (no APNs key configured): iPhones ring only while the app is open"
                }
            },
        ));
    };
    match outcome {
        Ok(()) => Ok(Json(TestPushSent {
            push_id: push_id.to_string(),
            sent_at: chrono::Utc::now(),
        })),
        Err(PushError::Unregistered) => {
            let mut tx = state.db.writer().begin().await?;
            db::devices::forget_token(&mut tx, &token).await?;
            tx.commit().await?;
            Err(push_failed(
                "push_token_unregistered",
                format!(
                    "{name} says this device's token is no longer valid; the app gets a new one on its next start"
                ),
            ))
        }
        Err(PushError::Auth(reason)) => Err(push_failed(
            "push_auth_failed",
            format!("this server's {name} credentials were refused: {reason}"),
        )),
        Err(PushError::InvalidArgument(reason)) => Err(push_failed(
            "push_rejected",
            format!("{name} refused the push: {reason}"),
        )),
        Err(e @ (PushError::QuotaExceeded { .. } | PushError::Retryable { .. })) => {
            Err(push_failed(
                "push_unavailable",
                format!("{name} could not take it now: {e}"),
            ))
        }
    }
}

fn push_failed(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, code, message)
}

/// Drops the devices registered from a session (sign-out).
pub async fn forget_session(state: &AppState, token_hash: &str) -> ApiResult<()> {
    let mut tx = state.db.writer().begin().await?;
    db::devices::forget_session(&mut tx, token_hash).await?;
    tx.commit().await?;
    Ok(())
}

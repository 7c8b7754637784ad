//! Registration, sign-in, sign-out and the caller's own account.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{AuthResponse, ErrorBody, LinkSignIn, LoginRequest, RegisterRequest, Role, User};
use uuid::Uuid;

use crate::auth::{self, Caller};
use crate::db::{self, users::NewUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientAddr, Json};
use crate::{AppState, validate};

/// Argon2 is slow and memory-hard on purpose (19 MiB per hash): run it off
/// the async workers, and only a few at a time, so that a burst of sign-ins
/// queues instead of multiplying the server's memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

pub async fn hash_password(password: String) -> ApiResult<String> {
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
}

async fn verify_password(password: String, hash: String) -> ApiResult<bool> {
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)
}

/// A hash to verify against when the email is unknown, so that an unknown
/// email takes as long to refuse as a wrong password.
fn dummy_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| auth::hash_password("not-a-real-password").unwrap_or_default())
        .clone()
}

async fn issue_token(state: &AppState, user: User) -> ApiResult<AuthResponse> {
    let (token, token_hash) = auth::new_token();
    db::sessions::insert(state.db.writer(), &token_hash, user.id).await?;
    Ok(AuthResponse { token, user })
}

/// Creates a customer account and signs it in. An email already registered
/// is answered 409, so that its owner is told to sign in instead (there is
/// no mail to tell them otherwise); each registration counts against the
/// address's sign-in throttle, which bounds listing accounts this way.
#[utoipa::path(post, path = "/v1/auth/register", operation_id = "register_account", tag = "accounts", security(),
    request_body = RegisterRequest,
    responses(
        (status = 201, body = AuthResponse),
        (status = 409, description = "email already registered", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many attempts from this address; wait `Retry-After` seconds", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<AuthResponse>)> {
    let email = validate::email(&req.email)?;
    let name = validate::text("name", &req.name, validate::MAX_NAME)?;
    validate::password(&req.password)?;
    let attempt = state.throttle.registration(&state.db, client).await?;
    let password_hash = hash_password(req.password).await?;
    let id = Uuid::now_v7();
    let created = db::users::insert(
        state.db.writer(),
        NewUser {
            id,
            email: &email,
            name: &name,
            password_hash: &password_hash,
            role: Role::Customer,
            department_id: None,
        },
    )
    .await?;
    if !created {
        return Err(ApiError::conflict(
            "email_taken",
            "an account with this email already exists",
        ));
    }
    let user = db::users::by_id(state.db.writer(), id)
        .await?
        .ok_or_else(|| ApiError::internal("registered user vanished"))?;
    state.throttle.succeeded(&state.db, attempt).await?;
    Ok((StatusCode::CREATED, Json(issue_token(&state, user).await?)))
}

/// Signs in with email and password. Failures do not say whether the email
/// exists; past a few failures from one address (for one email, or in all)
/// each further attempt waits longer (429 with `Retry-After`).
#[utoipa::path(post, path = "/v1/auth/login", operation_id = "log_in", tag = "accounts", security(),
    request_body = LoginRequest,
    responses(
        (status = 200, body = AuthResponse),
        (status = 401, description = "wrong email or password", body = ErrorBody),
        (status = 429, description = "too many failed attempts from this address; wait `Retry-After` seconds", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let key = req.email.trim().to_lowercase();
    let attempt = state.throttle.attempt(&state.db, client, &key).await?;
    let found = db::users::by_email(state.db.reader(), &key).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, dummy_hash()),
    };
    let password_ok = verify_password(req.password, hash).await?;
    match user {
        Some(user) if password_ok && !user.disabled => {
            state.throttle.succeeded(&state.db, attempt).await?;
            Ok(Json(issue_token(&state, user).await?))
        }
        // The attempt was counted as it began.
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong email or password",
        )),
    }
}

/// Signs in with a one-time link staff made for an invited customer. A link
/// works once, within its week; an unknown, used or expired one answers 401
/// alike. Counted against the address's sign-in throttle like a password.
#[utoipa::path(post, path = "/v1/auth/link", operation_id = "log_in_with_link", tag = "accounts", security(),
    request_body = LinkSignIn,
    responses(
        (status = 200, body = AuthResponse),
        (status = 401, description = "the link is unknown, used or expired", body = ErrorBody),
        (status = 429, description = "too many failed attempts from this address; wait `Retry-After` seconds", body = ErrorBody),
    ))]
pub async fn link(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(req): Json<LinkSignIn>,
) -> ApiResult<Json<AuthResponse>> {
    let attempt = state
        .throttle
        .attempt(&state.db, client, "sign-in link")
        .await?;
    let token_hash = auth::hash_token(req.token.trim());
    let user = match db::sign_in_links::take(state.db.writer(), &token_hash).await? {
        Some(id) => db::users::by_id(state.db.writer(), id).await?,
        None => None,
    };
    match user {
        Some(user) if !user.disabled => {
            state.throttle.succeeded(&state.db, attempt).await?;
            Ok(Json(issue_token(&state, user).await?))
        }
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_link",
            "this sign-in link is not valid: it was used already or it expired; ask support for a new one",
        )),
    }
}

/// Revokes the token the request was made with.
#[utoipa::path(post, path = "/v1/auth/logout", operation_id = "log_out", tag = "accounts",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    db::sessions::delete(state.db.writer(), &caller.token_hash).await?;
    crate::api::devices::forget_session(&state, &caller.token_hash).await?;
    state.realtime.revoke_token(&caller.token_hash).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/v1/me", operation_id = "get_me", tag = "accounts",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<User> {
    Json(caller.user)
}

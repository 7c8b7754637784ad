//! Canned replies: listed for a department's staff (admins see every
//! department's), managed by the department's supervisors and by admins.
//! A change tells the department's connected staff, whose clients read the
//! list again (they keep it for offline use).

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{
    CannedReply, CreateCannedReply, ErrorBody, Role, ServerEvent, UpdateCannedReply, canned,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::realtime::Audience;
use crate::{AppState, db, policy, validate};

pub const MAX_TITLE: usize = 100;
pub const MAX_REPLY_BODY: usize = 5_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListCannedParams {
    /// Admins: narrow to one department. Others may name only their own.
    department_id: Option<Uuid>,
    /// Only replies whose title contains this text, in any case.
    q: Option<String>,
}

#[utoipa::path(get, path = "/v1/canned-replies", operation_id = "list_canned_replies", tag = "canned replies",
    params(ListCannedParams),
    responses((status = 200, body = Vec<CannedReply>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListCannedParams>,
) -> ApiResult<Json<Vec<CannedReply>>> {
    let dept = policy::listed_department(&caller, params.department_id, "canned replies")?;
    let query = params.q.as_deref().map(str::trim);
    Ok(Json(
        db::canned::list(state.db.reader(), dept, query).await?,
    ))
}

#[utoipa::path(post, path = "/v1/canned-replies", operation_id = "create_canned_reply", tag = "canned replies",
    request_body = CreateCannedReply,
    responses(
        (status = 201, body = CannedReply),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such department", body = ErrorBody),
        (status = 409, description = "the department has a reply of this title", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateCannedReply>,
) -> ApiResult<(StatusCode, Json<CannedReply>)> {
    let department_id = match (caller.role(), req.department_id, caller.user.department_id) {
        (Role::Admin, Some(dept), _) => dept,
        (Role::Admin, None, _) => {
            return Err(ApiError::unprocessable(
                "invalid_field",
                "department_id is required for an admin",
            ));
        }
        (Role::Supervisor, asked, Some(own)) if asked.is_none_or(|d| d == own) => own,
        _ => return Err(not_allowed()),
    };
    let (title, body) = (title(&req.title)?, body(&req.body)?);
    if db::departments::by_id(state.db.reader(), department_id)
        .await?
        .is_none()
    {
        return Err(super::departments::department_not_found());
    }
    let reply = db::canned::insert(state.db.writer(), department_id, &title, &body, caller.id())
        .await?
        .ok_or_else(title_taken)?;
    announce(&state, department_id).await;
    Ok((StatusCode::CREATED, Json(reply)))
}

#[utoipa::path(patch, path = "/v1/canned-replies/{id}", operation_id = "update_canned_reply", tag = "canned replies",
    params(("id" = Uuid, Path)),
    request_body = UpdateCannedReply,
    responses(
        (status = 200, body = CannedReply),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateCannedReply>,
) -> ApiResult<Json<CannedReply>> {
    let mut reply = managed_reply(&state, &caller, id).await?;
    if let Some(t) = &req.title {
        reply.title = title(t)?;
    }
    if let Some(b) = &req.body {
        reply.body = body(b)?;
    }
    reply.updated_at = db::from_micros(db::now_micros());
    if !db::canned::update(state.db.writer(), &reply).await? {
        return Err(title_taken());
    }
    announce(&state, reply.department_id).await;
    Ok(Json(reply))
}

#[utoipa::path(delete, path = "/v1/canned-replies/{id}", operation_id = "delete_canned_reply", tag = "canned replies",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let reply = managed_reply(&state, &caller, id).await?;
    if !db::canned::delete(state.db.writer(), id).await? {
        return Err(reply_not_found());
    }
    announce(&state, reply.department_id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// A reply the caller may change: 404 when they cannot see it (another
/// department's), 403 when they see it but do not supervise it.
async fn managed_reply(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<CannedReply> {
    let reply = db::canned::by_id(state.db.reader(), id)
        .await?
        // Customers have no department, so they see none.
        .filter(|r| caller.is_admin() || caller.user.department_id == Some(r.department_id))
        .ok_or_else(reply_not_found)?;
    if !policy::supervises(caller, reply.department_id) {
        return Err(not_allowed());
    }
    Ok(reply)
}

/// Tells the department's staff (and admins) to read its replies again.
async fn announce(state: &AppState, department_id: Uuid) {
    state
        .realtime
        .publish(
            Audience::Department { department_id },
            ServerEvent::CannedRepliesChanged { department_id },
        )
        .await;
}

fn title(value: &str) -> ApiResult<String> {
    let title = validate::text("title", value, MAX_TITLE)?;
    if title.contains('\n') {
        return Err(ApiError::unprocessable(
            "invalid_field",
            "title must be one line",
        ));
    }
    Ok(title)
}

fn body(value: &str) -> ApiResult<String> {
    let body = validate::text("body", value, MAX_REPLY_BODY)?;
    let unknown = canned::unknown_placeholders(&body);
    if let Some(name) = unknown.first() {
        return Err(ApiError::unprocessable(
            "unknown_placeholder",
            format!(
                "body has an unknown placeholder {{{name}}}; known are {}",
                canned::PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ),
        ));
    }
    Ok(body)
}

fn not_allowed() -> ApiError {
    ApiError::forbidden("only the department's supervisors and admins manage its canned replies")
}

fn reply_not_found() -> ApiError {
    ApiError::not_found("canned_reply_not_found", "no such canned reply")
}

fn title_taken() -> ApiError {
    ApiError::conflict(
        "canned_reply_title_taken",
        "the department has a canned reply of this title",
    )
}

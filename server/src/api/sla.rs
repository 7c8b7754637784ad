//! A department's SLA policy: read by its staff (admins read every one),
//! set by its supervisors and by admins. A new policy applies to tickets
//! opened, re-prioritised or transferred in after it; tickets already
//! running keep the due times they were given.

use axum::extract::State;
use protocol::{ErrorBody, SlaPolicy};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::{AppState, db, policy, sla};

#[utoipa::path(get, path = "/v1/departments/{id}/sla", operation_id = "get_sla_policy", tag = "departments",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the policy; a department without one has no targets", body = SlaPolicy),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<SlaPolicy>> {
    policy::require_staff(&caller)?;
    if !caller.is_admin() && caller.user.department_id != Some(id) {
        return Err(ApiError::forbidden(
            "only the department's staff may read its SLA policy",
        ));
    }
    existing_department(&state, id).await?;
    let found = db::sla::policy(state.db.reader(), id).await?;
    Ok(Json(found.unwrap_or_else(SlaPolicy::none)))
}

#[utoipa::path(put, path = "/v1/departments/{id}/sla", operation_id = "put_sla_policy", tag = "departments",
    params(("id" = Uuid, Path)),
    request_body = SlaPolicy,
    responses(
        (status = 200, body = SlaPolicy),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<SlaPolicy>,
) -> ApiResult<Json<SlaPolicy>> {
    if !policy::supervises(&caller, id) {
        return Err(ApiError::forbidden(
            "only the department's supervisors and admins may set its SLA policy",
        ));
    }
    existing_department(&state, id).await?;
    sla::validate(&req)?;
    db::sla::put(state.db.writer(), id, &req, db::now_micros()).await?;
    Ok(Json(req))
}

async fn existing_department(state: &AppState, id: Uuid) -> ApiResult<()> {
    match db::departments::by_id(state.db.reader(), id).await? {
        Some(_) => Ok(()),
        None => Err(super::departments::department_not_found()),
    }
}

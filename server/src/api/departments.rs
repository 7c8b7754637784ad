//! Departments: listed for everyone signed in (customers pick one when they
//! open a ticket), managed by admins.

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{CreateDepartment, Department, ErrorBody, UpdateDepartment};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::{AppState, db, policy, validate};

#[utoipa::path(post, path = "/v1/departments", operation_id = "create_department", tag = "departments",
    request_body = CreateDepartment,
    responses(
        (status = 201, body = Department),
        (status = 403, body = ErrorBody),
        (status = 409, description = "name taken", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateDepartment>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    policy::require_admin(&caller)?;
    let name = validate::text("name", &req.name, validate::MAX_NAME)?;
    match db::departments::insert(state.db.writer(), &name).await? {
        Some(dept) => Ok((StatusCode::CREATED, Json(dept))),
        None => Err(name_taken()),
    }
}

#[utoipa::path(get, path = "/v1/departments", operation_id = "list_departments", tag = "departments",
    responses((status = 200, body = Vec<Department>)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<Vec<Department>>> {
    Ok(Json(db::departments::list(state.db.reader()).await?))
}

#[utoipa::path(patch, path = "/v1/departments/{id}", operation_id = "update_department", tag = "departments",
    params(("id" = Uuid, Path)),
    request_body = UpdateDepartment,
    responses(
        (status = 200, body = Department),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateDepartment>,
) -> ApiResult<Json<Department>> {
    policy::require_admin(&caller)?;
    if db::departments::by_id(state.db.reader(), id)
        .await?
        .is_none()
    {
        return Err(department_not_found());
    }
    if let Some(name) = req.name {
        let name = validate::text("name", &name, validate::MAX_NAME)?;
        if !db::departments::rename(state.db.writer(), id, &name).await? {
            return Err(name_taken());
        }
    }
    db::departments::by_id(state.db.writer(), id)
        .await?
        .map(Json)
        .ok_or_else(department_not_found)
}

pub fn department_not_found() -> ApiError {
    ApiError::not_found("department_not_found", "no such department")
}

fn name_taken() -> ApiError {
    ApiError::conflict(
        "department_name_taken",
        "a department with this name exists",
    )
}

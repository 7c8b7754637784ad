//! Staff accounts: admins manage everyone; a supervisor manages the agents
//! and supervisors of their own department; agents may list their colleagues.

use axum::extract::State;
use axum::http::StatusCode;
use protocol::{CreateStaff, ErrorBody, Role, UpdateStaff, User};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::accounts::hash_password;
use crate::auth::Caller;
use crate::db::users::{NewUser, StaffChanges};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::{AppState, db, policy, validate};

/// Creates the admin named by `CS_ADMIN_EMAIL`/`CS_ADMIN_PASSWORD` when no
/// admin exists yet.
pub async fn ensure_admin(state: &AppState) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (&state.config.admin_email, &state.config.admin_password)
    else {
        return Ok(());
    };
    if db::users::any_admin(state.db.reader()).await? {
        return Ok(());
    }
    let email =
        validate::email(email).map_err(|e| anyhow::anyhow!("CS_ADMIN_EMAIL: {}", e.message))?;
    validate::password(password)
        .map_err(|e| anyhow::anyhow!("CS_ADMIN_PASSWORD: {}", e.message))?;
    let hash = hash_password(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let created = db::users::insert(
        state.db.writer(),
        NewUser {
            id: Uuid::now_v7(),
            email: &email,
            name: "Administrator",
            password_hash: &hash,
            role: Role::Admin,
            department_id: None,
        },
    )
    .await?;
    if !created {
        anyhow::bail!("CS_ADMIN_EMAIL {email} belongs to an account that is not an admin");
    }
    tracing::info!(%email, "created the admin account");
    Ok(())
}

/// Checks a role/department pair: staff of a department need one that
/// exists; admins have none; customers are not staff.
async fn check_placement(state: &AppState, role: Role, dept: Option<Uuid>) -> ApiResult<()> {
    match (role, dept) {
        (Role::Customer, _) => Err(ApiError::unprocessable(
            "invalid_role",
            "staff role must be agent, supervisor or admin",
        )),
        (Role::Admin, Some(_)) => Err(ApiError::unprocessable(
            "invalid_department",
            "an admin belongs to no department",
        )),
        (Role::Agent | Role::Supervisor, None) => Err(ApiError::unprocessable(
            "invalid_department",
            "agents and supervisors need a department_id",
        )),
        (_, Some(dept)) => match db::departments::by_id(state.db.reader(), dept).await? {
            Some(_) => Ok(()),
            None => Err(ApiError::unprocessable(
                "invalid_department",
                "department_id names no department",
            )),
        },
        (Role::Admin, None) => Ok(()),
    }
}

/// Supervisors may only place agents and supervisors in their own department.
fn check_may_place(caller: &Caller, role: Role, dept: Option<Uuid>) -> ApiResult<()> {
    if !policy::can_manage_staff_of(caller, dept) || (role == Role::Admin && !caller.is_admin()) {
        return Err(ApiError::forbidden(
            "you may only manage staff of your own department",
        ));
    }
    Ok(())
}

#[utoipa::path(post, path = "/v1/staff", operation_id = "create_staff", tag = "staff",
    request_body = CreateStaff,
    responses(
        (status = 201, body = User),
        (status = 403, body = ErrorBody),
        (status = 409, description = "email taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateStaff>,
) -> ApiResult<(StatusCode, Json<User>)> {
    if !matches!(caller.role(), Role::Admin | Role::Supervisor) {
        return Err(ApiError::forbidden(
            "only admins and supervisors manage staff",
        ));
    }
    let email = validate::email(&req.email)?;
    let name = validate::text("name", &req.name, validate::MAX_NAME)?;
    validate::password(&req.password)?;
    check_placement(&state, req.role, req.department_id).await?;
    check_may_place(&caller, req.role, req.department_id)?;
    let hash = hash_password(req.password).await?;
    let id = Uuid::now_v7();
    let created = db::users::insert(
        state.db.writer(),
        NewUser {
            id,
            email: &email,
            name: &name,
            password_hash: &hash,
            role: req.role,
            department_id: req.department_id,
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
        .ok_or_else(|| ApiError::internal("created staff vanished"))?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListStaffParams {
    /// Admins only: narrow to one department.
    department_id: Option<Uuid>,
}

#[utoipa::path(get, path = "/v1/staff", operation_id = "list_staff", tag = "staff",
    params(ListStaffParams),
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListStaffParams>,
) -> ApiResult<Json<Vec<User>>> {
    let dept = policy::listed_department(&caller, params.department_id, "staff")?;
    Ok(Json(db::users::list_staff(state.db.reader(), dept).await?))
}

#[utoipa::path(patch, path = "/v1/staff/{id}", operation_id = "update_staff", tag = "staff",
    params(("id" = Uuid, Path)),
    request_body = UpdateStaff,
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateStaff>,
) -> ApiResult<Json<User>> {
    if !matches!(caller.role(), Role::Admin | Role::Supervisor) {
        return Err(ApiError::forbidden(
            "only admins and supervisors manage staff",
        ));
    }
    let target = match db::users::by_id(state.db.reader(), id).await? {
        Some(user) if user.role.is_staff() => user,
        _ => {
            return Err(ApiError::not_found(
                "staff_not_found",
                "no such staff member",
            ));
        }
    };
    // The caller must manage the member both where they are and where they go.
    check_may_place(&caller, target.role, target.department_id)?;
    let role = req.role.unwrap_or(target.role);
    let dept = match (req.department_id, role) {
        (Some(d), _) => Some(d),
        (None, Role::Admin) => None,
        (None, _) => target.department_id,
    };
    check_placement(&state, role, dept).await?;
    check_may_place(&caller, role, dept)?;
    if id == caller.id() && req.disabled == Some(true) {
        return Err(ApiError::unprocessable(
            "invalid_field",
            "you cannot disable yourself",
        ));
    }

    let mut changes = StaffChanges {
        role: req.role,
        disabled: req.disabled,
        department_id: (dept != target.department_id).then_some(dept),
        ..Default::default()
    };
    if let Some(name) = req.name {
        changes.name = Some(validate::text("name", &name, validate::MAX_NAME)?);
    }
    if let Some(password) = req.password {
        validate::password(&password)?;
        changes.password_hash = Some(hash_password(password).await?);
    }
    db::users::update_staff(state.db.writer(), id, changes).await?;
    if req.disabled == Some(true) {
        db::sessions::delete_for_user(state.db.writer(), id).await?;
        state.realtime.revoke_user(id).await;
    } else if role != target.role || dept != target.department_id {
        // Their sockets are registered under the old sight: close them.
        state.realtime.rescope_user(id).await;
    }
    db::users::by_id(state.db.writer(), id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::internal("updated staff vanished"))
}

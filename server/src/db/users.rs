use protocol::{Role, StaffStatus, User};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, decode_err, now_micros, parse_id, parse_opt_id};

const COLUMNS: &str = "id, email, name, role, department_id, status, disabled";

pub(super) fn from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let role_text: String = row.try_get("role")?;
    let role = Role::parse(&role_text).ok_or_else(|| decode_err(format!("role {role_text}")))?;
    let status_text: String = row.try_get("status")?;
    Ok(User {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role,
        department_id: parse_opt_id(row.try_get("department_id")?)?,
        status: if role.is_staff() {
            StaffStatus::parse(&status_text)
        } else {
            None
        },
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub department_id: Option<Uuid>,
}

/// Inserts an account; `Ok(false)` when the email is already taken.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    new: NewUser<'_>,
) -> Result<bool, sqlx::Error> {
    let now = now_micros();
    let result = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, role, department_id, status, \
         disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'off', 0, $7, $7)",
    )
    .bind(new.id.to_string())
    .bind(new.email.to_string())
    .bind(new.name.to_string())
    .bind(new.password_hash.to_string())
    .bind(new.role.as_str())
    .bind(new.department_id.map(|d| d.to_string()))
    .bind(now)
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<Option<User>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM users WHERE id = "));
    q.bind(id);
    q.build()
        .fetch_optional(db)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// The account and its password hash, for sign-in.
pub async fn by_email<'e>(
    db: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Option<(User, String)>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = "
    ));
    q.bind(email);
    match q.build().fetch_optional(db).await? {
        Some(row) => Ok(Some((from_row(&row)?, row.try_get("password_hash")?))),
        None => Ok(None),
    }
}

/// Staff accounts, optionally of one department, by name.
pub async fn list_staff<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Option<Uuid>,
) -> Result<Vec<User>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLUMNS} FROM users WHERE role <> 'customer'"
    ));
    if let Some(dept) = department_id {
        q.push(" AND department_id = ").bind(dept);
    }
    q.push(" ORDER BY name, id");
    q.build()
        .fetch_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The ids of a department's supervisors, who hear of its missed targets.
pub async fn supervisors_of<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'supervisor' AND department_id = $1 ORDER BY id",
    )
    .bind(department_id.to_string())
    .fetch_all(db)
    .await?;
    ids.iter().map(|id| parse_id(id)).collect()
}

pub async fn any_admin<'e>(db: impl Executor<'e, Database = Any>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")
        .fetch_one(db)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

#[derive(Default)]
pub struct StaffChanges {
    pub name: Option<String>,
    pub password_hash: Option<String>,
    pub department_id: Option<Option<Uuid>>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

pub async fn update_staff<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
    changes: StaffChanges,
) -> Result<(), sqlx::Error> {
    let mut q = SqlBuilder::new("UPDATE users SET updated_at = ");
    q.bind(now_micros());
    if let Some(name) = changes.name {
        q.push(", name = ").bind(name);
    }
    if let Some(hash) = changes.password_hash {
        q.push(", password_hash = ").bind(hash);
    }
    match changes.department_id {
        Some(Some(dept)) => {
            q.push(", department_id = ").bind(dept);
        }
        Some(None) => {
            q.push(", department_id = NULL");
        }
        None => {}
    }
    if let Some(role) = changes.role {
        q.push(", role = ").bind(role.as_str());
    }
    if let Some(disabled) = changes.disabled {
        q.push(", disabled = ").bind(disabled);
    }
    q.push(" WHERE id = ").bind(id);
    q.build().execute(db).await?;
    Ok(())
}

pub async fn set_status(
    conn: &mut sqlx::AnyConnection,
    id: Uuid,
    status: StaffStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now_micros())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Names and roles of the given users (unknown ids are left out).
pub async fn summaries(
    conn: &mut sqlx::AnyConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<protocol::UserSummary>, sqlx::Error> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = SqlBuilder::new("SELECT id, name, role FROM users WHERE id IN (");
    q.push_id_list(ids);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| {
            let role_text: String = row.try_get("role")?;
            Ok(protocol::UserSummary {
                id: parse_id(&row.try_get::<String, _>("id")?)?,
                name: row.try_get("name")?,
                role: Role::parse(&role_text)
                    .ok_or_else(|| decode_err(format!("role {role_text}")))?,
            })
        })
        .collect()
}

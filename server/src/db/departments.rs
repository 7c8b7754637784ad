use protocol::Department;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use uuid::Uuid;

use super::{from_micros, now_micros, parse_id};

fn from_row(row: &AnyRow) -> Result<Department, sqlx::Error> {
    Ok(Department {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        name: row.try_get("name")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// Inserts a department; `Ok(None)` when the name is taken.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> Result<Option<Department>, sqlx::Error> {
    let now = now_micros();
    let id = Uuid::now_v7();
    let result = sqlx::query(
        "INSERT INTO departments (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(id.to_string())
    .bind(name.to_string())
    .bind(now)
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(Some(Department {
            id,
            name: name.to_string(),
            created_at: from_micros(now),
            updated_at: from_micros(now),
        })),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<Department>, sqlx::Error> {
    sqlx::query("SELECT id, name, created_at, updated_at FROM departments ORDER BY name")
        .fetch_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<Option<Department>, sqlx::Error> {
    sqlx::query("SELECT id, name, created_at, updated_at FROM departments WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(db)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// Renames a department; `Ok(false)` when the name is taken.
pub async fn rename<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE departments SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name.to_string())
        .bind(now_micros())
        .bind(id.to_string())
        .execute(db)
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

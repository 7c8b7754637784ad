use protocol::User;
use sqlx::{Any, Executor};
use uuid::Uuid;

use super::{now_micros, users};

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash.to_string())
        .bind(user_id.to_string())
        .bind(now_micros())
        .execute(db)
        .await?;
    Ok(())
}

/// The user a live token belongs to (disabled accounts have none).
pub async fn user_for_token<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.role, u.department_id, u.status, u.disabled \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND u.disabled = 0",
    )
    .bind(token_hash.to_string())
    .fetch_optional(db)
    .await?;
    row.map(|r| users::from_row(&r)).transpose()
}

pub async fn delete<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_for_user<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(db)
        .await?;
    Ok(())
}

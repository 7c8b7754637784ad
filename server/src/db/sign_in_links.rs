//! One-time sign-in links (their tokens' hashes).

use sqlx::{Any, Executor, Row};
use uuid::Uuid;

use super::{now_micros, parse_id};

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
    user_id: Uuid,
    created_by: Uuid,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_links (token_hash, user_id, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash.to_string())
    .bind(user_id.to_string())
    .bind(created_by.to_string())
    .bind(now_micros())
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Uses a link: the user it signs in, once, and only before it expires.
/// One statement, so two uses at once cannot both succeed.
pub async fn take<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let now = now_micros();
    sqlx::query(
        "UPDATE sign_in_links SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash.to_string())
    .fetch_optional(db)
    .await?
    .map(|row| parse_id(&row.try_get::<String, _>("user_id")?))
    .transpose()
}

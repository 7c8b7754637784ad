//! Canned replies, per department.

use protocol::CannedReply;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, from_micros, now_micros, parse_id};

const COLUMNS: &str = "id, department_id, title, body, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<CannedReply, sqlx::Error> {
    Ok(CannedReply {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        department_id: parse_id(&row.try_get::<String, _>("department_id")?)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// What makes two titles the same: case does not.
fn title_key(title: &str) -> String {
    title.to_lowercase()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escaped(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// Inserts a reply; `Ok(None)` when its department has one of that title.
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
    title: &str,
    body: &str,
    created_by: Uuid,
) -> Result<Option<CannedReply>, sqlx::Error> {
    let now = now_micros();
    let reply = CannedReply {
        id: Uuid::now_v7(),
        department_id,
        title: title.to_string(),
        body: body.to_string(),
        created_at: from_micros(now),
        updated_at: from_micros(now),
    };
    let result = sqlx::query(
        "INSERT INTO canned_replies
           (id, department_id, title, title_key, body, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(reply.id.to_string())
    .bind(department_id.to_string())
    .bind(title.to_string())
    .bind(title_key(title))
    .bind(body.to_string())
    .bind(created_by.to_string())
    .bind(now)
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(Some(reply)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The replies of one department (or of all, `None`) whose title contains
/// `query` (any case), by title.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Option<Uuid>,
    query: Option<&str>,
) -> Result<Vec<CannedReply>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM canned_replies WHERE 1 = 1"));
    if let Some(dept) = department_id {
        q.push(" AND department_id = ").bind(dept);
    }
    if let Some(text) = query.filter(|t| !t.is_empty()) {
        q.push(" AND title_key LIKE ")
            .bind(format!("%{}%", like_escaped(&title_key(text))))
            .push(" ESCAPE '\\'");
    }
    q.push(" ORDER BY title_key, id");
    q.build()
        .fetch_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<Option<CannedReply>, sqlx::Error> {
    sqlx::query(
        "SELECT id, department_id, title, body, created_at, updated_at
         FROM canned_replies WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(db)
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

/// Writes a reply's new title and body; `Ok(false)` when the title is
/// another reply's in the department.
pub async fn update<'e>(
    db: impl Executor<'e, Database = Any>,
    reply: &CannedReply,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE canned_replies SET title = $1, title_key = $2, body = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(reply.title.clone())
    .bind(title_key(&reply.title))
    .bind(reply.body.clone())
    .bind(reply.updated_at.timestamp_micros())
    .bind(reply.id.to_string())
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Deletes a reply; whether it was there.
pub async fn delete<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM canned_replies WHERE id = $1")
        .bind(id.to_string())
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_escaped("50%_off\\"), "50\\%\\_off\\\\");
    }
}

//! Read markers: how far each participant has read each ticket.

use protocol::ReadReceipt;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{from_micros, parse_id};

/// Moves the caller's marker forward to `message_seq` (never back);
/// returns whether it moved.
pub async fn advance(
    conn: &mut AnyConnection,
    ticket_id: Uuid,
    user_id: Uuid,
    message_id: Uuid,
    message_seq: i64,
    read_at: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO read_markers (ticket_id, user_id, message_id, message_seq, read_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (ticket_id, user_id) DO UPDATE SET message_id = excluded.message_id, \
         message_seq = excluded.message_seq, read_at = excluded.read_at \
         WHERE read_markers.message_seq < excluded.message_seq",
    )
    .bind(ticket_id.to_string())
    .bind(user_id.to_string())
    .bind(message_id.to_string())
    .bind(message_seq)
    .bind(read_at)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// A ticket's read markers; without internal ones (pointing at internal
/// notes) unless `include_internal`.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    ticket_id: Uuid,
    include_internal: bool,
) -> Result<Vec<ReadReceipt>, sqlx::Error> {
    let sql = if include_internal {
        "SELECT r.ticket_id, r.user_id, r.message_id, r.read_at FROM read_markers r \
         WHERE r.ticket_id = $1 ORDER BY r.read_at"
    } else {
        "SELECT r.ticket_id, r.user_id, r.message_id, r.read_at FROM read_markers r \
         JOIN messages m ON m.id = r.message_id \
         WHERE r.ticket_id = $1 AND m.internal = 0 ORDER BY r.read_at"
    };
    sqlx::query(sql)
        .bind(ticket_id.to_string())
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(ReadReceipt {
                ticket_id: parse_id(&row.try_get::<String, _>("ticket_id")?)?,
                user_id: parse_id(&row.try_get::<String, _>("user_id")?)?,
                message_id: parse_id(&row.try_get::<String, _>("message_id")?)?,
                read_at: from_micros(row.try_get("read_at")?),
            })
        })
        .collect()
}

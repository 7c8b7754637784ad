use std::collections::HashMap;

use protocol::{FileMeta, Message};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, files, from_micros, parse_id};

pub const COLUMNS: &str = "m.id, m.ticket_id, m.author_id, m.body, m.internal, m.created_at, m.seq";

/// A message without its attachments, and its feed position.
pub fn from_row(row: &AnyRow) -> Result<(Message, i64), sqlx::Error> {
    Ok((
        Message {
            id: parse_id(&row.try_get::<String, _>("id")?)?,
            ticket_id: parse_id(&row.try_get::<String, _>("ticket_id")?)?,
            author_id: parse_id(&row.try_get::<String, _>("author_id")?)?,
            body: row.try_get("body")?,
            internal: row.try_get::<i64, _>("internal")? != 0,
            attachments: Vec::new(),
            created_at: from_micros(row.try_get("created_at")?),
        },
        row.try_get("seq")?,
    ))
}

pub async fn insert(conn: &mut AnyConnection, m: &Message, seq: i64) -> Result<(), sqlx::Error> {
    insert_many(conn, &[(m, seq)]).await
}

/// Inserts messages with their feed positions in one statement.
pub async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[(&Message, i64)],
) -> Result<(), sqlx::Error> {
    if let Some(q) = insert_many_sql(rows) {
        q.build().execute(conn).await?;
    }
    Ok(())
}

/// The statement of `insert_many` (none for no rows).
pub fn insert_many_sql(rows: &[(&Message, i64)]) -> Option<SqlBuilder> {
    if rows.is_empty() {
        return None;
    }
    let mut q = SqlBuilder::new(
        "INSERT INTO messages (id, ticket_id, author_id, body, internal, created_at, seq) VALUES ",
    );
    for (i, (m, seq)) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(m.id)
            .push(", ")
            .bind(m.ticket_id)
            .push(", ")
            .bind(m.author_id);
        q.push(", ")
            .bind(m.body.as_str())
            .push(", ")
            .bind(m.internal);
        q.push(", ")
            .bind(m.created_at.timestamp_micros())
            .push(", ")
            .bind(*seq)
            .push(")");
    }
    Some(q)
}

/// A message with its attachments and feed position.
pub async fn get(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<(Message, i64)>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM messages m WHERE m.id = "));
    q.bind(id);
    let Some(row) = q.build().fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let (mut message, seq) = from_row(&row)?;
    let mut attachments = files::for_messages(&mut *conn, &[message.id]).await?;
    message.attachments = attachments.remove(&message.id).unwrap_or_default();
    Ok(Some((message, seq)))
}

/// The messages of the given ids that exist, with their attachments, by id.
pub async fn get_many(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Message>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM messages m WHERE m.id IN ("));
    q.push_id_list(ids.iter().copied());
    let rows = q.build().fetch_all(&mut *conn).await?;
    let mut messages = rows
        .iter()
        .map(|r| from_row(r).map(|(m, _)| m))
        .collect::<Result<Vec<_>, _>>()?;
    attach_files(conn, &mut messages).await?;
    Ok(messages.into_iter().map(|m| (m.id, m)).collect())
}

/// A ticket's messages after feed position `after_seq`, oldest first, up to
/// `limit`, with their attachments.
pub async fn list(
    conn: &mut AnyConnection,
    ticket_id: Uuid,
    include_internal: bool,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLUMNS} FROM messages m WHERE m.ticket_id = "
    ));
    q.bind(ticket_id).push(" AND m.seq > ").bind(after_seq);
    if !include_internal {
        q.push(" AND m.internal = 0");
    }
    q.push(" ORDER BY m.seq LIMIT ").bind(limit);
    let rows = q.build().fetch_all(&mut *conn).await?;
    let mut messages = rows
        .iter()
        .map(|r| from_row(r).map(|(m, _)| m))
        .collect::<Result<Vec<_>, _>>()?;
    attach_files(conn, &mut messages).await?;
    Ok(messages)
}

/// Fills in `attachments` of each message with one query.
pub async fn attach_files(
    conn: &mut AnyConnection,
    messages: &mut [Message],
) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = messages.iter().map(|m| m.id).collect();
    let mut by_message: HashMap<Uuid, Vec<FileMeta>> = files::for_messages(conn, &ids).await?;
    for m in messages {
        m.attachments = by_message.remove(&m.id).unwrap_or_default();
    }
    Ok(())
}

/// Feed position of a message of a ticket, for `?after=<message id>`.
pub async fn seq_of<'e>(
    db: impl Executor<'e, Database = Any>,
    ticket_id: Uuid,
    message_id: Uuid,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query("SELECT seq FROM messages WHERE id = $1 AND ticket_id = $2")
        .bind(message_id.to_string())
        .bind(ticket_id.to_string())
        .fetch_optional(db)
        .await?;
    row.map(|r| r.try_get("seq")).transpose()
}

use std::collections::{HashMap, HashSet};

use protocol::FileMeta;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, from_micros, parse_id, parse_opt_id};

const COLUMNS: &str = "f.id, f.name, f.content_type, f.size, f.sha256, f.created_at";

fn meta_from_row(row: &AnyRow) -> Result<FileMeta, sqlx::Error> {
    Ok(FileMeta {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        name: row.try_get("name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        created_at: from_micros(row.try_get("created_at")?),
    })
}

/// A stored file and what decides who may read it.
pub struct FileRecord {
    pub meta: FileMeta,
    pub uploader_id: Uuid,
    /// Set once the file is attached to a message of this ticket.
    pub ticket_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    /// Whether the message it is attached to is an internal note.
    pub internal: bool,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    meta: &FileMeta,
    uploader_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO files (id, uploader_id, sha256, size, content_type, name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(meta.id.to_string())
    .bind(uploader_id.to_string())
    .bind(meta.sha256.clone())
    .bind(meta.size)
    .bind(meta.content_type.clone())
    .bind(meta.name.clone())
    .bind(meta.created_at.timestamp_micros())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<Option<FileRecord>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLUMNS}, f.uploader_id, f.ticket_id, f.message_id, \
         COALESCE(m.internal, 0) AS internal \
         FROM files f LEFT JOIN messages m ON m.id = f.message_id WHERE f.id = "
    ));
    q.bind(id);
    let Some(row) = q.build().fetch_optional(db).await? else {
        return Ok(None);
    };
    Ok(Some(FileRecord {
        meta: meta_from_row(&row)?,
        uploader_id: parse_id(&row.try_get::<String, _>("uploader_id")?)?,
        ticket_id: parse_opt_id(row.try_get("ticket_id")?)?,
        message_id: parse_opt_id(row.try_get("message_id")?)?,
        internal: row.try_get::<i64, _>("internal")? != 0,
    }))
}

/// Attaches the uploader's unattached files to a message; returns how many
/// were attached (fewer than asked means some ids were not attachable).
pub async fn attach(
    conn: &mut AnyConnection,
    file_ids: &[Uuid],
    uploader_id: Uuid,
    message_id: Uuid,
    ticket_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let mut attached = 0;
    for id in file_ids {
        let result = sqlx::query(
            "UPDATE files SET message_id = $1, ticket_id = $2 \
             WHERE id = $3 AND uploader_id = $4 AND message_id IS NULL",
        )
        .bind(message_id.to_string())
        .bind(ticket_id.to_string())
        .bind(id.to_string())
        .bind(uploader_id.to_string())
        .execute(&mut *conn)
        .await?;
        attached += result.rows_affected();
    }
    Ok(attached)
}

/// Those of the given files that `uploader_id` uploaded and no message has
/// taken yet: the ones a new message of theirs may attach.
pub async fn attachable(
    conn: &mut AnyConnection,
    file_ids: &[Uuid],
    uploader_id: Uuid,
) -> Result<HashSet<Uuid>, sqlx::Error> {
    if file_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut q = SqlBuilder::new("SELECT id FROM files WHERE message_id IS NULL AND uploader_id = ");
    q.bind(uploader_id).push(" AND id IN (");
    q.push_id_list(file_ids.iter().copied());
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| parse_id(&row.try_get::<String, _>("id")?))
        .collect()
}

/// The attachments of the given messages, by message, in upload order.
pub async fn for_messages(
    conn: &mut AnyConnection,
    message_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<FileMeta>>, sqlx::Error> {
    let mut by_message: HashMap<Uuid, Vec<FileMeta>> = HashMap::new();
    if message_ids.is_empty() {
        return Ok(by_message);
    }
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLUMNS}, f.message_id FROM files f WHERE f.message_id IN ("
    ));
    for (i, id) in message_ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(") ORDER BY f.created_at, f.id");
    for row in q.build().fetch_all(conn).await? {
        let message_id = parse_id(&row.try_get::<String, _>("message_id")?)?;
        by_message
            .entry(message_id)
            .or_default()
            .push(meta_from_row(&row)?);
    }
    Ok(by_message)
}

use protocol::{TimelineChange, TimelineEvent};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, decode_err, from_micros, now_micros, parse_id, parse_opt_id};

pub const COLUMNS: &str = "e.id, e.ticket_id, e.actor_id, e.change, e.created_at, e.seq";

pub fn from_row(row: &AnyRow) -> Result<TimelineEvent, sqlx::Error> {
    let change: String = row.try_get("change")?;
    Ok(TimelineEvent {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        ticket_id: parse_id(&row.try_get::<String, _>("ticket_id")?)?,
        actor_id: parse_opt_id(row.try_get("actor_id")?)?,
        created_at: from_micros(row.try_get("created_at")?),
        change: serde_json::from_str(&change).map_err(|e| decode_err(e.to_string()))?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    event: &TimelineEvent,
    seq: i64,
) -> Result<(), sqlx::Error> {
    insert_many(conn, &[(event, seq)]).await
}

/// Inserts events with their feed positions in one statement.
pub async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[(&TimelineEvent, i64)],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = SqlBuilder::new(
        "INSERT INTO timeline_events (id, ticket_id, actor_id, change, created_at, seq) VALUES ",
    );
    for (i, (e, seq)) in rows.iter().enumerate() {
        let change = serde_json::to_string(&e.change).map_err(|err| decode_err(err.to_string()))?;
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(e.id).push(", ").bind(e.ticket_id).push(", ");
        match e.actor_id {
            Some(a) => q.bind(a),
            None => q.push("NULL"),
        };
        q.push(", ")
            .bind(change)
            .push(", ")
            .bind(e.created_at.timestamp_micros());
        q.push(", ").bind(*seq).push(")");
    }
    q.build().execute(conn).await?;
    Ok(())
}

/// A new event; `actor_id` is `None` for changes the server makes itself.
pub fn new_event(ticket_id: Uuid, actor_id: Option<Uuid>, change: TimelineChange) -> TimelineEvent {
    TimelineEvent {
        id: Uuid::now_v7(),
        ticket_id,
        actor_id,
        created_at: from_micros(now_micros()),
        change,
    }
}

/// A ticket's timeline, oldest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    ticket_id: Uuid,
) -> Result<Vec<TimelineEvent>, sqlx::Error> {
    sqlx::query(
        "SELECT e.id, e.ticket_id, e.actor_id, e.change, e.created_at, e.seq \
         FROM timeline_events e WHERE e.ticket_id = $1 ORDER BY e.seq",
    )
    .bind(ticket_id.to_string())
    .fetch_all(db)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

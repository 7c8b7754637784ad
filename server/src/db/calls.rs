//! Calls: who called whom on which ticket, from which device, and how it
//! went. State changes are conditional updates, so of two racing answers
//! (two devices, two instances) exactly one wins.

use protocol::{Call, CallState};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{decode_err, from_micros, parse_id, parse_opt_id};

/// A call and the devices in it.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub call: Call,
    /// Session token hash of the device that placed the call.
    pub caller_token: String,
    /// Session token hash of the device that answered.
    pub callee_token: Option<String>,
    /// Micros; still ringing after this, the call is missed.
    pub ring_deadline: i64,
}

const COLUMNS: &str = "id, ticket_id, caller_id, caller_token, callee_id, callee_token, ringing, \
     state, created_at, ring_deadline, accepted_at, ended_at";

fn from_row(row: &AnyRow) -> Result<CallRecord, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let ringing: String = row.try_get("ringing")?;
    Ok(CallRecord {
        call: Call {
            id: parse_id(&row.try_get::<String, _>("id")?)?,
            ticket_id: parse_id(&row.try_get::<String, _>("ticket_id")?)?,
            caller_id: parse_id(&row.try_get::<String, _>("caller_id")?)?,
            callee_id: parse_opt_id(row.try_get("callee_id")?)?,
            ringing: serde_json::from_str(&ringing).map_err(|e| decode_err(e.to_string()))?,
            state: CallState::parse(&state)
                .ok_or_else(|| decode_err(format!("unknown call state {state:?}")))?,
            created_at: from_micros(row.try_get("created_at")?),
            accepted_at: row
                .try_get::<Option<i64>, _>("accepted_at")?
                .map(from_micros),
            ended_at: row.try_get::<Option<i64>, _>("ended_at")?.map(from_micros),
        },
        caller_token: row.try_get("caller_token")?,
        callee_token: row.try_get("callee_token")?,
        ring_deadline: row.try_get("ring_deadline")?,
    })
}

fn ringing_json(ids: &[Uuid]) -> String {
    serde_json::to_string(ids).expect("ids serialise")
}

pub async fn insert(conn: &mut AnyConnection, r: &CallRecord) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO calls (id, ticket_id, caller_id, caller_token, callee_id, callee_token, \
         ringing, state, created_at, ring_deadline, accepted_at, ended_at) \
         VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7, $8, NULL, NULL)",
    )
    .bind(r.call.id.to_string())
    .bind(r.call.ticket_id.to_string())
    .bind(r.call.caller_id.to_string())
    .bind(r.caller_token.clone())
    .bind(ringing_json(&r.call.ringing))
    .bind(r.call.state.as_str())
    .bind(r.call.created_at.timestamp_micros())
    .bind(r.ring_deadline)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<Option<CallRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM calls WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(db)
        .await?
        .map(|row| from_row(&row))
        .transpose()
}

/// The ticket's call that is still ringing or under way, if any.
pub async fn live_on_ticket(
    conn: &mut AnyConnection,
    ticket_id: Uuid,
) -> Result<Option<CallRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM calls WHERE ticket_id = $1 AND state IN ('ringing', 'accepted')"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id.to_string())
        .fetch_optional(conn)
        .await?
        .map(|row| from_row(&row))
        .transpose()
}

/// Calls ringing or under way that involve `user_id`: placed by them,
/// answered by them, or ringing them.
pub async fn live_for_user<'e>(
    db: impl Executor<'e, Database = Any>,
    user_id: Uuid,
) -> Result<Vec<CallRecord>, sqlx::Error> {
    // The ringing list is a JSON array of UUIDs: a quoted id cannot match
    // anything but that id.
    let sql = format!(
        "SELECT {COLUMNS} FROM calls WHERE state IN ('ringing', 'accepted') \
         AND (caller_id = $1 OR callee_id = $1 OR (state = 'ringing' AND ringing LIKE $2)) \
         ORDER BY created_at"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id.to_string())
        .bind(format!("%\"{user_id}\"%"))
        .fetch_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Answers a ringing call; false if it is no longer ringing (answered
/// elsewhere, cancelled, declined) or its ring time is over.
pub async fn accept(
    conn: &mut AnyConnection,
    id: Uuid,
    callee_id: Uuid,
    callee_token: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE calls SET state = 'accepted', callee_id = $1, callee_token = $2, accepted_at = $3 \
         WHERE id = $4 AND state = 'ringing' AND ring_deadline >= $3",
    )
    .bind(callee_id.to_string())
    .bind(callee_token.to_string())
    .bind(now)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a call from `from` to the final state `to`; false if it was no
/// longer in `from`.
pub async fn finish(
    conn: &mut AnyConnection,
    id: Uuid,
    from: CallState,
    to: CallState,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE calls SET state = $1, ended_at = $2 WHERE id = $3 AND state = $4")
            .bind(to.as_str())
            .bind(now)
            .bind(id.to_string())
            .bind(from.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Stops ringing one of several people (they declined); false if the call
/// stopped ringing meanwhile.
pub async fn set_ringing(
    conn: &mut AnyConnection,
    id: Uuid,
    ringing: &[Uuid],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE calls SET ringing = $1 WHERE id = $2 AND state = 'ringing'")
        .bind(ringing_json(ringing))
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ringing calls whose ring time is over.
pub async fn overdue<'e>(
    db: impl Executor<'e, Database = Any>,
    now: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query("SELECT id FROM calls WHERE state = 'ringing' AND ring_deadline < $1")
        .bind(now)
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| parse_id(&row.try_get::<String, _>("id")?))
        .collect()
}

//! Departments' SLA policies (one JSON document each) and the tickets whose
//! targets ran out.

use std::collections::HashMap;

use protocol::{SlaKind, SlaPolicy};
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{SqlBuilder, decode_err, parse_id};

/// A department's policy; `None` when it has none (no targets).
pub async fn policy<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
) -> Result<Option<SlaPolicy>, sqlx::Error> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT policy FROM sla_policies WHERE department_id = $1")
            .bind(department_id.to_string())
            .fetch_optional(db)
            .await?;
    text.map(|t| parse(&t)).transpose()
}

/// The policies of those departments that have one, by department.
pub async fn policies(
    conn: &mut AnyConnection,
    departments: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, SlaPolicy>, sqlx::Error> {
    let mut q =
        SqlBuilder::new("SELECT department_id, policy FROM sla_policies WHERE department_id IN (");
    q.push_id_list(departments);
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| {
            let id = parse_id(&row.try_get::<String, _>("department_id")?)?;
            Ok((id, parse(&row.try_get::<String, _>("policy")?)?))
        })
        .collect()
}

pub async fn put<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
    policy: &SlaPolicy,
    now: i64,
) -> Result<(), sqlx::Error> {
    let text = serde_json::to_string(policy).map_err(|e| decode_err(e.to_string()))?;
    sqlx::query(
        "INSERT INTO sla_policies (department_id, policy, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (department_id) DO UPDATE SET policy = excluded.policy, \
         updated_at = excluded.updated_at",
    )
    .bind(department_id.to_string())
    .bind(text)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

fn parse(text: &str) -> Result<SlaPolicy, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| decode_err(format!("SLA policy: {e}")))
}

/// Targets of open or in-progress tickets that were due at `now` and are
/// neither met nor marked missed yet, soonest first, at most `limit`.
pub async fn overdue(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<(Uuid, SlaKind)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, due FROM ( \
           SELECT id, 'first_response' AS kind, first_response_due_at AS due FROM tickets \
           WHERE first_response_due_at <= $1 AND first_responded_at IS NULL \
             AND first_response_breached_at IS NULL AND status IN ('open', 'in_progress') \
           UNION ALL \
           SELECT id, 'resolution' AS kind, resolution_due_at AS due FROM tickets \
           WHERE resolution_due_at <= $1 AND first_resolved_at IS NULL \
             AND resolution_breached_at IS NULL AND status IN ('open', 'in_progress') \
         ) due_targets ORDER BY due LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok((
                parse_id(&row.try_get::<String, _>("id")?)?,
                SlaKind::parse(&kind).ok_or_else(|| decode_err(kind))?,
            ))
        })
        .collect()
}

/// Marks a ticket's target missed with the ticket's next version and feed
/// position; `Ok(false)` when it was met, marked, or changed meanwhile.
pub async fn mark_breached(
    conn: &mut AnyConnection,
    id: Uuid,
    version: i64,
    kind: SlaKind,
    at: i64,
    seq: i64,
) -> Result<bool, sqlx::Error> {
    let sql = match kind {
        SlaKind::FirstResponse => {
            "UPDATE tickets SET first_response_breached_at = $1, version = version + 1, seq = $2 \
             WHERE id = $3 AND version = $4 AND first_response_breached_at IS NULL \
             AND first_responded_at IS NULL"
        }
        SlaKind::Resolution => {
            "UPDATE tickets SET resolution_breached_at = $1, version = version + 1, seq = $2 \
             WHERE id = $3 AND version = $4 AND resolution_breached_at IS NULL \
             AND first_resolved_at IS NULL"
        }
    };
    let result = sqlx::query(sql)
        .bind(at)
        .bind(seq)
        .bind(id.to_string())
        .bind(version)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

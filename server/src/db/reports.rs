//! The daily report's tables: the job's cursor, the facts it recorded, the
//! days marked for a rebuild, and each day's rows (see `crate::report`).

use std::collections::HashSet;

use chrono::NaiveDate;
use protocol::TimelineEvent;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{Dialect, SqlBuilder, decode_err, parse_id, parse_opt_id, timeline};
use crate::report::facts::{Fact, ReportTicket};
use crate::report::histogram::Histogram;
use crate::report::{Durations, FactKind, Tally};

/// Facts per INSERT: 6 parameters each, well under both databases' limits.
const FACTS_PER_STATEMENT: usize = 500;

const TICKET_COLUMNS: &str = "id, department_id, customer_id, assignee_id, created_at, \
     first_responded_at, first_resolved_at, first_response_breached_at, resolution_breached_at, \
     rating_score, rated_at, seq";

pub async fn counter<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
        .bind(name.to_string())
        .fetch_one(db)
        .await
}

pub async fn set_counter<'e>(
    db: impl Executor<'e, Database = Any>,
    name: &str,
    value: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE counters SET value = $1 WHERE name = $2")
        .bind(value)
        .bind(name.to_string())
        .execute(db)
        .await?;
    Ok(())
}

fn ticket_from_row(row: &AnyRow) -> Result<ReportTicket, sqlx::Error> {
    Ok(ReportTicket {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        department_id: parse_id(&row.try_get::<String, _>("department_id")?)?,
        customer_id: parse_id(&row.try_get::<String, _>("customer_id")?)?,
        assignee_id: parse_opt_id(row.try_get("assignee_id")?)?,
        created_at: row.try_get("created_at")?,
        first_responded_at: row.try_get("first_responded_at")?,
        first_resolved_at: row.try_get("first_resolved_at")?,
        first_response_breached_at: row.try_get("first_response_breached_at")?,
        resolution_breached_at: row.try_get("resolution_breached_at")?,
        rating_score: row.try_get("rating_score")?,
        rated_at: row.try_get("rated_at")?,
    })
}

/// Tickets whose feed position is in `(after, upto]`, in feed order, at
/// most `limit`, with their positions.
pub async fn changed_tickets(
    conn: &mut AnyConnection,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<(i64, ReportTicket)>, sqlx::Error> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("seq")?, ticket_from_row(row)?)))
        .collect()
}

pub async fn tickets_by_id(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<Vec<ReportTicket>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = SqlBuilder::new(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN ("
    ));
    q.push_id_list(ids.iter().copied());
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(ticket_from_row)
        .collect()
}

/// The timeline events the report counts (status moves and calls) whose
/// feed position is in `(after, upto]`, in order. The others (opening,
/// assignment, priority, ...) are most of the timeline: filtered here, they
/// are neither read nor parsed. `change` is written by serde_json with its
/// `kind` tag first.
pub async fn events(
    conn: &mut AnyConnection,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<(i64, TimelineEvent)>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM timeline_events e WHERE e.seq > $1 AND e.seq <= $2 \
         AND (e.change LIKE '{{\"kind\":\"status_changed\"%' OR e.change LIKE '{{\"kind\":\"call\"%') \
         ORDER BY e.seq LIMIT $3",
        timeline::COLUMNS
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("seq")?, timeline::from_row(row)?)))
        .collect()
}

/// Which of these fact ids are recorded already.
pub async fn recorded<'a>(
    conn: &mut AnyConnection,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashSet<String>, sqlx::Error> {
    let ids: Vec<&str> = ids.into_iter().collect();
    let mut found = HashSet::new();
    for chunk in ids.chunks(FACTS_PER_STATEMENT) {
        let mut q = SqlBuilder::new("SELECT id FROM report_facts WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for row in q.build().fetch_all(&mut *conn).await? {
            found.insert(row.try_get("id")?);
        }
    }
    Ok(found)
}

/// Records facts (those already recorded are left as they are), marks
/// the days that gained one for a rebuild and moves the cursor from `from` to `to`, in
/// the caller's transaction. `Ok(false)`, writing nothing, when the cursor
/// is no longer at `from` (another instance got there first).
pub async fn record_facts(
    conn: &mut AnyConnection,
    facts: &[Fact],
    from: i64,
    to: i64,
) -> Result<bool, sqlx::Error> {
    let moved =
        sqlx::query("UPDATE counters SET value = $1 WHERE name = 'report_cursor' AND value = $2")
            .bind(to)
            .bind(from)
            .execute(&mut *conn)
            .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    // Only days that gained a fact need a rebuild: a ticket read again
    // (a chat message moves it on the feed) gives facts already recorded.
    let mut days: Vec<(Uuid, NaiveDate)> = Vec::new();
    for chunk in facts.chunks(FACTS_PER_STATEMENT) {
        let mut q = SqlBuilder::new(
            "INSERT INTO report_facts (id, department_id, day, agent_id, kind, value) VALUES ",
        );
        for (i, f) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(f.id.as_str())
                .push(", ")
                .bind(f.department_id)
                .push(", ")
                .bind(f.day.to_string())
                .push(", ")
                .bind(agent_text(f.agent_id))
                .push(", ")
                .bind(f.kind.as_str())
                .push(", ")
                .bind(f.value)
                .push(")");
        }
        q.push(" ON CONFLICT (id) DO NOTHING RETURNING department_id, day");
        for row in q.build().fetch_all(&mut *conn).await? {
            days.push((
                parse_id(&row.try_get::<String, _>("department_id")?)?,
                parse_day(&row.try_get::<String, _>("day")?)?,
            ));
        }
    }
    days.sort_unstable();
    days.dedup();
    for (department_id, day) in days {
        sqlx::query(
            "INSERT INTO report_dirty (department_id, day, generation) VALUES ($1, $2, 1) \
             ON CONFLICT (department_id, day) \
             DO UPDATE SET generation = report_dirty.generation + 1",
        )
        .bind(department_id.to_string())
        .bind(day.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Days waiting for a rebuild, with the generation seen.
pub async fn dirty_days(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<(Uuid, NaiveDate, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT department_id, day, generation FROM report_dirty \
         ORDER BY department_id, day LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok((
            parse_id(&row.try_get::<String, _>("department_id")?)?,
            parse_day(&row.try_get::<String, _>("day")?)?,
            row.try_get("generation")?,
        ))
    })
    .collect()
}

/// A day's facts, counted in the database: (agent, kind, how many, sum of
/// their values), and the values of its duration facts (agent, kind,
/// value), which exact quantiles need. A day of a busy department holds
/// tens of thousands of facts; only the durations cross to the server.
pub async fn day_facts(
    conn: &mut AnyConnection,
    department_id: Uuid,
    day: NaiveDate,
) -> Result<DayFacts, sqlx::Error> {
    let (dept, day) = (department_id.to_string(), day.to_string());
    let counted = sqlx::query(
        "SELECT agent_id, kind, COUNT(*) AS n, CAST(SUM(value) AS BIGINT) AS total FROM report_facts \
         WHERE department_id = $1 AND day = $2 GROUP BY agent_id, kind",
    )
    .bind(dept.clone())
    .bind(day.clone())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok((
            parse_agent(row.try_get("agent_id")?)?,
            parse_kind(row.try_get("kind")?)?,
            row.try_get::<i64, _>("n")?.max(0) as u64,
            row.try_get::<i64, _>("total")?,
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let durations = sqlx::query(
        "SELECT agent_id, kind, value FROM report_facts WHERE department_id = $1 AND day = $2 \
         AND kind IN ('first_response', 'resolution')",
    )
    .bind(dept)
    .bind(day)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok((
            parse_agent(row.try_get("agent_id")?)?,
            parse_kind(row.try_get("kind")?)?,
            row.try_get("value")?,
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(DayFacts { counted, durations })
}

/// See [`day_facts`].
pub struct DayFacts {
    pub counted: Vec<(Option<Uuid>, FactKind, u64, i64)>,
    pub durations: Vec<(Option<Uuid>, FactKind, i64)>,
}

fn parse_kind(text: String) -> Result<FactKind, sqlx::Error> {
    FactKind::parse(&text).ok_or_else(|| decode_err(format!("fact kind {text}")))
}

/// Replaces a day's rows with these, and clears its mark if no fact came
/// since `generation` was read (else the next pass rebuilds it again).
pub async fn replace_day(
    conn: &mut AnyConnection,
    department_id: Uuid,
    day: NaiveDate,
    rows: &[(Option<Uuid>, Tally)],
    generation: i64,
) -> Result<(), sqlx::Error> {
    let (dept, day) = (department_id.to_string(), day.to_string());
    sqlx::query("DELETE FROM report_days WHERE department_id = $1 AND day = $2")
        .bind(dept.clone())
        .bind(day.clone())
        .execute(&mut *conn)
        .await?;
    if !rows.is_empty() {
        let mut q = SqlBuilder::new(
            "INSERT INTO report_days (department_id, day, agent_id, opened, resolved, reopened, \
             first_response_count, first_response_median, first_response_p90, first_response_hist, \
             resolution_count, resolution_median, resolution_p90, resolution_hist, sla_breaches, \
             calls_placed, calls_answered, calls_missed, calls_declined, talk_secs, csat_count, \
             csat_sum) VALUES ",
        );
        for (i, (agent, t)) in rows.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(dept.as_str())
                .push(", ")
                .bind(day.as_str())
                .push(", ");
            q.bind(agent_text(*agent));
            for n in [t.opened, t.resolved, t.reopened] {
                q.push(", ").bind(n as i64);
            }
            for d in [&t.first_response, &t.resolution] {
                q.push(", ").bind(d.count as i64);
                for v in [d.median, d.p90] {
                    match v {
                        Some(v) => q.push(", ").bind(v),
                        None => q.push(", NULL"),
                    };
                }
                q.push(", ").bind(d.hist.to_json());
            }
            for n in [
                t.sla_breaches,
                t.calls_placed,
                t.calls_answered,
                t.calls_missed,
                t.calls_declined,
                t.talk_secs,
                t.csat_count,
                t.csat_sum,
            ] {
                q.push(", ").bind(n as i64);
            }
            q.push(")");
        }
        q.build().execute(&mut *conn).await?;
    }
    sqlx::query(
        "DELETE FROM report_dirty WHERE department_id = $1 AND day = $2 AND generation = $3",
    )
    .bind(dept)
    .bind(day)
    .bind(generation)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A department's rows from `from` to `to`: (day, agent or `None` for the
/// department, figures), by day.
pub async fn days<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, Option<Uuid>, Tally)>, sqlx::Error> {
    read_days(db, department_id, from, to, false).await
}

/// A department's own rows (not its agents') from `from` to `to`, by day.
pub async fn department_days<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, Tally)>, sqlx::Error> {
    let rows = read_days(db, department_id, from, to, true).await?;
    Ok(rows
        .into_iter()
        .map(|(day, _, tally)| (day, tally))
        .collect())
}

/// The rows from `from` to `to` (only the department's own, or its
/// agents' too), by day and agent.
async fn read_days<'e>(
    db: impl Executor<'e, Database = Any>,
    department_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    department_only: bool,
) -> Result<Vec<(NaiveDate, Option<Uuid>, Tally)>, sqlx::Error> {
    let and = if department_only {
        " AND agent_id = ''"
    } else {
        ""
    };
    let sql = format!(
        "SELECT * FROM report_days WHERE department_id = $1 AND day >= $2 AND day <= $3{and} \
         ORDER BY day, agent_id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(department_id.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| {
            Ok((
                parse_day(&row.try_get::<String, _>("day")?)?,
                parse_agent(row.try_get("agent_id")?)?,
                tally_from_row(row, false)?,
            ))
        })
        .collect()
}

/// Each agent's figures from `from` to `to`, added up in the database: a
/// row per agent instead of one per agent and day (a 90-day report of 20
/// agents reads 20 rows here, not 1,800). Histograms come concatenated
/// (`;`) for the server to merge; an agent's durations from a single day
/// keep that day's exact quantiles.
pub async fn agent_totals(
    conn: &mut AnyConnection,
    dialect: Dialect,
    department_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, Tally)>, sqlx::Error> {
    let concat = |column: &str| match dialect {
        Dialect::Sqlite => format!("group_concat({column}, ';') AS {column}"),
        Dialect::Postgres => format!("string_agg({column}, ';') AS {column}"),
    };
    let sum = |column: &str| format!("CAST(SUM({column}) AS BIGINT) AS {column}");
    let durations = |prefix: &str| {
        format!(
            "{}, {}, CAST(SUM(CASE WHEN {prefix}_count > 0 THEN 1 ELSE 0 END) AS BIGINT) \
             AS {prefix}_days, MAX({prefix}_median) AS {prefix}_median, \
             MAX({prefix}_p90) AS {prefix}_p90",
            sum(&format!("{prefix}_count")),
            concat(&format!("{prefix}_hist")),
        )
    };
    let counts: Vec<String> = [
        "opened",
        "resolved",
        "reopened",
        "sla_breaches",
        "calls_placed",
        "calls_answered",
        "calls_missed",
        "calls_declined",
        "talk_secs",
        "csat_count",
        "csat_sum",
    ]
    .iter()
    .map(|c| sum(c))
    .collect();
    let sql = format!(
        "SELECT agent_id, {}, {}, {} FROM report_days WHERE department_id = $1 \
         AND day >= $2 AND day <= $3 AND agent_id <> '' GROUP BY agent_id",
        counts.join(", "),
        durations("first_response"),
        durations("resolution"),
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(department_id.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| {
            let agent = parse_id(&row.try_get::<String, _>("agent_id")?)?;
            Ok((agent, tally_from_row(row, true)?))
        })
        .collect()
}

/// A `report_days` row, or a sum of them (see [`agent_totals`]): there the
/// histograms come `;`-joined, and a duration's stored quantiles are exact
/// only when its `<prefix>_days` column says one day had any.
fn tally_from_row(row: &AnyRow, summed: bool) -> Result<Tally, sqlx::Error> {
    let n = |column: &str| -> Result<u64, sqlx::Error> {
        Ok(row.try_get::<i64, _>(column)?.max(0) as u64)
    };
    let durations = |prefix: &str| -> Result<Durations, sqlx::Error> {
        let joined: String = row.try_get(format!("{prefix}_hist").as_str())?;
        let mut hist = Histogram::default();
        for part in joined.split(';') {
            hist.merge(&Histogram::from_json(part).map_err(|e| decode_err(e.to_string()))?);
        }
        let exact = !summed || n(&format!("{prefix}_days"))? == 1;
        let quantile = |column: String| -> Result<Option<i64>, sqlx::Error> {
            if exact {
                row.try_get(column.as_str())
            } else {
                Ok(None)
            }
        };
        Ok(Durations {
            count: n(&format!("{prefix}_count"))?,
            median: quantile(format!("{prefix}_median"))?,
            p90: quantile(format!("{prefix}_p90"))?,
            hist,
        })
    };
    Ok(Tally {
        opened: n("opened")?,
        resolved: n("resolved")?,
        reopened: n("reopened")?,
        first_response: durations("first_response")?,
        resolution: durations("resolution")?,
        sla_breaches: n("sla_breaches")?,
        calls_placed: n("calls_placed")?,
        calls_answered: n("calls_answered")?,
        calls_missed: n("calls_missed")?,
        calls_declined: n("calls_declined")?,
        talk_secs: n("talk_secs")?,
        csat_count: n("csat_count")?,
        csat_sum: n("csat_sum")?,
    })
}

fn agent_text(agent: Option<Uuid>) -> String {
    agent.map(|a| a.to_string()).unwrap_or_default()
}

fn parse_agent(text: String) -> Result<Option<Uuid>, sqlx::Error> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_id(&text).map(Some)
    }
}

fn parse_day(text: &str) -> Result<NaiveDate, sqlx::Error> {
    text.parse()
        .map_err(|_| decode_err(format!("report day {text:?}")))
}

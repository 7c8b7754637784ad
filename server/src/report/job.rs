//! The report job: follows the change feed and keeps `report_days` up to
//! date.
//!
//! A pass reads the tickets and timeline events past its cursor (up to the
//! feed's committed end: positions become visible in order, see
//! `db::write`), turns them into facts, and in one transaction records the
//! facts, marks their days and moves the cursor. It then rebuilds each
//! marked day from its facts. Every step is idempotent: a fact's id names
//! its source, a rebuild replaces the day's rows, and the cursor moves only
//! from where the pass found it, so instances sharing one PostgreSQL
//! database, or a restart mid-pass, neither lose nor double a fact.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use protocol::SlaPolicy;
use tokio::sync::watch;
use uuid::Uuid;

use super::Tally;
use super::facts::{self, Fact, ReportTicket};
use crate::db::{self, Db, now_micros};
use crate::sla::calendar::Calendar;

/// Source rows (tickets, and events) read per batch.
pub const BATCH: i64 = 5_000;
/// Days rebuilt per round before the job looks at the feed again.
const DAYS_PER_ROUND: i64 = 100;

pub fn spawn(db: Db, every: Duration, shutdown: watch::Receiver<bool>) {
    crate::periodic::spawn("daily report update", every, shutdown, move || {
        let db = db.clone();
        async move { catch_up(&db).await }
    });
}

/// Records every change committed so far and rebuilds the days they
/// touched; then notes the pass's start as the report's "as of".
pub async fn catch_up(db: &Db) -> Result<(), sqlx::Error> {
    let started = now_micros();
    loop {
        let read = record_batch(db, BATCH).await?;
        let rebuilt = rebuild_dirty(db, DAYS_PER_ROUND).await?;
        if read < BATCH as usize && rebuilt < DAYS_PER_ROUND as usize {
            break;
        }
    }
    db::reports::set_counter(db.writer(), "report_as_of", started).await
}

/// One batch of the feed; returns how many source rows it read.
pub async fn record_batch(db: &Db, limit: i64) -> Result<usize, sqlx::Error> {
    let mut conn = db.reader().acquire().await?;
    let cursor = db::reports::counter(&mut *conn, "report_cursor").await?;
    let mut upto = db::reports::counter(&mut *conn, "feed").await?;
    if upto <= cursor {
        return Ok(0);
    }
    let mut tickets = db::reports::changed_tickets(&mut conn, cursor, upto, limit).await?;
    if tickets.len() as i64 == limit {
        upto = tickets.last().map_or(upto, |(seq, _)| *seq);
    }
    let events = db::reports::events(&mut conn, cursor, upto, limit).await?;
    if events.len() as i64 == limit {
        upto = events.last().map_or(upto, |(seq, _)| *seq);
        tickets.retain(|(seq, _)| *seq <= upto);
    }
    let read = tickets.len() + events.len();

    // The tickets the events are on, for their department and people.
    let mut by_id: HashMap<Uuid, ReportTicket> =
        tickets.into_iter().map(|(_, t)| (t.id, t)).collect();
    let changed: HashSet<Uuid> = by_id.keys().copied().collect();
    let missing: Vec<Uuid> = events
        .iter()
        .map(|(_, e)| e.ticket_id)
        .filter(|id| !by_id.contains_key(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for t in db::reports::tickets_by_id(&mut conn, &missing).await? {
        by_id.insert(t.id, t);
    }
    let departments: HashSet<Uuid> = by_id.values().map(|t| t.department_id).collect();
    let calendars = calendars(&mut conn, departments).await?;
    drop(conn);

    let mut found: Vec<Fact> = Vec::new();
    for id in &changed {
        let t = &by_id[id];
        found.extend(facts::of_ticket(t, &calendars[&t.department_id]));
    }
    for (_, event) in &events {
        let Some(t) = by_id.get(&event.ticket_id) else {
            continue;
        };
        found.extend(facts::of_event(event, t, &calendars[&t.department_id]));
    }

    let mut tx = db.writer().begin().await?;
    if db::reports::record_facts(&mut tx, &found, cursor, upto).await? {
        tx.commit().await?;
    }
    Ok(read)
}

/// Rebuilds up to `limit` marked days; returns how many.
pub async fn rebuild_dirty(db: &Db, limit: i64) -> Result<usize, sqlx::Error> {
    let dirty = {
        let mut conn = db.reader().acquire().await?;
        db::reports::dirty_days(&mut conn, limit).await?
    };
    for (department_id, day, generation) in &dirty {
        let facts = {
            let mut conn = db.reader().acquire().await?;
            db::reports::day_facts(&mut conn, *department_id, *day).await?
        };
        let rows = day_rows(facts);
        let mut tx = db.writer().begin().await?;
        match db::reports::replace_day(&mut tx, *department_id, *day, &rows, *generation).await {
            Ok(()) => tx.commit().await?,
            // Another instance rebuilt the same day at the same moment: its
            // rows stand, and the mark (if facts came since) stays for later.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(dirty.len())
}

/// A day's rows: the department's (agent `None`) and each agent's.
fn day_rows(facts: Vec<(Option<Uuid>, super::FactKind, i64)>) -> Vec<(Option<Uuid>, Tally)> {
    let mut by_agent: BTreeMap<Uuid, Vec<(super::FactKind, i64)>> = BTreeMap::new();
    for (agent, kind, value) in &facts {
        if let Some(agent) = agent {
            by_agent.entry(*agent).or_default().push((*kind, *value));
        }
    }
    let mut rows = Vec::with_capacity(by_agent.len() + 1);
    if !facts.is_empty() {
        rows.push((None, Tally::of(facts.iter().map(|(_, k, v)| (*k, *v)))));
    }
    rows.extend(
        by_agent
            .into_iter()
            .map(|(agent, facts)| (Some(agent), Tally::of(facts))),
    );
    rows
}

/// Each department's business calendar (around the clock in UTC without a
/// policy, or with one that no longer parses).
async fn calendars(
    conn: &mut sqlx::AnyConnection,
    departments: HashSet<Uuid>,
) -> Result<HashMap<Uuid, Calendar>, sqlx::Error> {
    let policies = if departments.is_empty() {
        HashMap::new()
    } else {
        db::sla::policies(conn, departments.iter().copied()).await?
    };
    let utc = Calendar::new(&SlaPolicy::none()).expect("UTC around the clock is a calendar");
    Ok(departments
        .into_iter()
        .map(|d| {
            let cal = policies
                .get(&d)
                .and_then(|p| Calendar::new(p).ok())
                .unwrap_or_else(|| utc.clone());
            (d, cal)
        })
        .collect())
}

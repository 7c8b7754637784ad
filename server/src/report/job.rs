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

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use protocol::SlaPolicy;
use tokio::sync::watch;
use uuid::Uuid;

use super::Tally;
use super::facts::{self, Fact, ReportTicket};
use crate::db::reports::DayFacts;
use crate::db::{self, Db, Dialect, now_micros};
use crate::sla::calendar::Calendar;

/// Source rows (tickets, and events) read per batch: each batch's facts are
/// one write transaction, kept short so that ticket and message writes
/// waiting on SQLite's single writer are not held up for long.
pub const BATCH: i64 = 250;
/// How far the cursor may stay behind when a pass found nothing new: the
/// span is read again by the next pass instead of written now.
const UNRECORDED_SPAN: i64 = 10_000;
/// At most this many facts are looked up first to see if any is new; a
/// bigger batch (tickets pouring in) is written without asking.
const RECHECKED_FACTS: usize = 500;
/// The report's "as of" is written when a pass changed the report, else
/// at most this often.
const AS_OF_EVERY_MICROS: i64 = 60_000_000;
/// Days rebuilt per round before the job looks at the feed again.
const DAYS_PER_ROUND: i64 = 100;
/// The PostgreSQL advisory lock whose holder has the job's turn.
pub const TURN_LOCK: i64 = 0x6373_5f72_6570; // "cs_rep"

pub fn spawn(db: Db, every: Duration, shutdown: watch::Receiver<bool>) {
    crate::periodic::spawn("daily report update", every, shutdown, move || {
        let db = db.clone();
        async move { pass(&db).await }
    });
}

/// One pass of the job, on PostgreSQL by one instance at a time: instances
/// sharing the database would do the same work, and two rebuilding one day
/// at once make one of them fail on the other's rows. One that finds the
/// turn taken skips its own (each step stays safe to run twice anyway, see
/// `catch_up`).
pub async fn pass(db: &Db) -> Result<(), sqlx::Error> {
    if db.dialect != Dialect::Postgres {
        return catch_up(db).await;
    }
    // Held by a transaction, so that it is let go however the pass ends.
    let mut turn = db.writer().begin().await?;
    let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(TURN_LOCK)
        .fetch_one(&mut *turn)
        .await?;
    if !mine {
        return Ok(());
    }
    let caught_up = catch_up(db).await;
    turn.commit().await?;
    caught_up
}

/// Records every change committed so far and rebuilds the days they
/// touched; then notes the pass's start as the report's "as of".
pub async fn catch_up(db: &Db) -> Result<(), sqlx::Error> {
    let started = now_micros();
    let mut changed = false;
    loop {
        let read = record_batch(db, BATCH).await?;
        let rebuilt = rebuild_dirty(db, DAYS_PER_ROUND).await?;
        changed |= rebuilt > 0;
        if read < BATCH as usize && rebuilt < DAYS_PER_ROUND as usize {
            break;
        }
    }
    let as_of = db::reports::counter(db.reader(), "report_as_of").await?;
    if changed || started - as_of >= AS_OF_EVERY_MICROS {
        db::reports::set_counter(db.writer(), "report_as_of", started).await?;
    }
    Ok(())
}

/// One batch of the feed; returns how many source rows the cursor moved
/// past (0 at the end of the feed, or with nothing new to record).
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

    // Most rows read again are tickets a chat message moved on the feed:
    // their facts are recorded already. Skip the write (SQLite's single
    // writer is chat's too) until there is something new or the span read
    // again each pass grows long.
    let at_the_end = read < limit as usize && upto - cursor < UNRECORDED_SPAN;
    if at_the_end && found.len() <= RECHECKED_FACTS {
        let mut conn = db.reader().acquire().await?;
        let recorded =
            db::reports::recorded(&mut conn, found.iter().map(|f| f.id.as_str())).await?;
        drop(conn);
        found.retain(|f| !recorded.contains(&f.id));
        if found.is_empty() {
            return Ok(0);
        }
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
fn day_rows(facts: DayFacts) -> Vec<(Option<Uuid>, Tally)> {
    if facts.counted.is_empty() {
        return Vec::new();
    }
    let department = Tally::from_counts(
        facts.counted.iter().map(|(_, k, n, sum)| (*k, *n, *sum)),
        facts.durations.iter().map(|(_, k, v)| (*k, *v)),
    );
    let agents: BTreeSet<Uuid> = facts.counted.iter().filter_map(|(a, ..)| *a).collect();
    let mut rows = vec![(None, department)];
    rows.extend(agents.into_iter().map(|agent| {
        let mine = Some(agent);
        let tally = Tally::from_counts(
            facts
                .counted
                .iter()
                .filter(|(a, ..)| *a == mine)
                .map(|(_, k, n, sum)| (*k, *n, *sum)),
            facts
                .durations
                .iter()
                .filter(|(a, ..)| *a == mine)
                .map(|(_, k, v)| (*k, *v)),
        );
        (mine, tally)
    }));
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

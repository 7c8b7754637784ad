//! Marks targets that ran out: every few seconds, each open ticket whose
//! first response or resolution is past due and not met is marked missed,
//! on the ticket and with a timeline entry, in one feed transaction. The
//! feed delivers both to the department's staff; the push follower tells
//! its supervisors.
//!
//! Idempotent and safe with several instances on one database: the mark
//! is conditional on the ticket's version and on the target not being
//! marked yet, so a ticket another instance (or a reply) got to first is
//! skipped.

use std::time::Duration;

use protocol::{SlaKind, TimelineChange};
use tokio::sync::watch;
use uuid::Uuid;

use crate::db::{self, Db, now_micros, timeline::new_event};

/// At most this many breaches are marked per pass; the rest wait for the
/// next one, so a backlog (a server down over a weekend) cannot hold the
/// feed lock for long.
const BATCH: i64 = 200;

pub fn spawn(db: Db, every: Duration, shutdown: watch::Receiver<bool>) {
    crate::periodic::spawn("SLA breach check", every, shutdown, move || {
        let db = db.clone();
        async move { mark_overdue(&db).await.map(|_| ()) }
    });
}

/// One pass; returns how many targets it marked missed.
pub async fn mark_overdue(db: &Db) -> Result<usize, sqlx::Error> {
    let now = now_micros();
    let mut conn = db.reader().acquire().await?;
    let due = db::sla::overdue(&mut conn, now, BATCH).await?;
    drop(conn);
    let mut marked = 0;
    for (ticket_id, kind) in due {
        if mark(db, ticket_id, kind, now).await? {
            marked += 1;
        }
    }
    Ok(marked)
}

async fn mark(db: &Db, ticket_id: Uuid, kind: SlaKind, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some(ticket) = db::tickets::get(tx.conn(), ticket_id).await? else {
        return Ok(false);
    };
    let seq = tx.next_seq();
    if !db::sla::mark_breached(tx.conn(), ticket_id, ticket.version, kind, now, seq).await? {
        return Ok(false);
    }
    let event = new_event(
        ticket_id,
        None,
        TimelineChange::SlaBreached { target: kind },
    );
    let seq = tx.next_seq();
    db::timeline::insert(tx.conn(), &event, seq).await?;
    tx.commit().await?;
    Ok(true)
}

//! The push follower: reads the change feed from a cursor kept in the
//! `counters` table (`push_feed`) and enqueues chat and ticket-status
//! pushes. Each page's pushes and the cursor's advance commit in one
//! transaction whose cursor update is conditional on the old value: of two
//! instances reading the same page only one commits, and after a restart
//! the follower resumes where the last commit left it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use protocol::{Ticket, TicketStatus, TimelineChange};
use sqlx::AnyConnection;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::live::LiveSessions;
use super::message;
use super::metrics::PushMetrics;
use crate::db::push::{NewPush, Service};
use crate::db::sync::{Change, changes_since};
use crate::db::tickets::Scope;
use crate::db::{self, Db, now_micros};

/// Changes read per page.
const BATCH: i64 = 200;
/// How often the feed is looked at. (The feed's wake-up signal belongs to
/// the realtime follower; chat pushes can wait a fraction of a second.)
pub const POLL: Duration = Duration::from_millis(200);

pub fn spawn(
    db: Db,
    wake_worker: Arc<Notify>,
    metrics: PushMetrics,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => return,
            }
            loop {
                match follow_one_page(&db, &metrics).await {
                    Ok(Step { enqueued, more }) => {
                        if enqueued > 0 {
                            wake_worker.notify_one();
                        }
                        if !more {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "push follower could not read the feed");
                        break;
                    }
                }
            }
        }
    })
}

struct Step {
    enqueued: usize,
    more: bool,
}

async fn follow_one_page(db: &Db, metrics: &PushMetrics) -> Result<Step, sqlx::Error> {
    let mut conn = db.reader().acquire().await?;
    let cursor = db::push::cursor(&mut *conn).await?;
    let end: i64 = db::push::feed_end(&mut *conn).await?;
    if end <= cursor {
        return Ok(Step {
            enqueued: 0,
            more: false,
        });
    }
    let page = changes_since(&mut conn, Scope::All, true, cursor, BATCH).await?;
    let Plan { pushes, asked } = plan(&mut conn, page.changes).await?;
    drop(conn);

    let mut tx = db.writer().begin().await?;
    if !db::push::advance_cursor(&mut tx, cursor, page.next_cursor).await? {
        // Another instance took this page.
        return Ok(Step {
            enqueued: 0,
            more: true,
        });
    }
    db::push::enqueue(&mut tx, &pushes, now_micros()).await?;
    for ticket_id in asked {
        db::tickets::mark_rating_asked(&mut tx, ticket_id, now_micros()).await?;
    }
    tx.commit().await?;
    for push in &pushes {
        metrics.queued(push.kind, 1);
    }
    Ok(Step {
        enqueued: pushes.len(),
        more: page.has_more,
    })
}

/// What a page of changes causes: its pushes, and the tickets whose
/// customer those pushes ask for a rating (recorded with the page, so the
/// request goes once).
struct Plan {
    pushes: Vec<NewPush>,
    asked: Vec<Uuid>,
}

async fn plan(conn: &mut AnyConnection, changes: Vec<(i64, Change)>) -> Result<Plan, sqlx::Error> {
    let mut tickets: HashMap<Uuid, Option<Ticket>> = HashMap::new();
    let mut pushes = Vec::new();
    let mut asked = Vec::new();
    for (_, change) in changes {
        match change {
            Change::Ticket(ticket) => {
                tickets.insert(ticket.id, Some(ticket));
            }
            Change::Message(m) => {
                let Some(ticket) = ticket(conn, &mut tickets, m.ticket_id).await? else {
                    continue;
                };
                // The customer never hears of an internal note; the author
                // never of their own message.
                let mut to = Vec::new();
                if !m.internal && m.author_id != ticket.customer_id {
                    to.push(ticket.customer_id);
                }
                if let Some(assignee) = ticket.assignee_id.filter(|a| *a != m.author_id) {
                    to.push(assignee);
                }
                for target in targets(conn, &to).await? {
                    let id = Uuid::now_v7();
                    pushes.push(new_push(
                        id,
                        target,
                        "message",
                        message::new_message(id, &ticket, &m),
                    ));
                }
            }
            Change::Event(event) => {
                if let TimelineChange::SlaBreached { target } = event.change {
                    let Some(ticket) = ticket(conn, &mut tickets, event.ticket_id).await? else {
                        continue;
                    };
                    let supervisors =
                        db::users::supervisors_of(&mut *conn, ticket.department_id).await?;
                    for device in targets(conn, &supervisors).await? {
                        let id = Uuid::now_v7();
                        let body = message::sla_breached(id, &ticket, target);
                        pushes.push(new_push(id, device, "sla_breached", body));
                    }
                    continue;
                }
                let TimelineChange::StatusChanged { to, .. } = event.change else {
                    continue;
                };
                let Some(ticket) = ticket(conn, &mut tickets, event.ticket_id).await? else {
                    continue;
                };
                if event.actor_id == Some(ticket.customer_id) {
                    continue;
                }
                // The first time staff resolve (or close) it, the status
                // push asks the customer for their rating.
                let done = matches!(to, TicketStatus::Resolved | TicketStatus::Closed);
                let ask = done
                    && ticket.rating.is_none()
                    && !asked.contains(&ticket.id)
                    && !db::tickets::rating_asked(&mut *conn, ticket.id).await?;
                if ask {
                    asked.push(ticket.id);
                }
                for target in targets(conn, &[ticket.customer_id]).await? {
                    let id = Uuid::now_v7();
                    let (kind, body) = if ask {
                        ("rating_request", message::rating_request(id, &ticket, to))
                    } else {
                        ("ticket_status", message::status_changed(id, &ticket, to))
                    };
                    pushes.push(new_push(id, target, kind, body));
                }
            }
            // Tombstones (a ticket leaving a department) push nothing.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    Ok(Plan { pushes, asked })
}

async fn ticket(
    conn: &mut AnyConnection,
    cache: &mut HashMap<Uuid, Option<Ticket>>,
    id: Uuid,
) -> Result<Option<Ticket>, sqlx::Error> {
    if let Some(ticket) = cache.get(&id) {
        return Ok(ticket.clone());
    }
    let ticket = db::tickets::get(&mut *conn, id).await?;
    cache.insert(id, ticket.clone());
    Ok(ticket)
}

/// Devices of `users` without a live socket (Off staff excluded).
async fn targets(
    conn: &mut AnyConnection,
    users: &[Uuid],
) -> Result<Vec<db::devices::Target>, sqlx::Error> {
    db::devices::push_targets(&mut *conn, users, false, true, LiveSessions::live_since()).await
}

fn new_push(
    id: Uuid,
    target: db::devices::Target,
    kind: &'static str,
    message: serde_json::Value,
) -> NewPush {
    NewPush {
        id,
        service: Service::Fcm,
        device_token: target.token,
        user_id: target.user_id,
        kind,
        call_id: None,
        message,
        due_at: now_micros(),
        expires_at: None,
    }
}

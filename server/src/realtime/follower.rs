//! Follows the change feed and hands each change to the hub, addressed to
//! those who may see it. One follower per instance.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::{ServerEvent, Ticket, TimelineChange};
use sqlx::Row;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use super::hub::{Audience, Hub};
use crate::db::sync::{Change, changes_since};
use crate::db::tickets::Scope;
use crate::db::{self, Db};
use crate::stage_metrics::StageMetrics;

/// Rows read per query; a burst is read in several.
const BATCH: i64 = 500;
/// A look at the feed even without a wake-up, in case one was lost.
const POLL: Duration = Duration::from_secs(1);

pub async fn spawn(
    db: Db,
    hub: Arc<Hub>,
    wake: Arc<Notify>,
    stages: StageMetrics,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // Start at the current end: clients catch up on the past through sync.
    let mut cursor: i64 = sqlx::query("SELECT value FROM counters WHERE name = 'feed'")
        .fetch_one(db.reader())
        .await?
        .try_get("value")?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            match deliver_new_changes(&db, &hub, &stages, cursor).await {
                Ok(next) => cursor = next,
                Err(e) => tracing::warn!(error = %e, "feed follower could not read the feed"),
            }
        }
    });
    Ok(())
}

/// Delivers everything after `cursor`; returns the new cursor.
async fn deliver_new_changes(
    db: &Db,
    hub: &Hub,
    stages: &StageMetrics,
    mut cursor: i64,
) -> Result<i64, sqlx::Error> {
    let mut conn = db.reader().acquire().await?;
    loop {
        let reading = Instant::now();
        let page = changes_since(&mut conn, Scope::All, true, cursor, BATCH).await?;
        let delivering = Instant::now();
        if !page.changes.is_empty() {
            stages.feed_read((delivering - reading).as_secs_f64());
        }
        let delivered_any = !page.changes.is_empty();
        // Where each ticket of this page belongs, for its messages and events.
        let mut tickets: HashMap<Uuid, (Uuid, Uuid)> = HashMap::new();
        for (_, change) in &page.changes {
            if let Change::Ticket(t) = change {
                tickets.insert(t.id, (t.customer_id, t.department_id));
            }
        }
        for (_, change) in page.changes {
            let ticket_id = match &change {
                Change::Ticket(t) => t.id,
                Change::Message(m) => m.ticket_id,
                Change::Event(e) => e.ticket_id,
                Change::Departure(departure) => {
                    // Only the staff of the department it left lose sight
                    // of it; admins still see it.
                    let event = ServerEvent::TicketRemoved {
                        ticket_id: departure.ticket_id,
                    };
                    let frame: Arc<str> = serde_json::to_string(&event)
                        .expect("events serialise")
                        .into();
                    let audience = Audience::DepartmentStaff {
                        department_id: departure.department_id,
                    };
                    hub.deliver(&audience, &frame);
                    continue;
                }
            };
            let (customer_id, department_id) = match tickets.get(&ticket_id) {
                Some(place) => *place,
                None => match db::tickets::get(&mut *conn, ticket_id).await? {
                    Some(Ticket {
                        customer_id,
                        department_id,
                        ..
                    }) => {
                        tickets.insert(ticket_id, (customer_id, department_id));
                        (customer_id, department_id)
                    }
                    None => continue,
                },
            };
            let audience = |staff_only| Audience::Ticket {
                customer_id,
                department_id,
                staff_only,
                except: None,
            };
            let (audience, event, also) = match change {
                Change::Ticket(ticket) => (audience(false), ServerEvent::Ticket { ticket }, None),
                Change::Message(message) => (
                    audience(message.internal),
                    ServerEvent::Message { message },
                    None,
                ),
                Change::Departure(_) => unreachable!("delivered above"),
                Change::Event(event) => {
                    // A transfer is news for the department it left too.
                    let left = match event.change {
                        TimelineChange::DepartmentChanged { from, .. } => {
                            Some(Audience::Department {
                                department_id: from,
                            })
                        }
                        _ => None,
                    };
                    (audience(false), ServerEvent::Timeline { event }, left)
                }
            };
            let frame: Arc<str> = serde_json::to_string(&event)
                .expect("events serialise")
                .into();
            hub.deliver(&audience, &frame);
            if let Some(also) = also {
                hub.deliver(&also, &frame);
            }
        }
        if delivered_any {
            stages.feed_deliver(delivering.elapsed().as_secs_f64());
        }
        cursor = page.next_cursor;
        if !page.has_more {
            return Ok(cursor);
        }
    }
}

//! The offline cache: what the app shows at once, online or not, and the
//! outbox of what the user did that the server has not confirmed yet.
//!
//! One rusqlite connection in WAL mode behind a mutex: the core's writes are
//! small and the UI's reads are single indexed queries.

mod canned;
mod outbox;
mod people;
mod schema;

use std::path::Path;
use std::sync::Mutex;

use protocol as wire;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::error::CoreError;
use crate::types::*;

pub struct Store {
    conn: Mutex<Connection>,
}

/// One queued operation of the outbox.
#[derive(Debug, Clone)]
pub struct QueuedOp {
    pub seq: i64,
    pub op: Op,
}

/// What the outbox sends, with the client-generated ids that make a resend
/// harmless.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Op {
    CreateTicket {
        ticket: wire::CreateTicket,
    },
    SendMessage {
        ticket_id: Uuid,
        message: wire::CreateMessage,
    },
    UpdateTicket {
        ticket_id: Uuid,
        update: wire::UpdateTicket,
    },
    /// The customer's satisfaction rating (shown on the ticket at once).
    RateTicket {
        ticket_id: Uuid,
        rating: wire::RateTicket,
    },
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::CreateTicket { .. } => "create_ticket",
            Op::SendMessage { .. } => "send_message",
            Op::UpdateTicket { .. } => "update_ticket",
            Op::RateTicket { .. } => "rate_ticket",
        }
    }

    /// The cached row whose state this operation decides.
    pub fn target(&self) -> (Target, Uuid) {
        match self {
            Op::CreateTicket { ticket } => (Target::Ticket, ticket.id.unwrap_or_default()),
            Op::SendMessage { message, .. } => (Target::Message, message.id.unwrap_or_default()),
            Op::UpdateTicket { ticket_id, .. } | Op::RateTicket { ticket_id, .. } => {
                (Target::Ticket, *ticket_id)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Ticket,
    Message,
}

fn micros_to_ms(micros: i64) -> i64 {
    micros / 1000
}

fn state_of(state: &str, failure: Option<String>) -> SendState {
    match state {
        "pending" => SendState::Pending,
        "failed" => SendState::Failed {
            reason: failure.unwrap_or_default(),
        },
        _ => SendState::Sent,
    }
}

fn status_text(s: wire::TicketStatus) -> &'static str {
    s.as_str()
}

const TICKET_COLUMNS: &str = "id, number, subject, status, priority, department_id, customer_id, \
     assignee_id, created_at, updated_at, version, send_state, failure, rating, sla, sla_due, \
     sla_breached";

/// Ticket rows from `tickets` (a table or a subquery, aliased `t`) with
/// their people's names, their newest message (`lm`) and their unread count
/// (columns as `ticket_from_row` reads them). `?1` is the user's id (NULL
/// when signed out: nothing is unread). Each row's lookups go through an
/// index (`messages_ticket`, the primary keys), never a scan of messages.
///
/// Unread: messages by others after the user's marker (`r`) in the ticket's
/// order. No marker: from the start (-1). A marker whose message is not
/// cached (yet): the messages since it was set.
fn ticket_select(tickets: &str) -> String {
    format!(
        "SELECT t.id, t.number, t.subject, t.status, t.priority, \
         t.department_id, t.customer_id, t.assignee_id, t.created_at, t.updated_at, t.version, \
         t.send_state, t.failure, cu.name, au.name, lm.body, lm.attachments, t.rating, \
         t.sla, \
         (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = t.id AND m.author_id <> ?1 \
            AND (m.created_at, m.id) > (COALESCE(rm.created_at, r.read_at, -1), COALESCE(rm.id, ''))) \
         FROM {tickets} t \
         LEFT JOIN users cu ON cu.id = t.customer_id LEFT JOIN users au ON au.id = t.assignee_id \
         LEFT JOIN messages lm ON lm.id = (SELECT id FROM messages WHERE ticket_id = t.id \
            ORDER BY created_at DESC, id DESC LIMIT 1) \
         LEFT JOIN reads r ON r.ticket_id = t.id AND r.user_id = ?1 \
         LEFT JOIN messages rm ON rm.id = r.message_id"
    )
}

/// A page of the list and its arguments. The page is chosen first, in a
/// subquery, so that a sorted filter (which cannot follow an index) looks
/// up messages for the page's rows only, not for every match.
fn tickets_query(
    filter: &TicketFilter,
    me: Option<&str>,
    limit: u32,
) -> (String, Vec<Option<String>>) {
    let mut page = "SELECT * FROM tickets t WHERE 1 = 1".to_string();
    let mut args = vec![me.map(str::to_string)];
    push_filter(&mut page, &mut args, filter, me);
    let order = match filter.sort.unwrap_or(TicketSort::Updated) {
        TicketSort::Updated => " ORDER BY t.updated_at DESC, t.id DESC",
        TicketSort::Priority => " ORDER BY t.priority DESC, t.created_at ASC, t.id ASC",
        TicketSort::Due => {
            " ORDER BY t.sla_due IS NULL, t.sla_due ASC, t.priority DESC, t.created_at ASC, t.id ASC"
        }
    };
    let sql = format!(
        "{}{order}",
        ticket_select(&format!("({page}{order} LIMIT {limit})"))
    );
    (sql, args)
}

/// The longest preview of a message in the list, "…" included.
const PREVIEW_CHARS: usize = 120;

/// A message as the list previews it: the text on one line, cut short; an
/// attachment's name when there is no text.
fn preview(body: &str, attachments: &str) -> String {
    let first_file = || {
        serde_json::from_str::<Vec<wire::FileMeta>>(attachments)
            .ok()
            .and_then(|files| files.into_iter().next())
    };
    let text = match first_file() {
        Some(file) if body.trim().is_empty() => format!("📎 {}", file.name),
        _ => body.to_string(),
    };
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The stored rating (JSON); an unreadable one counts as none.
fn rating_of(json: Option<String>) -> Option<wire::Rating> {
    serde_json::from_str(&json?).ok()
}

/// The stored targets (JSON); none stored or unreadable counts as none.
fn sla_of(json: Option<String>) -> wire::TicketSla {
    json.and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

fn status_of(text: &str) -> wire::TicketStatus {
    wire::TicketStatus::parse(text).unwrap_or(wire::TicketStatus::Open)
}

fn ticket_from_row(row: &Row) -> rusqlite::Result<TicketItem> {
    let status: String = row.get(3)?;
    let priority: i64 = row.get(4)?;
    let (last_body, last_files): (Option<String>, Option<String>) = (row.get(15)?, row.get(16)?);
    Ok(TicketItem {
        id: row.get(0)?,
        number: row.get::<_, Option<i64>>(1)?.filter(|n| *n > 0),
        subject: row.get(2)?,
        status: status_of(&status).into(),
        priority: wire::Priority::from_rank(priority)
            .unwrap_or(wire::Priority::Normal)
            .into(),
        department_id: row.get(5)?,
        customer_id: row.get(6)?,
        assignee_id: row.get(7)?,
        customer_name: row.get(13)?,
        assignee_name: row.get(14)?,
        created_at_ms: micros_to_ms(row.get(8)?),
        updated_at_ms: micros_to_ms(row.get(9)?),
        version: row.get(10)?,
        send_state: state_of(&row.get::<_, String>(11)?, row.get(12)?),
        last_message: last_body.map(|body| preview(&body, &last_files.unwrap_or_default())),
        unread_count: row.get(19)?,
        rating: rating_of(row.get(17)?).map(Into::into),
        sla: TicketSlaInfo::new(
            &sla_of(row.get(18)?),
            status_of(&status),
            chrono::Utc::now().timestamp_millis(),
        ),
    })
}

/// Appends `filter` to a ticket query's WHERE clause (`… WHERE 1 = 1`),
/// its values to `args` (numbered after those already there).
fn push_filter(
    sql: &mut String,
    args: &mut Vec<Option<String>>,
    filter: &TicketFilter,
    me: Option<&str>,
) {
    let mut push_in = |sql: &mut String, column: &str, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        let marks: Vec<String> = values
            .into_iter()
            .map(|v| {
                args.push(Some(v));
                format!("?{}", args.len())
            })
            .collect();
        sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    };
    push_in(
        sql,
        "t.status",
        filter
            .statuses
            .iter()
            .map(|s| status_text((*s).into()).to_string())
            .collect(),
    );
    push_in(
        sql,
        "t.priority",
        filter
            .priorities
            .iter()
            .map(|p| wire::Priority::from(*p).rank().to_string())
            .collect(),
    );
    push_in(
        sql,
        "t.department_id",
        filter.department_id.iter().cloned().collect(),
    );
    match filter.assignee.as_deref() {
        None => {}
        Some("unassigned") => sql.push_str(" AND t.assignee_id IS NULL"),
        Some("me") => push_in(sql, "t.assignee_id", vec![me.unwrap_or("").to_string()]),
        Some(id) => push_in(sql, "t.assignee_id", vec![id.to_string()]),
    }
    if let Some(sla) = filter.sla {
        let now = chrono::Utc::now().timestamp_micros();
        args.push(Some(now.to_string()));
        let now_arg = args.len();
        match sla {
            SlaFilter::Breached => sql.push_str(&format!(
                " AND (t.sla_breached = 1 OR t.sla_due <= CAST(?{now_arg} AS INTEGER))"
            )),
            SlaFilter::AtRisk => {
                args.push(Some((now + SLA_AT_RISK_MS * 1000).to_string()));
                sql.push_str(&format!(
                    " AND t.sla_breached = 0 AND t.sla_due > CAST(?{now_arg} AS INTEGER) \
                     AND t.sla_due <= CAST(?{} AS INTEGER)",
                    args.len()
                ));
            }
        }
    }
    if let Some(query) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        for word in query.split_whitespace() {
            args.push(Some(format!("%{}%", word.replace(['%', '_'], ""))));
            sql.push_str(&format!(" AND t.subject LIKE ?{}", args.len()));
        }
    }
}

fn message_from_row(row: &Row) -> rusqlite::Result<MessageItem> {
    let attachments: String = row.get(5)?;
    let attachments: Vec<wire::FileMeta> = serde_json::from_str(&attachments).unwrap_or_default();
    Ok(MessageItem {
        id: row.get(0)?,
        ticket_id: row.get(1)?,
        author_id: row.get(2)?,
        author_name: row.get(9)?,
        body: row.get(3)?,
        internal: row.get::<_, i64>(4)? != 0,
        attachments: attachments.into_iter().map(Into::into).collect(),
        created_at_ms: micros_to_ms(row.get(6)?),
        send_state: state_of(&row.get::<_, String>(7)?, row.get(8)?),
    })
}

impl Store {
    /// Opens (creating and migrating as needed) `cache.db` in `dir`.
    pub fn open(dir: &Path) -> Result<Store, CoreError> {
        std::fs::create_dir_all(dir)?;
        let mut conn = Connection::open(dir.join("cache.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode: a crash of the app loses nothing committed.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, CoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&mut conn)?)
    }

    // Key/values.

    pub fn meta(&self, key: &str) -> Result<Option<String>, CoreError> {
        self.with(|c| {
            c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), CoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
        })
    }

    /// Forgets everything: used at sign-out, so the next user sees nothing
    /// of the last.
    pub fn clear(&self) -> Result<(), CoreError> {
        self.with(|c| {
            c.execute_batch(
                "DELETE FROM tickets; DELETE FROM messages; DELETE FROM timeline;
                 DELETE FROM departments; DELETE FROM outbox; DELETE FROM meta;
                 DELETE FROM users; DELETE FROM reads; DELETE FROM canned_replies;",
            )
        })
    }

    /// Forgets what came from the server (not what waits in the outbox)
    /// and the sync cursor: the user's sight changed (another department or
    /// role), and a full sync brings what they may see now.
    pub fn forget_synced(&self) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute_batch(
                "DELETE FROM messages WHERE send_state = 'sent';
                 DELETE FROM timeline; DELETE FROM reads;
                 DELETE FROM tickets WHERE send_state = 'sent'
                   AND id NOT IN (SELECT ticket_id FROM messages);
                 DELETE FROM meta WHERE key = 'sync_cursor';
                 DELETE FROM canned_replies;",
            )?;
            tx.commit()
        })
    }

    // What the server says.

    /// Stores a ticket as the server has it, unless a local change to it is
    /// still waiting in the outbox (the outbox's answer will update it).
    pub fn put_ticket(&self, t: &wire::Ticket) -> Result<(), CoreError> {
        self.with(|c| put_ticket(c, t, false))
    }

    /// Stores the server's ticket whatever the local state.
    pub fn force_ticket(&self, t: &wire::Ticket) -> Result<(), CoreError> {
        self.with(|c| force_ticket(c, t))
    }

    pub fn put_message(&self, m: &wire::Message) -> Result<(), CoreError> {
        self.with(|c| put_message(c, m, "sent", None))
    }

    pub fn put_event(&self, e: &wire::TimelineEvent) -> Result<(), CoreError> {
        self.with(|c| put_event(c, e))
    }

    /// Applies a page of the sync feed and its cursor in one transaction.
    pub fn apply_sync(&self, page: &wire::SyncResponse) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            for t in &page.tickets {
                put_ticket(&tx, t, false)?;
            }
            for m in &page.messages {
                put_message(&tx, m, "sent", None)?;
            }
            for e in &page.events {
                put_event(&tx, e)?;
            }
            people::put_users(&tx, &page.users)?;
            // After the other lists: the server only sends a removal for a
            // ticket the caller cannot see now.
            for id in &page.removed_tickets {
                remove_ticket(&tx, &id.to_string())?;
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('sync_cursor', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&page.next_cursor],
            )?;
            tx.commit()
        })
    }

    pub fn set_departments(&self, departments: &[wire::Department]) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM departments", [])?;
            for d in departments {
                tx.execute(
                    "INSERT INTO departments (id, name) VALUES (?1, ?2)",
                    params![d.id.to_string(), d.name],
                )?;
            }
            tx.commit()
        })
    }

    pub fn departments(&self) -> Result<Vec<DepartmentInfo>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT id, name FROM departments ORDER BY name")?;
            stmt.query_map([], |r| {
                Ok(DepartmentInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?
            .collect()
        })
    }

    // What the user does: the cached row and its outbox entry together.

    pub fn queue_new_ticket(
        &self,
        ticket: &wire::Ticket,
        first: &wire::Message,
        op: &Op,
    ) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            put_ticket(&tx, ticket, true)?;
            put_message(&tx, first, "pending", None)?;
            enqueue(&tx, op)?;
            tx.commit()
        })
    }

    pub fn queue_message(&self, message: &wire::Message, op: &Op) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            put_message(&tx, message, "pending", None)?;
            enqueue(&tx, op)?;
            tx.commit()
        })
    }

    /// Shows a staff change at once (pending) and queues it.
    pub fn queue_ticket_update(&self, ticket: &wire::Ticket, op: &Op) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            put_ticket(&tx, ticket, true)?;
            enqueue(&tx, op)?;
            tx.commit()
        })
    }

    pub fn next_op(&self) -> Result<Option<QueuedOp>, CoreError> {
        let row: Option<(i64, String)> = self.with(|c| {
            c.query_row(
                "SELECT seq, payload FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })?;
        match row {
            Some((seq, payload)) => Ok(Some(QueuedOp {
                seq,
                op: serde_json::from_str(&payload)?,
            })),
            None => Ok(None),
        }
    }

    pub fn pending_ops(&self) -> Result<i64, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )
        })
    }

    /// The server confirmed the operation: drop it, store what it answered.
    pub fn complete_op(
        &self,
        queued: &QueuedOp,
        ticket: Option<&wire::Ticket>,
        message: Option<&wire::Message>,
        first_message: Option<Uuid>,
    ) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM outbox WHERE seq = ?1", [queued.seq])?;
            match (&queued.op, ticket) {
                (Op::UpdateTicket { ticket_id, update }, Some(t)) => {
                    rebase_updates(&tx, *ticket_id, update.version, t.version)?;
                }
                // Rating made a version of the ticket: a change queued after
                // it (closing it) builds on that version.
                (Op::RateTicket { ticket_id, .. }, Some(t)) => {
                    rebase_updates(&tx, *ticket_id, t.version - 1, t.version)?;
                }
                _ => {}
            }
            if let Some(id) = first_message {
                tx.execute(
                    "UPDATE messages SET send_state = 'sent', failure = NULL WHERE id = ?1",
                    [id.to_string()],
                )?;
            }
            if let Some(t) = ticket {
                put_ticket(&tx, t, false)?;
                // Ours now: no other change of this ticket waits.
                let waiting: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND target_id = ?1",
                    [t.id.to_string()],
                    |r| r.get(0),
                )?;
                if waiting == 0 {
                    force_ticket(&tx, t)?;
                }
            }
            if let Some(m) = message {
                put_message(&tx, m, "sent", None)?;
            }
            tx.commit()
        })
    }

    /// The server refused the operation: keep it (it can be retried) and
    /// show the reason on the row it concerns. `current` is the server's
    /// state of the ticket, when known, so a conflict shows what won.
    pub fn fail_op(
        &self,
        queued: &QueuedOp,
        reason: &str,
        current: Option<&wire::Ticket>,
    ) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE outbox SET state = 'failed', failure = ?2 WHERE seq = ?1",
                params![queued.seq, reason],
            )?;
            if let Some(t) = current {
                force_ticket(&tx, t)?;
            }
            let (target, id) = queued.op.target();
            let table = match target {
                Target::Ticket => "tickets",
                Target::Message => "messages",
            };
            tx.execute(
                &format!("UPDATE {table} SET send_state = 'failed', failure = ?2 WHERE id = ?1"),
                params![id.to_string(), reason],
            )?;
            tx.commit()
        })
    }

    /// Drops refused operations; their rows show the server's state again
    /// at the next sync.
    pub fn discard_failed(&self) -> Result<usize, CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE tickets SET send_state = 'sent', failure = NULL WHERE send_state = 'failed'",
                [],
            )?;
            tx.execute("DELETE FROM messages WHERE send_state = 'failed'", [])?;
            let n = tx.execute("DELETE FROM outbox WHERE state = 'failed'", [])?;
            tx.commit()?;
            Ok(n)
        })
    }

    /// Puts failed operations back in the queue, in their original order.
    pub fn retry_failed(&self) -> Result<usize, CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let ids: Vec<(String, String)> = {
                let mut stmt =
                    tx.prepare("SELECT kind, target_id FROM outbox WHERE state = 'failed'")?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?
            };
            for (kind, id) in &ids {
                let table = if kind == "send_message" {
                    "messages"
                } else {
                    "tickets"
                };
                tx.execute(
                    &format!(
                        "UPDATE {table} SET send_state = 'pending', failure = NULL WHERE id = ?1"
                    ),
                    [id],
                )?;
            }
            tx.execute(
                "UPDATE outbox SET state = 'pending', failure = NULL WHERE state = 'failed'",
                [],
            )?;
            tx.commit()?;
            Ok(ids.len())
        })
    }

    // What the UI reads.

    /// Drops a ticket the user can no longer see, with everything cached
    /// about it (what waits in the outbox stays, to be refused or discarded).
    pub fn remove_ticket(&self, id: &str) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            remove_ticket(&tx, id)?;
            tx.commit()
        })
    }

    /// A cached ticket as `me` sees it (their unread count).
    pub fn ticket(&self, id: &str, me: Option<&str>) -> Result<Option<TicketItem>, CoreError> {
        self.with(|c| {
            c.query_row(
                &format!("{} WHERE t.id = ?2", ticket_select("tickets")),
                params![me, id],
                ticket_from_row,
            )
            .optional()
        })
    }

    /// The wire form of a cached ticket, as a base for a local change.
    pub fn wire_ticket(&self, id: &str) -> Result<Option<wire::Ticket>, CoreError> {
        let Some(item) = self.ticket(id, None)? else {
            return Ok(None);
        };
        let parse = |s: &str| {
            Uuid::parse_str(s).map_err(|e| CoreError::Storage {
                message: e.to_string(),
            })
        };
        let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
        Ok(Some(wire::Ticket {
            id: parse(&item.id)?,
            number: item.number.unwrap_or(0),
            subject: item.subject,
            status: item.status.into(),
            priority: item.priority.into(),
            department_id: parse(&item.department_id)?,
            customer_id: parse(&item.customer_id)?,
            assignee_id: item.assignee_id.as_deref().map(parse).transpose()?,
            created_at: time(item.created_at_ms),
            updated_at: time(item.updated_at_ms),
            closed_at: None,
            version: item.version,
            rating: item.rating.map(|r| wire::Rating {
                score: r.score,
                comment: r.comment,
                rated_at: time(r.rated_at_ms),
            }),
            sla: item.sla.to_wire(),
        }))
    }

    /// A page of the ticket list, filtered and sorted as on the server.
    pub fn tickets(
        &self,
        filter: &TicketFilter,
        me: Option<&str>,
        limit: u32,
    ) -> Result<Vec<TicketItem>, CoreError> {
        let (sql, args) = tickets_query(filter, me, limit);
        self.with(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            stmt.query_map(rusqlite::params_from_iter(args.iter()), ticket_from_row)?
                .collect()
        })
    }

    /// How many cached tickets match `filter` (its sort aside).
    pub fn count_tickets(&self, filter: &TicketFilter, me: Option<&str>) -> Result<u32, CoreError> {
        let mut sql = "SELECT COUNT(*) FROM tickets t WHERE 1 = 1".to_string();
        let mut args = Vec::new();
        push_filter(&mut sql, &mut args, filter, me);
        self.with(|c| {
            c.prepare_cached(&sql)?
                .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))
        })
    }

    pub fn messages(&self, ticket_id: &str) -> Result<Vec<MessageItem>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT m.id, m.ticket_id, m.author_id, m.body, m.internal, m.attachments,
                        m.created_at, m.send_state, m.failure, u.name
                 FROM messages m LEFT JOIN users u ON u.id = m.author_id
                 WHERE m.ticket_id = ?1 ORDER BY m.created_at, m.id",
            )?;
            stmt.query_map([ticket_id], message_from_row)?.collect()
        })
    }

    pub fn timeline(&self, ticket_id: &str) -> Result<Vec<TimelineItem>, CoreError> {
        self.with(|c| {
            let names = people::names(c)?;
            let name = |id: Uuid| {
                names
                    .get(&id.to_string())
                    .cloned()
                    .unwrap_or_else(|| id.to_string())
            };
            let mut stmt = c.prepare_cached(
                "SELECT e.id, e.ticket_id, e.actor_id, e.change, e.created_at, u.name
                 FROM timeline e LEFT JOIN users u ON u.id = e.actor_id
                 WHERE e.ticket_id = ?1 ORDER BY e.created_at, e.id",
            )?;
            stmt.query_map([ticket_id], |r| {
                let change: String = r.get(3)?;
                let description = serde_json::from_str::<wire::TimelineChange>(&change)
                    .map(|c| describe(&c, &name))
                    .unwrap_or(change);
                Ok(TimelineItem {
                    id: r.get(0)?,
                    ticket_id: r.get(1)?,
                    actor_id: r.get(2)?,
                    actor_name: r.get(5)?,
                    created_at_ms: micros_to_ms(r.get(4)?),
                    description,
                })
            })?
            .collect()
        })
    }
}

fn remove_ticket(c: &Connection, id: &str) -> rusqlite::Result<()> {
    for table in ["messages", "timeline", "reads"] {
        c.execute(&format!("DELETE FROM {table} WHERE ticket_id = ?1"), [id])?;
    }
    c.execute("DELETE FROM tickets WHERE id = ?1", [id])?;
    Ok(())
}

/// Changes of one ticket queued one after another all start from the
/// version the user saw. Once the first is confirmed, the ones queued on
/// the same version build on it: they move to the version it produced, so
/// the server does not refuse the user's second change as a conflict with
/// their own first. A change by someone else in between still conflicts
/// (the server's version is then past the one they move to).
fn rebase_updates(c: &Connection, ticket: Uuid, from: i64, to: i64) -> rusqlite::Result<()> {
    let mut stmt = c.prepare(
        "SELECT seq, payload FROM outbox WHERE state = 'pending' AND kind = 'update_ticket' \
         AND target_id = ?1 ORDER BY seq",
    )?;
    let waiting: Vec<(i64, String)> = stmt
        .query_map([ticket.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, payload) in waiting {
        let Ok(Op::UpdateTicket {
            ticket_id,
            mut update,
        }) = serde_json::from_str::<Op>(&payload)
        else {
            continue;
        };
        if update.version != from {
            continue;
        }
        update.version = to;
        let payload = serde_json::to_string(&Op::UpdateTicket { ticket_id, update })
            .expect("operations serialise");
        c.execute(
            "UPDATE outbox SET payload = ?2 WHERE seq = ?1",
            params![seq, payload],
        )?;
    }
    Ok(())
}

fn enqueue(c: &Connection, op: &Op) -> rusqlite::Result<()> {
    let payload = serde_json::to_string(op).expect("operations serialise");
    c.execute(
        "INSERT INTO outbox (kind, target_id, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            op.kind(),
            op.target().1.to_string(),
            payload,
            chrono::Utc::now().timestamp_micros()
        ],
    )?;
    Ok(())
}

/// Writes a ticket; a server copy (`pending == false`) does not replace a
/// row whose local change is still pending, and keeps a refusal shown.
fn put_ticket(c: &Connection, t: &wire::Ticket, pending: bool) -> rusqlite::Result<()> {
    let guard = if pending {
        ""
    } else {
        " WHERE tickets.send_state <> 'pending'"
    };
    c.execute(
        &format!(
            "INSERT INTO tickets ({TICKET_COLUMNS}) VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14, ?15, ?16)
             ON CONFLICT (id) DO UPDATE SET number = excluded.number,
               subject = excluded.subject, status = excluded.status,
               priority = excluded.priority, department_id = excluded.department_id,
               customer_id = excluded.customer_id, assignee_id = excluded.assignee_id,
               created_at = excluded.created_at, updated_at = excluded.updated_at,
               version = excluded.version, rating = excluded.rating,
               sla = excluded.sla, sla_due = excluded.sla_due,
               sla_breached = excluded.sla_breached,
               -- A refusal stays shown until the user retries or discards it.
               send_state = CASE WHEN tickets.send_state = 'failed' THEN 'failed'
                                 ELSE excluded.send_state END,
               failure = CASE WHEN tickets.send_state = 'failed' THEN tickets.failure
                              ELSE NULL END{guard}"
        ),
        params![
            t.id.to_string(),
            t.number,
            t.subject,
            status_text(t.status),
            t.priority.rank(),
            t.department_id.to_string(),
            t.customer_id.to_string(),
            t.assignee_id.map(|a| a.to_string()),
            t.created_at.timestamp_micros(),
            t.updated_at.timestamp_micros(),
            t.version,
            if pending { "pending" } else { "sent" },
            t.rating
                .as_ref()
                .map(|r| serde_json::to_string(r).expect("a rating serialises")),
            serde_json::to_string(&t.sla).expect("targets serialise"),
            running_due(t),
            t.sla.breached(),
        ],
    )?;
    Ok(())
}

/// The earliest unmet target's due time (µs) while the ticket runs.
fn running_due(t: &wire::Ticket) -> Option<i64> {
    let running = matches!(
        t.status,
        wire::TicketStatus::Open | wire::TicketStatus::InProgress
    );
    t.sla
        .next_due()
        .filter(|_| running)
        .map(|d| d.timestamp_micros())
}

/// Writes the server's ticket whatever the local state.
fn force_ticket(c: &Connection, t: &wire::Ticket) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE tickets SET send_state = 'sent', failure = NULL WHERE id = ?1",
        [t.id.to_string()],
    )?;
    put_ticket(c, t, false)
}

fn put_message(
    c: &Connection,
    m: &wire::Message,
    state: &str,
    failure: Option<&str>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO messages (id, ticket_id, author_id, body, internal, attachments,
                               created_at, send_state, failure)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, internal = excluded.internal,
           attachments = excluded.attachments, created_at = excluded.created_at,
           send_state = excluded.send_state, failure = excluded.failure",
        params![
            m.id.to_string(),
            m.ticket_id.to_string(),
            m.author_id.to_string(),
            m.body,
            m.internal as i64,
            serde_json::to_string(&m.attachments).expect("attachments serialise"),
            m.created_at.timestamp_micros(),
            state,
            failure,
        ],
    )?;
    Ok(())
}

fn put_event(c: &Connection, e: &wire::TimelineEvent) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO timeline (id, ticket_id, actor_id, change, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
        params![
            e.id.to_string(),
            e.ticket_id.to_string(),
            e.actor_id.map(|a| a.to_string()),
            serde_json::to_string(&e.change).expect("changes serialise"),
            e.created_at.timestamp_micros(),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    fn ticket(id: Uuid, customer: Uuid, updated: i64) -> wire::Ticket {
        wire::Ticket {
            id,
            number: 1,
            subject: "Refund".into(),
            status: wire::TicketStatus::Open,
            priority: wire::Priority::Normal,
            department_id: Uuid::nil(),
            customer_id: customer,
            assignee_id: None,
            created_at: at(0),
            updated_at: at(updated),
            closed_at: None,
            version: 1,
            rating: None,
            sla: Default::default(),
        }
    }

    fn message(ticket: Uuid, author: Uuid, body: &str, seconds: i64) -> wire::Message {
        wire::Message {
            id: Uuid::now_v7(),
            ticket_id: ticket,
            author_id: author,
            body: body.into(),
            internal: false,
            attachments: Vec::new(),
            created_at: at(seconds),
        }
    }

    fn file(name: &str) -> wire::FileMeta {
        wire::FileMeta {
            id: Uuid::now_v7(),
            name: name.into(),
            content_type: "image/png".into(),
            size: 1,
            sha256: String::new(),
            created_at: at(0),
        }
    }

    fn read(ticket: Uuid, user: Uuid, message: Uuid, seconds: i64) -> wire::ReadReceipt {
        wire::ReadReceipt {
            ticket_id: ticket,
            user_id: user,
            message_id: message,
            read_at: at(seconds),
        }
    }

    #[test]
    fn the_preview_is_one_short_line_or_the_attachment() {
        assert_eq!(
            preview("  Charged\n\ttwice  over ", "[]"),
            "Charged twice over"
        );
        let long = "word ".repeat(100);
        let short = preview(&long, "[]");
        assert_eq!(short.chars().count(), PREVIEW_CHARS);
        assert!(short.ends_with("word…"), "{short}");
        assert_eq!(
            preview(&"x".repeat(PREVIEW_CHARS), "[]").chars().count(),
            PREVIEW_CHARS
        );

        let files = serde_json::to_string(&[file("receipt.png"), file("other.png")]).unwrap();
        assert_eq!(preview(" \n", &files), "📎 receipt.png");
        assert_eq!(preview("See this", &files), "See this", "text wins");
    }

    #[test]
    fn the_list_shows_the_newest_message_and_what_others_wrote_since_the_marker() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (ann, bea) = (Uuid::now_v7(), Uuid::now_v7());
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        store.put_ticket(&ticket(a, ann, 1)).unwrap();
        store.put_ticket(&ticket(b, ann, 2)).unwrap();
        let row = |id: Uuid, me: Option<Uuid>| {
            let me = me.map(|u| u.to_string());
            store
                .tickets(&TicketFilter::default(), me.as_deref(), 10)
                .unwrap()
                .into_iter()
                .find(|t| t.id == id.to_string())
                .unwrap()
        };
        assert_eq!(row(a, Some(ann)).last_message, None);
        assert_eq!(row(a, Some(ann)).unread_count, 0);

        let first = message(a, ann, "Charged twice", 10);
        let reply1 = message(a, bea, "On it", 20);
        let mut reply2 = message(a, bea, "", 30);
        reply2.attachments = vec![file("refund.pdf")];
        for m in [&first, &reply1, &reply2] {
            store.put_message(m).unwrap();
        }
        store
            .put_message(&message(b, bea, "Other ticket", 40))
            .unwrap();

        let ann_row = row(a, Some(ann));
        assert_eq!(ann_row.last_message.as_deref(), Some("📎 refund.pdf"));
        assert_eq!(ann_row.unread_count, 2, "no marker: all of Bea's");
        assert_eq!(row(a, Some(bea)).unread_count, 1, "Ann's only");
        assert_eq!(row(a, None).unread_count, 0, "signed out");
        assert_eq!(
            row(b, Some(ann)).last_message.as_deref(),
            Some("Other ticket")
        );

        store.put_read(&read(a, ann, reply1.id, 50)).unwrap();
        assert_eq!(row(a, Some(ann)).unread_count, 1);
        assert_eq!(row(b, Some(ann)).unread_count, 1, "another ticket's marker");
        store.put_read(&read(a, ann, reply2.id, 60)).unwrap();
        assert_eq!(row(a, Some(ann)).unread_count, 0);
        // Bea's marker is hers alone.
        store.put_read(&read(a, bea, first.id, 60)).unwrap();
        assert_eq!(row(a, Some(bea)).unread_count, 0);
        assert_eq!(row(a, Some(ann)).unread_count, 0);

        // The same fields on the single ticket (the detail's).
        let one = store
            .ticket(&a.to_string(), Some(&ann.to_string()))
            .unwrap();
        assert_eq!(one, Some(row(a, Some(ann))));

        // A marker on a message not cached: what came after it was set.
        let c = Uuid::now_v7();
        store.put_ticket(&ticket(c, ann, 3)).unwrap();
        store.put_message(&message(c, bea, "Before", 10)).unwrap();
        store.put_message(&message(c, bea, "After", 30)).unwrap();
        store.put_read(&read(c, ann, Uuid::now_v7(), 20)).unwrap();
        assert_eq!(row(c, Some(ann)).unread_count, 1);
    }

    #[test]
    fn counting_uses_the_lists_filter() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (ann, bea) = (Uuid::now_v7(), Uuid::now_v7());
        for i in 0..5 {
            let mut t = ticket(Uuid::now_v7(), ann, i);
            if i < 2 {
                t.status = wire::TicketStatus::Closed;
            }
            if i == 4 {
                t.assignee_id = Some(bea);
            }
            store.put_ticket(&t).unwrap();
        }
        let count = |filter: TicketFilter| store.count_tickets(&filter, Some(&bea.to_string()));
        let filter = |assignee: &str| TicketFilter {
            assignee: Some(assignee.into()),
            ..TicketFilter::default()
        };
        assert_eq!(count(TicketFilter::default()).unwrap(), 5);
        let open = TicketFilter {
            statuses: vec![TicketStatus::Open],
            sort: Some(TicketSort::Priority),
            ..TicketFilter::default()
        };
        assert_eq!(count(open.clone()).unwrap(), 3);
        assert_eq!(count(filter("unassigned")).unwrap(), 4);
        assert_eq!(count(filter("me")).unwrap(), 1);
        assert_eq!(
            store.count_tickets(&filter("me"), None).unwrap(),
            0,
            "signed out: nobody's"
        );
        let open_unassigned = TicketFilter {
            assignee: Some("unassigned".into()),
            ..open
        };
        assert_eq!(count(open_unassigned.clone()).unwrap(), 2);
        assert_eq!(
            store
                .tickets(&open_unassigned, Some(&bea.to_string()), 100)
                .unwrap()
                .len(),
            2,
            "the list agrees"
        );
    }

    #[test]
    fn due_soonest_puts_missed_targets_first_and_the_sla_filters_pick_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ann = Uuid::now_v7();
        let now = chrono::Utc::now();
        let minutes = |m: i64| Some(now + chrono::Duration::minutes(m));
        let with_sla = |subject: &str, sla: wire::TicketSla| {
            let mut t = ticket(Uuid::now_v7(), ann, 0);
            t.subject = subject.into();
            t.sla = sla;
            store.put_ticket(&t).unwrap();
            t
        };
        with_sla("no targets", wire::TicketSla::default());
        with_sla(
            "on track",
            wire::TicketSla {
                first_response_due_at: minutes(300),
                ..Default::default()
            },
        );
        with_sla(
            "at risk",
            wire::TicketSla {
                first_response_due_at: minutes(20),
                ..Default::default()
            },
        );
        with_sla(
            "missed",
            wire::TicketSla {
                first_response_due_at: minutes(-30),
                first_response_breached: true,
                resolution_due_at: minutes(200),
                ..Default::default()
            },
        );
        with_sla(
            "met",
            wire::TicketSla {
                first_response_due_at: minutes(-90),
                first_responded_at: minutes(-100),
                ..Default::default()
            },
        );
        let mut resolved = with_sla(
            "resolved in time",
            wire::TicketSla {
                resolution_due_at: minutes(10),
                ..Default::default()
            },
        );
        resolved.status = wire::TicketStatus::Resolved;
        store.put_ticket(&resolved).unwrap();

        let list = |sla: Option<SlaFilter>| -> Vec<(String, SlaState)> {
            let filter = TicketFilter {
                sort: Some(TicketSort::Due),
                sla,
                ..TicketFilter::default()
            };
            store
                .tickets(&filter, None, 50)
                .unwrap()
                .into_iter()
                .map(|t| (t.subject, t.sla.state))
                .collect()
        };
        let all = list(None);
        assert_eq!(
            all[..3],
            [
                ("missed".to_string(), SlaState::Breached),
                ("at risk".to_string(), SlaState::AtRisk),
                ("on track".to_string(), SlaState::OnTrack),
            ],
            "{all:?}"
        );
        assert_eq!(all.len(), 6);
        assert!(all.contains(&("met".into(), SlaState::Met)));
        assert!(all.contains(&("no targets".into(), SlaState::None)));
        assert!(
            all.contains(&("resolved in time".into(), SlaState::None)),
            "a resolved ticket's target no longer runs: {all:?}"
        );
        assert_eq!(
            list(Some(SlaFilter::AtRisk)),
            [("at risk".to_string(), SlaState::AtRisk)]
        );
        assert_eq!(
            list(Some(SlaFilter::Breached)),
            [("missed".to_string(), SlaState::Breached)]
        );
        let count = store
            .count_tickets(
                &TicketFilter {
                    sla: Some(SlaFilter::Breached),
                    ..TicketFilter::default()
                },
                None,
            )
            .unwrap();
        assert_eq!(count, 1);
    }

    /// Each row's newest message and unread count are index lookups, made
    /// for the page's rows: the only scans are of tickets (or the page).
    #[test]
    fn the_list_never_scans_the_messages() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let me = Uuid::now_v7().to_string();
        for (statuses, sort) in [
            (vec![], TicketSort::Updated),
            (vec![TicketStatus::Open], TicketSort::Updated),
            (vec![], TicketSort::Priority),
        ] {
            let filter = TicketFilter {
                statuses,
                sort: Some(sort),
                ..TicketFilter::default()
            };
            let (sql, args) = tickets_query(&filter, Some(&me), 50);
            let plan: Vec<String> = store
                .with(|c| {
                    c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
                        .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(3))?
                        .collect()
                })
                .unwrap();
            let scans = plan.iter().filter(|d| d.starts_with("SCAN"));
            assert!(scans.clone().all(|d| d.starts_with("SCAN t")), "{plan:#?}");
            assert!(
                plan.iter().any(|d| d.contains(
                    "SEARCH m USING INDEX messages_ticket (ticket_id=? AND (created_at,id)>(?,?))"
                )),
                "{plan:#?}"
            );
        }
    }
}

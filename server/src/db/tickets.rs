use std::collections::HashMap;

use protocol::{Priority, Rating, Ticket, TicketSla, TicketStatus};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};
use uuid::Uuid;

use super::{Dialect, SqlBuilder, decode_err, from_micros, parse_id, parse_opt_id};

pub const COLUMNS: &str = "t.id, t.number, t.subject, t.status, t.priority, t.department_id, \
     t.customer_id, t.assignee_id, t.created_at, t.updated_at, t.closed_at, t.version, \
     t.rating_score, t.rating_comment, t.rated_at, t.first_response_due_at, t.first_responded_at, \
     t.first_response_breached_at, t.resolution_due_at, t.first_resolved_at, t.resolution_breached_at";

pub fn from_row(row: &AnyRow) -> Result<Ticket, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let priority: i64 = row.try_get("priority")?;
    Ok(Ticket {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        number: row.try_get("number")?,
        subject: row.try_get("subject")?,
        status: TicketStatus::parse(&status).ok_or_else(|| decode_err(status))?,
        priority: Priority::from_rank(priority)
            .ok_or_else(|| decode_err(format!("priority {priority}")))?,
        department_id: parse_id(&row.try_get::<String, _>("department_id")?)?,
        customer_id: parse_id(&row.try_get::<String, _>("customer_id")?)?,
        assignee_id: parse_opt_id(row.try_get("assignee_id")?)?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
        closed_at: row.try_get::<Option<i64>, _>("closed_at")?.map(from_micros),
        version: row.try_get("version")?,
        rating: rating_from_row(row)?,
        sla: sla_from_row(row)?,
    })
}

fn sla_from_row(row: &AnyRow) -> Result<TicketSla, sqlx::Error> {
    let time = |column: &str| -> Result<_, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_micros))
    };
    Ok(TicketSla {
        first_response_due_at: time("first_response_due_at")?,
        first_responded_at: time("first_responded_at")?,
        first_response_breached: time("first_response_breached_at")?.is_some(),
        resolution_due_at: time("resolution_due_at")?,
        resolved_at: time("first_resolved_at")?,
        resolution_breached: time("resolution_breached_at")?.is_some(),
    })
}

fn rating_from_row(row: &AnyRow) -> Result<Option<Rating>, sqlx::Error> {
    let (Some(score), Some(rated_at)) = (
        row.try_get::<Option<i64>, _>("rating_score")?,
        row.try_get::<Option<i64>, _>("rated_at")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(Rating {
        score: u8::try_from(score).map_err(|_| decode_err(format!("rating {score}")))?,
        comment: row.try_get("rating_comment")?,
        rated_at: from_micros(rated_at),
    }))
}

/// Which tickets a caller may see; every ticket query is narrowed by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Department(Uuid),
    Customer(Uuid),
    /// A staff member without a department sees nothing.
    Nothing,
}

impl Scope {
    /// Whether this scope takes in `ticket`.
    pub fn sees(self, ticket: &Ticket) -> bool {
        match self {
            Scope::All => true,
            Scope::Department(dept) => ticket.department_id == dept,
            Scope::Customer(id) => ticket.customer_id == id,
            Scope::Nothing => false,
        }
    }

    /// Appends ` AND <predicate on alias t>`.
    pub fn push_predicate(self, q: &mut SqlBuilder) {
        match self {
            Scope::All => {}
            Scope::Department(id) => {
                q.push(" AND t.department_id = ").bind(id);
            }
            Scope::Customer(id) => {
                q.push(" AND t.customer_id = ").bind(id);
            }
            Scope::Nothing => {
                q.push(" AND 1 = 0");
            }
        }
    }
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    id: Uuid,
) -> Result<Option<Ticket>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM tickets t WHERE t.id = "));
    q.bind(id);
    q.build()
        .fetch_optional(db)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// The tickets of the given ids that exist, by id.
pub async fn get_many(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Ticket>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM tickets t WHERE t.id IN ("));
    q.push_id_list(ids.iter().copied());
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| from_row(row).map(|t| (t.id, t)))
        .collect()
}

/// Like `get_many`, with each ticket's feed position: every change a client
/// may see moves it, so an unchanged position means an unchanged ticket.
pub async fn get_many_with_seq(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (Ticket, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = SqlBuilder::new(&format!(
        "SELECT {COLUMNS}, t.seq FROM tickets t WHERE t.id IN ("
    ));
    q.push_id_list(ids.iter().copied());
    q.build()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| Ok((from_row(row)?, row.try_get("seq")?)))
        .map(|r: Result<(Ticket, i64), sqlx::Error>| r.map(|(t, seq)| (t.id, (t, seq))))
        .collect()
}

/// Takes the next human-readable ticket number (inside a write transaction,
/// which already serialises writers).
pub async fn next_number(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value",
    )
    .fetch_one(conn)
    .await?;
    Ok(n)
}

pub async fn insert(conn: &mut AnyConnection, t: &Ticket, seq: i64) -> Result<(), sqlx::Error> {
    insert_many(conn, &[(t, seq)]).await
}

/// Inserts tickets with their feed positions in one statement.
pub async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[(&Ticket, i64)],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = SqlBuilder::new(
        "INSERT INTO tickets (id, number, subject, status, priority, department_id, customer_id, \
         assignee_id, created_at, updated_at, closed_at, version, seq, first_response_due_at, \
         resolution_due_at) VALUES ",
    );
    for (i, (t, seq)) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(t.id)
            .push(", ")
            .bind(t.number)
            .push(", ")
            .bind(t.subject.as_str());
        q.push(", ")
            .bind(t.status.as_str())
            .push(", ")
            .bind(t.priority.rank());
        q.push(", ")
            .bind(t.department_id)
            .push(", ")
            .bind(t.customer_id)
            .push(", ");
        match t.assignee_id {
            Some(a) => q.bind(a),
            None => q.push("NULL"),
        };
        q.push(", ").bind(t.created_at.timestamp_micros());
        q.push(", ")
            .bind(t.updated_at.timestamp_micros())
            .push(", ");
        match t.closed_at {
            Some(c) => q.bind(c.timestamp_micros()),
            None => q.push("NULL"),
        };
        q.push(", ").bind(t.version).push(", ").bind(*seq);
        for due in [t.sla.first_response_due_at, t.sla.resolution_due_at] {
            q.push(", ");
            match due {
                Some(d) => q.bind(d.timestamp_micros()),
                None => q.push("NULL"),
            };
        }
        q.push(")");
    }
    q.build().execute(conn).await?;
    Ok(())
}

/// Writes the new state of a ticket if its stored version is still
/// `t.version - 1`; `Ok(false)` when someone else changed it first.
pub async fn update(conn: &mut AnyConnection, t: &Ticket, seq: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE tickets SET status = $1, priority = $2, department_id = $3, assignee_id = $4, \
         updated_at = $5, closed_at = $6, version = $7, seq = $8, first_response_due_at = $11, \
         resolution_due_at = $12, first_resolved_at = $13 WHERE id = $9 AND version = $10",
    )
    .bind(t.status.as_str())
    .bind(t.priority.rank())
    .bind(t.department_id.to_string())
    .bind(t.assignee_id.map(|a| a.to_string()))
    .bind(t.updated_at.timestamp_micros())
    .bind(t.closed_at.map(|c| c.timestamp_micros()))
    .bind(t.version)
    .bind(seq)
    .bind(t.id.to_string())
    .bind(t.version - 1)
    .bind(t.sla.first_response_due_at.map(|d| d.timestamp_micros()))
    .bind(t.sla.resolution_due_at.map(|d| d.timestamp_micros()))
    .bind(t.sla.resolved_at.map(|d| d.timestamp_micros()))
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores the customer's rating with the ticket's next version, if it has
/// none yet and its stored version is still `version`; `Ok(false)` when it
/// was rated or changed first.
pub async fn rate(
    conn: &mut AnyConnection,
    id: Uuid,
    version: i64,
    rating: &Rating,
    seq: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE tickets SET rating_score = $1, rating_comment = $2, rated_at = $3, \
         updated_at = $3, version = version + 1, seq = $4 \
         WHERE id = $5 AND version = $6 AND rating_score IS NULL",
    )
    .bind(i64::from(rating.score))
    .bind(rating.comment.clone())
    .bind(rating.rated_at.timestamp_micros())
    .bind(seq)
    .bind(id.to_string())
    .bind(version)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records that the customer was asked to rate the ticket; `Ok(false)` when
/// they had been asked before (the request goes once).
pub async fn mark_rating_asked(
    conn: &mut AnyConnection,
    id: Uuid,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE tickets SET rating_asked_at = $1 WHERE id = $2 AND rating_asked_at IS NULL",
    )
    .bind(at)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether the customer was asked to rate the ticket already.
pub async fn rating_asked(conn: &mut AnyConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let asked: Option<Option<i64>> =
        sqlx::query_scalar("SELECT rating_asked_at FROM tickets WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(asked.flatten().is_some())
}

/// Marks activity on a ticket (a new message) without changing its fields
/// or version: it moves up in "recently updated" and in the feed.
pub async fn touch(
    conn: &mut AnyConnection,
    id: Uuid,
    updated_at: i64,
    seq: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET updated_at = $1, seq = $2 WHERE id = $3")
        .bind(updated_at)
        .bind(seq)
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves several tickets to new feed positions (`(id, seq)`) with one
/// statement, as a message on each does.
pub async fn touch_many(
    conn: &mut AnyConnection,
    updated_at: i64,
    rows: &[(Uuid, i64)],
) -> Result<(), sqlx::Error> {
    if let Some(q) = touch_many_sql(updated_at, rows) {
        q.build().execute(conn).await?;
    }
    Ok(())
}

/// The statement of `touch_many` (none for no rows).
pub fn touch_many_sql(updated_at: i64, rows: &[(Uuid, i64)]) -> Option<SqlBuilder> {
    if rows.is_empty() {
        return None;
    }
    let mut q = SqlBuilder::new("UPDATE tickets SET updated_at = ");
    q.bind(updated_at).push(", seq = CASE id");
    for (id, seq) in rows {
        q.push(" WHEN ").bind(*id).push(" THEN ").bind(*seq);
    }
    q.push(" END WHERE id IN (");
    q.push_id_list(rows.iter().map(|(id, _)| *id));
    Some(q)
}

/// Records staff's first public reply on these tickets (those that had
/// none); the caller records the tickets' new state on the feed.
pub async fn mark_first_responded(
    conn: &mut AnyConnection,
    at: i64,
    ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut q = SqlBuilder::new("UPDATE tickets SET first_responded_at = ");
    q.bind(at)
        .push(" WHERE first_responded_at IS NULL AND id IN (");
    q.push_id_list(ids.iter().copied());
    q.build().execute(conn).await?;
    Ok(())
}

/// Adds text that `q` searches: the subject, or a message body.
pub async fn index_text(
    conn: &mut AnyConnection,
    ticket_id: Uuid,
    text: &str,
    internal: bool,
) -> Result<(), sqlx::Error> {
    index_many(conn, &[(ticket_id, text, internal)]).await
}

/// Adds several searchable texts in one statement.
pub async fn index_many(
    conn: &mut AnyConnection,
    rows: &[(Uuid, &str, bool)],
) -> Result<(), sqlx::Error> {
    if let Some(q) = index_many_sql(rows) {
        q.build().execute(conn).await?;
    }
    Ok(())
}

/// The statement of `index_many` (none for no rows).
pub fn index_many_sql(rows: &[(Uuid, &str, bool)]) -> Option<SqlBuilder> {
    if rows.is_empty() {
        return None;
    }
    let mut q = SqlBuilder::new("INSERT INTO ticket_search (text, ticket_id, internal) VALUES ");
    for (i, (ticket_id, text, internal)) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind(*text)
            .push(", ")
            .bind(*ticket_id)
            .push(", ")
            .bind(*internal)
            .push(")");
    }
    Some(q)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most recently updated first.
    Updated,
    /// Most pressing first, then oldest first: the order a queue is worked.
    Priority,
}

/// Position after the last row of a page, for keyset pagination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Updated {
        updated_at: i64,
        id: Uuid,
    },
    Priority {
        priority: i64,
        created_at: i64,
        id: Uuid,
    },
}

impl After {
    pub fn of(sort: Sort, t: &Ticket) -> After {
        match sort {
            Sort::Updated => After::Updated {
                updated_at: t.updated_at.timestamp_micros(),
                id: t.id,
            },
            Sort::Priority => After::Priority {
                priority: t.priority.rank(),
                created_at: t.created_at.timestamp_micros(),
                id: t.id,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    Unassigned,
    User(Uuid),
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub scope: Scope,
    pub statuses: Vec<TicketStatus>,
    pub priorities: Vec<Priority>,
    pub assignee: Option<AssigneeFilter>,
    pub department_id: Option<Uuid>,
    /// Full-text terms over subjects and messages.
    pub text: Option<String>,
    /// Whether text search may match internal notes (staff only).
    pub search_internal: bool,
    pub sort: Sort,
    pub after: Option<After>,
    pub limit: i64,
}

pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    dialect: Dialect,
    query: &ListQuery,
) -> Result<Vec<Ticket>, sqlx::Error> {
    let mut q = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM tickets t WHERE 1 = 1"));
    query.scope.push_predicate(&mut q);
    if let Some(dept) = query.department_id {
        q.push(" AND t.department_id = ").bind(dept);
    }
    push_in(
        &mut q,
        "t.status",
        query.statuses.iter().map(|s| s.as_str().into()),
    );
    push_in(
        &mut q,
        "t.priority",
        query.priorities.iter().map(|p| p.rank().into()),
    );
    match &query.assignee {
        Some(AssigneeFilter::Unassigned) => {
            q.push(" AND t.assignee_id IS NULL");
        }
        Some(AssigneeFilter::User(id)) => {
            q.push(" AND t.assignee_id = ").bind(*id);
        }
        None => {}
    }
    if let Some(text) = &query.text {
        push_search(&mut q, dialect, text, query.search_internal);
    }
    match &query.after {
        Some(After::Updated { updated_at, id }) => {
            q.push(" AND (t.updated_at < ")
                .bind(*updated_at)
                .push(" OR (t.updated_at = ")
                .bind(*updated_at)
                .push(" AND t.id < ")
                .bind(*id)
                .push("))");
        }
        Some(After::Priority {
            priority,
            created_at,
            id,
        }) => {
            q.push(" AND (t.priority < ")
                .bind(*priority)
                .push(" OR (t.priority = ")
                .bind(*priority)
                .push(" AND (t.created_at > ")
                .bind(*created_at)
                .push(" OR (t.created_at = ")
                .bind(*created_at)
                .push(" AND t.id > ")
                .bind(*id)
                .push("))))");
        }
        None => {}
    }
    q.push(match query.sort {
        Sort::Updated => " ORDER BY t.updated_at DESC, t.id DESC",
        Sort::Priority => " ORDER BY t.priority DESC, t.created_at ASC, t.id ASC",
    });
    q.push(" LIMIT ").bind(query.limit);
    q.build()
        .fetch_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

fn push_in(q: &mut SqlBuilder, column: &str, values: impl Iterator<Item = super::sql::Arg>) {
    let mut first = true;
    for value in values {
        q.push(if first { " AND " } else { ", " });
        if first {
            q.push(column).push(" IN (");
            first = false;
        }
        q.bind(value);
    }
    if !first {
        q.push(")");
    }
}

/// Full-text search is where the dialects differ: FTS5 on SQLite, a GIN
/// index over `tsvector` on PostgreSQL. Both tokenise without stemming and
/// require every term to match.
fn push_search(q: &mut SqlBuilder, dialect: Dialect, text: &str, include_internal: bool) {
    q.push(" AND t.id IN (SELECT ticket_id FROM ticket_search WHERE ");
    match dialect {
        Dialect::Sqlite => {
            q.push("ticket_search MATCH ").bind(fts5_query(text));
        }
        Dialect::Postgres => {
            q.push("tsv @@ plainto_tsquery('simple', ")
                .bind(text)
                .push(")");
        }
    }
    if !include_internal {
        q.push(" AND internal = 0");
    }
    q.push(")");
}

/// Turns user input into an FTS5 query of quoted terms, so that operators
/// and punctuation in the input are searched for, never interpreted.
fn fts5_query(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|term| !term.is_empty())
        .map(|term| format!("\"{term}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts5_query_quotes_terms_and_drops_operators() {
        assert_eq!(
            fts5_query("printer \"jam\" OR*"),
            "\"printer\" \"jam\" \"OR\""
        );
        assert_eq!(fts5_query("--"), "");
    }
}

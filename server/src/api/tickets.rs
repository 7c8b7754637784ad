//! Tickets: opened by customers, worked by their department's staff.

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use protocol::{
    CreateTicket, ErrorBody, Priority, Role, SlaPolicy, Ticket, TicketPage, TicketStatus,
    TimelineChange, TimelineEvent, UpdateTicket,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::tickets::{After, AssigneeFilter, ListQuery, Sort};
use crate::db::{self, from_micros, now_micros, timeline::new_event};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::{AppState, policy, routing, sla, validate};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// Opens a ticket with its first message: a customer their own, or staff
/// one on a customer's behalf (`customer_id`, in the staff member's
/// department; admins any). Sending the same `id` again returns the ticket
/// created the first time (200 instead of 201).
#[utoipa::path(post, path = "/v1/tickets", operation_id = "create_ticket", tag = "tickets",
    request_body = CreateTicket,
    responses(
        (status = 201, description = "created", body = Ticket),
        (status = 200, description = "already created with this id", body = Ticket),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such customer", body = ErrorBody),
        (status = 409, description = "id used by another", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateTicket>,
) -> ApiResult<(StatusCode, Json<Ticket>)> {
    let (customer_id, opened_by) = opener(&state, &caller, &req).await?;
    let subject = validate::text("subject", &req.subject, validate::MAX_SUBJECT)?;
    let body = validate::text("body", &req.body, validate::MAX_BODY)?;
    if db::departments::by_id(state.db.reader(), req.department_id)
        .await?
        .is_none()
    {
        return Err(ApiError::unprocessable(
            "invalid_department",
            "department_id names no department",
        ));
    }
    let id = req.id.unwrap_or_else(Uuid::now_v7);
    let opening = NewTicket {
        id,
        first_message_id: req.first_message_id.unwrap_or_else(Uuid::now_v7),
        department_id: req.department_id,
        subject,
        body,
        opened_by,
    };
    match open_ticket(&state, customer_id, opening).await? {
        Opened::Created(ticket) => Ok((StatusCode::CREATED, Json(ticket))),
        Opened::Existing(ticket) => Ok((StatusCode::OK, Json(ticket))),
    }
}

/// Whose ticket it is, and who opened it for them: a customer opens their
/// own; staff open one for a customer, in their own department (an admin in
/// any).
async fn opener(
    state: &AppState,
    caller: &Caller,
    req: &CreateTicket,
) -> ApiResult<(Uuid, Option<Uuid>)> {
    match (caller.role(), req.customer_id) {
        (Role::Customer, None) => Ok((caller.id(), None)),
        (Role::Customer, Some(_)) => Err(ApiError::forbidden(
            "customers open tickets for themselves only",
        )),
        (_, None) => Err(ApiError::unprocessable(
            "invalid_field",
            "customer_id is required: staff open tickets on a customer's behalf",
        )),
        (role, Some(customer_id)) => {
            if role != Role::Admin && caller.user.department_id != Some(req.department_id) {
                return Err(ApiError::forbidden(
                    "staff open tickets in their own department only",
                ));
            }
            match db::users::by_id(state.db.reader(), customer_id).await? {
                Some(u) if u.role == Role::Customer && !u.disabled => {
                    Ok((customer_id, Some(caller.id())))
                }
                _ => Err(super::customers::customer_not_found()),
            }
        }
    }
}

pub use crate::ticket_writer::{NewTicket, Opened, id_conflict};

/// Opens a ticket through the instance's ticket writer (group commit).
pub async fn open_ticket(state: &AppState, customer_id: Uuid, new: NewTicket) -> ApiResult<Opened> {
    state.tickets.open(customer_id, new).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Comma-separated statuses, e.g. `open,in_progress`.
    status: Option<String>,
    /// Comma-separated priorities, e.g. `high,urgent`.
    priority: Option<String>,
    /// `me`, `unassigned`, or a staff id.
    assignee: Option<String>,
    department_id: Option<Uuid>,
    /// Full-text search over subjects and messages.
    q: Option<String>,
    /// `updated` (newest first, the default) or `priority` (most pressing,
    /// then oldest, first).
    sort: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<i64>,
}

/// Lists the tickets the caller may see, filtered and sorted, a page at a time.
#[utoipa::path(get, path = "/v1/tickets", operation_id = "list_tickets", tag = "tickets",
    params(ListParams),
    responses((status = 200, body = TicketPage), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<TicketPage>> {
    let sort = match params.sort.as_deref() {
        None | Some("updated") => Sort::Updated,
        Some("priority") => Sort::Priority,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("sort must be updated or priority, not {other:?}"),
            ));
        }
    };
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and {MAX_PAGE}"),
        ));
    }
    let assignee = match params.assignee.as_deref() {
        None => None,
        Some("me") => Some(AssigneeFilter::User(caller.id())),
        Some("unassigned") => Some(AssigneeFilter::Unassigned),
        Some(id) => Some(AssigneeFilter::User(Uuid::parse_str(id).map_err(|_| {
            ApiError::bad_request("invalid_query", "assignee must be me, unassigned or an id")
        })?)),
    };
    let text = match params.q.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(q) if q.chars().count() > 200 => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "q is longer than 200 characters",
            ));
        }
        Some(q) if !q.chars().any(char::is_alphanumeric) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "q has no words to search for",
            ));
        }
        Some(q) => Some(q.to_string()),
    };
    let query = ListQuery {
        scope: policy::ticket_scope(&caller),
        statuses: parse_list(params.status.as_deref(), "status", TicketStatus::parse)?,
        priorities: parse_list(params.priority.as_deref(), "priority", Priority::parse)?,
        assignee,
        department_id: params.department_id,
        text,
        search_internal: caller.is_staff(),
        sort,
        after: params
            .cursor
            .as_deref()
            .map(|c| decode_cursor(c, sort))
            .transpose()?,
        limit: limit + 1,
    };
    let mut tickets = db::tickets::list(state.db.reader(), state.db.dialect, &query).await?;
    let next_cursor = if tickets.len() as i64 > limit {
        tickets.truncate(limit as usize);
        tickets.last().map(|t| encode_cursor(&After::of(sort, t)))
    } else {
        None
    };
    Ok(Json(TicketPage {
        tickets,
        next_cursor,
    }))
}

fn parse_list<T>(
    value: Option<&str>,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> ApiResult<Vec<T>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(|part| {
            parse(part.trim()).ok_or_else(|| {
                ApiError::bad_request("invalid_query", format!("unknown {name} {part:?}"))
            })
        })
        .collect()
}

/// Cursors are opaque to clients: base64 of the sort key of the last row.
fn encode_cursor(after: &After) -> String {
    let text = match after {
        After::Updated { updated_at, id } => format!("u:{updated_at}:{id}"),
        After::Priority {
            priority,
            created_at,
            id,
        } => format!("p:{priority}:{created_at}:{id}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn decode_cursor(cursor: &str, sort: Sort) -> ApiResult<After> {
    let invalid = || ApiError::bad_request("invalid_cursor", "cursor is not one this list gave");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let parts: Vec<&str> = text.split(':').collect();
    let int = |s: &str| s.parse::<i64>().map_err(|_| invalid());
    let id = |s: &str| Uuid::parse_str(s).map_err(|_| invalid());
    match (sort, parts.as_slice()) {
        (Sort::Updated, ["u", updated_at, uid]) => Ok(After::Updated {
            updated_at: int(updated_at)?,
            id: id(uid)?,
        }),
        (Sort::Priority, ["p", priority, created_at, uid]) => Ok(After::Priority {
            priority: int(priority)?,
            created_at: int(created_at)?,
            id: id(uid)?,
        }),
        _ => Err(invalid()),
    }
}

#[utoipa::path(get, path = "/v1/tickets/{id}", operation_id = "get_ticket", tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(policy::visible_ticket(&state.db, &caller, id).await?))
}

/// Changes a ticket. Staff of its department change status, priority,
/// assignee (a colleague of the department) or department (which unassigns
/// it); the customer may only close it. `version` must be the current one.
#[utoipa::path(patch, path = "/v1/tickets/{id}", operation_id = "update_ticket", tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = UpdateTicket,
    responses(
        (status = 200, body = Ticket),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "stale version", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateTicket>,
) -> ApiResult<Json<Ticket>> {
    let current = policy::visible_ticket(&state.db, &caller, id).await?;
    if !caller.is_staff() {
        let only_closing = req.status == Some(TicketStatus::Closed)
            && req.priority.is_none()
            && req.assignee_id.is_none()
            && req.department_id.is_none();
        if !only_closing {
            return Err(ApiError::forbidden("customers may only close their ticket"));
        }
    }
    if req.version != current.version {
        return Err(stale_version(current.version));
    }

    let mut next = current.clone();
    let mut changes = Vec::new();
    if let Some(dept) = req.department_id.filter(|d| *d != current.department_id) {
        if db::departments::by_id(state.db.reader(), dept)
            .await?
            .is_none()
        {
            return Err(ApiError::unprocessable(
                "invalid_department",
                "department_id names no department",
            ));
        }
        next.department_id = dept;
        next.assignee_id = None;
        changes.push(TimelineChange::DepartmentChanged {
            from: current.department_id,
            to: dept,
        });
    }
    if let Some(assignee) = req.assignee_id {
        if let Some(user_id) = assignee {
            check_assignee(&state, user_id, next.department_id).await?;
        }
        next.assignee_id = assignee;
    }
    if next.assignee_id != current.assignee_id {
        changes.push(TimelineChange::AssigneeChanged {
            from: current.assignee_id,
            to: next.assignee_id,
        });
    }
    if let Some(status) = req.status.filter(|s| *s != current.status) {
        next.status = status;
        changes.push(TimelineChange::StatusChanged {
            from: current.status,
            to: status,
        });
    }
    if let Some(priority) = req.priority.filter(|p| *p != current.priority) {
        next.priority = priority;
        changes.push(TimelineChange::PriorityChanged {
            from: current.priority,
            to: priority,
        });
    }
    if changes.is_empty() {
        return Ok(Json(current));
    }

    let now = from_micros(now_micros());
    next.updated_at = now;
    next.version = current.version + 1;
    next.closed_at = match (current.status, next.status) {
        (_, TicketStatus::Closed) if current.status != TicketStatus::Closed => Some(now),
        (_, TicketStatus::Closed) => current.closed_at,
        _ => None,
    };

    if next.priority != current.priority || next.department_id != current.department_id {
        // Targets follow the ticket's priority and department, counted from
        // its opening; a target already missed stays missed.
        let policy = db::sla::policy(state.db.reader(), next.department_id)
            .await?
            .unwrap_or_else(SlaPolicy::none);
        sla::set_due_times(&mut next, &policy);
    }
    sla::note_status(&mut next, now);

    let mut tx = state.db.begin_write().await?;
    let seq = tx.next_seq();
    if !db::tickets::update(tx.conn(), &next, seq).await? {
        // Changed by someone else between our read and our write.
        let version = db::tickets::get(tx.conn(), id)
            .await?
            .map_or(0, |t| t.version);
        return Err(stale_version(version));
    }
    for change in changes {
        let seq = tx.next_seq();
        db::timeline::insert(tx.conn(), &new_event(id, Some(caller.id()), change), seq).await?;
    }
    if next.department_id != current.department_id {
        // The staff of the department it left can no longer read it: a
        // tombstone on the feed tells their caches to drop it.
        let seq = tx.next_seq();
        db::tombstones::insert(tx.conn(), id, current.department_id, seq, now_micros()).await?;
    }
    if let Some(assignee) = next.assignee_id.filter(|a| Some(*a) != current.assignee_id) {
        routing::mark_assigned(&mut tx, assignee, now.timestamp_micros()).await?;
    }
    // Capacity may have been freed, or the ticket may now wait in a queue.
    let capacity = state.config.routing_capacity;
    routing::drain_queue(&mut tx, current.department_id, capacity).await?;
    if next.department_id != current.department_id {
        routing::drain_queue(&mut tx, next.department_id, capacity).await?;
    }
    tx.commit().await?;
    // Routing may have assigned this very ticket: answer its stored state.
    let next = db::tickets::get(state.db.reader(), id)
        .await?
        .ok_or_else(ApiError::ticket_not_found)?;
    Ok(Json(next))
}

fn stale_version(current: i64) -> ApiError {
    ApiError::conflict(
        "version_conflict",
        format!("the ticket changed since you read it; its version is now {current}"),
    )
}

/// An assignee must be an enabled agent or supervisor of the department.
async fn check_assignee(state: &AppState, user_id: Uuid, department_id: Uuid) -> ApiResult<()> {
    match db::users::by_id(state.db.reader(), user_id).await? {
        Some(user)
            if matches!(user.role, Role::Agent | Role::Supervisor)
                && user.department_id == Some(department_id)
                && !user.disabled =>
        {
            Ok(())
        }
        _ => Err(ApiError::unprocessable(
            "invalid_assignee",
            "the assignee must be a colleague in the ticket's department",
        )),
    }
}

/// Who changed what and when, oldest first.
#[utoipa::path(get, path = "/v1/tickets/{id}/timeline", operation_id = "get_timeline", tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<TimelineEvent>), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<TimelineEvent>>> {
    policy::visible_ticket(&state.db, &caller, id).await?;
    Ok(Json(db::timeline::list(state.db.reader(), id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_the_other_sort() {
        let after = After::Priority {
            priority: 3,
            created_at: 1_700_000_000_000_000,
            id: Uuid::now_v7(),
        };
        let cursor = encode_cursor(&after);
        assert_eq!(decode_cursor(&cursor, Sort::Priority).unwrap(), after);
        assert!(decode_cursor(&cursor, Sort::Updated).is_err());
        assert!(decode_cursor("not base64!", Sort::Updated).is_err());
    }
}

//! The sync feed: what changed after a cursor, limited to what the caller
//! may see. The core's offline cache follows it.

use axum::extract::State;
use protocol::{ErrorBody, SyncResponse, TimelineChange};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::sync::Change;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::{AppState, db, policy};

pub const DEFAULT_LIMIT: i64 = 500;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SyncParams {
    /// `next_cursor` of the previous call; absent for a first sync.
    since: Option<String>,
    /// At most this many changes, 1 to 1000 (default 500).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/v1/sync", operation_id = "sync", tag = "sync",
    params(SyncParams),
    responses((status = 200, body = SyncResponse), (status = 400, body = ErrorBody)))]
pub async fn sync(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<SyncParams>,
) -> ApiResult<Json<SyncResponse>> {
    let since = match params.since.as_deref() {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::bad_request("invalid_cursor", "since is not a cursor"))?,
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let mut conn = state.db.reader().acquire().await?;
    let changes = db::sync::changes_since(
        &mut conn,
        policy::ticket_scope(&caller),
        caller.is_staff(),
        since,
        limit,
    )
    .await?;
    let mut response = SyncResponse {
        tickets: Vec::new(),
        messages: Vec::new(),
        events: Vec::new(),
        removed_tickets: Vec::new(),
        users: Vec::new(),
        next_cursor: changes.next_cursor.to_string(),
        has_more: changes.has_more,
    };
    for (_, change) in changes.changes {
        match change {
            Change::Ticket(t) => response.tickets.push(t),
            Change::Message(m) => response.messages.push(m),
            Change::Event(e) => response.events.push(e),
            // Admins see every ticket wherever it goes.
            Change::Departure(_) if caller.is_admin() => {}
            Change::Departure(d) => response.removed_tickets.push(d.ticket_id),
        }
    }
    response.users = db::users::summaries(&mut conn, people_named_in(&response)).await?;
    Ok(Json(response))
}

/// Everyone the page's rows refer to, so the client can show their names.
fn people_named_in(page: &SyncResponse) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for t in &page.tickets {
        ids.push(t.customer_id);
        ids.extend(t.assignee_id);
    }
    ids.extend(page.messages.iter().map(|m| m.author_id));
    for e in &page.events {
        ids.extend(e.actor_id);
        if let TimelineChange::AssigneeChanged { from, to } = &e.change {
            ids.extend(from.iter().chain(to.iter()).copied());
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

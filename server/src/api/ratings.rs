//! Customer satisfaction (CSAT): the customer rates their resolved ticket
//! once, 1 to 5 with an optional comment. The rating is on the ticket (a new
//! version, so every client's cache hears of it) and on its timeline.

use axum::extract::State;
use protocol::{ErrorBody, RateTicket, Rating, Ticket, TicketStatus, TimelineChange};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::{self, from_micros, now_micros, timeline::new_event};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::{AppState, policy, validate};

/// A staff member changing the ticket at the same moment makes the write
/// miss its version; it is read again this many times.
const ATTEMPTS: usize = 3;

/// Rates a resolved or closed ticket (its customer only, once). Sending the
/// same rating again (an app retrying) returns the ticket; a different one
/// is refused.
#[utoipa::path(post, path = "/v1/tickets/{id}/rating", operation_id = "rate_ticket", tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = RateTicket,
    responses(
        (status = 200, description = "rated (or already rated the same)", body = Ticket),
        (status = 403, description = "not the ticket's customer", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "not resolved yet, or already rated", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<RateTicket>,
) -> ApiResult<Json<Ticket>> {
    let (score, comment) = checked(&req)?;
    for _ in 0..ATTEMPTS {
        let current = policy::visible_ticket(&state.db, &caller, id).await?;
        if current.customer_id != caller.id() {
            return Err(ApiError::forbidden("only the ticket's customer rates it"));
        }
        if let Some(given) = &current.rating {
            return if given.score == score && given.comment == comment {
                Ok(Json(current))
            } else {
                Err(ApiError::conflict(
                    "already_rated",
                    "this ticket was rated already; a rating is given once",
                ))
            };
        }
        if !matches!(
            current.status,
            TicketStatus::Resolved | TicketStatus::Closed
        ) {
            return Err(ApiError::conflict(
                "not_resolved",
                "a ticket is rated once it is resolved",
            ));
        }
        let rating = Rating {
            score,
            comment: comment.clone(),
            rated_at: from_micros(now_micros()),
        };
        let mut tx = state.db.begin_write().await?;
        let seq = tx.next_seq();
        if !db::tickets::rate(tx.conn(), id, current.version, &rating, seq).await? {
            // Changed (or rated) between the read and the write: look again.
            continue;
        }
        let change = TimelineChange::Rated {
            score,
            comment: comment.clone(),
        };
        let seq = tx.next_seq();
        db::timeline::insert(tx.conn(), &new_event(id, Some(caller.id()), change), seq).await?;
        tx.commit().await?;
        let rated = db::tickets::get(state.db.reader(), id)
            .await?
            .ok_or_else(ApiError::ticket_not_found)?;
        return Ok(Json(rated));
    }
    Err(ApiError::conflict(
        "version_conflict",
        "the ticket kept changing; rate it again",
    ))
}

/// The score in range and the comment trimmed (an empty one is none).
fn checked(req: &RateTicket) -> ApiResult<(u8, Option<String>)> {
    if !(Rating::MIN_SCORE..=Rating::MAX_SCORE).contains(&req.score) {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!(
                "score must be {} to {}",
                Rating::MIN_SCORE,
                Rating::MAX_SCORE
            ),
        ));
    }
    let comment = match req.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(validate::text("comment", text, Rating::MAX_COMMENT)?),
    };
    Ok((req.score, comment))
}

//! Voice calls: who is rung, the call's states, the log on the ticket's
//! timeline, and the relay of signalling between the two devices in a call.
//!
//! A call is placed on a ticket. Staff call the ticket's customer; a
//! customer calls support: the assignee if Active, otherwise every Active
//! staff member of the department, the first to answer wins. Off staff are
//! never rung. Ringing reaches every connected device of everyone rung; the
//! answering device (its session) becomes the callee's end of the call, and
//! signalling flows between that device and the one that placed the call.
//!
//! Every change of state is a conditional update (`db::calls`), so racing
//! answers, hang-ups and ring timeouts on any instance resolve to one
//! outcome; a final state writes the call on the ticket's timeline in the
//! same transaction, through the feed like every other timeline entry.

pub mod ice;

use std::time::Duration;

use protocol::{
    Call, CallOutcome, CallSession, CallState, PlaceCall, Role, ServerEvent, Signal, StaffStatus,
    Ticket, TicketStatus, TimelineChange,
};
use tokio::sync::watch;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::calls::CallRecord;
use crate::db::timeline::new_event;
use crate::db::{self, Db, from_micros, now_micros};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{Audience, Realtime};
use crate::{AppState, policy};

/// How often each instance looks for calls whose ring time is over.
pub const SWEEP_EVERY: Duration = Duration::from_millis(500);

pub fn call_not_found() -> ApiError {
    ApiError::not_found("call_not_found", "no such call")
}

/// Places a call; `Ok((false, …))` when this id was already placed by the
/// caller (a retry).
pub async fn place(
    state: &AppState,
    caller: &Caller,
    req: PlaceCall,
) -> ApiResult<(bool, CallSession)> {
    let ticket = policy::visible_ticket(&state.db, caller, req.ticket_id).await?;
    let id = req.id.unwrap_or_else(Uuid::now_v7);
    if let Some(existing) = db::calls::get(state.db.reader(), id).await? {
        return if existing.call.caller_id == caller.id() && existing.call.ticket_id == ticket.id {
            Ok((false, session_for(state, existing.call, caller.id())))
        } else {
            Err(crate::ticket_writer::id_conflict())
        };
    }
    if ticket.status == TicketStatus::Closed {
        return Err(ApiError::conflict(
            "ticket_closed",
            "the ticket is closed; open a new one",
        ));
    }
    let ringing = callees(state, caller, &ticket).await?;
    let now = now_micros();
    let record = CallRecord {
        call: Call {
            id,
            ticket_id: ticket.id,
            caller_id: caller.id(),
            callee_id: None,
            ringing,
            state: CallState::Ringing,
            created_at: from_micros(now),
            accepted_at: None,
            ended_at: None,
        },
        caller_token: caller.token_hash.clone(),
        callee_token: None,
        ring_deadline: now + state.config.ring_timeout_secs as i64 * 1_000_000,
    };
    let pushes = (state.push)
        .ringing_pushes(
            &record.call,
            &caller.user.name,
            &ticket,
            record.ring_deadline,
        )
        .await;
    // Under the feed lock, so two calls on one ticket cannot both start.
    let mut tx = state.db.begin_write().await?;
    if db::calls::live_on_ticket(tx.conn(), ticket.id)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "call_in_progress",
            "a call on this ticket is already ringing or under way",
        ));
    }
    db::calls::insert(tx.conn(), &record).await?;
    // The pushes commit with the call or not at all.
    state.push.queue_in(tx.conn(), &pushes).await?;
    tx.commit().await?;
    state.push.queued(&pushes);
    for &callee in &record.call.ringing {
        let event = ServerEvent::CallRinging {
            session: session_for(state, record.call.clone(), callee),
            caller_name: caller.user.name.clone(),
            ticket_subject: ticket.subject.clone(),
        };
        let audience = Audience::Users {
            user_ids: vec![callee],
        };
        state.realtime.publish(audience, event).await;
    }
    Ok((true, session_for(state, record.call, caller.id())))
}

/// Who a call from `caller` on `ticket` rings: never Off staff, never nobody.
async fn callees(state: &AppState, caller: &Caller, ticket: &Ticket) -> ApiResult<Vec<Uuid>> {
    if caller.is_staff() {
        return Ok(vec![ticket.customer_id]);
    }
    let staff = db::users::list_staff(state.db.reader(), Some(ticket.department_id)).await?;
    let active: Vec<&protocol::User> = staff
        .iter()
        .filter(|u| {
            matches!(u.role, Role::Agent | Role::Supervisor)
                && !u.disabled
                && u.status == Some(StaffStatus::Active)
        })
        .collect();
    let ringing: Vec<Uuid> = match active.iter().find(|u| Some(u.id) == ticket.assignee_id) {
        Some(assignee) => vec![assignee.id],
        None => active.iter().map(|u| u.id).collect(),
    };
    if ringing.is_empty() {
        return Err(ApiError::conflict(
            "nobody_available",
            "no support staff is available to take a call right now; write a message instead",
        ));
    }
    Ok(ringing)
}

fn session_for(state: &AppState, call: Call, user_id: Uuid) -> CallSession {
    let now_unix = now_micros() / 1_000_000;
    CallSession {
        call,
        ice_servers: ice::servers_for(&state.config, user_id, now_unix),
        caller_name: None,
        ticket_subject: None,
    }
}

/// A call the caller is party to (placed it, answered it, or is rung), or
/// may see through its ticket.
pub async fn visible_call(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<CallRecord> {
    let record = db::calls::get(state.db.reader(), id)
        .await?
        .ok_or_else(call_not_found)?;
    let party = is_party(&record.call, caller.id());
    if !party {
        // Not a party: only those who may see the ticket, and even then it
        // must not tell a stranger the call exists.
        policy::visible_ticket(&state.db, caller, record.call.ticket_id)
            .await
            .map_err(|_| call_not_found())?;
    }
    Ok(record)
}

fn is_party(call: &Call, user_id: Uuid) -> bool {
    call.caller_id == user_id || call.callee_id == Some(user_id) || call.ringing.contains(&user_id)
}

/// Answers a call ringing the caller, from the caller's device.
pub async fn accept(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<CallSession> {
    let record = rung_call(state, caller, id).await?;
    let mut tx = state.db.begin_write().await?;
    let won =
        db::calls::accept(tx.conn(), id, caller.id(), &caller.token_hash, now_micros()).await?;
    tx.commit().await?;
    let now = db::calls::get(state.db.reader(), id)
        .await?
        .ok_or_else(call_not_found)?;
    if !won {
        // Answered elsewhere, cancelled, or out of time (the sweep will
        // say missed): the caller's device should stop ringing.
        return Err(not_ringing(&now.call));
    }
    announce(&state.realtime, &record.call, &now.call).await;
    state.push.call_changed(&now.call).await;
    Ok(session_for(state, now.call, caller.id()))
}

/// Declines a call ringing the caller. With several people rung (a
/// customer calling support), the call rings on for the others and is
/// declined only when the last one declines.
pub async fn decline(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<Call> {
    let record = rung_call(state, caller, id).await?;
    let others: Vec<Uuid> = record
        .call
        .ringing
        .iter()
        .copied()
        .filter(|u| *u != caller.id())
        .collect();
    if others.is_empty() {
        return finish(
            state,
            &record,
            CallState::Ringing,
            CallState::Declined,
            caller.id(),
        )
        .await;
    }
    let mut tx = state.db.begin_write().await?;
    let still_ringing = db::calls::set_ringing(tx.conn(), id, &others).await?;
    tx.commit().await?;
    let now = db::calls::get(state.db.reader(), id)
        .await?
        .ok_or_else(call_not_found)?;
    if !still_ringing {
        return Err(not_ringing(&now.call));
    }
    announce(&state.realtime, &record.call, &now.call).await;
    state.push.call_changed(&now.call).await;
    Ok(now.call)
}

/// Ends the caller's part in a call: the caller cancels a ringing call or
/// ends an answered one; the callee ends an answered one; someone rung
/// declines. Hanging up a call that is already over changes nothing.
pub async fn hangup(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<Call> {
    let record = visible_call(state, caller, id).await?;
    let call = &record.call;
    let me = caller.id();
    if call.state.is_final() {
        return Ok(record.call);
    }
    match call.state {
        CallState::Ringing if call.caller_id == me => {
            finish(state, &record, CallState::Ringing, CallState::Cancelled, me).await
        }
        CallState::Ringing if call.ringing.contains(&me) => decline(state, caller, id).await,
        CallState::Accepted if call.caller_id == me || call.callee_id == Some(me) => {
            finish(state, &record, CallState::Accepted, CallState::Ended, me).await
        }
        _ => Err(ApiError::forbidden("you are not in this call")),
    }
}

/// A call that is ringing `caller`.
async fn rung_call(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<CallRecord> {
    let record = visible_call(state, caller, id).await?;
    if !record.call.ringing.contains(&caller.id()) {
        return Err(ApiError::forbidden("this call is not ringing you"));
    }
    if record.call.state != CallState::Ringing {
        return Err(not_ringing(&record.call));
    }
    Ok(record)
}

fn not_ringing(call: &Call) -> ApiError {
    ApiError::conflict(
        "call_not_ringing",
        format!(
            "the call is no longer ringing: it is {}",
            call.state.as_str()
        ),
    )
}

/// Moves a call to a final state and logs it on the ticket's timeline, in
/// one transaction; tells both sides. If the call moved on meanwhile,
/// answers with its current state.
async fn finish(
    state: &AppState,
    record: &CallRecord,
    from: CallState,
    to: CallState,
    actor: Uuid,
) -> ApiResult<Call> {
    let finished = finish_in_store(&state.db, record.call.id, from, to, Some(actor)).await?;
    let now = db::calls::get(state.db.reader(), record.call.id)
        .await?
        .ok_or_else(call_not_found)?;
    if finished {
        announce(&state.realtime, &record.call, &now.call).await;
        state.push.call_changed(&now.call).await;
    }
    Ok(now.call)
}

/// The conditional update and the timeline entry; false if the call was no
/// longer in `from`.
async fn finish_in_store(
    db: &Db,
    id: Uuid,
    from: CallState,
    to: CallState,
    actor: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if !db::calls::finish(tx.conn(), id, from, to, now_micros()).await? {
        return Ok(false);
    }
    let Some(done) = db::calls::get(tx.conn(), id).await? else {
        return Ok(false);
    };
    let outcome = match to {
        CallState::Declined => CallOutcome::Declined,
        CallState::Missed => CallOutcome::Missed,
        CallState::Cancelled => CallOutcome::Cancelled,
        _ => CallOutcome::Completed,
    };
    let change = TimelineChange::Call {
        call_id: id,
        caller_id: done.call.caller_id,
        callee_id: done.call.callee_id,
        outcome,
        duration_secs: done.call.duration_secs(),
    };
    let seq = tx.next_seq();
    db::timeline::insert(
        tx.conn(),
        &new_event(done.call.ticket_id, actor, change),
        seq,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Tells everyone concerned of a call's new state: the caller's devices and
/// every device of everyone who was rung (so the others stop ringing).
async fn announce(realtime: &Realtime, before: &Call, now: &Call) {
    let mut user_ids = vec![now.caller_id];
    for id in before.ringing.iter().chain(&now.ringing) {
        if !user_ids.contains(id) {
            user_ids.push(*id);
        }
    }
    let event = ServerEvent::CallUpdated { call: now.clone() };
    realtime.publish(Audience::Users { user_ids }, event).await;
}

/// Relays signalling from one device of an answered call to the other.
pub async fn relay_signal(
    state: &AppState,
    caller: &Caller,
    call_id: Uuid,
    signal: Signal,
) -> ApiResult<()> {
    let record = db::calls::get(state.db.reader(), call_id)
        .await?
        .ok_or_else(call_not_found)?;
    let call = &record.call;
    // Only the two devices in the call may signal; anyone else learns
    // nothing, not even that the call exists.
    let from_caller = call.caller_id == caller.id() && record.caller_token == caller.token_hash;
    let from_callee = call.callee_id == Some(caller.id())
        && record.callee_token.as_deref() == Some(caller.token_hash.as_str());
    let to = match (from_caller, from_callee) {
        (true, _) => call.callee_id.zip(record.callee_token.clone()),
        (_, true) => Some((call.caller_id, record.caller_token.clone())),
        _ => return Err(call_not_found()),
    };
    let Some((user_id, token_hash)) = to.filter(|_| call.state == CallState::Accepted) else {
        return Err(ApiError::conflict(
            "call_not_connected",
            format!(
                "signalling needs an answered call; this one is {}",
                call.state.as_str()
            ),
        ));
    };
    let event = ServerEvent::CallSignal { call_id, signal };
    state
        .realtime
        .publish(
            Audience::Session {
                user_id,
                token_hash,
            },
            event,
        )
        .await;
    Ok(())
}

/// Marks calls missed once their ring time is over; every instance runs
/// this, and the conditional update lets only one of them log each call.
pub fn spawn_ring_timeouts(
    db: Db,
    realtime: Realtime,
    push: crate::push::Push,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = expire_overdue(&db, &realtime, &push).await {
                tracing::warn!(error = %e, "ring timeout sweep failed");
            }
        }
    });
}

async fn expire_overdue(
    db: &Db,
    realtime: &Realtime,
    push: &crate::push::Push,
) -> Result<(), sqlx::Error> {
    for id in db::calls::overdue(db.reader(), now_micros()).await? {
        if finish_in_store(db, id, CallState::Ringing, CallState::Missed, None).await?
            && let Some(record) = db::calls::get(db.reader(), id).await?
        {
            announce(realtime, &record.call, &record.call).await;
            push.call_changed(&record.call).await;
        }
    }
    Ok(())
}

/// Calls ringing or under way that involve the caller.
pub async fn live_calls(state: &AppState, caller: &Caller) -> ApiResult<Vec<CallSession>> {
    let sessions = db::calls::live_for_user(state.db.reader(), caller.id())
        .await?
        .into_iter()
        .map(|r| session_for(state, r.call, caller.id()))
        .collect::<Vec<_>>();
    // Names for the call screen of a device that missed the ringing event.
    let mut named = Vec::with_capacity(sessions.len());
    for mut session in sessions {
        let caller = db::users::by_id(state.db.reader(), session.call.caller_id).await?;
        let ticket = db::tickets::get(state.db.reader(), session.call.ticket_id).await?;
        session.caller_name = caller.map(|u| u.name);
        session.ticket_subject = ticket.map(|t| t.subject);
        named.push(session);
    }
    Ok(named)
}

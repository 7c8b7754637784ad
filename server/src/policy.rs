//! Who may see and do what. Every handler asks here; nothing else decides.
//!
//! - A customer sees only their own tickets (and their messages and files).
//! - An agent or supervisor sees only their department's tickets.
//! - An admin sees everything.
//!
//! Unseen resources answer 404 (their existence is not revealed); seen but
//! forbidden actions answer 403.

use protocol::{Role, Ticket};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::tickets::Scope;
use crate::db::{self, Db};
use crate::error::{ApiError, ApiResult};

pub fn ticket_scope(caller: &Caller) -> Scope {
    match (caller.role(), caller.user.department_id) {
        (Role::Admin, _) => Scope::All,
        (Role::Customer, _) => Scope::Customer(caller.id()),
        (Role::Agent | Role::Supervisor, Some(dept)) => Scope::Department(dept),
        (Role::Agent | Role::Supervisor, None) => Scope::Nothing,
    }
}

pub fn can_see_ticket(caller: &Caller, ticket: &Ticket) -> bool {
    ticket_scope(caller).sees(ticket)
}

/// Loads a ticket the caller may see, or answers 404.
pub async fn visible_ticket(db: &Db, caller: &Caller, id: Uuid) -> ApiResult<Ticket> {
    match db::tickets::get(db.reader(), id).await? {
        Some(ticket) if can_see_ticket(caller, &ticket) => Ok(ticket),
        _ => Err(ApiError::ticket_not_found()),
    }
}

pub fn require_staff(caller: &Caller) -> ApiResult<()> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(ApiError::forbidden("only staff may do this"))
    }
}

pub fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("only an admin may do this"))
    }
}

/// Admins manage all staff; a supervisor manages their own department's.
pub fn can_manage_staff_of(caller: &Caller, department_id: Option<Uuid>) -> bool {
    match caller.role() {
        Role::Admin => true,
        Role::Supervisor => department_id.is_some() && department_id == caller.user.department_id,
        _ => false,
    }
}

/// Admins supervise every department; a supervisor their own.
pub fn supervises(caller: &Caller, department_id: Uuid) -> bool {
    can_manage_staff_of(caller, Some(department_id))
}

/// The department a list of a department's things (staff, canned replies)
/// covers: for an admin the one asked for (every one when none); for other
/// staff their own, and naming another is refused. Customers are refused.
pub fn listed_department(
    caller: &Caller,
    asked: Option<Uuid>,
    what: &str,
) -> ApiResult<Option<Uuid>> {
    match caller.role() {
        Role::Customer => Err(ApiError::forbidden(format!("only staff may list {what}"))),
        Role::Admin => Ok(asked),
        Role::Agent | Role::Supervisor => match caller.user.department_id {
            Some(own) if asked.is_none_or(|d| d == own) => Ok(Some(own)),
            _ => Err(ApiError::forbidden(format!(
                "you may only list your own department's {what}"
            ))),
        },
    }
}

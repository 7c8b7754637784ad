//! Service-level targets: each department's policy (`db::sla`), the due
//! times it gives a ticket, and the watcher that records breaches.
//!
//! A ticket's due times are computed when it is opened, and again when its
//! priority or department changes, always from its opening time. Staff's
//! first reply the customer sees meets the first-response target; the first
//! resolution (or closing) meets the resolution target. The watcher marks a
//! target still running past its due time as breached, on the ticket and
//! its timeline, and the push follower tells the department's supervisors.

pub mod calendar;
pub mod watcher;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use protocol::{Priority, SlaPolicy, Ticket, TicketStatus};

use crate::error::ApiError;
pub use calendar::Calendar;

/// Sets the ticket's due times from `policy` for its current priority
/// (none where the priority has no target).
pub fn set_due_times(ticket: &mut Ticket, policy: &SlaPolicy) {
    let (first, resolution) = due_times(policy, ticket.created_at, ticket.priority);
    ticket.sla.first_response_due_at = first;
    ticket.sla.resolution_due_at = resolution;
}

/// When the first response and the resolution are due for a ticket of
/// `priority` opened at `opened`.
pub fn due_times(
    policy: &SlaPolicy,
    opened: DateTime<Utc>,
    priority: Priority,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let Some(target) = policy.target(priority) else {
        return (None, None);
    };
    // Stored policies were validated; one that no longer parses (a zone
    // dropped from the database) sets no targets rather than failing writes.
    let Ok(calendar) = Calendar::new(policy) else {
        return (None, None);
    };
    let due = |minutes: Option<u32>| minutes.and_then(|m| calendar.add_minutes(opened, m));
    (
        due(target.first_response_minutes),
        due(target.resolution_minutes),
    )
}

/// Records the first resolution: a ticket moving to resolved or closed for
/// the first time meets its resolution target.
pub fn note_status(ticket: &mut Ticket, now: DateTime<Utc>) {
    let done = matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed);
    if done && ticket.sla.resolved_at.is_none() {
        ticket.sla.resolved_at = Some(now);
    }
}

/// Checks a policy sent by a supervisor; the 422 names the field.
pub fn validate(policy: &SlaPolicy) -> Result<(), ApiError> {
    let invalid = |field: &str, message: String| {
        ApiError::unprocessable("invalid_field", format!("{field}: {message}"))
    };
    if policy.hours.len() > SlaPolicy::MAX_HOURS {
        return Err(invalid(
            "hours",
            format!("at most {} spans", SlaPolicy::MAX_HOURS),
        ));
    }
    if policy.holidays.len() > SlaPolicy::MAX_HOLIDAYS {
        return Err(invalid(
            "holidays",
            format!("at most {} days", SlaPolicy::MAX_HOLIDAYS),
        ));
    }
    Calendar::new(policy).map_err(|e| invalid(e.field, e.message))?;
    let mut seen = HashSet::new();
    for target in &policy.targets {
        if !seen.insert(target.priority) {
            return Err(invalid(
                "targets",
                format!("{} has more than one target", target.priority.as_str()),
            ));
        }
        for (field, minutes) in [
            ("first_response_minutes", target.first_response_minutes),
            ("resolution_minutes", target.resolution_minutes),
        ] {
            if minutes.is_some_and(|m| m == 0 || m > SlaPolicy::MAX_MINUTES) {
                return Err(invalid(
                    field,
                    format!("from 1 to {} minutes", SlaPolicy::MAX_MINUTES),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::SlaTarget;

    #[test]
    fn due_times_follow_the_priority_and_a_bad_policy_is_named() {
        let policy = SlaPolicy {
            targets: vec![SlaTarget {
                priority: Priority::High,
                first_response_minutes: Some(30),
                resolution_minutes: Some(240),
            }],
            ..SlaPolicy::none()
        };
        let opened: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
        let (first, resolution) = due_times(&policy, opened, Priority::High);
        assert_eq!(first, Some("2026-12-07T08:30:00Z".parse().unwrap()));
        assert_eq!(resolution, Some("2026-12-07T12:00:00Z".parse().unwrap()));
        assert_eq!(due_times(&policy, opened, Priority::Low), (None, None));

        let mut twice = policy.clone();
        twice.targets.push(twice.targets[0].clone());
        assert!(validate(&twice).unwrap_err().message.contains("high"));
        let mut zero = policy;
        zero.targets[0].resolution_minutes = Some(0);
        assert!(
            validate(&zero)
                .unwrap_err()
                .message
                .starts_with("resolution_minutes")
        );
    }
}

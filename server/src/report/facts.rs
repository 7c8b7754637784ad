//! From a ticket's state and its timeline to the report's facts.
//!
//! A ticket's set-once times (opened, first reply, first resolution, each
//! target missed, rated) each give one fact; a timeline event gives at most
//! one (a resolution, a reopening, a call). A fact's id names its source,
//! so recording it again changes nothing.
//!
//! Facts count for the ticket's department and its assignee when the job
//! records them, seconds after the change; a resolution for the staff
//! member who made it, a call for the staff member on it.

use chrono::NaiveDate;
use protocol::{CallOutcome, TicketStatus, TimelineChange, TimelineEvent};
use uuid::Uuid;

use super::FactKind;
use crate::db::from_micros;
use crate::sla::calendar::Calendar;

/// What the report reads of a ticket (times in microseconds).
#[derive(Debug, Clone)]
pub struct ReportTicket {
    pub id: Uuid,
    pub department_id: Uuid,
    pub customer_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub created_at: i64,
    pub first_responded_at: Option<i64>,
    pub first_resolved_at: Option<i64>,
    pub first_response_breached_at: Option<i64>,
    pub resolution_breached_at: Option<i64>,
    pub rating_score: Option<i64>,
    pub rated_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub id: String,
    pub department_id: Uuid,
    pub day: NaiveDate,
    pub agent_id: Option<Uuid>,
    pub kind: FactKind,
    pub value: i64,
}

/// The facts a ticket's state holds so far.
pub fn of_ticket(t: &ReportTicket, calendar: &Calendar) -> Vec<Fact> {
    let fact = |source: &str, at: i64, kind: FactKind, value: i64| Fact {
        id: format!("{source}:{}", t.id),
        department_id: t.department_id,
        day: calendar.local_day(from_micros(at)),
        agent_id: t.assignee_id,
        kind,
        value,
    };
    let business_secs = |until: i64| {
        calendar
            .between(from_micros(t.created_at), from_micros(until))
            .num_seconds()
    };
    let mut facts = vec![fact("opened", t.created_at, FactKind::Opened, 1)];
    if let Some(at) = t.first_responded_at {
        facts.push(fact(
            "first_response",
            at,
            FactKind::FirstResponse,
            business_secs(at),
        ));
    }
    if let Some(at) = t.first_resolved_at {
        facts.push(fact(
            "resolution",
            at,
            FactKind::Resolution,
            business_secs(at),
        ));
    }
    if let Some(at) = t.first_response_breached_at {
        facts.push(fact("breach_first_response", at, FactKind::SlaBreach, 1));
    }
    if let Some(at) = t.resolution_breached_at {
        facts.push(fact("breach_resolution", at, FactKind::SlaBreach, 1));
    }
    if let (Some(score), Some(at)) = (t.rating_score, t.rated_at) {
        facts.push(fact("csat", at, FactKind::Csat, score));
    }
    facts
}

/// The fact a timeline event of `ticket` holds, if any.
pub fn of_event(event: &TimelineEvent, ticket: &ReportTicket, calendar: &Calendar) -> Option<Fact> {
    let staff_actor = event.actor_id.filter(|a| *a != ticket.customer_id);
    let (kind, agent_id, value) = match &event.change {
        TimelineChange::StatusChanged { from, to } if !is_done(*from) && is_done(*to) => {
            (FactKind::Resolved, staff_actor.or(ticket.assignee_id), 1)
        }
        TimelineChange::StatusChanged { from, to } if is_done(*from) && !is_done(*to) => {
            (FactKind::Reopened, ticket.assignee_id, 1)
        }
        TimelineChange::Call {
            caller_id,
            callee_id,
            outcome,
            duration_secs,
            ..
        } => {
            let staff = if *caller_id == ticket.customer_id {
                *callee_id
            } else {
                Some(*caller_id)
            };
            let kind = match outcome {
                CallOutcome::Completed => FactKind::CallAnswered,
                CallOutcome::Missed => FactKind::CallMissed,
                CallOutcome::Declined => FactKind::CallDeclined,
                CallOutcome::Cancelled => FactKind::CallCancelled,
            };
            (kind, staff, duration_secs.unwrap_or(0).max(0))
        }
        _ => return None,
    };
    Some(Fact {
        id: format!("event:{}", event.id),
        department_id: ticket.department_id,
        day: calendar.local_day(event.created_at),
        agent_id,
        kind,
        value,
    })
}

fn is_done(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use protocol::SlaPolicy;

    use super::*;

    fn micros(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .timestamp_micros()
    }

    fn berlin_nine_to_five() -> Calendar {
        let policy: SlaPolicy = serde_json::from_value(serde_json::json!({
            "time_zone": "Europe/Berlin",
            "hours": [{"day": "mon", "opens": "09:00", "closes": "17:00"},
                      {"day": "tue", "opens": "09:00", "closes": "17:00"}],
        }))
        .unwrap();
        Calendar::new(&policy).unwrap()
    }

    fn ticket() -> ReportTicket {
        ReportTicket {
            id: Uuid::new_v4(),
            department_id: Uuid::new_v4(),
            customer_id: Uuid::new_v4(),
            assignee_id: Some(Uuid::new_v4()),
            // Monday 2026-12-07 16:30 in Berlin.
            created_at: micros(2026, 12, 7, 15, 30),
            first_responded_at: None,
            first_resolved_at: None,
            first_response_breached_at: None,
            resolution_breached_at: None,
            rating_score: None,
            rated_at: None,
        }
    }

    #[test]
    fn durations_count_business_hours_and_days_are_local() {
        let cal = berlin_nine_to_five();
        let mut t = ticket();
        // Answered Tuesday 09:15 Berlin: 30 + 15 business minutes.
        t.first_responded_at = Some(micros(2026, 12, 8, 8, 15));
        // Rated at 23:30 UTC Tuesday: Wednesday in Berlin.
        t.rating_score = Some(4);
        t.rated_at = Some(micros(2026, 12, 8, 23, 30));
        let facts = of_ticket(&t, &cal);
        let response = facts
            .iter()
            .find(|f| f.kind == FactKind::FirstResponse)
            .unwrap();
        assert_eq!(response.value, 45 * 60);
        assert_eq!(response.day, NaiveDate::from_ymd_opt(2026, 12, 8).unwrap());
        let csat = facts.iter().find(|f| f.kind == FactKind::Csat).unwrap();
        assert_eq!(csat.day, NaiveDate::from_ymd_opt(2026, 12, 9).unwrap());
        assert_eq!(csat.value, 4);
        assert_eq!(facts.len(), 3, "opened, first response, rating: {facts:?}");
        assert!(facts.iter().all(|f| f.agent_id == t.assignee_id));
        // The same state gives the same ids: recording twice is recording once.
        let again: Vec<String> = of_ticket(&t, &cal).into_iter().map(|f| f.id).collect();
        assert_eq!(
            again,
            facts.iter().map(|f| f.id.clone()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn resolutions_count_for_who_resolved_and_calls_for_the_staff_on_them() {
        let cal = Calendar::new(&SlaPolicy::none()).unwrap();
        let t = ticket();
        let colleague = Uuid::new_v4();
        let event = |actor, change| TimelineEvent {
            id: Uuid::new_v4(),
            ticket_id: t.id,
            actor_id: actor,
            created_at: Utc::now(),
            change,
        };
        let resolved = of_event(
            &event(
                Some(colleague),
                TimelineChange::StatusChanged {
                    from: TicketStatus::InProgress,
                    to: TicketStatus::Resolved,
                },
            ),
            &t,
            &cal,
        )
        .unwrap();
        assert_eq!(
            (resolved.kind, resolved.agent_id),
            (FactKind::Resolved, Some(colleague))
        );
        // The customer closing it counts for the assignee.
        let closed = of_event(
            &event(
                Some(t.customer_id),
                TimelineChange::StatusChanged {
                    from: TicketStatus::Open,
                    to: TicketStatus::Closed,
                },
            ),
            &t,
            &cal,
        )
        .unwrap();
        assert_eq!(closed.agent_id, t.assignee_id);
        let reopened = of_event(
            &event(
                Some(t.customer_id),
                TimelineChange::StatusChanged {
                    from: TicketStatus::Resolved,
                    to: TicketStatus::Open,
                },
            ),
            &t,
            &cal,
        )
        .unwrap();
        assert_eq!(reopened.kind, FactKind::Reopened);
        let not_counted = event(
            Some(colleague),
            TimelineChange::StatusChanged {
                from: TicketStatus::Open,
                to: TicketStatus::InProgress,
            },
        );
        assert!(of_event(&not_counted, &t, &cal).is_none());
        // The customer called; the agent who answered talked 95 s.
        let call = of_event(
            &event(
                Some(t.customer_id),
                TimelineChange::Call {
                    call_id: Uuid::new_v4(),
                    caller_id: t.customer_id,
                    callee_id: Some(colleague),
                    outcome: CallOutcome::Completed,
                    duration_secs: Some(95),
                },
            ),
            &t,
            &cal,
        )
        .unwrap();
        assert_eq!(
            (call.kind, call.agent_id, call.value),
            (FactKind::CallAnswered, Some(colleague), 95)
        );
    }
}

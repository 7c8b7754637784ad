//! Service-level targets: per department and priority, how soon a ticket
//! gets its first reply and its resolution, counted in the department's
//! business hours.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Priority;

/// A department's SLA policy (`GET`/`PUT /v1/departments/{id}/sla`). A
/// change applies to tickets opened (or re-prioritised, or transferred in)
/// after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// IANA time zone the hours and holidays are in, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Opening hours; none: around the clock. A day may have several spans.
    #[serde(default)]
    pub hours: Vec<BusinessHours>,
    /// Days the department is closed, in its time zone.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, format = Date))]
    pub holidays: Vec<NaiveDate>,
    /// At most one per priority; a priority without one has no targets.
    #[serde(default)]
    pub targets: Vec<SlaTarget>,
}

impl SlaPolicy {
    pub const MAX_HOURS: usize = 28;
    pub const MAX_HOLIDAYS: usize = 400;
    /// A target's longest span, in business minutes (a year around the clock).
    pub const MAX_MINUTES: u32 = 525_600;

    /// No targets, around the clock, in UTC: what a department without a
    /// policy has.
    pub fn none() -> SlaPolicy {
        SlaPolicy {
            time_zone: "UTC".into(),
            hours: Vec::new(),
            holidays: Vec::new(),
            targets: Vec::new(),
        }
    }

    pub fn target(&self, priority: Priority) -> Option<&SlaTarget> {
        self.targets.iter().find(|t| t.priority == priority)
    }
}

/// One span of opening hours on a weekday, local time, `HH:MM` (24 h).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    pub day: Weekday,
    /// e.g. `09:00`.
    pub opens: String,
    /// e.g. `17:30`; later than `opens` (`24:00` is the end of the day).
    pub closes: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// 0 for Monday.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self.index()]
    }

    pub fn parse(s: &str) -> Option<Weekday> {
        Weekday::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The targets of one priority, in business minutes from the ticket's opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<u32>,
}

/// Which target a ticket missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaKind {
    /// No public reply from staff in time.
    FirstResponse,
    /// Not resolved in time.
    Resolution,
}

impl SlaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaKind::FirstResponse => "first_response",
            SlaKind::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<SlaKind> {
        [SlaKind::FirstResponse, SlaKind::Resolution]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A ticket's service-level state: when each target is due, when it was
/// met, and whether it was missed. The times met are kept without targets
/// too (the daily report reads them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketSla {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_due_at: Option<DateTime<Utc>>,
    /// Staff's first reply the customer sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_responded_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub first_response_breached: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_due_at: Option<DateTime<Utc>>,
    /// The first time the ticket was resolved or closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolution_breached: bool,
}

impl TicketSla {
    pub fn is_empty(&self) -> bool {
        *self == TicketSla::default()
    }

    /// When the earliest target not met yet is (was) due, missed ones
    /// included: "due soonest" puts the most overdue first. The caller
    /// decides whether the ticket still runs (a resolved ticket does not).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let first = self
            .first_response_due_at
            .filter(|_| self.first_responded_at.is_none());
        let resolution = self
            .resolution_due_at
            .filter(|_| self.resolved_at.is_none());
        first.into_iter().chain(resolution).min()
    }

    pub fn breached(&self) -> bool {
        self.first_response_breached || self.resolution_breached
    }
}

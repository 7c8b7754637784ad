//! The daily report: per department and day (in the department's time
//! zone), what came in, what was done and how fast, for its supervisors and
//! admins (`GET /v1/reports/daily`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /v1/reports/daily?department_id=&from=&to=`: the days `from` to
/// `to` (inclusive), each with the department's figures, and the range's
/// figures for the department and for each agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyReport {
    pub department_id: Uuid,
    /// The IANA zone the days are in: the department's SLA policy's, else UTC.
    pub time_zone: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    /// Every day of the range in order, days without activity included.
    pub days: Vec<ReportDay>,
    /// The whole range. Where durations come from several days, its
    /// medians and 90th percentiles are estimated from the days' histograms
    /// (within about 12 %); each day's are exact.
    pub total: ReportFigures,
    /// Each agent's figures over the range, by name: those who did anything.
    pub agents: Vec<AgentReport>,
    /// Changes up to this moment are counted; later ones are seconds away.
    pub as_of: DateTime<Utc>,
}

impl DailyReport {
    /// The longest range one request may ask for.
    pub const MAX_DAYS: i64 = 366;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDay {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub figures: ReportFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentReport {
    pub agent_id: Uuid,
    pub name: String,
    pub figures: ReportFigures,
}

/// What happened in a department (or to an agent's tickets) over a span.
///
/// A ticket counts for the department it was in, and for the agent it was
/// assigned to, when the change happened; a resolution counts for the
/// staff member who resolved it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportFigures {
    pub opened: u64,
    /// Moves to resolved or closed from open or in progress.
    pub resolved: u64,
    /// Moves back to open or in progress from resolved or closed.
    pub reopened: u64,
    /// Opening to staff's first reply the customer sees, in business hours,
    /// counted on the day of the reply.
    pub first_response: DurationFigures,
    /// Opening to the first resolution, in business hours, counted on the
    /// day of the resolution.
    pub resolution: DurationFigures,
    /// Targets missed (first response and resolution each count).
    pub sla_breaches: u64,
    pub calls: CallFigures,
    pub csat: CsatFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DurationFigures {
    pub count: u64,
    /// Seconds; absent when `count` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90_secs: Option<i64>,
}

/// Calls on the department's tickets, counted on the day they ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallFigures {
    /// Every call, whoever placed it (cancelled ones too).
    pub placed: u64,
    pub answered: u64,
    pub missed: u64,
    pub declined: u64,
    /// Seconds connected, summed over the answered calls.
    pub talk_secs: u64,
}

/// Customers' ratings, counted on the day they were given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsatFigures {
    pub count: u64,
    /// 1 to 5; absent when `count` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
}

/// The CSV export's header (`GET /v1/reports/daily?…&format=csv`): one row
/// per day for the department (`agent` empty) and one per day and agent
/// who did anything that day.
pub const DAILY_REPORT_CSV_HEADER: &str = "day,agent_id,agent,opened,resolved,reopened,\
first_responses,first_response_median_secs,first_response_p90_secs,\
resolutions,resolution_median_secs,resolution_p90_secs,sla_breaches,\
calls_placed,calls_answered,calls_missed,calls_declined,talk_secs,csat_count,csat_average";

//! The daily report for supervisors and admins: read from the server (the
//! report is computed there), and the last one read of each department
//! kept in the cache, so the dashboard opens at once, offline too.

use protocol as wire;
use reqwest::Method;

use crate::client::{Client, authed};
use crate::error::CoreError;
use crate::runtime;

/// A department's (or an agent's) figures over a day or a range. Durations
/// are business seconds; `None` where there was nothing to measure.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportFiguresInfo {
    pub opened: i64,
    pub resolved: i64,
    pub reopened: i64,
    pub first_responses: i64,
    pub first_response_median_secs: Option<i64>,
    pub first_response_p90_secs: Option<i64>,
    pub resolutions: i64,
    pub resolution_median_secs: Option<i64>,
    pub resolution_p90_secs: Option<i64>,
    pub sla_breaches: i64,
    pub calls_placed: i64,
    pub calls_answered: i64,
    pub calls_missed: i64,
    pub calls_declined: i64,
    pub talk_secs: i64,
    pub csat_count: i64,
    /// 1 to 5.
    pub csat_average: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportDayItem {
    /// `YYYY-MM-DD`, in the department's time zone.
    pub day: String,
    pub figures: ReportFiguresInfo,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AgentReportItem {
    pub agent_id: String,
    pub name: String,
    pub figures: ReportFiguresInfo,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DailyReportInfo {
    pub department_id: String,
    pub time_zone: String,
    pub from: String,
    pub to: String,
    /// Every day of the range, in order.
    pub days: Vec<ReportDayItem>,
    /// The range (medians over several days are estimates, within ~12 %).
    pub total: ReportFiguresInfo,
    /// Each agent who did anything in the range, by name.
    pub agents: Vec<AgentReportItem>,
    /// Changes up to this moment are counted.
    pub as_of_ms: i64,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<&wire::ReportFigures> for ReportFiguresInfo {
    fn from(f: &wire::ReportFigures) -> Self {
        ReportFiguresInfo {
            opened: count(f.opened),
            resolved: count(f.resolved),
            reopened: count(f.reopened),
            first_responses: count(f.first_response.count),
            first_response_median_secs: f.first_response.median_secs,
            first_response_p90_secs: f.first_response.p90_secs,
            resolutions: count(f.resolution.count),
            resolution_median_secs: f.resolution.median_secs,
            resolution_p90_secs: f.resolution.p90_secs,
            sla_breaches: count(f.sla_breaches),
            calls_placed: count(f.calls.placed),
            calls_answered: count(f.calls.answered),
            calls_missed: count(f.calls.missed),
            calls_declined: count(f.calls.declined),
            talk_secs: count(f.calls.talk_secs),
            csat_count: count(f.csat.count),
            csat_average: f.csat.average,
        }
    }
}

impl From<&wire::DailyReport> for DailyReportInfo {
    fn from(r: &wire::DailyReport) -> Self {
        DailyReportInfo {
            department_id: r.department_id.to_string(),
            time_zone: r.time_zone.clone(),
            from: r.from.to_string(),
            to: r.to.to_string(),
            days: r
                .days
                .iter()
                .map(|d| ReportDayItem {
                    day: d.day.to_string(),
                    figures: (&d.figures).into(),
                })
                .collect(),
            total: (&r.total).into(),
            agents: r
                .agents
                .iter()
                .map(|a| AgentReportItem {
                    agent_id: a.agent_id.to_string(),
                    name: a.name.clone(),
                    figures: (&a.figures).into(),
                })
                .collect(),
            as_of_ms: r.as_of.timestamp_millis(),
        }
    }
}

/// The query of a report, its input checked here so a typo is an
/// `Invalid` error before anything is sent.
fn query(department_id: &str, from: &str, to: &str) -> Result<(uuid::Uuid, String), CoreError> {
    let id = uuid::Uuid::parse_str(department_id.trim())
        .map_err(|_| CoreError::invalid("not a department id"))?;
    let date = |text: &str| {
        text.trim()
            .parse::<chrono::NaiveDate>()
            .map_err(|_| CoreError::invalid(format!("{text:?} is not a date (YYYY-MM-DD)")))
    };
    let (from, to) = (date(from)?, date(to)?);
    if to < from {
        return Err(CoreError::invalid("the last day is before the first"));
    }
    Ok((
        id,
        format!("/v1/reports/daily?department_id={id}&from={from}&to={to}"),
    ))
}

fn cache_key(department_id: uuid::Uuid) -> String {
    format!("daily_report:{department_id}")
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// The department's daily report from `from` to `to` (`YYYY-MM-DD`,
    /// inclusive, at most 366 days), for its supervisors and admins. Needs
    /// the server; the answer is kept for `cached_daily_report`.
    pub async fn daily_report(
        &self,
        department_id: String,
        from: String,
        to: String,
    ) -> Result<DailyReportInfo, CoreError> {
        let (id, path) = query(&department_id, &from, &to)?;
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let (_, report): (_, wire::DailyReport) = inner
                .api
                .send(Method::GET, &path, Some(&token), None::<&()>)
                .await?;
            let json = serde_json::to_string(&report).map_err(|e| CoreError::Server {
                message: format!("report: {e}"),
            })?;
            inner.store.set_meta(&cache_key(id), &json)?;
            Ok((&report).into())
        }))
        .await
    }

    /// The last report read of this department, whatever its range; `None`
    /// before the first. From the cache: instant, offline too.
    pub fn cached_daily_report(
        &self,
        department_id: String,
    ) -> Result<Option<DailyReportInfo>, CoreError> {
        let id = uuid::Uuid::parse_str(department_id.trim())
            .map_err(|_| CoreError::invalid("not a department id"))?;
        let Some(json) = self.inner().store.meta(&cache_key(id))? else {
            return Ok(None);
        };
        // A report cached by an older version may not read: as if none.
        Ok(serde_json::from_str::<wire::DailyReport>(&json)
            .ok()
            .map(|r| (&r).into()))
    }

    /// The same report as CSV (a row per day, and per day and agent), for
    /// a spreadsheet.
    pub async fn daily_report_csv(
        &self,
        department_id: String,
        from: String,
        to: String,
    ) -> Result<String, CoreError> {
        let (_, path) = query(&department_id, &from, &to)?;
        let path = format!("{path}&format=csv");
        let inner = self.inner().clone();
        runtime::run(authed(inner, move |inner, token| async move {
            let response = inner
                .api
                .raw(Method::GET, &path, Some(&token), None::<&()>)
                .await?;
            response.text().await.map_err(|e| CoreError::Server {
                message: format!("unreadable answer: {e}"),
            })
        }))
        .await
    }
}

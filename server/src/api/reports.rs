//! The daily report of a department, for its supervisors and admins, as
//! JSON or CSV. Served from the rows the report job keeps (see
//! `crate::report`), so a request reads at most a row per day and agent.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use protocol::{AgentReport, DailyReport, ErrorBody, ReportDay, SlaPolicy};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::report::{Tally, csv};
use crate::{AppState, db, policy};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DailyReportParams {
    department_id: Uuid,
    /// First day, in the department's time zone (`YYYY-MM-DD`).
    #[param(value_type = String, format = Date)]
    from: NaiveDate,
    /// Last day, inclusive; at most 366 days after `from`.
    #[param(value_type = String, format = Date)]
    to: NaiveDate,
    /// `json` (the default) or `csv`.
    #[param(inline)]
    format: Option<ReportFormat>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    Csv,
}

#[utoipa::path(get, path = "/v1/reports/daily", operation_id = "daily_report", tag = "reports",
    params(DailyReportParams),
    responses(
        (status = 200, body = DailyReport, content(
            (DailyReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such department", body = ErrorBody),
        (status = 422, description = "`to` before `from`, or a range over 366 days", body = ErrorBody),
    ))]
pub async fn daily(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<DailyReportParams>,
) -> ApiResult<Response> {
    let dept = params.department_id;
    if !policy::supervises(&caller, dept) {
        return Err(ApiError::forbidden(
            "only the department's supervisors and admins may read its report",
        ));
    }
    let days = (params.to - params.from).num_days() + 1;
    if days < 1 {
        return Err(ApiError::unprocessable(
            "invalid_range",
            "`to` is before `from`",
        ));
    }
    if days > DailyReport::MAX_DAYS {
        return Err(ApiError::unprocessable(
            "invalid_range",
            format!("a report covers at most {} days", DailyReport::MAX_DAYS),
        ));
    }
    let mut conn = state.db.reader().acquire().await?;
    if db::departments::by_id(&mut *conn, dept).await?.is_none() {
        return Err(super::departments::department_not_found());
    }
    if matches!(params.format, Some(ReportFormat::Csv)) {
        let rows = db::reports::days(&mut *conn, dept, params.from, params.to).await?;
        let names = names(&mut conn, rows.iter().filter_map(|(_, a, _)| *a)).await?;
        let filename = format!("daily-report-{}-{}.csv", params.from, params.to);
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            csv::render(&rows, &names),
        )
            .into_response());
    }
    let department_days =
        db::reports::department_days(&mut *conn, dept, params.from, params.to).await?;
    let agent_totals =
        db::reports::agent_totals(&mut conn, state.db.dialect, dept, params.from, params.to)
            .await?;
    let names = names(&mut conn, agent_totals.iter().map(|(a, _)| *a)).await?;
    let time_zone = db::sla::policy(&mut *conn, dept)
        .await?
        .unwrap_or_else(SlaPolicy::none)
        .time_zone;
    let as_of = db::from_micros(db::reports::counter(&mut *conn, "report_as_of").await?);
    drop(conn);

    let mut total = Tally::default();
    for (_, tally) in &department_days {
        total.add(tally);
    }
    let mut by_day: BTreeMap<NaiveDate, Tally> = department_days.into_iter().collect();
    let days = params
        .from
        .iter_days()
        .take_while(|d| *d <= params.to)
        .map(|day| ReportDay {
            day,
            figures: by_day.remove(&day).unwrap_or_default().figures(),
        })
        .collect();
    let mut agents: Vec<AgentReport> = agent_totals
        .into_iter()
        .map(|(agent_id, tally)| AgentReport {
            agent_id,
            name: names.get(&agent_id).cloned().unwrap_or_default(),
            figures: tally.figures(),
        })
        .collect();
    agents.sort_by(|a, b| a.name.cmp(&b.name).then(a.agent_id.cmp(&b.agent_id)));
    Ok(Json(DailyReport {
        department_id: dept,
        time_zone,
        from: params.from,
        to: params.to,
        days,
        total: total.figures(),
        agents,
        as_of,
    })
    .into_response())
}

async fn names(
    conn: &mut sqlx::AnyConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, sqlx::Error> {
    Ok(db::users::summaries(conn, ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

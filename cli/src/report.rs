//! `report`: a department's daily report (supervisors, admins): a row per
//! day, the range's total, and each agent's figures; `--csv` for a
//! spreadsheet. Offline it prints the last report read, and says so.
//!
//! ```text
//! cs report                          # the last 7 days
//! cs report --from 2026-11-01 --to 2026-11-30 --csv > november.csv
//! ```

use clap::Args;
use cs_core::{DailyReportInfo, ReportFiguresInfo};

use crate::context::{Ctx, Reach};
use crate::error::{CliError, CliResult};
use crate::output::{self, out};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The department (admins): its id or its name. Yours by default.
    #[arg(long)]
    department: Option<String>,
    /// The last N days, today included (in your computer's calendar).
    #[arg(long, default_value_t = 7, conflicts_with = "from")]
    days: u32,
    /// First day (YYYY-MM-DD); with --to.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// Last day (YYYY-MM-DD), inclusive.
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Print CSV (a row per day, and per day and agent) instead.
    #[arg(long)]
    csv: bool,
}

pub async fn report(ctx: &mut Ctx, args: ReportArgs) -> CliResult {
    let me = ctx.me()?;
    let department_id = match (&args.department, me.department_id) {
        (Some(d), _) => ctx.resolve_department(d).await?,
        (None, Some(own)) => own,
        (None, None) => return Err(CliError::usage("name the department with --department")),
    };
    let (from, to) = match (args.from, args.to) {
        (Some(from), Some(to)) => (from, to),
        _ => {
            if args.days == 0 {
                return Err(CliError::usage("--days must be at least 1"));
            }
            let today = chrono::Local::now().date_naive();
            let first = today - chrono::Duration::days(i64::from(args.days) - 1);
            (first.to_string(), today.to_string())
        }
    };
    let reach = ctx.connect().await?;
    if args.csv {
        if reach == Reach::Offline {
            return Err(CliError::failed(
                "offline: the CSV export needs the server, which cannot be reached",
            ));
        }
        let csv = ctx.client.daily_report_csv(department_id, from, to).await?;
        print!("{csv}");
        return Ok(());
    }
    let report = match reach {
        Reach::Online => ctx.client.daily_report(department_id, from, to).await?,
        Reach::Offline => {
            let cached = ctx.client.cached_daily_report(department_id)?;
            let cached = cached.ok_or_else(|| {
                CliError::failed("offline: no report read yet, and the server cannot be reached")
            })?;
            output::note(format!(
                "offline: the last report read ({} to {}, as of {})",
                cached.from,
                cached.to,
                output::time(cached.as_of_ms)
            ));
            cached
        }
    };
    print(ctx, &report);
    Ok(())
}

fn print(ctx: &Ctx, r: &DailyReportInfo) {
    out!(
        "{}: {} to {} ({})",
        ctx.department_name(&r.department_id),
        r.from,
        r.to,
        r.time_zone
    );
    let mut rows: Vec<Vec<String>> = r
        .days
        .iter()
        .map(|d| row(d.day.clone(), &d.figures))
        .collect();
    rows.push(row("total".into(), &r.total));
    out!("{}", output::table(&HEADERS, &rows));
    if !r.agents.is_empty() {
        out!("");
        let rows: Vec<Vec<String>> = r
            .agents
            .iter()
            .map(|a| row(a.name.clone(), &a.figures))
            .collect();
        let mut headers = HEADERS;
        headers[0] = "AGENT";
        out!("{}", output::table(&headers, &rows));
    }
    out!("");
    out!(
        "1ST REPLY, RESOLUTION: median / 90th percentile, in business hours; MISSED: SLA targets;"
    );
    out!("CALLS: answered / placed; CSAT: average (ratings).");
}

const HEADERS: [&str; 10] = [
    "DAY",
    "OPENED",
    "RESOLVED",
    "REOPENED",
    "1ST REPLY",
    "RESOLUTION",
    "MISSED",
    "CALLS",
    "TALK",
    "CSAT",
];

fn row(label: String, f: &ReportFiguresInfo) -> Vec<String> {
    vec![
        label,
        f.opened.to_string(),
        f.resolved.to_string(),
        f.reopened.to_string(),
        quantiles(
            f.first_responses,
            f.first_response_median_secs,
            f.first_response_p90_secs,
        ),
        quantiles(
            f.resolutions,
            f.resolution_median_secs,
            f.resolution_p90_secs,
        ),
        f.sla_breaches.to_string(),
        format!("{}/{}", f.calls_answered, f.calls_placed),
        if f.talk_secs > 0 {
            span(f.talk_secs)
        } else {
            "-".into()
        },
        f.csat_average
            .map_or_else(|| "-".into(), |a| format!("{a:.1} ({})", f.csat_count)),
    ]
}

fn quantiles(count: i64, median: Option<i64>, p90: Option<i64>) -> String {
    match (median, p90) {
        (Some(m), Some(p)) if count > 0 => format!("{} / {}", span(m), span(p)),
        _ => "-".into(),
    }
}

/// `45s` under a minute, else as the ticket list shows durations.
fn span(secs: i64) -> String {
    if secs < 60 {
        format!("{}s", secs.max(0))
    } else {
        output::duration_ms(secs * 1000)
    }
}

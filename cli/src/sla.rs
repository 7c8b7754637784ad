//! `sla`: a department's service-level targets. Staff read them; its
//! supervisors (and admins) set them, replacing the whole policy:
//!
//! ```text
//! cs sla set --zone Europe/Berlin --hours "mon-fri 09:00-17:00" \
//!     --holiday 2026-12-25 --target urgent=30m/4h --target normal=4h/3d
//! ```

use clap::{Args, Subcommand};
use cs_core::{BusinessHoursItem, SlaPolicyInfo, SlaTargetItem};

use crate::canned::online;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{self, out};
use crate::values::PriorityArg;

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Print the department's policy.
    Show {
        /// The department (admins): its id or its name. Yours by default.
        #[arg(long)]
        department: Option<String>,
    },
    /// Replace the department's policy (supervisors, admins).
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The department (admins): its id or its name. Yours by default.
    #[arg(long)]
    department: Option<String>,
    /// The IANA time zone the hours are in.
    #[arg(long, default_value = "UTC")]
    zone: String,
    /// Opening hours, e.g. "mon-fri 09:00-17:00" or "sat 10:00-14:00";
    /// repeat for more. None: around the clock.
    #[arg(long, value_name = "DAYS HH:MM-HH:MM")]
    hours: Vec<String>,
    /// A day the department is closed (YYYY-MM-DD); repeat for more.
    #[arg(long, value_name = "DATE")]
    holiday: Vec<String>,
    /// PRIORITY=FIRST/RESOLUTION in business time, e.g. urgent=30m/4h,
    /// high=1h30m/1d (a day is 24 business hours); `-` for no target.
    #[arg(long, value_name = "PRIORITY=FIRST/RESOLUTION")]
    target: Vec<String>,
}

pub async fn sla(ctx: &mut Ctx, command: SlaCommand) -> CliResult {
    let me = ctx.me()?;
    let department = match &command {
        SlaCommand::Show { department } => department,
        SlaCommand::Set(args) => &args.department,
    };
    let department_id = match (department, me.department_id) {
        (Some(d), _) => ctx.resolve_department(d).await?,
        (None, Some(own)) => own,
        (None, None) => return Err(CliError::usage("name the department with --department")),
    };
    match command {
        SlaCommand::Show { .. } => {
            online(ctx, "reading the SLA policy").await?;
            let policy = ctx.client.sla_policy(department_id.clone()).await?;
            print(ctx, &department_id, &policy);
        }
        SlaCommand::Set(args) => {
            let policy = SlaPolicyInfo {
                time_zone: args.zone,
                hours: args
                    .hours
                    .iter()
                    .map(|h| hours(h))
                    .collect::<CliResult<Vec<_>>>()?
                    .concat(),
                holidays: args.holiday,
                targets: args
                    .target
                    .iter()
                    .map(|t| target(t))
                    .collect::<CliResult<_>>()?,
            };
            online(ctx, "setting the SLA policy").await?;
            let saved = ctx
                .client
                .set_sla_policy(department_id.clone(), policy)
                .await?;
            print(ctx, &department_id, &saved);
        }
    }
    Ok(())
}

fn print(ctx: &Ctx, department_id: &str, policy: &SlaPolicyInfo) {
    out!("department: {}", ctx.department_name(department_id));
    out!("time zone:  {}", policy.time_zone);
    let hours: Vec<String> = policy
        .hours
        .iter()
        .map(|h| format!("{} {}-{}", h.day, h.opens, h.closes))
        .collect();
    out!(
        "hours:      {}",
        if hours.is_empty() {
            "around the clock".into()
        } else {
            hours.join(", ")
        }
    );
    if !policy.holidays.is_empty() {
        out!("holidays:   {}", policy.holidays.join(", "));
    }
    if policy.targets.is_empty() {
        out!("targets:    none");
    }
    for t in &policy.targets {
        let span = |m: Option<u32>| m.map_or("none".into(), |m| minutes_text(m as i64));
        out!(
            "{:<11} first response {}, resolution {}",
            format!("{}:", output::priority(t.priority)),
            span(t.first_response_minutes),
            span(t.resolution_minutes)
        );
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `mon-fri 09:00-17:00`, `sat,sun 10:00-14:00`: one span per day.
fn hours(text: &str) -> CliResult<Vec<BusinessHoursItem>> {
    let bad = || {
        CliError::usage(format!(
            "--hours {text:?}: expected days and a span, e.g. \"mon-fri 09:00-17:00\""
        ))
    };
    let (days, span) = text.trim().split_once(' ').ok_or_else(bad)?;
    let (opens, closes) = span.trim().split_once('-').ok_or_else(bad)?;
    let index = |d: &str| DAYS.iter().position(|x| *x == d.trim().to_lowercase());
    let mut picked = Vec::new();
    for part in days.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (index(from).ok_or_else(bad)?, index(to).ok_or_else(bad)?);
                if from > to {
                    return Err(bad());
                }
                picked.extend(from..=to);
            }
            None => picked.push(index(part).ok_or_else(bad)?),
        }
    }
    Ok(picked
        .into_iter()
        .map(|d| BusinessHoursItem {
            day: DAYS[d].into(),
            opens: opens.trim().into(),
            closes: closes.trim().into(),
        })
        .collect())
}

/// `urgent=30m/4h`, `low=-/5d`.
fn target(text: &str) -> CliResult<SlaTargetItem> {
    let bad = || {
        CliError::usage(format!(
            "--target {text:?}: expected PRIORITY=FIRST/RESOLUTION, e.g. urgent=30m/4h"
        ))
    };
    let (priority, spans) = text.split_once('=').ok_or_else(bad)?;
    let priority =
        <PriorityArg as clap::ValueEnum>::from_str(priority.trim(), true).map_err(|_| bad())?;
    let (first, resolution) = spans.split_once('/').ok_or_else(bad)?;
    let span = |s: &str| -> CliResult<Option<u32>> {
        match s.trim() {
            "-" => Ok(None),
            s => minutes(s).map(Some).ok_or_else(bad),
        }
    };
    Ok(SlaTargetItem {
        priority: priority.into(),
        first_response_minutes: span(first)?,
        resolution_minutes: span(resolution)?,
    })
}

/// `1d2h30m` → 1590 minutes; `None` for anything else (or zero).
fn minutes(text: &str) -> Option<u32> {
    let mut total: u32 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'd' => 1440,
            'h' => 60,
            'm' => 1,
            _ => return None,
        };
        let n: u32 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
    }
    (number.is_empty() && total > 0).then_some(total)
}

/// 1590 → `1d 2h 30m`.
fn minutes_text(m: i64) -> String {
    let parts = [(m / 1440, "d"), (m / 60 % 24, "h"), (m % 60, "m")];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    text.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_hours_read_as_written() {
        assert_eq!(minutes("30m"), Some(30));
        assert_eq!(minutes("1d2h30m"), Some(1590));
        assert_eq!(minutes("4"), None);
        assert_eq!(minutes("0m"), None);
        assert_eq!(minutes_text(1590), "1d 2h 30m");
        let week = hours("mon-fri 09:00-17:00").unwrap();
        assert_eq!(week.len(), 5);
        assert_eq!(week[4].day, "fri");
        assert_eq!(week[0].closes, "17:00");
        assert_eq!(hours("sat,sun 10:00-14:00").unwrap()[1].day, "sun");
        assert!(hours("fri-mon 09:00-17:00").is_err());
        assert!(hours("weekdays").is_err());
        let t = target("urgent=30m/-").unwrap();
        assert_eq!(
            (t.first_response_minutes, t.resolution_minutes),
            (Some(30), None)
        );
        assert!(target("soon=1h/2h").is_err());
    }
}

//! The report as CSV: one row per day for the department (agent columns
//! empty), then one per agent who did anything that day.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::NaiveDate;
use protocol::DAILY_REPORT_CSV_HEADER;
use uuid::Uuid;

use super::Tally;

pub fn render(rows: &[(NaiveDate, Option<Uuid>, Tally)], names: &HashMap<Uuid, String>) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(DAILY_REPORT_CSV_HEADER);
    out.push_str("\r\n");
    for (day, agent, t) in rows {
        let (id, name) = match agent {
            Some(a) => (
                a.to_string(),
                names.get(a).map(String::as_str).unwrap_or_default(),
            ),
            None => (String::new(), ""),
        };
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let csat = t.csat_average().map(|v| v.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "{day},{id},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            field(name),
            t.opened,
            t.resolved,
            t.reopened,
            t.first_response.count,
            opt(t.first_response.median),
            opt(t.first_response.p90),
            t.resolution.count,
            opt(t.resolution.median),
            opt(t.resolution.p90),
            t.sla_breaches,
            t.calls_placed,
            t.calls_answered,
            t.calls_missed,
            t.calls_declined,
            t.talk_secs,
            t.csat_count,
            csat,
        );
    }
    out
}

/// A text field, quoted when it holds a separator, quote or line break
/// (RFC 4180), and kept from being read as a formula by a spreadsheet.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FactKind;

    #[test]
    fn rows_have_every_column_and_names_are_quoted() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let agent = Uuid::new_v4();
        let rows = vec![
            (
                day,
                None,
                Tally::of([(FactKind::Opened, 1), (FactKind::Csat, 4)]),
            ),
            (day, Some(agent), Tally::of([(FactKind::Resolution, 90)])),
        ];
        let names = HashMap::from([(agent, "Doe, \"Jo\"".to_string())]);
        let csv = render(&rows, &names);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        let columns = DAILY_REPORT_CSV_HEADER.split(',').count();
        assert_eq!(lines[0], DAILY_REPORT_CSV_HEADER);
        assert_eq!(lines[1].split(',').count(), columns);
        assert!(lines[1].starts_with("2026-12-07,,,1,0,0,"), "{}", lines[1]);
        assert!(lines[1].ends_with(",1,4"), "{}", lines[1]);
        assert!(
            lines[2].contains(&format!("{agent},\"Doe, \"\"Jo\"\"\",0,")),
            "{}",
            lines[2]
        );
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
    }
}

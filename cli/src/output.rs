//! What `cs` prints: lines on stdout that survive a closed pipe, notes on
//! stderr, tables, and the labels of the core's records.

use std::fmt;
use std::io::{self, Write};

use chrono::TimeZone;
use cs_core::{
    Priority, Role, SendState, SlaState, StaffStatus, SyncState, TicketItem, TicketSlaInfo,
    TicketStatus,
};

/// Prints a line on stdout. A closed pipe (`cs tickets | head -1`) ends the
/// program quietly instead of panicking as `println!` would.
pub fn line(text: impl fmt::Display) {
    let mut out = io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(io::stderr(), "cs: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// A remark for the person at the terminal, on stderr (kept out of what
/// scripts read from stdout).
pub fn note(text: impl fmt::Display) {
    let _ = writeln!(io::stderr(), "cs: {text}");
}

macro_rules! out {
    ($($arg:tt)*) => { $crate::output::line(format_args!($($arg)*)) };
}
pub(crate) use out;

/// Columns padded to their widest cell; the last one is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let render = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            let width = widths.get(i).copied().unwrap_or(0);
            let pad = width.saturating_sub(cell.chars().count());
            text.extend(std::iter::repeat_n(' ', pad));
        }
        text.trim_end().to_string()
    };
    let mut lines = vec![render(&mut headers.iter().copied())];
    for row in rows {
        lines.push(render(&mut row.iter().map(String::as_str)));
    }
    lines.join("\n")
}

/// The ticket list: number, status, priority, subject, and whether a local
/// change still waits for the server or was refused; where any ticket has
/// service-level targets, how each stands against them.
pub fn ticket_table(tickets: &[TicketItem]) -> String {
    if tickets.is_empty() {
        return "no tickets".into();
    }
    let with_sla = tickets.iter().any(|t| t.sla.state != SlaState::None);
    let now = chrono::Utc::now().timestamp_millis();
    let rows: Vec<Vec<String>> = tickets
        .iter()
        .map(|t| {
            let mut row = vec![
                number(t),
                status(t.status).into(),
                priority(t.priority).into(),
            ];
            if with_sla {
                row.push(sla_cell(&t.sla, now));
            }
            row.extend([truncate(&t.subject, 60), marker(&t.send_state)]);
            row
        })
        .collect();
    let headers: &[&str] = if with_sla {
        &["#", "STATUS", "PRIORITY", "DUE", "SUBJECT", ""]
    } else {
        &["#", "STATUS", "PRIORITY", "SUBJECT", ""]
    };
    table(headers, &rows)
}

/// A ticket's standing in the list: `in 2h 5m`, `at risk: in 40m`,
/// `missed`, `met`, or `-` without targets.
pub fn sla_cell(sla: &TicketSlaInfo, now_ms: i64) -> String {
    let due = |prefix: &str| {
        sla.next_due_ms.map_or_else(String::new, |d| {
            format!("{prefix}in {}", duration_ms(d - now_ms))
        })
    };
    match sla.state {
        SlaState::None => "-".into(),
        SlaState::OnTrack => due(""),
        SlaState::AtRisk => due("at risk: "),
        SlaState::Breached => "missed".into(),
        SlaState::Met => "met".into(),
    }
}

/// `3d 4h`, `2h 5m`, `40m` (at least a minute).
pub fn duration_ms(ms: i64) -> String {
    let minutes = (ms.max(0) + 59_999) / 60_000;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, _) => format!("{hours}h {mins}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// `#42`, or `-` while the server has not numbered the ticket yet.
pub fn number(t: &TicketItem) -> String {
    t.number.map_or_else(|| "-".into(), |n| format!("#{n}"))
}

/// How to name a ticket in a sentence: its number, else its id.
pub fn ticket_ref(t: &TicketItem) -> String {
    t.number
        .map_or_else(|| format!("ticket {}", t.id), |n| format!("#{n}"))
}

/// The names `cs` accepts on its command line.
pub fn status(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Open => "open",
        TicketStatus::InProgress => "in_progress",
        TicketStatus::Resolved => "resolved",
        TicketStatus::Closed => "closed",
    }
}

pub fn priority(p: Priority) -> &'static str {
    match p {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Urgent => "urgent",
    }
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::Customer => "customer",
        Role::Agent => "agent",
        Role::Supervisor => "supervisor",
        Role::Admin => "admin",
    }
}

pub fn staff_status(s: StaffStatus) -> &'static str {
    match s {
        StaffStatus::Active => "active",
        StaffStatus::Off => "off",
    }
}

pub fn sync_state(s: SyncState) -> &'static str {
    match s {
        SyncState::Offline => "offline",
        SyncState::Connecting => "connecting",
        SyncState::Syncing => "syncing",
        SyncState::Live => "live",
        SyncState::SignedOut => "signed out",
    }
}

/// Empty when the server has it; otherwise what is going on.
pub fn marker(state: &SendState) -> String {
    match state {
        SendState::Sent => String::new(),
        SendState::Pending => "pending".into(),
        SendState::Failed { reason } => format!("FAILED: {reason}"),
    }
}

/// Local time, to the minute.
pub fn time(ms: i64) -> String {
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map_or_else(|| "?".into(), |t| t.format("%Y-%m-%d %H:%M").to_string())
}

/// A file size for people.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The end of an id: enough to tell people apart in one ticket (ids are
/// UUIDv7, whose start is a timestamp and so alike for accounts made
/// together).
pub fn short_id(id: &str) -> String {
    let tail: String = id.chars().rev().take(6).collect();
    tail.chars().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_trim() {
        let text = table(
            &["#", "SUBJECT", ""],
            &[
                vec!["#1".into(), "Printer".into(), "pending".into()],
                vec!["#10".into(), "Up".into(), String::new()],
            ],
        );
        assert_eq!(
            text,
            "#    SUBJECT\n#1   Printer  pending\n#10  Up".to_string()
        );
    }

    #[test]
    fn sizes_and_truncation() {
        assert_eq!(size(12), "12 B");
        assert_eq!(size(2048), "2.0 KB");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("a\nb", 4), "a b");
        assert_eq!(short_id("0190-abcdef123456"), "123456");
    }
}

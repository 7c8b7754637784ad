//! The values the command line takes (statuses, priorities, …) and their
//! parsers: a bad one is a usage error from clap (exit 2).

use std::net::SocketAddr;
use std::time::Duration;

use clap::ValueEnum;
use cs_core::{Priority, StaffStatus, TicketSort, TicketStatus};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Open,
    #[value(name = "in_progress", alias = "in-progress")]
    InProgress,
    Resolved,
    Closed,
}

impl From<StatusArg> for TicketStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Open => TicketStatus::Open,
            StatusArg::InProgress => TicketStatus::InProgress,
            StatusArg::Resolved => TicketStatus::Resolved,
            StatusArg::Closed => TicketStatus::Closed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PriorityArg {
    Low,
    Normal,
    High,
    Urgent,
}

impl From<PriorityArg> for Priority {
    fn from(p: PriorityArg) -> Self {
        match p {
            PriorityArg::Low => Priority::Low,
            PriorityArg::Normal => Priority::Normal,
            PriorityArg::High => Priority::High,
            PriorityArg::Urgent => Priority::Urgent,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Most recently updated first.
    Updated,
    /// Most pressing first, then oldest first.
    Priority,
    /// The service-level target due soonest first (missed ones first of all).
    Due,
}

/// `--sla`: tickets near or past a service-level target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SlaArg {
    /// A target due within the hour.
    AtRisk,
    /// A target missed.
    Breached,
}

impl From<SlaArg> for cs_core::SlaFilter {
    fn from(s: SlaArg) -> Self {
        match s {
            SlaArg::AtRisk => cs_core::SlaFilter::AtRisk,
            SlaArg::Breached => cs_core::SlaFilter::Breached,
        }
    }
}

impl From<SortArg> for TicketSort {
    fn from(s: SortArg) -> Self {
        match s {
            SortArg::Updated => TicketSort::Updated,
            SortArg::Priority => TicketSort::Priority,
            SortArg::Due => TicketSort::Due,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaffStatusArg {
    /// Take new tickets.
    Active,
    /// Take no new tickets.
    Off,
}

impl From<StaffStatusArg> for StaffStatus {
    fn from(s: StaffStatusArg) -> Self {
        match s {
            StaffStatusArg::Active => StaffStatus::Active,
            StaffStatusArg::Off => StaffStatus::Off,
        }
    }
}

/// `me`, `unassigned` or a staff id (the list filter).
pub fn assignee_filter(value: &str) -> Result<String, String> {
    match value {
        "me" | "unassigned" => Ok(value.to_string()),
        _ => staff_id(value).map_err(|_| "expected `me`, `unassigned` or a staff id".into()),
    }
}

/// `me` or a staff id (`cs set --assign`).
pub fn assignee(value: &str) -> Result<String, String> {
    match value {
        "me" => Ok(value.to_string()),
        _ => staff_id(value).map_err(|_| "expected `me` or a staff id".into()),
    }
}

fn staff_id(value: &str) -> Result<String, ()> {
    Uuid::parse_str(value.trim())
        .map(|id| id.to_string())
        .map_err(|_| ())
}

/// A tone's frequency in Hz: audible, and below half the 48 kHz rate.
pub fn tone_hz(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(hz) if (20.0..=20_000.0).contains(&hz) => Ok(hz),
        _ => Err("expected a frequency from 20 to 20000 (Hz)".into()),
    }
}

/// A positive number of seconds, fractions allowed (`2`, `0.5`), at most a day.
pub fn seconds(value: &str) -> Result<Duration, String> {
    match value.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err("expected a number of seconds above 0 (at most 86400)".into()),
    }
}

/// `IP:PORT` for call media to bind to (`127.0.0.1:0`: loopback, any port).
pub fn bind_address(value: &str) -> Result<String, String> {
    value
        .trim()
        .parse::<SocketAddr>()
        .map(|addr| addr.to_string())
        .map_err(|_| "expected IP:PORT, for example 127.0.0.1:0".into())
}

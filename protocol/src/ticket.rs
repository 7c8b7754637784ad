use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    InProgress,
    Resolved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 4] = [
        TicketStatus::Open,
        TicketStatus::InProgress,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Ordered from least to most pressing; the order is used for sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Numeric rank stored in the database so that sorting is an index scan.
    pub fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(rank: i64) -> Option<Priority> {
        Priority::ALL.get(usize::try_from(rank).ok()?).copied()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: Uuid,
    /// Human-readable number, unique across the installation (e.g. 1042).
    pub number: i64,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub department_id: Uuid,
    pub customer_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Incremented on every change; PATCH must send the version it saw.
    pub version: i64,
    /// The customer's satisfaction rating, once they gave it (after the
    /// ticket was resolved). Absent from servers before ratings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// Due times of the department's targets, when they were met, and
    /// breaches. Absent when there is nothing to say (and from servers
    /// before SLA targets).
    #[serde(default, skip_serializing_if = "crate::TicketSla::is_empty")]
    pub sla: crate::TicketSla,
}

/// A customer's satisfaction rating of their resolved ticket (CSAT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    /// 1 (very unhappy) to 5 (very happy).
    pub score: u8,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

impl Rating {
    pub const MIN_SCORE: u8 = 1;
    pub const MAX_SCORE: u8 = 5;
    /// Characters.
    pub const MAX_COMMENT: usize = 2_000;
}

/// `POST /v1/tickets/{id}/rating`: the ticket's customer rates it once it is
/// resolved or closed. Sending the same rating again returns the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RateTicket {
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTicket {
    /// Client-generated id: sending the same id again returns the same ticket.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub department_id: Uuid,
    pub subject: String,
    /// The first message of the ticket.
    pub body: String,
    /// Client-generated id of the first message, so that an offline client
    /// can show it at once and recognise it when the server confirms.
    #[serde(default)]
    pub first_message_id: Option<Uuid>,
    /// Staff only: open the ticket on this customer's behalf (in the staff
    /// member's department); the customer sees it as their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTicket {
    #[serde(default)]
    pub status: Option<TicketStatus>,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Absent: unchanged; `null`: unassign; an id: assign to that colleague.
    #[serde(
        default,
        with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub assignee_id: Option<Option<Uuid>>,
    /// Transfer to another department (this unassigns the ticket).
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// The version the client last saw; a stale one gets 409.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileMeta {
    pub id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    /// Staff-only note; never shown to customers.
    pub internal: bool,
    pub attachments: Vec<FileMeta>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMessage {
    /// Client-generated id: sending the same id again returns the same message.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub body: String,
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<Message>,
    pub has_more: bool,
}

/// One entry of a ticket's timeline: who changed what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEvent {
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// Who made the change; `None` for the server's own routing.
    pub actor_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub change: TimelineChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineChange {
    Created,
    /// A staff member (the actor) opened the ticket for the customer.
    CreatedFor {
        customer_id: Uuid,
    },
    StatusChanged {
        from: TicketStatus,
        to: TicketStatus,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    AssigneeChanged {
        from: Option<Uuid>,
        to: Option<Uuid>,
    },
    DepartmentChanged {
        from: Uuid,
        to: Uuid,
    },
    /// A call on the ticket, once it is over.
    Call {
        call_id: Uuid,
        caller_id: Uuid,
        callee_id: Option<Uuid>,
        outcome: crate::CallOutcome,
        /// Talk time, for a completed call.
        duration_secs: Option<i64>,
    },
    /// The customer (the actor) rated the resolved ticket.
    Rated {
        score: u8,
        comment: Option<String>,
    },
    /// The ticket missed a service-level target (written by the server).
    SlaBreached {
        target: crate::SlaKind,
    },
}

//! UI-ready records and enums that cross the FFI. Ids are strings, times are
//! milliseconds since the epoch; everything a list row needs is in its item.

use protocol as wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    Customer,
    Agent,
    Supervisor,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StaffStatus {
    Active,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TicketStatus {
    Open,
    InProgress,
    Resolved,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TicketSort {
    /// Most recently updated first.
    Updated,
    /// Most pressing first, then oldest first.
    Priority,
    /// The open ticket whose service-level target is due soonest first
    /// (missed ones first of all), then those without a running target.
    Due,
}

/// Where a locally made change stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SendState {
    /// Waiting in the outbox for the server.
    Pending,
    /// Confirmed by the server.
    Sent,
    /// Refused by the server; `reason` says why. It can be retried.
    Failed { reason: String },
}

/// The connection as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// No connection; changes wait in the outbox.
    Offline,
    Connecting,
    /// Connected and catching up.
    Syncing,
    /// Up to date and receiving live events.
    Live,
    /// The server ended the session (revoked, signed out on another device,
    /// account disabled). The token is forgotten and the core stops
    /// reconnecting until the user signs in again; the cache and the outbox
    /// are kept.
    SignedOut,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UserInfo {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub department_id: Option<String>,
    pub status: Option<StaffStatus>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DepartmentInfo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TicketItem {
    pub id: String,
    /// `None` until the server has accepted the ticket.
    pub number: Option<i64>,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub department_id: String,
    pub customer_id: String,
    pub assignee_id: Option<String>,
    /// `None` until the name is known (it comes with the next sync).
    pub customer_name: Option<String>,
    pub assignee_name: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub version: i64,
    pub send_state: SendState,
    /// The newest cached message on one line, cut short ("📎 name" for an
    /// attachment without text); `None` when no message is cached.
    pub last_message: Option<String>,
    /// Cached messages by others after the user's read marker (all of them
    /// without a marker); 0 when signed out.
    pub unread_count: u32,
    /// The customer's satisfaction rating, once given (shown at once when
    /// given on this device, while it waits in the outbox).
    pub rating: Option<TicketRating>,
    /// Its service-level targets: when due, when met, whether missed.
    pub sla: TicketSlaInfo,
}

/// How a ticket stands against its service-level targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SlaState {
    /// No target applies (none set, or the ticket is done without one).
    None,
    /// A target runs and is due more than an hour from now.
    OnTrack,
    /// A target runs and is due within the hour.
    AtRisk,
    /// A target was missed.
    Breached,
    /// Every target was met.
    Met,
}

/// A ticket's service-level targets as the queue and the ticket show them.
/// `state` is worked out when the item is read, against the clock then.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TicketSlaInfo {
    pub state: SlaState,
    /// When the earliest target not met yet is (was) due, while the ticket
    /// is open or in progress.
    pub next_due_ms: Option<i64>,
    pub first_response_due_ms: Option<i64>,
    pub first_responded_at_ms: Option<i64>,
    pub first_response_breached: bool,
    pub resolution_due_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub resolution_breached: bool,
}

/// A running target due within this long is at risk.
pub const SLA_AT_RISK_MS: i64 = 60 * 60 * 1000;

impl TicketSlaInfo {
    pub fn new(sla: &wire::TicketSla, status: wire::TicketStatus, now_ms: i64) -> TicketSlaInfo {
        let ms = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_millis());
        let running = matches!(
            status,
            wire::TicketStatus::Open | wire::TicketStatus::InProgress
        );
        let next_due_ms = ms(sla.next_due()).filter(|_| running);
        let has_targets = sla.first_response_due_at.is_some() || sla.resolution_due_at.is_some();
        let state = match next_due_ms {
            _ if sla.breached() => SlaState::Breached,
            Some(due) if due <= now_ms => SlaState::Breached,
            Some(due) if due - now_ms <= SLA_AT_RISK_MS => SlaState::AtRisk,
            Some(_) => SlaState::OnTrack,
            None if has_targets && sla.next_due().is_none() => SlaState::Met,
            None => SlaState::None,
        };
        TicketSlaInfo {
            state,
            next_due_ms,
            first_response_due_ms: ms(sla.first_response_due_at),
            first_responded_at_ms: ms(sla.first_responded_at),
            first_response_breached: sla.first_response_breached,
            resolution_due_ms: ms(sla.resolution_due_at),
            resolved_at_ms: ms(sla.resolved_at),
            resolution_breached: sla.resolution_breached,
        }
    }

    /// The wire's form, as the cache stores it.
    pub fn to_wire(&self) -> wire::TicketSla {
        let time = |ms: Option<i64>| ms.and_then(chrono::DateTime::from_timestamp_millis);
        wire::TicketSla {
            first_response_due_at: time(self.first_response_due_ms),
            first_responded_at: time(self.first_responded_at_ms),
            first_response_breached: self.first_response_breached,
            resolution_due_at: time(self.resolution_due_ms),
            resolved_at: time(self.resolved_at_ms),
            resolution_breached: self.resolution_breached,
        }
    }
}

/// A customer's rating of their resolved ticket: 1 to 5, and a comment.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TicketRating {
    pub score: u8,
    pub comment: Option<String>,
    pub rated_at_ms: i64,
}

impl From<wire::Rating> for TicketRating {
    fn from(r: wire::Rating) -> Self {
        TicketRating {
            score: r.score,
            comment: r.comment,
            rated_at_ms: r.rated_at.timestamp_millis(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AttachmentItem {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MessageItem {
    pub id: String,
    pub ticket_id: String,
    pub author_id: String,
    /// `None` until the name is known (it comes with the next sync).
    pub author_name: Option<String>,
    pub body: String,
    pub internal: bool,
    pub attachments: Vec<AttachmentItem>,
    pub created_at_ms: i64,
    pub send_state: SendState,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TimelineItem {
    pub id: String,
    pub ticket_id: String,
    /// `None` when the server made the change (routing).
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub created_at_ms: i64,
    /// What changed, ready to show: "status: open → in progress",
    /// "assignee: nobody → Bea".
    pub description: String,
}

/// Someone typing in a ticket right now (the signal lapses after a few
/// seconds without news).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TypingUser {
    pub user_id: String,
    pub name: Option<String>,
}

/// How far a participant has read a ticket (the user's own marker included).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReadMarker {
    pub user_id: String,
    pub user_name: Option<String>,
    /// The last message they have read.
    pub message_id: String,
    pub read_at_ms: i64,
}

/// A staff member of the user's department (all staff, for admins) with
/// their Active/Off status, kept current by presence events.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Colleague {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub status: StaffStatus,
}

/// A customer as staff find or invite them, to open a ticket for.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomerInfo {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// An invited customer, and how their one-time sign-in link reaches them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomerInviteInfo {
    pub customer: CustomerInfo,
    /// The server's mail relay took the link for the customer.
    pub emailed: bool,
    /// The link to pass on (by phone, SMS…) when it was not emailed.
    pub sign_in_link: Option<String>,
    /// Why the relay did not take it, when it was tried.
    pub mail_error: Option<String>,
}

/// A ready-made answer of a department, picked by title in the composer
/// and filled in for the ticket (`fill_canned_reply`) before it is edited
/// and sent.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CannedReplyItem {
    pub id: String,
    pub department_id: String,
    pub title: String,
    /// As written, with `{customer_name}`, `{ticket_number}` and
    /// `{agent_name}` where the ticket's values go.
    pub body: String,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxKind {
    CreateTicket,
    SendMessage,
    UpdateTicket,
    RateTicket,
}

/// One change waiting in the outbox or refused by the server. Confirmed
/// changes leave the outbox.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxItem {
    /// Pass to `retry_outbox_item` / `discard_outbox_item`.
    pub id: i64,
    pub kind: OutboxKind,
    pub ticket_id: String,
    /// `Pending` (waiting to be sent) or `Failed` with the server's reason.
    pub state: SendState,
    /// What it is, ready to show: the subject, the message, the changes.
    pub summary: String,
    pub created_at_ms: i64,
}

/// A ticket with everything its screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TicketDetail {
    pub ticket: TicketItem,
    /// Oldest first.
    pub messages: Vec<MessageItem>,
    /// Oldest first.
    pub timeline: Vec<TimelineItem>,
    /// Who is typing in it now, other than the user.
    pub typing: Vec<TypingUser>,
    /// Each participant's read position.
    pub reads: Vec<ReadMarker>,
}

#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct TicketFilter {
    /// Empty: any status.
    pub statuses: Vec<TicketStatus>,
    /// Empty: any priority.
    pub priorities: Vec<Priority>,
    /// `"me"`, `"unassigned"`, a staff id, or `None` for anyone.
    pub assignee: Option<String>,
    pub department_id: Option<String>,
    /// Words the subject must contain.
    pub query: Option<String>,
    pub sort: Option<TicketSort>,
    /// Only tickets at risk of missing a target, or that missed one.
    pub sla: Option<SlaFilter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SlaFilter {
    /// Open, with a target due within the hour (`SLA_AT_RISK_MS`).
    AtRisk,
    /// A target missed (marked by the server, or past due).
    Breached,
}

/// A staff change to a ticket; absent fields are left as they are.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct TicketChanges {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    /// Assign to this colleague.
    pub assignee_id: Option<String>,
    /// Remove the assignee (wins over `assignee_id`).
    pub unassign: bool,
    /// Transfer to another department (which unassigns it).
    pub department_id: Option<String>,
}

// Conversions between the wire's types and the UI's.

impl From<wire::Role> for Role {
    fn from(r: wire::Role) -> Self {
        match r {
            wire::Role::Customer => Role::Customer,
            wire::Role::Agent => Role::Agent,
            wire::Role::Supervisor => Role::Supervisor,
            wire::Role::Admin => Role::Admin,
        }
    }
}

impl From<wire::StaffStatus> for StaffStatus {
    fn from(s: wire::StaffStatus) -> Self {
        match s {
            wire::StaffStatus::Active => StaffStatus::Active,
            wire::StaffStatus::Off => StaffStatus::Off,
        }
    }
}

impl From<StaffStatus> for wire::StaffStatus {
    fn from(s: StaffStatus) -> Self {
        match s {
            StaffStatus::Active => wire::StaffStatus::Active,
            StaffStatus::Off => wire::StaffStatus::Off,
        }
    }
}

impl From<wire::TicketStatus> for TicketStatus {
    fn from(s: wire::TicketStatus) -> Self {
        match s {
            wire::TicketStatus::Open => TicketStatus::Open,
            wire::TicketStatus::InProgress => TicketStatus::InProgress,
            wire::TicketStatus::Resolved => TicketStatus::Resolved,
            wire::TicketStatus::Closed => TicketStatus::Closed,
        }
    }
}

impl From<TicketStatus> for wire::TicketStatus {
    fn from(s: TicketStatus) -> Self {
        match s {
            TicketStatus::Open => wire::TicketStatus::Open,
            TicketStatus::InProgress => wire::TicketStatus::InProgress,
            TicketStatus::Resolved => wire::TicketStatus::Resolved,
            TicketStatus::Closed => wire::TicketStatus::Closed,
        }
    }
}

impl From<wire::Priority> for Priority {
    fn from(p: wire::Priority) -> Self {
        match p {
            wire::Priority::Low => Priority::Low,
            wire::Priority::Normal => Priority::Normal,
            wire::Priority::High => Priority::High,
            wire::Priority::Urgent => Priority::Urgent,
        }
    }
}

impl From<Priority> for wire::Priority {
    fn from(p: Priority) -> Self {
        match p {
            Priority::Low => wire::Priority::Low,
            Priority::Normal => wire::Priority::Normal,
            Priority::High => wire::Priority::High,
            Priority::Urgent => wire::Priority::Urgent,
        }
    }
}

impl From<wire::User> for UserInfo {
    fn from(u: wire::User) -> Self {
        UserInfo {
            id: u.id.to_string(),
            name: u.name,
            email: u.email,
            role: u.role.into(),
            department_id: u.department_id.map(|d| d.to_string()),
            status: u.status.map(Into::into),
        }
    }
}

impl From<wire::FileMeta> for AttachmentItem {
    fn from(f: wire::FileMeta) -> Self {
        AttachmentItem {
            id: f.id.to_string(),
            name: f.name,
            content_type: f.content_type,
            size: f.size,
        }
    }
}

pub fn status_label(s: wire::TicketStatus) -> &'static str {
    match s {
        wire::TicketStatus::Open => "open",
        wire::TicketStatus::InProgress => "in progress",
        wire::TicketStatus::Resolved => "resolved",
        wire::TicketStatus::Closed => "closed",
    }
}

/// A timeline change as one line of text; `name` turns a user or department
/// id into what to show.
pub fn describe(change: &wire::TimelineChange, name: &dyn Fn(uuid::Uuid) -> String) -> String {
    use wire::TimelineChange as C;
    let who = |id: &Option<uuid::Uuid>| id.map_or("nobody".to_string(), name);
    match change {
        C::Created => "opened the ticket".into(),
        C::CreatedFor { customer_id } => format!("opened the ticket for {}", name(*customer_id)),
        C::StatusChanged { from, to } => {
            format!("status: {} → {}", status_label(*from), status_label(*to))
        }
        C::PriorityChanged { from, to } => {
            format!("priority: {} → {}", from.as_str(), to.as_str())
        }
        C::AssigneeChanged { from, to } => format!("assignee: {} → {}", who(from), who(to)),
        C::DepartmentChanged { from, to } => {
            format!("department: {} → {}", name(*from), name(*to))
        }
        C::Call {
            outcome,
            duration_secs,
            ..
        } => match (outcome, duration_secs) {
            (wire::CallOutcome::Completed, Some(secs)) => format!("call: {secs} s"),
            (wire::CallOutcome::Completed, None) => "call".into(),
            (wire::CallOutcome::Declined, _) => "call declined".into(),
            (wire::CallOutcome::Missed, _) => "missed call".into(),
            (wire::CallOutcome::Cancelled, _) => "call cancelled".into(),
        },
        C::Rated {
            score,
            comment: Some(comment),
        } => format!("rated the support {score}/5: “{comment}”"),
        C::Rated {
            score,
            comment: None,
        } => format!("rated the support {score}/5"),
        C::SlaBreached {
            target: wire::SlaKind::FirstResponse,
        } => "missed the first-response target".into(),
        C::SlaBreached {
            target: wire::SlaKind::Resolution,
        } => "missed the resolution target".into(),
    }
}

use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::{Message, Ticket, TimelineEvent, UserSummary};

/// What changed after a cursor, limited to what the caller may see.
///
/// Each list is in change order. A ticket appears in its latest state; a
/// client applies the lists and stores `next_cursor` for the next call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub tickets: Vec<Ticket>,
    pub messages: Vec<Message>,
    pub events: Vec<TimelineEvent>,
    /// Tickets the caller could see and no longer can (transferred to
    /// another department): drop them with their messages and timeline.
    /// Applied after the other lists of the same page.
    #[serde(default)]
    pub removed_tickets: Vec<Uuid>,
    /// The people the page's rows name (customers, assignees, authors,
    /// actors), so a client can show names.
    #[serde(default)]
    pub users: Vec<UserSummary>,
    /// Opaque; pass as `since` next time.
    pub next_cursor: String,
    /// More changes wait beyond `next_cursor`: call again at once.
    pub has_more: bool,
}

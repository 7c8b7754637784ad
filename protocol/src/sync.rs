use serde::{Deserialize, Serialize};

use crate::{Message, Ticket, TimelineEvent};

/// What changed after a cursor, limited to what the caller may see.
///
/// Each list is in change order. A ticket appears in its latest state; a
/// client applies the three lists and stores `next_cursor` for the next call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub tickets: Vec<Ticket>,
    pub messages: Vec<Message>,
    pub events: Vec<TimelineEvent>,
    /// Opaque; pass as `since` next time.
    pub next_cursor: String,
    /// More changes wait beyond `next_cursor`: call again at once.
    pub has_more: bool,
}

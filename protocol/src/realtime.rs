//! Frames on the WebSocket at `GET /v1/ws`: JSON objects tagged by `type`.
//!
//! Everything that changes stored state is also readable through REST and
//! `/v1/sync`, so a client that missed frames (disconnected, or told to
//! `resync`) loses nothing by catching up there.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Call, CallSession, Message, Signal, StaffStatus, Ticket, TimelineEvent};

/// Server → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// The connection is authenticated; events follow.
    Ready { user_id: Uuid },
    /// A ticket was created or changed: its new state.
    Ticket { ticket: Ticket },
    /// A message was posted (internal notes reach staff only).
    Message { message: Message },
    /// An entry was added to a ticket's timeline.
    Timeline { event: TimelineEvent },
    /// The ticket left the receiver's sight (transferred to another
    /// department): drop it, its messages and its timeline. `/v1/sync`
    /// says the same in `removed_tickets`.
    TicketRemoved { ticket_id: Uuid },
    /// Someone is (or stopped) typing in a ticket. Ephemeral.
    Typing {
        ticket_id: Uuid,
        user_id: Uuid,
        typing: bool,
    },
    /// A participant read a ticket up to a message.
    Read { receipt: ReadReceipt },
    /// A colleague switched Active or Off.
    Presence { user_id: Uuid, status: StaffStatus },
    /// A department's canned replies changed (one added, edited or
    /// deleted): staff of the department read them again.
    CannedRepliesChanged { department_id: Uuid },
    /// Someone is calling: show the accept/decline screen. Sent to every
    /// connected device of everyone rung.
    CallRinging {
        session: CallSession,
        caller_name: String,
        ticket_subject: String,
    },
    /// A call changed state (accepted, declined, missed, cancelled, ended).
    /// A device still ringing for a call no longer `ringing`, or answered on
    /// another device, stops ringing.
    CallUpdated { call: Call },
    /// Signalling from the other party of a call (to the answering device).
    CallSignal { call_id: Uuid, signal: Signal },
    /// Frames were dropped (the client was too slow): catch up through
    /// `/v1/sync`. The server closes the connection after this.
    Resync { reason: String },
    /// A frame from the client was not understood or not allowed.
    Error { code: String, message: String },
}

/// Client → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientEvent {
    /// First frame, when the `Authorization` header could not be set.
    Auth { token: String },
    Typing {
        ticket_id: Uuid,
        typing: bool,
        /// Staff writing an internal note: only staff are told, so the
        /// customer cannot see that a note is being written.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        internal: bool,
    },
    /// Marks the ticket read up to this message (persisted).
    Read { ticket_id: Uuid, message_id: Uuid },
    /// Signalling for the other party of a call this device is in.
    CallSignal { call_id: Uuid, signal: Signal },
}

/// How far a participant has read a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadReceipt {
    pub ticket_id: Uuid,
    pub user_id: Uuid,
    pub message_id: Uuid,
    pub read_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub message_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    pub status: StaffStatus,
}

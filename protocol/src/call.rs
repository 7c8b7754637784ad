//! Voice calls on a ticket: placing, ringing, answering, and the signalling
//! (SDP and ICE candidates) the two parties exchange over the WebSocket.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a call is in its life.
///
/// `ringing` → `accepted` | `declined` | `missed` (nobody answered within the
/// ring timeout) | `cancelled` (the caller hung up first); `accepted` →
/// `ended`. Every state but `ringing` and `accepted` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Ringing,
    Accepted,
    Declined,
    Missed,
    Cancelled,
    Ended,
}

impl CallState {
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Accepted => "accepted",
            CallState::Declined => "declined",
            CallState::Missed => "missed",
            CallState::Cancelled => "cancelled",
            CallState::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<CallState> {
        Some(match s {
            "ringing" => CallState::Ringing,
            "accepted" => CallState::Accepted,
            "declined" => CallState::Declined,
            "missed" => CallState::Missed,
            "cancelled" => CallState::Cancelled,
            "ended" => CallState::Ended,
            _ => return None,
        })
    }

    pub fn is_final(self) -> bool {
        !matches!(self, CallState::Ringing | CallState::Accepted)
    }
}

/// A call on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub caller_id: Uuid,
    /// Who answered; `None` until someone does.
    pub callee_id: Option<Uuid>,
    /// Everyone being (or who was) rung: the customer, or the Active staff
    /// who may answer a customer's call.
    pub ringing: Vec<Uuid>,
    pub state: CallState,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl Call {
    /// Seconds between answer and hang-up, for an answered call that ended.
    pub fn duration_secs(&self) -> Option<i64> {
        match (self.accepted_at, self.ended_at) {
            (Some(a), Some(e)) => Some((e - a).num_seconds()),
            _ => None,
        }
    }
}

/// A STUN or TURN server for the peer connection (the WebRTC
/// `RTCIceServer` shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// A call and what a party needs to connect it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallSession {
    pub call: Call,
    /// STUN servers, and TURN servers with credentials valid for a while.
    pub ice_servers: Vec<IceServer>,
    /// For the call screen (in the list of live calls, which a device that
    /// was away reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_subject: Option<String>,
}

/// `POST /v1/calls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaceCall {
    pub ticket_id: Uuid,
    /// Client-chosen id, so a retried request places one call.
    #[serde(default)]
    pub id: Option<Uuid>,
}

/// What the parties of a call exchange to connect it, relayed unchanged by
/// the server between the two devices in the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Signal {
    Offer {
        sdp: String,
    },
    Answer {
        sdp: String,
    },
    /// A trickled ICE candidate, as the browser's `RTCIceCandidateInit`.
    Candidate {
        candidate: String,
        #[serde(default)]
        sdp_mid: Option<String>,
        #[serde(default)]
        sdp_mline_index: Option<u16>,
    },
}

/// How a call ended, as the ticket's timeline records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Answered, then hung up.
    Completed,
    Declined,
    Missed,
    Cancelled,
}

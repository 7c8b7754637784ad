//! The data map of a push notification (FCM `message.data`, which also
//! reaches iOS apps through APNs): what the server sends and the apps parse.
//! FCM requires every value to be a string, so every field is one.

use serde::{Deserialize, Serialize};

/// `POST /v1/devices`: where to send this device's pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterDevice {
    pub platform: DevicePlatform,
    /// The FCM registration token (on iOS too: FCM maps it to APNs), or
    /// the PushKit VoIP token for `ios_voip`.
    pub token: String,
}

/// A registered device, as `POST /v1/devices` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub platform: DevicePlatform,
    pub token: String,
}

/// `POST /v1/devices/{token}/test`: the test push was handed to FCM. The
/// device should receive a push of type `test` with this `push_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestPushSent {
    pub push_id: String,
    /// When FCM accepted it.
    pub sent_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DevicePlatform {
    /// An FCM token of the Android app.
    Android,
    /// An FCM token of the iOS app (FCM delivers to it through APNs).
    Ios,
    /// The iOS app's PushKit VoIP token: incoming calls only, sent through
    /// APNs directly (FCM cannot send VoIP pushes).
    IosVoip,
}

impl DevicePlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            DevicePlatform::Android => "android",
            DevicePlatform::Ios => "ios",
            DevicePlatform::IosVoip => "ios_voip",
        }
    }
}

/// A push's `data`, tagged by `type`. `push_id` is unique per push, so an
/// app can drop a duplicate delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PushData {
    /// Show the full-screen accept/decline call screen.
    IncomingCall {
        push_id: String,
        call_id: String,
        ticket_id: String,
        ticket_number: String,
        ticket_subject: String,
        caller_id: String,
        caller_name: String,
        /// RFC 3339.
        created_at: String,
        /// RFC 3339: the call stops ringing then, so a push that arrives
        /// later must not ring. Absent from servers before it was added.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ring_deadline: Option<String>,
    },
    /// The call was answered elsewhere, declined, cancelled or missed.
    StopRinging {
        push_id: String,
        call_id: String,
        reason: String,
    },
    /// A new message on a ticket (the notification shows its preview).
    Message {
        push_id: String,
        ticket_id: String,
        ticket_number: String,
        message_id: String,
    },
    /// The ticket's status changed (for its customer).
    TicketStatus {
        push_id: String,
        ticket_id: String,
        ticket_number: String,
        status: String,
    },
    /// The ticket was resolved for the first time: the customer is asked,
    /// once, to rate it (tapping opens the ticket, where they rate).
    RatingRequest {
        push_id: String,
        ticket_id: String,
        ticket_number: String,
    },
    /// To the department's supervisors: a ticket missed a service-level
    /// target (`first_response` or `resolution`).
    SlaBreached {
        push_id: String,
        ticket_id: String,
        ticket_number: String,
        target: String,
    },
    /// The push self-test: the app asked the server to send it this, and
    /// measures how long it took to arrive.
    Test {
        push_id: String,
        /// RFC 3339, when the server handed it to FCM.
        sent_at: String,
    },
}

//! Push notifications, as both apps handle them: register this device's
//! FCM token for the signed-in user, and turn a received push's data map
//! into a typed action for the shell (show the incoming-call screen, stop
//! ringing, show a message, open a ticket). Accepting from the call screen
//! is `Client::accept_call` with the action's call id.

use std::collections::HashMap;

use protocol as wire;
use reqwest::Method;
use uuid::Uuid;

use crate::client::{Client, authed};
use crate::error::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushPlatform {
    Android,
    Ios,
}

/// What the shell should do with a push.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PushAction {
    /// Raise the accept/decline screen (Android full-screen intent, iOS
    /// CallKit); accepting calls `accept_call(call_id, …)`.
    IncomingCall {
        push_id: String,
        call_id: String,
        ticket_id: String,
        caller_name: String,
        ticket_subject: String,
    },
    /// Take down the call screen of this call.
    StopRinging {
        push_id: String,
        call_id: String,
        /// `answered_elsewhere`, `declined`, `cancelled` or `missed`.
        reason: String,
    },
    /// A new message: shown by the system as a notification; in the
    /// foreground, the shell may show it in-app.
    ShowMessage {
        push_id: String,
        ticket_id: String,
        message_id: String,
    },
    /// The ticket changed status: tapping opens it.
    OpenTicket {
        push_id: String,
        ticket_id: String,
        status: String,
    },
}

fn checked_id(field: &str, value: String) -> Result<String, CoreError> {
    Uuid::parse_str(&value)
        .map(|id| id.to_string())
        .map_err(|_| CoreError::invalid(format!("push field {field} is not an id: {value:?}")))
}

/// Reads the data map of a push (FCM `RemoteMessage.data` on Android, the
/// APNs payload's custom keys on iOS).
#[uniffi::export]
pub fn parse_push(data: HashMap<String, String>) -> Result<PushAction, CoreError> {
    let object: serde_json::Map<String, serde_json::Value> = data
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let parsed: wire::PushData = serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| CoreError::invalid(format!("not a push of this app: {e}")))?;
    Ok(match parsed {
        wire::PushData::IncomingCall {
            push_id,
            call_id,
            ticket_id,
            ticket_subject,
            caller_name,
            ..
        } => PushAction::IncomingCall {
            push_id,
            call_id: checked_id("call_id", call_id)?,
            ticket_id: checked_id("ticket_id", ticket_id)?,
            caller_name,
            ticket_subject,
        },
        wire::PushData::StopRinging {
            push_id,
            call_id,
            reason,
        } => PushAction::StopRinging {
            push_id,
            call_id: checked_id("call_id", call_id)?,
            reason,
        },
        wire::PushData::Message {
            push_id,
            ticket_id,
            message_id,
            ..
        } => PushAction::ShowMessage {
            push_id,
            ticket_id: checked_id("ticket_id", ticket_id)?,
            message_id: checked_id("message_id", message_id)?,
        },
        wire::PushData::TicketStatus {
            push_id,
            ticket_id,
            status,
            ..
        } => PushAction::OpenTicket {
            push_id,
            ticket_id: checked_id("ticket_id", ticket_id)?,
            status,
        },
    })
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Registers this device's FCM token for the signed-in user (again after
    /// each token refresh; signing out drops it on the server).
    pub async fn register_push_token(
        &self,
        platform: PushPlatform,
        token: String,
    ) -> Result<(), CoreError> {
        let token = token.trim().to_string();
        if token.is_empty() {
            return Err(CoreError::invalid("the push token is empty"));
        }
        let body = wire::RegisterDevice {
            platform: match platform {
                PushPlatform::Android => wire::DevicePlatform::Android,
                PushPlatform::Ios => wire::DevicePlatform::Ios,
            },
            token,
        };
        authed(self.inner().clone(), |inner, session| async move {
            inner
                .api
                .send_empty(Method::POST, "/v1/devices", Some(&session), Some(&body))
                .await
        })
        .await
    }

    /// Stops pushes to this device's token (the user turned them off).
    pub async fn unregister_push_token(&self, token: String) -> Result<(), CoreError> {
        let path = format!("/v1/devices/{}", urlencode(&token));
        authed(self.inner().clone(), |inner, session| async move {
            inner
                .api
                .send_empty(Method::DELETE, &path, Some(&session), None::<&()>)
                .await
        })
        .await
    }
}

/// Percent-encodes a path segment (FCM tokens hold `:` and may hold `/`).
fn urlencode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_incoming_call_push_becomes_the_call_screen_action() {
        let call = Uuid::now_v7().to_string();
        let ticket = Uuid::now_v7().to_string();
        let action = parse_push(map(&[
            ("type", "incoming_call"),
            ("push_id", "p1"),
            ("call_id", &call),
            ("ticket_id", &ticket),
            ("ticket_number", "42"),
            ("ticket_subject", "No sound"),
            ("caller_id", &Uuid::now_v7().to_string()),
            ("caller_name", "Bea"),
            ("created_at", "2026-11-24T15:00:00Z"),
        ]))
        .unwrap();
        assert_eq!(
            action,
            PushAction::IncomingCall {
                push_id: "p1".into(),
                call_id: call,
                ticket_id: ticket,
                caller_name: "Bea".into(),
                ticket_subject: "No sound".into(),
            }
        );
    }

    #[test]
    fn stop_ringing_message_and_status_pushes_parse() {
        let id = Uuid::now_v7().to_string();
        let stop = parse_push(map(&[
            ("type", "stop_ringing"),
            ("push_id", "p2"),
            ("call_id", &id),
            ("reason", "answered_elsewhere"),
        ]));
        assert!(
            matches!(stop, Ok(PushAction::StopRinging { reason, .. }) if reason == "answered_elsewhere")
        );
        let message = parse_push(map(&[
            ("type", "message"),
            ("push_id", "p3"),
            ("ticket_id", &id),
            ("ticket_number", "7"),
            ("message_id", &id),
        ]));
        assert!(matches!(message, Ok(PushAction::ShowMessage { .. })));
        let status = parse_push(map(&[
            ("type", "ticket_status"),
            ("push_id", "p4"),
            ("ticket_id", &id),
            ("ticket_number", "7"),
            ("status", "resolved"),
        ]));
        assert!(
            matches!(status, Ok(PushAction::OpenTicket { status, .. }) if status == "resolved")
        );
    }

    #[test]
    fn foreign_or_broken_pushes_are_typed_errors() {
        for data in [
            map(&[]),
            map(&[("type", "promo")]),
            map(&[("type", "stop_ringing"), ("push_id", "p"), ("reason", "x")]),
            map(&[
                ("type", "stop_ringing"),
                ("push_id", "p"),
                ("call_id", "not-an-id"),
                ("reason", "x"),
            ]),
        ] {
            assert!(
                matches!(parse_push(data.clone()), Err(CoreError::Invalid { .. })),
                "{data:?}"
            );
        }
    }

    #[test]
    fn tokens_are_escaped_in_paths() {
        assert_eq!(urlencode("ab:c/d"), "ab%3Ac%2Fd");
    }
}

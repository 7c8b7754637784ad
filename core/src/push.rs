//! Push notifications, as both apps handle them: register this device's
//! FCM token for the signed-in user, and turn a received push's data map
//! into a typed action for the shell (show the incoming-call screen, stop
//! ringing, show a message, open a ticket). Accepting from the call screen
//! is `Client::accept_call` with the action's call id.

use std::collections::HashMap;

use protocol as wire;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::api::{check, network_error};
use crate::client::{Client, authed};
use crate::error::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushPlatform {
    Android,
    Ios,
    /// The PushKit VoIP token of an iPhone (incoming calls only).
    IosVoip,
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
        /// When the call stops ringing (Unix milliseconds): a push that
        /// arrives after it must not ring. `None` from older servers.
        ring_deadline_ms: Option<i64>,
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
    /// The ticket was resolved: the customer is asked (once) to rate it;
    /// tapping opens the ticket, where they rate.
    AskRating { push_id: String, ticket_id: String },
    /// To a supervisor: the ticket missed a service-level target
    /// (`first_response` or `resolution`); tapping opens it.
    SlaBreach {
        push_id: String,
        ticket_id: String,
        ticket_number: i64,
        target: String,
    },
    /// The push self-test's push arrived (see `Client::send_test_push`).
    Test {
        push_id: String,
        /// When the server handed it to FCM (Unix milliseconds).
        sent_at_ms: i64,
    },
}

/// What the server answered when asked for a test push: sent, or the step
/// that failed, for the app's push self-test to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TestPushOutcome {
    /// FCM accepted it; a `PushAction::Test` with this `push_id` should
    /// arrive shortly.
    Sent { push_id: String, sent_at_ms: i64 },
    /// The server does not know this token for this account (it was never
    /// registered, or was dropped).
    NotRegistered { message: String },
    /// The server has no FCM credentials configured.
    PushDisabled { message: String },
    /// FCM says the token is no longer valid (the server forgot it).
    TokenRejected { message: String },
    /// FCM refused or could not take the push: the server's credentials, a
    /// quota, or an outage; the message says which.
    FcmFailed { code: String, message: String },
}

fn rfc3339_ms(field: &str, value: &str) -> Result<i64, CoreError> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.timestamp_millis())
        .map_err(|_| CoreError::invalid(format!("push field {field} is not a time: {value:?}")))
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
            ring_deadline,
            ..
        } => PushAction::IncomingCall {
            push_id,
            call_id: checked_id("call_id", call_id)?,
            ticket_id: checked_id("ticket_id", ticket_id)?,
            caller_name,
            ticket_subject,
            ring_deadline_ms: ring_deadline
                .map(|t| rfc3339_ms("ring_deadline", &t))
                .transpose()?,
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
        wire::PushData::RatingRequest {
            push_id, ticket_id, ..
        } => PushAction::AskRating {
            push_id,
            ticket_id: checked_id("ticket_id", ticket_id)?,
        },
        wire::PushData::SlaBreached {
            push_id,
            ticket_id,
            ticket_number,
            target,
        } => PushAction::SlaBreach {
            push_id,
            ticket_id: checked_id("ticket_id", ticket_id)?,
            ticket_number: ticket_number
                .parse()
                .map_err(|_| CoreError::invalid(format!("ticket_number {ticket_number:?}")))?,
            target,
        },
        wire::PushData::Test { push_id, sent_at } => PushAction::Test {
            push_id,
            sent_at_ms: rfc3339_ms("sent_at", &sent_at)?,
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
                PushPlatform::IosVoip => wire::DevicePlatform::IosVoip,
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

    /// The push self-test: asks the server to send a test push to this
    /// device's (registered) token at once. `Sent` means FCM accepted it; the
    /// app then waits for `PushAction::Test` with the same `push_id`.
    /// Offline and sign-in problems are errors, as elsewhere.
    pub async fn send_test_push(&self, token: String) -> Result<TestPushOutcome, CoreError> {
        let path = format!("/v1/devices/{}/test", urlencode(token.trim()));
        authed(self.inner().clone(), |inner, session| async move {
            let response = inner
                .api
                .http()
                .post(inner.api.url(&path))
                .bearer_auth(session)
                .send()
                .await
                .map_err(network_error)?;
            let status = response.status();
            if status.is_success() {
                let sent: wire::TestPushSent =
                    response.json().await.map_err(|e| CoreError::Server {
                        message: format!("unreadable answer: {e}"),
                    })?;
                return Ok(TestPushOutcome::Sent {
                    push_id: sent.push_id,
                    sent_at_ms: sent.sent_at.timestamp_millis(),
                });
            }
            if !matches!(
                status,
                StatusCode::NOT_FOUND | StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE
            ) {
                return Err(check(response).await.err().unwrap_or(CoreError::Server {
                    message: status.to_string(),
                }));
            }
            let error = response
                .json::<wire::ErrorBody>()
                .await
                .map(|body| body.error)
                .unwrap_or_else(|_| wire::ErrorDetail {
                    code: String::new(),
                    message: status.to_string(),
                });
            Ok(match (status, error.code.as_str()) {
                (StatusCode::NOT_FOUND, _) => TestPushOutcome::NotRegistered {
                    message: error.message,
                },
                (StatusCode::SERVICE_UNAVAILABLE, _) => TestPushOutcome::PushDisabled {
                    message: error.message,
                },
                (_, "push_token_unregistered") => TestPushOutcome::TokenRejected {
                    message: error.message,
                },
                _ => TestPushOutcome::FcmFailed {
                    code: error.code,
                    message: error.message,
                },
            })
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
pub(crate) fn urlencode(segment: &str) -> String {
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
                ring_deadline_ms: None,
            }
        );
    }

    #[test]
    fn the_ring_deadline_and_the_test_push_carry_their_times() {
        let id = Uuid::now_v7().to_string();
        let call = parse_push(map(&[
            ("type", "incoming_call"),
            ("push_id", "p1"),
            ("call_id", &id),
            ("ticket_id", &id),
            ("ticket_number", "42"),
            ("ticket_subject", "No sound"),
            ("caller_id", &id),
            ("caller_name", "Bea"),
            ("created_at", "2026-11-24T15:00:00Z"),
            ("ring_deadline", "2026-11-24T15:00:30Z"),
        ]));
        assert!(matches!(
            call,
            Ok(PushAction::IncomingCall {
                ring_deadline_ms: Some(1_795_532_430_000),
                ..
            })
        ));
        let test = parse_push(map(&[
            ("type", "test"),
            ("push_id", "p9"),
            ("sent_at", "2026-11-24T15:00:00.250Z"),
        ]));
        assert_eq!(
            test.unwrap(),
            PushAction::Test {
                push_id: "p9".into(),
                sent_at_ms: 1_795_532_400_250,
            }
        );
        let broken = parse_push(map(&[
            ("type", "test"),
            ("push_id", "p"),
            ("sent_at", "soon"),
        ]));
        assert!(matches!(broken, Err(CoreError::Invalid { .. })));
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
        let ask = parse_push(map(&[
            ("type", "rating_request"),
            ("push_id", "p5"),
            ("ticket_id", &id),
            ("ticket_number", "7"),
        ]));
        assert!(matches!(ask, Ok(PushAction::AskRating { ticket_id, .. }) if ticket_id == id));
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

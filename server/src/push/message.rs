//! What each push says: FCM HTTP v1 message objects, without the `token`
//! (the worker adds it). Every data value is a string, as FCM requires, and
//! every message carries its `push_id` so a duplicate can be recognised.

use chrono::{DateTime, Utc};
use protocol::{Call, Message, PushData, SlaKind, Ticket, TicketStatus};
use serde_json::{Value, json};
use uuid::Uuid;

/// The `data` map of a push, from the wire type the apps parse.
fn data(push: PushData) -> Value {
    serde_json::to_value(push).expect("push data serialises")
}

/// The APNs category whose actions (Accept, Decline) the iOS app registers.
pub const INCOMING_CALL_CATEGORY: &str = "INCOMING_CALL";
/// The notification body shows at most this many characters of a message.
pub const PREVIEW_CHARS: usize = 120;

/// The data of an incoming-call push, whichever service carries it.
fn incoming_call_data(
    push_id: Uuid,
    call: &Call,
    caller_name: &str,
    ticket: &Ticket,
    ring_deadline: DateTime<Utc>,
) -> Value {
    data(PushData::IncomingCall {
        push_id: push_id.to_string(),
        call_id: call.id.to_string(),
        ticket_id: ticket.id.to_string(),
        ticket_number: ticket.number.to_string(),
        ticket_subject: ticket.subject.clone(),
        caller_id: call.caller_id.to_string(),
        caller_name: caller_name.to_string(),
        created_at: call.created_at.to_rfc3339(),
        ring_deadline: Some(ring_deadline.to_rfc3339()),
    })
}

/// A data message that raises the full-screen call screen: high priority,
/// and pointless after the ring timeout.
pub fn incoming_call(
    push_id: Uuid,
    call: &Call,
    caller_name: &str,
    ticket: &Ticket,
    ring_timeout_secs: u64,
    ring_deadline: DateTime<Utc>,
) -> Value {
    json!({
        "data": incoming_call_data(push_id, call, caller_name, ticket, ring_deadline),
        "android": {"priority": "HIGH", "ttl": format!("{ring_timeout_secs}s")},
        "apns": {
            "headers": {
                "apns-priority": "10",
                "apns-push-type": "alert",
                "apns-expiration": ring_deadline.timestamp().to_string(),
                "apns-collapse-id": call.id.to_string(),
            },
            "payload": {"aps": {
                "alert": {"title": caller_name, "body": format!("Incoming call: {}", ticket.subject)},
                "category": INCOMING_CALL_CATEGORY,
                "sound": "default",
                "interruption-level": "time-sensitive",
            }},
        },
    })
}

/// The same call as a PushKit VoIP push through APNs: the data at the top
/// of the payload, where the app reads `dictionaryPayload`, beside an empty
/// `aps`. iOS makes the app report it to CallKit at once, so it is only ever
/// sent for a call that rings; it expires at the ring deadline.
pub fn voip_incoming_call(
    push_id: Uuid,
    call: &Call,
    caller_name: &str,
    ticket: &Ticket,
    ring_deadline: DateTime<Utc>,
) -> Value {
    let data = incoming_call_data(push_id, call, caller_name, ticket, ring_deadline);
    voip(push_id, data, ring_deadline)
}

/// The push self-test for a VoIP token. The app must report it to CallKit
/// too (it shows as a call from "Notification check" and ends at once).
pub fn voip_test(push_id: Uuid, sent_at: DateTime<Utc>) -> Value {
    let data = data(PushData::Test {
        push_id: push_id.to_string(),
        sent_at: sent_at.to_rfc3339(),
    });
    voip(push_id, data, sent_at + chrono::Duration::seconds(60))
}

/// An APNs request for PushKit: push type voip, priority 10 (delivered at
/// once), the push id as `apns-id`; the sender adds the `.voip` topic.
fn voip(push_id: Uuid, data: Value, expires: DateTime<Utc>) -> Value {
    let mut payload = data;
    payload["aps"] = json!({});
    json!({
        "headers": {
            "apns-push-type": "voip",
            "apns-priority": "10",
            "apns-expiration": expires.timestamp().to_string(),
            "apns-id": push_id.to_string(),
        },
        "payload": payload,
    })
}

/// Tells a device that was rung to stop: a silent, background message.
pub fn stop_ringing(push_id: Uuid, call_id: Uuid, reason: &str, ttl_secs: u64) -> Value {
    json!({
        "data": data(PushData::StopRinging {
            push_id: push_id.to_string(),
            call_id: call_id.to_string(),
            reason: reason.to_string(),
        }),
        "android": {"priority": "HIGH", "ttl": format!("{ttl_secs}s")},
        "apns": {
            "headers": {"apns-priority": "5", "apns-push-type": "background"},
            "payload": {"aps": {"content-available": 1}},
        },
    })
}

/// The push self-test's message: data only and high priority, as an
/// incoming call is, so it travels the path a call's push takes; pointless
/// after a minute.
pub fn test(push_id: Uuid, sent_at: DateTime<Utc>) -> Value {
    json!({
        "data": data(PushData::Test {
            push_id: push_id.to_string(),
            sent_at: sent_at.to_rfc3339(),
        }),
        "android": {"priority": "HIGH", "ttl": "60s"},
        "apns": {
            "headers": {"apns-priority": "5", "apns-push-type": "background"},
            "payload": {"aps": {"content-available": 1}},
        },
    })
}

/// Why a call stopped ringing someone, as the app is told.
pub fn stop_reason(call: &Call) -> &'static str {
    match call.state {
        protocol::CallState::Accepted | protocol::CallState::Ended => "answered_elsewhere",
        protocol::CallState::Declined => "declined",
        protocol::CallState::Cancelled => "cancelled",
        protocol::CallState::Missed => "missed",
        // Still ringing others: this person declined.
        protocol::CallState::Ringing => "declined",
    }
}

/// The Android notification channel of chat and ticket notifications (the
/// app creates it; FCM posts to it while the app is in the background).
pub const MESSAGES_CHANNEL: &str = "messages";

/// A visible notification about a ticket, collapsed per ticket: a newer one
/// replaces the older on the device (`tag` on Android, `apns-collapse-id`
/// and `thread-id` on iOS).
fn ticket_notification(ticket: &Ticket, body: &str, data: Value) -> Value {
    let collapse = ticket.id.to_string();
    json!({
        "notification": {"title": ticket.subject, "body": body},
        "data": data,
        "android": {
            "priority": "HIGH",
            "collapse_key": collapse,
            "notification": {"tag": collapse, "channel_id": MESSAGES_CHANNEL},
        },
        "apns": {
            "headers": {
                "apns-priority": "10",
                "apns-push-type": "alert",
                "apns-collapse-id": collapse,
            },
            "payload": {"aps": {"sound": "default", "thread-id": collapse}},
        },
    })
}

pub fn new_message(push_id: Uuid, ticket: &Ticket, message: &Message) -> Value {
    let data = self::data(PushData::Message {
        push_id: push_id.to_string(),
        ticket_id: ticket.id.to_string(),
        ticket_number: ticket.number.to_string(),
        message_id: message.id.to_string(),
    });
    ticket_notification(ticket, &preview(message), data)
}

pub fn status_changed(push_id: Uuid, ticket: &Ticket, to: TicketStatus) -> Value {
    let label = match to {
        TicketStatus::Open => "reopened",
        TicketStatus::InProgress => "in progress",
        TicketStatus::Resolved => "resolved",
        TicketStatus::Closed => "closed",
    };
    let data = self::data(PushData::TicketStatus {
        push_id: push_id.to_string(),
        ticket_id: ticket.id.to_string(),
        ticket_number: ticket.number.to_string(),
        status: to.as_str().to_string(),
    });
    ticket_notification(ticket, &format!("Your ticket is {label}"), data)
}

/// The status push of a ticket's first resolution, which asks the customer
/// to rate it (once; the app shows where, on the ticket).
pub fn rating_request(push_id: Uuid, ticket: &Ticket, to: TicketStatus) -> Value {
    let label = if to == TicketStatus::Closed {
        "closed"
    } else {
        "resolved"
    };
    let data = self::data(PushData::RatingRequest {
        push_id: push_id.to_string(),
        ticket_id: ticket.id.to_string(),
        ticket_number: ticket.number.to_string(),
    });
    ticket_notification(
        ticket,
        &format!("Your ticket is {label}. How did we do? Tap to rate us."),
        data,
    )
}

/// To a supervisor: one of their department's tickets missed a target.
pub fn sla_breached(push_id: Uuid, ticket: &Ticket, target: SlaKind) -> Value {
    let data = self::data(PushData::SlaBreached {
        push_id: push_id.to_string(),
        ticket_id: ticket.id.to_string(),
        ticket_number: ticket.number.to_string(),
        target: target.as_str().to_string(),
    });
    let missed = match target {
        SlaKind::FirstResponse => "first-response",
        SlaKind::Resolution => "resolution",
    };
    ticket_notification(
        ticket,
        &format!("Ticket #{} missed its {missed} target.", ticket.number),
        data,
    )
}

/// The start of a message, on one line.
pub fn preview(message: &Message) -> String {
    let text = message
        .body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return match message.attachments.len() {
            0 => String::new(),
            1 => "Sent an attachment".into(),
            n => format!("Sent {n} attachments"),
        };
    }
    if text.chars().count() <= PREVIEW_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(PREVIEW_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> Message {
        Message {
            id: Uuid::now_v7(),
            ticket_id: Uuid::now_v7(),
            author_id: Uuid::now_v7(),
            body: body.into(),
            internal: false,
            attachments: vec![],
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview(&message("hello\n  there")), "hello there");
        let long = preview(&message(&"x".repeat(500)));
        assert_eq!(long.chars().count(), PREVIEW_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn a_voip_push_carries_the_call_beside_an_empty_aps() {
        let id = Uuid::now_v7();
        let push = voip_test(id, chrono::Utc::now());
        assert_eq!(push["headers"]["apns-push-type"], "voip");
        assert_eq!(push["headers"]["apns-id"], id.to_string());
        assert_eq!(push["payload"]["aps"], json!({}));
        assert_eq!(push["payload"]["type"], "test");
        assert_eq!(push["payload"]["push_id"], id.to_string());
    }

    #[test]
    fn data_values_are_all_strings() {
        let push = stop_ringing(Uuid::now_v7(), Uuid::now_v7(), "missed", 30);
        for (key, value) in push["data"].as_object().unwrap() {
            assert!(value.is_string(), "{key}");
        }
        assert_eq!(push["android"]["ttl"], "30s");
    }
}

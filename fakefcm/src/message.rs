//! `POST /v1/projects/{project}/messages:send`: the bearer token must be one
//! the token endpoint issued; the message must have FCM HTTP v1's shape
//! (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::{Failure, PROJECT_ID, Received, Refused, Shared, fcm_error};

const MESSAGE_FIELDS: &[&str] = &[
    "name",
    "data",
    "notification",
    "android",
    "webpush",
    "apns",
    "fcm_options",
    "token",
    "topic",
    "condition",
];
const ANDROID_FIELDS: &[&str] = &[
    "collapse_key",
    "priority",
    "ttl",
    "restricted_package_name",
    "data",
    "notification",
    "fcm_options",
    "direct_boot_ok",
];
/// `AndroidNotification` (a subset: the fields of its reference page that a
/// server is likely to send).
const ANDROID_NOTIFICATION_FIELDS: &[&str] = &[
    "title",
    "body",
    "icon",
    "color",
    "sound",
    "tag",
    "click_action",
    "channel_id",
    "ticker",
    "sticky",
    "event_time",
    "local_only",
    "notification_priority",
    "default_sound",
    "visibility",
    "notification_count",
    "image",
];
const APNS_FIELDS: &[&str] = &["headers", "payload", "fcm_options", "live_activity_token"];
const NOTIFICATION_FIELDS: &[&str] = &["title", "body", "image"];

pub(crate) async fn send(
    State(shared): State<Arc<Shared>>,
    Path((project, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived = Instant::now();
    *shared.send_requests.lock().unwrap() += 1;
    if method != "messages:send" {
        return answer(404, fcm_error(404, "NOT_FOUND", None, "no such method"));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let authorised = bearer.is_some_and(|t| shared.issued.lock().unwrap().contains(t));
    if !authorised {
        let body = fcm_error(
            401,
            "UNAUTHENTICATED",
            None,
            "Request had invalid authentication credentials.",
        );
        return answer(401, body);
    }
    if project != PROJECT_ID {
        let body = fcm_error(
            403,
            "PERMISSION_DENIED",
            Some("SENDER_ID_MISMATCH"),
            "wrong project",
        );
        return answer(403, body);
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return invalid(&shared, Value::Null, &format!("Invalid JSON payload: {e}")),
    };
    let message = request.get("message").cloned().unwrap_or(Value::Null);
    if let Err(reason) = check_request(&request) {
        return invalid(&shared, message, &reason);
    }

    let (delay, failure, unregistered) = {
        let mut script = shared.script.lock().unwrap();
        let token = message["token"].as_str().unwrap_or_default();
        (
            script.delay,
            script.failures.pop_front(),
            script.unregistered.contains(token),
        )
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(failure) = failure {
        let (status, body, retry_after) = match failure {
            Failure::ServerError => (
                500,
                fcm_error(500, "INTERNAL", Some("INTERNAL"), "Internal error."),
                None,
            ),
            Failure::Unavailable { retry_after_secs } => (
                503,
                fcm_error(503, "UNAVAILABLE", Some("UNAVAILABLE"), "Unavailable."),
                Some(retry_after_secs),
            ),
            Failure::QuotaExceeded { retry_after_secs } => (
                429,
                fcm_error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    Some("QUOTA_EXCEEDED"),
                    "Quota exceeded.",
                ),
                Some(retry_after_secs),
            ),
        };
        shared.record_refused(Refused {
            status,
            body: body.clone(),
            message,
        });
        let mut response = answer(status, body);
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.to_string().parse().unwrap());
        }
        return response;
    }
    if unregistered {
        let body = fcm_error(
            404,
            "NOT_FOUND",
            Some("UNREGISTERED"),
            "Requested entity was not found.",
        );
        shared.record_refused(Refused {
            status: 404,
            body: body.clone(),
            message,
        });
        return answer(404, body);
    }
    let name = format!("projects/{PROJECT_ID}/messages/{}", uuid::Uuid::new_v4());
    shared.record_accepted(Received { message, arrived });
    answer(200, json!({ "name": name }))
}

fn answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

fn invalid(shared: &Shared, message: Value, reason: &str) -> Response {
    let body = fcm_error(400, "INVALID_ARGUMENT", Some("INVALID_ARGUMENT"), reason);
    shared.record_refused(Refused {
        status: 400,
        body: body.clone(),
        message,
    });
    answer(400, body)
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("Invalid value at '{what}': expected an object"))
}

fn only_fields(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(format!(
            "Invalid JSON payload received. Unknown name \"{unknown}\" at '{what}': Cannot find field."
        )),
        None => Ok(()),
    }
}

fn string_map(value: &Value, what: &str) -> Result<(), String> {
    for (key, v) in object(value, what)? {
        if !v.is_string() {
            return Err(format!(
                "Invalid value at '{what}[{key}]': expected a string"
            ));
        }
    }
    Ok(())
}

fn strings(map: &Map<String, Value>, what: &str) -> Result<(), String> {
    for (key, v) in map {
        if !v.is_string() {
            return Err(format!(
                "Invalid value at '{what}.{key}': expected a string"
            ));
        }
    }
    Ok(())
}

/// The checks FCM makes that a sender can get wrong.
pub(crate) fn check_request(request: &Value) -> Result<(), String> {
    let request = object(request, "request")?;
    only_fields(request, &["message", "validate_only"], "request")?;
    let message = object(
        request
            .get("message")
            .ok_or("Invalid value: message is required")?,
        "message",
    )?;
    only_fields(message, MESSAGE_FIELDS, "message")?;
    let targets = ["token", "topic", "condition"]
        .iter()
        .filter(|t| message.contains_key(**t))
        .count();
    if targets != 1 {
        return Err("Exactly one of token, topic or condition must be specified".into());
    }
    for target in ["token", "topic", "condition"] {
        if let Some(v) = message.get(target)
            && v.as_str().is_none_or(str::is_empty)
        {
            return Err(format!("Invalid value at 'message.{target}'"));
        }
    }
    if let Some(data) = message.get("data") {
        string_map(data, "message.data")?;
        for key in object(data, "message.data")?.keys() {
            let reserved = ["from", "notification", "message_type"].contains(&key.as_str())
                || key.starts_with("google.")
                || key.starts_with("gcm.");
            if reserved {
                return Err(format!("Invalid data payload key: {key}"));
            }
        }
    }
    if let Some(notification) = message.get("notification") {
        let n = object(notification, "message.notification")?;
        only_fields(n, NOTIFICATION_FIELDS, "message.notification")?;
        strings(n, "message.notification")?;
    }
    if let Some(android) = message.get("android") {
        let a = object(android, "message.android")?;
        only_fields(a, ANDROID_FIELDS, "message.android")?;
        if let Some(p) = a.get("priority")
            && !matches!(p.as_str(), Some("HIGH" | "NORMAL"))
        {
            return Err(format!("Invalid value at 'message.android.priority': {p}"));
        }
        if let Some(ttl) = a.get("ttl")
            && !ttl.as_str().is_some_and(is_duration)
        {
            return Err(format!("Invalid value at 'message.android.ttl': {ttl}"));
        }
        if let Some(key) = a.get("collapse_key")
            && !key.is_string()
        {
            return Err("Invalid value at 'message.android.collapse_key'".into());
        }
        if let Some(data) = a.get("data") {
            string_map(data, "message.android.data")?;
        }
        if let Some(notification) = a.get("notification") {
            let n = object(notification, "message.android.notification")?;
            only_fields(
                n,
                ANDROID_NOTIFICATION_FIELDS,
                "message.android.notification",
            )?;
            for key in [
                "title",
                "body",
                "tag",
                "channel_id",
                "click_action",
                "sound",
            ] {
                if n.get(key).is_some_and(|v| !v.is_string()) {
                    return Err(format!(
                        "Invalid value at 'message.android.notification.{key}'"
                    ));
                }
            }
        }
    }
    if let Some(apns) = message.get("apns") {
        let a = object(apns, "message.apns")?;
        only_fields(a, APNS_FIELDS, "message.apns")?;
        if let Some(headers) = a.get("headers") {
            string_map(headers, "message.apns.headers")?;
            if let Some(p) = headers.get("apns-priority")
                && !matches!(p.as_str(), Some("5" | "10" | "1"))
            {
                return Err(format!("Invalid apns-priority {p}"));
            }
        }
        if let Some(payload) = a.get("payload") {
            let p = object(payload, "message.apns.payload")?;
            if let Some(aps) = p.get("aps") {
                object(aps, "message.apns.payload.aps")?;
            }
        }
    }
    Ok(())
}

/// A protobuf JSON duration: seconds with up to nine decimals and an `s`.
fn is_duration(text: &str) -> bool {
    let Some(number) = text.strip_suffix('s') else {
        return false;
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.len() <= 9
        && fraction.chars().all(|c| c.is_ascii_digit())
        && !(number.contains('.') && fraction.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(message: Value) -> Result<(), String> {
        check_request(&json!({ "message": message }))
    }

    #[test]
    fn the_shape_is_checked_like_fcm() {
        assert!(with(json!({"token": "t", "data": {"a": "1"}})).is_ok());
        assert!(with(json!({"data": {"a": "1"}})).is_err(), "no target");
        assert!(
            with(json!({"token": "t", "topic": "x"})).is_err(),
            "two targets"
        );
        assert!(
            with(json!({"token": "t", "data": {"a": 1}})).is_err(),
            "number in data"
        );
        assert!(
            with(json!({"token": "t", "data": {"from": "x"}})).is_err(),
            "reserved key"
        );
        assert!(
            with(json!({"token": "t", "priority": "high"})).is_err(),
            "unknown field"
        );
        assert!(with(json!({"token": "t", "android": {"priority": "high"}})).is_err());
        assert!(with(json!({"token": "t", "android": {"priority": "HIGH", "ttl": "30s"}})).is_ok());
        assert!(with(json!({"token": "t", "android": {"ttl": "30"}})).is_err());
        assert!(with(json!({"token": "t", "android": {"ttl": 30}})).is_err());
        assert!(with(json!({"token": "t", "apns": {"headers": {"apns-priority": 10}}})).is_err());
        assert!(with(json!({"token": "t", "apns": {"headers": {"apns-priority": "10"}}})).is_ok());
        assert!(check_request(&json!({"message": {"token": "t"}, "extra": 1})).is_err());
        let android_notification =
            |n: Value| with(json!({"token": "t", "android": {"notification": n}}));
        assert!(android_notification(json!({"tag": "t1", "channel_id": "messages"})).is_ok());
        assert!(
            android_notification(json!({"tag": 1})).is_err(),
            "tag is a string"
        );
        assert!(
            android_notification(json!({"collapse": "x"})).is_err(),
            "unknown field"
        );
    }

    #[test]
    fn durations_follow_protobuf_json() {
        for ok in ["30s", "0s", "1.5s", "3.000000001s"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["30", "s", "-1s", "1.s", "1.0000000001s", "1m"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }
}

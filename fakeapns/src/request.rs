//! The checks APNs makes of a notification request once the provider token
//! passed: the device token, the `apns-*` headers and the payload
//! (developer.apple.com, "Sending notification requests to APNs" and
//! "Handling notification responses from APNs"). Each refusal is Apple's
//! status and `reason`.

use hyper::HeaderMap;
use serde_json::Value;

/// An HTTP status and Apple's `reason` string.
pub(crate) type Refusal = (u16, &'static str);

/// The push types Apple documents for `apns-push-type` (`widgets` since
/// iOS 26), each with the suffix its `apns-topic` must add to the bundle
/// id; the rest use the bare bundle id.
pub const PUSH_TYPES: &[(&str, &str)] = &[
    ("alert", ""),
    ("background", ""),
    ("voip", ".voip"),
    ("complication", ".complication"),
    ("fileprovider", ".pushkit.fileprovider"),
    ("mdm", ""),
    ("location", ".location-query"),
    ("liveactivity", ".push-type.liveactivity"),
    ("pushtotalk", ".voip-ptt"),
    ("widgets", ".push-type.widgets"),
];
/// Payload limit of a VoIP push, in bytes.
pub const VOIP_PAYLOAD_LIMIT: usize = 5120;
/// Payload limit of every other push, in bytes.
pub const PAYLOAD_LIMIT: usize = 4096;
/// `apns-collapse-id` may not exceed 64 bytes.
const COLLAPSE_ID_LIMIT: usize = 64;

/// A request that passed every check.
pub(crate) struct Checked {
    pub payload: Value,
    pub already_expired: bool,
}

/// The device token of the `:path`: hex, as the iPhone gave it to the app
/// (32 bytes, 64 characters, today; any whole number of bytes from 16 up).
pub(crate) fn check_device_token(token: &str) -> Result<(), Refusal> {
    if token.is_empty() {
        return Err((400, "MissingDeviceToken"));
    }
    let hex = token.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex || token.len() < 32 || !token.len().is_multiple_of(2) {
        return Err((400, "BadDeviceToken"));
    }
    Ok(())
}

/// The headers and body, in the order a client's mistakes are most
/// usefully reported.
pub(crate) fn check(
    bundle_id: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Checked, Refusal> {
    let repeated = headers.keys().any(|name| {
        let apns = name.as_str().starts_with("apns-") || name == hyper::header::AUTHORIZATION;
        apns && headers.get_all(name).iter().count() > 1
    });
    if repeated {
        return Err((400, "DuplicateHeaders"));
    }
    // A value that is not visible ASCII is as bad as a malformed one.
    let header = |name: &str, bad: &'static str| match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(Some).map_err(|_| (400, bad)),
    };

    // Token authentication has no certificate to take a default topic from.
    let topic = header("apns-topic", "BadTopic")?.ok_or((400, "MissingTopic"))?;
    // The only topics this team's token may push to are the app's own; a
    // real APNs would say DeviceTokenNotForTopic or TopicDisallowed for
    // another app's, but the fake knows one app, so any other is BadTopic.
    let topic_suffix = topic
        .strip_prefix(bundle_id)
        .filter(|suffix| PUSH_TYPES.iter().any(|(_, s)| s == suffix))
        .ok_or((400, "BadTopic"))?;
    // Apple tolerates a missing push type on iOS; the fake does not, since
    // a VoIP push without it is a client bug.
    let push_type = header("apns-push-type", "InvalidPushType")?;
    let (push_type, type_suffix) = PUSH_TYPES
        .iter()
        .find(|(name, _)| Some(*name) == push_type)
        .copied()
        .ok_or((400, "InvalidPushType"))?;
    // Apple ties push types to topics: "voip must use the bundle ID with
    // .voip appended". A VoIP push to the bare bundle id names a topic the
    // PushKit token does not belong to, so APNs answers that the token is
    // not for the topic; an alert to the `.voip` topic is a push type the
    // topic never takes, so the push type is what is invalid.
    if type_suffix != topic_suffix {
        return Err(if type_suffix.is_empty() {
            (400, "InvalidPushType")
        } else {
            (400, "DeviceTokenNotForTopic")
        });
    }

    let priority = header("apns-priority", "BadPriority")?;
    if priority.is_some_and(|p| !matches!(p, "10" | "5" | "1")) {
        return Err((400, "BadPriority"));
    }
    // A background push must be priority 5; priority 10 is an error.
    if push_type == "background" && priority == Some("10") {
        return Err((400, "BadPriority"));
    }
    let already_expired = match header("apns-expiration", "BadExpirationDate")? {
        None => false,
        Some(value) => {
            let at = unsigned(value).ok_or((400, "BadExpirationDate"))?;
            // 0 means "deliver now or never"; a past date means never.
            at != 0 && (at as i64) < now
        }
    };
    if header("apns-id", "BadMessageId")?.is_some_and(|id| !is_canonical_uuid(id)) {
        return Err((400, "BadMessageId"));
    }
    if header("apns-collapse-id", "BadCollapseId")?.is_some_and(|c| c.len() > COLLAPSE_ID_LIMIT) {
        return Err((400, "BadCollapseId"));
    }

    if body.is_empty() {
        return Err((400, "PayloadEmpty"));
    }
    let limit = if push_type == "voip" {
        VOIP_PAYLOAD_LIMIT
    } else {
        PAYLOAD_LIMIT
    };
    if body.len() > limit {
        return Err((413, "PayloadTooLarge"));
    }
    // Apple's generic reason for a body that is not a JSON dictionary
    // with an `aps` dictionary.
    let payload: Value = serde_json::from_slice(body).map_err(|_| (400, "BadRequest"))?;
    if !payload.get("aps").is_some_and(Value::is_object) {
        return Err((400, "BadRequest"));
    }
    Ok(Checked {
        payload,
        already_expired,
    })
}

/// Decimal digits only: no sign, no spaces, no fraction.
fn unsigned(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten()
}

/// `8-4-4-4-12` hex digits, as Apple requires of `apns-id`.
pub(crate) fn is_canonical_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

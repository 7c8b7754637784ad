//! Canned replies: a department's ready-made answers, managed by its
//! supervisors (admins everywhere), picked by title from the composer and
//! filled in for the ticket at hand before staff edit and send them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The placeholders a canned reply's body may hold, each filled in by the
/// client from the ticket it is inserted into.
pub const PLACEHOLDERS: [&str; 3] = ["customer_name", "ticket_number", "agent_name"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedReply {
    pub id: Uuid,
    pub department_id: Uuid,
    pub title: String,
    /// May hold `{customer_name}`, `{ticket_number}` and `{agent_name}`.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCannedReply {
    /// Admins name the department; a supervisor's is their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<Uuid>,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCannedReply {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A piece of a canned reply's body: text as written, or a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyPart<'a> {
    Text(&'a str),
    /// `{name}` where `name` is lower-case letters and underscores: a known
    /// placeholder or a misspelt one (which the server refuses).
    Placeholder(&'a str),
}

/// Splits a body into text and `{placeholder}` parts. Braces around anything
/// else (`{ }`, `{Name}`, JSON) are text.
pub fn body_parts(body: &str) -> Vec<BodyPart<'_>> {
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            if open > 0 {
                parts.push(BodyPart::Text(&rest[..open]));
            }
            parts.push(BodyPart::Placeholder(&after[..name_len]));
            rest = &after[name_len + 1..];
        } else {
            parts.push(BodyPart::Text(&rest[..=open]));
            rest = after;
        }
    }
    if !rest.is_empty() {
        parts.push(BodyPart::Text(rest));
    }
    parts
}

/// The placeholders in `body` that are not among [`PLACEHOLDERS`].
pub fn unknown_placeholders(body: &str) -> Vec<&str> {
    body_parts(body)
        .into_iter()
        .filter_map(|p| match p {
            BodyPart::Placeholder(name) if !PLACEHOLDERS.contains(&name) => Some(name),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_between_text_and_other_braces_are_text() {
        let parts = body_parts("Hi {customer_name}, {x y} {Ticket} #{ticket_number}{");
        assert_eq!(
            parts,
            vec![
                BodyPart::Text("Hi "),
                BodyPart::Placeholder("customer_name"),
                BodyPart::Text(", {"),
                BodyPart::Text("x y} {"),
                BodyPart::Text("Ticket} #"),
                BodyPart::Placeholder("ticket_number"),
                BodyPart::Text("{"),
            ]
        );
    }

    #[test]
    fn misspelt_placeholders_are_named() {
        assert_eq!(
            unknown_placeholders("Dear {custmer_name}, {agent_name} here {}"),
            vec!["custmer_name"]
        );
        assert!(unknown_placeholders("{customer_name}{ticket_number}{agent_name}").is_empty());
    }
}

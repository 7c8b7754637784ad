//! Input checks shared by handlers: each returns a 422 naming the field.

use crate::error::ApiError;

pub const MAX_NAME: usize = 100;
pub const MAX_EMAIL: usize = 254;
pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 20_000;

/// Trims and checks a required text field's length (in characters).
pub fn text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > max {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!("{field} is longer than {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!("{field} contains control characters"),
        ));
    }
    Ok(value.to_string())
}

/// Normalises an email (trimmed, lower-cased) and checks its shape.
pub fn email(value: &str) -> Result<String, ApiError> {
    let email = value.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
               && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(ApiError::unprocessable(
            "invalid_field",
            "email is not a valid address",
        ))
    }
}

pub fn password(value: &str) -> Result<(), ApiError> {
    let n = value.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(ApiError::unprocessable(
            "invalid_field",
            format!("password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("  Ann@Example.COM ").unwrap(), "ann@example.com");
        for bad in [
            "", "ann", "@x.io", "ann@", "ann@x", "a b@x.io", "a@x@y.io", "a@.io",
        ] {
            assert!(email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn text_rejects_empty_long_and_control_characters() {
        assert_eq!(text("subject", "  hi ", 10).unwrap(), "hi");
        assert!(text("subject", "   ", 10).is_err());
        assert!(text("subject", &"x".repeat(11), 10).is_err());
        assert!(text("subject", "a\u{0}b", 10).is_err());
        assert!(text("body", "line\nline", 10).is_ok());
    }
}

//! The one error that crosses the FFI: a small enum the apps can switch on,
//! each with a message fit to show.

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum CoreError {
    /// The server could not be reached; what needs it will be retried.
    #[error("offline: {message}")]
    Offline { message: String },
    /// Not signed in, or the session was revoked: sign in again.
    #[error("not signed in: {message}")]
    Unauthorized { message: String },
    /// The session ended on the server (revoked, signed out on another
    /// device, account disabled): the token was forgotten; sign in again.
    /// Nothing queued is lost.
    #[error("signed out: {message}")]
    SignedOut { message: String },
    #[error("not allowed: {message}")]
    Forbidden { message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    /// Someone else changed it first (for example a stale ticket version).
    #[error("conflict: {message}")]
    Conflict { message: String },
    /// The input was refused; the message says which field and why.
    #[error("invalid: {message}")]
    Invalid { message: String },
    /// The server failed; retrying later may work.
    #[error("server error: {message}")]
    Server { message: String },
    /// The local cache could not be read or written.
    #[error("storage: {message}")]
    Storage { message: String },
}

impl CoreError {
    /// Whether trying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, CoreError::Offline { .. } | CoreError::Server { .. })
    }

    pub fn signed_out() -> Self {
        CoreError::SignedOut {
            message: "the session ended (revoked or signed out elsewhere): sign in again".into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        CoreError::Invalid {
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Storage {
            message: e.to_string(),
        }
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        CoreError::Storage {
            message: format!("unreadable cached data: {e}"),
        }
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Storage {
            message: e.to_string(),
        }
    }
}

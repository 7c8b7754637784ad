//! What can go wrong with a call's media, as one small enum the call manager
//! (and, through uniffi, the apps and the terminal client) can switch on.

use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum CallError {
    /// A WAV file the built-in source cannot play (not 16-bit PCM, empty, …).
    #[error("unsupported audio: {message}")]
    UnsupportedAudio { message: String },
    /// A WAV file could not be read or written.
    #[error("audio file: {message}")]
    File { message: String },
    /// The media configuration cannot work (relay only without a TURN
    /// server, an address that cannot be bound, …).
    #[error("invalid media configuration: {message}")]
    InvalidConfig { message: String },
    /// The remote SDP offer or answer was refused.
    #[error("invalid session description: {message}")]
    InvalidSdp { message: String },
    /// A remote ICE candidate was not the browser JSON form or was refused.
    #[error("invalid ICE candidate: {message}")]
    InvalidCandidate { message: String },
    /// The operation does not fit the negotiation state (an answer without
    /// an offer, a second offer, …).
    #[error("wrong negotiation state: {message}")]
    WrongState { message: String },
    /// The WebRTC stack or the codec failed.
    #[error("media engine: {message}")]
    Media { message: String },
    /// The session was closed.
    #[error("the call's media session is closed")]
    Closed,
}

impl CallError {
    pub(crate) fn media(error: impl std::fmt::Display) -> Self {
        CallError::Media {
            message: error.to_string(),
        }
    }
}

impl From<hound::Error> for CallError {
    fn from(e: hound::Error) -> Self {
        match e {
            hound::Error::IoError(io) => CallError::File {
                message: io.to_string(),
            },
            other => CallError::UnsupportedAudio {
                message: other.to_string(),
            },
        }
    }
}

impl From<opus::Error> for CallError {
    fn from(e: opus::Error) -> Self {
        CallError::media(format!("opus: {e}"))
    }
}

/// `CoreError` has no call-specific variant yet: refusals of input map to
/// `Invalid`, file trouble to `Storage`, and engine failures to `Server`
/// (another attempt, that is a new call, may work).
impl From<CallError> for CoreError {
    fn from(e: CallError) -> Self {
        let message = e.to_string();
        match e {
            CallError::UnsupportedAudio { .. }
            | CallError::InvalidConfig { .. }
            | CallError::InvalidSdp { .. }
            | CallError::InvalidCandidate { .. }
            | CallError::WrongState { .. }
            | CallError::Closed => CoreError::Invalid { message },
            CallError::File { .. } => CoreError::Storage { message },
            CallError::Media { .. } => CoreError::Server { message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_become_invalid_and_engine_failures_server_errors() {
        let refused = CoreError::from(CallError::InvalidSdp {
            message: "no m= line".into(),
        });
        assert!(
            matches!(refused, CoreError::Invalid { ref message } if message.contains("no m= line"))
        );
        assert!(!refused.is_retryable());
        assert!(CoreError::from(CallError::media("dtls")).is_retryable());
        assert!(matches!(
            CoreError::from(CallError::File {
                message: "denied".into()
            }),
            CoreError::Storage { .. }
        ));
    }
}

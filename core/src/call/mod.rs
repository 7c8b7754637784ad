//! Calls: the media engine (everything that does not involve the server).
//!
//! | module | one job |
//! |---|---|
//! | `audio` | the `AudioDevice` trait the apps implement; tone, WAV, recorder and analyser built-ins |
//! | `media` | `MediaSession`: one WebRTC peer connection per call, Opus both ways, the audio thread |
//! | `error` | `CallError`, convertible to `CoreError` |
//!
//! The call manager (ringing, signalling over the server's WebSocket) sits
//! on top: it creates a `MediaSession` per call and relays SDP and
//! candidates as opaque strings.

pub mod audio;
pub mod error;
pub mod media;

pub use audio::{AudioDevice, CombinedDevice, combined_device, silent_device};
pub use error::CallError;
pub use media::{
    CallStats, IceCandidate, IceServer, MediaConfig, MediaEvent, MediaSession, MediaState,
};

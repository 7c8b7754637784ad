//! Calls: the media engine (everything that does not involve the server).
//!
//! | module | one job |
//! |---|---|
//! | `audio` | the `AudioDevice` trait the apps implement; tone, WAV, recorder and analyser built-ins |
//! | `media` | `MediaSession`: one WebRTC peer connection per call, Opus both ways, the audio thread |
//! | `error` | `CallError`, convertible to `CoreError` |
//! | `manager` | the calls of a client: REST, the socket's call events, signalling, one media session each |
//! | `client_api` | what the apps call: place, accept, decline, hang up, mute, observe |
//!
//! The call manager (ringing, signalling over the server's WebSocket) sits
//! on top: it creates a `MediaSession` per call and relays SDP and
//! candidates as opaque strings.

pub mod audio;
mod client_api;
pub mod error;
pub mod manager;
pub mod media;

pub use audio::{AudioDevice, CombinedDevice, combined_device, silent_device};
pub use error::CallError;
pub use media::{
    CallStats, IceCandidate, IceServer, MediaConfig, MediaEvent, MediaSession, MediaState,
};

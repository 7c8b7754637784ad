//! ICE candidates in the JSON form browsers exchange
//! (`RTCIceCandidateInit`: `{candidate, sdpMid, sdpMLineIndex}`), so the
//! signalling works unchanged between two cores and between a core and a
//! browser.

use serde::{Deserialize, Serialize};
use webrtc::peer_connection::RTCIceCandidateInit;

use crate::call::error::CallError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    /// `candidate:…` as in an SDP `a=` line; empty means end of candidates.
    pub candidate: String,
    #[serde(rename = "sdpMid", default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(
        rename = "sdpMLineIndex",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sdp_m_line_index: Option<u16>,
    #[serde(
        rename = "usernameFragment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub username_fragment: Option<String>,
}

impl IceCandidate {
    /// A local candidate from webrtc-rs, with the real mid of our (single,
    /// bundled) audio section: `to_json()` leaves `sdpMid` empty, which
    /// browsers may refuse.
    pub(crate) fn local(init: RTCIceCandidateInit, mid: Option<String>) -> Self {
        IceCandidate {
            candidate: init.candidate,
            sdp_mid: mid.or(init.sdp_mid.filter(|m| !m.is_empty())),
            sdp_m_line_index: Some(0),
            username_fragment: init.username_fragment,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Result<Self, CallError> {
        serde_json::from_str(json).map_err(|e| CallError::InvalidCandidate {
            message: e.to_string(),
        })
    }

    pub(crate) fn into_init(self) -> RTCIceCandidateInit {
        RTCIceCandidateInit {
            candidate: self.candidate,
            sdp_mid: self.sdp_mid,
            sdp_mline_index: self.sdp_m_line_index,
            username_fragment: self.username_fragment,
            url: None,
        }
    }
}

/// The `a=mid:` of the first media section of `sdp`.
pub(crate) fn first_media_mid(sdp: &str) -> Option<String> {
    sdp.lines()
        .skip_while(|line| !line.starts_with("m="))
        .find_map(|line| line.trim_end().strip_prefix("a=mid:"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_candidates_carry_the_real_mid() {
        let init = RTCIceCandidateInit {
            candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".into(),
            sdp_mid: Some(String::new()),
            sdp_mline_index: Some(0),
            ..Default::default()
        };
        let json = IceCandidate::local(init, Some("0".into())).to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["sdpMid"], "0");
        assert_eq!(value["sdpMLineIndex"], 0);
        assert_eq!(
            value["candidate"],
            "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"
        );
    }

    #[test]
    fn browser_candidates_are_read() {
        let json = r#"{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.1 3478 typ srflx raddr 0.0.0.0 rport 0","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}"#;
        let candidate = IceCandidate::from_json(json).unwrap();
        assert_eq!(candidate.sdp_mid.as_deref(), Some("0"));
        assert_eq!(candidate.username_fragment.as_deref(), Some("abcd"));
        assert!(matches!(
            IceCandidate::from_json("{\"sdpMid\": 0}"),
            Err(CallError::InvalidCandidate { .. })
        ));
    }

    #[test]
    fn the_mid_comes_from_the_first_media_section() {
        let sdp =
            "v=0\r\na=group:BUNDLE audio\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:audio\r\n";
        assert_eq!(first_media_mid(sdp).as_deref(), Some("audio"));
        assert_eq!(first_media_mid("v=0\r\n"), None);
    }
}

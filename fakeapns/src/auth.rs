//! Token-based authentication as APNs does it: the provider token is a JWT
//! `{alg: ES256, kid}.{iss: team id, iat}` signed with the team's P-256
//! `.p8` key; Apple refuses one older than an hour, and a provider that
//! makes new tokens more often than every 20 minutes.
//! (developer.apple.com, "Establishing a token-based connection to APNs".)

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::Value;

use crate::request::Refusal;

/// A provider token is refused (ExpiredProviderToken) once older than this.
pub const TOKEN_MAX_AGE_SECS: i64 = 3600;
/// A new token sooner than this after the previous one is
/// TooManyProviderTokenUpdates.
pub const MIN_REFRESH_SECS: i64 = 20 * 60;
/// Clock skew tolerated for an `iat` in the future.
const SKEW_SECS: i64 = 60;

const INVALID: Refusal = (403, "InvalidProviderToken");

/// A TEST-ONLY signing key, made fresh: what an Apple Developer account
/// gives as `AuthKey_<key id>.p8`, with its key and team ids.
#[derive(Debug, Clone)]
pub struct TestKey {
    /// The 10-character key id (the JWT's `kid`).
    pub key_id: String,
    /// The team id (the JWT's `iss`).
    pub team_id: String,
    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), Apple's `.p8` format.
    pub p8_pem: String,
    /// The uncompressed P-256 point the fake verifies signatures with.
    pub public_key: Vec<u8>,
}

impl TestKey {
    pub fn generate(key_id: &str, team_id: &str) -> TestKey {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .expect("generating a P-256 key");
        TestKey {
            key_id: key_id.to_string(),
            team_id: team_id.to_string(),
            p8_pem: key.serialize_pem(),
            public_key: key.public_key_raw().to_vec(),
        }
    }

    /// Writes `AuthKey_<key id>.p8` into `dir`, as Apple names it, and
    /// returns its path.
    pub fn write_p8(&self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("AuthKey_{}.p8", self.key_id));
        std::fs::write(&path, &self.p8_pem).expect("writing the .p8 key");
        path
    }
}

/// The keys and team the fake trusts, and the tokens it has accepted.
pub(crate) struct Verifier {
    team_id: String,
    keys: HashMap<String, Vec<u8>>,
    refresh_limit: bool,
    /// Every distinct token accepted: one seen before is not an update, so
    /// requests still in flight with the previous token stay fine.
    seen: HashSet<String>,
    /// Per key id, the `iat` of the newest distinct token accepted.
    newest_iat: HashMap<String, i64>,
}

impl Verifier {
    pub(crate) fn new(team_id: &str, keys: &[TestKey], refresh_limit: bool) -> Verifier {
        Verifier {
            team_id: team_id.to_string(),
            keys: keys
                .iter()
                .map(|k| (k.key_id.clone(), k.public_key.clone()))
                .collect(),
            refresh_limit,
            seen: HashSet::new(),
            newest_iat: HashMap::new(),
        }
    }

    pub(crate) fn distinct_tokens(&self) -> usize {
        self.seen.len()
    }

    /// Checks an `authorization` header value at `now` (UNIX seconds).
    pub(crate) fn check(&mut self, authorization: Option<&str>, now: i64) -> Result<(), Refusal> {
        const MISSING: Refusal = (403, "MissingProviderToken");
        let value = authorization.map(str::trim).ok_or(MISSING)?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        let token = token.trim();
        if value.is_empty() || (scheme.eq_ignore_ascii_case("bearer") && token.is_empty()) {
            return Err(MISSING);
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(INVALID);
        }
        let (kid, iat) = self.verify(token)?;
        // Only a genuine token learns whether it is stale.
        if iat > now + SKEW_SECS {
            return Err(INVALID);
        }
        if now - iat > TOKEN_MAX_AGE_SECS {
            return Err((403, "ExpiredProviderToken"));
        }
        if self.seen.contains(token) {
            return Ok(());
        }
        if let Some(newest) = self.newest_iat.get(&kid)
            && self.refresh_limit
            && iat - newest < MIN_REFRESH_SECS
        {
            return Err((429, "TooManyProviderTokenUpdates"));
        }
        let newest = self.newest_iat.entry(kid).or_insert(iat);
        *newest = (*newest).max(iat);
        self.seen.insert(token.to_string());
        Ok(())
    }

    /// The token's key id and `iat`, if it is an ES256 JWS of this team
    /// signed by one of the trusted keys.
    fn verify(&self, token: &str) -> Result<(String, i64), Refusal> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(INVALID);
        };
        // JWS forbids padding, so the strict decoder refuses it.
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| INVALID);
        let json = |part: &str| -> Result<Value, Refusal> {
            serde_json::from_slice(&decode(part)?).map_err(|_| INVALID)
        };
        let (header_json, claims_json) = (json(header)?, json(claims)?);
        if header_json["alg"] != "ES256" {
            return Err(INVALID);
        }
        let kid = header_json["kid"].as_str().ok_or(INVALID)?;
        let public_key = self.keys.get(kid).ok_or(INVALID)?;
        let signed = &token[..header.len() + 1 + claims.len()];
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
            .verify(signed.as_bytes(), &decode(signature)?)
            .map_err(|_| INVALID)?;
        if claims_json["iss"].as_str() != Some(self.team_id.as_str()) {
            return Err(INVALID);
        }
        let iat = claims_json["iat"].as_i64().ok_or(INVALID)?;
        Ok((kid.to_string(), iat))
    }
}

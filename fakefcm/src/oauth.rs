//! The OAuth 2.0 token endpoint: a JWT-bearer grant (RFC 7523) whose RS256
//! assertion must be signed by the service account's key, issued by its
//! client_email, for this token_uri, asking for the messaging scope, with a
//! sane iat/exp. Answers like Google's endpoint.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{CLIENT_EMAIL, MESSAGING_SCOPE, Shared, TEST_ONLY_PUBLIC_KEY_PEM};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Google allows assertions valid for at most an hour, and some clock skew.
const MAX_LIFETIME_SECS: i64 = 3600;
const SKEW_SECS: i64 = 300;

#[derive(Deserialize)]
pub(crate) struct Grant {
    grant_type: Option<String>,
    assertion: Option<String>,
}

pub(crate) async fn token(State(shared): State<Arc<Shared>>, Form(grant): Form<Grant>) -> Response {
    *shared.token_requests.lock().unwrap() += 1;
    if grant.grant_type.as_deref() != Some(JWT_BEARER) {
        return refuse("unsupported_grant_type", "grant_type must be jwt-bearer");
    }
    let Some(assertion) = grant.assertion else {
        return refuse("invalid_request", "assertion missing");
    };
    if let Err(reason) = check_assertion(&assertion, &shared.token_uri) {
        return refuse("invalid_grant", &reason);
    }
    let access_token = format!("ya29.fake-{}", uuid::Uuid::new_v4().simple());
    shared.issued.lock().unwrap().insert(access_token.clone());
    axum::Json(json!({
        "access_token": access_token,
        "expires_in": 3599,
        "token_type": "Bearer",
    }))
    .into_response()
}

fn refuse(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// Decodes base64url with or without padding (gcp_auth pads; Google accepts
/// both).
fn b64(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| format!("bad base64url: {e}"))
}

/// The DER of the PKCS#1 public key in a PEM.
pub(crate) fn public_key_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("the committed public key is valid PEM")
}

pub(crate) fn check_assertion(jwt: &str, token_uri: &str) -> Result<(), String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err("assertion is not a JWS compact serialisation".into());
    };
    let header: Value =
        serde_json::from_slice(&b64(header)?).map_err(|e| format!("bad header: {e}"))?;
    if header["alg"] != "RS256" {
        return Err(format!("alg must be RS256, got {}", header["alg"]));
    }
    let key = public_key_der(TEST_ONLY_PUBLIC_KEY_PEM);
    let verifier =
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key);
    let signed_len = jwt.len() - jwt.rsplit('.').next().map_or(0, str::len) - 1;
    verifier
        .verify(&jwt.as_bytes()[..signed_len], &b64(signature)?)
        .map_err(|_| "invalid JWT signature".to_string())?;

    let claims: Value =
        serde_json::from_slice(&b64(claims)?).map_err(|e| format!("bad claims: {e}"))?;
    if claims["iss"] != CLIENT_EMAIL {
        return Err(format!("iss {} is not the service account", claims["iss"]));
    }
    if claims["aud"] != token_uri {
        return Err(format!("aud {} is not {token_uri}", claims["aud"]));
    }
    let scopes = claims["scope"].as_str().unwrap_or_default();
    if !scopes.split(' ').any(|s| s == MESSAGING_SCOPE) {
        return Err(format!("scope {scopes:?} lacks {MESSAGING_SCOPE}"));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err("iat and exp must be numbers".into());
    };
    if iat > now + SKEW_SECS || exp < now - SKEW_SECS || exp <= iat {
        return Err(format!("iat {iat} / exp {exp} are not sane at {now}"));
    }
    if exp - iat > MAX_LIFETIME_SECS {
        return Err("assertion valid for more than an hour".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_key_pair_matches() {
        use ring::signature::KeyPair;
        let body: String = crate::TEST_ONLY_PRIVATE_KEY_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let pkcs8 = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let pair = ring::signature::RsaKeyPair::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(
            pair.public_key().as_ref(),
            public_key_der(TEST_ONLY_PUBLIC_KEY_PEM).as_slice()
        );
    }

    #[test]
    fn garbage_assertions_are_refused() {
        assert!(check_assertion("a.b", "http://x/token").is_err());
        assert!(check_assertion("e30.e30.AAAA", "http://x/token").is_err());
    }
}

//! Passwords, bearer tokens and the `Caller` extractor (sign-in throttling is
//! in `sign_in_throttle.rs`).

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use protocol::{Role, User};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::db;
use crate::error::ApiError;

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new opaque token (256 random bits) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The signed-in user making a request, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token_hash: String,
}

impl Caller {
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_staff(&self) -> bool {
        self.user.role.is_staff()
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token>"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
        caller_for_token(state, token).await
    }
}

/// The signed-in user a token belongs to, or 401.
pub async fn caller_for_token(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let token_hash = hash_token(token);
    let user = db::sessions::user_for_token(state.db.reader(), &token_hash)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid or revoked token"))?;
    Ok(Caller { user, token_hash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_a);
        assert_ne!(a, hash_a);
    }
}

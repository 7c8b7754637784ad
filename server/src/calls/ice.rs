//! ICE servers for a call: STUN as configured, TURN with short-lived
//! credentials in the coturn REST-API scheme (`use-auth-secret`): the user
//! name is `<expiry unix time>:<user id>` and the password is
//! base64(HMAC-SHA1(secret, user name)). coturn recomputes the password from
//! its `static-auth-secret` and refuses the name after its expiry, so no
//! credential is ever stored and a leaked one soon stops working.

use base64::Engine;
use hmac::{Hmac, Mac};
use protocol::IceServer;
use sha1::Sha1;
use uuid::Uuid;

use crate::Config;

/// How long TURN credentials stay valid: long enough for a long call
/// (the allocation is refreshed with the same credentials).
pub const TURN_CREDENTIAL_SECS: i64 = 12 * 3600;

/// The ICE servers for `user_id`, with TURN credentials valid from `now`.
pub fn servers_for(config: &Config, user_id: Uuid, now_unix: i64) -> Vec<IceServer> {
    let mut servers = Vec::new();
    if !config.stun_urls.is_empty() {
        servers.push(IceServer {
            urls: config.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let Some(secret) = &config.turn_secret
        && !config.turn_urls.is_empty()
    {
        let (username, credential) =
            turn_credential(secret, user_id, now_unix + TURN_CREDENTIAL_SECS);
        servers.push(IceServer {
            urls: config.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    servers
}

/// coturn's REST-API credential for `user_id`, expiring at `expiry_unix`.
pub fn turn_credential(secret: &str, user_id: Uuid, expiry_unix: i64) -> (String, String) {
    let username = format!("{expiry_unix}:{user_id}");
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_password_is_the_base64_hmac_sha1_of_the_user_name() {
        // Reference value from `printf '%s' 1700000000:<id> | openssl dgst
        // -sha1 -hmac secret -binary | base64`.
        let id = Uuid::parse_str("0190a4c2-0000-7000-8000-000000000001").unwrap();
        let (user, pass) = turn_credential("secret", id, 1_700_000_000);
        assert_eq!(user, format!("1700000000:{id}"));
        assert_eq!(pass, "K3HKkFlzIAeVZPPD38cxh840SNw=");
    }

    #[test]
    fn servers_list_stun_then_turn_with_credentials() {
        let config = Config {
            stun_urls: vec!["stun:127.0.0.1:3478".into()],
            turn_urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
            turn_secret: Some("s".into()),
            ..Config::default()
        };
        let servers = servers_for(&config, Uuid::now_v7(), 1000);
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].username, None);
        let user = servers[1].username.as_deref().unwrap();
        assert!(user.starts_with(&format!("{}:", 1000 + TURN_CREDENTIAL_SECS)));
        assert!(servers[1].credential.is_some());
        assert!(servers_for(&Config::default(), Uuid::now_v7(), 0).is_empty());
    }
}

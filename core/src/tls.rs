//! TLS for HTTPS and wss: one rustls client configuration shared by the
//! HTTP client and the WebSocket.
//!
//! rustls with the aws-lc-rs provider, the one reqwest's `rustls` feature
//! brings (so every reqwest client in a build has a provider; the opus
//! build needs cmake for Android and iOS anyway). The trusted roots are
//! Mozilla's, compiled in (`webpki-root-certs`): they work the same on every
//! platform with no set-up by the app (the platform verifier would need a JNI
//! initialisation from the Android shell). The cost: roots installed by the
//! user or a device policy are not trusted, and the list is refreshed with
//! app updates.

use std::sync::{Arc, LazyLock};

use rustls::ClientConfig;

static CONFIG: LazyLock<Arc<ClientConfig>> = LazyLock::new(|| {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _unparsable) =
        roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
    debug_assert!(added > 100, "the compiled-in roots load");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // HTTP/2 when the server offers it (reqwest negotiates with ALPN).
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
});

/// The configuration of the HTTP client (ALPN offers h2 and http/1.1).
pub fn http_config() -> ClientConfig {
    CONFIG.as_ref().clone()
}

/// The configuration of the WebSocket: HTTP/1.1 only, as the upgrade needs.
pub fn websocket_config() -> Arc<ClientConfig> {
    let mut config = CONFIG.as_ref().clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_trusted() {
        let config = http_config();
        assert!(config.alpn_protocols.contains(&b"h2".to_vec()));
        assert_eq!(
            websocket_config().alpn_protocols,
            vec![b"http/1.1".to_vec()]
        );
        assert!(webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() > 100);
    }
}

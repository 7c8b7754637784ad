//! Server configuration: defaults that work with no setup, an optional TOML
//! file, then `CS_*` environment variables, each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::push::apns::ApnsSettings;
use crate::trusted_proxies::TrustedProxies;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Listen address (`CS_ADDR`).
    pub addr: SocketAddr,
    /// `sqlite://…` or `postgres://…` (`CS_DATABASE_URL`); defaults to
    /// `<data_dir>/customer-service.db`.
    pub database_url: Option<String>,
    /// Uploaded files and the default database live here (`CS_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Created as an admin at start when no admin exists yet.
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Largest accepted upload in bytes (`CS_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Connections in the database pool (`CS_DB_MAX_CONNECTIONS`).
    pub db_max_connections: u32,
    /// Open tickets routing gives one staff member at most
    /// (`CS_ROUTING_CAPACITY`); manual assignment may exceed it.
    pub routing_capacity: i64,
    /// How long a call rings before it is missed (`CS_RING_TIMEOUT_SECS`).
    pub ring_timeout_secs: u64,
    /// How often SLA targets that ran out are marked missed
    /// (`CS_SLA_CHECK_MS`); a breach is noticed at most this late.
    pub sla_check_ms: u64,
    /// How often the daily report takes in new changes.
    pub report_update_ms: u64,
    /// STUN servers handed to callers (`CS_STUN_URLS`, comma-separated).
    pub stun_urls: Vec<String>,
    /// TURN servers (`CS_TURN_URLS`, comma-separated), used with
    /// time-limited credentials derived from `turn_secret`.
    pub turn_urls: Vec<String>,
    /// The coturn `static-auth-secret` (`CS_TURN_SECRET`).
    pub turn_secret: Option<String>,
    /// Firebase service-account JSON (`CS_FCM_CREDENTIALS`); unset: push off.
    pub fcm_credentials: Option<PathBuf>,
    /// FCM base URL (`CS_FCM_ENDPOINT`), replaceable by a fake in tests.
    pub fcm_endpoint: String,
    /// Push incoming calls to every device of the callee, even those with a
    /// live socket (`CS_PUSH_CALLS_TO_ALL_DEVICES`).
    pub push_calls_to_all_devices: bool,
    /// The APNs `.p8` signing key (`CS_APNS_KEY`); unset: no VoIP pushes,
    /// iPhones ring only while the app holds its socket. With it,
    /// `apns_key_id`, `apns_team_id` and `apns_bundle_id` are required.
    pub apns_key: Option<PathBuf>,
    /// `CS_APNS_KEY_ID`, `CS_APNS_TEAM_ID`, `CS_APNS_BUNDLE_ID`.
    pub apns_key_id: Option<String>,
    pub apns_team_id: Option<String>,
    pub apns_bundle_id: Option<String>,
    /// Apple's development environment, for apps run from Xcode
    /// (`CS_APNS_SANDBOX`).
    pub apns_sandbox: bool,
    /// Another APNs server than Apple's (`CS_APNS_ENDPOINT`; tests).
    pub apns_endpoint: Option<String>,
    /// An extra CA certificate (PEM) to trust for APNs (`CS_APNS_CA_CERT`).
    pub apns_ca_cert: Option<PathBuf>,
    /// Seconds a request's headers may take to arrive, which is also how
    /// long a kept-alive connection may sit idle (`CS_HEADER_READ_TIMEOUT_SECS`).
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may pause between two reads
    /// (`CS_BODY_IDLE_TIMEOUT_SECS`).
    pub body_idle_timeout_secs: u64,
    /// Seconds a request body may take in all (`CS_BODY_DEADLINE_SECS`):
    /// a 25 MiB upload at 0.4 Mbit/s fits in the default.
    pub body_deadline_secs: u64,
    /// Open connections (WebSockets included) one source address may hold
    /// (`CS_MAX_CONNECTIONS_PER_ADDRESS`); IPv6 counts by /64. 0: no limit,
    /// for a server behind a proxy, where every client has the proxy's address.
    pub max_connections_per_address: usize,
    /// Sign-in attempts one source address gets before each further one
    /// waits (`CS_SIGN_IN_FREE_PER_ADDRESS`; see `sign_in_throttle.rs`).
    pub sign_in_free_per_address: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`CS_TRUSTED_PROXIES`: addresses or networks, comma-separated, as
    /// `10.0.0.5, 192.168.0.0/16`); see `trusted_proxies.rs`.
    pub trusted_proxies: TrustedProxies,
    /// The operator's mail relay, for customers' sign-in links
    /// (`CS_SMTP_URL`: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`). Without one, staff are shown the link to
    /// pass on.
    pub smtp_url: Option<String>,
    /// The sender of those emails (`CS_MAIL_FROM`, `Support <support@example.com>`).
    pub mail_from: Option<String>,
    /// The server's address as the apps reach it (`CS_PUBLIC_URL`), put in
    /// sign-in links so that an app opening one knows where to sign in.
    pub public_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("data"),
            admin_email: None,
            admin_password: None,
            max_upload_bytes: 25 * 1024 * 1024,
            db_max_connections: 16,
            routing_capacity: 10,
            ring_timeout_secs: 30,
            sla_check_ms: 15_000,
            report_update_ms: 5_000,
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret: None,
            fcm_credentials: None,
            fcm_endpoint: "https://fcm.googleapis.com".into(),
            push_calls_to_all_devices: false,
            apns_key: None,
            apns_key_id: None,
            apns_team_id: None,
            apns_bundle_id: None,
            apns_sandbox: false,
            apns_endpoint: None,
            apns_ca_cert: None,
            header_read_timeout_secs: 30,
            body_idle_timeout_secs: 30,
            body_deadline_secs: 600,
            max_connections_per_address: 512,
            sign_in_free_per_address: 100,
            trusted_proxies: TrustedProxies::default(),
            smtp_url: None,
            mail_from: None,
            public_url: None,
        }
    }
}

impl Config {
    /// Reads the optional TOML file, then applies the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = var("CS_ADDR") {
            self.addr = v
                .parse()
                .with_context(|| format!("CS_ADDR={v:?} is not host:port"))?;
        }
        if let Some(v) = var("CS_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("CS_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("CS_ADMIN_EMAIL") {
            self.admin_email = Some(v);
        }
        if let Some(v) = var("CS_ADMIN_PASSWORD") {
            self.admin_password = Some(v);
        }
        if let Some(v) = var("CS_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = v
                .parse()
                .with_context(|| format!("CS_MAX_UPLOAD_BYTES={v:?} is not a byte count"))?;
        }
        if let Some(v) = var("CS_DB_MAX_CONNECTIONS") {
            self.db_max_connections = v
                .parse()
                .with_context(|| format!("CS_DB_MAX_CONNECTIONS={v:?} is not a number"))?;
        }
        if let Some(v) = var("CS_ROUTING_CAPACITY") {
            self.routing_capacity =
                v.parse().ok().filter(|n| *n > 0).with_context(|| {
                    format!("CS_ROUTING_CAPACITY={v:?} is not a positive number")
                })?;
        }
        if let Some(v) = var("CS_RING_TIMEOUT_SECS") {
            self.ring_timeout_secs = v.parse().ok().filter(|n| *n > 0).with_context(|| {
                format!("CS_RING_TIMEOUT_SECS={v:?} is not a positive number of seconds")
            })?;
        }
        if let Some(v) = var("CS_SLA_CHECK_MS") {
            self.sla_check_ms = v.parse().ok().filter(|n| *n > 0).with_context(|| {
                format!("CS_SLA_CHECK_MS={v:?} is not a positive number of milliseconds")
            })?;
        }
        if let Some(v) = var("CS_REPORT_UPDATE_MS") {
            self.report_update_ms = v.parse().ok().filter(|n| *n > 0).with_context(|| {
                format!("CS_REPORT_UPDATE_MS={v:?} is not a positive number of milliseconds")
            })?;
        }
        if let Some(v) = var("CS_STUN_URLS") {
            self.stun_urls = url_list("CS_STUN_URLS", &v, &["stun:", "stuns:"])?;
        }
        if let Some(v) = var("CS_TURN_URLS") {
            self.turn_urls = url_list("CS_TURN_URLS", &v, &["turn:", "turns:"])?;
        }
        if let Some(v) = var("CS_TURN_SECRET") {
            self.turn_secret = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = var("CS_FCM_CREDENTIALS") {
            self.fcm_credentials = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = var("CS_FCM_ENDPOINT") {
            if !(v.starts_with("https://") || v.starts_with("http://")) {
                bail!("CS_FCM_ENDPOINT={v:?} is not an http(s) URL");
            }
            self.fcm_endpoint = v.trim_end_matches('/').to_string();
        }
        if let Some(v) = var("CS_PUSH_CALLS_TO_ALL_DEVICES") {
            self.push_calls_to_all_devices = match v.as_str() {
                "true" | "1" => true,
                "false" | "0" | "" => false,
                _ => bail!("CS_PUSH_CALLS_TO_ALL_DEVICES={v:?} is not true or false"),
            };
        }
        self.apply_mail_env(&var)?;
        self.apply_apns_env(&var)?;
        self.apply_limits_env(&var)?;
        if !self.turn_urls.is_empty() && self.turn_secret.is_none() {
            bail!("CS_TURN_URLS needs CS_TURN_SECRET (the TURN server's static-auth-secret)");
        }
        if self.admin_email.is_some() != self.admin_password.is_some() {
            bail!("CS_ADMIN_EMAIL and CS_ADMIN_PASSWORD must be set together");
        }
        Ok(())
    }

    fn apply_mail_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let text = |name: &str| var(name).filter(|v| !v.is_empty());
        if let Some(v) = text("CS_SMTP_URL") {
            if !(v.starts_with("smtp://") || v.starts_with("smtps://")) {
                bail!("CS_SMTP_URL={v:?} is not an smtp:// or smtps:// URL");
            }
            self.smtp_url = Some(v);
        }
        if let Some(v) = text("CS_MAIL_FROM") {
            self.mail_from = Some(v);
        }
        if let Some(v) = text("CS_PUBLIC_URL") {
            if !(v.starts_with("https://") || v.starts_with("http://")) {
                bail!("CS_PUBLIC_URL={v:?} is not an http(s) URL");
            }
            self.public_url = Some(v.trim_end_matches('/').to_string());
        }
        if self.smtp_url.is_some() && self.mail_from.is_none() {
            bail!("CS_SMTP_URL needs CS_MAIL_FROM (the sender of sign-in links)");
        }
        Ok(())
    }

    fn apply_apns_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let text = |name: &str| var(name).filter(|v| !v.is_empty());
        if let Some(v) = var("CS_APNS_KEY") {
            self.apns_key = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = text("CS_APNS_KEY_ID") {
            self.apns_key_id = Some(v);
        }
        if let Some(v) = text("CS_APNS_TEAM_ID") {
            self.apns_team_id = Some(v);
        }
        if let Some(v) = text("CS_APNS_BUNDLE_ID") {
            self.apns_bundle_id = Some(v);
        }
        if let Some(v) = var("CS_APNS_SANDBOX") {
            self.apns_sandbox = match v.as_str() {
                "true" | "1" => true,
                "false" | "0" | "" => false,
                _ => bail!("CS_APNS_SANDBOX={v:?} is not true or false"),
            };
        }
        if let Some(v) = text("CS_APNS_ENDPOINT") {
            if !v.starts_with("https://") {
                bail!("CS_APNS_ENDPOINT={v:?} is not an https URL (APNs is HTTP/2 over TLS)");
            }
            self.apns_endpoint = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = text("CS_APNS_CA_CERT") {
            self.apns_ca_cert = Some(PathBuf::from(v));
        }
        self.apns()?;
        Ok(())
    }

    /// The limits on connections and requests (see `serve.rs`).
    fn apply_limits_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let seconds = |name: &str, value: &mut u64| -> anyhow::Result<()> {
            if let Some(v) = var(name) {
                *value =
                    v.parse().ok().filter(|n| *n > 0).with_context(|| {
                        format!("{name}={v:?} is not a positive number of seconds")
                    })?;
            }
            Ok(())
        };
        seconds(
            "CS_HEADER_READ_TIMEOUT_SECS",
            &mut self.header_read_timeout_secs,
        )?;
        seconds(
            "CS_BODY_IDLE_TIMEOUT_SECS",
            &mut self.body_idle_timeout_secs,
        )?;
        seconds("CS_BODY_DEADLINE_SECS", &mut self.body_deadline_secs)?;
        if let Some(v) = var("CS_SIGN_IN_FREE_PER_ADDRESS") {
            self.sign_in_free_per_address =
                v.parse().ok().filter(|n| *n >= 0).with_context(|| {
                    format!("CS_SIGN_IN_FREE_PER_ADDRESS={v:?} is not a number of attempts")
                })?;
        }
        if let Some(v) = var("CS_TRUSTED_PROXIES") {
            self.trusted_proxies = TrustedProxies::parse_list(&v)
                .map_err(|e| anyhow::anyhow!("CS_TRUSTED_PROXIES: {e}"))?;
        }
        if let Some(v) = var("CS_MAX_CONNECTIONS_PER_ADDRESS") {
            self.max_connections_per_address = v.parse().with_context(|| {
                format!("CS_MAX_CONNECTIONS_PER_ADDRESS={v:?} is not a number (0: no limit)")
            })?;
        }
        Ok(())
    }

    /// The APNs settings, when VoIP pushes are configured; an error names
    /// what is missing from a partial configuration.
    pub fn apns(&self) -> anyhow::Result<Option<ApnsSettings>> {
        let Some(key_path) = self.apns_key.clone() else {
            return Ok(None);
        };
        let required = |value: &Option<String>, name: &str| {
            value
                .clone()
                .with_context(|| format!("CS_APNS_KEY is set, so {name} is required too"))
        };
        Ok(Some(ApnsSettings {
            key_path,
            key_id: required(&self.apns_key_id, "CS_APNS_KEY_ID")?,
            team_id: required(&self.apns_team_id, "CS_APNS_TEAM_ID")?,
            bundle_id: required(&self.apns_bundle_id, "CS_APNS_BUNDLE_ID")?,
            endpoint: match (&self.apns_endpoint, self.apns_sandbox) {
                (Some(endpoint), _) => endpoint.clone(),
                (None, true) => crate::push::apns::SANDBOX.to_string(),
                (None, false) => crate::push::apns::PRODUCTION.to_string(),
            },
            ca_certificate: self.apns_ca_cert.clone(),
        }))
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("customer-service.db").display()
            ),
        }
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

/// A comma-separated list of URLs with one of the given schemes.
fn url_list(name: &str, value: &str, schemes: &[&str]) -> anyhow::Result<Vec<String>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(|url| {
            if schemes.iter().any(|s| url.starts_with(s)) {
                Ok(url.to_string())
            } else {
                bail!(
                    "{name}: {url:?} does not start with {}",
                    schemes.join(" or ")
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_settings_come_from_comma_separated_lists() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "CS_RING_TIMEOUT_SECS" => Some("5".into()),
                "CS_STUN_URLS" => Some("stun:127.0.0.1:3478, stun:example.org".into()),
                "CS_TURN_URLS" => Some("turn:127.0.0.1:3478?transport=udp".into()),
                "CS_TURN_SECRET" => Some("s3cret".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.ring_timeout_secs, 5);
        assert_eq!(
            config.stun_urls,
            ["stun:127.0.0.1:3478", "stun:example.org"]
        );
        assert_eq!(config.turn_urls.len(), 1);

        let mut bad = Config::default();
        let err = bad
            .apply_env(|name| (name == "CS_STUN_URLS").then(|| "http://x".into()))
            .unwrap_err();
        assert!(err.to_string().contains("CS_STUN_URLS"));
        let mut no_secret = Config::default();
        let err = no_secret
            .apply_env(|name| (name == "CS_TURN_URLS").then(|| "turn:x".into()))
            .unwrap_err();
        assert!(err.to_string().contains("CS_TURN_SECRET"));
    }

    #[test]
    fn push_settings_come_from_the_environment() {
        let config = Config::default();
        assert_eq!(config.fcm_credentials, None);
        assert_eq!(config.fcm_endpoint, "https://fcm.googleapis.com");
        assert!(!config.push_calls_to_all_devices);

        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "CS_FCM_CREDENTIALS" => Some("/etc/cs/firebase.json".into()),
                "CS_FCM_ENDPOINT" => Some("http://127.0.0.1:9099/".into()),
                "CS_PUSH_CALLS_TO_ALL_DEVICES" => Some("true".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            config.fcm_credentials.as_deref(),
            Some(Path::new("/etc/cs/firebase.json"))
        );
        assert_eq!(config.fcm_endpoint, "http://127.0.0.1:9099");
        assert!(config.push_calls_to_all_devices);

        for (name, value) in [
            ("CS_FCM_ENDPOINT", "fcm.googleapis.com"),
            ("CS_PUSH_CALLS_TO_ALL_DEVICES", "yes"),
        ] {
            let err = Config::default()
                .apply_env(|n| (n == name).then(|| value.to_string()))
                .unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn apns_settings_come_whole_or_not_at_all() {
        assert_eq!(Config::default().apns().unwrap(), None);
        let env = |name: &str| match name {
            "CS_APNS_KEY" => Some("/etc/cs/AuthKey_ABC123DEFG.p8".to_string()),
            "CS_APNS_KEY_ID" => Some("ABC123DEFG".into()),
            "CS_APNS_TEAM_ID" => Some("TEAM123456".into()),
            "CS_APNS_BUNDLE_ID" => Some("support.customerservice".into()),
            "CS_APNS_SANDBOX" => Some("true".into()),
            _ => None,
        };
        let mut config = Config::default();
        config.apply_env(env).unwrap();
        let apns = config.apns().unwrap().unwrap();
        assert_eq!(apns.endpoint, crate::push::apns::SANDBOX);
        assert_eq!(apns.bundle_id, "support.customerservice");
        assert_eq!(apns.key_path, Path::new("/etc/cs/AuthKey_ABC123DEFG.p8"));

        let err = Config::default()
            .apply_env(|name| (name != "CS_APNS_TEAM_ID").then(|| env(name)).flatten())
            .unwrap_err();
        assert!(err.to_string().contains("CS_APNS_TEAM_ID"), "{err}");
        let err = Config::default()
            .apply_env(|name| match name {
                "CS_APNS_ENDPOINT" => Some("http://127.0.0.1:1".into()),
                _ => env(name),
            })
            .unwrap_err();
        assert!(err.to_string().contains("CS_APNS_ENDPOINT"), "{err}");
    }

    #[test]
    fn environment_overrides_defaults() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "CS_ADDR" => Some("0.0.0.0:9000".into()),
                "CS_DATA_DIR" => Some("/srv/cs".into()),
                "CS_MAX_UPLOAD_BYTES" => Some("1024".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.max_upload_bytes, 1024);
        assert_eq!(
            config.database_url(),
            "sqlite:///srv/cs/customer-service.db?mode=rwc"
        );
    }

    #[test]
    fn a_toml_file_sets_values_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cs.toml");
        std::fs::write(
            &path,
            "addr = \"127.0.0.1:9100\"\ndata_dir = \"/var/lib/cs\"\nmax_upload_bytes = 2048\n",
        )
        .unwrap();
        let mut config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.addr.port(), 9100);
        assert_eq!(config.max_upload_bytes, 2048);
        config
            .apply_env(|name| (name == "CS_MAX_UPLOAD_BYTES").then(|| "4096".into()))
            .unwrap();
        assert_eq!(config.max_upload_bytes, 4096);

        std::fs::write(&path, "adress = \"typo\"\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err();
        assert!(format!("{err:#}").contains("adress"), "{err:#}");
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        let err = Config::default()
            .apply_env(|name| (name == "CS_ADDR").then(|| "nowhere".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("CS_ADDR"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_read_and_a_bad_one_is_named() {
        let mut config = Config::default();
        config
            .apply_env(|name| {
                (name == "CS_TRUSTED_PROXIES").then(|| "10.0.0.5, fd00::/8".to_string())
            })
            .unwrap();
        assert_eq!(
            config.trusted_proxies,
            TrustedProxies::parse_list("10.0.0.5,fd00::/8").unwrap()
        );
        let err = Config::default()
            .apply_env(|name| (name == "CS_TRUSTED_PROXIES").then(|| "10.0.0.0/40".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("CS_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn admin_email_without_password_is_refused() {
        let err = Config::default()
            .apply_env(|name| (name == "CS_ADMIN_EMAIL").then(|| "a@b.c".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("CS_ADMIN_PASSWORD"), "{err}");
    }
}

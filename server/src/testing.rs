//! A server for other crates' tests (the core's, the terminal client's): on
//! a fixed loopback port over a temporary data directory, so it can be
//! stopped and started again as a phone sees its server go and come back.

use crate::{Config, RunningServer};

pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

type Adjust = Box<dyn Fn(&mut Config) + Send + Sync>;

pub struct RestartableServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    running: Option<RunningServer>,
    /// Applied to the configuration at every start.
    adjust: Adjust,
}

impl RestartableServer {
    /// Starts on a free port with an admin (`ADMIN_EMAIL`/`ADMIN_PASSWORD`).
    pub async fn start() -> RestartableServer {
        Self::start_with(|_| {}).await
    }

    /// Starts with a configuration changed by `adjust` (ring timeout, TURN).
    pub async fn start_with(
        adjust: impl Fn(&mut Config) + Send + Sync + 'static,
    ) -> RestartableServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = RestartableServer {
            port,
            dir: tempfile::tempdir().expect("a temporary directory"),
            running: None,
            adjust: Box::new(adjust),
        };
        server.up().await;
        server
    }

    pub async fn up(&mut self) {
        let mut config = Config {
            addr: ([127, 0, 0, 1], self.port).into(),
            data_dir: self.dir.path().to_path_buf(),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            ..Config::default()
        };
        (self.adjust)(&mut config);
        self.running = Some(crate::start(config).await.expect("the server starts"));
    }

    pub async fn down(&mut self) {
        if let Some(server) = self.running.take() {
            server.stop().await.expect("the server stops");
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

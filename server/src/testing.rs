//! A server for other crates' tests (the core's, the terminal client's): on
//! a fixed loopback port over a temporary data directory, so it can be
//! stopped and started again as a phone sees its server go and come back.

use crate::{Config, RunningServer};

pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

pub struct RestartableServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    running: Option<RunningServer>,
}

impl RestartableServer {
    /// Starts on a free port with an admin (`ADMIN_EMAIL`/`ADMIN_PASSWORD`).
    pub async fn start() -> RestartableServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = RestartableServer {
            port,
            dir: tempfile::tempdir().expect("a temporary directory"),
            running: None,
        };
        server.up().await;
        server
    }

    pub async fn up(&mut self) {
        let config = Config {
            addr: ([127, 0, 0, 1], self.port).into(),
            data_dir: self.dir.path().to_path_buf(),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            ..Config::default()
        };
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

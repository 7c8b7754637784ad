//! The server under test: the release binary, run as a child process on a
//! free local port, stopped with SIGTERM (graceful shutdown) at the end.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// Signs in as the admin the server creates at start.
pub const ADMIN_EMAIL: &str = "admin@loadgen.test";
pub const ADMIN_PASSWORD: &str = "loadgen-admin-password";

pub struct ServerProcess {
    child: Child,
    pid: u32,
    pub url: String,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `bin` on `data_dir` (and `database_url`, else the default
    /// SQLite file there) and waits until `GET /healthz` answers.
    pub async fn start(
        bin: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        http: &reqwest::Client,
    ) -> anyhow::Result<ServerProcess> {
        if !bin.is_file() {
            bail!(
                "server binary {} not found: run `cargo build --release -p server` \
                 from the workspace root first (or pass --server-bin PATH)",
                bin.display()
            );
        }
        let port = free_port()?;
        let log = data_dir.join("server.log");
        let log_file = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(bin);
        command
            .env("CS_ADDR", format!("127.0.0.1:{port}"))
            .env("CS_DATA_DIR", data_dir)
            .env("CS_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("CS_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // Every simulated client comes from this one address.
            .env("CS_MAX_CONNECTIONS_PER_ADDRESS", "0")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true);
        match database_url {
            Some(url) => command.env("CS_DATABASE_URL", url),
            None => command.env_remove("CS_DATABASE_URL"),
        };
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = ServerProcess {
            child,
            pid,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_healthy(http).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let health = format!("{}/healthz", self.url);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited during start ({status}); its log:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(resp) = http.get(&health).send().await
                && resp.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not answer /healthz within 120 s; its log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        status_kib(&self.pid.to_string(), "VmHWM:")
    }

    /// Resident set size now (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        status_kib(&self.pid.to_string(), "VmRSS:")
    }

    /// The soft limit on open files the server runs with.
    pub fn open_files_limit(&self) -> anyhow::Result<u64> {
        let path = format!("/proc/{}/limits", self.pid);
        let limits = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        limits
            .lines()
            .find_map(|line| line.strip_prefix("Max open files"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|soft| soft.parse().ok())
            .with_context(|| format!("no open files limit in {path}"))
    }

    /// Stops the server after a measurement and adds its peak memory and
    /// exit status to the report.
    pub async fn finish(self, measured: anyhow::Result<Value>) -> anyhow::Result<Value> {
        let peak_rss_kib = self.peak_rss_kib();
        let exit = self.stop().await;
        let mut report = measured?;
        let (peak_rss_kib, exit) = (peak_rss_kib?, exit?);
        println!(
            "  server      peak RSS {:.1} MiB, {exit}",
            peak_rss_kib as f64 / 1024.0
        );
        report["server_peak_rss_kib"] = json!(peak_rss_kib);
        report["server_exit"] = json!(exit.to_string());
        Ok(report)
    }

    /// SIGTERM, then waits for the graceful shutdown (killing it after 30 s).
    pub async fn stop(mut self) -> anyhow::Result<ExitStatus> {
        let pid = libc::pid_t::try_from(self.pid)?;
        // SAFETY: plain kill(2) on our own child, which has not been reaped
        // yet (we hold `self.child`), so the pid cannot have been reused.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            return Err(std::io::Error::last_os_error()).context("sending SIGTERM to the server");
        }
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => {
                self.child.kill().await?;
                bail!("the server did not stop within 30 s of SIGTERM; killed it")
            }
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

/// A `/proc/<pid>/status` figure in kB, such as `VmHWM:` (`pid` may be
/// `self`).
pub fn status_kib(pid: &str, field: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in {path}"))
}

/// A port nobody listens on right now.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The data directory of a run that seeds a store: `chosen` (`--data-dir`,
/// kept, so a later run can reuse the store), else a fresh temporary one,
/// removed at the end unless `keep`.
pub struct RunDir {
    pub path: PathBuf,
    _temp: tempfile::TempDir,
}

impl RunDir {
    pub fn new(chosen: Option<&Path>, keep: bool) -> anyhow::Result<RunDir> {
        let mut temp = tempfile::Builder::new().prefix("cs-bench-").tempdir()?;
        let path = chosen.map_or_else(|| temp.path().to_path_buf(), Path::to_path_buf);
        if keep {
            temp.disable_cleanup(true);
            eprintln!("keeping data directory {}", path.display());
        }
        Ok(RunDir { path, _temp: temp })
    }
}

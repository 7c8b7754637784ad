//! A call forced through a TURN relay: coturn (Debian's package) on
//! loopback with the REST-API shared secret, the server handing out
//! time-limited credentials, both cores in relay-only ICE. The call
//! connects and carries each side's tone.
//!
//! Needs `turnserver` (apt-get install coturn). Without it the test says
//! SKIPPED, except with CI=true, where a missing tool fails it.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, PASSWORD, client, eventually, hears, tone_device};
use cs_core::{SendState, SyncState, TicketFilter};

const SECRET: &str = "turn-test-secret";

fn turnserver() -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("turnserver"))
        .find(|path| path.is_file());
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "turnserver is missing (apt-get install coturn) and CI=true: nothing may be skipped"
            );
        }
        eprintln!("SKIPPED: TURN relay: coturn is not installed (apt-get install coturn)");
    }
    found
}

/// coturn on a free loopback UDP port, killed when dropped.
struct Coturn {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl Coturn {
    async fn start(binary: &PathBuf) -> Coturn {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(binary)
            .args([
                "-n",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                "--use-auth-secret",
                "--realm=cs.test",
                // UDP only: the port was found free for UDP, and a TCP
                // listener on it can collide with another process's
                // connection (coturn then retries its bind for ever).
                "--no-tcp",
                "--no-tls",
                "--no-dtls",
                "--no-tcp-relay",
                "--no-cli",
                // The peers are on loopback too.
                "--allow-loopback-peers",
                "--simple-log",
                "--verbose",
            ])
            .arg(format!("--listening-port={port}"))
            .arg(format!("--static-auth-secret={SECRET}"))
            .arg(format!("--log-file={}", log.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver starts");
        let coturn = Coturn { child, port, log };
        // Ready once it logs its UDP listener.
        let start = Instant::now();
        while !std::fs::read_to_string(coturn.log.path())
            .unwrap_or_default()
            .contains("UDP listener opened on")
        {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "coturn did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        coturn
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_only_call_through_coturn_carries_both_tones() {
    let Some(binary) = turnserver() else { return };
    let coturn = Coturn::start(&binary).await;
    let turn_url = format!("turn:127.0.0.1:{}?transport=udp", coturn.port);
    let backend = Backend::start_with(move |config| {
        config.turn_urls = vec![turn_url.clone()];
        config.turn_secret = Some(SECRET.into());
    })
    .await;
    let dept = backend.department("Support").await;
    let agent_email = backend.agent("Bea", &dept).await;
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let customer = client(&backend, dirs[0].path());
    customer
        .register("ann@x.example".into(), PASSWORD.into(), "Ann".into())
        .await
        .unwrap();
    customer.refresh_departments().await.unwrap();
    let ticket = customer
        .create_ticket(dept, "Relay".into(), "Call me".into())
        .unwrap();
    eventually("the ticket is sent", || {
        customer.tickets(TicketFilter::default(), 10).unwrap()[0].send_state == SendState::Sent
    })
    .await;
    let agent = client(&backend, dirs[1].path());
    agent.sign_in(agent_email, PASSWORD.into()).await.unwrap();
    for c in [&customer, &agent] {
        c.configure_call_media(vec!["127.0.0.1:0".into()], true);
        eventually("live", || c.sync_state() == SyncState::Live).await;
    }

    let (agent_audio, agent_heard) = tone_device(440.0);
    let placed = agent
        .place_call(ticket.id.clone(), agent_audio)
        .await
        .unwrap();
    eventually("the customer rings", || {
        customer.calls().iter().any(|c| c.id == placed.id)
    })
    .await;
    let (customer_audio, customer_heard) = tone_device(660.0);
    customer
        .accept_call(placed.id.clone(), customer_audio)
        .await
        .unwrap();
    hears("the customer", &customer_heard, 440.0, || {
        format!("\ncoturn log:\n{}", coturn.log())
    })
    .await;
    hears("the agent", &agent_heard, 660.0, || {
        format!("\ncoturn log:\n{}", coturn.log())
    })
    .await;
    // Both sides allocated a relay with the server's credentials.
    let log = coturn.log();
    assert!(
        log.matches("ALLOCATE processed, success").count() >= 2,
        "coturn log:\n{log}"
    );
    agent.hang_up(placed.id).await.unwrap();
}

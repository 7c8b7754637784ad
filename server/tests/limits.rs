//! Slow and greedy clients: requests whose headers or body never finish,
//! idle connections, and one address opening too many connections are cut
//! off, while a normal client is served all along. Raw TCP, so the tests
//! control every byte and pause.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::TestApp;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Longer than any limit the tests set, so a stuck test fails instead of hanging.
const GIVE_UP: Duration = Duration::from_secs(10);

async fn connect_from(from: &str, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse().unwrap(), 0))
        .unwrap();
    socket.connect(server).await.expect("connects")
}

/// Everything the server sends until it closes the connection, and when it
/// closed (panics if it is still open after [`GIVE_UP`]).
async fn read_until_closed(stream: &mut TcpStream) -> (String, Instant) {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(GIVE_UP, stream.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open; it sent {:?}",
                String::from_utf8_lossy(&received)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        Instant::now(),
    )
}

/// A normal client, served while the slow ones wait.
async fn healthy(app: &TestApp) {
    let response = reqwest::get(app.url("/healthz")).await.expect("served");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_whose_headers_never_finish_is_cut_off() {
    let app = TestApp::start_with(|c| c.header_read_timeout_secs = 1).await;
    let mut slow = connect_from("127.0.0.1", app.server.addr).await;
    let began = Instant::now();
    // The headers' last line never comes.
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    healthy(&app).await;
    let (_, closed) = read_until_closed(&mut slow).await;
    let held = closed - began;
    assert!(held >= Duration::from_millis(900), "cut off after {held:?}");
    healthy(&app).await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = TestApp::start_with(|c| c.header_read_timeout_secs = 1).await;
    let mut idle = connect_from("127.0.0.1", app.server.addr).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // The answer comes, then the connection waits for another request that
    // never comes, and is closed.
    let (received, _) = read_until_closed(&mut idle).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(received.ends_with("ok"), "{received}");
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408() {
    let app = TestApp::start_with(|c| c.body_idle_timeout_secs = 1).await;
    let mut slow = connect_from("127.0.0.1", app.server.addr).await;
    slow.write_all(
        b"POST /v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{\"email\": ",
    )
    .await
    .unwrap();
    healthy(&app).await;
    let (received, _) = read_until_closed(&mut slow).await;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains(r#""code":"body_timeout""#), "{received}");
}

#[tokio::test]
async fn an_upload_that_stalls_is_answered_408_and_stores_nothing() {
    let app = TestApp::start_with(|c| c.body_idle_timeout_secs = 1).await;
    let ann = app.customer("Ann").await;
    let mut slow = connect_from("127.0.0.1", app.server.addr).await;
    let head = format!(
        "POST /v1/files?name=a.txt HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\
         content-type: text/plain\r\ncontent-length: 100000\r\n\r\nthe first bytes",
        ann.token
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let (received, _) = read_until_closed(&mut slow).await;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains(r#""code":"body_timeout""#), "{received}");
    let files = std::fs::read_dir(app.server.state.config.files_dir())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .count()
        })
        .unwrap_or(0);
    assert_eq!(files, 0, "a partial upload was kept");
}

#[tokio::test]
async fn a_body_that_trickles_past_its_deadline_is_answered_408() {
    let app = TestApp::start_with(|c| {
        c.body_idle_timeout_secs = 2;
        c.body_deadline_secs = 2;
    })
    .await;
    let mut slow = connect_from("127.0.0.1", app.server.addr).await;
    let began = Instant::now();
    slow.write_all(
        b"POST /v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 1000\r\n\r\n",
    )
    .await
    .unwrap();
    // A byte every 300 ms never stalls long enough for the idle timeout.
    let (mut reader, mut writer) = slow.into_split();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b" ").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let mut received = Vec::new();
    tokio::time::timeout(GIVE_UP, reader.read_to_end(&mut received))
        .await
        .expect("answered before giving up")
        .ok();
    trickle.abort();
    let received = String::from_utf8_lossy(&received);
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(began.elapsed() >= Duration::from_millis(1900));
}

#[tokio::test]
async fn one_address_gets_its_share_of_connections_and_others_are_served() {
    let app = TestApp::start_with(|c| c.max_connections_per_address = 3).await;
    let addr = app.server.addr;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect_from("127.0.0.2", addr).await;
        // Served: each connection gets its answer and stays open.
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    // A fourth is answered 429 and closed without being read.
    let mut greedy = connect_from("127.0.0.2", addr).await;
    let (received, _) = read_until_closed(&mut greedy).await;
    assert!(received.starts_with("HTTP/1.1 429"), "{received}");
    assert!(received.contains(r#""code":"too_many_connections""#));
    // Another address is served.
    healthy(&app).await;
    // One closes: the address may connect again.
    drop(held.pop());
    eventually_served("127.0.0.2", addr).await;
}

/// Waits until a connection from `from` is served again (the server frees a
/// place when it sees the connection close).
async fn eventually_served(from: &str, addr: SocketAddr) {
    let served = async {
        loop {
            let mut stream = connect_from(from, addr).await;
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            let (received, _) = read_until_closed(&mut stream).await;
            if received.starts_with("HTTP/1.1 200") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(GIVE_UP, served)
        .await
        .expect("a freed place is given again");
}

#[tokio::test]
async fn an_open_websocket_counts_against_its_address() {
    let app = TestApp::start_with(|c| c.max_connections_per_address = 1).await;
    let ann = app.customer("Ann").await;
    let addr = app.server.addr;
    let mut request = format!("ws://{addr}/v1/ws").into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", ann.token).parse().unwrap(),
    );
    let stream = connect_from("127.0.0.2", addr).await;
    let (socket, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("the socket opens");
    // The upgraded socket keeps its place: the next connection is refused.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut second = connect_from("127.0.0.2", addr).await;
    let (received, _) = read_until_closed(&mut second).await;
    assert!(received.starts_with("HTTP/1.1 429"), "{received}");
    // Closing the socket gives the place back.
    drop(socket);
    eventually_served("127.0.0.2", addr).await;
}

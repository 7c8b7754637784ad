//! Uploads: streamed to disk by content hash, type-checked, attached to
//! messages, downloadable by those who may see the message.

mod common;

use common::TestApp;
use protocol::{FileMeta, Message, Role};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn an_attachment_round_trips_byte_for_byte() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "Screenshot").await;

    let file: FileMeta = ann
        .upload("../../screen shot.png", "image/png", PNG.to_vec())
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(file.name, "screen shot.png", "the path is dropped");
    assert_eq!(file.size, PNG.len() as i64);
    assert_eq!(file.sha256, hex::encode(Sha256::digest(PNG)));

    let message: Message = ann
        .post(
            &format!("/v1/tickets/{}/messages", t.id),
            json!({"body": "see attached", "attachment_ids": [file.id]}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(message.attachments, vec![file.clone()]);

    let download = bea.get(&format!("/v1/files/{}", file.id)).await;
    download.expect(StatusCode::OK);
    assert_eq!(download.bytes, PNG);
    assert_eq!(download.headers["content-type"], "image/png");
    assert_eq!(download.headers["x-content-type-options"], "nosniff");
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("screen%20shot.png")
    );
}

/// A client that cannot name the type (a generated client sends every
/// upload as octet-stream) gets the type the content shows; text, which has
/// no signature, must be named.
#[tokio::test]
async fn an_untyped_upload_takes_the_type_its_content_shows() {
    let app = TestApp::start().await;
    let ann = app.customer("Ann").await;
    let file: FileMeta = ann
        .upload("picture", "application/octet-stream", PNG.to_vec())
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(file.content_type, "image/png");
    let download = ann.get(&format!("/v1/files/{}", file.id)).await;
    download.expect(StatusCode::OK);
    assert_eq!(download.headers["content-type"], "image/png");
    let text = ann
        .upload("notes", "application/octet-stream", b"plain words".to_vec())
        .await;
    text.expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(text.code(), "unsupported_file_type");
}

#[tokio::test]
async fn a_file_is_attached_once_and_only_by_its_uploader() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let dept = admin.department("Billing").await;
    let bea = app.staff(&admin, "Bea", Role::Agent, Some(&dept)).await;
    let ann = app.customer("Ann").await;
    let t = ann.open_ticket(&dept, "S").await;
    let path = format!("/v1/tickets/{}/messages", t.id);
    let file: FileMeta = ann
        .upload("a.txt", "text/plain", b"hello".to_vec())
        .await
        .json();

    let resp = bea
        .post(
            &path,
            json!({"body": "mine now", "attachment_ids": [file.id]}),
        )
        .await;
    resp.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp.code(), "invalid_attachment");
    ann.post(&path, json!({"body": "one", "attachment_ids": [file.id]}))
        .await
        .expect(StatusCode::CREATED);
    ann.post(&path, json!({"body": "two", "attachment_ids": [file.id]}))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // The rejected messages were not written.
    let page: protocol::MessagePage = ann.get(&path).await.json();
    assert_eq!(page.messages.len(), 2);
}

#[tokio::test]
async fn same_content_is_stored_once_on_disk() {
    let app = TestApp::start().await;
    let ann = app.customer("Ann").await;
    let a: FileMeta = ann
        .upload("a.txt", "text/plain", b"same bytes".to_vec())
        .await
        .json();
    let b: FileMeta = ann
        .upload("b.txt", "text/plain", b"same bytes".to_vec())
        .await
        .json();
    assert_ne!(a.id, b.id);
    assert_eq!(a.sha256, b.sha256);
    let path = app.server.state.files.path_of(&a.sha256);
    assert_eq!(std::fs::read(&path).unwrap(), b"same bytes");
    let dir = path.parent().unwrap();
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
}

#[tokio::test]
async fn an_unattached_upload_is_private_to_its_uploader() {
    let app = TestApp::start().await;
    let admin = app.admin().await;
    let ann = app.customer("Ann").await;
    let bob = app.customer("Bob").await;
    let file: FileMeta = ann
        .upload("a.txt", "text/plain", b"secret".to_vec())
        .await
        .json();
    ann.get(&format!("/v1/files/{}", file.id))
        .await
        .expect(StatusCode::OK);
    bob.get(&format!("/v1/files/{}", file.id))
        .await
        .expect(StatusCode::NOT_FOUND);
    admin
        .get(&format!("/v1/files/{}", file.id))
        .await
        .expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_oversized_upload_is_refused_and_leaves_nothing_behind() {
    let app = TestApp::start_with(|c| c.max_upload_bytes = 1000).await;
    let ann = app.customer("Ann").await;
    // Streamed without a Content-Length, so the limit is enforced mid-stream.
    let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 200]));
    let resp = app
        .http
        .post(app.url("/v1/files?name=big.txt"))
        .bearer_auth(&ann.token)
        .header("content-type", "text/plain")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let tmp = app.server.state.config.files_dir().join("tmp");
    assert_eq!(
        std::fs::read_dir(tmp).unwrap().count(),
        0,
        "no temp file left"
    );
}

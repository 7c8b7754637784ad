//! File upload and download. An upload belongs to its uploader until it is
//! attached to a message; then whoever may see that message may download it.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::{ErrorBody, FileMeta};
use serde::Deserialize;
use tokio_util::io::ReaderStream;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::{self, from_micros, now_micros};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::filestore::{self, UploadError};
use crate::{AppState, policy};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The file's name as the user sees it; sanitised.
    name: Option<String>,
}

/// Uploads a file: the raw bytes as the body, its type as `Content-Type`
/// (or `application/octet-stream`: the server then takes the type the
/// content's signature shows, which text files have none of). Attach it to
/// a message with `attachment_ids`.
#[utoipa::path(post, path = "/v1/files", operation_id = "upload_file", tag = "files",
    params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "the file's bytes; Content-Type must be its real type, or application/octet-stream for the server to recognise it"),
    responses(
        (status = 201, body = FileMeta),
        (status = 413, description = "larger than the configured limit", body = ErrorBody),
        (status = 415, description = "type not accepted or content not of that type", body = ErrorBody),
        (status = 422, description = "an invalid file name", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<FileMeta>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if !filestore::is_allowed_type(&content_type) && content_type != filestore::UNTYPED {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            format!("files of type {content_type:?} are not accepted"),
        ));
    }
    let max = state.config.max_upload_bytes;
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && length > max
    {
        return Err(too_large(max));
    }
    let stored = state
        .files
        .store(body.into_data_stream(), &content_type, max)
        .await
        .map_err(|e| match e {
            UploadError::TooLarge(max) => too_large(max),
            UploadError::Empty => ApiError::unprocessable("empty_file", e.to_string()),
            UploadError::ContentMismatch(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_mismatch",
                e.to_string(),
            ),
            UploadError::Body(_) => ApiError::bad_request("invalid_body", e.to_string()),
            UploadError::TimedOut => ApiError::body_timeout(),
            UploadError::UnknownType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_file_type",
                e.to_string(),
            ),
            UploadError::Io(e) => ApiError::internal(e),
        })?;
    let meta = FileMeta {
        id: Uuid::now_v7(),
        name: filestore::sanitize_name(params.name.as_deref().unwrap_or("")),
        content_type: stored.content_type,
        size: stored.size as i64,
        sha256: stored.sha256,
        created_at: from_micros(now_micros()),
    };
    db::files::insert(state.db.writer(), &meta, caller.id()).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!("files may be at most {max} bytes"),
    )
}

/// Downloads a file: its uploader, or anyone who may see the message it is
/// attached to.
#[utoipa::path(get, path = "/v1/files/{id}", operation_id = "download_file", tag = "files",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the file's bytes", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("file_not_found", "no such file");
    let record = db::files::get(state.db.reader(), id)
        .await?
        .ok_or_else(not_found)?;
    let allowed = record.uploader_id == caller.id()
        || match record.ticket_id {
            Some(ticket_id) => {
                (caller.is_staff() || !record.internal)
                    && policy::visible_ticket(&state.db, &caller, ticket_id)
                        .await
                        .is_ok()
            }
            None => false,
        };
    if !allowed {
        return Err(not_found());
    }
    let file = tokio::fs::File::open(state.files.path_of(&record.meta.sha256))
        .await
        .map_err(ApiError::internal)?;
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    let content_type =
        HeaderValue::from_str(&record.meta.content_type).map_err(ApiError::internal)?;
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(record.meta.size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&record.meta.name),
    );
    Ok(response)
}

/// `attachment; filename*=UTF-8''<percent-encoded name>` (RFC 6266).
fn content_disposition(name: &str) -> HeaderValue {
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

//! Uploaded files on local disk, named by the SHA-256 of their content
//! (`files/ab/abcdef…`), so the same content is stored once.

use std::path::PathBuf;

use anyhow::Context;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// Content types accepted for upload. Those with a recognisable signature
/// must also look like what they claim (checked with `infer`).
pub const ALLOWED_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/zip",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "audio/wav",
    "video/mp4",
    "video/quicktime",
    "text/plain",
    "text/csv",
];

/// How much of the start of a file is kept to check its type.
const SNIFF_LEN: usize = 8192;

#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
}

pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// The declared type, or for [`UNTYPED`] the type the content shows.
    pub content_type: String,
}

/// A client that cannot name a file's type sends it as this; the server
/// takes the type its content shows, when that is an accepted one.
pub const UNTYPED: &str = "application/octet-stream";

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the file is empty")]
    Empty,
    #[error("the content does not look like {0}")]
    ContentMismatch(String),
    #[error("reading the upload failed: {0}")]
    Body(String),
    #[error("the upload stalled or took too long")]
    TimedOut,
    #[error(
        "the content is of no accepted type it can be recognised as; \
         send it with its Content-Type"
    )]
    UnknownType,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl FileStore {
    pub fn open(root: PathBuf) -> anyhow::Result<FileStore> {
        std::fs::create_dir_all(root.join("tmp"))
            .with_context(|| format!("creating file store {}", root.display()))?;
        Ok(FileStore { root })
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Streams an upload to disk while hashing it, enforcing `max_bytes`
    /// as it goes, then checks its type and moves it into place.
    pub async fn store<S, E>(
        &self,
        mut body: S,
        content_type: &str,
        max_bytes: u64,
    ) -> Result<Stored, UploadError>
    where
        S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + 'static,
    {
        let tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))?;
        let mut file = tokio::fs::File::from_std(tmp.reopen()?);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head = Vec::with_capacity(SNIFF_LEN);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                if crate::extract::is_body_timeout(&e) {
                    UploadError::TimedOut
                } else {
                    UploadError::Body(e.to_string())
                }
            })?;
            size += chunk.len() as u64;
            if size > max_bytes {
                return Err(UploadError::TooLarge(max_bytes));
            }
            if head.len() < SNIFF_LEN {
                let take = (SNIFF_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        if size == 0 {
            return Err(UploadError::Empty);
        }
        let content_type = if content_type == UNTYPED {
            detect_type(&head).ok_or(UploadError::UnknownType)?
        } else {
            check_content(content_type, &head)?;
            content_type
        };
        file.sync_all().await?;
        drop(file);

        let sha256 = hex::encode(hasher.finalize());
        let dest = self.path_of(&sha256);
        if !dest.exists() {
            tokio::fs::create_dir_all(dest.parent().expect("has a parent")).await?;
            tmp.persist(&dest).map_err(|e| UploadError::Io(e.error))?;
        }
        Ok(Stored {
            sha256,
            size,
            content_type: content_type.to_string(),
        })
    }
}

pub fn is_allowed_type(content_type: &str) -> bool {
    ALLOWED_TYPES.contains(&content_type)
}

/// Text must not be binary; typed binaries must carry their signature.
fn check_content(content_type: &str, head: &[u8]) -> Result<(), UploadError> {
    let mismatch = || UploadError::ContentMismatch(content_type.to_string());
    if content_type.starts_with("text/") {
        return if head.contains(&0) {
            Err(mismatch())
        } else {
            Ok(())
        };
    }
    match infer::get(head) {
        Some(kind) if same_kind(kind.mime_type(), content_type) => Ok(()),
        _ => Err(mismatch()),
    }
}

/// The accepted type a file's signature shows, named as clients name it.
fn detect_type(head: &[u8]) -> Option<&'static str> {
    let detected = infer::get(head)?.mime_type();
    ALLOWED_TYPES
        .iter()
        .copied()
        .find(|allowed| !allowed.starts_with("text/") && same_kind(detected, allowed))
}

/// `infer` names a few types differently from what clients send.
fn same_kind(detected: &str, declared: &str) -> bool {
    detected == declared
        || matches!(
            (detected, declared),
            ("audio/x-wav", "audio/wav")
                | ("audio/m4a", "audio/mp4")
                | ("image/heif", "image/heic")
        )
}

/// Keeps a file name safe to show and to put in a download header: the last
/// path component, no control or quote characters, at most 100 characters.
pub fn sanitize_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(100)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "file".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_dangerous_characters() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_name("a\u{0}b\"c.txt"), "abc.txt");
        assert_eq!(sanitize_name(".hidden"), "hidden");
        assert_eq!(sanitize_name("   "), "file");
        assert_eq!(sanitize_name(&"x".repeat(300)).chars().count(), 100);
    }

    #[test]
    fn content_must_match_its_declared_type() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(check_content("image/png", png).is_ok());
        assert!(check_content("image/jpeg", png).is_err());
        assert!(check_content("application/pdf", b"hello").is_err());
        assert!(check_content("text/plain", b"hello").is_ok());
        assert!(check_content("text/plain", b"he\0llo").is_err());
    }
}

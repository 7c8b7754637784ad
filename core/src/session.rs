//! Where the session token lives. The apps implement `TokenStore` with the
//! Android Keystore or the iOS Keychain; `file_token_store` is for desktop
//! use, the terminal client and tests.

use std::path::PathBuf;
use std::sync::Arc;

/// Keeps the session token between runs of the app.
#[uniffi::export(foreign)]
pub trait TokenStore: Send + Sync {
    fn load(&self) -> Option<String>;
    fn save(&self, token: String);
    fn clear(&self);
}

/// A token store in a file (readable by the owner only).
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }
}

/// A token store in the file at `path`.
#[uniffi::export]
pub fn file_token_store(path: String) -> Arc<dyn TokenStore> {
    Arc::new(FileTokenStore::new(path))
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> Option<String> {
        std::fs::read_to_string(&self.path)
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    fn save(&self, token: String) {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = write_private(&self.path, &token) {
            tracing::warn!(error = %e, "could not save the session token");
        }
    }

    fn clear(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(token.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, token: &str) -> std::io::Result<()> {
    std::fs::write(path, token)
}

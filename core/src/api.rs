//! Typed HTTP calls to the server. Every failure becomes a `CoreError`:
//! unreachable → `Offline`, the server's `{"error": …}` by status.

use std::time::Duration;

use protocol::ErrorBody;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::CoreError;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Result<Api, CoreError> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CoreError::invalid(format!(
                "server URL must start with http:// or https://, not {base:?}"
            )));
        }
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::http_config())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CoreError::invalid(e.to_string()))?;
        Ok(Api { http, base })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The WebSocket URL of the realtime connection.
    pub fn ws_url(&self) -> String {
        let url = self.url("/v1/ws");
        match url.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => url.replacen("http://", "ws://", 1),
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends a request and decodes a JSON answer; also returns the status
    /// (201 created versus 200 already there).
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<(StatusCode, T), CoreError> {
        let response = self.raw(method, path, token, body).await?;
        let status = response.status();
        let value = response.json::<T>().await.map_err(|e| CoreError::Server {
            message: format!("unreadable answer: {e}"),
        })?;
        Ok((status, value))
    }

    /// Sends a request whose answer has no body.
    pub async fn send_empty(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<(), CoreError> {
        self.raw(method, path, token, body).await.map(|_| ())
    }

    /// Sends a request; a non-2xx answer becomes the matching error.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<reqwest::Response, CoreError> {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(network_error)?;
        check(response).await
    }
}

pub fn network_error(e: reqwest::Error) -> CoreError {
    CoreError::Offline {
        message: if e.is_timeout() {
            "the server did not answer in time".into()
        } else {
            "the server cannot be reached".into()
        },
    }
}

/// Maps an error answer to `CoreError` using the server's message.
pub async fn check(response: reqwest::Response) -> Result<reqwest::Response, CoreError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let message = match response.json::<ErrorBody>().await {
        Ok(body) => body.error.message,
        Err(_) => status.to_string(),
    };
    Err(match status {
        StatusCode::UNAUTHORIZED => CoreError::Unauthorized { message },
        StatusCode::FORBIDDEN => CoreError::Forbidden { message },
        StatusCode::NOT_FOUND => CoreError::NotFound { message },
        StatusCode::CONFLICT => CoreError::Conflict { message },
        StatusCode::TOO_MANY_REQUESTS => CoreError::Server { message },
        s if s.is_client_error() => CoreError::Invalid { message },
        _ => CoreError::Server { message },
    })
}

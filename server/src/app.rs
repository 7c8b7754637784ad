//! The router: every API route, the OpenAPI document generated from them,
//! health, metrics, and the layers around it all.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router, middleware};
use tower_http::timeout::{RequestBodyDeadlineLayer, RequestBodyTimeoutLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::{AppState, api, metrics};

/// JSON bodies are small; uploads have their own, larger limit.
const JSON_BODY_LIMIT: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "Customer Service API", description = "Tickets, chat and the sync feed."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::routes())
        .split_for_parts();
    let document = serde_json::to_value(&openapi).expect("the OpenAPI document serialises");
    let openapi = std::sync::Arc::new(crate::openapi::complete(document));

    Router::new()
        .merge(api_router)
        .route(
            "/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        // A body must keep arriving and finish in time, or a slow client
        // would hold its request (and a connection) for ever.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            state.config.body_idle_timeout_secs,
        )))
        .layer(RequestBodyDeadlineLayer::new(Duration::from_secs(
            state.config.body_deadline_secs,
        )))
        .with_state(state.clone())
        .route(
            "/metrics",
            get(metrics::serve).with_state(state.metrics.clone()),
        )
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::record,
        ))
        .layer(TraceLayer::new_for_http())
}

/// Answers when the database answers.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

async fn not_found() -> ApiError {
    ApiError::not_found("route_not_found", "no such route")
}

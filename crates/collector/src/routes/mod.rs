//! The pingyi/1 HTTP routes (see docs/protocol.md): one module per resource, and here the one
//! route table from which both the axum router and the OpenAPI document's operations are built.
//!
//! Handlers are thin: they check limits and auth, then call core (`validate_ballot`, `tally`,
//! `parse_survey`) and the store from blocking tasks. Every error is an [`ApiError`] with a
//! stable code.

mod ballots;
mod common;
pub mod meeting;
pub mod surveys;
mod tally;

pub use common::{now_rfc3339, PAGE_SIZE};
pub use surveys::{PublishResponse, SURVEY_STATE_HEADER};

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use pingyi_core::protocol::{error_code, SUBMIT_KEY_HEADER};

use crate::error::ApiError;
use crate::limits::{rate_limit, RateLimit, RateLimiter};
use crate::state::AppState;

/// One route of the router, for the OpenAPI document and its test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// OpenAPI path template.
    pub path: &'static str,
}

/// Every route the router serves (besides static files).
pub const ROUTES: &[Route] = &[
    Route {
        method: "get",
        path: "/healthz",
    },
    Route {
        method: "get",
        path: "/openapi.json",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}",
    },
    Route {
        method: "put",
        path: "/v1/surveys/{survey_id}",
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/ballots",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/ballots",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/tally",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/state",
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/codes",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/codes/hashes",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/codes/hints",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/codes/attempts",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/paper-totals",
    },
    Route {
        method: "put",
        path: "/v1/surveys/{survey_id}/paper-totals",
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/reveal",
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/hide",
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/close",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/final",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/live",
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/live/events",
    },
];

/// `GET /healthz`
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// `GET /openapi.json`
async fn openapi_json() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        error_code::NOT_FOUND,
        "no such route; see /openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        error_code::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
}

/// Turn the body-limit layer's plain-text 413 into the JSON error.
async fn json_413(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::payload_too_large(0)
            .with_message("the body is over the collector's size limit")
            .into_response();
    }
    resp
}

/// Router options besides the state.
#[derive(Clone, Debug, Default)]
pub struct RouterOptions {
    pub static_dir: Option<PathBuf>,
    /// Allowed CORS origins; `*` allows any. Empty: no CORS headers (same-origin only).
    pub cors_origins: Vec<String>,
    pub rate_limit: RateLimit,
    /// Reverse proxies whose `X-Forwarded-For` names the client for the rate limit.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The full application: API, OpenAPI, health, static files, CORS, limits and tracing.
pub fn router(state: Arc<AppState>, opts: &RouterOptions) -> Router {
    let limiter = Arc::new(RateLimiter::behind(
        opts.rate_limit,
        opts.trusted_proxies.clone(),
    ));
    let surveys = Router::new()
        .route(
            "/{survey_id}",
            get(surveys::get_survey).put(surveys::put_survey),
        )
        .route(
            "/{survey_id}/ballots",
            get(ballots::export_ballots).post(ballots::post_ballots),
        )
        .route("/{survey_id}/tally", get(tally::get_tally))
        .route("/{survey_id}/state", get(meeting::get_state))
        .route("/{survey_id}/codes", post(meeting::post_codes))
        .route("/{survey_id}/codes/hashes", get(meeting::get_code_hashes))
        .route("/{survey_id}/codes/hints", get(meeting::get_code_hints))
        .route(
            "/{survey_id}/codes/attempts",
            get(meeting::get_code_attempts),
        )
        .route(
            "/{survey_id}/paper-totals",
            get(meeting::get_paper_totals).put(meeting::put_paper_totals),
        )
        .route("/{survey_id}/reveal", post(meeting::post_reveal))
        .route("/{survey_id}/hide", post(meeting::post_hide))
        .route("/{survey_id}/close", post(meeting::post_close))
        .route("/{survey_id}/final", get(meeting::get_final))
        .route("/{survey_id}/live", get(meeting::get_live))
        .route("/{survey_id}/live/events", get(meeting::live_events))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Early refusal of a declared Content-Length over the limit; read_body also enforces it.
        .layer(RequestBodyLimitLayer::new(state.max_body_bytes))
        .layer(axum::middleware::map_response(json_413))
        .layer(axum::middleware::from_fn_with_state(limiter, rate_limit))
        .with_state(state);

    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi_json))
        .nest("/v1/surveys", surveys)
        .method_not_allowed_fallback(method_not_allowed);
    app = match &opts.static_dir {
        Some(dir) => app
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => app.fallback(not_found),
    };
    if let Some(cors) = cors_layer(&opts.cors_origins) {
        app = app.layer(cors);
    }
    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim().trim_end_matches('/')).ok())
            .collect();
        AllowOrigin::list(list)
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::HeaderName::from_static(SUBMIT_KEY_HEADER),
            ])
            .expose_headers([
                header::HeaderName::from_static(SURVEY_STATE_HEADER),
                header::HeaderName::from_static(meeting::FROZEN_HEADER),
                header::HeaderName::from_static(meeting::CONTENT_HASH_HEADER),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

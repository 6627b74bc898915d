//! The pingyi/1 HTTP routes (see docs/protocol.md): one module per resource, and here the one
//! route table, [`ROUTES`], from which both the axum router and the OpenAPI document's paths are
//! built.
//!
//! Handlers are thin: they check limits and auth, then call core (`validate_ballot`, `tally`,
//! `parse_survey`) and the store from blocking tasks. Every error is an [`ApiError`] with a
//! stable code.

mod ballots;
mod common;
pub mod meeting;
mod rollup;
pub mod surveys;
mod tally;

pub use common::{now_rfc3339, PAGE_SIZE};
pub use surveys::{PublishResponse, SURVEY_STATE_HEADER};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put, MethodRouter};
use axum::{Json, Router};
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use pingyi_core::protocol::{error_code, SUBMIT_KEY_HEADER};

use crate::assets::StaticFiles;
use crate::error::{ApiError, INTERNAL_MESSAGE};
use crate::headers::{self, PolicyOptions, SecurityHeaders};
use crate::limits::{rate_limit, RateLimit, RateLimiter};
use crate::openapi::{operations as ops, Parts};
use crate::state::AppState;

/// One route: method, path, handler and OpenAPI operation. [`ROUTES`] is the one list from which
/// both the router ([`router`]) and the paths of `/openapi.json` are built.
#[derive(Clone, Copy)]
pub struct Route {
    /// Lowercase HTTP method, as OpenAPI writes it.
    pub method: &'static str,
    /// Full path, as an axum and OpenAPI template (`{survey_id}`).
    pub path: &'static str,
    /// The handler, as a method router for `method`.
    pub handler: fn() -> MethodRouter<Arc<AppState>>,
    /// The OpenAPI operation.
    pub operation: fn(&Parts) -> serde_json::Value,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Routes under this prefix (the API: surveys and the roll-up) get the body limit and the rate
/// limit.
const API: &str = "/v1";

/// Every route the collector serves (besides static files).
pub const ROUTES: &[Route] = &[
    Route {
        method: "get",
        path: "/healthz",
        handler: || get(healthz),
        operation: ops::healthz,
    },
    Route {
        method: "get",
        path: "/openapi.json",
        handler: || get(openapi_json),
        operation: ops::openapi,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}",
        handler: || get(surveys::get_survey),
        operation: ops::get_survey,
    },
    Route {
        method: "put",
        path: "/v1/surveys/{survey_id}",
        handler: || put(surveys::put_survey),
        operation: ops::put_survey,
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/ballots",
        handler: || post(ballots::post_ballots),
        operation: ops::submit_ballots,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/ballots",
        handler: || get(ballots::export_ballots),
        operation: ops::export_ballots,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/tally",
        handler: || get(tally::get_tally),
        operation: ops::get_tally,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/state",
        handler: || get(meeting::get_state),
        operation: ops::get_survey_state,
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/codes",
        handler: || post(meeting::post_codes),
        operation: ops::make_codes,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/codes/hashes",
        handler: || get(meeting::get_code_hashes),
        operation: ops::get_code_hashes,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/codes/hints",
        handler: || get(meeting::get_code_hints),
        operation: ops::get_code_hints,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/codes/attempts",
        handler: || get(meeting::get_code_attempts),
        operation: ops::get_code_attempts,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/paper-totals",
        handler: || get(meeting::get_paper_totals),
        operation: ops::get_paper_totals,
    },
    Route {
        method: "put",
        path: "/v1/surveys/{survey_id}/paper-totals",
        handler: || put(meeting::put_paper_totals),
        operation: ops::put_paper_totals,
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/reveal",
        handler: || post(meeting::post_reveal),
        operation: ops::reveal_results,
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/hide",
        handler: || post(meeting::post_hide),
        operation: ops::hide_results,
    },
    Route {
        method: "post",
        path: "/v1/surveys/{survey_id}/close",
        handler: || post(meeting::post_close),
        operation: ops::close_survey,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/final",
        handler: || get(meeting::get_final),
        operation: ops::get_final_tally,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/live",
        handler: || get(meeting::get_live),
        operation: ops::get_live,
    },
    Route {
        method: "get",
        path: "/v1/surveys/{survey_id}/live/events",
        handler: || get(meeting::live_events),
        operation: ops::get_live_events,
    },
    Route {
        method: "post",
        path: "/v1/rollup",
        handler: || post(rollup::post_rollup),
        operation: ops::post_rollup,
    },
];

/// The routes of [`ROUTES`] whose path `keep` accepts, with `strip` cut from their paths; the
/// methods of one path merged into one method router.
fn table_router(keep: impl Fn(&str) -> bool, strip: &str) -> Router<Arc<AppState>> {
    let mut by_path: Vec<(&str, MethodRouter<Arc<AppState>>)> = Vec::new();
    for route in ROUTES.iter().filter(|r| keep(r.path)) {
        let path = route.path.strip_prefix(strip).unwrap_or(route.path);
        match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, methods)) => {
                *methods = std::mem::take(methods).merge((route.handler)());
            }
            None => by_path.push((path, (route.handler)())),
        }
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(path, methods)
        })
}

/// `GET /healthz`
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// The OpenAPI document of the one route table.
pub fn openapi_document() -> serde_json::Value {
    crate::openapi::document(ROUTES.iter().map(|r| (r.method, r.path, r.operation)))
}

/// `GET /openapi.json`
async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi_document())
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

/// Middleware: every error answer is the documented JSON [`ApiError`] body. The handlers' own
/// errors already are; this turns the plain-text rejections of axum's extractors (a malformed
/// query string or path, a body that is not JSON or lacks its content type), of the body-limit
/// layer and of the static files into one, keeping their status (422 becomes 400
/// `bad_request`) and their explanation.
async fn errors_as_json(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // A rejection's text is short; anything longer is cut, never read whole.
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let mut out = rejection_error(status, &text).into_response();
    // Keep the other headers (CORS, Retry-After, Allow); the body's own ones are new.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.drain().filter_map(|(n, v)| Some((n?, v))) {
        out.headers_mut().entry(name).or_insert(value);
    }
    out
}

/// The [`ApiError`] for a plain-text rejection with `status` and explanation `text`.
fn rejection_error(status: StatusCode, text: &str) -> ApiError {
    let detail = |zh: &str| {
        if text.is_empty() {
            zh.to_string()
        } else {
            format!("{zh} {text}")
        }
    };
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(0).with_message(
            "请求正文超过收集服务器的大小上限。 The body is over the collector's size limit.",
        ),
        StatusCode::NOT_FOUND => ApiError::no_route(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(),
        StatusCode::TOO_MANY_REQUESTS => {
            ApiError::new(status, error_code::RATE_LIMITED, detail("请求过于频繁。"))
        }
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::bad_request(detail("请求正文格式有误。")),
        s if s.is_server_error() => ApiError::new(s, error_code::INTERNAL, INTERNAL_MESSAGE),
        s => ApiError::new(s, error_code::BAD_REQUEST, detail("请求有误。")),
    }
}

/// The span of one request: method and the matched route pattern (else the path), never the
/// query string, which carries ballot codes from scanned slips.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    tracing::info_span!("request", method = %req.method(), route = %route)
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
    /// The Content-Security-Policy's options; [`router`] adds the static pages' inline hashes.
    pub policy: PolicyOptions,
    /// Longest wait for the rest of a request body once its headers are in.
    pub body_read_timeout: Option<Duration>,
}

/// The full application: API, OpenAPI, health, static files, CORS, limits and tracing.
///
/// Fails when the security policy cannot be a header (a frame or connect source with a
/// line break).
pub fn router(state: Arc<AppState>, opts: &RouterOptions) -> Result<Router, String> {
    let limiter = Arc::new(RateLimiter::behind(
        opts.rate_limit,
        opts.trusted_proxies.clone(),
    ));
    let surveys = table_router(|p| p.starts_with(API), API)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Early refusal of a declared Content-Length over the limit; read_body also enforces it.
        .layer(RequestBodyLimitLayer::new(state.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(limiter, rate_limit))
        .with_state(state.clone());

    let mut app = table_router(|p| !p.starts_with(API), "")
        .with_state(state)
        .nest(API, surveys)
        .method_not_allowed_fallback(method_not_allowed)
        // The API's answers only: the static files have compressed copies of their own.
        .layer(compression())
        .layer(axum::middleware::map_request(plain_answers_to_writes));
    app = match &opts.static_dir {
        Some(dir) => {
            let files = StaticFiles::new(dir);
            app.fallback(move |req: axum::extract::Request| files.clone().serve(req))
        }
        None => app.fallback(not_found),
    };
    if let Some(timeout) = opts.body_read_timeout {
        app = app.layer(RequestBodyTimeoutLayer::new(timeout));
    }
    if let Some(cors) = cors_layer(&opts.cors_origins) {
        app = app.layer(cors);
    }
    let mut policy = opts.policy.clone();
    policy.connect_src.extend(opts.cors_origins.iter().cloned());
    let security = Arc::new(SecurityHeaders::new(&policy)?);
    Ok(app
        .layer(axum::middleware::map_response(errors_as_json))
        .layer(axum::middleware::from_fn_with_state(
            security,
            headers::add_security_headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        ))
}

/// On-the-fly compression (Brotli, else gzip, as the request accepts) of the API's JSON answers
/// over 32 bytes: surveys, tallies, exports (streamed as they are compressed), the OpenAPI
/// document. Never the live event stream (`text/event-stream`: each event must leave at once)
/// nor anything else.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(is_json))
}

/// Whether an answer is JSON (`application/json`, `application/x-ndjson`, `…+json`).
fn is_json(
    _: StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    let Some(kind) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or("").trim();
    kind == "application/json" || kind == "application/x-ndjson" || kind.ends_with("+json")
}

/// Middleware: the answers to writes (`POST`, `PUT`: ballot receipts, newly made codes) are sent
/// as they are. They are small, and a fresh secret never shares a compressed answer with text
/// of the request.
async fn plain_answers_to_writes(mut req: axum::extract::Request) -> axum::extract::Request {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        req.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    req
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::{Path, Query};
    use axum::http::Request;
    use tower_service::Service;

    #[derive(serde::Deserialize)]
    struct Version {
        #[allow(dead_code)]
        version: Option<u32>,
    }

    /// A router with each of axum's extractors, behind [`errors_as_json`].
    fn extractors() -> Router {
        Router::new()
            .route("/json", post(|Json(_): Json<Version>| async { "ok" }))
            .route("/query", get(|Query(_): Query<Version>| async { "ok" }))
            .route("/path/{n}", get(|Path(_): Path<u32>| async { "ok" }))
            .route(
                "/limited",
                post(|Json(_): Json<serde_json::Value>| async { "ok" }),
            )
            .layer(axum::extract::DefaultBodyLimit::max(16))
            .layer(axum::middleware::map_response(errors_as_json))
    }

    async fn answer(req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let resp = extractors().call(req).await.unwrap();
        let status = resp.status();
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/json",
            "{status}"
        );
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn post_json(uri: &str, content_type: Option<&str>, body: &str) -> Request<Body> {
        let mut req = Request::post(uri);
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        req.body(Body::from(body.to_string())).unwrap()
    }

    #[tokio::test]
    async fn every_extractor_rejection_becomes_the_json_error() {
        let cases = [
            (
                post_json("/json", None, r#"{"version":1}"#),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "bad_request",
                "Content-Type",
            ),
            (
                post_json("/json", Some("application/json"), "{"),
                StatusCode::BAD_REQUEST,
                "bad_request",
                "EOF",
            ),
            (
                post_json("/json", Some("application/json"), r#"{"version":"x"}"#),
                StatusCode::BAD_REQUEST,
                "bad_request",
                "version",
            ),
            (
                post_json("/limited", Some("application/json"), &"1".repeat(100)),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "size limit",
            ),
            (
                Request::get("/query?version=junk")
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::BAD_REQUEST,
                "bad_request",
                "query string",
            ),
            (
                Request::get("/path/x").body(Body::empty()).unwrap(),
                StatusCode::BAD_REQUEST,
                "bad_request",
                "parse",
            ),
            (
                Request::delete("/query").body(Body::empty()).unwrap(),
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method",
            ),
        ];
        for (req, status, code, says) in cases {
            let what = format!("{} {}", req.method(), req.uri());
            let (got, body) = answer(req).await;
            assert_eq!(got, status, "{what}: {body}");
            assert_eq!(body["error"]["code"], code, "{what}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(says), "{what}: {message}");
        }
    }
}

//! The pingyi/1 HTTP routes (see docs/protocol.md).
//!
//! Handlers are thin: they check limits and auth, then call core (`validate_ballot`, `tally`,
//! `parse_survey`) and the [`Store`] from blocking tasks. Every error is an [`ErrorBody`] with a
//! stable code.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::{error, info, Level};

use pingyi_core::export::{raw_export, tally_csv};
use pingyi_core::protocol::{
    batch_http_status, error_code, SubmitResponse, MAX_BATCH, SUBMIT_KEY_HEADER,
};
use pingyi_core::time::{format_rfc3339_millis, UtcTime};
use pingyi_core::{Ballot, Survey};

use crate::auth::{Admin, AdminCheck};
use crate::error::ApiError;
use crate::ingest::{ingest, Sender};
use crate::limits::{rate_limit, RateLimit, RateLimiter};
use crate::meeting;
use crate::state::AppState;
use crate::store::PublishOutcome;

/// Ballots read from the database per page when exporting or tallying.
pub const PAGE_SIZE: usize = 500;

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

/// Run blocking work (SQLite, validation, counting) off the async threads. A panic becomes a
/// 500 `internal`, never a dropped connection.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => {
            error!("blocking task failed: {e}");
            Err(ApiError::internal())
        }
    }
}

/// Read the whole body, at most `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
            .any(|e| e.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::payload_too_large(limit)
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                error_code::BAD_REQUEST,
                format!("could not read the body: {e}"),
            )
        }
    })
}

/// `GET /healthz`
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// `GET /openapi.json`
async fn openapi_json() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// Header of `GET /v1/surveys/{survey_id}` telling the widget whether voting is `open` or `closed`.
pub const SURVEY_STATE_HEADER: &str = "x-pingyi-survey-state";

/// `GET /v1/surveys/{survey_id}`: the latest published survey, public, with the
/// [`SURVEY_STATE_HEADER`].
async fn get_survey(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
) -> Result<Response, ApiError> {
    let (stored, closed) = blocking(move || {
        let stored = state.store.latest_survey(&survey_id)?.ok_or_else(|| {
            ApiError::survey_not_found(format!("no survey {survey_id:?} is published here"))
        })?;
        let closed = state.store.meeting_state(&survey_id)?.closed_at.is_some();
        Ok((stored, closed))
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::HeaderName::from_static(SURVEY_STATE_HEADER),
                HeaderValue::from_static(if closed { "closed" } else { "open" }),
            ),
        ],
        stored.json,
    )
        .into_response())
}

/// Response of `PUT /v1/surveys/{survey_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PublishResponse {
    pub survey_id: String,
    pub version: u32,
    /// `created` (201) or `unchanged` (200, the same version was already published).
    pub status: String,
}

/// `PUT /v1/surveys/{survey_id}`: publish a survey version (admin).
async fn put_survey(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    _admin: Admin,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body, state.max_body_bytes).await?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            error_code::BAD_REQUEST,
            "the body is not UTF-8",
        )
    })?;
    let (survey, outcome) =
        blocking(move || Ok(state.publish_text(&text, Some(&survey_id))?)).await?;
    let (status, word) = match outcome {
        PublishOutcome::Created => (StatusCode::CREATED, "created"),
        PublishOutcome::Unchanged => (StatusCode::OK, "unchanged"),
    };
    info!(survey_id = %survey.id, version = survey.version, outcome = word, "survey published");
    Ok((
        status,
        Json(PublishResponse {
            survey_id: survey.id,
            version: survey.version,
            status: word.into(),
        }),
    )
        .into_response())
}

/// The envelope of a batch, read before the ballots themselves so that one malformed ballot
/// gets its own `rejected` result instead of failing the batch.
#[derive(Deserialize)]
struct RawBatch {
    ballots: Vec<serde_json::Value>,
}

/// `POST /v1/surveys/{survey_id}/ballots`: store a batch of ballots.
async fn post_ballots(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: AdminCheck,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body, state.max_body_bytes).await?;
    let raw: RawBatch = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            error_code::BAD_REQUEST,
            format!("the body is not a pingyi/1 batch {{\"ballots\": [...]}}: {e}"),
        )
    })?;
    if raw.ballots.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            error_code::BATCH_EMPTY,
            "the batch has no ballots",
        ));
    }
    if raw.ballots.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            error_code::BATCH_TOO_LARGE,
            format!(
                "{} ballots in one batch; at most {MAX_BATCH}",
                raw.ballots.len()
            ),
        ));
    }
    let given_key = headers
        .get(SUBMIT_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let admin = admin.is_admin();
    let results = blocking(move || {
        let sender = Sender::Phone {
            submit_key: given_key.as_deref(),
            admin,
        };
        Ok(ingest(&state, &survey_id, sender, raw.ballots)?)
    })
    .await?;
    let status = StatusCode::from_u16(batch_http_status(&results))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok((status, Json(SubmitResponse { results })).into_response())
}

/// Query of the tally and export routes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReadQuery {
    /// Survey version; default the latest.
    version: Option<u32>,
    /// Tally: `tally` (default), `report` or `csv`. Export: `json` (default), `ndjson` or
    /// `export`.
    format: Option<String>,
    /// Language of the CSV's headers and fixed words: `zh` (default) or `en`.
    lang: Option<String>,
}

/// The server's clock as RFC 3339 UTC with milliseconds (core's format), for `generated_at`.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_rfc3339_millis(UtcTime {
        unix_seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: d.subsec_nanos(),
    })
}

/// The survey version a read route asks for: `version`, else the latest (blocking).
pub(crate) fn asked_version(
    state: &AppState,
    survey_id: &str,
    latest: Arc<Survey>,
    version: Option<u32>,
) -> Result<Arc<Survey>, ApiError> {
    match version {
        None => Ok(latest),
        Some(v) => state.version(survey_id, v)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                error_code::SURVEY_NOT_FOUND,
                format!("version {v} of survey {survey_id:?} is not published here"),
            )
        }),
    }
}

/// `attachment; filename="…"` for a download. Survey ids are `[a-z0-9_-]`, so no quoting issue;
/// anything else is replaced to be safe.
pub(crate) fn attachment(name: &str) -> HeaderValue {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Every stored ballot of a survey, read page by page (blocking).
pub(crate) fn load_ballots(state: &AppState, survey_id: &str) -> Result<Vec<Ballot>, ApiError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = state
            .store
            .ballots_page(survey_id, None, after, PAGE_SIZE)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let n = page.len();
        for row in page {
            match serde_json::from_str::<Ballot>(&row.canonical_json) {
                Ok(b) => out.push(b),
                Err(e) => {
                    error!(
                        survey_id,
                        seq = row.seq,
                        "stored ballot does not parse: {e}"
                    );
                    return Err(ApiError::internal());
                }
            }
        }
        if n < PAGE_SIZE {
            break;
        }
    }
    Ok(out)
}

/// What `GET …/tally` answers with.
enum TallyFormat {
    /// The plain core [`pingyi_core::Tally`] (the default, for compatibility).
    Tally,
    /// The `pingyi-tally/1` report with `generated_at` = the server's time.
    Report,
    /// Core's CSV for Excel (UTF-8 with BOM) as a download.
    Csv,
}

/// `GET /v1/surveys/{survey_id}/tally`: public when the survey says `results_public`.
/// `?format=report` gives the [`pingyi_core::export::TallyReport`], `?format=csv[&lang=en]` the CSV.
async fn get_tally(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    Query(q): Query<ReadQuery>,
    admin: AdminCheck,
) -> Result<Response, ApiError> {
    let format = match q.format.as_deref() {
        None | Some("tally") => TallyFormat::Tally,
        Some("report") => TallyFormat::Report,
        Some("csv") => TallyFormat::Csv,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                error_code::BAD_REQUEST,
                format!("unknown format {other:?}; use tally, report or csv"),
            ))
        }
    };
    let lang = match q.lang.as_deref() {
        None | Some("zh") | Some("zh-CN") => "zh",
        Some("en") => "en",
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                error_code::BAD_REQUEST,
                format!("unknown lang {other:?}; use zh or en"),
            ))
        }
    };
    let id = survey_id.clone();
    let response = blocking(move || {
        let latest = state.latest(&survey_id)?;
        let meeting = state.store.meeting_state(&survey_id)?;
        // results_public opens the tally to everyone only once the organiser revealed the results
        // or closed the survey: nobody follows the crowd while voting is open.
        if !(latest.results_public && (meeting.revealed || meeting.closed_at.is_some())) {
            admin.require()?;
        }
        let survey = asked_version(&state, &survey_id, latest, q.version)?;
        // After closing, the frozen final report (for its version) is served, never recounted.
        let (report, frozen) =
            match meeting::frozen_for(&state, &survey_id, &meeting, survey.version)? {
                Some((report, f)) => (report, Some(f)),
                None => (
                    meeting::current_report(&state, &survey_id, &survey, &now_rfc3339())?,
                    None,
                ),
            };
        let mut response = match (format, &frozen) {
            (TallyFormat::Tally, _) => Json(&report.tally).into_response(),
            // The stored bytes, so that their SHA-256 is the content hash.
            (TallyFormat::Report, Some(f)) => meeting::frozen_report_response(f),
            (TallyFormat::Report, None) => Json(&report).into_response(),
            (TallyFormat::Csv, _) => {
                let csv = tally_csv(&survey, &report.tally, lang);
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/csv; charset=utf-8"),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            attachment(&format!("{id}-tally.csv")),
                        ),
                    ],
                    csv,
                )
                    .into_response()
            }
        };
        if let Some(f) = frozen {
            let h = response.headers_mut();
            h.insert(meeting::FROZEN_HEADER, HeaderValue::from_static("true"));
            if let Ok(v) = HeaderValue::from_str(&f.content_hash) {
                h.insert(meeting::CONTENT_HASH_HEADER, v);
            }
        }
        Ok(response)
    })
    .await?;
    Ok(response)
}

/// `GET /v1/surveys/{survey_id}/ballots`: raw export (admin), streamed page by page.
async fn export_ballots(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    Query(q): Query<ReadQuery>,
    _admin: Admin,
) -> Result<Response, ApiError> {
    let ndjson = match q.format.as_deref() {
        None | Some("json") => false,
        Some("ndjson") => true,
        Some("export") => return officials_export(state, survey_id, q.version).await,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                error_code::BAD_REQUEST,
                format!("unknown format {other:?}; use json, ndjson or export"),
            ))
        }
    };
    let check = state.clone();
    let id = survey_id.clone();
    blocking(move || Ok(check.latest(&id).map(|_| ())?)).await?;

    let version = q.version;
    // State: (seq of the last row sent, whether nothing was sent yet); None when finished.
    let stream = futures_util::stream::unfold(Some((0i64, true)), move |st| {
        let state = state.clone();
        let survey_id = survey_id.clone();
        async move {
            let (after, first) = st?;
            let page = tokio::task::spawn_blocking(move || {
                state
                    .store
                    .ballots_page(&survey_id, version, after, PAGE_SIZE)
            })
            .await;
            let rows = match page {
                Ok(Ok(rows)) => rows,
                Ok(Err(e)) => {
                    error!("export failed: {e}");
                    return Some((Err(std::io::Error::other("export failed")), None));
                }
                Err(e) => {
                    error!("export task failed: {e}");
                    return Some((Err(std::io::Error::other("export failed")), None));
                }
            };
            let finished = rows.len() < PAGE_SIZE;
            let last = rows.last().map(|r| r.seq).unwrap_or(after);
            let mut chunk = String::new();
            for (i, row) in rows.iter().enumerate() {
                if ndjson {
                    chunk.push_str(&row.canonical_json);
                    chunk.push('\n');
                } else {
                    chunk.push_str(if first && i == 0 { "[\n" } else { ",\n" });
                    chunk.push_str(&row.canonical_json);
                }
            }
            if finished && !ndjson {
                chunk.push_str(if first && rows.is_empty() {
                    "[]\n"
                } else {
                    "\n]\n"
                });
            }
            let next = if finished {
                None
            } else {
                Some((last, first && rows.is_empty()))
            };
            Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), next))
        }
    });
    let content_type = if ndjson {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        Body::from_stream(stream),
    )
        .into_response())
}

/// `GET …/ballots?format=export`: core's `pingyi-ballots/1` raw export of one survey version
/// (the latest unless `version`), the file officials get. Only the ballots the tally counts,
/// sorted by id; when the survey is anonymous (无记名) device ids are blanked and `cast_at` is cut
/// to the day (see `pingyi_core::export::ballots_export`). Not for backups: anonymising changes
/// each ballot's content hash, so use the default full-fidelity stream to move ballots between
/// collectors.
async fn officials_export(
    state: Arc<AppState>,
    survey_id: String,
    version: Option<u32>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let latest = state.latest(&survey_id)?;
        let survey = asked_version(&state, &survey_id, latest, version)?;
        let ballots = load_ballots(&state, &survey_id)?;
        let mut body = serde_json::to_string_pretty(&raw_export(&survey, &ballots))
            .map_err(|_| ApiError::internal())?;
        body.push('\n');
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    attachment(&format!("{survey_id}-ballots.json")),
                ),
            ],
            body,
        )
            .into_response())
    })
    .await
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
        .route("/{survey_id}", get(get_survey).put(put_survey))
        .route(
            "/{survey_id}/ballots",
            get(export_ballots).post(post_ballots),
        )
        .route("/{survey_id}/tally", get(get_tally))
        .route("/{survey_id}/state", get(meeting::get_state))
        .route("/{survey_id}/codes", post(meeting::post_codes))
        .route("/{survey_id}/codes/hashes", get(meeting::get_code_hashes))
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

//! Helpers shared by the route modules: blocking work, body reading (and [`JsonBody`], the
//! extractor of every JSON body), paging through stored ballots, the asked survey version,
//! download names and the server clock.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use tracing::error;

use pingyi_core::protocol::error_code;
use pingyi_core::time::{format_rfc3339_millis, UtcTime};
use pingyi_core::{Ballot, Survey};

use crate::error::ApiError;
use crate::state::AppState;

/// Ballots read from the database per page when exporting or tallying.
pub const PAGE_SIZE: usize = 500;

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

/// The body of a route that takes JSON: read whole (at most the collector's body limit), and
/// only when it is declared `Content-Type: application/json` (with `; charset=utf-8` or no
/// parameter). Anything else is `415 unsupported_media_type`: a plain HTML form on another web
/// site can post `text/plain`, `multipart/form-data` or `application/x-www-form-urlencoded`
/// without asking, but never `application/json` (the browser first asks the collector, and CORS
/// refuses origins it does not know).
pub(crate) struct JsonBody(pub Bytes);

/// Whether a `Content-Type` value is `application/json`, optionally with `charset=utf-8`.
pub(crate) fn is_json_content_type(value: &str) -> bool {
    let mut parts = value.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"))
    {
        return false;
    }
    parts.filter(|p| !p.is_empty()).all(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("charset")
                && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
    })
}

/// `415 unsupported_media_type` unless the request declares a JSON body.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers.get(header::CONTENT_TYPE).map(|v| v.to_str());
    match value {
        Some(Ok(v)) if is_json_content_type(v) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            error_code::UNSUPPORTED_MEDIA_TYPE,
            "请求体必须是 JSON，并带上请求头 Content-Type: application/json。 \
             The body must be JSON sent with Content-Type: application/json.",
        )),
    }
}

impl FromRequest<Arc<AppState>> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        Ok(JsonBody(
            read_body(req.into_body(), state.max_body_bytes).await?,
        ))
    }
}

/// Query of the tally and export routes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReadQuery {
    /// Survey version; default the latest.
    pub version: Option<u32>,
    /// Tally: `tally` (default), `report` or `csv`. Export: `json` (default), `ndjson` or
    /// `export`.
    pub format: Option<String>,
    /// Language of the CSV's headers and fixed words: `zh` (default) or `en`.
    pub lang: Option<String>,
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

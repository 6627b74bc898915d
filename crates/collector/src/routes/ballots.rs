//! `/v1/surveys/{survey_id}/ballots`: submitting a batch (`POST`, through [`crate::ingest`]) and
//! exporting the stored ballots (`GET`, streamed, or the officials' file).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tracing::error;

use pingyi_core::export::raw_export;
use pingyi_core::protocol::{
    batch_http_status, error_code, SubmitResponse, MAX_BATCH, SUBMIT_KEY_HEADER,
};

use super::common::{
    asked_version, attachment, blocking, load_ballots, JsonBody, ReadQuery, PAGE_SIZE,
};
use crate::auth::{Admin, AdminCheck};
use crate::error::ApiError;
use crate::ingest::ingest_shared;
use crate::state::AppState;

/// The envelope of a batch, read before the ballots themselves so that one malformed ballot
/// gets its own `rejected` result instead of failing the batch.
#[derive(Deserialize)]
struct RawBatch {
    ballots: Vec<serde_json::Value>,
}

/// `POST /v1/surveys/{survey_id}/ballots`: store a batch of ballots.
pub(super) async fn post_ballots(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    admin: AdminCheck,
    headers: HeaderMap,
    JsonBody(bytes): JsonBody,
) -> Result<Response, ApiError> {
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
    let guard = (state.clone(), survey_id.clone());
    let results = ingest_shared(state, survey_id, given_key, admin.is_admin(), raw.ballots).await?;
    if let Some(too_many) = crate::codes::answer_guessing(&guard.0.code_guesses, &guard.1, &results)
    {
        return Ok(too_many);
    }
    let status = StatusCode::from_u16(batch_http_status(&results))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok((status, Json(SubmitResponse { results })).into_response())
}

/// `GET /v1/surveys/{survey_id}/ballots`: raw export (admin), streamed page by page in id order.
pub(super) async fn export_ballots(
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
    // In id order, so the file does not show the order of arrival. State: (id of the last row
    // sent, whether nothing was sent yet); None when finished.
    let stream = futures_util::stream::unfold(Some((String::new(), true)), move |st| {
        let state = state.clone();
        let survey_id = survey_id.clone();
        async move {
            let (after, first) = st?;
            let after_id = after.clone();
            let page = tokio::task::spawn_blocking(move || {
                state
                    .store
                    .ballots_page_by_id(&survey_id, version, &after_id, PAGE_SIZE)
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
            let last = rows.last().map(|r| r.id.clone()).unwrap_or(after);
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
        // Fused: a compressing body may ask once more after the end, which `unfold` forbids.
        Body::from_stream(futures_util::StreamExt::fuse(stream)),
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

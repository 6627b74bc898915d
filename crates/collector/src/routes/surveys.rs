//! `GET` and `PUT /v1/surveys/{survey_id}`: reading and publishing a survey.
//!
//! Publishing a new version is refused once the survey is closed (`409 survey_closed`), and needs
//! the organiser's explicit `?confirm=drop-version-count` while ballots of another version are
//! stored (`409 confirmation_required` otherwise): the tally counts one version, so those ballots
//! would silently drop out of the count.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tracing::info;

use pingyi_core::parse_survey;
use pingyi_core::protocol::error_code;

use super::common::{blocking, JsonBody};
use crate::auth::Admin;
use crate::caching;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::PublishOutcome;

pub use crate::wire::{PublishResponse, SURVEY_STATE_HEADER};

/// `GET /v1/surveys/{survey_id}`: the latest published survey, public, with the
/// [`SURVEY_STATE_HEADER`], `Cache-Control: no-cache` and an ETag of the survey, its version,
/// its content and its state: a phone that has this survey already asks with `If-None-Match`
/// and gets `304 Not Modified` without a body until a new version is published or the survey
/// closes.
pub(super) async fn get_survey(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    request: HeaderMap,
) -> Result<Response, ApiError> {
    let id = survey_id.clone();
    let (stored, closed) = blocking(move || {
        let stored = state.store.latest_survey(&id)?.ok_or_else(|| {
            ApiError::survey_not_found(format!("no survey {id:?} is published here"))
        })?;
        let closed = state.store.meeting_state(&id)?.closed_at.is_some();
        Ok((stored, closed))
    })
    .await?;
    let survey_state = if closed { "closed" } else { "open" };
    let etag = caching::weak_etag(&[
        &survey_id,
        &stored.version.to_string(),
        &stored.content_hash,
        survey_state,
    ]);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::HeaderName::from_static(SURVEY_STATE_HEADER),
        HeaderValue::from_static(survey_state),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(caching::NO_CACHE),
    );
    headers.insert(header::ETAG, etag.clone());
    if caching::none_match_hits(&request, &etag) {
        return Ok(caching::not_modified(headers));
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok((headers, stored.json).into_response())
}

/// The value of `?confirm=` with which `PUT /v1/surveys/{survey_id}` publishes a new version
/// although ballots of another version are stored (they are then left out of the count).
pub const CONFIRM_DROP_VERSION_COUNT: &str = "drop-version-count";

/// Query of `PUT /v1/surveys/{survey_id}`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PublishQuery {
    /// [`CONFIRM_DROP_VERSION_COUNT`] to publish a new version over ballots of another version.
    confirm: Option<String>,
}

/// Before a new version `version` of `survey_id` is stored (blocking): refused when the survey is
/// closed, and, unless `confirmed`, while ballots of another version are stored. A version that
/// would not be new (unchanged, backwards, clashing) is left to the store's answer.
fn check_new_version(
    state: &AppState,
    survey_id: &str,
    version: u32,
    confirmed: bool,
) -> Result<(), ApiError> {
    let latest = state.store.latest_survey(survey_id)?;
    if latest.is_some_and(|l| l.version >= version) {
        return Ok(());
    }
    if state.store.meeting_state(survey_id)?.closed_at.is_some() {
        return Err(crate::error::survey_closed());
    }
    let others: Vec<(u32, u64)> = state
        .store
        .ballot_versions(survey_id)?
        .into_iter()
        .filter(|(v, n)| *v != version && *n > 0)
        .collect();
    if others.is_empty() || confirmed {
        return Ok(());
    }
    let total: u64 = others.iter().map(|(_, n)| n).sum();
    let zh: Vec<String> = others
        .iter()
        .map(|(v, n)| format!("第 {v} 版 {n} 张"))
        .collect();
    let en: Vec<String> = others
        .iter()
        .map(|(v, n)| format!("{n} for version {v}"))
        .collect();
    Err(ApiError::new(
        StatusCode::CONFLICT,
        error_code::CONFIRMATION_REQUIRED,
        format!(
            "已收到其他版本的选票 {total} 张（{zh}）。发布第 {version} 版后，统计只计入第 {version} 版的选票，\
             这些选票不再计入（仍然保存）。确定要发布，请在地址后加上 ?confirm={c} 再发送一次。 \
             {total} ballot(s) of other versions are stored ({en}). Once version {version} is \
             published, the tally counts only version {version} ballots and leaves these out (they \
             stay stored). To publish anyway, send the request again with ?confirm={c}.",
            zh = zh.join("，"),
            en = en.join(", "),
            c = CONFIRM_DROP_VERSION_COUNT,
        ),
    ))
}

/// `PUT /v1/surveys/{survey_id}[?confirm=drop-version-count]`: publish a survey version (admin).
pub(super) async fn put_survey(
    State(state): State<Arc<AppState>>,
    Path(survey_id): Path<String>,
    Query(q): Query<PublishQuery>,
    _admin: Admin,
    JsonBody(bytes): JsonBody,
) -> Result<Response, ApiError> {
    let confirmed = match q.confirm.as_deref() {
        None => false,
        Some(CONFIRM_DROP_VERSION_COUNT) => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown confirm {:?}; the only one is {CONFIRM_DROP_VERSION_COUNT}",
                other.chars().take(40).collect::<String>()
            )))
        }
    };
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            error_code::BAD_REQUEST,
            "the body is not UTF-8",
        )
    })?;
    let (survey, outcome) = blocking(move || {
        // A file with problems, or for another survey, gets its answer from publish_text.
        if let Ok(parsed) = parse_survey(&text).as_ref() {
            if parsed.id == survey_id {
                check_new_version(&state, &survey_id, parsed.version, confirmed)?;
            }
        }
        Ok(state.publish_text(&text, Some(&survey_id))?)
    })
    .await?;
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

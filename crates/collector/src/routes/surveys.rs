//! `GET` and `PUT /v1/surveys/{survey_id}`: reading and publishing a survey.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tracing::info;

use pingyi_core::protocol::error_code;

use super::common::{blocking, read_body};
use crate::auth::Admin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::PublishOutcome;

/// Header of `GET /v1/surveys/{survey_id}` telling the widget whether voting is `open` or `closed`.
pub const SURVEY_STATE_HEADER: &str = "x-pingyi-survey-state";

/// `GET /v1/surveys/{survey_id}`: the latest published survey, public, with the
/// [`SURVEY_STATE_HEADER`].
pub(super) async fn get_survey(
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
pub(super) async fn put_survey(
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

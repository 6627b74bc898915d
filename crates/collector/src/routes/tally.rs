//! `GET /v1/surveys/{survey_id}/tally`: the tally, the report or the CSV (public once revealed
//! with `results_public`, else admin).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use pingyi_core::export::tally_csv;
use pingyi_core::protocol::error_code;

use super::common::{asked_version, attachment, blocking, now_rfc3339, ReadQuery};
use super::meeting;
use crate::auth::AdminCheck;
use crate::error::ApiError;
use crate::state::AppState;

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
pub(super) async fn get_tally(
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
    let response =
        blocking(move || {
            let latest = state.latest(&survey_id)?;
            let meeting = state.store.meeting_state(&survey_id)?;
            // results_public opens the tally to everyone only once the organiser revealed the results
            // or closed the survey: nobody follows the crowd while voting is open.
            if !(latest.results_public && (meeting.revealed || meeting.closed_at.is_some())) {
                admin.require()?;
            }
            let survey = asked_version(&state, &survey_id, latest, q.version)?;
            // After closing, the frozen final report (for its version) is served, never recounted.
            // While open, the tally and the CSV come from the kept tally state (no ballot is read);
            // the report, which lists every counted ballot's id digest and receipts, reads them.
            let frozen = meeting::frozen_for(&state, &survey_id, &meeting, survey.version)?;
            let tally = match (&frozen, &format) {
                (Some((report, _)), _) => Some(report.tally.clone()),
                (None, TallyFormat::Report) => None,
                (None, _) => Some(meeting::current_tally(&state, &survey_id, &survey)?),
            };
            let frozen = frozen.map(|(_, f)| f);
            let mut response =
                match (format, &frozen, tally) {
                    (TallyFormat::Tally, _, Some(t)) => Json(&t).into_response(),
                    // The stored bytes, so that their SHA-256 is the content hash.
                    (TallyFormat::Report, Some(f), _) => meeting::frozen_report_response(f),
                    (TallyFormat::Report, None, _) | (_, _, None) => Json(
                        &meeting::current_report(&state, &survey_id, &survey, &now_rfc3339())?,
                    )
                    .into_response(),
                    (TallyFormat::Csv, _, Some(t)) => {
                        let csv = tally_csv(&survey, &t, lang);
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

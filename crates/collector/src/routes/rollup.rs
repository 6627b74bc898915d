//! `POST /v1/rollup` (admin): officials' roll-up (一套表) of many units' `pingyi-tally/1` reports
//! of one survey template, as core's `pingyi-rollup/1` JSON or its CSV.
//!
//! The body is a JSON array of reports, read whole within the collector's body limit, so the
//! largest body costs bounded work: one parse, then core's roll-up, linear in the reports' size
//! (and `n log n` in their number). Every item that is not a report, and every report core
//! refuses (another template, the same unit twice), is a problem at its path `$[i]…`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use pingyi_core::export::{TallyReport, TALLY_FORMAT};
use pingyi_core::protocol::error_code;
use pingyi_core::rollup::{problem_code, rollup, rollup_csv};
use pingyi_core::Problem;

use super::common::{attachment, blocking, JsonBody, ReadQuery};
use crate::auth::Admin;
use crate::error::ApiError;
use crate::state::AppState;

/// The reports of the body, or a problem per item that is not one.
fn read_reports(bytes: &[u8]) -> Result<Vec<TallyReport>, ApiError> {
    let items = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            return Err(ApiError::bad_request(
                "请求正文应为统计报告（pingyi-tally/1）的 JSON 数组。 \
                 The body must be a JSON array of tally reports (pingyi-tally/1).",
            ))
        }
        Err(e) => {
            return Err(ApiError::bad_request(format!(
                "请求正文不是 JSON。 The body is not JSON: {e}"
            )))
        }
    };
    let mut reports = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let format = item.get("format").and_then(Value::as_str);
        if format != Some(TALLY_FORMAT) {
            problems.push(Problem::new(
                format!("$[{i}].format"),
                problem_code::NOT_A_REPORT,
                format!("第 {} 项不是统计报告：format 应为“{TALLY_FORMAT}”", i + 1),
                format!("item {i} is not a tally report: format must be \"{TALLY_FORMAT}\""),
            ));
            continue;
        }
        match serde_json::from_value::<TallyReport>(item) {
            Ok(r) => reports.push(r),
            Err(e) => problems.push(Problem::new(
                format!("$[{i}]"),
                problem_code::NOT_A_REPORT,
                format!("第 {} 项不是完整的统计报告：{e}", i + 1),
                format!("item {i} is not a complete tally report: {e}"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(reports)
    } else {
        Err(refused(problems))
    }
}

/// 422 `rollup_refused` with the problems (at most core's cap, plus one that counts the rest).
fn refused(mut problems: Vec<Problem>) -> ApiError {
    let cap = pingyi_core::rollup::MAX_PROBLEMS;
    if problems.len() > cap {
        let more = problems.len() - cap;
        problems.truncate(cap);
        problems.push(Problem::new(
            "$",
            "more_problems",
            format!("……还有 {more} 处问题"),
            format!("…and {more} more problems"),
        ));
    }
    ApiError::with_problems(
        StatusCode::UNPROCESSABLE_ENTITY,
        error_code::ROLLUP_REFUSED,
        "这些报告无法汇总，见 problems。 The reports cannot be rolled up; see problems.",
        problems,
    )
}

/// `POST /v1/rollup[?format=json|csv][&lang=zh|en]` (admin).
pub(super) async fn post_rollup(
    State(_state): State<Arc<AppState>>,
    Query(q): Query<ReadQuery>,
    _admin: Admin,
    JsonBody(bytes): JsonBody,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown format {other:?}; use json or csv"
            )))
        }
    };
    let lang = match q.lang.as_deref() {
        None | Some("zh") | Some("zh-CN") => "zh",
        Some("en") => "en",
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown lang {other:?}; use zh or en"
            )))
        }
    };
    blocking(move || {
        let reports = read_reports(&bytes)?;
        let rolled = rollup(&reports).map_err(refused)?;
        Ok(if csv {
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (header::CONTENT_DISPOSITION, attachment("rollup.csv")),
                ],
                rollup_csv(&rolled, lang),
            )
                .into_response()
        } else {
            Json(rolled).into_response()
        })
    })
    .await
}

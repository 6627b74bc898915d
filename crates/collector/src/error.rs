//! The collector's one error type, [`ApiError`]: a stable code from core's catalogue
//! (`pingyi_core::protocol::error_code`), a message in Chinese and/or English, problems when
//! there are any, and the HTTP status it is answered with ([`IntoResponse`] sends an
//! [`ErrorBody`]).
//!
//! Domain results (`state::LookupError`, `state::PublishError`, `ingest::IngestError`) map into
//! it where they are defined, so this module depends on nothing but core and the store.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tracing::error;

use pingyi_core::protocol::{error_code, ErrorBody};
use pingyi_core::Problem;

use crate::store::StoreError;

/// An error answer: HTTP status plus [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
        }
    }

    pub fn with_problems(
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        problems: Vec<Problem>,
    ) -> Self {
        ApiError {
            status,
            body: ErrorBody::with_problems(code, message, problems),
        }
    }

    /// 500 `internal`: something on the collector failed; nothing was stored.
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_code::INTERNAL,
            INTERNAL_MESSAGE,
        )
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, error_code::BAD_REQUEST, message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, error_code::UNAUTHORIZED, message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, error_code::FORBIDDEN, message)
    }

    /// 404 `survey_not_found`.
    pub fn survey_not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, error_code::SURVEY_NOT_FOUND, message)
    }

    /// 404 `not_found`: no such route.
    pub fn no_route() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            error_code::NOT_FOUND,
            "no such route; see /openapi.json",
        )
    }

    /// 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            error_code::METHOD_NOT_ALLOWED,
            "method not allowed on this route",
        )
    }

    /// 413 `payload_too_large` for a body over `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            error_code::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes; send fewer ballots per batch"),
        )
    }

    /// 429 `rate_limited`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            error_code::RATE_LIMITED,
            format!("too many requests; retry after {retry_after_secs} s"),
        )
    }

    /// The same error with another message.
    pub fn with_message(mut self, message: &str) -> Self {
        self.body.error.message = message.to_string();
        self
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => survey_closed(),
            StoreError::Full => {
                error!("store error: {e}: free disk space (or raise the limit) for the database");
                storage_full()
            }
            e => {
                error!("store error: {e}");
                ApiError::internal()
            }
        }
    }
}

/// 507 `storage_full`: the collector's disk is full. Nothing of the request was stored; phones
/// keep their ballots and send them again with back-off (a 5xx), so none is lost.
pub fn storage_full() -> ApiError {
    ApiError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        error_code::STORAGE_FULL,
        STORAGE_FULL_MESSAGE,
    )
}

/// The message of 507 `storage_full`.
pub const STORAGE_FULL_MESSAGE: &str =
    "收集服务器的磁盘已满，本批选票未保存；选票仍在手机上，稍后会自动重发。请组织者清理磁盘空间。 \
     The collector's disk is full and this batch was not stored; the ballots stay on the phones \
     and are sent again later. The organiser must free disk space.";

/// The message of 500 `internal`.
pub const INTERNAL_MESSAGE: &str = "internal error; try again later";

/// The message of 409 `survey_closed`, for people, in Chinese and English.
pub const SURVEY_CLOSED_MESSAGE: &str =
    "投票已结束，不再接受选票。 Voting has closed; no more ballots are accepted.";

/// 409 `survey_closed`, for a batch (or a change) that arrives after the organiser closed the
/// survey.
pub fn survey_closed() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        error_code::SURVEY_CLOSED,
        SURVEY_CLOSED_MESSAGE,
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_become_stable_codes() {
        let full = ApiError::from(StoreError::Full);
        assert_eq!(full.status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(full.body.error.code, error_code::STORAGE_FULL);
        assert!(full.body.error.message.contains("磁盘已满"));
        assert!(full.body.error.message.contains("disk is full"));
        let closed = ApiError::from(StoreError::Closed);
        assert_eq!(closed.status, StatusCode::CONFLICT);
        let other = ApiError::from(StoreError::Database("x".into()));
        assert_eq!(other.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(other.body.error.code, error_code::INTERNAL);
    }
}

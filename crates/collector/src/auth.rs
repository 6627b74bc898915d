//! Who may call a route: the [`Admin`] extractor for organiser routes, and [`AdminCheck`] for
//! routes whose need for the token depends on the survey (a public tally, the final tally).
//!
//! Answers: 401 `unauthorized` when the token is missing or wrong, 403 `forbidden` when only a
//! submit key was sent. The token itself (loading, constant-time comparing) is
//! [`crate::admin_token`]; it is re-exported here.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

use pingyi_core::protocol::SUBMIT_KEY_HEADER;

use crate::error::ApiError;
use crate::state::AppState;

pub use crate::admin_token::{
    constant_time_eq, random_token, token_path, AdminToken, TokenSource, ADMIN_TOKEN_ENV,
};

/// Proof that the request carries `Authorization: Bearer <admin token>`. As a handler argument
/// it refuses every other request with 401 (or 403 for a submit key alone).
#[derive(Clone, Copy, Debug)]
pub struct Admin;

/// The admin check done but not yet enforced: for routes that are public in some states.
#[derive(Debug)]
pub struct AdminCheck(Result<Admin, ApiError>);

impl AdminCheck {
    /// Whether the request carries the admin token.
    pub fn is_admin(&self) -> bool {
        self.0.is_ok()
    }

    /// The admin token is needed here after all: the same answer as [`Admin`].
    pub fn require(self) -> Result<Admin, ApiError> {
        self.0
    }
}

/// Check `Authorization: Bearer <admin token>`.
pub fn check_admin(token: &AdminToken, headers: &HeaderMap) -> Result<Admin, ApiError> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if token.matches_header(auth) {
        return Ok(Admin);
    }
    if auth.is_none() && headers.contains_key(SUBMIT_KEY_HEADER) {
        return Err(ApiError::forbidden(
            "a submit key does not give admin access; send Authorization: Bearer <admin token>",
        ));
    }
    Err(ApiError::unauthorized(
        "admin token missing or wrong; send Authorization: Bearer <admin token>",
    ))
}

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        check_admin(&state.admin, &parts.headers)
    }
}

impl FromRequestParts<Arc<AppState>> for AdminCheck {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(AdminCheck(check_admin(&state.admin, &parts.headers)))
    }
}

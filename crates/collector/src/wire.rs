//! The collector's own wire names and shapes that are not in core's protocol: headers, the
//! publish answer and the live-event rhythm. Both the routes and the OpenAPI document read them
//! from here, so neither has to import the other.

use serde::{Deserialize, Serialize};

/// Header of `GET /v1/surveys/{survey_id}` telling the widget whether voting is `open` or `closed`.
pub const SURVEY_STATE_HEADER: &str = "x-pingyi-survey-state";

/// Seconds between live events when nothing changes (they double as keep-alives).
pub const LIVE_EVENT_SECONDS: u64 = 5;

/// Response of `PUT /v1/surveys/{survey_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PublishResponse {
    pub survey_id: String,
    pub version: u32,
    /// `created` (201) or `unchanged` (200, the same version was already published).
    pub status: String,
}

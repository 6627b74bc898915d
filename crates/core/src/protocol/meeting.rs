//! Wire types of the evening-meeting modes (村湾夜话) of the pingyi/1 protocol: the survey state,
//! the projector's live view, ballot codes, paper totals and the frozen final tally. See
//! "Meeting modes" in docs/protocol.md and docs/meeting-modes.md.
//!
//! The reference collector (`crates/collector`) serves these shapes and the organiser console
//! (`crates/console`) reads them; neither imports the other. Nothing here does I/O.

use serde::{Deserialize, Serialize};

use crate::export::TallyReport;
use crate::paper::PaperTotals;
use crate::survey::Text;
use crate::tally::Tally;

/// Header on a tally served from the frozen final tally: `true`.
pub const FROZEN_HEADER: &str = "x-pingyi-frozen";
/// Header with the frozen final tally's content hash.
pub const CONTENT_HASH_HEADER: &str = "x-pingyi-content-hash";

/// Most codes one `POST …/codes` makes.
pub const MAX_CODES_PER_REQUEST: u32 = 2000;

/// `SurveyStateView::state` and `LiveView::state` of a survey still taking ballots.
pub const STATE_OPEN: &str = "open";
/// `SurveyStateView::state` and `LiveView::state` of a closed survey.
pub const STATE_CLOSED: &str = "closed";

/// `GET …/state`, and the answer of `reveal` and `hide`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SurveyStateView {
    pub survey_id: String,
    /// `open` or `closed`.
    pub state: String,
    /// Whether the organiser revealed the results.
    pub revealed: bool,
    /// RFC 3339 UTC time of closing, `null` while open.
    pub closed_at: Option<String>,
}

impl SurveyStateView {
    /// Whether the survey is closed (`state` is `closed`).
    pub fn closed(&self) -> bool {
        self.state == STATE_CLOSED
    }
}

/// `GET …/live` and each `live` event of `GET …/live/events`: what the projector shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LiveView {
    pub survey_id: String,
    pub survey_version: u32,
    pub title: Text,
    pub unit: String,
    pub eligible: Option<u32>,
    /// Ballots counted for the current version, digital and paper, including the ballots that
    /// paper totals stand for.
    pub ballots: u64,
    /// `open` or `closed`.
    pub state: String,
    pub revealed: bool,
    pub closed_at: Option<String>,
    /// The tally (with paper totals and channel counts); `null` unless revealed. After closing,
    /// the frozen final tally.
    pub tally: Option<Tally>,
    /// After closing: the `content_hash` of the frozen final tally ([`FinalTally`]), revealed or
    /// not. It tells nothing about the result, and a photo of the projector taken at closing
    /// lets anyone check later that the published result is the one frozen then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
}

impl LiveView {
    /// Whether the survey is closed (`state` is `closed`).
    pub fn closed(&self) -> bool {
        self.state == STATE_CLOSED
    }
}

/// Body of `POST …/codes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CodesRequest {
    /// How many codes to make: 1 to 2000.
    pub count: u32,
}

/// One ballot code, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedCode {
    /// `XXXX-XXXX` (Crockford base32).
    pub code: String,
    /// The link for the slip's QR code: `{origin}/?s={survey_id}#code={code}` (the code in the
    /// fragment, which never reaches a server).
    pub url: String,
}

/// Answer of `POST …/codes`: the plain codes, which the collector does not keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodesResponse {
    pub survey_id: String,
    /// Codes made by this request.
    pub count: u32,
    /// Codes the survey has now in all (used or not).
    pub total: u64,
    pub codes: Vec<IssuedCode>,
}

/// Answer of `GET …/codes/hints`: what a kiosk loads to catch mistyped codes offline. It holds
/// no code hash of an unused code, so it cannot be turned into a ballot (core `codes::code_hint`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeHints {
    pub survey_id: String,
    /// The [`code_hint`](crate::codes::code_hint) of every code of the survey, sorted, without
    /// repeats (4 hexadecimal digits each; many codes share one).
    pub hints: Vec<String>,
    /// The code hashes already used by a stored ballot, sorted (a used code casts nothing more).
    pub used: Vec<String>,
}

/// Answer of `GET …/codes/attempts` (admin): ballots with unknown codes lately, so the organiser
/// sees when someone is guessing codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeAttempts {
    pub survey_id: String,
    /// The window the count covers, in seconds.
    pub window_seconds: u64,
    /// Ballots with an unknown code in the window.
    pub unknown_recent: u64,
    /// Whether that is more than typing mistakes explain: the console shows a warning.
    pub alert: bool,
    /// While further ballots with unknown codes are answered 429: seconds until that ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// Former answer of `GET …/codes/hashes` (that route now answers 410 `gone`): every code hash,
/// which was enough to cast ballots. Kept so older tools still parse their stored copies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeHashes {
    pub survey_id: String,
    /// Every code hash of the survey, sorted.
    pub hashes: Vec<String>,
    /// The hashes already used by a stored ballot, sorted.
    pub used: Vec<String>,
}

/// Body of `PUT …/paper-totals`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PaperTotalsBody {
    /// The whole set, replacing the previous one; `[]` removes them.
    pub totals: Vec<PaperTotals>,
}

/// Answer of `GET`/`PUT …/paper-totals`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaperTotalsView {
    pub survey_id: String,
    /// The survey version the totals were checked against; `null` when none were entered.
    pub survey_version: Option<u32>,
    pub totals: Vec<PaperTotals>,
    /// Paper ballots the totals stand for (the largest `ballots` of any entry).
    pub paper_ballots: u64,
}

/// `GET …/final` and the answer of `close`: the frozen final tally.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FinalTally {
    pub survey_id: String,
    pub closed_at: String,
    /// SHA-256 (lowercase hex) of `report` exactly as it appears in this body (its canonical
    /// JSON, `serde_json::to_string` of the report).
    pub content_hash: String,
    /// The `pingyi-tally/1` report made at closing (`generated_at` = `closed_at`).
    pub report: TallyReport,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_view_round_trips() {
        let json = r#"{"survey_id":"s","state":"closed","revealed":true,"closed_at":"2026-11-27T20:00:00Z"}"#;
        let v: SurveyStateView = serde_json::from_str(json).unwrap();
        assert!(v.closed());
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
    }

    #[test]
    fn codes_request_refuses_unknown_fields() {
        assert!(serde_json::from_str::<CodesRequest>(r#"{"count":3,"x":1}"#).is_err());
        assert_eq!(
            serde_json::from_str::<CodesRequest>(r#"{"count":3}"#).unwrap(),
            CodesRequest { count: 3 }
        );
    }
}

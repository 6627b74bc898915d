//! Wire types of the pingyi/1 collection protocol (see docs/protocol.md).
//!
//! The widget's outbox and every collector (the reference one in `crates/collector`, or one a
//! portal writes itself) exchange exactly these shapes. Nothing here does I/O.
//!
//! The evening-meeting shapes (state, live view, ballot codes, paper totals, final tally) are in
//! [`meeting`], re-exported here.

use serde::{Deserialize, Serialize};

use crate::ballot::Ballot;
use crate::validate::Problem;

pub mod meeting;
mod read;

pub use meeting::{
    CodeAttempts, CodeHashes, CodeHints, CodesRequest, CodesResponse, FinalTally, IssuedCode,
    LiveView, PaperTotalsBody, PaperTotalsView, SurveyStateView, CONTENT_HASH_HEADER,
    FROZEN_HEADER, MAX_CODES_PER_REQUEST, STATE_CLOSED, STATE_OPEN,
};

/// The protocol tag.
pub const PROTOCOL: &str = "pingyi/1";

/// Most ballots in one [`SubmitBatch`].
pub const MAX_BATCH: usize = 200;

/// Header carrying the survey's submit key (`collect.submit_key`), when it has one.
pub const SUBMIT_KEY_HEADER: &str = "x-pingyi-submit-key";

/// Header carrying the admin token, as `Authorization: Bearer <token>`.
pub const ADMIN_AUTH_HEADER: &str = "authorization";

/// Prefix of the admin `Authorization` header value.
pub const BEARER_PREFIX: &str = "Bearer ";

/// `POST /v1/surveys/{survey_id}/ballots` request body. Unknown top-level fields are ignored, so
/// later protocol revisions can add some.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubmitBatch {
    /// 1 to [`MAX_BATCH`] ballots, all for the survey named in the path.
    pub ballots: Vec<Ballot>,
}

/// Response to a well-formed [`SubmitBatch`]: one result per ballot, in the same order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubmitResponse {
    pub results: Vec<BallotResult>,
}

/// What the collector did with one ballot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BallotResult {
    /// The ballot's id, as sent.
    pub id: String,
    pub status: BallotStatus,
    /// Validation problems, present only with `rejected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// Outcome of one ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BallotStatus {
    /// Stored now.
    Accepted,
    /// Already stored with the same id and the same content hash. Counts as success.
    Duplicate,
    /// Already stored with the same id but different content. The stored ballot is kept and is
    /// never overwritten.
    Conflict,
    /// Not stored: the ballot failed validation against its survey version; see `problems`.
    Rejected,
}

// Reading from a `serde_json::Value` by hand. For the widget: decoding JSON as a `Value` and then
// with these keeps serde's typed deserializer (and the float formatting of its error messages,
// ~20 KB gzipped in all) out of the wasm. Each accepts exactly the JSON objects the derived
// `Deserialize` accepts (`tests/answer_equiv.rs`); elsewhere the derived impls are the same.

fn string_field(m: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<String> {
    m.get(key)?.as_str().map(str::to_string)
}

/// A list of problems that may be absent (empty) but not `null`.
fn problems_field(m: &serde_json::Map<String, serde_json::Value>) -> Option<Vec<Problem>> {
    match m.get("problems") {
        None => Some(Vec::new()),
        Some(v) => v.as_array()?.iter().map(Problem::from_value).collect(),
    }
}

impl SubmitResponse {
    /// Reads a response from a JSON object; `None` where the derived `Deserialize` would fail.
    pub fn from_value(v: &serde_json::Value) -> Option<SubmitResponse> {
        let results = v.as_object()?.get("results")?.as_array()?;
        Some(SubmitResponse {
            results: results
                .iter()
                .map(BallotResult::from_value)
                .collect::<Option<_>>()?,
        })
    }
}

impl BallotResult {
    /// Reads one result from a JSON object; `None` where the derived `Deserialize` would fail.
    pub fn from_value(v: &serde_json::Value) -> Option<BallotResult> {
        let m = v.as_object()?;
        Some(BallotResult {
            id: string_field(m, "id")?,
            status: BallotStatus::from_value(m.get("status")?)?,
            problems: problems_field(m)?,
        })
    }
}

impl ErrorBody {
    /// Reads an error body from a JSON object; `None` where the derived `Deserialize` would fail.
    pub fn from_value(v: &serde_json::Value) -> Option<ErrorBody> {
        let m = v.as_object()?.get("error")?.as_object()?;
        Some(ErrorBody {
            error: ErrorInfo {
                code: string_field(m, "code")?,
                message: string_field(m, "message")?,
                problems: problems_field(m)?,
            },
        })
    }
}

impl BallotStatus {
    /// The status as it is written in JSON (`"accepted"`, …), without the quotes.
    pub fn as_str(self) -> &'static str {
        match self {
            BallotStatus::Accepted => "accepted",
            BallotStatus::Duplicate => "duplicate",
            BallotStatus::Conflict => "conflict",
            BallotStatus::Rejected => "rejected",
        }
    }

    /// Reads a status (`"accepted"`, …) from a JSON string.
    pub fn from_value(v: &serde_json::Value) -> Option<BallotStatus> {
        Some(match v.as_str()? {
            "accepted" => BallotStatus::Accepted,
            "duplicate" => BallotStatus::Duplicate,
            "conflict" => BallotStatus::Conflict,
            "rejected" => BallotStatus::Rejected,
            _ => return None,
        })
    }

    /// Whether the sender may forget the ballot: it is safely stored at the collector.
    pub fn is_acknowledged(self) -> bool {
        matches!(self, BallotStatus::Accepted | BallotStatus::Duplicate)
    }
}

/// Body of every error response that is not a [`SubmitResponse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub error: ErrorInfo,
}

/// A stable machine code (see the `error_code` constants) and a human message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    /// Validation problems, for `survey_invalid`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl ErrorBody {
    /// An error with a code and message, no problems.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorInfo {
                code: code.to_string(),
                message: message.into(),
                problems: Vec::new(),
            },
        }
    }

    /// An error carrying validation problems.
    pub fn with_problems(code: &str, message: impl Into<String>, problems: Vec<Problem>) -> Self {
        ErrorBody {
            error: ErrorInfo {
                code: code.to_string(),
                message: message.into(),
                problems,
            },
        }
    }
}

/// Stable error codes of [`ErrorInfo::code`]. Clients match on these, never on messages.
pub mod error_code {
    /// Malformed JSON, wrong content type, a ballot for another survey, or a bad parameter. 400.
    pub const BAD_REQUEST: &str = "bad_request";
    /// A batch with no ballots. 400.
    pub const BATCH_EMPTY: &str = "batch_empty";
    /// More than `MAX_BATCH` ballots. 413.
    pub const BATCH_TOO_LARGE: &str = "batch_too_large";
    /// The body is over the collector's size limit. 413.
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// Missing or wrong submit key or admin token. 401.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// Authenticated but not allowed (e.g. a submit key used on an admin route). 403.
    pub const FORBIDDEN: &str = "forbidden";
    /// No survey with that id is published here. 404.
    pub const SURVEY_NOT_FOUND: &str = "survey_not_found";
    /// A survey file that fails validation, or whose version would go backwards or clash. 422/409.
    pub const SURVEY_INVALID: &str = "survey_invalid";
    /// Too many requests from this address. 429, with `Retry-After`.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// Anything else. 500; safe to retry.
    pub const INTERNAL: &str = "internal";
    /// The collector's disk is full; nothing of the request was stored. 507; safe to retry.
    pub const STORAGE_FULL: &str = "storage_full";
    /// No such route (not a survey lookup). 404.
    pub const NOT_FOUND: &str = "not_found";
    /// The route exists but not with this method. 405.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";

    /// The organiser closed the survey: the whole batch (or change) is refused. 409.
    pub const SURVEY_CLOSED: &str = "survey_closed";
    /// The survey is still open, so there is no final tally yet. 409.
    pub const SURVEY_OPEN: &str = "survey_open";
    /// Ballot codes asked for a survey without `codes: true`. 409.
    pub const CODES_NOT_ENABLED: &str = "codes_not_enabled";
    /// Paper totals that do not fit the survey; see `error.problems`. 422.
    pub const PAPER_TOTALS_INVALID: &str = "paper_totals_invalid";

    /// The survey's voting window (`opens_at`) has not begun at the collector's clock, allowing
    /// the documented skew. 409; a phone keeps the ballot and retries with back-off.
    pub const VOTING_NOT_OPEN: &str = "voting_not_open";
    /// The survey's voting window (`closes_at`) has ended at the collector's clock, allowing the
    /// documented skew. 409; refused for good.
    pub const VOTING_ENDED: &str = "voting_ended";
    /// A request body that is not `application/json` where JSON is required. 415.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// Publishing a new version while ballots of another version are stored, without the explicit
    /// confirmation. 409.
    pub const CONFIRMATION_REQUIRED: &str = "confirmation_required";
    /// A retired route (`GET …/codes/hashes`): the message says what replaces it. 410.
    pub const GONE: &str = "gone";

    /// A roll-up (`POST /v1/rollup`) of reports that are not of one template, or that count a
    /// unit twice; see `error.problems`. 422.
    pub const ROLLUP_REFUSED: &str = "rollup_refused";

    /// Every code, for documentation and tests.
    pub const ALL: [&str; 23] = [
        BAD_REQUEST,
        BATCH_EMPTY,
        BATCH_TOO_LARGE,
        PAYLOAD_TOO_LARGE,
        UNAUTHORIZED,
        FORBIDDEN,
        SURVEY_NOT_FOUND,
        SURVEY_INVALID,
        RATE_LIMITED,
        INTERNAL,
        STORAGE_FULL,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        SURVEY_CLOSED,
        SURVEY_OPEN,
        CODES_NOT_ENABLED,
        PAPER_TOTALS_INVALID,
        VOTING_NOT_OPEN,
        VOTING_ENDED,
        UNSUPPORTED_MEDIA_TYPE,
        CONFIRMATION_REQUIRED,
        GONE,
        ROLLUP_REFUSED,
    ];
}

/// Codes of per-ballot problems that senders act on (the rest are shown, not interpreted).
pub mod problem_code {
    /// `rejected` at `$.survey_version`: the collector has not (yet) published that version. Usually
    /// the new version is about to be published, so the outbox keeps the ballot and retries.
    pub const UNKNOWN_VERSION: &str = "unknown_version";
}

/// The HTTP status of a submit response: 409 if any ballot is a conflict, else 422 if any is
/// rejected, else 200 (every ballot accepted or duplicate).
pub fn batch_http_status(results: &[BallotResult]) -> u16 {
    if results.iter().any(|r| r.status == BallotStatus::Conflict) {
        409
    } else if results.iter().any(|r| r.status == BallotStatus::Rejected) {
        422
    } else {
        200
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(status: BallotStatus) -> BallotResult {
        BallotResult {
            id: "x".into(),
            status,
            problems: Vec::new(),
        }
    }

    #[test]
    fn http_status_follows_the_worst_result() {
        use BallotStatus::*;
        assert_eq!(batch_http_status(&[]), 200);
        assert_eq!(batch_http_status(&[r(Accepted), r(Duplicate)]), 200);
        assert_eq!(batch_http_status(&[r(Accepted), r(Rejected)]), 422);
        assert_eq!(
            batch_http_status(&[r(Rejected), r(Conflict), r(Accepted)]),
            409
        );
        assert_eq!(batch_http_status(&[r(Conflict)]), 409);
    }

    #[test]
    fn wire_shapes_are_stable() {
        let resp = SubmitResponse {
            results: vec![
                r(BallotStatus::Accepted),
                BallotResult {
                    id: "y".into(),
                    status: BallotStatus::Rejected,
                    problems: vec![Problem {
                        path: "$.answers.q1".into(),
                        code: "required".into(),
                        zh: "必答".into(),
                        en: "required".into(),
                    }],
                },
            ],
        };
        let json = serde_json::to_string(&resp).unwrap();
        assert_eq!(
            json,
            r#"{"results":[{"id":"x","status":"accepted"},{"id":"y","status":"rejected","problems":[{"path":"$.answers.q1","code":"required","zh":"必答","en":"required"}]}]}"#
        );
        let back: SubmitResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(back, resp);
        let err =
            serde_json::to_string(&ErrorBody::new(error_code::BATCH_EMPTY, "no ballots")).unwrap();
        assert_eq!(
            err,
            r#"{"error":{"code":"batch_empty","message":"no ballots"}}"#
        );
    }

    #[test]
    fn only_accepted_and_duplicate_are_acknowledged() {
        assert!(BallotStatus::Accepted.is_acknowledged());
        assert!(BallotStatus::Duplicate.is_acknowledged());
        assert!(!BallotStatus::Conflict.is_acknowledged());
        assert!(!BallotStatus::Rejected.is_acknowledged());
    }
}

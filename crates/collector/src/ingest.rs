//! Ingest: the one path by which ballots enter the database, shared by `POST …/ballots` and
//! `pingyi-collector import`.
//!
//! [`ingest`] looks up the survey, checks the submit key (phones only), refuses the batch when
//! the survey is closed, validates each ballot with core against its own survey version, and
//! inserts the valid ones in ONE transaction, answering one [`BallotResult`] per ballot in order.
//! A batch refused as a whole is an [`IngestError`]: the HTTP route turns it into an
//! [`ApiError`], import lists the ballots as rejected (or stops on a storage failure).
//!
//! Import runs on the organiser's own machine, so it may store paper-channel ballots (like the
//! admin token on HTTP).

use std::fmt;

use tracing::info;

use pingyi_core::protocol::{BallotResult, BallotStatus, SUBMIT_KEY_HEADER};
use pingyi_core::{validate_ballot, Ballot, Channel, Problem, Survey};

use crate::auth::constant_time_eq;
use crate::error::{
    survey_closed, ApiError, INTERNAL_MESSAGE, STORAGE_FULL_MESSAGE, SURVEY_CLOSED_MESSAGE,
};
use crate::state::{AppState, LookupError};
use crate::store::{InsertOutcome, NewBallot, StoreError};

/// Who sends the ballots.
#[derive(Clone, Copy, Debug)]
pub enum Sender<'a> {
    /// `POST …/ballots`: the submit key given (checked when the survey has one) and whether the
    /// admin token came too (needed for paper-channel ballots).
    Phone {
        submit_key: Option<&'a str>,
        admin: bool,
    },
    /// `pingyi-collector import` on the organiser's machine.
    Import,
}

/// Why a whole batch was refused; nothing of it was stored.
#[derive(Debug)]
pub enum IngestError {
    /// No version of the survey is published here.
    SurveyNotFound { survey_id: String },
    /// The organiser closed the survey.
    SurveyClosed,
    /// The survey has a submit key and the sender did not give it.
    SubmitKeyWrong,
    /// A ballot that is not even readable has no string `id` to report it under.
    BallotWithoutId { index: usize },
    /// The store failed (disk full, database error): try again later.
    Store(StoreError),
    /// A stored survey no longer parses (logged).
    Unreadable,
}

impl IngestError {
    /// Whether the sender can act on it (the batch as sent will never be stored), as opposed to a
    /// failure of the collector that a retry may get past.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            IngestError::SurveyNotFound { .. }
                | IngestError::SurveyClosed
                | IngestError::SubmitKeyWrong
                | IngestError::BallotWithoutId { .. }
        )
    }
}

impl From<StoreError> for IngestError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => IngestError::SurveyClosed,
            e => IngestError::Store(e),
        }
    }
}

impl From<LookupError> for IngestError {
    fn from(e: LookupError) -> Self {
        match e {
            LookupError::SurveyNotFound { survey_id } => IngestError::SurveyNotFound { survey_id },
            LookupError::Store(e) => e.into(),
            LookupError::Unreadable => IngestError::Unreadable,
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::SurveyNotFound { survey_id } => {
                write!(f, "no survey {survey_id:?} is published here")
            }
            IngestError::SurveyClosed => f.write_str(SURVEY_CLOSED_MESSAGE),
            IngestError::SubmitKeyWrong => write!(
                f,
                "this survey needs its submit key in the {SUBMIT_KEY_HEADER} header"
            ),
            IngestError::BallotWithoutId { index } => {
                write!(f, "ballot {index} has no string \"id\"")
            }
            IngestError::Store(StoreError::Full) => f.write_str(STORAGE_FULL_MESSAGE),
            IngestError::Store(_) | IngestError::Unreadable => f.write_str(INTERNAL_MESSAGE),
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::SurveyNotFound { .. } => ApiError::survey_not_found(e.to_string()),
            IngestError::SurveyClosed => survey_closed(),
            IngestError::SubmitKeyWrong => ApiError::unauthorized(e.to_string()),
            IngestError::BallotWithoutId { .. } => ApiError::bad_request(e.to_string()),
            IngestError::Store(e) => e.into(),
            IngestError::Unreadable => ApiError::internal(),
        }
    }
}

/// The survey's submit key, when it has one, must be given.
fn check_submit_key(latest: &Survey, given: Option<&str>) -> Result<(), IngestError> {
    if let Some(key) = latest
        .collect
        .as_ref()
        .and_then(|c| c.submit_key.as_deref())
        .filter(|k| !k.is_empty())
    {
        if !given.is_some_and(|g| constant_time_eq(g, key)) {
            return Err(IngestError::SubmitKeyWrong);
        }
    }
    Ok(())
}

fn problem(path: &str, code: &str, zh: String, en: String) -> Problem {
    Problem {
        path: path.into(),
        code: code.into(),
        zh,
        en,
    }
}

/// Validate ballots of one survey with core and insert the valid ones in ONE transaction, with
/// one result per ballot in order (blocking). See the module documentation.
pub fn ingest(
    state: &AppState,
    survey_id: &str,
    sender: Sender<'_>,
    raw: Vec<serde_json::Value>,
) -> Result<Vec<BallotResult>, IngestError> {
    let latest = state.latest(survey_id)?;
    let may_enter_paper = match sender {
        Sender::Phone { submit_key, admin } => {
            check_submit_key(&latest, submit_key)?;
            admin
        }
        Sender::Import => true,
    };
    // A closed survey refuses the whole batch (checked again inside the insert transaction).
    if state.store.meeting_state(survey_id)?.closed_at.is_some() {
        return Err(IngestError::SurveyClosed);
    }

    // Slot per ballot: either a final result already, or an index into `to_insert`.
    enum Slot {
        Done(BallotResult),
        Insert(usize),
    }
    let mut slots = Vec::with_capacity(raw.len());
    let mut to_insert: Vec<NewBallot> = Vec::new();
    for (i, value) in raw.into_iter().enumerate() {
        let id = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
        let ballot: Ballot = match serde_json::from_value(value) {
            Ok(b) => b,
            Err(e) => {
                let Some(id) = id else {
                    return Err(IngestError::BallotWithoutId { index: i });
                };
                let p = problem(
                    "$",
                    "malformed_ballot",
                    format!("选票格式不正确：{e}"),
                    format!("malformed ballot: {e}"),
                );
                slots.push(Slot::Done(BallotResult {
                    id,
                    status: BallotStatus::Rejected,
                    problems: vec![p],
                }));
                continue;
            }
        };
        let reject = |problems: Vec<Problem>| BallotResult {
            id: ballot.id.clone(),
            status: BallotStatus::Rejected,
            problems,
        };
        if ballot.survey_id != survey_id {
            slots.push(Slot::Done(reject(vec![problem(
                "$.survey_id",
                "wrong_survey",
                format!("选票属于问卷 {:?}，不是 {:?}", ballot.survey_id, survey_id),
                format!(
                    "the ballot is for survey {:?}, not {:?}",
                    ballot.survey_id, survey_id
                ),
            )])));
            continue;
        }
        let survey = if ballot.survey_version == latest.version {
            Some(latest.clone())
        } else {
            state.version(survey_id, ballot.survey_version)?
        };
        let Some(survey) = survey else {
            slots.push(Slot::Done(reject(vec![problem(
                "$.survey_version",
                "unknown_version",
                format!("本收集端没有第 {} 版问卷", ballot.survey_version),
                format!(
                    "version {} of this survey is not published here",
                    ballot.survey_version
                ),
            )])));
            continue;
        };
        if ballot.channel == Channel::Paper && !may_enter_paper {
            slots.push(Slot::Done(reject(vec![problem(
                "$.channel",
                "paper_needs_admin",
                "纸质选票只能由组织者录入（需要管理员令牌）".into(),
                "paper ballots can only be entered by the organiser (admin token required)".into(),
            )])));
            continue;
        }
        if let Err(problems) = validate_ballot(&survey, &ballot) {
            slots.push(Slot::Done(reject(problems)));
            continue;
        }
        slots.push(Slot::Insert(to_insert.len()));
        to_insert.push(NewBallot {
            id: ballot.id.clone(),
            survey_id: ballot.survey_id.clone(),
            survey_version: ballot.survey_version,
            canonical_json: ballot.canonical_json(),
            content_hash: ballot.content_hash(),
            code_hash: ballot.code_hash.clone(),
        });
    }

    let outcomes = if to_insert.is_empty() {
        Vec::new()
    } else {
        state.store.insert_ballots(&to_insert)?
    };
    let mut counts = [0usize; 4];
    let results: Vec<BallotResult> = slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Done(r) => r,
            Slot::Insert(i) => {
                let id = to_insert[i].id.clone();
                let status = match outcomes.get(i) {
                    Some(InsertOutcome::Inserted) => BallotStatus::Accepted,
                    Some(InsertOutcome::Duplicate) => BallotStatus::Duplicate,
                    Some(InsertOutcome::Conflict) | None => BallotStatus::Conflict,
                    Some(InsertOutcome::CodeUnknown) => {
                        return BallotResult {
                            id,
                            status: BallotStatus::Rejected,
                            problems: vec![problem(
                                "$.code_hash",
                                "code_unknown",
                                "这个选票码不是本次投票发放的，请核对后重新输入。".into(),
                                "this ballot code was not issued for this survey; check it and type it again".into(),
                            )],
                        }
                    }
                    Some(InsertOutcome::CodeUsed) => {
                        return BallotResult {
                            id,
                            status: BallotStatus::Rejected,
                            problems: vec![problem(
                                "$.code_hash",
                                "code_used",
                                pingyi_core::codes::CODE_USED_ZH.into(),
                                pingyi_core::codes::CODE_USED_EN.into(),
                            )],
                        }
                    }
                };
                BallotResult { id, status, problems: Vec::new() }
            }
        })
        .inspect(|r| {
            counts[match r.status {
                BallotStatus::Accepted => 0,
                BallotStatus::Duplicate => 1,
                BallotStatus::Conflict => 2,
                BallotStatus::Rejected => 3,
            }] += 1
        })
        .collect();
    if counts[0] > 0 {
        state.notify(survey_id);
    }
    info!(
        survey_id,
        ballots = results.len(),
        accepted = counts[0],
        duplicate = counts[1],
        conflict = counts[2],
        rejected = counts[3],
        "ballot batch"
    );
    Ok(results)
}

//! Ingest: the one path by which ballots enter the database, shared by `POST …/ballots` and
//! `pingyi-collector import`.
//!
//! [`ingest`] (import) and [`ingest_shared`] (`POST …/ballots`) look up the survey, check the
//! submit key (phones only), refuse the batch when the survey is closed or (phones only) outside
//! its voting window, validate each ballot with
//! core against its own survey version, and insert the valid ones in ONE transaction, answering
//! one [`BallotResult`] per ballot in order. A batch refused as a whole is an [`IngestError`]: the
//! HTTP route turns it into an [`ApiError`], import lists the ballots as rejected (or stops on a
//! storage failure).
//!
//! Ballot ids are compared in core's canonical form (`canonical_ballot_id`: a lowercase UUID), so
//! a copy of a ballot whose id is written in upper case is the same ballot (`duplicate`). Each
//! result names the ballot by the id as it was sent, so that the sender finds its ballot again.
//!
//! Import runs on the organiser's own machine, so it may store paper-channel ballots (like the
//! admin token on HTTP). The organiser (import, or a batch with the admin token) is not held to
//! the voting window: paper ballots are keyed in and devices imported after the meeting. Closing
//! the survey stops everyone.
//!
//! Group commit (`POST …/ballots`): the inserts of concurrent requests share one transaction, so
//! one fsync ([`crate::group_commit::GroupCommit`]), and a request waits for it without holding a
//! thread. Each request still gets exactly the outcomes it would have had alone, in the order the
//! requests were queued; when the shared transaction fails (a closed survey, a full disk), each
//! request's ballots are tried again in a transaction of their own, so every request is answered
//! as it would have been alone. The survey's latest version and closed state come from
//! [`AppState::latest_for_ingest`], read from the store about once a second per survey.
//!
//! What a refusal sends back stays small whatever was sent: at most [`MAX_PROBLEMS_SHOWN`]
//! problems per ballot, each text and echoed id cut to a few hundred characters.

use std::fmt;
use std::sync::Arc;

use tracing::{error, info};

use axum::http::StatusCode;
use pingyi_core::ballot::sha256_hex;
use pingyi_core::limits::MAX_BALLOT_BYTES;
use pingyi_core::protocol::{error_code, BallotResult, BallotStatus, SUBMIT_KEY_HEADER};
use pingyi_core::survey::{window_state, Window};
use pingyi_core::time::UtcTime;
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
    /// The survey's `opens_at` is still ahead (by more than the allowed clock skew).
    VotingNotOpen { opens_at: String },
    /// The survey's `closes_at` has passed (by more than the allowed clock skew).
    VotingEnded { closes_at: String },
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
                | IngestError::VotingNotOpen { .. }
                | IngestError::VotingEnded { .. }
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
            IngestError::VotingNotOpen { opens_at } => write!(
                f,
                "投票尚未开始（{opens_at} 开始），请到时再提交选票；选票仍保存在手机上。 \
                 Voting has not opened yet (it opens at {opens_at}); send the ballots then. \
                 They stay on the phone."
            ),
            IngestError::VotingEnded { closes_at } => write!(
                f,
                "投票已于 {closes_at} 截止，不再接受选票。 \
                 Voting ended at {closes_at}; no more ballots are accepted."
            ),
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
            IngestError::VotingNotOpen { .. } => ApiError::new(
                StatusCode::CONFLICT,
                error_code::VOTING_NOT_OPEN,
                e.to_string(),
            ),
            IngestError::VotingEnded { .. } => ApiError::new(
                StatusCode::CONFLICT,
                error_code::VOTING_ENDED,
                e.to_string(),
            ),
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

/// The survey's voting window at `now`, for senders held to it: the collector's clock, with
/// core's `WINDOW_SKEW_SECONDS` of slack each way.
fn check_window(latest: &Survey, now: UtcTime) -> Result<(), IngestError> {
    match window_state(latest, now) {
        Window::Open => Ok(()),
        Window::Before => Err(IngestError::VotingNotOpen {
            opens_at: shorten(latest.opens_at.as_deref().unwrap_or_default(), 40),
        }),
        Window::After => Err(IngestError::VotingEnded {
            closes_at: shorten(latest.closes_at.as_deref().unwrap_or_default(), 40),
        }),
    }
}

/// The collector's clock.
fn now() -> UtcTime {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    UtcTime {
        unix_seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: d.subsec_nanos(),
    }
}

/// The smallest body limit the collector may run with: one ballot of the largest size any valid
/// survey allows ([`MAX_BALLOT_BYTES`]) in a batch of its own, with room for the envelope
/// `{"ballots":[…]}` and some whitespace. Below it, a phone holding such a ballot could never send
/// it (it halves its batch on 413, down to one ballot, and then stays stuck).
pub const MIN_BODY_BYTES: usize = MAX_BALLOT_BYTES as usize + 4096;

/// Refuse a body limit too small for a batch of one maximal valid ballot (see
/// [`MIN_BODY_BYTES`]), with a message for whoever configured it.
pub fn check_body_limit(max_body_bytes: usize) -> Result<(), String> {
    if max_body_bytes < MIN_BODY_BYTES {
        return Err(format!(
            "--max-body-bytes {max_body_bytes} is too small: a valid ballot may take up to \
             {MAX_BALLOT_BYTES} bytes, so the body limit must be at least {MIN_BODY_BYTES} bytes \
             (or a phone holding such a ballot could never send it)"
        ));
    }
    Ok(())
}

/// Most problems answered per rejected ballot; the rest are summed up in one more problem.
pub const MAX_PROBLEMS_SHOWN: usize = 10;

/// Most characters of any text echoed back (problem texts and paths, ids).
const MAX_ECHO_CHARS: usize = 200;

/// `s` cut to `max` characters, with `…` when something was cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// The problems of a rejected ballot as answered: at most [`MAX_PROBLEMS_SHOWN`] (plus one that
/// says how many more there were), each cut to a sensible length. A hostile ballot with 100,000
/// wrong entries gets a short answer.
fn answered_problems(mut problems: Vec<Problem>) -> Vec<Problem> {
    let more = problems.len().saturating_sub(MAX_PROBLEMS_SHOWN);
    problems.truncate(MAX_PROBLEMS_SHOWN);
    for p in &mut problems {
        p.path = shorten(&p.path, MAX_ECHO_CHARS);
        p.code = shorten(&p.code, 64);
        p.zh = shorten(&p.zh, MAX_ECHO_CHARS);
        p.en = shorten(&p.en, MAX_ECHO_CHARS);
    }
    if more > 0 {
        problems.push(problem(
            "$",
            "more_problems",
            format!("还有 {more} 个问题未列出"),
            format!("{more} more problem(s) not listed"),
        ));
    }
    problems
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
/// one result per ballot in order (blocking; for `pingyi-collector import`, which sends its
/// batches one after another). See the module documentation.
pub fn ingest(
    state: &AppState,
    survey_id: &str,
    sender: Sender<'_>,
    raw: Vec<serde_json::Value>,
) -> Result<Vec<BallotResult>, IngestError> {
    let view = state.latest_for_ingest(survey_id)?;
    let checked = check(state, survey_id, sender, view, raw)?;
    let outcomes = if checked.to_insert.is_empty() {
        Vec::new()
    } else {
        state.store.insert_ballots(&checked.to_insert)?
    };
    Ok(answer(state, survey_id, checked.slots, outcomes))
}

/// Most ballots a batch may hold to be checked on the request's own task (see [`ingest_shared`]):
/// a phone's usual batch of one or a few. Checking takes some tens of microseconds a ballot, so a
/// bigger batch goes to a blocking thread rather than hold up the other requests of its worker.
pub const CHECK_ON_TASK_MAX_BALLOTS: usize = 8;

/// The same for `POST …/ballots`, where many phones send at once: the inserts of concurrent
/// requests share transactions ([`crate::group_commit::GroupCommit`]), and a request waits
/// for its answer without holding a thread. A small batch whose check needs nothing but memory
/// (the survey's state read lately, the versions the batch names parsed) is checked on the
/// request's own task; any other on a blocking thread, which may read the store.
pub async fn ingest_shared(
    state: Arc<AppState>,
    survey_id: String,
    submit_key: Option<String>,
    admin: bool,
    raw: Vec<serde_json::Value>,
) -> Result<Vec<BallotResult>, IngestError> {
    let known = if raw.len() <= CHECK_ON_TASK_MAX_BALLOTS {
        state.known_for_ingest(&survey_id, &raw)
    } else {
        None
    };
    let checked = match known {
        Some(view) => {
            let sender = Sender::Phone {
                submit_key: submit_key.as_deref(),
                admin,
            };
            check(&state, &survey_id, sender, view, raw)?
        }
        None => {
            let (state, survey_id) = (state.clone(), survey_id.clone());
            tokio::task::spawn_blocking(move || {
                let sender = Sender::Phone {
                    submit_key: submit_key.as_deref(),
                    admin,
                };
                let view = state.latest_for_ingest(&survey_id)?;
                check(&state, &survey_id, sender, view, raw)
            })
            .await
            .map_err(|e| {
                error!("ingest's check failed: {e}");
                IngestError::Unreadable
            })??
        }
    };
    let outcomes = if checked.to_insert.is_empty() {
        Vec::new()
    } else {
        state
            .group_commit
            .insert(state.store.clone(), checked.to_insert)
            .await?
    };
    Ok(answer(&state, &survey_id, checked.slots, outcomes))
}

/// Where each ballot of a batch stands after the check: a final result already, or an index into
/// the ballots to insert.
enum Slot {
    Done(BallotResult),
    Insert { index: usize, sent_id: String },
}

/// A batch after the check: one slot per ballot, and the valid ballots to insert.
struct Checked {
    slots: Vec<Slot>,
    to_insert: Vec<NewBallot>,
}

/// Check a batch against the survey's latest version and closed state (`view`): the submit key,
/// the voting window, and each ballot with core against its own version (looked up through
/// the state's cache).
fn check(
    state: &AppState,
    survey_id: &str,
    sender: Sender<'_>,
    view: (Arc<Survey>, bool),
    raw: Vec<serde_json::Value>,
) -> Result<Checked, IngestError> {
    let (latest, closed) = view;
    let organiser = match sender {
        Sender::Phone { submit_key, admin } => {
            check_submit_key(&latest, submit_key)?;
            admin
        }
        Sender::Import => true,
    };
    // A closed survey refuses the whole batch (checked again inside the insert transaction).
    if closed {
        return Err(IngestError::SurveyClosed);
    }
    if !organiser {
        check_window(&latest, now())?;
    }
    let may_enter_paper = organiser;

    let mut slots = Vec::with_capacity(raw.len());
    let mut to_insert: Vec<NewBallot> = Vec::new();
    for (i, value) in raw.into_iter().enumerate() {
        // The id as sent (cut when absurdly long: no ballot id is), to name the result by.
        let Some(id) = value
            .get("id")
            .and_then(|v| v.as_str())
            .map(|s| shorten(s, MAX_ECHO_CHARS))
        else {
            return Err(IngestError::BallotWithoutId { index: i });
        };
        let ballot: Ballot = match serde_json::from_value(value) {
            Ok(b) => b,
            Err(e) => {
                let p = problem(
                    "$",
                    "malformed_ballot",
                    format!("选票格式不正确：{e}"),
                    format!("malformed ballot: {e}"),
                );
                slots.push(Slot::Done(BallotResult {
                    id,
                    status: BallotStatus::Rejected,
                    problems: answered_problems(vec![p]),
                }));
                continue;
            }
        };
        let reject = |problems: Vec<Problem>| BallotResult {
            id: id.clone(),
            status: BallotStatus::Rejected,
            problems: answered_problems(problems),
        };
        if ballot.survey_id != survey_id {
            slots.push(Slot::Done(reject(vec![problem(
                "$.survey_id",
                "wrong_survey",
                format!(
                    "选票属于问卷 {:?}，不是 {:?}",
                    shorten(&ballot.survey_id, 64),
                    survey_id
                ),
                format!(
                    "the ballot is for survey {:?}, not {:?}",
                    shorten(&ballot.survey_id, 64),
                    survey_id
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
        slots.push(Slot::Insert {
            index: to_insert.len(),
            sent_id: id,
        });
        // The canonical JSON once; its hash is the ballot's content hash (`Ballot::content_hash`).
        let canonical_json = ballot.canonical_json();
        to_insert.push(NewBallot {
            content_hash: sha256_hex(&canonical_json),
            canonical_json,
            id: ballot.id,
            survey_id: ballot.survey_id,
            survey_version: ballot.survey_version,
            code_hash: ballot.code_hash,
        });
    }

    Ok(Checked { slots, to_insert })
}

/// The results of a batch, one per ballot in order, from the check's slots and the insert's
/// outcomes; live views are told when ballots were accepted, and the batch is logged.
fn answer(
    state: &AppState,
    survey_id: &str,
    slots: Vec<Slot>,
    outcomes: Vec<InsertOutcome>,
) -> Vec<BallotResult> {
    let mut counts = [0usize; 4];
    let results: Vec<BallotResult> = slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Done(r) => r,
            Slot::Insert { index: i, sent_id: id } => {
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
    results
}

//! The outbox state machine: which pending ballots to send next, when to retry, and why the last
//! attempt failed ([`Failure`], typed from the collector's answer to the screen).
//!
//! Pure logic with no clock, network or storage of its own: the widget's adapter feeds it the
//! stored ballots, the time, a random jitter and the outcome of each request, and does what it
//! says. Modelled on Enketo's records queue (one batch at a time, a ballot leaves the queue only
//! after the collector acknowledged it, exponential back-off), without any UI in it.
//!
//! Rules:
//! - Pending ballots go oldest first (by `cast_at`, then id), at most `batch_size` per request;
//!   ballots waiting for their survey version go after all others, so they never hold them up.
//! - `accepted` and `duplicate` acknowledge a ballot. `conflict` and `rejected` refuse it: it is
//!   kept, marked with the reason, and not sent again automatically: the organiser must see it.
//! - Except `rejected` for `unknown_version` alone (the collector does not have that survey version
//!   yet; usually it is about to be published): the ballot stays pending and is retried with
//!   back-off. Only once it has been answered so for at least `unknown_version_grace_ms` (24 h)
//!   *and* `unknown_version_min_attempts` (10) times in a row is it refused for good.
//! - Network errors, timeouts, 5xx, 429, `survey_closed` and `voting_not_open` keep the batch
//!   pending and back off exponentially with jitter: `base × 2^(failures−1)`, capped at
//!   `max_delay_ms`, then scaled into `[½, 1]` of itself by the jitter.
//! - Any other whole-request 4xx (bad submit key, unknown survey…) also keeps the ballots
//!   pending, records the failure for the organiser, and backs off the same way.
//! - A 413 for several ballots halves the batch and retries at once; a 413 for one ballot
//!   refuses that ballot (`payload_too_large`) and the rest go on.
//! - A 409 `voting_ended` refuses the ballots sent (`voting_ended`); the rest go on and get the
//!   same answer.
//! - Start-up, the browser's `online` event and the "upload now" button retry at once.

use serde::{Deserialize, Serialize};

use crate::idmap::IdMap;
use crate::protocol::{error_code, problem_code, BallotResult, BallotStatus, ErrorInfo};
use crate::validate::Problem;

/// Tunables; the defaults suit weak village signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub batch_size: usize,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// Abort a request after this long.
    pub timeout_ms: u64,
    /// A ballot answered `unknown_version` stays pending at least this long…
    pub unknown_version_grace_ms: u64,
    /// …and at least this many answers in a row, before it is refused for good.
    pub unknown_version_min_attempts: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            batch_size: 50,
            base_delay_ms: 2_000,
            max_delay_ms: 300_000,
            timeout_ms: 20_000,
            unknown_version_grace_ms: 24 * 60 * 60 * 1000,
            unknown_version_min_attempts: 10,
        }
    }
}

/// Where a stored ballot stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Delivery {
    /// Stored on the device, not yet acknowledged.
    #[default]
    Pending,
    /// The collector holds it (`accepted` or `duplicate`).
    Acked { at_ms: i64 },
    /// The collector refused it; kept and shown to the organiser.
    Refused {
        status: BallotStatus,
        problems: Vec<Problem>,
        at_ms: i64,
    },
}

/// What the adapter tells the machine about a pending ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingBallot {
    pub id: String,
    pub cast_at: String,
}

/// Why the last attempt did not deliver everything. The view words it for residents; the
/// [`detail`](Failure::detail) is for the organiser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// No answer: offline, DNS, connection reset, CORS.
    Network { detail: String },
    /// No answer within the policy's `timeout_ms` (the usual failure on weak signal).
    Timeout,
    /// 429 `rate_limited`.
    RateLimited,
    /// 507 `storage_full`: the collector's disk is full.
    StorageFull,
    /// A 5xx, or an answer that could not be read.
    Server {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// 409 `survey_closed`: the organiser closed the survey.
    Closed,
    /// 409 `voting_not_open`: the voting window has not begun at the collector.
    VotingNotOpen,
    /// 409 `voting_ended`: the voting window is over; the ballots sent were refused.
    VotingEnded,
    /// Another whole-request 4xx (wrong submit key, unknown survey, bad request…).
    Client {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// 413 for a single ballot: it was refused.
    PayloadTooLarge,
    /// Ballots kept because the collector does not have their survey version yet.
    UnknownVersion { count: usize },
    /// Ballots of the last answer the collector refused.
    Refused { count: usize },
    /// An answer that named none of the ballots sent.
    BadResponse,
}

impl Failure {
    /// The failure a whole-request answer without per-ballot results means.
    pub fn from_answer(status: u16, error: Option<&ErrorInfo>) -> Failure {
        let code = error.map(|e| e.code.as_str());
        let (code_s, message) = (
            error.map(|e| e.code.clone()),
            error.map(|e| e.message.clone()),
        );
        match code {
            Some(error_code::SURVEY_CLOSED) => return Failure::Closed,
            Some(error_code::VOTING_NOT_OPEN) => return Failure::VotingNotOpen,
            Some(error_code::VOTING_ENDED) => return Failure::VotingEnded,
            Some(error_code::RATE_LIMITED) => return Failure::RateLimited,
            Some(error_code::STORAGE_FULL) => return Failure::StorageFull,
            Some(error_code::PAYLOAD_TOO_LARGE | error_code::BATCH_TOO_LARGE) => {
                return Failure::PayloadTooLarge
            }
            _ => {}
        }
        match status {
            429 => Failure::RateLimited,
            507 => Failure::StorageFull,
            413 => Failure::PayloadTooLarge,
            200..=299 => Failure::BadResponse,
            400..=499 => Failure::Client {
                status,
                code: code_s,
                message,
            },
            _ => Failure::Server {
                status,
                code: code_s,
                message,
            },
        }
    }

    /// Whether the ballots concerned stay pending and are sent again automatically.
    pub fn retries(&self) -> bool {
        !matches!(
            self,
            Failure::VotingEnded | Failure::PayloadTooLarge | Failure::Refused { .. }
        )
    }

    /// The technical detail for the organiser: a stable code, then what the collector said.
    pub fn detail(&self) -> String {
        let answer = |status: &u16, code: &Option<String>, message: &Option<String>| {
            let mut s = format!("http {status}");
            if let Some(c) = code {
                s.push_str(&format!(" {c}"));
            }
            if let Some(m) = message.as_ref().filter(|m| !m.is_empty()) {
                s.push_str(&format!(": {m}"));
            }
            s
        };
        match self {
            Failure::Network { detail } => format!("network: {detail}"),
            Failure::Timeout => "timeout".into(),
            Failure::RateLimited => error_code::RATE_LIMITED.into(),
            Failure::StorageFull => error_code::STORAGE_FULL.into(),
            Failure::Server {
                status,
                code,
                message,
            }
            | Failure::Client {
                status,
                code,
                message,
            } => answer(status, code, message),
            Failure::Closed => error_code::SURVEY_CLOSED.into(),
            Failure::VotingNotOpen => error_code::VOTING_NOT_OPEN.into(),
            Failure::VotingEnded => error_code::VOTING_ENDED.into(),
            Failure::PayloadTooLarge => error_code::PAYLOAD_TOO_LARGE.into(),
            Failure::UnknownVersion { count } => {
                format!("{}: {count}", problem_code::UNKNOWN_VERSION)
            }
            Failure::Refused { count } => format!("refused: {count}"),
            Failure::BadResponse => "bad_response: no result for the ballots sent".into(),
        }
    }
}

/// How long a ballot has been answered `unknown_version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionWait {
    /// The first such answer.
    pub since_ms: i64,
    /// Such answers in a row.
    pub attempts: u32,
}

/// The machine's memory between requests. Kept in memory (and optionally persisted) by the adapter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct State {
    /// Consecutive failed requests.
    pub failures: u32,
    /// Earliest time of the next automatic attempt; `None` = as soon as there is work.
    pub next_attempt_ms: Option<i64>,
    pub last_success_ms: Option<i64>,
    /// Why the last attempt did not deliver everything.
    pub last_error: Option<Failure>,
    /// Current batch size (halved on 413); 0 means the policy's.
    pub batch_size: usize,
    /// Ballots the collector answered `unknown_version`, by id.
    /// An [`IdMap`], not a `BTreeMap`: the same JSON without a second copy of the B-tree's node
    /// code in the residents' bundle.
    #[serde(default, skip_serializing_if = "IdMap::is_empty")]
    pub version_waits: IdMap<VersionWait>,
}

/// Why the adapter is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Widget start.
    Start,
    /// The browser's `online` event.
    Online,
    /// The "立即上传" button.
    UploadNow,
    /// A timer fired.
    Timer,
}

/// What happened to one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The endpoint answered. `results` is the parsed per-ballot body, when it had one; `error`
    /// the parsed error body, when it had one.
    Answered {
        status: u16,
        results: Option<Vec<BallotResult>>,
        error: Option<ErrorInfo>,
    },
    /// No answer: offline, DNS, connection reset, CORS.
    NetworkError(String),
    /// Aborted after `timeout_ms`.
    Timeout,
}

/// What the adapter must do after an outcome.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Effects {
    /// Mark these acknowledged.
    pub acked: Vec<String>,
    /// Mark these refused with their status and problems.
    pub refused: Vec<(String, BallotStatus, Vec<Problem>)>,
    /// Send the next batch now (more may be pending).
    pub continue_now: bool,
    /// Otherwise, schedule a timer for this many ms from now (if any pending remain).
    pub retry_in_ms: Option<u64>,
}

/// Whether to send now.
pub fn should_send(state: &State, trigger: Trigger, now_ms: i64, pending: usize) -> bool {
    if pending == 0 {
        return false;
    }
    match trigger {
        Trigger::Start | Trigger::Online | Trigger::UploadNow => true,
        Trigger::Timer => state.next_attempt_ms.is_none_or(|t| now_ms >= t),
    }
}

/// The failure to show while `pending` ballots wait: the last one, once a request failed, or
/// `voting_ended`, which stays true.
pub fn shown_failure(state: &State, pending: usize) -> Option<&Failure> {
    state
        .last_error
        .as_ref()
        .filter(|f| matches!(f, Failure::VotingEnded) || (pending > 0 && state.failures > 0))
}

/// The next batch: oldest first, ballots waiting for their survey version last, at most the
/// current batch size.
pub fn next_batch(state: &State, policy: &Policy, pending: &[PendingBallot]) -> Vec<String> {
    let size = if state.batch_size == 0 {
        policy.batch_size
    } else {
        state.batch_size
    };
    let mut sorted: Vec<&PendingBallot> = pending.iter().collect();
    crate::small::sort_by(&mut sorted, |a, b| {
        let waits = |p: &PendingBallot| state.version_waits.contains_key(&p.id);
        waits(a)
            .cmp(&waits(b))
            .then_with(|| a.cast_at.cmp(&b.cast_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    sorted
        .into_iter()
        .take(size.max(1))
        .map(|p| p.id.clone())
        .collect()
}

/// The back-off delay after `failures` consecutive failures, with `jitter` in `[0, 1]`.
pub fn backoff_ms(policy: &Policy, failures: u32, jitter: f64) -> u64 {
    let exp = failures.saturating_sub(1).min(30);
    let raw = policy
        .base_delay_ms
        .saturating_mul(1u64 << exp)
        .min(policy.max_delay_ms);
    let j = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let half = raw / 2;
    half + ((raw - half) as f64 * j) as u64
}

/// The problem recorded with a ballot refused because it alone is over the collector's size limit.
pub fn payload_too_large_problem() -> Problem {
    Problem::new(
        "$",
        error_code::PAYLOAD_TOO_LARGE,
        "这张选票超过收集端的大小上限，被拒收；其他选票照常上传",
        "this ballot is larger than the collector accepts and was refused; other ballots are sent as usual",
    )
}

/// The problem recorded with a ballot refused because the voting window was over.
pub fn voting_ended_problem() -> Problem {
    Problem::new(
        "$",
        error_code::VOTING_ENDED,
        "投票时间已过，收集端不再接收选票",
        "voting has ended; the collector no longer accepts ballots",
    )
}

/// Whether a rejection only says that the collector lacks the ballot's survey version.
fn waits_for_version(r: &BallotResult) -> bool {
    r.status == BallotStatus::Rejected
        && !r.problems.is_empty()
        && r.problems
            .iter()
            .all(|p| p.code == problem_code::UNKNOWN_VERSION)
}

/// Apply the outcome of sending `sent` and say what to do next.
pub fn apply(
    state: &mut State,
    policy: &Policy,
    sent: &[String],
    outcome: Outcome,
    now_ms: i64,
    jitter: f64,
) -> Effects {
    let mut fx = Effects::default();
    match outcome {
        Outcome::Answered {
            results: Some(results),
            ..
        } if !results.is_empty() => {
            let mut waiting = 0;
            for r in results {
                if !sent.contains(&r.id) {
                    continue; // an answer about a ballot we did not send: ignore it
                }
                if waits_for_version(&r) {
                    let wait = state
                        .version_waits
                        .get_or_insert_with(&r.id, || VersionWait {
                            since_ms: now_ms,
                            attempts: 0,
                        });
                    wait.attempts = wait.attempts.saturating_add(1);
                    let waited = now_ms.saturating_sub(wait.since_ms);
                    let given_up = waited >= 0
                        && waited as u64 >= policy.unknown_version_grace_ms
                        && wait.attempts >= policy.unknown_version_min_attempts;
                    if !given_up {
                        waiting += 1;
                        continue;
                    }
                }
                state.version_waits.remove(&r.id);
                match r.status {
                    BallotStatus::Accepted | BallotStatus::Duplicate => fx.acked.push(r.id),
                    BallotStatus::Conflict | BallotStatus::Rejected => {
                        fx.refused.push((r.id, r.status, r.problems))
                    }
                }
            }
            let answered = fx.acked.len() + fx.refused.len();
            if answered > 0 {
                // Progress was made: go on with the next batch (waiting ballots go last).
                state.failures = 0;
                state.next_attempt_ms = None;
                state.last_success_ms = Some(now_ms);
                state.last_error = if waiting > 0 {
                    Some(Failure::UnknownVersion { count: waiting })
                } else if !fx.refused.is_empty() {
                    Some(Failure::Refused {
                        count: fx.refused.len(),
                    })
                } else {
                    None
                };
                fx.continue_now = true;
            } else if waiting > 0 {
                fail(
                    state,
                    policy,
                    Failure::UnknownVersion { count: waiting },
                    now_ms,
                    jitter,
                    &mut fx,
                );
            } else {
                // The answer covered none of the ballots sent: a failure, so that we do not spin.
                fail(state, policy, Failure::BadResponse, now_ms, jitter, &mut fx);
            }
        }
        Outcome::Answered { status, error, .. } => {
            match Failure::from_answer(status, error.as_ref()) {
                Failure::PayloadTooLarge if sent.len() > 1 => {
                    state.batch_size = (sent.len() / 2).max(1);
                    state.last_error = Some(Failure::PayloadTooLarge);
                    fx.continue_now = true;
                }
                Failure::PayloadTooLarge => refuse_all(
                    state,
                    sent,
                    Failure::PayloadTooLarge,
                    payload_too_large_problem(),
                    &mut fx,
                ),
                Failure::VotingEnded => refuse_all(
                    state,
                    sent,
                    Failure::VotingEnded,
                    voting_ended_problem(),
                    &mut fx,
                ),
                failure => fail(state, policy, failure, now_ms, jitter, &mut fx),
            }
        }
        Outcome::NetworkError(detail) => fail(
            state,
            policy,
            Failure::Network { detail },
            now_ms,
            jitter,
            &mut fx,
        ),
        Outcome::Timeout => fail(state, policy, Failure::Timeout, now_ms, jitter, &mut fx),
    }
    fx
}

/// The collector refused every ballot sent, for good: mark them, and go on with the rest.
fn refuse_all(
    state: &mut State,
    sent: &[String],
    failure: Failure,
    problem: Problem,
    fx: &mut Effects,
) {
    for id in sent {
        state.version_waits.remove(id);
        fx.refused
            .push((id.clone(), BallotStatus::Rejected, vec![problem.clone()]));
    }
    state.failures = 0;
    state.next_attempt_ms = None;
    state.last_error = Some(failure);
    fx.continue_now = true;
}

fn fail(
    state: &mut State,
    policy: &Policy,
    failure: Failure,
    now_ms: i64,
    jitter: f64,
    fx: &mut Effects,
) {
    state.failures = state.failures.saturating_add(1);
    let delay = backoff_ms(policy, state.failures, jitter);
    state.next_attempt_ms = Some(now_ms.saturating_add(delay as i64));
    state.last_error = Some(failure);
    fx.continue_now = false;
    fx.retry_in_ms = Some(delay);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, at: &str) -> PendingBallot {
        PendingBallot {
            id: id.into(),
            cast_at: at.into(),
        }
    }

    fn res(id: &str, status: BallotStatus) -> BallotResult {
        BallotResult {
            id: id.into(),
            status,
            problems: vec![],
        }
    }

    fn unknown_version(id: &str) -> BallotResult {
        BallotResult {
            id: id.into(),
            status: BallotStatus::Rejected,
            problems: vec![Problem::new(
                "$.survey_version",
                problem_code::UNKNOWN_VERSION,
                "本收集端没有第 2 版问卷",
                "version 2 of this survey is not published here",
            )],
        }
    }

    fn err(status: u16, code: &str) -> Outcome {
        Outcome::Answered {
            status,
            results: None,
            error: Some(ErrorInfo {
                code: code.into(),
                message: format!("{code} message"),
                problems: vec![],
            }),
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn batches_oldest_first_and_capped() {
        let policy = Policy {
            batch_size: 2,
            ..Policy::default()
        };
        let pending = vec![
            p("c", "2026-01-03"),
            p("a", "2026-01-01"),
            p("b", "2026-01-02"),
        ];
        assert_eq!(
            next_batch(&State::default(), &policy, &pending),
            vec!["a", "b"]
        );
    }

    #[test]
    fn acks_and_refusals_are_split() {
        let mut s = State {
            failures: 3,
            ..State::default()
        };
        let sent = ids(&["a", "b", "c", "d"]);
        let fx = apply(
            &mut s,
            &Policy::default(),
            &sent,
            Outcome::Answered {
                status: 409,
                results: Some(vec![
                    res("a", BallotStatus::Accepted),
                    res("b", BallotStatus::Duplicate),
                    res("c", BallotStatus::Conflict),
                    res("d", BallotStatus::Rejected),
                ]),
                error: None,
            },
            1000,
            0.5,
        );
        assert_eq!(fx.acked, vec!["a", "b"]);
        assert_eq!(fx.refused.len(), 2);
        assert!(fx.continue_now);
        assert_eq!(s.failures, 0);
        assert_eq!(s.last_success_ms, Some(1000));
        assert_eq!(s.last_error, Some(Failure::Refused { count: 2 }));
    }

    #[test]
    fn failures_back_off_exponentially_to_the_cap() {
        let policy = Policy::default();
        let mut s = State::default();
        let mut last = 0;
        for i in 1..=12 {
            let fx = apply(&mut s, &policy, &ids(&["a"]), Outcome::Timeout, 0, 1.0);
            let d = fx.retry_in_ms.unwrap();
            assert!(d >= last, "delay must not shrink");
            assert!(d <= policy.max_delay_ms);
            assert_eq!(s.failures, i);
            last = d;
        }
        assert_eq!(last, policy.max_delay_ms);
        assert_eq!(backoff_ms(&policy, 1, 1.0), 2_000);
        assert_eq!(backoff_ms(&policy, 2, 1.0), 4_000);
        assert_eq!(backoff_ms(&policy, 2, 0.0), 2_000);
    }

    #[test]
    fn each_failure_is_typed_from_what_happened() {
        let cases: Vec<(Outcome, Failure)> = vec![
            (Outcome::Timeout, Failure::Timeout),
            (
                Outcome::NetworkError("Failed to fetch".into()),
                Failure::Network {
                    detail: "Failed to fetch".into(),
                },
            ),
            (err(429, error_code::RATE_LIMITED), Failure::RateLimited),
            (err(507, error_code::STORAGE_FULL), Failure::StorageFull),
            (err(409, error_code::SURVEY_CLOSED), Failure::Closed),
            (
                err(409, error_code::VOTING_NOT_OPEN),
                Failure::VotingNotOpen,
            ),
            (
                err(500, error_code::INTERNAL),
                Failure::Server {
                    status: 500,
                    code: Some("internal".into()),
                    message: Some("internal message".into()),
                },
            ),
            (
                Outcome::Answered {
                    status: 502,
                    results: None,
                    error: None,
                },
                Failure::Server {
                    status: 502,
                    code: None,
                    message: None,
                },
            ),
            (
                err(401, error_code::UNAUTHORIZED),
                Failure::Client {
                    status: 401,
                    code: Some("unauthorized".into()),
                    message: Some("unauthorized message".into()),
                },
            ),
            (
                Outcome::Answered {
                    status: 200,
                    results: None,
                    error: None,
                },
                Failure::BadResponse,
            ),
        ];
        for (outcome, want) in cases {
            let mut s = State::default();
            let fx = apply(&mut s, &Policy::default(), &ids(&["a"]), outcome, 0, 0.3);
            assert!(fx.acked.is_empty() && fx.refused.is_empty(), "{want:?}");
            assert!(fx.retry_in_ms.is_some(), "{want:?} is retried");
            assert!(want.retries());
            assert_eq!(s.last_error.as_ref(), Some(&want));
            assert_eq!(shown_failure(&s, 1), Some(&want));
        }
    }

    #[test]
    fn the_detail_for_the_organiser_keeps_what_the_collector_said() {
        assert_eq!(Failure::Timeout.detail(), "timeout");
        assert_eq!(
            Failure::Network {
                detail: "Failed to fetch".into()
            }
            .detail(),
            "network: Failed to fetch"
        );
        assert_eq!(
            Failure::from_answer(
                401,
                Some(&ErrorInfo {
                    code: "unauthorized".into(),
                    message: "wrong submit key".into(),
                    problems: vec![],
                })
            )
            .detail(),
            "http 401 unauthorized: wrong submit key"
        );
        assert_eq!(Failure::from_answer(503, None).detail(), "http 503");
    }

    #[test]
    fn server_errors_keep_ballots_pending() {
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &Policy::default(),
            &ids(&["a"]),
            err(500, error_code::INTERNAL),
            0,
            0.3,
        );
        assert!(fx.acked.is_empty() && fx.refused.is_empty());
        assert!(fx.retry_in_ms.is_some());
        assert!(!should_send(&s, Trigger::Timer, 1, 1));
        assert!(should_send(&s, Trigger::Online, 1, 1));
        assert!(should_send(
            &s,
            Trigger::Timer,
            s.next_attempt_ms.unwrap(),
            1
        ));
        assert!(!should_send(&s, Trigger::UploadNow, 1, 0));
        assert_eq!(shown_failure(&s, 0), None, "nothing waits: nothing shown");
    }

    #[test]
    fn payload_too_large_halves_the_batch() {
        let policy = Policy {
            batch_size: 8,
            ..Policy::default()
        };
        let mut s = State::default();
        let sent: Vec<String> = (0..8).map(|i| format!("{i:02}")).collect();
        let fx = apply(
            &mut s,
            &policy,
            &sent,
            Outcome::Answered {
                status: 413,
                results: None,
                error: None,
            },
            0,
            0.0,
        );
        assert!(fx.continue_now);
        assert!(fx.refused.is_empty());
        assert_eq!(s.batch_size, 4);
        let pending: Vec<_> = (0..10).map(|i| p(&format!("{i:02}"), "t")).collect();
        assert_eq!(next_batch(&s, &policy, &pending).len(), 4);
    }

    #[test]
    fn payload_too_large_for_one_ballot_refuses_only_that_ballot() {
        let policy = Policy::default();
        let mut s = State {
            batch_size: 1,
            ..State::default()
        };
        let fx = apply(
            &mut s,
            &policy,
            &ids(&["big"]),
            err(413, error_code::PAYLOAD_TOO_LARGE),
            0,
            0.0,
        );
        assert_eq!(fx.refused.len(), 1);
        let (id, status, problems) = &fx.refused[0];
        assert_eq!(id, "big");
        assert_eq!(*status, BallotStatus::Rejected);
        assert_eq!(problems[0].code, "payload_too_large");
        assert!(fx.continue_now, "the rest go on at once");
        assert_eq!(fx.retry_in_ms, None);
        assert_eq!(s.failures, 0);
        assert_eq!(s.last_error, Some(Failure::PayloadTooLarge));
        assert!(!Failure::PayloadTooLarge.retries());
    }

    #[test]
    fn voting_not_open_is_retried_and_voting_ended_is_refused_for_good() {
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &Policy::default(),
            &ids(&["a", "b"]),
            err(409, error_code::VOTING_NOT_OPEN),
            0,
            0.5,
        );
        assert!(fx.refused.is_empty() && fx.retry_in_ms.is_some());
        assert_eq!(s.last_error, Some(Failure::VotingNotOpen));

        let mut s = State::default();
        let fx = apply(
            &mut s,
            &Policy::default(),
            &ids(&["a", "b"]),
            err(409, error_code::VOTING_ENDED),
            0,
            0.5,
        );
        assert_eq!(fx.refused.len(), 2);
        assert!(fx
            .refused
            .iter()
            .all(|(_, st, pr)| *st == BallotStatus::Rejected
                && pr[0].code == error_code::VOTING_ENDED
                && pr[0].zh.contains("投票时间已过")));
        assert!(fx.continue_now);
        assert_eq!(shown_failure(&s, 0), Some(&Failure::VotingEnded));
    }

    #[test]
    fn unknown_version_keeps_the_ballot_pending_and_backs_off() {
        let policy = Policy::default();
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &policy,
            &ids(&["u", "a"]),
            Outcome::Answered {
                status: 422,
                results: Some(vec![unknown_version("u"), res("a", BallotStatus::Accepted)]),
                error: None,
            },
            0,
            0.5,
        );
        assert_eq!(fx.acked, vec!["a"]);
        assert!(fx.refused.is_empty(), "u waits, it is not refused");
        assert!(fx.continue_now);
        // Waiting ballots go after every other one.
        let pending = vec![p("u", "2026-01-01"), p("b", "2026-01-02")];
        let one = Policy {
            batch_size: 1,
            ..policy
        };
        assert_eq!(next_batch(&s, &one, &pending), vec!["b"]);
        // Only u left: no progress, so back off instead of spinning.
        let fx = apply(
            &mut s,
            &policy,
            &ids(&["u"]),
            Outcome::Answered {
                status: 422,
                results: Some(vec![unknown_version("u")]),
                error: None,
            },
            10,
            0.5,
        );
        assert!(fx.refused.is_empty() && !fx.continue_now);
        assert!(fx.retry_in_ms.is_some());
        assert_eq!(s.last_error, Some(Failure::UnknownVersion { count: 1 }));
        // Published at last: accepted, and forgotten.
        apply(
            &mut s,
            &policy,
            &ids(&["u"]),
            Outcome::Answered {
                status: 200,
                results: Some(vec![res("u", BallotStatus::Accepted)]),
                error: None,
            },
            20,
            0.5,
        );
        assert!(s.version_waits.is_empty());
    }

    #[test]
    fn unknown_version_is_refused_once_both_bounds_are_reached() {
        let policy = Policy::default();
        let mut s = State::default();
        let answer = || Outcome::Answered {
            status: 422,
            results: Some(vec![unknown_version("u")]),
            error: None,
        };
        let day = policy.unknown_version_grace_ms as i64;
        for i in 0..9 {
            let fx = apply(&mut s, &policy, &ids(&["u"]), answer(), i * day, 0.5);
            assert!(fx.refused.is_empty(), "attempt {i}: too few attempts");
        }
        let fx = apply(&mut s, &policy, &ids(&["u"]), answer(), 9 * day, 0.5);
        assert_eq!(fx.refused.len(), 1);
        assert_eq!(fx.refused[0].2[0].code, "unknown_version");
    }

    #[test]
    fn results_for_unsent_ids_are_ignored() {
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &Policy::default(),
            &ids(&["a"]),
            Outcome::Answered {
                status: 200,
                results: Some(vec![res("zzz", BallotStatus::Accepted)]),
                error: None,
            },
            0,
            0.0,
        );
        assert!(fx.acked.is_empty());
        assert!(!fx.continue_now);
        assert_eq!(s.failures, 1);
        assert_eq!(s.last_error, Some(Failure::BadResponse));
    }
}

//! The outbox state machine: which pending ballots to send next, and when to retry.
//!
//! Pure logic with no clock, network or storage of its own: the widget's adapter feeds it the
//! stored ballots, the time, a random jitter and the outcome of each request, and does what it
//! says. Modelled on Enketo's records queue (one batch at a time, a ballot leaves the queue only
//! after the collector acknowledged it, exponential back-off), without any UI in it.
//!
//! Rules:
//! - Pending ballots go oldest first (by `cast_at`, then id), at most `batch_size` per request.
//! - `accepted` and `duplicate` acknowledge a ballot. `conflict` and `rejected` keep it, marked
//!   with the reason, and it is not sent again automatically: the organiser must see it.
//! - Network errors, timeouts, 5xx and 429 keep the batch pending and back off exponentially
//!   with jitter: `base × 2^(failures−1)`, capped at `max_delay_ms`, then scaled into
//!   `[½, 1]` of itself by the jitter.
//! - Any other whole-request 4xx (bad submit key, unknown survey…) also keeps the ballots
//!   pending, records the error for the organiser, and backs off the same way. A 413 halves the
//!   batch size and retries at once.
//! - Start-up, the browser's `online` event and the "upload now" button retry at once.

use serde::{Deserialize, Serialize};

use crate::protocol::{BallotResult, BallotStatus};
use crate::validate::Problem;

/// Tunables; the defaults suit weak village signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub batch_size: usize,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// Abort a request after this long.
    pub timeout_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            batch_size: 50,
            base_delay_ms: 2_000,
            max_delay_ms: 300_000,
            timeout_ms: 20_000,
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

/// The machine's memory between requests. Kept in memory (and optionally persisted) by the adapter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct State {
    /// Consecutive failed requests.
    pub failures: u32,
    /// Earliest time of the next automatic attempt; `None` = as soon as there is work.
    pub next_attempt_ms: Option<i64>,
    pub last_success_ms: Option<i64>,
    /// The last error, for the organiser: a stable code and a message.
    pub last_error: Option<String>,
    /// Current batch size (halved on 413); 0 means the policy's.
    pub batch_size: usize,
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
    /// The endpoint answered. `results` is the parsed per-ballot body, when it had one.
    Answered {
        status: u16,
        results: Option<Vec<BallotResult>>,
        error: Option<String>,
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

/// The next batch: oldest first, at most the current batch size.
pub fn next_batch(state: &State, policy: &Policy, pending: &[PendingBallot]) -> Vec<String> {
    let size = if state.batch_size == 0 {
        policy.batch_size
    } else {
        state.batch_size
    };
    let mut sorted: Vec<&PendingBallot> = pending.iter().collect();
    sorted.sort_by(|a, b| a.cast_at.cmp(&b.cast_at).then_with(|| a.id.cmp(&b.id)));
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
            for r in results {
                if !sent.contains(&r.id) {
                    continue; // an answer about a ballot we did not send: ignore it
                }
                match r.status {
                    BallotStatus::Accepted | BallotStatus::Duplicate => fx.acked.push(r.id),
                    BallotStatus::Conflict | BallotStatus::Rejected => {
                        fx.refused.push((r.id, r.status, r.problems))
                    }
                }
            }
            let answered = fx.acked.len() + fx.refused.len();
            state.failures = 0;
            state.next_attempt_ms = None;
            state.last_success_ms = Some(now_ms);
            state.last_error = if fx.refused.is_empty() {
                None
            } else {
                Some(format!("{} ballot(s) refused", fx.refused.len()))
            };
            // Progress was made: go on with the next batch. If the answer covered none of the
            // ballots sent, treat it as a failure so that we do not spin.
            if answered > 0 {
                fx.continue_now = true;
            } else {
                fail(
                    state,
                    policy,
                    "bad_response: no result for the ballots sent",
                    now_ms,
                    jitter,
                    &mut fx,
                );
            }
        }
        Outcome::Answered {
            status: 413, error, ..
        } => {
            let current = if state.batch_size == 0 {
                policy.batch_size
            } else {
                state.batch_size
            };
            state.batch_size = (current / 2).max(1);
            state.last_error = Some(error.unwrap_or_else(|| "payload_too_large".into()));
            if current > 1 {
                fx.continue_now = true;
            } else {
                fail(state, policy, "payload_too_large", now_ms, jitter, &mut fx);
            }
        }
        Outcome::Answered { status, error, .. } => {
            let msg = error.unwrap_or_else(|| format!("http_{status}"));
            fail(state, policy, &msg, now_ms, jitter, &mut fx);
        }
        Outcome::NetworkError(e) => fail(
            state,
            policy,
            &format!("network: {e}"),
            now_ms,
            jitter,
            &mut fx,
        ),
        Outcome::Timeout => fail(state, policy, "timeout", now_ms, jitter, &mut fx),
    }
    fx
}

fn fail(state: &mut State, policy: &Policy, msg: &str, now_ms: i64, jitter: f64, fx: &mut Effects) {
    state.failures = state.failures.saturating_add(1);
    let delay = backoff_ms(policy, state.failures, jitter);
    state.next_attempt_ms = Some(now_ms.saturating_add(delay as i64));
    state.last_error = Some(msg.to_string());
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
        let sent = vec!["a".to_string(), "b".into(), "c".into(), "d".into()];
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
    }

    #[test]
    fn failures_back_off_exponentially_to_the_cap() {
        let policy = Policy::default();
        let mut s = State::default();
        let mut last = 0;
        for i in 1..=12 {
            let fx = apply(&mut s, &policy, &["a".into()], Outcome::Timeout, 0, 1.0);
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
    fn a_full_collector_disk_is_retried_like_any_server_error() {
        for (status, code) in [(507, "storage_full"), (502, "http_502"), (503, "http_503")] {
            let mut s = State::default();
            let fx = apply(
                &mut s,
                &Policy::default(),
                &["a".into()],
                Outcome::Answered {
                    status,
                    results: None,
                    error: (status == 507).then(|| code.to_string()),
                },
                0,
                0.3,
            );
            assert!(fx.acked.is_empty() && fx.refused.is_empty(), "{status}");
            assert!(fx.retry_in_ms.is_some(), "{status}");
            assert_eq!(s.last_error.as_deref(), Some(code));
        }
    }

    #[test]
    fn server_errors_keep_ballots_pending() {
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &Policy::default(),
            &["a".into()],
            Outcome::Answered {
                status: 500,
                results: None,
                error: Some("internal".into()),
            },
            0,
            0.3,
        );
        assert!(fx.acked.is_empty() && fx.refused.is_empty());
        assert!(fx.retry_in_ms.is_some());
        assert_eq!(s.last_error.as_deref(), Some("internal"));
        assert!(!should_send(&s, Trigger::Timer, 1, 1));
        assert!(should_send(&s, Trigger::Online, 1, 1));
        assert!(should_send(
            &s,
            Trigger::Timer,
            s.next_attempt_ms.unwrap(),
            1
        ));
        assert!(!should_send(&s, Trigger::UploadNow, 1, 0));
    }

    #[test]
    fn payload_too_large_halves_the_batch() {
        let policy = Policy {
            batch_size: 8,
            ..Policy::default()
        };
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &policy,
            &["a".into()],
            Outcome::Answered {
                status: 413,
                results: None,
                error: None,
            },
            0,
            0.0,
        );
        assert!(fx.continue_now);
        assert_eq!(s.batch_size, 4);
        let pending: Vec<_> = (0..10).map(|i| p(&format!("{i:02}"), "t")).collect();
        assert_eq!(next_batch(&s, &policy, &pending).len(), 4);
    }

    #[test]
    fn results_for_unsent_ids_are_ignored() {
        let mut s = State::default();
        let fx = apply(
            &mut s,
            &Policy::default(),
            &["a".into()],
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
    }
}

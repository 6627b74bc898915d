//! Ballot codes on the collector: what is stored and handed out, and the guess budget.
//!
//! - Stored: `code_check(code_hash)` per code (core `codes::code_check`, see `store::sqlite`).
//!   A ballot's `code_hash` is checked by computing its check, so the stored list casts nothing.
//! - Handed to a kiosk: [`hints`], 4 hexadecimal digits per code (core `codes::code_hint`),
//!   enough to catch a typo, not to make a ballot; plus the hashes of used codes, which cast
//!   nothing more.
//! - Guessing: a code has 40 random bits, so each guess hits one of N slips with odds N / 2^40.
//!   [`GuessBudget`] counts ballots with unknown codes per survey over [`WINDOW_SECONDS`]. Past
//!   [`GUESS_ALLOWANCE`], a batch holding an unknown code is answered 429 with `Retry-After`,
//!   [`FIRST_WAIT_SECONDS`] at first; any unknown code after a wait ends starts a wait twice as
//!   long, until a whole window passes quietly after the last wait. Every ballot is still checked first, and one with a valid
//!   unused code is stored and counted: a flood of guesses never keeps a voter with a real slip
//!   waiting (the alternative, refusing every coded ballot of the survey while it is flooded,
//!   would let anyone stop a meeting's voting with a script). What the budget gives is the
//!   organiser's alert ([`CodeAttempts`], 有人在猜选票码 in the console), a clear refusal that
//!   well-behaved clients back off from, and a log line; the bound on a guesser who ignores
//!   `Retry-After` remains the 40 bits against the per-address rate limit (docs/meeting-modes.md).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use pingyi_core::codes::code_hint;
use pingyi_core::protocol::meeting::{CodeAttempts, CodeHints};
use pingyi_core::protocol::{BallotResult, BallotStatus};

use crate::error::ApiError;
use crate::store::{Store, StoreError};

/// The window over which unknown codes are counted, in seconds.
pub const WINDOW_SECONDS: u64 = 600;
/// Ballots with unknown codes per survey in a window before further ones are answered 429.
/// Typing mistakes at a meeting of a few hundred stay well below it (a kiosk catches most of them
/// with its hints before a ballot is made).
pub const GUESS_ALLOWANCE: u64 = 30;
/// From this many ballots with unknown codes in a window, the organiser sees a warning.
pub const ALERT_AT: u64 = 10;
/// The first wait after the budget is overrun; it doubles each time it is overrun again.
pub const FIRST_WAIT_SECONDS: u64 = 30;
/// The longest wait.
pub const MAX_WAIT_SECONDS: u64 = 3600;

/// Unknown codes of batches less than this apart are counted in one entry.
const ENTRY_SECONDS: u64 = 10;

/// The code hints for a kiosk (blocking): one per code, sorted, without repeats.
pub fn hints(store: &dyn Store, survey_id: &str) -> Result<CodeHints, StoreError> {
    let mut hints: Vec<String> = store
        .codes(survey_id)?
        .into_iter()
        // A hint is the first digits of the check, which is what the store holds.
        .map(|c| c.code_check[..pingyi_core::codes::CODE_HINT_LEN].to_string())
        .collect();
    hints.dedup();
    Ok(CodeHints {
        survey_id: survey_id.to_string(),
        hints,
        used: store.used_code_hashes(survey_id)?,
    })
}

/// Whether [`hints`] agrees with core's `code_hint` for a hash (the two must never drift).
pub fn hint_of_hash(code_hash: &str) -> String {
    code_hint(code_hash)
}

#[derive(Default)]
struct Record {
    /// (time, ballots with unknown codes), oldest first, within the window.
    entries: VecDeque<(Instant, u64)>,
    /// While set and in the future, batches with unknown codes are answered 429.
    blocked_until: Option<Instant>,
    /// Times the budget was overrun since the last quiet window.
    overruns: u32,
}

impl Record {
    fn prune(&mut self, now: Instant) {
        let window = Duration::from_secs(WINDOW_SECONDS);
        while self
            .entries
            .front()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) >= window)
        {
            self.entries.pop_front();
        }
        // A guessing episode ends after a whole quiet window past the last wait.
        let quiet = self.blocked_until.is_none_or(|u| now >= u + window);
        if self.entries.is_empty() && quiet {
            self.overruns = 0;
            self.blocked_until = None;
        }
    }

    fn recent(&self) -> u64 {
        self.entries.iter().map(|(_, n)| n).sum()
    }

    fn wait(&self, now: Instant) -> Option<u64> {
        let until = self.blocked_until.filter(|u| *u > now)?;
        let left = until - now;
        Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }
}

/// Per-survey counts of ballots with unknown codes, in memory only (nothing about a sender).
#[derive(Default)]
pub struct GuessBudget {
    surveys: Mutex<HashMap<String, Record>>,
}

impl GuessBudget {
    /// Counts a batch's ballots with unknown codes at `now`. Returns the seconds to wait when the
    /// batch is to be answered 429: it holds an unknown code and the budget is overrun.
    pub fn note(&self, survey_id: &str, unknown: u64, now: Instant) -> Option<u64> {
        if unknown == 0 {
            return None;
        }
        let mut map = self.surveys.lock().unwrap_or_else(|p| p.into_inner());
        let r = map.entry(survey_id.to_string()).or_default();
        r.prune(now);
        match r.entries.back_mut() {
            Some((t, n))
                if now.saturating_duration_since(*t) < Duration::from_secs(ENTRY_SECONDS) =>
            {
                *n = n.saturating_add(unknown)
            }
            _ => r.entries.push_back((now, unknown)),
        }
        if let Some(wait) = r.wait(now) {
            return Some(wait);
        }
        // Past the budget, or still in a guessing episode: every unknown code waits longer.
        let recent = r.recent();
        if recent <= GUESS_ALLOWANCE && r.overruns == 0 {
            return None;
        }
        r.overruns = r.overruns.saturating_add(1);
        let wait = FIRST_WAIT_SECONDS
            .saturating_mul(1u64 << (r.overruns - 1).min(20))
            .min(MAX_WAIT_SECONDS);
        r.blocked_until = Some(now + Duration::from_secs(wait));
        tracing::warn!(
            survey_id,
            recent,
            wait,
            "many ballots with unknown codes: someone may be guessing ballot codes"
        );
        Some(wait)
    }

    /// What the organiser sees at `now`.
    pub fn attempts(&self, survey_id: &str, now: Instant) -> CodeAttempts {
        let mut map = self.surveys.lock().unwrap_or_else(|p| p.into_inner());
        let (recent, wait) = match map.get_mut(survey_id) {
            Some(r) => {
                r.prune(now);
                (r.recent(), r.wait(now))
            }
            None => (0, None),
        };
        map.retain(|_, r| !r.entries.is_empty() || r.overruns > 0);
        CodeAttempts {
            survey_id: survey_id.to_string(),
            window_seconds: WINDOW_SECONDS,
            unknown_recent: recent,
            alert: recent >= ALERT_AT || wait.is_some(),
            retry_after_seconds: wait,
        }
    }
}

/// How many results of a batch were refused for an unknown code.
pub fn unknown_codes(results: &[BallotResult]) -> u64 {
    results
        .iter()
        .filter(|r| {
            r.status == BallotStatus::Rejected
                && r.problems.iter().any(|p| p.code == "code_unknown")
        })
        .count() as u64
}

/// After a phone's batch was ingested: counts its unknown codes and, when the survey's guess
/// budget is overrun, the 429 answer to send instead of the results. Ballots of the batch with
/// valid codes are stored all the same (sent again, they are duplicates).
pub fn answer_guessing(
    guesses: &GuessBudget,
    survey_id: &str,
    results: &[BallotResult],
) -> Option<Response> {
    let wait = guesses.note(survey_id, unknown_codes(results), Instant::now())?;
    let message = format!(
        "这份问卷最近收到太多无效的选票码，请 {wait} 秒后再试；本批中有效选票码的选票已经收到。 \
         Too many ballots with unknown ballot codes for this survey lately; try again in {wait} s. \
         Ballots with valid codes in this batch were stored."
    );
    let mut resp = ApiError::rate_limited(wait)
        .with_message(&message)
        .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    Some(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, secs: u64) -> Instant {
        start + Duration::from_secs(secs)
    }

    #[test]
    fn the_wait_doubles_while_guessing_goes_on_and_ends_after_a_quiet_window() {
        let b = GuessBudget::default();
        let t0 = Instant::now();
        assert_eq!(b.note("s", 0, t0), None, "no unknown code, nothing counted");
        assert_eq!(b.note("s", GUESS_ALLOWANCE, t0), None);
        assert_eq!(b.note("s", 1, at(t0, 1)), Some(FIRST_WAIT_SECONDS));
        assert_eq!(b.note("s", 1, at(t0, 11)), Some(FIRST_WAIT_SECONDS - 10));
        assert_eq!(b.note("other", 1, at(t0, 11)), None, "per survey");
        // The wait is over, guessing goes on: twice as long, then four times.
        assert_eq!(b.note("s", 1, at(t0, 31)), Some(2 * FIRST_WAIT_SECONDS));
        assert_eq!(b.note("s", 1, at(t0, 91)), Some(4 * FIRST_WAIT_SECONDS));
        let a = b.attempts("s", at(t0, 100));
        assert_eq!(a.unknown_recent, GUESS_ALLOWANCE + 4);
        assert!(a.alert);
        assert_eq!(a.retry_after_seconds, Some(4 * FIRST_WAIT_SECONDS - 9));
        // A whole quiet window: counts and waits start again.
        let later = at(t0, 91 + WINDOW_SECONDS + 4 * FIRST_WAIT_SECONDS);
        let a = b.attempts("s", later);
        assert_eq!(
            (a.unknown_recent, a.alert, a.retry_after_seconds),
            (0, false, None)
        );
        assert_eq!(b.note("s", GUESS_ALLOWANCE, later), None);
        assert_eq!(b.note("s", 1, later), Some(FIRST_WAIT_SECONDS));
    }

    #[test]
    fn the_wait_is_capped() {
        let b = GuessBudget::default();
        let mut now = Instant::now();
        b.note("s", GUESS_ALLOWANCE, now);
        let mut last = 0;
        for _ in 0..30 {
            last = b.note("s", 1, now).unwrap();
            now += Duration::from_secs(last);
        }
        assert_eq!(last, MAX_WAIT_SECONDS);
    }

    #[test]
    fn the_alert_starts_below_the_budget() {
        let b = GuessBudget::default();
        let t0 = Instant::now();
        b.note("s", ALERT_AT - 1, t0);
        assert!(!b.attempts("s", t0).alert);
        b.note("s", 1, t0);
        assert!(b.attempts("s", t0).alert);
        const { assert!(ALERT_AT < GUESS_ALLOWANCE) };
    }

    #[test]
    fn hints_are_the_core_hints() {
        let h = pingyi_core::codes::code_hash("s", "7K3M-Q9XZ");
        let check = pingyi_core::codes::code_check(&h);
        assert_eq!(
            &check[..pingyi_core::codes::CODE_HINT_LEN],
            hint_of_hash(&h)
        );
    }
}

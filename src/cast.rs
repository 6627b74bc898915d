//! Casting one ballot, in the order the architecture promises: keep only the answers of shown
//! questions, build the ballot (random id, clock, device), let core validate it, write it to the
//! store, and only then hand back the receipt for the thank-you screen.

use pingyi_core::protocol::error_code::{VOTING_ENDED, VOTING_NOT_OPEN};
use pingyi_core::survey::{window_state, Window};
use pingyi_core::time::UtcTime;
use pingyi_core::{validate_ballot, Answer, Ballot, Channel, IdMap, Problem, Survey};

use crate::i18n::{Lang, OutboxKey};

use crate::store::{Keep, Store, StoreError};
use pingyi_browser::NoRandomSource;

/// Answers keyed by question id, as the form holds them.
pub type Answers = IdMap<Answer>;

/// Why a ballot was not cast.
#[derive(Clone, Debug)]
pub enum CastError {
    /// core found problems with the answers.
    Invalid(Vec<Problem>),
    /// The answers were fine but could not be stored; nothing was cast.
    Store(StoreError),
}

/// The answers of questions that are shown, in survey order. A question is shown when its
/// `show_if` is met by the answers kept before it, so a chain of conditions collapses properly.
pub fn visible_answers(survey: &Survey, answers: &Answers) -> Answers {
    let mut kept = Answers::new();
    for q in survey.questions() {
        if let Some(a) = answers.get(&q.id) {
            if q.is_shown(&kept) {
                kept.insert(q.id.clone(), a.clone());
            }
        }
    }
    kept
}

/// A random RFC 4122 version-4 UUID, lowercase `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`, from
/// `crypto.getRandomValues` (the browser layer's [`pingyi_browser::uuid_v4`]). A ballot id must
/// be unguessable, so a browser without `crypto` gets an error, never an id from `Math.random`.
pub fn new_uuid() -> Result<String, NoRandomSource> {
    pingyi_browser::uuid_v4()
}

/// The problem shown when this browser cannot make an unguessable ballot id.
fn no_random_problem(e: &NoRandomSource) -> Problem {
    Problem::new("$.id", "no_random_source", e.zh(), e.en())
}

/// A ballot for `survey` with these answers (hidden ones dropped), made now on this device. An
/// anonymous survey's ballot names no device (`""`), whatever `device` is.
pub fn build_ballot(
    survey: &Survey,
    answers: &Answers,
    device: &str,
) -> Result<Ballot, NoRandomSource> {
    Ok(Ballot {
        id: new_uuid()?,
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        cast_at: String::from(js_sys::Date::new_0().to_iso_string()),
        device: if survey.anonymous {
            String::new()
        } else {
            device.to_string()
        },
        channel: Channel::Digital,
        code_hash: None,
        answers: visible_answers(survey, answers),
    })
}

/// Problems core finds with the answers so far (used to check one section at a time).
pub fn check(survey: &Survey, answers: &Answers, device: &str) -> Vec<Problem> {
    let ballot = match build_ballot(survey, answers, device) {
        Ok(b) => b,
        Err(e) => return vec![no_random_problem(&e)],
    };
    match validate_ballot(survey, &ballot) {
        Ok(()) => Vec::new(),
        Err(problems) => problems,
    }
}

/// Validates, stores and returns the cast ballot. On any error nothing is stored.
pub fn cast(survey: &Survey, answers: &Answers, device: &str) -> Result<Ballot, CastError> {
    cast_with_code(survey, answers, device, None)
}

/// [`cast`] with the hash of the voter's ballot code (surveys with `codes: true`). The hash is
/// held in memory for this one ballot only; the code itself is never stored.
pub fn cast_with_code(
    survey: &Survey,
    answers: &Answers,
    device: &str,
    code_hash: Option<String>,
) -> Result<Ballot, CastError> {
    cast_kept(survey, answers, device, code_hash, &Keep::default())
}

/// [`cast_with_code`], saying what stays stored once a collector acknowledges the ballot.
pub fn cast_kept(
    survey: &Survey,
    answers: &Answers,
    device: &str,
    code_hash: Option<String>,
    keep: &Keep,
) -> Result<Ballot, CastError> {
    outside_window(survey, js_sys::Date::now())
        .map_or(Ok(()), |p| Err(CastError::Invalid(vec![p])))?;
    let mut ballot = build_ballot(survey, answers, device)
        .map_err(|e| CastError::Invalid(vec![no_random_problem(&e)]))?;
    ballot.code_hash = code_hash;
    validate_ballot(survey, &ballot).map_err(CastError::Invalid)?;
    let store = Store::open().map_err(CastError::Store)?;
    store
        .put_ballot_kept(&ballot, keep)
        .map_err(CastError::Store)?;
    Ok(ballot)
}

/// The problem with casting at `now_ms` (this device's clock) when that is outside the survey's
/// voting window, allowing core's skew (`WINDOW_SKEW_SECONDS`); `None` inside it.
pub fn outside_window(survey: &Survey, now_ms: f64) -> Option<Problem> {
    let ms = now_ms as i64;
    let now = UtcTime {
        unix_seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as u32,
    };
    let (code, key) = match window_state(survey, now) {
        Window::Open => return None,
        Window::Before => (VOTING_NOT_OPEN, OutboxKey::VotingNotOpen),
        Window::After => (VOTING_ENDED, OutboxKey::VotingEnded),
    };
    Some(Problem::new("$", code, key.t(Lang::Zh), key.t(Lang::En)))
}

/// The question a problem is about, read from its JSON path (`$.answers.q1…` or
/// `$.answers["q1"]…`). `None` for problems about the ballot as a whole.
pub fn problem_question(path: &str) -> Option<String> {
    let key = b"answers";
    let at = path.as_bytes().windows(key.len()).position(|w| w == key)?;
    let rest = path.get(at + key.len()..)?;
    // Bytes, `get` and chars rather than `find(&str)`, `split` or `&path[..]`: those link the
    // panic message for a slice outside a string, which the residents' bundle otherwise lacks.
    let (r, ends) = if let Some(r) = rest.strip_prefix(".") {
        (r, ['.', '['])
    } else if let Some(r) = rest.strip_prefix("[\"").or_else(|| rest.strip_prefix("['")) {
        (r, ['"', '\''])
    } else {
        return None;
    };
    let id: String = r.chars().take_while(|c| !ends.contains(c)).collect();
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    // Plain `#[test]`s are not run for wasm32; these run under wasm-bindgen-test (node).
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn new_uuids_are_version_4() {
        let (a, b) = (new_uuid().unwrap(), new_uuid().unwrap());
        assert_ne!(a, b);
        assert!(pingyi_core::validate::is_uuid_like(&a), "{a}");
        let c: Vec<char> = a.chars().collect();
        assert_eq!(
            (c.len(), c[8], c[13], c[14], c[18], c[23]),
            (36, '-', '-', '4', '-', '-')
        );
        assert!("89ab".contains(c[19]), "{a}");
        assert!(a
            .chars()
            .all(|x| x == '-' || x.is_ascii_digit() || ('a'..='f').contains(&x)));
    }

    #[test]
    fn problem_paths_name_their_question() {
        assert_eq!(problem_question("$.answers.q1").as_deref(), Some("q1"));
        assert_eq!(
            problem_question("$.answers.q1.ratings.s2").as_deref(),
            Some("q1")
        );
        assert_eq!(
            problem_question("$.answers[\"q-2\"].chosen[0]").as_deref(),
            Some("q-2")
        );
        assert_eq!(problem_question("$.answers.q3[0]").as_deref(), Some("q3"));
        assert_eq!(problem_question("$.survey_id"), None);
        assert_eq!(problem_question("$.answers"), None);
        assert_eq!(
            problem_question("$.answers['问题一'].chosen").as_deref(),
            Some("问题一")
        );
        assert_eq!(problem_question("$.答answers.题.x").as_deref(), Some("题"));
    }
}

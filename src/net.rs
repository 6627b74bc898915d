//! HTTP at the edge, over the shared browser layer's `fetch` (`pingyi_browser`; no HTTP crate: bytes matter).
//!
//! - [`fetch_text`]: GET a survey file (a URL, or a collector's `/v1/surveys/{id}`);
//!   [`fetch_text_with_token`] the same with an organiser's admin token (the kiosk's code hints).
//! - [`submit`]: POST one pingyi/1 batch to `{endpoint}/v1/surveys/{id}/ballots`, aborted after a
//!   timeout with an `AbortController`, and turned into core's [`Outcome`]. What to do with the
//!   outcome is decided by `pingyi_core::outbox`, not here.

use pingyi_browser::fetch::{Answer, Request};
use pingyi_core::outbox::Outcome;
use pingyi_core::protocol::{ErrorBody, SubmitResponse, SUBMIT_KEY_HEADER};
use pingyi_core::Ballot;

pub use pingyi_browser::parse_json;

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer at all (offline, blocked, bad URL).
    Network(String),
    /// The server answered with a non-2xx status.
    Status(u16),
}

/// GETs `url` and returns the body as text.
pub async fn fetch_text(url: &str) -> Result<String, FetchError> {
    body_text(Request::get(url).send().await)
}

/// [`fetch_text`] with an organiser's admin token (`authorization: Bearer`), never cached: the
/// kiosk's code hints.
pub async fn fetch_text_with_token(url: &str, token: &str) -> Result<String, FetchError> {
    body_text(
        Request::get(url)
            .bearer(Some(token))
            .no_store()
            .send()
            .await,
    )
}

/// The body of a 2xx answer, or why there is none.
fn body_text(answer: Result<Answer, pingyi_browser::FetchError>) -> Result<String, FetchError> {
    match answer {
        Ok(answer) if answer.ok() => Ok(answer.body),
        Ok(answer) => Err(FetchError::Status(answer.status)),
        Err(pingyi_browser::FetchError::Network(m)) => Err(FetchError::Network(m)),
        Err(_) => Err(FetchError::Network("timeout".into())),
    }
}

/// The URL ballots of `survey_id` are posted to.
pub fn ballots_url(endpoint: &str, survey_id: &str) -> String {
    format!(
        "{}/v1/surveys/{survey_id}/ballots",
        endpoint.trim_end_matches('/')
    )
}

/// The URL a collector publishes `survey_id` at.
pub fn survey_url(endpoint: &str, survey_id: &str) -> String {
    format!("{}/v1/surveys/{survey_id}", endpoint.trim_end_matches('/'))
}

/// POSTs `ballots` as one [`SubmitBatch`](pingyi_core::protocol::SubmitBatch) and reports what happened, never failing: every
/// browser error becomes [`Outcome::NetworkError`], an abort after `timeout_ms` becomes
/// [`Outcome::Timeout`].
pub async fn submit(
    endpoint: &str,
    survey_id: &str,
    submit_key: Option<&str>,
    ballots: Vec<Ballot>,
    timeout_ms: u64,
) -> Outcome {
    // A `SubmitBatch` as `serde_json` writes it, around core's canonical ballot JSON.
    let mut body = String::from("{\"ballots\":[");
    for (i, b) in ballots.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&b.canonical_json());
    }
    body.push_str("]}");
    let url = ballots_url(endpoint, survey_id);
    // The service worker never caches ballot posts; `post_json` says so to any cache in between.
    let mut request = Request::post_json(&url, &body).timeout(timeout_ms);
    if let Some(key) = submit_key.filter(|k| !k.is_empty()) {
        request = request.header(SUBMIT_KEY_HEADER, key);
    }
    match request.send().await {
        Ok(answer) => answered(answer.status, &answer.body),
        Err(pingyi_browser::FetchError::Network(m)) => Outcome::NetworkError(m),
        Err(_) => Outcome::Timeout,
    }
}

/// Reads a survey file by its structure (core's [`pingyi_core::read_survey_value`]): a malformed
/// file is refused with every problem at its path, a syntax error is one problem at `$` with the
/// browser's message. What the file means (ids, ranges, references) is checked by the organisers'
/// tools instead (`pingyi check`, the console, the collector when a survey is published), so that
/// check never costs the residents' bundle.
pub fn parse_survey(json: &str) -> Result<pingyi_core::Survey, Vec<pingyi_core::Problem>> {
    match parse_json(json) {
        Ok(v) => pingyi_core::read_survey_value(v),
        Err(e) => Err(vec![pingyi_core::Problem::new(
            "$",
            "json_syntax",
            format!("JSON 格式错误：{e}"),
            format!("JSON syntax error: {e}"),
        )]),
    }
}

/// Reads an answer's body as a [`SubmitResponse`] or an [`ErrorBody`].
pub fn answered(status: u16, text: &str) -> Outcome {
    // Parsed by `pingyi_browser::json` and read with core's `from_value`.
    let value = parse_json(text).ok();
    let results = value
        .as_ref()
        .and_then(SubmitResponse::from_value)
        .map(|r| r.results);
    let error = if results.is_some() {
        None
    } else {
        value
            .as_ref()
            .and_then(ErrorBody::from_value)
            .map(|e| e.error)
    };
    Outcome::Answered {
        status,
        results,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Plain `#[test]`s are not run for wasm32; these run under wasm-bindgen-test (node).
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn urls_join_without_double_slashes() {
        assert_eq!(
            ballots_url("http://h/x/", "s1"),
            "http://h/x/v1/surveys/s1/ballots"
        );
        assert_eq!(survey_url("http://h", "s1"), "http://h/v1/surveys/s1");
    }

    #[test]
    fn bodies_become_results_or_errors() {
        let ok = answered(200, r#"{"results":[{"id":"a","status":"accepted"}]}"#);
        assert!(
            matches!(ok, Outcome::Answered { status: 200, results: Some(ref r), error: None } if r.len() == 1)
        );
        let err = answered(401, r#"{"error":{"code":"unauthorized","message":"key"}}"#);
        assert_eq!(
            err,
            Outcome::Answered {
                status: 401,
                results: None,
                error: Some(pingyi_core::protocol::ErrorInfo {
                    code: "unauthorized".into(),
                    message: "key".into(),
                    problems: vec![],
                })
            }
        );
        let junk = answered(502, "<html>bad gateway</html>");
        assert_eq!(
            junk,
            Outcome::Answered {
                status: 502,
                results: None,
                error: None
            }
        );
    }
}

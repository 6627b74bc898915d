//! HTTP at the edge, over the browser's own `fetch` (no HTTP crate: bytes matter).
//!
//! - [`fetch_text`]: GET a survey file (a URL, or a collector's `/v1/surveys/{id}`).
//! - [`submit`]: POST one pingyi/1 batch to `{endpoint}/v1/surveys/{id}/ballots`, aborted after a
//!   timeout with an `AbortController`, and turned into core's [`Outcome`]. What to do with the
//!   outcome is decided by `pingyi_core::outbox`, not here.

use pingyi_core::outbox::Outcome;
use pingyi_core::protocol::{ErrorBody, SubmitResponse, SUBMIT_KEY_HEADER};
use pingyi_core::Ballot;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer at all (offline, blocked, bad URL).
    Network(String),
    /// The server answered with a non-2xx status.
    Status(u16),
}

fn js_err(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// GETs `url` and returns the body as text.
pub async fn fetch_text(url: &str) -> Result<String, FetchError> {
    let window = web_sys::window().ok_or_else(|| FetchError::Network("no window".into()))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| FetchError::Network(js_err(e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| FetchError::Network("not a Response".into()))?;
    if !response.ok() {
        return Err(FetchError::Status(response.status()));
    }
    read_text(&response).await.map_err(FetchError::Network)
}

async fn read_text(response: &web_sys::Response) -> Result<String, String> {
    let text = JsFuture::from(response.text().map_err(js_err)?)
        .await
        .map_err(js_err)?;
    Ok(text.as_string().unwrap_or_default())
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
    let Some(window) = web_sys::window() else {
        return Outcome::NetworkError("no window".into());
    };
    // A `SubmitBatch` as `serde_json` writes it, around core's canonical ballot JSON.
    let mut body = String::from("{\"ballots\":[");
    for (i, b) in ballots.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&b.canonical_json());
    }
    body.push_str("]}");
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"content-type".into(), &"application/json".into());
    if let Some(key) = submit_key.filter(|k| !k.is_empty()) {
        let _ = js_sys::Reflect::set(&headers, &SUBMIT_KEY_HEADER.into(), &key.into());
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    // The service worker never caches ballot posts; say so to any cache in between as well.
    init.set_cache(web_sys::RequestCache::NoStore);

    // Abort after the timeout; the flag tells a timeout apart from other aborts and errors.
    let controller = web_sys::AbortController::new().ok();
    let timed_out = Rc::new(Cell::new(false));
    let mut timer = None;
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
        let (c2, flag) = (c.clone(), timed_out.clone());
        let abort = Closure::once(move || {
            flag.set(true);
            c2.abort();
        });
        let ms = timeout_ms.min(i32::MAX as u64) as i32;
        if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.as_ref().unchecked_ref(),
            ms,
        ) {
            timer = Some((handle, abort));
        }
    }
    let outcome = exchange(&window, &ballots_url(endpoint, survey_id), &init).await;
    if let Some((handle, abort)) = timer {
        window.clear_timeout_with_handle(handle);
        drop(abort);
    }
    match outcome {
        Err(_) if timed_out.get() => Outcome::Timeout,
        Err(e) => Outcome::NetworkError(e),
        Ok((status, text)) => answered(status, &text),
    }
}

/// The request and the whole body; `Err` when there was no complete answer.
async fn exchange(
    window: &web_sys::Window,
    url: &str,
    init: &web_sys::RequestInit,
) -> Result<(u16, String), String> {
    let response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(js_err)?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "not a Response".to_string())?;
    let status = response.status();
    let text = read_text(&response).await?;
    Ok((status, text))
}

/// Parses JSON text with the browser's `JSON.parse` (no JSON parser in the wasm); the error is the
/// browser's `SyntaxError` message.
pub fn parse_json(text: &str) -> Result<serde_json::Value, String> {
    js_sys::JSON::parse(text)
        .map(|v| to_value(&v))
        .map_err(js_err)
}

/// A parsed JavaScript value as a [`serde_json::Value`]. Whole numbers stay integers.
fn to_value(v: &JsValue) -> serde_json::Value {
    use serde_json::Value;
    if let Some(s) = v.as_string() {
        Value::String(s)
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        if js_sys::Number::is_integer(v)
            && (-9.223_372_036_854_776e18..1.844_674_407_370_955_2e19).contains(&n)
        {
            if n < 0.0 {
                Value::from(n as i64)
            } else {
                Value::from(n as u64)
            }
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
    } else if js_sys::Array::is_array(v) {
        Value::Array(
            js_sys::Array::from(v)
                .iter()
                .map(|x| to_value(&x))
                .collect(),
        )
    } else if v.is_object() {
        let mut map = serde_json::Map::new();
        for k in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter() {
            let item = js_sys::Reflect::get(v, &k).unwrap_or(JsValue::NULL);
            map.insert(k.as_string().unwrap_or_default(), to_value(&item));
        }
        Value::Object(map)
    } else {
        Value::Null
    }
}

/// Parses and validates a survey file; a syntax error is one problem at `$` with the browser's
/// message (core's [`pingyi_core::parse_survey`] gives line and column, but needs a JSON parser).
pub fn parse_survey(json: &str) -> Result<pingyi_core::Survey, Vec<pingyi_core::Problem>> {
    match parse_json(json) {
        Ok(v) => pingyi_core::parse_survey_value(v),
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
    // Parsed by the browser and read with core's `from_value`: no JSON parser in the wasm.
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

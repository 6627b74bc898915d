//! The browser at the console's edges, each adapter small: the widget's ballots in
//! `localStorage`, `fetch` to a collector or a survey file, reading picked files, object URLs for
//! downloads, the clock, and the remembered server settings.
//!
//! The widget keeps one key per ballot, `pingyi/v1/{survey_id}/ballot/{ballot_id}`, holding
//! `{"ballot": …, "status": …}` (see the widget's `src/store.rs`); the console only reads them.
//! Its own settings live under `pingyi-console/v1/`, outside the widget's prefix.

use std::collections::BTreeMap;

use pingyi_core::Ballot;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const WIDGET_PREFIX: &str = "pingyi/v1/";
const SETTINGS_KEY: &str = "pingyi-console/v1/server";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "?".into())
}

/// The survey id of a widget ballot key, if `key` is one.
pub fn ballot_key_survey(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(WIDGET_PREFIX)?;
    let (survey, tail) = rest.split_once('/')?;
    let id = tail.strip_prefix("ballot/")?;
    (!survey.is_empty() && !id.is_empty() && !id.contains('/')).then_some(survey)
}

/// Surveys with ballots in this browser, with how many ballot keys each has, sorted by id.
pub fn local_surveys() -> Vec<(String, usize)> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(s) = storage() {
        let n = s.length().unwrap_or(0);
        for i in 0..n {
            if let Some(key) = s.key(i).ok().flatten() {
                if let Some(survey) = ballot_key_survey(&key) {
                    *out.entry(survey.to_string()).or_insert(0) += 1;
                }
            }
        }
    }
    out.into_iter().collect()
}

#[derive(Deserialize)]
struct StoredBallot {
    ballot: Ballot,
}

/// The ballots of one survey held in this browser (any delivery status), plus the keys that
/// could not be read.
pub fn local_ballots(survey_id: &str) -> (Vec<Ballot>, Vec<String>) {
    let (mut ballots, mut unreadable) = (Vec::new(), Vec::new());
    let Some(s) = storage() else {
        return (ballots, unreadable);
    };
    let n = s.length().unwrap_or(0);
    let keys: Vec<String> = (0..n).filter_map(|i| s.key(i).ok().flatten()).collect();
    for key in keys {
        if ballot_key_survey(&key) != Some(survey_id) {
            continue;
        }
        match s
            .get_item(&key)
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_str::<StoredBallot>(&v).ok())
        {
            Some(b) => ballots.push(b.ballot),
            None => unreadable.push(key),
        }
    }
    (ballots, unreadable)
}

/// The survey JSON the widget keeps beside its ballots, `pingyi/v1/{survey_id}/survey`, for the
/// console's `?source=local&s=<id>` link.
pub fn local_survey_text(survey_id: &str) -> Option<String> {
    storage()?
        .get_item(&format!("{WIDGET_PREFIX}{survey_id}/survey"))
        .ok()
        .flatten()
}

/// Server settings remembered for the next visit. The token only when the user ticked 记住.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerSettings {
    pub url: String,
    pub survey_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

pub fn load_settings() -> Option<ServerSettings> {
    serde_json::from_str(&storage()?.get_item(SETTINGS_KEY).ok()??).ok()
}

pub fn save_settings(s: &ServerSettings) {
    if let (Some(st), Ok(json)) = (storage(), serde_json::to_string(s)) {
        let _ = st.set_item(SETTINGS_KEY, &json);
    }
}

/// A failed GET: the HTTP status (0 for a network error) and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchError {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "HTTP {}: {}", self.status, self.message)
        }
    }
}

/// GET `url` as text, with `Authorization: Bearer <token>` when a token is given. A collector's
/// error body is shortened to its message.
pub async fn get_text(url: &str, token: Option<&str>) -> Result<String, FetchError> {
    let answer = request("GET", url, None, token).await?;
    if answer.ok() {
        Ok(answer.body)
    } else {
        let message = collector_message(&answer.body).unwrap_or(answer.status_text);
        Err(FetchError {
            status: answer.status,
            message,
        })
    }
}

/// The `error.message` of a collector's JSON error body, if the body is one.
fn collector_message(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
}

/// What a collector answered: the HTTP status and the body text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The HTTP reason phrase (`Not Found`), for errors without a collector message.
    pub status_text: String,
    pub body: String,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A non-2xx answer as a [`FetchError`] (the collector's message when it sent an error body).
    pub fn error(&self) -> FetchError {
        let message =
            collector_message(&self.body).unwrap_or_else(|| self.body.chars().take(200).collect());
        FetchError {
            status: self.status,
            message,
        }
    }
}

/// `method` `url` with an optional JSON body and admin token. Any HTTP answer is `Ok` (callers
/// read per-ballot results from 409/422 bodies); `Err` only when no answer came.
pub async fn request(
    method: &str,
    url: &str,
    json: Option<&str>,
    token: Option<&str>,
) -> Result<Answer, FetchError> {
    let net = |m: String| FetchError {
        status: 0,
        message: m,
    };
    let window = web_sys::window().ok_or_else(|| net("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_cache(web_sys::RequestCache::NoStore);
    let headers = web_sys::Headers::new().map_err(|e| net(js_err(e)))?;
    if let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) {
        headers
            .set("authorization", &format!("Bearer {t}"))
            .map_err(|e| net(js_err(e)))?;
    }
    if let Some(body) = json {
        headers
            .set("content-type", "application/json")
            .map_err(|e| net(js_err(e)))?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| net(js_err(e)))?
        .dyn_into()
        .map_err(|e| net(js_err(e)))?;
    let body = JsFuture::from(response.text().map_err(|e| net(js_err(e)))?)
        .await
        .map_err(|e| net(js_err(e)))?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        status_text: response.status_text(),
        body,
    })
}

/// A query parameter of the page's address (`?s=…&view=…`), decoded.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

/// Sets `?view=` (and `s=` when given) in the address bar without reloading, so a reload or a
/// bookmark lands on the same page of the console.
pub fn set_query(view: &str, survey_id: &str) {
    let Some(w) = web_sys::window() else { return };
    let Ok(search) = w.location().search() else {
        return;
    };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    params.set("view", view);
    if !survey_id.trim().is_empty() {
        params.set("s", survey_id.trim());
    }
    let path = w.location().pathname().unwrap_or_default();
    let url = format!("{path}?{}", String::from(params.to_string()));
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// A random UUID (v4) from `crypto.getRandomValues` (which, unlike `crypto.randomUUID`, also
/// works on a plain-HTTP village LAN address).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut b);
    }
    uuid_v4(b)
}

/// Formats 16 random bytes as a version-4 UUID.
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `base` + `path` without a doubled slash.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim().trim_end_matches('/'), path)
}

/// The page's own origin (the collector, when it serves the console).
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The files picked in an `<input type=file>`, as `(name, text)`.
pub async fn read_files(
    input: &web_sys::HtmlInputElement,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let Some(list) = input.files() else {
        return Ok(out);
    };
    for i in 0..list.length() {
        let Some(file) = list.item(i) else { continue };
        let text = JsFuture::from(file.text())
            .await
            .map_err(|e| format!("{}: {}", file.name(), js_err(e)))?;
        out.push((file.name(), text.as_string().unwrap_or_default()));
    }
    Ok(out)
}

/// The browser clock as RFC 3339 UTC with milliseconds, for `generated_at`.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// An object URL for `text` as a file of type `mime`; revoke it with [`revoke`].
pub fn object_url(text: &str, mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Open the browser's print dialog (公示).
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_keys() {
        assert_eq!(
            ballot_key_survey("pingyi/v1/village/ballot/abc"),
            Some("village")
        );
        assert_eq!(ballot_key_survey("pingyi/v1/village/outbox"), None);
        assert_eq!(ballot_key_survey("pingyi/v1/device"), None);
        assert_eq!(ballot_key_survey("other/v1/x/ballot/a"), None);
    }

    #[test]
    fn uuids() {
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn joins() {
        assert_eq!(join("http://h:1/", "/v1/x"), "http://h:1/v1/x");
    }
}

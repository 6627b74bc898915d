//! The browser at the console's edges, each adapter small: the widget's ballots in
//! `localStorage`, `fetch` to a collector or a survey file, reading picked files, object URLs for
//! downloads, the clock, and the remembered server settings. Fetch, storage and random ids are
//! the shared browser layer's (`pingyi_browser`), as in the widget and the kiosk.
//!
//! The widget and the kiosk keep one key per ballot, `pingyi/v1/{survey_id}/ballot/{ballot_id}`;
//! the console reads them with core's record codec (`pingyi_core::record`), like they do, and
//! only reads them. Its own settings live under `pingyi-console/v1/`, outside the widget's prefix.

use std::collections::BTreeMap;

use pingyi_browser::Storage;
use pingyi_core::read::{At, FromJson, Obj, Read};
use pingyi_core::record::{self, parse_ballot_key, survey_key};
use pingyi_core::Ballot;
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

pub use pingyi_browser::fetch::{get_text, Answer, FetchError};
pub use pingyi_browser::random::format_v4 as uuid_v4;
pub use pingyi_browser::NoRandomSource;

const SETTINGS_KEY: &str = "pingyi-console/v1/server";

fn storage() -> Option<Storage> {
    Storage::open().ok()
}

fn js_err(e: JsValue) -> String {
    pingyi_browser::json::js_error(&e)
}

/// The survey id of a widget ballot key, if `key` is one.
pub fn ballot_key_survey(key: &str) -> Option<&str> {
    parse_ballot_key(key).map(|(survey, _)| survey)
}

/// Surveys with ballots in this browser, with how many ballot keys each has, sorted by id.
pub fn local_surveys() -> Vec<(String, usize)> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    let keys = storage().and_then(|s| s.keys().ok()).unwrap_or_default();
    for key in keys {
        if let Some(survey) = ballot_key_survey(&key) {
            *out.entry(survey.to_string()).or_insert(0) += 1;
        }
    }
    out.into_iter().collect()
}

/// The ballots of one survey held in this browser.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocalBallots {
    /// Ballots whose answers are on this device (any delivery status): these are counted.
    pub ballots: Vec<Ballot>,
    /// Ballots a collector acknowledged whose answers were not kept on this device (the widget's
    /// and the kiosk's slim records): uploaded, so counted at the collector, not here.
    pub uploaded: usize,
    /// Keys whose record could not be read.
    pub unreadable: Vec<String>,
}

/// The ballots of one survey held in this browser, read with core's record codec.
pub fn local_ballots(survey_id: &str) -> LocalBallots {
    let Some(s) = storage() else {
        return LocalBallots::default();
    };
    let prefix = record::survey_prefix(survey_id);
    let keys = s.keys_with_prefix(&prefix).unwrap_or_default();
    let entries = keys.into_iter().map(|key| {
        let value = s
            .get(&key)
            .ok()
            .flatten()
            .and_then(|t| pingyi_browser::parse_json(&t).ok());
        (key, value)
    });
    let loaded = record::load(survey_id, entries);
    LocalBallots {
        ballots: loaded.ballots.into_iter().map(|r| r.ballot).collect(),
        uploaded: loaded.acked.len(),
        unreadable: loaded.unreadable,
    }
}

/// The survey JSON the widget keeps beside its ballots, `pingyi/v1/{survey_id}/survey`, for the
/// console's `?source=local&s=<id>` link.
pub fn local_survey_text(survey_id: &str) -> Option<String> {
    storage()?.get(&survey_key(survey_id)).ok().flatten()
}

/// Server settings remembered for the next visit. The token only when the user ticked 记住.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServerSettings {
    pub url: String,
    pub survey_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl FromJson for ServerSettings {
    fn read(v: &serde_json::Value, at: &At) -> Read<Self> {
        let o = Obj::new(v, at)?;
        Ok(ServerSettings {
            url: o.req("url")?,
            survey_id: o.req("survey_id")?,
            token: o.opt("token")?,
        })
    }
}

pub fn load_settings() -> Option<ServerSettings> {
    crate::model::read_answer(&storage()?.get(SETTINGS_KEY).ok()??).ok()
}

pub fn save_settings(s: &ServerSettings) {
    if let (Some(st), Ok(json)) = (storage(), serde_json::to_string(s)) {
        let _ = st.set(SETTINGS_KEY, &json);
    }
}

/// `method` `url` with an optional JSON body and admin token, never cached. Any HTTP answer is
/// `Ok` (callers read per-ballot results from 409/422 bodies); `Err` only when no answer came.
pub async fn request(
    method: &str,
    url: &str,
    json: Option<&str>,
    token: Option<&str>,
) -> Result<Answer, FetchError> {
    pingyi_browser::Request {
        method,
        url,
        json,
        ..pingyi_browser::Request::get(url)
    }
    .bearer(token)
    .no_store()
    .send()
    .await
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
/// works on a plain-HTTP village LAN address); an error, never a guessable id, without `crypto`.
pub fn random_uuid() -> Result<String, NoRandomSource> {
    pingyi_browser::uuid_v4()
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

/// Goes to `url` (relative to this page) in place of this page in the history.
pub fn replace_location(url: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().replace(url);
    }
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

//! The browser at the builder's edges, each adapter small: the autosaved draft and the server
//! settings in `localStorage` (through the shared browser layer), `fetch` to the collector,
//! reading a picked file, a download of the survey file, the page's origin and printing.
//!
//! The draft lives under `pingyi-builder/v1/draft`, outside the widget's `pingyi/v1/` prefix. The
//! collector address and the admin token are the console's remembered settings
//! (`pingyi-console/v1/server`, the token only when 记住 is ticked), so a token entered once in
//! either page serves both.

use pingyi_browser::Storage;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use pingyi_browser::fetch::{Answer, FetchError};

/// Where the autosaved draft is kept.
pub const DRAFT_KEY: &str = "pingyi-builder/v1/draft";
/// Where a stored draft that could not be read is kept, so that a new draft does not overwrite
/// it.
pub const UNREADABLE_KEY: &str = "pingyi-builder/v1/draft-unreadable";
/// The console's remembered server settings (see the module comment).
pub const SETTINGS_KEY: &str = "pingyi-console/v1/server";

fn storage() -> Option<Storage> {
    Storage::open().ok()
}

/// The stored text under `key`, if any.
pub fn load(key: &str) -> Option<String> {
    storage()?.get(key).ok().flatten()
}

/// Stores `text` under `key`; the error says why it could not be kept.
pub fn save(key: &str, text: &str) -> Result<(), String> {
    let s = Storage::open().map_err(|e| e.to_string())?;
    s.set(key, text).map_err(|e| e.to_string())
}

/// The remembered collector address and admin token (empty when none).
pub fn load_settings() -> (String, Option<String>) {
    let v = load(SETTINGS_KEY)
        .and_then(|t| pingyi_browser::parse_json(&t).ok())
        .unwrap_or_default();
    let url = v
        .get("url")
        .and_then(|u| u.as_str())
        .unwrap_or_default()
        .to_string();
    let token = v.get("token").and_then(|t| t.as_str()).map(str::to_string);
    (url, token)
}

/// Remembers the collector address, the survey id and, when `token` is given, the admin token,
/// in the console's shape.
pub fn save_settings(url: &str, survey_id: &str, token: Option<&str>) {
    let mut v = serde_json::json!({ "url": url, "survey_id": survey_id });
    if let Some(t) = token {
        v["token"] = serde_json::Value::String(t.to_string());
    }
    let _ = save(SETTINGS_KEY, &v.to_string());
}

/// `method` `url` with an optional JSON body and admin token, never cached. Any HTTP answer is
/// `Ok`; `Err` only when no answer came.
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
    .bearer(token.filter(|t| !t.is_empty()))
    .no_store()
    .send()
    .await
}

/// The page's own origin (the collector, when it serves the builder).
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// `base` and `path` joined with one slash.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim().trim_end_matches('/'), path)
}

/// The text of the first file picked in an `<input type=file>`, with its name.
pub async fn read_file(
    input: &web_sys::HtmlInputElement,
) -> Result<Option<(String, String)>, String> {
    let Some(file) = input.files().and_then(|l| l.item(0)) else {
        return Ok(None);
    };
    let text = JsFuture::from(file.text())
        .await
        .map_err(|e| format!("{}: {}", file.name(), pingyi_browser::json::js_error(&e)))?;
    Ok(Some((file.name(), text.as_string().unwrap_or_default())))
}

/// Offers `text` as a download named `name`.
pub fn download(name: &str, text: &str, mime: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// The browser's offset from UTC in minutes (east positive: +480 in China).
pub fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// Scrolls the element with `id` into view, if there is one.
pub fn scroll_to(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        el.scroll_into_view();
    }
}

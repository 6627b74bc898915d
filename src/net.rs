//! HTTP at the edge: fetching a survey file. (The outbox's POSTs will live here too.)

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

/// GETs `url` and returns the body as text.
pub async fn fetch_text(url: &str) -> Result<String, FetchError> {
    let window = web_sys::window().ok_or_else(|| FetchError::Network("no window".into()))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| FetchError::Network(format!("{e:?}")))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| FetchError::Network("not a Response".into()))?;
    if !response.ok() {
        return Err(FetchError::Status(response.status()));
    }
    let text = response
        .text()
        .map_err(|e| FetchError::Network(format!("{e:?}")))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|e| FetchError::Network(format!("{e:?}")))?;
    Ok(text.as_string().unwrap_or_default())
}

//! The embedding API: how a host page hands the widget its configuration.
//!
//! One tag per widget. Every element carrying `data-pingyi` is mounted at start:
//!
//! ```html
//! <!-- survey fetched from a URL -->
//! <div data-pingyi data-survey-src="examples/evening-meeting.json" data-lang="zh-CN"></div>
//!
//! <!-- survey inline: a JSON script anywhere on the page, named by a CSS selector -->
//! <script type="application/json" id="my-survey">{ "format": "pingyi/1", ... }</script>
//! <div data-pingyi data-survey-inline="#my-survey"></div>
//! ```
//!
//! - `data-survey-inline` (a selector, usually `#id`, of a `<script type="application/json">`)
//!   wins over `data-survey-src` (a URL, relative to the page). Inline surveys work offline.
//! - `data-lang`: `zh-CN` (default) or `en`. The resident can switch in the header.
//! - `data-endpoint`: a collector base URL; kept in [`Config`] for the outbox.
//!
//! Several widgets may share a page; each has its own state and element ids.

use wasm_bindgen::JsCast;

use crate::i18n::Lang;

/// Where the survey comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SurveySource {
    /// Fetch JSON from this URL.
    Url(String),
    /// The JSON text itself.
    Inline(String),
    /// The host page's configuration is wrong; the message is for the organiser.
    Misconfigured(String),
}

/// One widget's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub source: SurveySource,
    pub lang: Lang,
    /// Collector base URL for the outbox (later); `None` is local-only.
    pub endpoint: Option<String>,
}

impl Config {
    /// Reads the `data-*` attributes of a `data-pingyi` element.
    pub fn from_element(el: &web_sys::Element) -> Config {
        let attr = |name: &str| el.get_attribute(name).filter(|v| !v.trim().is_empty());
        let source = if let Some(selector) = attr("data-survey-inline") {
            inline_json(&selector)
        } else if let Some(url) = attr("data-survey-src") {
            SurveySource::Url(url)
        } else {
            SurveySource::Misconfigured(
                "缺少 data-survey-src 或 data-survey-inline 属性 (missing data-survey-src or data-survey-inline)".into(),
            )
        };
        Config {
            source,
            lang: attr("data-lang")
                .map(|l| Lang::from_tag(&l))
                .unwrap_or_default(),
            endpoint: attr("data-endpoint"),
        }
    }
}

fn inline_json(selector: &str) -> SurveySource {
    let found = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten());
    match found.and_then(|el| el.text_content()) {
        Some(text) => SurveySource::Inline(text),
        None => SurveySource::Misconfigured(format!(
            "找不到内嵌问卷 {selector} (no element matches data-survey-inline=\"{selector}\")"
        )),
    }
}

/// Mounts a widget in every `[data-pingyi]` element that has none yet. The widgets live as long
/// as the page, so their handles are deliberately leaked.
pub fn mount_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(nodes) = document.query_selector_all("[data-pingyi]:not([data-pingyi-mounted])") else {
        return;
    };
    for i in 0..nodes.length() {
        let Some(el) = nodes
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        let config = Config::from_element(&el);
        std::mem::forget(crate::mount_with(el, config));
    }
}

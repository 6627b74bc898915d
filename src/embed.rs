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
//! - `data-endpoint`: a collector base URL for the outbox; overrides the survey's
//!   `collect.endpoint`. With neither, the widget runs local-only (a supported mode).
//! - `data-submit-key`: overrides the survey's `collect.submit_key` (sent as
//!   `x-pingyi-submit-key`).
//! - `data-retry-base-ms`: first back-off delay of the outbox (default 2000; for tests).
//! - `data-elder`: start in large-text mode (适老化: bigger type and targets), e.g. on a meeting's
//!   shared tablet. The resident can switch it in the header; that choice is kept on the device
//!   and wins next time. A link may ask for it with `&elder=1`.
//! - `data-console-url`: where the organiser console lives (default `console/`, relative to the
//!   page). The widget shows no results itself; its 查看本机结果 link opens
//!   `{console}?source=local&s=<survey_id>`, which counts this device's ballots.
//! - `data-from-link`: this element may be configured by the page URL (the standalone page sets
//!   it): `?s=<survey_id>[&endpoint=<url>][&retry_base_ms=<n>]` opens the survey published at
//!   `{endpoint or the page's origin}/v1/surveys/<survey_id>` and sends ballots there.
//!   A link's `endpoint` must be on the page's own origin or on an origin the operator approved
//!   (`<meta name="pingyi-endpoints" content="https://a.example https://b.example">` in the page,
//!   or the same list in the element's `data-allowed-endpoints`); otherwise the widget says the
//!   link points to an unapproved server and loads and sends nothing. The element's own
//!   `data-endpoint` is the page owner's choice and is not checked.
//!   Personal mode: `#code=<ballot code>` (a slip's QR code; the fragment never reaches a
//!   server; the older `&code=` still works) fills in the ballot code and is removed from the
//!   address bar at once; such a page shows a phone that already holds a ballot its receipt
//!   instead of a second ballot (a soft check) and offers no second ballot after voting, unless
//!   `&shared=1` or `data-shared-device` (a household's shared phone). See
//!   `docs/meeting-modes.md`.
//!
//! Several widgets may share a page; each has its own state and element ids. See
//! `docs/embedding.md`.

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
    /// Collector base URL set by the host page; wins over the survey's `collect.endpoint`.
    pub endpoint: Option<String>,
    /// Used when neither the page nor the survey names an endpoint (the collector a `?s=` link
    /// loaded the survey from).
    pub fallback_endpoint: Option<String>,
    /// Submit key set by the host page; wins over the survey's `collect.submit_key`.
    pub submit_key: Option<String>,
    /// First back-off delay of the outbox, overriding the policy's default.
    pub retry_base_ms: Option<u64>,
    /// The organiser console's address (`data-console-url`, default `console/`).
    pub console_url: String,
    /// A ballot code from the link (`&code=`, a slip's QR code), for surveys with codes. It is
    /// removed from the address bar once read and only its hash goes into the ballot.
    pub code: Option<String>,
    /// Personal mode (a `?s=` link): in a survey without codes, a phone that already holds a
    /// ballot shows its receipt instead of a second ballot (a soft check). Off with `&shared=1`
    /// or `data-shared-device` (a household's shared phone).
    pub one_per_device: bool,
    /// Start in large-text mode (`data-elder`, or `&elder=1` on a link) unless the device
    /// remembers the resident's own choice.
    pub elder: bool,
    /// The origin of a link's `endpoint` that is neither the page's own nor approved: nothing is
    /// loaded from it or sent to it, and the widget says so.
    pub refused_link: Option<String>,
    /// The survey's state (`GET …/state`, JSON) that the loader fetched for a `?s=` link in
    /// parallel with the wasm, so a closed survey shows "closed" at once; without it the widget
    /// asks the collector itself.
    pub link_state: Option<String>,
}

impl Config {
    /// The endpoint and submit key the outbox uses for `collect` (the survey's setting):
    /// the page's attributes win, then the survey, then the link's collector. `None`: local-only.
    pub fn collect_target(
        &self,
        collect: Option<&pingyi_core::survey::Collect>,
    ) -> Option<(String, Option<String>)> {
        let endpoint = self
            .endpoint
            .clone()
            .or_else(|| collect.map(|c| c.endpoint.clone()))
            .or_else(|| self.fallback_endpoint.clone())
            .map(|e| e.trim().trim_end_matches('/').to_string())
            .filter(|e| !e.is_empty())?;
        let key = self
            .submit_key
            .clone()
            .or_else(|| collect.and_then(|c| c.submit_key.clone()))
            .filter(|k| !k.is_empty());
        Some((endpoint, key))
    }

    /// The console page counting this device's ballots of `survey_id` (the widget's
    /// 查看本机结果 link).
    pub fn local_results_url(&self, survey_id: &str) -> String {
        let id = js_sys::encode_uri_component(survey_id);
        format!("{}?source=local&s={id}", self.console_url)
    }
}

/// One query parameter of the page URL.
fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|v| !v.trim().is_empty())
}

/// One `name=value` parameter of the page URL's fragment (`#code=…`).
fn fragment_param(name: &str) -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(hash.strip_prefix('#')?).ok()?;
    params.get(name).filter(|v| !v.trim().is_empty())
}

fn page_origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// The origin of `url` as the browser resolves it against the page (`new URL(url, page)`), so
/// that `//host`, user info, case and default ports are read exactly as `fetch` reads them.
/// `None` for what has no proper origin.
pub fn origin_of(url: &str) -> Option<String> {
    let window = web_sys::window()?;
    let base = window.location().href().ok()?;
    let ctor = js_sys::Reflect::get(&window, &"URL".into()).ok()?;
    let args = js_sys::Array::of2(&url.trim().into(), &base.into());
    let parsed = js_sys::Reflect::construct(ctor.dyn_ref::<js_sys::Function>()?, &args).ok()?;
    let origin = js_sys::Reflect::get(&parsed, &"origin".into())
        .ok()?
        .as_string()?;
    (origin.starts_with("https://") || origin.starts_with("http://")).then_some(origin)
}

/// Whether a link may send ballots to `endpoint`: the page's own origin, or one the operator
/// lists in `<meta name="pingyi-endpoints">` or the element's `data-allowed-endpoints`
/// (space-separated URLs; only their origins count).
pub fn link_endpoint_allowed(el: &web_sys::Element, endpoint: &str) -> bool {
    endpoint_allowed(el.get_attribute("data-allowed-endpoints"), endpoint)
}

/// [`link_endpoint_allowed`] with the element's list already read.
fn endpoint_allowed(listed: Option<String>, endpoint: &str) -> bool {
    let Some(origin) = origin_of(endpoint) else {
        return false;
    };
    if page_origin().as_deref() == Some(origin.as_str()) {
        return true;
    }
    let meta = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("meta[name=pingyi-endpoints]")
                .ok()
                .flatten()
        })
        .and_then(|m| m.get_attribute("content"));
    [meta, listed]
        .iter()
        .flatten()
        .flat_map(|list| list.split_whitespace())
        .any(|allowed| origin_of(allowed).as_deref() == Some(origin.as_str()))
}

impl Config {
    /// Reads the `data-*` attributes of a `data-pingyi` element.
    pub fn from_element(el: &web_sys::Element) -> Config {
        Config::from_lookup(&|name| el.get_attribute(&format!("data-{name}")))
    }

    /// Reads a configuration by its names without `data-` (`lang`, `endpoint`, `from-link`…):
    /// the `data-*` attributes of a `data-pingyi` element, or the attributes and JSON options of
    /// a `<pingyi-survey>` (see [`crate::host`]). A present boolean reads as `Some("")`.
    /// `survey` names a survey published at `{collector}/v1/surveys/{survey}`.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Config {
        let attr = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let config = Config::from_lookup_attributes(get);
        let link = if get("from-link").is_some() {
            query_param("s")
        } else {
            None
        };
        let mut link_endpoint = None;
        let source = if let Some(error) = get("invalid") {
            SurveySource::Misconfigured(format!(
                "配置不是有效的 JSON (the <script type=\"application/json\"> options are not valid JSON): {error}"
            ))
        } else if let Some(origin) = &config.refused_link {
            SurveySource::Misconfigured(format!(
                "此链接指向未经批准的服务器 {origin} (this link points to a server that is not approved)"
            ))
        } else if let Some(id) = link {
            // An `&endpoint=` that got here is approved (see `from_attributes`).
            let base = query_param("endpoint")
                .or_else(page_origin)
                .unwrap_or_default();
            let url = crate::net::survey_url(&base, &id);
            link_endpoint = Some(base);
            SurveySource::Url(url)
        } else if let (Some(id), Some(base)) = (attr("survey"), attr("collector")) {
            let id = String::from(js_sys::encode_uri_component(&id));
            let url = crate::net::survey_url(&base, &id);
            link_endpoint = Some(base);
            SurveySource::Url(url)
        } else if let Some(json) = attr("document") {
            // A `<pingyi-survey>`'s JSON options may hold the survey itself.
            SurveySource::Inline(json)
        } else if let Some(selector) = attr("survey-inline") {
            inline_json(&selector)
        } else if let Some(url) = attr("survey-src").or_else(|| attr("src")) {
            SurveySource::Url(url)
        } else {
            SurveySource::Misconfigured(
                "缺少问卷：请设置 survey、src、data-survey-src 或 data-survey-inline (no survey: set survey, src, data-survey-src or data-survey-inline)".into(),
            )
        };
        if config.code.is_some() {
            drop_code_param();
        }
        Config {
            source,
            fallback_endpoint: link_endpoint,
            ..config
        }
    }

    /// The attributes besides the survey source: language, endpoint, submit key, retry base,
    /// and the `&endpoint=` / `&retry_base_ms=` of a link when `data-from-link` is set. A link's
    /// `endpoint` on an origin that is not approved is not used: see `refused_link`.
    pub fn from_attributes(el: &web_sys::Element) -> Config {
        Config::from_lookup_attributes(&|name| el.get_attribute(&format!("data-{name}")))
    }

    fn from_lookup_attributes(get: &dyn Fn(&str) -> Option<String>) -> Config {
        let attr = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let from_link = get("from-link").is_some() && query_param("s").is_some();
        let link = |name: &str| if from_link { query_param(name) } else { None };
        let (link_endpoint, refused_link) = match link("endpoint") {
            Some(e) if endpoint_allowed(get("allowed-endpoints"), &e) => (Some(e), None),
            Some(e) => (None, Some(origin_of(&e).unwrap_or(e))),
            None => (None, None),
        };
        let code = if from_link {
            fragment_param("code").or_else(|| query_param("code"))
        } else {
            None
        };
        Config {
            source: SurveySource::Misconfigured(String::new()),
            lang: attr("lang").map(|l| Lang::from_tag(&l)).unwrap_or_default(),
            // An explicit `&endpoint=` in the link counts as the page's own choice.
            endpoint: attr("endpoint").or(link_endpoint),
            fallback_endpoint: None,
            submit_key: attr("submit-key"),
            retry_base_ms: attr("retry-base-ms")
                .or_else(|| link("retry_base_ms"))
                .and_then(|v| v.trim().parse().ok()),
            console_url: attr("console-url").unwrap_or_else(|| "console/".into()),
            code,
            one_per_device: from_link && get("shared-device").is_none() && link("shared").is_none(),
            elder: get("elder").is_some() || link("elder").is_some_and(|v| v != "0"),
            refused_link,
            link_state: None,
        }
    }
}

/// Removes `code` from the address bar, from the fragment (`#code=`) and the query (`?code=`)
/// alike (`history.replaceState`, no new history entry), so a ballot code does not linger in the
/// URL, the history, a screenshot or a `Referer`.
fn drop_code_param() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let loc = window.location();
    let (Ok(search), Ok(path), Ok(hash)) = (loc.search(), loc.pathname(), loc.hash()) else {
        return;
    };
    let without_code = |text: &str| {
        let params = web_sys::UrlSearchParams::new_with_str(text).ok()?;
        params.has("code").then(|| {
            params.delete("code");
            String::from(params.to_string())
        })
    };
    let q = without_code(&search).unwrap_or_else(|| search.trim_start_matches('?').to_string());
    let hash = match hash.strip_prefix('#').and_then(without_code) {
        Some(h) if h.is_empty() => String::new(),
        Some(h) => format!("#{h}"),
        None => hash,
    };
    let url = if q.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{q}{hash}")
    };
    let history = js_sys::Reflect::get(&window, &"history".into()).unwrap_or_default();
    if let Ok(f) = js_sys::Reflect::get(&history, &"replaceState".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call3(
                &history,
                &wasm_bindgen::JsValue::NULL,
                &"".into(),
                &url.into(),
            );
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

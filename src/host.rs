//! The host page's side of a mounted widget: the DOM events it fires on its element, and the
//! mount function the loader (`pingyi.js`, see `docs/embedding.md`) calls for `<pingyi-survey>`.
//!
//! Events are `CustomEvent`s on the element the page owns (the `<pingyi-survey>` or the
//! `data-pingyi` element), bubbling and composed, so a listener on `document` hears them too:
//!
//! | event | `detail` |
//! |---|---|
//! | `pingyi:ready` | `{ survey, version }`: the survey is shown |
//! | `pingyi:cast` | `{ survey, receipt }`: a ballot is stored on the device (never its answers) |
//! | `pingyi:synced` | `{ survey }`: an upload left no ballot waiting |
//! | `pingyi:error` | `{ survey, code, detail }`: `code` is `load` (then no `survey`), `storage` or `upload` |

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::embed::{Config, SurveySource};

/// The element events go to, in the widget's reactive context.
#[derive(Clone, Copy)]
pub struct Events(StoredValue<web_sys::Element, LocalStorage>);

impl Events {
    /// Events for `el`; call inside the widget's reactive owner.
    pub fn provide(el: web_sys::Element) {
        provide_context(Events(StoredValue::new_local(el)));
    }

    /// The widget's events, if it was mounted with them.
    pub fn get() -> Option<Events> {
        use_context::<Events>()
    }

    /// Fires `pingyi:{name}` with `detail` `{ survey, [key]: value }` (no `survey` when it is
    /// empty, no `key` when it is empty).
    pub fn fire(&self, name: &str, survey: &str, key: &str, value: JsValue) {
        self.dispatch(name, &[("survey", survey.into()), (key, value)]);
    }

    /// Fires `pingyi:error` with `detail` `{ survey, code, detail }` (no `survey` when empty).
    pub fn error(&self, survey: &str, code: &str, detail: &str) {
        self.dispatch(
            "error",
            &[
                ("survey", survey.into()),
                ("code", code.into()),
                ("detail", detail.into()),
            ],
        );
    }

    fn dispatch(&self, name: &str, fields: &[(&str, JsValue)]) {
        let detail = js_sys::Object::new();
        for (key, value) in fields {
            if !key.is_empty() && value.as_string().is_none_or(|v| !v.is_empty()) {
                let _ = js_sys::Reflect::set(&detail, &(*key).into(), value);
            }
        }
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&detail);
        if let Ok(event) =
            web_sys::CustomEvent::new_with_event_init_dict(&format!("pingyi:{name}"), &init)
        {
            self.0.with_value(|el| {
                let _ = el.dispatch_event(&event);
            });
        }
    }
}

/// Mounts a widget into `target` (a `<div>` in the shadow root of `host`, or `host` itself) with
/// the loader's options: the attributes and JSON options of a `<pingyi-survey>`, without `data-`
/// (`options` null: the `data-*` attributes of `host`). `survey` is the survey's JSON text the
/// loader fetched in parallel with the wasm; without it the widget fetches the survey itself.
/// `state` is the survey's `…/state` answer the loader fetched beside a `?s=` link's survey.
/// Events go to `host`. Keep the handle; `free()` unmounts.
#[wasm_bindgen]
pub fn mount_element(
    target: web_sys::HtmlElement,
    host: web_sys::Element,
    options: JsValue,
    survey: Option<String>,
    state: Option<String>,
) -> crate::Widget {
    let mut config = if options.is_object() {
        Config::from_lookup(&|name| {
            js_sys::Reflect::get(&options, &name.into())
                .ok()?
                .as_string()
        })
    } else {
        Config::from_element(&host)
    };
    if let (Some(json), SurveySource::Url(_)) = (survey, &config.source) {
        config.source = SurveySource::Inline(json);
        config.link_state = state;
    }
    crate::mount_for(target, host, config)
}

/// Whether the browser keeps this page's storage apart from its own site's (a third-party frame:
/// partitioned or blocked storage), per `document.hasStorageAccess()`. `false` where the browser
/// cannot tell (no such function) or for a page that is not framed.
async fn storage_partitioned() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let framed = window
        .top()
        .ok()
        .flatten()
        .is_some_and(|top| !js_sys::Object::is(&top, &window));
    let Some(document) = window.document() else {
        return false;
    };
    let check = js_sys::Reflect::get(&document, &"hasStorageAccess".into()).unwrap_or_default();
    let Some(check) = check.dyn_ref::<js_sys::Function>().filter(|_| framed) else {
        return false;
    };
    let Ok(promise) = check
        .call0(&document)
        .and_then(|p| p.dyn_into::<js_sys::Promise>())
    else {
        return true;
    };
    !wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .is_ok_and(|v| v.is_truthy())
}

/// In a third-party frame whose storage is partitioned or blocked: says so at the top of
/// `target`, before anyone votes, with a link that opens the page on its own. Plain DOM (no
/// reactive view): it is written once and costs the residents' bundle little.
pub fn frame_notice(target: web_sys::HtmlElement, lang: crate::i18n::Lang) {
    use crate::i18n::EmbedKey;
    leptos::task::spawn_local(async move {
        if !storage_partitioned().await {
            return;
        }
        let Some(document) = target.owner_document() else {
            return;
        };
        let make = |tag: &str, text: &str| {
            let el = document.create_element(tag).ok()?;
            el.set_text_content(Some(text));
            Some(el)
        };
        let (Some(note), Some(text), Some(link)) = (
            make("div", ""),
            make("p", EmbedKey::StoragePartitioned.t(lang)),
            make("a", EmbedKey::OpenAlone.t(lang)),
        ) else {
            return;
        };
        for (name, value) in [
            ("class", "py-warning"),
            ("role", "alert"),
            ("data-testid", "storage-partitioned"),
        ] {
            let _ = note.set_attribute(name, value);
        }
        let here = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        for (name, value) in [
            ("href", here.as_str()),
            ("target", "_blank"),
            ("rel", "noopener"),
        ] {
            let _ = link.set_attribute(name, value);
        }
        let _ = note.append_child(&text);
        let _ = note.append_child(&link);
        let _ = target.insert_before(&note, target.first_child().as_ref());
    });
}

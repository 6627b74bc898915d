//! Pingyi (评议) widget: a survey and public-evaluation form for village meetings, in Leptos.
//!
//! The widget renders and wires; every decision about surveys, ballots and counting is made by
//! `pingyi-core`. Its edges are small adapters: [`store`] (localStorage), [`net`] (HTTP),
//! [`outbox`] (delivery to the collector, driven by core's state machine), [`cast`] (clock,
//! randomness and the order of casting) and [`embed`] (the host page).
//!
//! At start every element with a `data-pingyi` attribute gets a widget (see [`embed`] for the
//! attributes). Embedders and tests can also call [`mount`] directly.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub mod app;
pub mod cast;
pub mod embed;
pub mod host;
pub mod i18n;
#[cfg(feature = "kiosk")]
pub mod kiosk;
pub mod net;
pub mod outbox;
pub mod store;
pub mod views;

use embed::{Config, SurveySource};

/// A size-class allocator of a few hundred bytes in place of dlmalloc's 8 KB
/// (`pingyi_browser::alloc`). The widget's wasm has no threads.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: pingyi_browser::alloc::Classes<pingyi_browser::alloc::WasmPages> =
    pingyi_browser::alloc::Classes::new(pingyi_browser::alloc::WasmPages);

/// Mounts every `[data-pingyi]` element on the page when the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    // Readable panics in the browser console for debug builds only: the hook and its message
    // formatting cost the residents' bundle a few KB.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    #[cfg(feature = "kiosk")]
    kiosk::mount_page();
    embed::mount_all();
}

/// A mounted widget. Dropping it (or calling [`Widget::unmount`]) removes the widget and frees
/// its reactive state; stored ballots stay.
#[wasm_bindgen]
pub struct Widget {
    handle: Option<Box<dyn std::any::Any>>,
    el: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl Widget {
    /// Removes the widget from its element.
    pub fn unmount(&mut self) {
        self.handle.take();
        let _ = self.el.remove_attribute("data-pingyi-mounted");
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// Mounts a widget for the survey `survey_json` into `el`, speaking `lang` (`zh-CN` or `en`).
/// Keep the returned handle for as long as the widget should live.
#[wasm_bindgen]
pub fn mount(el: web_sys::HtmlElement, survey_json: &str, lang: &str) -> Widget {
    // The element's data-* attributes (endpoint, submit key, retry) apply; the survey is given.
    let config = Config {
        source: SurveySource::Inline(survey_json.to_string()),
        lang: i18n::Lang::from_tag(lang),
        ..Config::from_attributes(&el)
    };
    mount_with(el, config)
}

/// Mounts a widget with a full configuration.
pub fn mount_with(el: web_sys::HtmlElement, config: Config) -> Widget {
    mount_for(el.clone(), el.into(), config)
}

/// Mounts a widget into `el` whose events (see [`host`]) go to `host`.
pub fn mount_for(el: web_sys::HtmlElement, host: web_sys::Element, config: Config) -> Widget {
    let _ = el.set_attribute("data-pingyi-mounted", "");
    let lang = config.lang;
    let handle = leptos::mount::mount_to(el.clone(), move || {
        host::Events::provide(host);
        view! { <app::App config=config/> }.into_any()
    });
    // After mounting: `mount_to` starts the task executor the notice's check runs on.
    host::frame_notice(el.clone(), lang);
    Widget {
        handle: Some(Box::new(handle)),
        el,
    }
}

// The unit tests need a window (crypto, localStorage): run them in the browser, not Node.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

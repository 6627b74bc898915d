//! Pingyi survey builder (评议 · 制作问卷): organisers (village cadres, social workers) build a
//! survey from a template, see it as residents will, publish it to a collector and print its
//! links, without writing JSON. A wasm bundle of its own under `/console/builder/`, so neither
//! the residents nor the results console download it.
//!
//! Every decision is `pingyi_core::builder`'s (edits, pasted lists, problems at fields, what
//! publishing does to ballots already cast, the autosave format); this crate renders and wires.
//! Adapters: [`browser`] (storage, fetch, files, downloads); pure glue: [`publish`] (collector
//! answers read for the publish plan), [`form`] (form values to survey fields); QR codes:
//! [`qr`]; words: [`i18n`]; views: [`views`].
//!
//! At start every element with `data-pingyi-builder` gets a builder (`data-lang="en"` for
//! English). Tests call [`mount`].

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub mod browser;
pub mod form;
pub mod i18n;
pub mod publish;
pub mod qr;
pub mod views;

use i18n::Lang;

/// Mounts every `[data-pingyi-builder]` element when the module loads.
///
/// The JS names of this crate's exports end in `Builder`: the widget crate it links for the
/// preview exports `start` and `mount` itself.
#[wasm_bindgen(start, js_name = startBuilder)]
pub fn start() {
    console_error_panic_hook::set_once();
    // The page's builder lives as long as the page.
    pingyi_browser::mount::each_unmounted("data-pingyi-builder", |el, lang| {
        std::mem::forget(mount(el, lang))
    });
}

/// A mounted builder; dropping it removes the builder from its element.
#[wasm_bindgen]
pub struct Builder {
    handle: Option<Box<dyn std::any::Any>>,
    el: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl Builder {
    /// Removes the builder from its element.
    pub fn unmount(&mut self) {
        self.handle.take();
        let _ = self.el.remove_attribute("data-pingyi-builder-mounted");
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// Mounts a builder into `el`, speaking `lang` (`zh-CN`, the default, or `en`). In JS:
/// `mountBuilder(el, lang)`.
#[wasm_bindgen(js_name = mountBuilder)]
pub fn mount(el: web_sys::HtmlElement, lang: &str) -> Builder {
    let _ = el.set_attribute("data-pingyi-builder-mounted", "");
    let lang = Lang::from_tag(lang);
    let handle = leptos::mount::mount_to(el.clone(), move || {
        view! { <views::app::App lang/> }.into_any()
    });
    Builder {
        handle: Some(Box::new(handle)),
        el,
    }
}

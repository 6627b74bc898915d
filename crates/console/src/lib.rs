//! Pingyi organiser console (评议 · 结果与导出): the officials' results dashboard, built as a
//! second wasm bundle that residents never download (see docs/results.md).
//!
//! It loads ballots from this browser's widget storage, from a collector, or from device export
//! files; merges and counts them with `pingyi-core` only; shows every question's results with SVG
//! charts and ranking tables (printable for the notice board); and offers the tally JSON, the CSV
//! and the anonymised raw ballots as downloads. For evening meetings (村湾夜话) it also has the
//! projector page (`?view=projector&s=<id>`), voting controls (reveal, hide, close), ballot-code
//! slip sheets with QR codes and paper ballot entry (`?view=controls|codes|paper`). Adapters:
//! [`browser`]; pure glue over core: [`model`], [`meeting`]; QR codes: [`qr`]; words: [`i18n`];
//! views: [`views`].
//!
//! At start every element with `data-pingyi-console` gets a console (`data-lang="en"` for
//! English). Tests and embedders can call [`mount`].
//!
//! Two builds: the console page (`dist/console/`, features `page` only) leaves the officials'
//! file tools out, so what organisers load first on a phone holds no merging, local counting, CSV
//! writer or survey checker; its 本机选票 and 导入文件 tabs open the file tools' page
//! (`dist/console/files/`, crates/console-files, feature `files`, see [`views::files`]). The
//! default features hold both, as one console (the crate's tests and the widget's use it).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub mod browser;
pub mod i18n;
pub mod meeting;
pub mod model;
pub mod pretty;
pub mod qr;
pub mod views;

use i18n::Lang;

/// Mounts every `[data-pingyi-console]` element when the module loads.
///
/// The JS names of this crate's exports end in `Console` so that the widget's tests can link both
/// crates into one wasm (the widget exports `start` and `mount`).
#[cfg(feature = "page")]
#[wasm_bindgen(start, js_name = startConsole)]
pub fn start() {
    console_error_panic_hook::set_once();
    // The page's console lives as long as the page.
    pingyi_browser::mount::each_unmounted("data-pingyi-console", |el, lang| {
        std::mem::forget(mount(el, lang))
    });
}

/// A mounted console; dropping it removes the console from its element.
#[wasm_bindgen]
pub struct Console {
    handle: Option<Box<dyn std::any::Any>>,
    el: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl Console {
    /// Removes the console from its element.
    pub fn unmount(&mut self) {
        self.handle.take();
        let _ = self.el.remove_attribute("data-pingyi-console-mounted");
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// Mounts a console into `el`, speaking `lang` (`zh-CN`, the default, or `en`). In JS:
/// `mountConsole(el, lang)`.
#[wasm_bindgen(js_name = mountConsole)]
pub fn mount(el: web_sys::HtmlElement, lang: &str) -> Console {
    mount_view(el, lang, |lang| {
        view! { <views::app::App lang/> }.into_any()
    })
}

/// Mounts the file tools' page (本机选票 and 导入文件, see [`views::files`]) into `el`; the
/// file tools' bundle (crates/console-files) calls it at start.
#[cfg(feature = "files")]
pub fn mount_files(el: web_sys::HtmlElement, lang: &str) -> Console {
    mount_view(el, lang, |lang| {
        view! { <views::files::FilesApp lang/> }.into_any()
    })
}

fn mount_view(
    el: web_sys::HtmlElement,
    lang: &str,
    page: impl FnOnce(Lang) -> AnyView + 'static,
) -> Console {
    let _ = el.set_attribute("data-pingyi-console-mounted", "");
    let lang = Lang::from_tag(lang);
    let handle = leptos::mount::mount_to(el.clone(), move || page(lang));
    Console {
        handle: Some(Box::new(handle)),
        el,
    }
}

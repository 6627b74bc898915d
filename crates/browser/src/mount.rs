//! Page start for the organiser bundles: every element a bundle owns, found by its marker
//! attribute, is mounted once.

use wasm_bindgen::JsCast;

/// Calls `mount(element, lang)` for every element with the attribute `marker` and without
/// `{marker}-mounted`, `lang` being its `data-lang` (empty when absent).
pub fn each_unmounted(marker: &str, mut mount: impl FnMut(web_sys::HtmlElement, &str)) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(list) = doc.query_selector_all(&format!("[{marker}]:not([{marker}-mounted])")) else {
        return;
    };
    for i in 0..list.length() {
        if let Some(el) = list
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let lang = el.get_attribute("data-lang").unwrap_or_default();
            mount(el, &lang);
        }
    }
}

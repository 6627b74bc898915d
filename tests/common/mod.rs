//! DOM helpers shared by the browser tests (`tests/widget.rs`, `tests/kiosk.rs`): find, wait for,
//! click and type into elements the way a resident would, with `input`/`change` events.
#![allow(dead_code)] // each test file uses a different subset

use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement};

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

pub fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// The localStorage keys that start with `prefix`.
pub fn keys_with_prefix(prefix: &str) -> Vec<String> {
    let s = storage();
    (0..s.length().unwrap())
        .filter_map(|i| s.key(i).unwrap())
        .filter(|k| k.starts_with(prefix))
        .collect()
}

pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Polls until `selector` matches inside `root`, or panics after 5 s.
pub async fn wait_for(root: &Element, selector: &str) -> Element {
    let deadline = js_sys::Date::now() + Duration::from_secs(5).as_millis() as f64;
    loop {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        if js_sys::Date::now() > deadline {
            panic!(
                "timed out waiting for {selector}; DOM: {}",
                root.inner_html()
            );
        }
        sleep(20).await;
    }
}

/// Polls until `selector` no longer matches inside `root`.
pub async fn wait_gone(root: &Element, selector: &str) {
    let deadline = js_sys::Date::now() + 5000.0;
    while root.query_selector(selector).unwrap().is_some() {
        if js_sys::Date::now() > deadline {
            panic!("{selector} still present; DOM: {}", root.inner_html());
        }
        sleep(20).await;
    }
}

pub fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
}

/// Presses 提交 and, when the form asks the resident to check their choices (请核对您的选择),
/// 确认提交: the way a resident casts a ballot.
pub async fn submit(root: &Element) {
    click(root, "[data-testid=submit]").await;
    if root
        .query_selector("[data-testid=confirm-submit]")
        .ok()
        .flatten()
        .is_some()
    {
        click(root, "[data-testid=confirm-submit]").await;
    }
}

pub async fn click(root: &Element, selector: &str) {
    wait_for(root, selector)
        .await
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(20).await;
}

/// Dispatches a bubbling event of `kind` (`input`, `change`) on `el`.
pub fn fire(el: &Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

/// Sets the value of the `<input>` or `<textarea>` at `selector` and fires `input`.
pub async fn type_text(root: &Element, selector: &str, text: &str) {
    let el = wait_for(root, selector).await;
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(text);
    } else {
        el.unchecked_ref::<web_sys::HtmlTextAreaElement>()
            .set_value(text);
    }
    fire(&el, "input");
    sleep(10).await;
}

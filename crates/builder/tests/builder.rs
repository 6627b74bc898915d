//! Browser tests of the survey builder in headless Chromium (wasm-bindgen-test).
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=180 cargo test -p
//! pingyi-builder --target wasm32-unknown-unknown` (crates/builder/webdriver.json passes the
//! Chromium flags; the runner reads it from the crate's directory).
//!
//! Each test mounts the builder into a fresh `<div>` and drives it through the DOM as an organiser
//! would: picking a template, typing into fields, clicking.

use pingyi_builder::browser::{DRAFT_KEY, UNREADABLE_KEY};
use pingyi_core::builder::decode_draft;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../../tests/common/mod.rs"]
mod common;
use common::{document, sleep, storage};

fn q(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

fn click(root: &Element, selector: &str) {
    q(root, selector).dyn_into::<HtmlElement>().unwrap().click();
}

/// Types `value` into an input the way a person does (`input` event).
fn type_into(root: &Element, selector: &str, value: &str) {
    let input: HtmlInputElement = q(root, selector).dyn_into().unwrap();
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// A fresh builder in a fresh `<div>`, with `stored` as the saved draft (or none).
async fn mount(stored: Option<&str>) -> (Element, pingyi_builder::Builder) {
    let s = storage();
    s.clear().unwrap();
    if let Some(text) = stored {
        s.set_item(DRAFT_KEY, text).unwrap();
    }
    let el: HtmlElement = document()
        .create_element("div")
        .unwrap()
        .dyn_into()
        .unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    let handle = pingyi_builder::mount(el.clone(), "zh-CN");
    sleep(30).await;
    (el.into(), handle)
}

#[wasm_bindgen_test]
async fn the_start_offers_every_template_in_chinese() {
    let (root, _b) = mount(None).await;
    assert_eq!(
        count(&root, "[data-testid^=template-]"),
        pingyi_core::builder::TEMPLATES.len() as u32
    );
    assert!(text(&q(&root, "[data-testid=template-evening-meeting]")).contains("村湾夜话"));
    assert_eq!(count(&root, "[data-testid=resume]"), 0);
}

#[wasm_bindgen_test]
async fn a_problem_shows_at_its_field_and_blocks_publishing() {
    let (root, _b) = mount(None).await;
    click(&root, "[data-testid=template-evening-meeting]");
    sleep(30).await;
    type_into(
        &root,
        "[data-testid=settings] [data-field=unit] input",
        "幸福湾",
    );
    sleep(30).await;
    let publish: HtmlButtonElement = q(&root, "[data-testid=publish]").dyn_into().unwrap();
    assert!(!publish.disabled(), "{}", text(&root));
    let seats = "article[data-kind=choose] [data-field=seats]";
    type_into(&root, &format!("{seats} input"), "9");
    sleep(30).await;
    assert!(text(&q(&root, &format!("{seats} .pb-problem"))).contains("名额为 9 个"));
    assert!(publish.disabled());
    assert_eq!(text(&publish).trim(), "还有 1 处问题，改好才能发布");
    type_into(&root, &format!("{seats} input"), "");
    sleep(30).await;
    assert_eq!(count(&root, ".pb-problem"), 0);
    assert!(!publish.disabled());
}

#[wasm_bindgen_test]
async fn every_change_is_saved_and_resumed() {
    let (root, b) = mount(None).await;
    click(&root, "[data-testid=template-satisfaction]");
    sleep(30).await;
    type_into(
        &root,
        "[data-testid=settings] [data-field=title] input",
        "新标题",
    );
    sleep(30).await;
    let saved = storage().get_item(DRAFT_KEY).unwrap().expect("saved");
    let draft = decode_draft(&saved).unwrap();
    assert_eq!(draft.survey.title.zh, "新标题");
    // The English title no longer says the same and is dropped.
    assert_eq!(draft.survey.title.en, None);
    drop(b);

    // A new builder on the same storage opens the draft at once.
    let el: HtmlElement = document()
        .create_element("div")
        .unwrap()
        .dyn_into()
        .unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    let _again = pingyi_builder::mount(el.clone(), "zh-CN");
    sleep(30).await;
    let input: HtmlInputElement = q(&el, "[data-testid=settings] [data-field=title] input")
        .dyn_into()
        .unwrap();
    assert_eq!(input.value(), "新标题");
}

#[wasm_bindgen_test]
async fn a_stored_draft_that_cannot_be_read_is_kept_aside() {
    let (root, _b) = mount(Some("{not a draft")).await;
    assert!(text(&q(&root, "[data-testid=draft-unreadable]")).contains("无法读取"));
    click(&root, "[data-testid=template-empty]");
    sleep(30).await;
    assert_eq!(
        storage().get_item(UNREADABLE_KEY).unwrap().as_deref(),
        Some("{not a draft")
    );
}

#[wasm_bindgen_test]
async fn pasted_rows_become_options_and_the_preview_shows_them() {
    let (root, _b) = mount(None).await;
    click(&root, "[data-testid=template-evening-meeting]");
    sleep(30).await;
    let list = "article[data-kind=choose] [data-list=options]";
    let area: web_sys::HtmlTextAreaElement = q(&root, &format!("{list} [data-testid=paste-text]"))
        .dyn_into()
        .unwrap();
    area.set_value("张三\t村民代表\n\n李四\n张三\n");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    area.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    sleep(30).await;
    assert_eq!(
        text(&q(&root, &format!("{list} [data-testid=paste-rows]"))),
        "读到 2 行。"
    );
    assert_eq!(
        count(&root, &format!("{list} [data-testid=paste-problem]")),
        2
    );
    click(&root, &format!("{list} [data-testid=paste-go]"));
    sleep(50).await;
    assert_eq!(count(&root, &format!("{list} .pb-entry")), 2);
    let preview = q(&root, "[data-testid=preview]");
    assert!(text(&preview).contains("张三"));
    assert!(text(&preview).contains("村民代表"));
    assert!(!text(&preview).contains("候选户一"));
}

//! Browser tests of how the widget reads a survey: by its structure only (core's
//! `read_survey_value`). A malformed file is refused with its problems and their paths; a well
//! formed file whose meaning the organisers' tools would question (duplicate ids, a `show_if` on
//! a question that is not there, a score range upside down) is still shown, and nothing panics.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test survey_read`

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_div() -> HtmlElement {
    let div = document()
        .create_element("div")
        .unwrap()
        .unchecked_into::<HtmlElement>();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

const ODD: &str = r#"{
  "format": "pingyi/1", "id": "sr-odd", "version": 1, "title": {"zh": "问卷"}, "unit": "测试湾",
  "sections": [{"id": "s1", "title": {"zh": "一"}, "questions": [
    {"id": "q1", "title": {"zh": "第一题"}, "kind": "text", "required": false},
    {"id": "q1", "title": {"zh": "同名的题"}, "kind": "text", "required": false,
     "show_if": {"question": "nowhere", "any_of": ["x"]}},
    {"id": "q_score", "title": {"zh": "积分"}, "kind": "score",
     "subjects": [{"id": "a", "label": {"zh": "甲"}}],
     "criteria": [{"id": "c", "label": {"zh": "卫生"}, "min": 10, "max": 0, "step": 0}]},
    {"id": "q_choose", "title": {"zh": "选择"}, "kind": "choose", "min": 3, "max": 1,
     "options": [{"id": "o", "label": {"zh": "一个"}}]}
  ]}]
}"#;

#[wasm_bindgen_test]
async fn a_well_formed_survey_is_shown_without_the_organisers_checks() {
    let div = fresh_div();
    let _w = pingyi::mount(div.clone(), ODD, "zh-CN");
    let root: &Element = &div;
    wait_for(root, "[data-testid=survey-form]").await;
    assert!(root
        .query_selector("[data-testid=survey-problems]")
        .unwrap()
        .is_none());
    assert!(root.text_content().unwrap().contains("第一题"));
    div.remove();
}

#[wasm_bindgen_test]
async fn a_file_for_another_format_is_refused_with_its_path() {
    let div = fresh_div();
    let other = ODD.replace("pingyi/1", "pingyi/9");
    let _w = pingyi::mount(div.clone(), &other, "en");
    let root: &Element = &div;
    let list = wait_for(root, "[data-testid=survey-problems]").await;
    let text = list.text_content().unwrap();
    assert!(text.contains("$.format"), "{text}");
    assert!(root
        .query_selector("[data-testid=survey-form]")
        .unwrap()
        .is_none());
    div.remove();
}

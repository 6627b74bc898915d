//! Browser tests of the widget in headless Chromium (wasm-bindgen-test).
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test widget`
//! (webdriver.json at the repo root passes `--headless=new --no-sandbox` to Chromium).
//!
//! Each test mounts the widget into a fresh `<div>`, drives it through the DOM the way a resident
//! would (clicking inputs, typing with `input` events) and checks the screen and localStorage.
//! Every test uses its own survey ids and clears their keys first.

use std::time::Duration;

use pingyi_core::Ballot;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------- helpers

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Polls until `selector` matches inside `root`, or panics after 5 s.
async fn wait_for(root: &Element, selector: &str) -> Element {
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
async fn wait_gone(root: &Element, selector: &str) {
    let deadline = js_sys::Date::now() + 5000.0;
    while root.query_selector(selector).unwrap().is_some() {
        if js_sys::Date::now() > deadline {
            panic!("{selector} still present; DOM: {}", root.inner_html());
        }
        sleep(20).await;
    }
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
}

async fn click(root: &Element, selector: &str) {
    wait_for(root, selector)
        .await
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(10).await;
}

fn fire(el: &Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

async fn type_text(root: &Element, selector: &str, text: &str) {
    let el = wait_for(root, selector).await;
    el.unchecked_ref::<web_sys::HtmlTextAreaElement>()
        .set_value(text);
    fire(&el, "input");
    sleep(10).await;
}

async fn select(root: &Element, selector: &str, value: &str) {
    let el = wait_for(root, selector).await;
    el.unchecked_ref::<web_sys::HtmlSelectElement>()
        .set_value(value);
    fire(&el, "change");
    sleep(10).await;
}

fn is_checked(root: &Element, selector: &str) -> bool {
    find(root, selector)
        .unchecked_into::<web_sys::HtmlInputElement>()
        .checked()
}

fn text_of(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

fn fresh_div() -> HtmlElement {
    let div = document()
        .create_element("div")
        .unwrap()
        .unchecked_into::<HtmlElement>();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

fn ballot_keys(survey_id: &str) -> Vec<String> {
    let s = storage();
    let prefix = format!("pingyi/v1/{survey_id}/ballot/");
    (0..s.length().unwrap())
        .filter_map(|i| s.key(i).unwrap())
        .filter(|k| k.starts_with(&prefix))
        .collect()
}

fn clear(survey_id: &str) {
    for k in ballot_keys(survey_id) {
        storage().remove_item(&k).unwrap();
    }
}

/// A one-section survey with one required satisfaction question.
fn tiny_survey(id: &str, title: &str) -> String {
    format!(
        r#"{{"format":"pingyi/1","id":"{id}","version":1,"title":{{"zh":"{title}"}},"unit":"测试湾",
        "sections":[{{"id":"s1","title":{{"zh":"第一部分"}},"questions":[
          {{"id":"q_sat","title":{{"zh":"环境卫生"}},"kind":"scale","preset":"satisfaction"}}]}}]}}"#
    )
}

const JOURNEY: &str = r#"{
  "format": "pingyi/1", "id": "wt-journey", "version": 1,
  "title": {"zh": "测试问卷", "en": "Test survey"}, "unit": "测试湾", "eligible": 3,
  "sections": [
    {"id": "s1", "title": {"zh": "满意度"}, "questions": [
      {"id": "q_sat", "title": {"zh": "环境卫生"}, "kind": "scale", "preset": "satisfaction"},
      {"id": "q_cadre", "title": {"zh": "干部评议"}, "kind": "scale", "preset": "appraisal",
       "subjects": [{"id": "wang", "label": {"zh": "王书记"}}, {"id": "li", "label": {"zh": "李主任"}}]}
    ]},
    {"id": "s2", "title": {"zh": "光荣榜与积分榜"}, "questions": [
      {"id": "q_choose", "title": {"zh": "最美庭院"}, "kind": "choose", "min": 1, "max": 2, "seats": 1,
       "options": [{"id": "h1", "label": {"zh": "张家"}}, {"id": "h2", "label": {"zh": "刘家"}}, {"id": "h3", "label": {"zh": "陈家"}}]},
      {"id": "q_score", "title": {"zh": "积分"}, "kind": "score",
       "subjects": [{"id": "h1", "label": {"zh": "张家"}}],
       "criteria": [{"id": "clean", "label": {"zh": "环境卫生"}, "min": 0, "max": 10}]}
    ]},
    {"id": "s3", "title": {"zh": "公示与表决"}, "questions": [
      {"id": "q_notice", "title": {"zh": "公示事项"}, "kind": "notice",
       "items": [{"id": "road", "label": {"zh": "修路经费"}}]},
      {"id": "q_approve", "title": {"zh": "是否同意修路"}, "kind": "approve"},
      {"id": "q_why", "title": {"zh": "反对理由"}, "kind": "text", "required": false,
       "show_if": {"question": "q_approve", "any_of": ["against"]}},
      {"id": "q_text", "title": {"zh": "意见建议"}, "kind": "text", "required": false, "max_len": 100}
    ]}
  ]
}"#;

fn stored_ballot(key: &str) -> (Ballot, String) {
    let json = storage().get_item(key).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ballot: Ballot = serde_json::from_value(v["ballot"].clone()).unwrap();
    (ballot, v["status"].as_str().unwrap().to_string())
}

// ---------------------------------------------------------------- tests

#[wasm_bindgen_test]
async fn full_journey_is_stored_survives_reload_and_is_counted() {
    clear("wt-journey");
    let div = fresh_div();
    let widget = pingyi::mount(div.clone(), JOURNEY, "zh-CN");
    let root: &Element = &div;

    // Section 1: single scale and a matrix.
    wait_for(root, "[data-testid=survey-form]").await;
    assert_eq!(text_of(root, "[data-testid=progress]"), "第 1/3 部分");
    assert!(text_of(root, "[data-question=q_sat]").contains("不了解（不计入有效票）"));
    click(root, "[data-question=q_sat] input[value=satisfied]").await;
    click(root, "[data-subject=wang] input[value=competent]").await;
    click(root, "[data-subject=li] input[value=basically_competent]").await;
    assert!(is_checked(
        root,
        "[data-question=q_sat] input[value=satisfied]"
    ));
    click(root, "[data-testid=next]").await;

    // Section 2: choose with a max, and a score.
    wait_for(root, "[data-question=q_choose]").await;
    assert_eq!(text_of(root, "[data-testid=progress]"), "第 2/3 部分");
    click(root, "[data-question=q_choose] input[value=h1]").await;
    click(root, "[data-question=q_choose] input[value=h2]").await;
    assert_eq!(text_of(root, "[data-testid=chosen-count]"), "已选 2/2");
    let third = find(root, "[data-question=q_choose] input[value=h3]")
        .unchecked_into::<web_sys::HtmlInputElement>();
    assert!(third.disabled(), "a third choice must be disabled at max");
    select(
        root,
        "[data-question=q_score] select[data-criterion=clean]",
        "8",
    )
    .await;
    click(root, "[data-testid=next]").await;

    // Section 3: an objection needs a reason; a hidden question's answer is dropped.
    wait_for(root, "[data-question=q_notice]").await;
    assert!(
        root.query_selector("[data-question=q_why]")
            .unwrap()
            .is_none(),
        "q_why starts hidden"
    );
    click(root, "[data-item=road] input[value=objection]").await;
    type_text(root, "[data-item=road] textarea", "预算不清楚").await;
    click(root, "[data-question=q_approve] input[value=against]").await;
    type_text(root, "[data-question=q_why] textarea", "太贵").await;
    click(root, "[data-question=q_approve] input[value=for]").await;
    wait_gone(root, "[data-question=q_why]").await;
    type_text(root, "[data-question=q_text] textarea", "希望多装路灯").await;
    assert!(text_of(root, "[data-question=q_text]").contains("6/100 字"));
    click(root, "[data-testid=submit]").await;

    // Thanks with the receipt of the ballot that was stored.
    let receipt = wait_for(root, "[data-testid=receipt]")
        .await
        .text_content()
        .unwrap();
    assert_eq!(receipt.len(), 9, "receipt {receipt}");
    assert_eq!(&receipt[4..5], "-");
    let keys = ballot_keys("wt-journey");
    assert_eq!(keys.len(), 1, "exactly one ballot key");
    let (ballot, status) = stored_ballot(&keys[0]);
    assert_eq!(status, "pending");
    assert_eq!(
        keys[0],
        format!("pingyi/v1/wt-journey/ballot/{}", ballot.id)
    );
    assert_eq!(ballot.receipt(), receipt);
    assert!(
        !ballot.answers.contains_key("q_why"),
        "hidden answers are dropped"
    );
    let answers = serde_json::to_value(&ballot.answers).unwrap();
    assert_eq!(answers["q_sat"]["choice"], "satisfied");
    assert_eq!(answers["q_cadre"]["ratings"]["li"], "basically_competent");
    assert_eq!(
        answers["q_choose"]["chosen"],
        serde_json::json!(["h1", "h2"])
    );
    assert_eq!(answers["q_score"]["scores"]["h1"]["clean"], 8);
    assert_eq!(
        answers["q_notice"]["responses"]["road"]["reason"],
        "预算不清楚"
    );
    assert_eq!(answers["q_approve"]["choice"], "for");
    assert_eq!(answers["q_text"]["text"], "希望多装路灯");

    // "Reload": unmount, remove, mount again in a new element.
    drop(widget);
    div.remove();
    let div2 = fresh_div();
    let _widget2 = pingyi::mount(div2.clone(), JOURNEY, "zh-CN");
    let root: &Element = &div2;
    click(root, "[data-testid=view-results]").await;
    wait_for(root, "[data-testid=results]").await;
    assert_eq!(text_of(root, "[data-testid=ballot-count]"), "1");
    assert!(text_of(root, "[data-result=q_sat]").contains("100.00%"));
    assert!(text_of(root, "[data-result=q_notice]").contains("预算不清楚"));
    assert!(
        text_of(root, "[data-result=q_notice] [data-testid=notice-verdict]").contains("需复核")
    );
    assert!(text_of(
        root,
        "[data-result=q_approve] [data-testid=approve-verdict]"
    )
    .contains("通过"));
    assert!(text_of(root, "[data-result=q_text]").contains("希望多装路灯"));
    div2.remove();
}

#[wasm_bindgen_test]
async fn a_required_question_blocks_next_and_submit_with_a_visible_error() {
    clear("wt-required");
    let div = fresh_div();
    let _w = pingyi::mount(
        div.clone(),
        &tiny_survey("wt-required", "必答测试"),
        "zh-CN",
    );
    let root: &Element = &div;
    click(root, "[data-testid=submit]").await;
    wait_for(root, "[data-testid=fix-below]").await;
    let errors = text_of(root, "[data-question=q_sat] [data-testid=question-errors]");
    assert!(
        !errors.trim().is_empty(),
        "the question shows core's message"
    );
    assert!(root
        .query_selector("[data-testid=thanks]")
        .unwrap()
        .is_none());
    assert!(ballot_keys("wt-required").is_empty(), "nothing stored");

    // Answering clears the message live, and then submit works.
    click(root, "[data-question=q_sat] input[value=unknown]").await;
    wait_gone(root, "[data-testid=fix-below]").await;
    click(root, "[data-testid=submit]").await;
    wait_for(root, "[data-testid=receipt]").await;
    assert_eq!(ballot_keys("wt-required").len(), 1);

    // Multi-section: 下一页 is blocked on the first section too.
    clear("wt-journey-next");
    let div2 = fresh_div();
    let journey = JOURNEY.replace("wt-journey", "wt-journey-next");
    let _w2 = pingyi::mount(div2.clone(), &journey, "zh-CN");
    let root2: &Element = &div2;
    click(root2, "[data-subject=wang] input[value=competent]").await;
    click(root2, "[data-testid=next]").await;
    wait_for(root2, "[data-testid=fix-below]").await;
    assert_eq!(text_of(root2, "[data-testid=progress]"), "第 1/3 部分");
    assert!(!text_of(
        root2,
        "[data-question=q_cadre] [data-testid=question-errors]"
    )
    .trim()
    .is_empty());
    div.remove();
    div2.remove();
}

#[wasm_bindgen_test]
async fn vote_again_gives_a_fresh_form() {
    clear("wt-again");
    let div = fresh_div();
    let _w = pingyi::mount(div.clone(), &tiny_survey("wt-again", "再投一票"), "zh-CN");
    let root: &Element = &div;
    click(root, "[data-question=q_sat] input[value=dissatisfied]").await;
    click(root, "[data-testid=submit]").await;
    wait_for(root, "[data-testid=receipt]").await;
    click(root, "[data-testid=vote-again]").await;
    wait_for(root, "[data-testid=survey-form]").await;
    for v in [
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unknown",
    ] {
        assert!(
            !is_checked(root, &format!("[data-question=q_sat] input[value={v}]")),
            "{v} is unchecked"
        );
    }
    click(root, "[data-question=q_sat] input[value=satisfied]").await;
    click(root, "[data-testid=submit]").await;
    wait_for(root, "[data-testid=receipt]").await;
    assert_eq!(ballot_keys("wt-again").len(), 2);
    click(root, "[data-testid=view-results]").await;
    assert_eq!(
        wait_for(root, "[data-testid=ballot-count]")
            .await
            .text_content()
            .unwrap(),
        "2"
    );
    div.remove();
}

#[wasm_bindgen_test]
async fn two_widgets_on_one_page_do_not_interfere() {
    clear("wt-left");
    clear("wt-right");
    let (a, b) = (fresh_div(), fresh_div());
    let _wa = pingyi::mount(a.clone(), &tiny_survey("wt-left", "左边"), "zh-CN");
    let _wb = pingyi::mount(b.clone(), &tiny_survey("wt-right", "右边"), "en");
    let (ra, rb): (&Element, &Element) = (&a, &b);
    wait_for(ra, "[data-testid=survey-form]").await;
    wait_for(rb, "[data-testid=survey-form]").await;
    // Same question ids, yet distinct element ids and radio groups.
    let ida = find(ra, "[data-question=q_sat] input[value=satisfied]").id();
    let idb = find(rb, "[data-question=q_sat] input[value=satisfied]").id();
    assert_ne!(ida, idb);
    assert_eq!(text_of(rb, "[data-testid=submit]"), "Submit");
    assert_eq!(text_of(ra, "[data-testid=submit]"), "提交");

    click(ra, "[data-question=q_sat] input[value=satisfied]").await;
    assert!(!is_checked(
        rb,
        "[data-question=q_sat] input[value=satisfied]"
    ));
    click(ra, "[data-testid=submit]").await;
    wait_for(ra, "[data-testid=receipt]").await;
    assert!(rb.query_selector("[data-testid=thanks]").unwrap().is_none());
    assert!(rb
        .query_selector("[data-testid=fix-below]")
        .unwrap()
        .is_none());
    assert_eq!(ballot_keys("wt-left").len(), 1);
    assert!(ballot_keys("wt-right").is_empty());

    // The language toggle of one widget leaves the other alone.
    click(rb, "[data-testid=lang-toggle]").await;
    assert_eq!(text_of(rb, "[data-testid=submit]"), "提交");
    click(rb, "[data-testid=view-results]").await;
    wait_for(rb, "[data-testid=no-ballots]").await;
    a.remove();
    b.remove();
}

#[wasm_bindgen_test]
async fn an_invalid_survey_lists_core_problems_with_paths() {
    let div = fresh_div();
    let _w = pingyi::mount(
        div.clone(),
        r#"{"format":"pingyi/1","id":"Bad Id","version":1}"#,
        "zh-CN",
    );
    let root: &Element = &div;
    let list = wait_for(root, "[data-testid=survey-problems]").await;
    assert!(
        list.text_content().unwrap().contains("$."),
        "paths are shown"
    );
    assert!(root
        .query_selector("[data-testid=survey-form]")
        .unwrap()
        .is_none());
    div.remove();
}

#[wasm_bindgen_test]
async fn a_full_storage_blocks_the_thank_you_screen() {
    clear("wt-full");
    let div = fresh_div();
    let _w = pingyi::mount(div.clone(), &tiny_survey("wt-full", "存储已满"), "zh-CN");
    let root: &Element = &div;
    click(root, "[data-question=q_sat] input[value=satisfied]").await;

    // Fill localStorage to the brim, in shrinking chunks.
    let s = storage();
    let mut fillers = Vec::new();
    let mut size = 1 << 20;
    while size >= 8 {
        let key = format!("wt-filler/{}", fillers.len());
        if s.set_item(&key, &"x".repeat(size)).is_ok() {
            fillers.push(key);
        } else {
            size /= 2;
        }
    }
    click(root, "[data-testid=submit]").await;
    let shown = wait_for(root, "[data-testid=store-error]")
        .await
        .text_content()
        .unwrap();
    for k in &fillers {
        s.remove_item(k).unwrap();
    }
    assert!(shown.contains("存储空间已满"), "{shown}");
    assert!(root
        .query_selector("[data-testid=thanks]")
        .unwrap()
        .is_none());
    assert!(ballot_keys("wt-full").is_empty());

    // With space again, the same answers go through.
    click(root, "[data-testid=submit]").await;
    wait_for(root, "[data-testid=receipt]").await;
    assert_eq!(ballot_keys("wt-full").len(), 1);
    div.remove();
}

#[wasm_bindgen_test]
async fn data_attributes_mount_an_inline_survey() {
    clear("wt-attr");
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "application/json").unwrap();
    script.set_attribute("id", "wt-attr-json").unwrap();
    script.set_text_content(Some(&tiny_survey("wt-attr", "属性挂载")));
    document().body().unwrap().append_child(&script).unwrap();
    let div = fresh_div();
    div.set_attribute("data-pingyi", "").unwrap();
    div.set_attribute("data-survey-inline", "#wt-attr-json")
        .unwrap();
    div.set_attribute("data-lang", "en").unwrap();
    pingyi::embed::mount_all();
    let root: &Element = &div;
    wait_for(root, "[data-testid=survey-form]").await;
    assert_eq!(text_of(root, "[data-testid=submit]"), "Submit");
    assert!(div.has_attribute("data-pingyi-mounted"));
    let _ = JsValue::NULL;
    div.remove();
    script.remove();
}

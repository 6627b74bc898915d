//! Browser tests of the widget in headless Chromium (wasm-bindgen-test).
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test widget`
//! (webdriver.json at the repo root passes `--headless=new --no-sandbox` to Chromium).
//!
//! Each test mounts the widget into a fresh `<div>`, drives it through the DOM the way a resident
//! would (clicking inputs, typing with `input` events) and checks the screen and localStorage.
//! Every test uses its own survey ids and clears their keys first.

use pingyi_core::Ballot;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------- helpers

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

/// Opens the organiser console the way the widget's 查看本机结果 link does
/// (`?source=local&s=<survey_id>`), in a fresh element, and waits for its results. The page's
/// address is put back at once (the console reads it when it mounts).
async fn console_local_results(survey_id: &str) -> (pingyi_console::Console, HtmlElement) {
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let before = window.location().href().unwrap();
    history
        .replace_state_with_url(
            &JsValue::NULL,
            "",
            Some(&format!("?source=local&s={survey_id}")),
        )
        .unwrap();
    let div = fresh_div();
    let console = pingyi_console::mount(div.clone(), "zh-CN");
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&before))
        .unwrap();
    wait_for(&div, "[data-testid=results]").await;
    (console, div)
}

/// The href of the widget's 查看本机结果 link: the console's local results of `survey_id`.
fn results_link(survey_id: &str) -> String {
    format!("console/?source=local&s={survey_id}")
}

fn ballot_keys(survey_id: &str) -> Vec<String> {
    keys_with_prefix(&format!("pingyi/v1/{survey_id}/ballot/"))
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

/// The delivery status of a stored record, whether it still holds its ballot or not (an
/// acknowledged ballot keeps no answers).
fn stored_status(key: &str) -> String {
    let json = storage().get_item(key).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["status"].as_str().unwrap().to_string()
}

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
    submit(root).await;

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
    wait_for(root, "[data-testid=survey-form]").await;
    // Counted: the widget shows residents no results; its link opens the organiser console,
    // which counts this device's ballots with the survey JSON the widget kept.
    let link = find(root, "[data-testid=view-results]");
    assert_eq!(link.tag_name(), "A");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        results_link("wt-journey")
    );
    assert!(link.text_content().unwrap().contains("查看本机结果"));
    assert!(root.query_selector(".py-tally").unwrap().is_none());
    assert_eq!(
        storage()
            .get_item("pingyi/v1/wt-journey/survey")
            .unwrap()
            .as_deref(),
        Some(JOURNEY)
    );
    let (console, croot) = console_local_results("wt-journey").await;
    let croot: &Element = &croot;
    assert_eq!(text_of(croot, "[data-testid=counted]"), "1");
    assert_eq!(
        text_of(
            croot,
            "[data-question=q_choose] tr[data-option=h1] td.pc-num"
        ),
        "1"
    );
    assert_eq!(
        text_of(
            croot,
            "[data-question=q_choose] tr[data-option=h3] td.pc-num"
        ),
        "0"
    );
    assert!(text_of(croot, "[data-question=q_sat] [data-testid=satisfaction]").contains("100.00%"));
    assert!(text_of(croot, "[data-question=q_notice]").contains("预算不清楚"));
    assert!(
        text_of(croot, "[data-question=q_notice] [data-testid=notice-flag]").contains("需复核")
    );
    assert_eq!(
        text_of(
            croot,
            "[data-question=q_approve] [data-testid=approve-outcome]"
        ),
        "通过"
    );
    assert!(text_of(croot, "[data-question=q_text]").contains("希望多装路灯"));
    drop(console);
    croot.remove();
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
    submit(root).await;
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
    submit(root).await;
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
    submit(root).await;
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
    submit(root).await;
    wait_for(root, "[data-testid=receipt]").await;
    assert_eq!(ballot_keys("wt-again").len(), 2);
    assert_eq!(
        find(root, "[data-testid=view-results]")
            .get_attribute("href")
            .unwrap(),
        results_link("wt-again")
    );
    let (console, croot) = console_local_results("wt-again").await;
    assert_eq!(text_of(&croot, "[data-testid=counted]"), "2");
    drop(console);
    croot.remove();
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
    submit(ra).await;
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
    // Each widget's results link names its own survey.
    assert_eq!(
        find(rb, "[data-testid=view-results]")
            .get_attribute("href")
            .unwrap(),
        results_link("wt-right")
    );
    assert_eq!(
        find(ra, "[data-testid=view-results]")
            .get_attribute("href")
            .unwrap(),
        results_link("wt-left")
    );
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
    submit(root).await;
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
    submit(root).await;
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

/// Large text (elder mode): the page's `data-elder` sets the start, the resident's own switch is
/// kept on the device and wins from then on, for every widget.
#[wasm_bindgen_test]
async fn large_text_starts_from_the_page_and_then_follows_the_resident() {
    const KEY: &str = "pingyi/v1/elder";
    let elder_on = |root: &Element| {
        let on = find(root, "[data-testid=pingyi]")
            .class_list()
            .contains("elder");
        let pressed = find(root, "[data-testid=elder-toggle]").get_attribute("aria-pressed");
        assert_eq!(pressed.as_deref(), Some(if on { "true" } else { "false" }));
        on
    };
    let mount = |elder_attr: bool| {
        let div = fresh_div();
        if elder_attr {
            div.set_attribute("data-elder", "").unwrap();
        }
        let w = pingyi::mount(div.clone(), &tiny_survey("wt-elder", "大字"), "zh-CN");
        (w, div)
    };
    storage().remove_item(KEY).unwrap();

    let (w, div) = mount(false);
    wait_for(&div, "[data-testid=survey-form]").await;
    assert!(!elder_on(&div), "off by default");
    assert_eq!(text_of(&div, "[data-testid=elder-toggle]"), "大字");
    drop(w);
    div.remove();

    let (w, div) = mount(true);
    wait_for(&div, "[data-testid=survey-form]").await;
    assert!(elder_on(&div), "the page asks for it");
    // The resident switches it off: at once, and remembered.
    click(&div, "[data-testid=elder-toggle]").await;
    assert!(!elder_on(&div));
    assert_eq!(storage().get_item(KEY).unwrap().as_deref(), Some("0"));
    drop(w);
    div.remove();

    let (w, div) = mount(true);
    wait_for(&div, "[data-testid=survey-form]").await;
    assert!(!elder_on(&div), "the resident's choice wins over the page");
    click(&div, "[data-testid=elder-toggle]").await;
    assert!(elder_on(&div));
    drop(w);
    div.remove();

    let (w, div) = mount(false);
    wait_for(&div, "[data-testid=survey-form]").await;
    assert!(elder_on(&div), "kept for the next widget on this device");
    drop(w);
    div.remove();
    storage().remove_item(KEY).unwrap();
    clear("wt-elder");
}

// ---------------------------------------------------------------- outbox
// A fake `window.fetch` stands in for the collector: it records every call and answers by mode
// (`accept`, `reject` with 422 and a problem, `fail` as a network error, `not_open` / `ended` as a
// 409 `voting_not_open` / `voting_ended`, `too_large` as a 413).

fn fake_fetch(mode: &str) {
    let install = js_sys::Function::new_with_args(
        "mode",
        r#"
        const w = window;
        if (!w.__pyRealFetch) { w.__pyRealFetch = w.fetch; }
        w.__pyCalls = w.__pyCalls || [];
        w.__pyMode = mode;
        w.fetch = function (url, init) {
            const headers = (init && init.headers) || {};
            w.__pyCalls.push({ url: String(url), method: init && init.method,
                key: headers['x-pingyi-submit-key'] || null, body: init && init.body });
            if (w.__pyMode === 'fail') { return Promise.reject(new TypeError('Failed to fetch')); }
            const ids = JSON.parse(init.body).ballots.map(function (b) { return b.id; });
            const json = { 'content-type': 'application/json' };
            const codes = { not_open: [409, 'voting_not_open'], ended: [409, 'voting_ended'],
                too_large: [413, 'payload_too_large'] };
            if (codes[w.__pyMode]) {
                const [status, code] = codes[w.__pyMode];
                return Promise.resolve(new Response(JSON.stringify({ error: { code: code,
                    message: 'the collector says ' + code } }), { status: status, headers: json }));
            }
            if (w.__pyMode === 'reject') {
                return Promise.resolve(new Response(JSON.stringify({ results: ids.map(function (id) {
                    return { id: id, status: 'rejected', problems: [{ path: '$.answers.q_sat',
                        code: 'unknown_option', zh: '没有这个选项', en: 'no such option' }] };
                }) }), { status: 422, headers: json }));
            }
            return Promise.resolve(new Response(JSON.stringify({ results: ids.map(function (id) {
                return { id: id, status: 'accepted' };
            }) }), { status: 200, headers: json }));
        };
        "#,
    );
    install
        .call1(&JsValue::NULL, &JsValue::from_str(mode))
        .unwrap();
}

fn restore_fetch() {
    js_sys::Function::new_no_args(
        "if (window.__pyRealFetch) { window.fetch = window.__pyRealFetch; } window.__pyCalls = [];",
    )
    .call0(&JsValue::NULL)
    .unwrap();
}

/// The calls the fake fetch saw: (url, method, submit key, body).
fn fetch_calls() -> Vec<serde_json::Value> {
    let calls = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pyCalls".into()).unwrap();
    if calls.is_undefined() {
        return Vec::new();
    }
    let json = js_sys::JSON::stringify(&calls)
        .unwrap()
        .as_string()
        .unwrap();
    serde_json::from_str(&json).unwrap()
}

fn fire_online() {
    let ev = web_sys::Event::new("online").unwrap();
    web_sys::window().unwrap().dispatch_event(&ev).unwrap();
}

async fn vote(root: &Element, value: &str) {
    click(root, &format!("[data-question=q_sat] input[value={value}]")).await;
    submit(root).await;
    wait_for(root, "[data-testid=receipt]").await;
    click(root, "[data-testid=vote-again]").await;
    wait_for(root, "[data-testid=survey-form]").await;
}

/// Polls until the text of `selector` contains `needle`, or panics after 5 s.
async fn wait_text(root: &Element, selector: &str, needle: &str) -> String {
    let deadline = js_sys::Date::now() + 5000.0;
    loop {
        if let Some(el) = root.query_selector(selector).unwrap() {
            let t = el.text_content().unwrap_or_default();
            if t.contains(needle) {
                return t;
            }
        }
        if js_sys::Date::now() > deadline {
            panic!(
                "{selector} never contained {needle:?}; DOM: {}",
                root.inner_html()
            );
        }
        sleep(20).await;
    }
}

fn clear_outbox(survey_id: &str) {
    clear(survey_id);
    storage()
        .remove_item(&format!("pingyi/v1/{survey_id}/outbox"))
        .unwrap();
}

#[wasm_bindgen_test]
async fn without_an_endpoint_ballots_stay_local_and_nothing_is_sent() {
    clear_outbox("wt-local");
    fake_fetch("accept");
    let div = fresh_div();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-local", "仅本机"), "zh-CN");
    let root: &Element = &div;
    assert_eq!(
        wait_text(root, "[data-testid=outbox-local]", "仅保存在本机").await,
        "仅保存在本机"
    );
    vote(root, "satisfied").await;
    fire_online();
    sleep(100).await;
    assert!(root
        .query_selector("[data-testid=outbox-upload-now]")
        .unwrap()
        .is_none());
    assert!(
        fetch_calls().is_empty(),
        "local-only mode sends nothing: {:?}",
        fetch_calls()
    );
    let keys = ballot_keys("wt-local");
    assert_eq!(keys.len(), 1);
    assert_eq!(stored_status(&keys[0]), "pending");
    click(root, "[data-testid=lang-toggle]").await;
    wait_text(
        root,
        "[data-testid=outbox-local]",
        "Saved on this device only",
    )
    .await;
    drop(w);
    restore_fetch();
    div.remove();
}

#[wasm_bindgen_test]
async fn ballots_are_uploaded_with_the_submit_key_and_marked_acked() {
    clear_outbox("wt-up");
    fake_fetch("accept");
    let div = fresh_div();
    div.set_attribute("data-endpoint", "https://collector.test/pingyi/")
        .unwrap();
    div.set_attribute("data-submit-key", "k-123").unwrap();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-up", "上传"), "zh-CN");
    let root: &Element = &div;
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    vote(root, "satisfied").await;
    wait_text(root, "[data-testid=outbox-last-success]", "上次上传：").await;
    vote(root, "dissatisfied").await;
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;

    let calls = fetch_calls();
    assert_eq!(calls.len(), 2, "one request per cast: {calls:?}");
    for c in &calls {
        assert_eq!(
            c["url"],
            "https://collector.test/pingyi/v1/surveys/wt-up/ballots"
        );
        assert_eq!(c["method"], "POST");
        assert_eq!(c["key"], "k-123");
    }
    let keys = ballot_keys("wt-up");
    assert_eq!(keys.len(), 2);
    for k in &keys {
        assert_eq!(stored_json(k)["status"], "acked", "{k}");
    }
    let memo = storage()
        .get_item("pingyi/v1/wt-up/outbox")
        .unwrap()
        .unwrap();
    assert!(memo.contains("last_success_ms"), "{memo}");
    drop(w);
    restore_fetch();
    div.remove();
}

#[wasm_bindgen_test]
async fn a_refused_ballot_is_kept_and_shown_with_its_reason() {
    clear_outbox("wt-refused");
    fake_fetch("reject");
    let div = fresh_div();
    div.set_attribute("data-endpoint", "https://collector.test")
        .unwrap();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-refused", "拒收"), "zh-CN");
    let root: &Element = &div;
    vote(root, "satisfied").await;
    let shown = wait_text(root, "[data-testid=outbox-refused]", "1 张选票被拒收").await;
    assert!(shown.contains("没有这个选项"), "{shown}");
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    let keys = ballot_keys("wt-refused");
    assert_eq!(keys.len(), 1, "a refused ballot is never dropped");
    let json: serde_json::Value =
        serde_json::from_str(&storage().get_item(&keys[0]).unwrap().unwrap()).unwrap();
    assert_eq!(json["status"], "refused");
    assert_eq!(json["refusal"]["status"], "rejected");
    assert_eq!(json["refusal"]["problems"][0]["code"], "unknown_option");

    // A new mount lists it again from storage, in English too, and does not send it again.
    drop(w);
    div.remove();
    let calls_before = fetch_calls().len();
    let div2 = fresh_div();
    div2.set_attribute("data-endpoint", "https://collector.test")
        .unwrap();
    let _w2 = pingyi::mount(div2.clone(), &tiny_survey("wt-refused", "拒收"), "en");
    let root2: &Element = &div2;
    let shown = wait_text(root2, "[data-testid=outbox-refused]", "1 ballot refused").await;
    assert!(shown.contains("no such option"), "{shown}");
    sleep(100).await;
    assert_eq!(
        fetch_calls().len(),
        calls_before,
        "refused ballots are not resent"
    );
    restore_fetch();
    div2.remove();
}

#[wasm_bindgen_test]
async fn failures_keep_ballots_pending_until_online_and_unmount_stops_everything() {
    clear_outbox("wt-retry");
    fake_fetch("fail");
    let div = fresh_div();
    div.set_attribute("data-endpoint", "https://collector.test")
        .unwrap();
    div.set_attribute("data-retry-base-ms", "60000").unwrap();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-retry", "重试"), "zh-CN");
    let root: &Element = &div;
    vote(root, "satisfied").await;
    wait_text(root, "[data-testid=outbox-pending]", "1 张选票待上传").await;
    wait_for(root, "[data-testid=outbox-error]").await;
    // In words a resident understands, the detail after it.
    let warning = text_of(root, "[data-testid=outbox-error]");
    assert!(
        warning.contains("网络不通") && warning.contains("选票已保存在本机"),
        "{warning}"
    );
    assert_eq!(
        text_of(root, "[data-testid=outbox-error-detail]"),
        "network: Failed to fetch"
    );
    // Backing off: a second ballot waits for the timer rather than hammering the endpoint.
    let n = fetch_calls().len();
    vote(root, "unknown").await;
    wait_text(root, "[data-testid=outbox-pending]", "2 张选票待上传").await;
    sleep(100).await;
    assert_eq!(fetch_calls().len(), n, "no request during the back-off");

    // The browser comes back online: both go at once, in one batch.
    fake_fetch("accept");
    fire_online();
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    let calls = fetch_calls();
    let last: serde_json::Value =
        serde_json::from_str(calls.last().unwrap()["body"].as_str().unwrap()).unwrap();
    assert_eq!(last["ballots"].as_array().unwrap().len(), 2);
    assert!(root
        .query_selector("[data-testid=outbox-error]")
        .unwrap()
        .is_none());

    // The button: a failing ballot, then 立即上传 retries at once.
    fake_fetch("fail");
    vote(root, "satisfied").await;
    wait_for(root, "[data-testid=outbox-error]").await;
    fake_fetch("accept");
    click(root, "[data-testid=outbox-upload-now]").await;
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;

    // After unmount neither the online listener nor a timer sends anything.
    fake_fetch("fail");
    vote(root, "satisfied").await;
    wait_for(root, "[data-testid=outbox-error]").await;
    drop(w);
    div.remove();
    let n = fetch_calls().len();
    fire_online();
    sleep(100).await;
    assert_eq!(
        fetch_calls().len(),
        n,
        "the online listener left with the widget"
    );
    assert_eq!(
        ballot_keys("wt-retry")
            .iter()
            .filter(|k| stored_status(k) == "pending")
            .count(),
        1
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_timeout_reads_as_no_connection() {
    use leptos::prelude::*;
    use pingyi::i18n::Lang;
    use pingyi::outbox::{Outbox, Snapshot};
    use pingyi::views::status::OutboxStatus;
    use pingyi_core::outbox::{Failure, Policy};

    let div = fresh_div();
    let lang = RwSignal::new(Lang::Zh);
    let _handle = leptos::mount::mount_to(div.clone(), move || {
        let store = pingyi::store::Store::open().unwrap();
        let outbox = Outbox::start(&store, "wt-timeout", None, Policy::default());
        outbox.snapshot.set(Snapshot {
            remote: true,
            pending: 1,
            last_error: Some(Failure::Timeout),
            ..Snapshot::default()
        });
        view! { <OutboxStatus outbox lang/> }
    });
    let root: &Element = &div;
    let warning = wait_text(root, "[data-testid=outbox-error]", "网络不通").await;
    assert!(!warning.contains("服务器"), "{warning}");
    assert!(warning.contains("稍后自动重试"), "{warning}");
    assert_eq!(
        text_of(root, "[data-testid=outbox-error-detail]"),
        "timeout"
    );
    lang.set(Lang::En);
    wait_text(root, "[data-testid=outbox-error]", "No connection").await;
    div.remove();
}

#[wasm_bindgen_test]
async fn the_voting_window_answers_are_shown_in_words() {
    clear_outbox("wt-window");
    fake_fetch("not_open");
    let div = fresh_div();
    div.set_attribute("data-endpoint", "https://collector.test")
        .unwrap();
    div.set_attribute("data-retry-base-ms", "60000").unwrap();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-window", "投票窗口"), "zh-CN");
    let root: &Element = &div;
    vote(root, "satisfied").await;
    // Not open yet: kept, retried later, said plainly.
    let warning = wait_text(root, "[data-testid=outbox-error]", "投票尚未开始").await;
    assert!(warning.contains("稍后自动重试"), "{warning}");
    wait_text(root, "[data-testid=outbox-pending]", "1 张选票待上传").await;
    assert_eq!(stored_status(&ballot_keys("wt-window")[0]), "pending");

    // Ended: refused for good, kept on the device and listed with the reason.
    fake_fetch("ended");
    click(root, "[data-testid=outbox-upload-now]").await;
    let refused = wait_text(root, "[data-testid=outbox-refused]", "1 张选票被拒收").await;
    assert!(refused.contains("投票时间已过"), "{refused}");
    let warning = wait_text(root, "[data-testid=outbox-error]", "投票时间已过").await;
    assert!(warning.contains("不会再自动上传"), "{warning}");
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    let keys = ballot_keys("wt-window");
    assert_eq!(keys.len(), 1, "a refused ballot is never dropped");
    assert_eq!(stored_status(&keys[0]), "refused");
    click(root, "[data-testid=lang-toggle]").await;
    wait_text(root, "[data-testid=outbox-error]", "Voting has ended").await;
    drop(w);
    restore_fetch();
    div.remove();
}

#[wasm_bindgen_test]
async fn a_ballot_too_large_on_its_own_is_refused_and_the_next_one_goes_through() {
    clear_outbox("wt-large");
    fake_fetch("too_large");
    let div = fresh_div();
    div.set_attribute("data-endpoint", "https://collector.test")
        .unwrap();
    div.set_attribute("data-retry-base-ms", "60000").unwrap();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-large", "太大"), "zh-CN");
    let root: &Element = &div;
    vote(root, "satisfied").await;
    let refused = wait_text(root, "[data-testid=outbox-refused]", "1 张选票被拒收").await;
    assert!(refused.contains("大小上限"), "{refused}");
    fake_fetch("accept");
    vote(root, "dissatisfied").await;
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    let mut states: Vec<String> = ballot_keys("wt-large")
        .iter()
        .map(|k| stored_status(k))
        .collect();
    states.sort();
    assert_eq!(states, vec!["acked", "refused"]);
    drop(w);
    restore_fetch();
    div.remove();
}

#[wasm_bindgen_test]
async fn the_form_refuses_to_cast_outside_the_voting_window() {
    for (id, window, words) in [
        (
            "wt-ended",
            r#""closes_at":"2020-01-01T00:00:00Z","#,
            "投票时间已过",
        ),
        (
            "wt-early",
            r#""opens_at":"2099-01-01T00:00:00Z","#,
            "投票尚未开始",
        ),
    ] {
        clear_outbox(id);
        let json = tiny_survey(id, "窗口").replacen(r#""unit""#, &format!(r#"{window}"unit""#), 1);
        let div = fresh_div();
        let w = pingyi::mount(div.clone(), &json, "zh-CN");
        let root: &Element = &div;
        click(root, "[data-question=q_sat] input[value=satisfied]").await;
        submit(root).await;
        let shown = wait_text(root, "[data-testid=survey-form]", words).await;
        assert!(shown.contains(words), "{shown}");
        assert!(
            ballot_keys(id).is_empty(),
            "nothing is cast outside the window"
        );
        drop(w);
        div.remove();
    }
}

#[wasm_bindgen_test]
async fn nearly_full_storage_is_reported_before_voting() {
    clear_outbox("wt-prefull");
    let s = storage();
    let mut fillers = Vec::new();
    // Fill with chunks of 4 KiB and more until none fits, then with smaller ones until even a few
    // bytes do not fit, and free the smaller ones again: the room left is less than one probe
    // (4 KiB) but more than a one-byte write, whatever earlier tests left in storage.
    let fill = |from: usize, to: usize, fillers: &mut Vec<String>| {
        let mut size = from;
        let mut added = Vec::new();
        while size >= to {
            let key = format!("wt-prefiller/{}", fillers.len() + added.len());
            if s.set_item(&key, &"x".repeat(size)).is_ok() {
                added.push(key);
            } else {
                size /= 2;
            }
        }
        added
    };
    let big = fill(1 << 20, 4096, &mut fillers);
    fillers.extend(big);
    let small = fill(2048, 8, &mut fillers);
    for k in &small {
        s.remove_item(k).unwrap();
    }
    let div = fresh_div();
    let _w = pingyi::mount(div.clone(), &tiny_survey("wt-prefull", "存储将满"), "zh-CN");
    let root: &Element = &div;
    // Poll without panicking, so the fillers are removed whatever happens (a panic here would
    // leave the storage full for every later test).
    let deadline = js_sys::Date::now() + 5000.0;
    let mut shown = None;
    while shown.is_none() && js_sys::Date::now() < deadline {
        shown = root
            .query_selector("[data-testid=storage-error]")
            .unwrap()
            .and_then(|e| e.text_content());
        sleep(20).await;
    }
    let form = root.query_selector("[data-testid=survey-form]").unwrap();
    for k in &fillers {
        let _ = s.remove_item(k);
    }
    let shown = shown.unwrap_or_else(|| panic!("no storage error; DOM: {}", root.inner_html()));
    assert!(shown.contains("存储空间已满"), "{shown}");
    assert!(
        form.is_none(),
        "the form is not offered when the ballot could not be saved"
    );
    div.remove();
}

// ---------------------------------------------------------------- integrity
// What a personal phone keeps once a ballot is acknowledged, where a link may send ballots,
// device ids, and ballot codes in the address bar.

/// Mounts `survey_json` the way a personal-mode link does (one ballot per phone), sending to
/// `endpoint` if given.
fn mount_personal(div: &HtmlElement, survey_json: &str, endpoint: Option<&str>) -> pingyi::Widget {
    let config = pingyi::embed::Config {
        source: pingyi::embed::SurveySource::Inline(survey_json.to_string()),
        endpoint: endpoint.map(String::from),
        one_per_device: true,
        ..pingyi::embed::Config::from_attributes(div)
    };
    pingyi::mount_with(div.clone(), config)
}

fn stored_json(key: &str) -> serde_json::Value {
    serde_json::from_str(&storage().get_item(key).unwrap().unwrap()).unwrap()
}

#[wasm_bindgen_test]
async fn a_personal_phone_keeps_only_the_receipt_once_the_collector_has_the_ballot() {
    clear_outbox("wt-mine");
    fake_fetch("accept");
    let div = fresh_div();
    let w = mount_personal(
        &div,
        &tiny_survey("wt-mine", "本人手机"),
        Some("https://collector.test"),
    );
    let root: &Element = &div;
    click(root, "[data-question=q_sat] input[value=dissatisfied]").await;
    submit(root).await;
    let receipt = wait_for(root, "[data-testid=receipt]")
        .await
        .text_content()
        .unwrap();
    // One's own phone offers no second ballot: the receipt and the upload status only.
    assert!(root
        .query_selector("[data-testid=vote-again]")
        .unwrap()
        .is_none());
    assert!(text_of(root, "[data-testid=kept-after-upload]").contains("只保留回执码"));
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    let keys = ballot_keys("wt-mine");
    assert_eq!(keys.len(), 1);
    let kept = stored_json(&keys[0]);
    let id = keys[0].rsplit('/').next().unwrap();
    assert_eq!(
        kept,
        serde_json::json!({"id": id, "status": "acked", "receipt": receipt,
            "endpoint": "https://collector.test"}),
        "no answers stay once the collector has the ballot"
    );
    drop(w);
    div.remove();

    // Next visit: "您已投过票" with the receipt, and no form.
    let div = fresh_div();
    let _w = mount_personal(
        &div,
        &tiny_survey("wt-mine", "本人手机"),
        Some("https://collector.test"),
    );
    let root: &Element = &div;
    assert!(wait_text(root, "[data-testid=already-voted]", "您已投过票")
        .await
        .contains(&receipt));
    assert!(root
        .query_selector("[data-testid=survey-form]")
        .unwrap()
        .is_none());
    restore_fetch();
    div.remove();
}

#[wasm_bindgen_test]
async fn a_shared_device_keeps_only_id_and_status_and_offers_the_next_ballot() {
    clear_outbox("wt-shared");
    fake_fetch("accept");
    let div = fresh_div();
    div.set_attribute("data-endpoint", "https://collector.test")
        .unwrap();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-shared", "共用"), "zh-CN");
    let root: &Element = &div;
    vote(root, "dissatisfied").await; // clicks 再投一票, offered here
    wait_text(root, "[data-testid=outbox-pending]", "全部已上传").await;
    let keys = ballot_keys("wt-shared");
    assert_eq!(keys.len(), 1);
    let id = keys[0].rsplit('/').next().unwrap();
    assert_eq!(
        stored_json(&keys[0]),
        serde_json::json!({"id": id, "status": "acked"})
    );
    drop(w);
    restore_fetch();
    div.remove();
}

#[wasm_bindgen_test]
async fn a_local_only_phone_keeps_its_answers() {
    clear_outbox("wt-alone");
    let div = fresh_div();
    let w = mount_personal(&div, &tiny_survey("wt-alone", "仅本机"), None);
    let root: &Element = &div;
    click(root, "[data-question=q_sat] input[value=dissatisfied]").await;
    submit(root).await;
    wait_for(root, "[data-testid=receipt]").await;
    let keys = ballot_keys("wt-alone");
    let (ballot, status) = stored_ballot(&keys[0]);
    assert_eq!(status, "pending");
    assert_eq!(ballot.answers.len(), 1, "the phone holds the only copy");
    drop(w);
    div.remove();
}

#[wasm_bindgen_test]
async fn already_voted_counts_only_ballots_for_this_collector_and_old_records_lose_answers() {
    clear_outbox("wt-keyed");
    fake_fetch("fail");
    let other = format!("pingyi/v1/wt-keyed/ballot/{}", "b-other");
    storage()
        .set_item(
            &other,
            r#"{"id":"b-other","status":"acked","receipt":"AAAA-BBBB","endpoint":"https://elsewhere.test"}"#,
        )
        .unwrap();
    let div = fresh_div();
    let w = mount_personal(
        &div,
        &tiny_survey("wt-keyed", "换服务器"),
        Some("https://collector.test"),
    );
    wait_for(&div, "[data-testid=survey-form]").await;
    drop(w);
    div.remove();

    // An acknowledged ballot an older widget kept in full: it counts (no collector named) and
    // its answers go at the next start.
    let old = "pingyi/v1/wt-keyed/ballot/b-old";
    let ballot = r#"{"id":"b-old","survey_id":"wt-keyed","survey_version":1,"cast_at":"2026-11-27T19:30:00.000Z","device":"","channel":"digital","answers":{"q_sat":{"choice":"dissatisfied"}}}"#;
    storage()
        .set_item(old, &format!(r#"{{"ballot":{ballot},"status":"acked"}}"#))
        .unwrap();
    let receipt = serde_json::from_str::<Ballot>(ballot).unwrap().receipt();
    let div = fresh_div();
    let _w = mount_personal(
        &div,
        &tiny_survey("wt-keyed", "换服务器"),
        Some("https://collector.test"),
    );
    assert!(wait_text(&div, "[data-testid=already-voted]", "您已投过票")
        .await
        .contains(&receipt));
    assert_eq!(
        stored_json(old),
        serde_json::json!({"id": "b-old", "status": "acked", "receipt": receipt})
    );
    restore_fetch();
    div.remove();
    clear("wt-keyed");
}

/// Puts `url` (relative) in the address bar; returns what was there.
fn set_address(url: &str) -> String {
    let window = web_sys::window().unwrap();
    let before = window.location().href().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(url))
        .unwrap();
    before
}

fn link_div() -> HtmlElement {
    let div = fresh_div();
    div.set_attribute("data-from-link", "").unwrap();
    div
}

#[wasm_bindgen_test]
async fn a_link_to_an_unapproved_collector_loads_and_sends_nothing() {
    use pingyi::embed::{Config, SurveySource};
    fake_fetch("accept");
    let before = set_address("?s=wt-hijack&endpoint=https://evil.test/");
    let div = link_div();
    let config = Config::from_element(&div);
    assert_eq!(config.refused_link.as_deref(), Some("https://evil.test"));
    assert_eq!(
        (config.endpoint.clone(), config.fallback_endpoint.clone()),
        (None, None)
    );
    let w = pingyi::mount_with(div.clone(), config);
    let shown = wait_text(&div, "[data-testid=load-error]", "未经批准的服务器").await;
    assert!(shown.contains("https://evil.test"), "{shown}");
    click(&div, "[data-testid=lang-toggle]").await;
    wait_text(&div, "[data-testid=load-error]", "not approved").await;
    sleep(50).await;
    assert!(fetch_calls().is_empty(), "{:?}", fetch_calls());
    drop(w);
    div.remove();

    // Tricks that name another origin are refused too.
    for link in [
        "?s=wt-hijack&endpoint=//evil.test",
        "?s=wt-hijack&endpoint=https://ok.test@evil.test",
        "?s=wt-hijack&endpoint=javascript:alert(1)",
    ] {
        set_address(link);
        let div = link_div();
        assert!(Config::from_element(&div).refused_link.is_some(), "{link}");
        div.remove();
    }

    // The page's own origin, and origins the operator approves, are fine.
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    set_address(&format!("?s=wt-hijack&endpoint={origin}/"));
    let div = link_div();
    let c = Config::from_element(&div);
    assert_eq!(c.refused_link, None);
    assert_eq!(
        c.source,
        SurveySource::Url(format!("{origin}/v1/surveys/wt-hijack"))
    );
    div.remove();

    set_address("?s=wt-hijack&endpoint=https://OK.test:443/pingyi");
    let meta = document().create_element("meta").unwrap();
    meta.set_attribute("name", "pingyi-endpoints").unwrap();
    meta.set_attribute("content", "https://a.test  https://ok.test")
        .unwrap();
    document().head().unwrap().append_child(&meta).unwrap();
    let div = link_div();
    let c = Config::from_element(&div);
    meta.remove();
    assert_eq!(c.refused_link, None);
    assert_eq!(c.endpoint.as_deref(), Some("https://OK.test:443/pingyi"));
    div.remove();

    let div = link_div();
    assert!(
        Config::from_element(&div).refused_link.is_some(),
        "meta gone"
    );
    div.set_attribute("data-allowed-endpoints", "https://ok.test/")
        .unwrap();
    assert_eq!(Config::from_element(&div).refused_link, None);
    // The embedding page's own data-endpoint is its owner's choice.
    div.remove();
    set_address("?s=wt-hijack");
    let div = link_div();
    div.set_attribute("data-endpoint", "https://anywhere.test")
        .unwrap();
    let c = Config::from_element(&div);
    assert_eq!(c.refused_link, None);
    assert_eq!(c.endpoint.as_deref(), Some("https://anywhere.test"));
    div.remove();
    set_address(&before);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_ballot_code_is_read_from_the_fragment_first_and_leaves_the_address_bar() {
    use pingyi::embed::Config;
    let before = set_address("?s=wt-frag&x=1#code=7K3M-Q9XZ");
    let div = link_div();
    div.remove();
    let c = Config::from_element(&div);
    let href = web_sys::window().unwrap().location().href().unwrap();
    assert_eq!(c.code.as_deref(), Some("7K3M-Q9XZ"));
    assert!(!href.contains("7K3M") && !href.contains('#'), "{href}");
    assert!(href.ends_with("?s=wt-frag&x=1"), "{href}");

    set_address("?s=wt-frag&code=AAAA-BBBB#code=7K3M-Q9XZ&y=2");
    let c = Config::from_element(&div);
    let href = web_sys::window().unwrap().location().href().unwrap();
    assert_eq!(c.code.as_deref(), Some("7K3M-Q9XZ"), "the fragment wins");
    assert!(!href.contains("code"), "{href}");
    assert!(href.ends_with("?s=wt-frag#y=2"), "{href}");

    // Older slips: ?code= still works.
    set_address("?s=wt-frag&code=AAAA-BBBB");
    let c = Config::from_element(&div);
    let href = web_sys::window().unwrap().location().href().unwrap();
    assert_eq!(c.code.as_deref(), Some("AAAA-BBBB"));
    assert!(href.ends_with("?s=wt-frag"), "{href}");
    set_address(&before);
}

#[wasm_bindgen_test]
async fn device_ids_are_the_widgets_own_and_anonymous_ballots_carry_none() {
    const KEY: &str = "pingyi/v1/device";
    storage().set_item(KEY, "user-42").unwrap();
    let store = pingyi::store::Store::open().unwrap();
    let id = store.device_id().unwrap();
    assert!(pingyi::store::is_device_id(&id), "{id}");
    assert_eq!(
        storage().get_item(KEY).unwrap().as_deref(),
        Some(id.as_str())
    );
    assert_eq!(store.device_id().unwrap(), id, "kept once made");
    storage()
        .set_item(KEY, "3B0E4A5C-2F71-4D8E-8D6A-52F0C1E9A7B4")
        .unwrap();
    assert_ne!(
        store.device_id().unwrap(),
        "3B0E4A5C-2F71-4D8E-8D6A-52F0C1E9A7B4"
    );

    // tiny_survey is anonymous (the default): its ballot names no device.
    clear("wt-anon");
    let div = fresh_div();
    let w = pingyi::mount(div.clone(), &tiny_survey("wt-anon", "无记名"), "zh-CN");
    click(&div, "[data-question=q_sat] input[value=satisfied]").await;
    submit(&div).await;
    wait_for(&div, "[data-testid=receipt]").await;
    assert_eq!(stored_ballot(&ballot_keys("wt-anon")[0]).0.device, "");
    drop(w);
    div.remove();

    // A named survey's ballot carries this device's id.
    clear("wt-named");
    let named = tiny_survey("wt-named", "记名").replacen(
        r#""version":1,"#,
        r#""version":1,"anonymous":false,"#,
        1,
    );
    let device = store.device_id().unwrap();
    let div = fresh_div();
    let w = pingyi::mount(div.clone(), &named, "zh-CN");
    click(&div, "[data-question=q_sat] input[value=satisfied]").await;
    submit(&div).await;
    wait_for(&div, "[data-testid=receipt]").await;
    assert_eq!(stored_ballot(&ballot_keys("wt-named")[0]).0.device, device);
    drop(w);
    div.remove();
}

#[wasm_bindgen_test]
async fn a_ballot_is_cast_only_after_the_resident_confirms_the_summary() {
    clear("wt-confirm");
    let div = fresh_div();
    let _w = pingyi::mount(div.clone(), &tiny_survey("wt-confirm", "核对测试"), "zh-CN");
    let root: &Element = &div;
    click(root, "[data-question=q_sat] input[value=dissatisfied]").await;
    click(root, "[data-testid=submit]").await;

    // 请核对您的选择: the question and the answer in words; nothing stored yet.
    let summary = wait_for(root, "[data-testid=confirm]").await;
    assert_eq!(text_of(root, "[data-testid=confirm] dt"), "环境卫生");
    assert_eq!(text_of(root, "[data-testid=confirm] dd"), "不满意");
    assert!(summary.text_content().unwrap().contains("请核对您的选择"));
    assert_eq!(text_of(root, "[data-testid=confirm-submit]"), "确认提交");
    assert_eq!(text_of(root, "[data-testid=confirm-back]"), "返回修改");
    let section = wait_for(root, "[data-testid=form-section]").await;
    assert!(
        section.class_name().contains("py-off"),
        "the questions give way to the summary"
    );
    assert!(
        ballot_keys("wt-confirm").is_empty(),
        "nothing stored before 确认提交"
    );

    // In English too.
    click(root, "[data-testid=lang-toggle]").await;
    assert_eq!(
        text_of(root, "[data-testid=confirm-submit]"),
        "Confirm and submit"
    );
    assert_eq!(
        text_of(root, "[data-testid=confirm-back]"),
        "Go back and change"
    );
    assert_eq!(text_of(root, "[data-testid=confirm] dd"), "Dissatisfied");
    click(root, "[data-testid=lang-toggle]").await;

    // 返回修改: back to the form with the answer kept; change it and confirm.
    click(root, "[data-testid=confirm-back]").await;
    let kept = wait_for(root, "[data-question=q_sat] input[value=dissatisfied]").await;
    assert!(kept.unchecked_into::<web_sys::HtmlInputElement>().checked());
    assert!(root
        .query_selector("[data-testid=confirm]")
        .unwrap()
        .is_none());
    assert!(!section.class_name().contains("py-off"));
    click(root, "[data-question=q_sat] input[value=satisfied]").await;
    click(root, "[data-testid=submit]").await;
    assert_eq!(text_of(root, "[data-testid=confirm] dd"), "满意");
    click(root, "[data-testid=confirm-submit]").await;
    wait_for(root, "[data-testid=receipt]").await;
    let keys = ballot_keys("wt-confirm");
    assert_eq!(keys.len(), 1);
    assert!(stored_ballot(&keys[0]).0.answers.get("q_sat").is_some());
}

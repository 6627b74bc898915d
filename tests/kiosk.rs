//! Browser tests of kiosk mode (feature `kiosk`) in headless Chromium.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=180 cargo test -p pingyi
//! --target wasm32-unknown-unknown --features kiosk --test kiosk`
#![cfg(feature = "kiosk")]

use std::collections::BTreeSet;

use pingyi::embed::{Config, SurveySource};
use pingyi::kiosk::{self, KioskRecord, PinAttempt};
use pingyi_core::codes::{code_hash, code_hint, CodeError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn clear(survey_id: &str) {
    for k in keys_with_prefix(&format!("pingyi/v1/{survey_id}/")) {
        storage().remove_item(&k).unwrap();
    }
}

fn survey(id: &str) -> String {
    format!(
        r#"{{"format":"pingyi/1","id":"{id}","version":1,"title":{{"zh":"信息亭测试"}},"unit":"测试湾",
        "sections":[{{"id":"s1","title":{{"zh":"满意度"}},"questions":[
        {{"id":"q_sat","title":{{"zh":"环境卫生"}},"kind":"scale","preset":"satisfaction"}}]}}]}}"#
    )
}

/// A kiosk for `survey_id`, local-only, in a fresh element.
fn mount(survey_id: &str) -> (Element, Box<dyn std::any::Any>) {
    mount_with(survey_id, &[])
}

/// [`mount`] on an element carrying these `data-*` attributes (set before mounting).
fn mount_with(survey_id: &str, attributes: &[&str]) -> (Element, Box<dyn std::any::Any>) {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    for name in attributes {
        el.set_attribute(name, "").unwrap();
    }
    let config = Config {
        source: SurveySource::Inline(survey(survey_id)),
        ..Config::from_attributes(&el)
    };
    let handle = kiosk::mount(el.clone(), config);
    (el.into(), handle)
}

/// A kiosk with this configuration in a fresh element.
fn mount_config(config: Config) -> (Element, Box<dyn std::any::Any>) {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    let handle = kiosk::mount(el.clone(), config);
    (el.into(), handle)
}

async fn set_up(root: &Element, pin: &str) {
    type_text(root, "[data-testid=kiosk-pin-new]", pin).await;
    type_text(root, "[data-testid=kiosk-pin-confirm]", pin).await;
    click(root, "[data-testid=kiosk-setup-start]").await;
    wait_for(root, "[data-testid=kiosk-welcome]").await;
}

async fn pin(root: &Element, pin: &str) {
    for d in pin.chars() {
        click(root, &format!("[data-testid=kiosk-digit-{d}]")).await;
    }
    click(root, "[data-testid=kiosk-pin-ok]").await;
}

#[wasm_bindgen_test]
async fn a_kiosk_reset_leaves_nothing_of_the_previous_voter() {
    let id = "wt-kiosk-reset";
    clear(id);
    let (root, _handle) = mount(id);
    set_up(&root, "2468").await;

    click(&root, "[data-testid=kiosk-begin]").await;
    let form = wait_for(&root, "[data-testid=kiosk-vote][data-voter='1'] form").await;
    assert_eq!(form.get_attribute("autocomplete").as_deref(), Some("off"));
    click(&root, "[data-question=q_sat] input[value=dissatisfied]").await;
    submit(&root).await;
    let receipt = wait_for(&root, "[data-testid=kiosk-receipt]")
        .await
        .text_content()
        .unwrap();
    assert_eq!(receipt.len(), 9, "{receipt}");
    click(&root, "[data-testid=kiosk-done]").await;

    wait_for(&root, "[data-testid=kiosk-welcome]").await;
    let html = root.inner_html();
    assert!(!html.contains(&receipt), "receipt left behind: {html}");
    assert!(!html.contains("kiosk-vote"), "form left behind: {html}");
    assert!(root.query_selector("input:checked").unwrap().is_none());
    assert_eq!(
        wait_for(&root, "[data-testid=kiosk-count]")
            .await
            .get_attribute("data-count")
            .as_deref(),
        Some("1")
    );
    // The ballot is stored (pending: no collector) with its answers, for safety.
    let stored: Vec<String> = {
        let s = storage();
        (0..s.length().unwrap())
            .filter_map(|i| s.key(i).unwrap())
            .filter(|k| k.starts_with(&format!("pingyi/v1/{id}/ballot/")))
            .map(|k| s.get_item(&k).unwrap().unwrap())
            .collect()
    };
    assert_eq!(stored.len(), 1);
    assert!(stored[0].contains("dissatisfied") && stored[0].contains("pending"));

    // The next voter: a new form (voter 2), nothing checked.
    click(&root, "[data-testid=kiosk-begin]").await;
    wait_for(
        &root,
        "[data-testid=kiosk-vote][data-voter='2'] [data-question=q_sat]",
    )
    .await;
    assert!(root.query_selector("input:checked").unwrap().is_none());
    assert!(!root.inner_html().contains(&receipt));
    root.remove();
}

#[wasm_bindgen_test]
async fn the_organiser_sets_large_text_for_the_whole_tablet() {
    let id = "wt-kiosk-elder";
    clear(id);
    let (root, _handle) = mount(id);
    assert!(!find(&root, "[data-testid=pingyi]")
        .class_list()
        .contains("elder"));
    let (elder, _elder_handle) = mount_with(id, &["data-elder"]);
    wait_for(&elder, "[data-testid=kiosk-pin-new]").await;
    assert!(find(&elder, "[data-testid=pingyi]")
        .class_list()
        .contains("elder"));
    clear(id);
}

#[wasm_bindgen_test]
async fn the_organiser_panel_needs_the_pin() {
    let id = "wt-kiosk-pin";
    clear(id);
    let (root, _handle) = mount(id);
    // A PIN must be 4 to 8 digits.
    type_text(&root, "[data-testid=kiosk-pin-new]", "12").await;
    type_text(&root, "[data-testid=kiosk-pin-confirm]", "12").await;
    click(&root, "[data-testid=kiosk-setup-start]").await;
    wait_for(&root, "[data-testid=kiosk-setup-error]").await;
    set_up(&root, "97531").await;
    let rec = storage().get_item(&kiosk::kiosk_key(id)).unwrap().unwrap();
    assert!(!rec.contains("97531"), "{rec}");

    click(&root, "[data-testid=kiosk-organiser]").await;
    pin(&root, "1234").await;
    wait_for(&root, "[data-testid=kiosk-pin-error]").await;
    assert!(root
        .query_selector("[data-testid=kiosk-panel]")
        .unwrap()
        .is_none());
    pin(&root, "97531").await;
    wait_for(&root, "[data-testid=kiosk-panel]").await;
    click(&root, "[data-testid=kiosk-exit]").await;
    wait_for(&root, "[data-testid=kiosk-exited]").await;
    assert!(storage().get_item(&kiosk::kiosk_key(id)).unwrap().is_none());
    root.remove();
}

#[wasm_bindgen_test]
fn codes_are_checked_locally_against_hints() {
    let sid = "wt-kiosk-codes";
    let mut rec = KioskRecord::with_pin("1234");
    assert!(rec.pin_ok("1234") && !rec.pin_ok("4321"));
    rec.hints = BTreeSet::from([
        code_hint(&code_hash(sid, "7K3M-Q9XZ")),
        code_hint(&code_hash(sid, "ABCD-EFGH")),
    ]);
    let ok = rec.check(sid, "7k3m q9xz").unwrap();
    assert_eq!(ok, code_hash(sid, "7K3M-Q9XZ"));
    // A typo: its hint is not one of the slips'.
    assert_eq!(rec.check(sid, "7K3M-Q9XY"), Err(CodeError::Unknown));
    assert_eq!(rec.check(sid, "AAAA-AAAA"), Err(CodeError::Unknown));
    assert_eq!(rec.check(sid, "12"), Err(CodeError::Unknown));
    assert_eq!(
        rec.check("other-survey", "7K3M-Q9XZ"),
        Err(CodeError::Unknown)
    );
    rec.used.insert(ok);
    assert_eq!(rec.check(sid, "7K3M-Q9XZ"), Err(CodeError::Used));
    assert!(rec.check(sid, "ABCD-EFGH").is_ok());
    // Without loaded hints: only the form and this device's used set.
    let mut bare = KioskRecord::with_pin("1234");
    assert!(bare.check(sid, "AAAA-AAAA").is_ok());
    assert_eq!(bare.check(sid, "AAAA"), Err(CodeError::Unknown));
    bare.used.insert(code_hash(sid, "AAAA-AAAA"));
    assert_eq!(bare.check(sid, "aaaa-aaaa"), Err(CodeError::Used));
    // Saved and loaded; what is stored holds no code hash of an unused code.
    clear(sid);
    assert!(rec.save(sid));
    assert_eq!(KioskRecord::load(sid), Some(rec));
    let stored = storage().get_item(&kiosk::kiosk_key(sid)).unwrap().unwrap();
    assert!(!stored.contains(&code_hash(sid, "ABCD-EFGH")), "{stored}");
    clear(sid);
}

#[wasm_bindgen_test]
fn a_record_with_code_hashes_from_an_older_kiosk_keeps_only_hints() {
    let sid = "wt-kiosk-old-record";
    clear(sid);
    let (a, b) = (code_hash(sid, "7K3M-Q9XZ"), code_hash(sid, "ABCD-EFGH"));
    let old = KioskRecord::with_pin("1234");
    let text = format!(
        r#"{{"salt":"{}","pin_hash":"{}","hashes":["{a}","{b}"],"used":[],"ended":false}}"#,
        old.salt, old.pin_hash
    );
    storage().set_item(&kiosk::kiosk_key(sid), &text).unwrap();
    let rec = KioskRecord::load(sid).unwrap();
    assert!(rec.pin_ok("1234"));
    assert_eq!(rec.hints, BTreeSet::from([code_hint(&a), code_hint(&b)]));
    assert!(rec.check(sid, "ABCD-EFGH").is_ok());
    let stored = storage().get_item(&kiosk::kiosk_key(sid)).unwrap().unwrap();
    assert!(!stored.contains(&a) && !stored.contains(&b), "{stored}");
    clear(sid);
}

#[wasm_bindgen_test]
fn wrong_pins_make_the_pad_wait_longer_each_time() {
    assert_eq!(
        (1..=9).map(kiosk::pin_wait_seconds).collect::<Vec<_>>(),
        vec![0, 0, 0, 0, 30, 60, 120, 240, 480]
    );
    assert_eq!(kiosk::pin_wait_seconds(100), 3600);
    let mut rec = KioskRecord::with_pin("2468");
    let t0 = 1_800_000_000_000.0;
    for _ in 0..4 {
        assert_eq!(rec.try_pin("1111", t0), PinAttempt::Wrong);
    }
    assert_eq!(rec.try_pin("1111", t0), PinAttempt::Locked { seconds: 30 });
    // While waiting, even the right PIN is not taken.
    assert_eq!(
        rec.try_pin("2468", t0 + 10_000.0),
        PinAttempt::Locked { seconds: 20 }
    );
    assert_eq!(
        rec.try_pin("1111", t0 + 30_000.0),
        PinAttempt::Locked { seconds: 60 }
    );
    assert_eq!(rec.try_pin("2468", t0 + 90_000.0), PinAttempt::Right);
    assert_eq!((rec.pin_failures, rec.pin_wait(t0 + 90_000.0)), (0, 0));
    assert_eq!(rec.try_pin("1111", t0 + 90_000.0), PinAttempt::Wrong);
}

#[wasm_bindgen_test]
async fn the_pin_pad_shows_the_wait_and_a_reload_keeps_it() {
    let id = "wt-kiosk-pin-wait";
    clear(id);
    let (root, handle) = mount(id);
    set_up(&root, "97531").await;
    click(&root, "[data-testid=kiosk-organiser]").await;
    for _ in 0..4 {
        pin(&root, "1234").await;
        wait_for(&root, "[data-testid=kiosk-pin-error]").await;
    }
    pin(&root, "1234").await;
    let wait = wait_for(&root, "[data-testid=kiosk-pin-wait]").await;
    assert_eq!(wait.get_attribute("data-seconds").as_deref(), Some("30"));
    let text = wait.text_content().unwrap();
    assert!(text.contains("30 秒后再试"), "{text}");
    // The right PIN while waiting does not open the panel.
    pin(&root, "97531").await;
    assert!(root
        .query_selector("[data-testid=kiosk-panel]")
        .unwrap()
        .is_none());
    drop(handle);
    root.remove();

    // A reload: the pad still waits, and says so at once.
    let (root, _handle) = mount(id);
    click(&root, "[data-testid=kiosk-organiser]").await;
    let wait = wait_for(&root, "[data-testid=kiosk-pin-wait]").await;
    let left: u64 = wait.get_attribute("data-seconds").unwrap().parse().unwrap();
    assert!((1..=30).contains(&left), "{left}");
    pin(&root, "97531").await;
    assert!(root
        .query_selector("[data-testid=kiosk-panel]")
        .unwrap()
        .is_none());
    let rec = KioskRecord::load(id).unwrap();
    assert!(rec.pin_failures >= 5 && rec.pin_locked_until > 0);
    root.remove();
    clear(id);
}

#[wasm_bindgen_test]
fn acknowledged_ballots_are_stripped_to_id_and_status() {
    let sid = "wt-kiosk-strip";
    clear(sid);
    let s = storage();
    let ballot = |id: &str, status: &str| {
        format!(
            r#"{{"ballot":{{"id":"{id}","survey_id":"{sid}","survey_version":1,"cast_at":"2026-11-27T19:30:00.000Z","device":"d","channel":"digital","answers":{{"q_sat":{{"choice":"dissatisfied"}}}}}},"status":"{status}"}}"#
        )
    };
    s.set_item(&format!("pingyi/v1/{sid}/ballot/a"), &ballot("a", "acked"))
        .unwrap();
    s.set_item(
        &format!("pingyi/v1/{sid}/ballot/p"),
        &ballot("p", "pending"),
    )
    .unwrap();
    assert_eq!(kiosk::strip_acked(sid), 1);
    assert_eq!(
        s.get_item(&format!("pingyi/v1/{sid}/ballot/a"))
            .unwrap()
            .unwrap(),
        r#"{"id":"a","status":"acked"}"#
    );
    assert!(s
        .get_item(&format!("pingyi/v1/{sid}/ballot/p"))
        .unwrap()
        .unwrap()
        .contains("dissatisfied"));
    assert_eq!(kiosk::count_ballots(sid), 2);
    let _ = JsValue::NULL;
    clear(sid);
}

#[wasm_bindgen_test]
async fn a_kiosk_lists_what_is_wrong_with_a_survey_file_as_the_widget_does() {
    let (root, _handle) = mount_config(Config {
        source: SurveySource::Inline(r#"{"format":"pingyi/1","id":"wt-kiosk-bad"}"#.into()),
        ..Config::from_attributes(&document().create_element("div").unwrap())
    });
    let problems = wait_for(
        &root,
        "[data-testid=load-error] [data-testid=survey-problems]",
    )
    .await;
    assert!(problems.query_selector("li").unwrap().is_some());
    assert!(root
        .query_selector("[data-testid=kiosk-setup]")
        .unwrap()
        .is_none());
    root.remove();
}

#[wasm_bindgen_test]
async fn a_kiosk_link_to_an_unapproved_collector_loads_nothing() {
    let id = "wt-kiosk-refused";
    clear(id);
    let (root, _handle) = mount_config(Config {
        source: SurveySource::Inline(survey(id)),
        refused_link: Some("https://elsewhere.test".into()),
        ..Config::from_attributes(&document().create_element("div").unwrap())
    });
    let error = wait_for(&root, "[data-testid=link-refused]").await;
    assert!(error.text_content().unwrap().contains("未经批准的服务器"));
    assert!(root
        .query_selector("[data-testid=kiosk-setup]")
        .unwrap()
        .is_none());
    assert!(keys_with_prefix(&format!("pingyi/v1/{id}/")).is_empty());
    root.remove();
}

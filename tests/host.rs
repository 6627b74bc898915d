//! Browser tests of the host-page glue (`pingyi::host`) in headless Chromium: the options a
//! `<pingyi-survey>` hands over, the events on the host element, and unmounting.
//!
//! Run like tests/widget.rs, with `--test host`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn element(tag: &str) -> HtmlElement {
    let el = document()
        .create_element(tag)
        .unwrap()
        .unchecked_into::<HtmlElement>();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

fn survey(id: &str) -> String {
    format!(
        r#"{{"format":"pingyi/1","id":"{id}","version":3,"title":{{"zh":"宿主测试","en":"Host test"}},"unit":"测试湾",
        "sections":[{{"id":"s1","title":{{"zh":"第一部分"}},"questions":[
          {{"id":"q_sat","title":{{"zh":"环境卫生"}},"kind":"scale","preset":"satisfaction"}}]}}]}}"#
    )
}

/// Records the `pingyi:*` events that reach `target` (type and detail as JSON).
fn record(target: &web_sys::EventTarget) -> Rc<RefCell<Vec<String>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    for kind in [
        "pingyi:ready",
        "pingyi:cast",
        "pingyi:synced",
        "pingyi:error",
    ] {
        let seen = seen.clone();
        let f = Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            let detail = js_sys::JSON::stringify(&e.detail()).unwrap();
            seen.borrow_mut()
                .push(format!("{} {}", e.type_(), String::from(detail)));
        });
        target
            .add_event_listener_with_callback(kind, f.as_ref().unchecked_ref())
            .unwrap();
        f.forget();
    }
    seen
}

#[wasm_bindgen_test]
async fn options_without_data_prefix_configure_the_widget_and_events_reach_the_host() {
    let host = element("section");
    let target = element("div");
    let seen = record(&document().unchecked_into());
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"lang".into(), &"en".into()).unwrap();
    js_sys::Reflect::set(&options, &"elder".into(), &"".into()).unwrap();
    // The JSON options' `document`: the survey itself.
    js_sys::Reflect::set(&options, &"document".into(), &survey("host-opts").into()).unwrap();
    let mut widget = pingyi::host::mount_element(
        target.clone(),
        host.clone().into(),
        options.into(),
        None,
        None,
    );
    wait_for(&target, "[data-testid=survey-form]").await;
    assert_eq!(
        find(&target, ".py-title").text_content().unwrap(),
        "Host test"
    );
    assert!(find(&target, ".pingyi").class_list().contains("elder"));
    // Heard on the document: the event bubbles from the host element.
    assert_eq!(
        *seen.borrow(),
        vec![r#"pingyi:ready {"survey":"host-opts","version":3}"#.to_string()]
    );
    widget.unmount();
    assert!(
        target.query_selector(".pingyi").unwrap().is_none(),
        "unmounted"
    );
}

#[wasm_bindgen_test]
fn a_survey_option_names_a_published_survey_and_its_collector() {
    let options = |name: &str| match name {
        "survey" => Some("village 1".to_string()),
        "collector" => Some("https://collector.example/".to_string()),
        _ => None,
    };
    let config = pingyi::embed::Config::from_lookup(&options);
    assert_eq!(
        config.source,
        pingyi::embed::SurveySource::Url("https://collector.example/v1/surveys/village%201".into())
    );
    assert_eq!(
        config.fallback_endpoint.as_deref(),
        Some("https://collector.example/")
    );
    let invalid = pingyi::embed::Config::from_lookup(&|name: &str| {
        (name == "invalid").then(|| "x".to_string())
    });
    assert!(
        matches!(invalid.source, pingyi::embed::SurveySource::Misconfigured(m) if m.contains("JSON"))
    );
}

#[wasm_bindgen_test]
async fn the_loaders_copy_of_a_src_survey_is_used_instead_of_fetching_it() {
    let host = element("section");
    let target = element("div");
    let options = js_sys::Object::new();
    // Nothing answers at this address: the widget must not fetch it.
    js_sys::Reflect::set(&options, &"src".into(), &"/nowhere/survey.json".into()).unwrap();
    let _widget = pingyi::host::mount_element(
        target.clone(),
        host.into(),
        options.into(),
        Some(survey("host-src")),
        None,
    );
    wait_for(&target, "[data-testid=survey-form]").await;
    assert_eq!(
        find(&target, ".py-title").text_content().unwrap(),
        "宿主测试"
    );
}

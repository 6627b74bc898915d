//! Browser tests of the organiser console in headless Chromium (wasm-bindgen-test).
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=180 cargo test -p pingyi-console
//! --target wasm32-unknown-unknown` (crates/console/webdriver.json passes `--headless=new
//! --no-sandbox`; the runner reads it from the crate's directory).
//!
//! Each test mounts the console into a fresh `<div>`, drives it through the DOM as an official
//! would (choosing a source, giving the survey's address, picking files, clicking), and checks the
//! rendered figures against core's own tally of the same ballots.

use std::collections::BTreeMap;
use std::time::Duration;

use pingyi_core::export::{ids_digest, TallyReport};
use pingyi_core::{parse_survey, tally, Answer, Ballot, Channel, NoticeResponse};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

// `document`, `storage`, `sleep`: shared with the widget's browser tests. The console's own
// `wait_for` and `click` below take the place of the shared ones.
#[path = "../../../tests/common/mod.rs"]
mod common;
use common::{document, sleep, storage};

// ---------------------------------------------------------------- helpers

/// Polls until `selector` matches inside `root`, or panics after 5 s (with any error shown).
async fn wait_for(root: &Element, selector: &str) -> Element {
    let start = js_sys::Date::now();
    loop {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        if js_sys::Date::now() - start > Duration::from_secs(5).as_millis() as f64 {
            let err = root
                .query_selector("[data-testid=error]")
                .unwrap()
                .map(|e| e.text_content().unwrap_or_default());
            panic!("{selector} did not appear; error: {err:?}");
        }
        sleep(20).await;
    }
}

fn q(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().dyn_into::<Element>().unwrap())
        .collect()
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
    let ev = web_sys::Event::new_with_event_init_dict("input", &{
        let i = web_sys::EventInit::new();
        i.set_bubbles(true);
        i
    })
    .unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// A blob: URL serving `text`, as a survey address.
fn blob_url(text: &str) -> String {
    pingyi_console::browser::object_url(text, "application/json").unwrap()
}

/// Puts files on an `<input type=file>` as if the user picked them.
fn pick_files(root: &Element, selector: &str, files: &[(&str, String)]) {
    let dt = web_sys::DataTransfer::new().unwrap();
    for (name, content) in files {
        let opts = web_sys::FilePropertyBag::new();
        opts.set_type("application/json");
        let parts = js_sys::Array::of1(&JsValue::from_str(content));
        let file = web_sys::File::new_with_str_sequence_and_options(&parts, name, &opts).unwrap();
        dt.items().add_with_file(&file).unwrap();
    }
    let input: HtmlInputElement = q(root, selector).dyn_into().unwrap();
    input.set_files(dt.files().as_ref());
}

/// The bytes at `url` (`Response.text()` would drop a leading BOM).
async fn fetch_bytes(url: &str) -> Vec<u8> {
    let resp: web_sys::Response = JsFuture::from(web_sys::window().unwrap().fetch_with_str(url))
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    let buf = JsFuture::from(resp.array_buffer().unwrap()).await.unwrap();
    js_sys::Uint8Array::new(&buf).to_vec()
}

async fn fetch_text(url: &str) -> String {
    let resp: web_sys::Response = JsFuture::from(web_sys::window().unwrap().fetch_with_str(url))
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    JsFuture::from(resp.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

fn mount() -> (pingyi_console::Console, Element) {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    let console = pingyi_console::mount(el.clone().dyn_into().unwrap(), "zh-CN");
    (console, el)
}

// ---------------------------------------------------------------- data

/// A survey with every counted kind: satisfaction scale, honour list (1 seat), points list
/// (trimmed mean, drop 1), notice list and an approval vote.
fn survey_json(id: &str) -> String {
    serde_json::json!({
        "format": "pingyi/1", "id": id, "version": 1,
        "title": { "zh": "测试湾评议" }, "unit": "测试湾", "eligible": 10,
        "sections": [{ "id": "s", "title": { "zh": "评议" }, "questions": [
            { "id": "sat", "kind": "scale", "title": { "zh": "环境卫生满意度" }, "preset": "satisfaction" },
            { "id": "honour", "kind": "choose", "title": { "zh": "最美庭院" }, "min": 1, "max": 2, "seats": 1,
              "options": [
                { "id": "a", "label": { "zh": "王家" } },
                { "id": "b", "label": { "zh": "刘家" } },
                { "id": "c", "label": { "zh": "周家" } }
              ] },
            { "id": "points", "kind": "score", "title": { "zh": "积分榜" },
              "subjects": [{ "id": "h1", "label": { "zh": "一组王户" } }, { "id": "h2", "label": { "zh": "二组刘户" } }],
              "criteria": [{ "id": "clean", "label": { "zh": "环境卫生" }, "min": 0, "max": 10 }],
              "combine": { "method": "trimmed_mean", "drop": 1 } },
            { "id": "notice", "kind": "notice", "title": { "zh": "公示榜" },
              "items": [{ "id": "road", "label": { "zh": "修路支出" } }] },
            { "id": "square", "kind": "approve", "title": { "zh": "修建文化广场" }, "rule": "cast" }
        ] }]
    })
    .to_string()
}

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Six ballots:
/// - sat: 满意 ×3, 基本满意, 不满意, 不了解 → valid 5, satisfaction 4/5;
/// - honour: a 3, b 3, c 2 → a and b tied across the single seat;
/// - points: h1 = 8,9,10,2,7,8 → trimmed 32/4 = 8.00; h2 = 5,5,5,5,5,6 → 5.00;
/// - notice: one objection ("价格太高") → needs review;
/// - square: for 4, against 1, abstain 1 → passed (4 × 2 > 6).
fn ballots(survey_id: &str) -> Vec<Ballot> {
    let sat = [
        "satisfied",
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unknown",
    ];
    let honour: [&[&str]; 6] = [&["a", "b"], &["a"], &["a", "c"], &["b"], &["c"], &["b"]];
    let h1 = [8, 9, 10, 2, 7, 8];
    let h2 = [5, 5, 5, 5, 5, 6];
    let square = ["for", "for", "for", "for", "against", "abstain"];
    (0..6)
        .map(|i| {
            let mut answers = pingyi_core::IdMap::new();
            answers.insert(
                "sat".into(),
                Answer::Choice {
                    choice: sat[i].into(),
                },
            );
            answers.insert(
                "honour".into(),
                Answer::Chosen {
                    chosen: honour[i].iter().map(|s| s.to_string()).collect(),
                },
            );
            let mut scores = pingyi_core::IdMap::new();
            scores.insert(
                "h1".to_string(),
                pingyi_core::IdMap::from([("clean".to_string(), h1[i])]),
            );
            scores.insert(
                "h2".to_string(),
                pingyi_core::IdMap::from([("clean".to_string(), h2[i])]),
            );
            answers.insert("points".into(), Answer::Scores { scores });
            let response = if i == 0 {
                NoticeResponse {
                    objection: true,
                    reason: Some("价格太高".into()),
                }
            } else {
                NoticeResponse {
                    objection: false,
                    reason: None,
                }
            };
            answers.insert(
                "notice".into(),
                Answer::Responses {
                    responses: pingyi_core::IdMap::from([("road".to_string(), response)]),
                },
            );
            answers.insert(
                "square".into(),
                Answer::Choice {
                    choice: square[i].into(),
                },
            );
            Ballot {
                id: id(i),
                survey_id: survey_id.into(),
                survey_version: 1,
                cast_at: "2026-11-27T19:30:00.000Z".into(),
                device: "device-1".into(),
                channel: Channel::Digital,
                code_hash: None,
                answers,
            }
        })
        .collect()
}

/// Stores ballots the way the widget does: one key per ballot, `{ballot, status}`.
fn store_locally(ballots: &[Ballot]) {
    for b in ballots {
        let key = format!("pingyi/v1/{}/ballot/{}", b.survey_id, b.id);
        let value = serde_json::json!({ "ballot": b, "status": "pending" });
        storage().set_item(&key, &value.to_string()).unwrap();
    }
}

fn clear_local(survey_id: &str) {
    let s = storage();
    let keys: Vec<String> = (0..s.length().unwrap())
        .filter_map(|i| s.key(i).unwrap())
        .collect();
    for k in keys
        .into_iter()
        .filter(|k| k.starts_with(&format!("pingyi/v1/{survey_id}/")))
    {
        s.remove_item(&k).unwrap();
    }
}

// ---------------------------------------------------------------- tests

#[wasm_bindgen_test]
async fn uploaded_ballots_whose_answers_left_the_device_are_counted_aside() {
    let sid = "pc-local-slim";
    clear_local(sid);
    let sent = ballots(sid);
    store_locally(&sent);
    // The kiosk's slim record and the widget's personal-mode one: acknowledged, no answers.
    for (id, record) in [
        ("k1", serde_json::json!({"id": "k1", "status": "acked"})),
        (
            "w1",
            serde_json::json!({"id": "w1", "status": "acked", "receipt": "ABCD-EFGH",
                "endpoint": "https://collector.example"}),
        ),
    ] {
        storage()
            .set_item(&format!("pingyi/v1/{sid}/ballot/{id}"), &record.to_string())
            .unwrap();
    }
    let local = pingyi_console::browser::local_ballots(sid);
    assert_eq!(local.ballots.len(), sent.len());
    assert_eq!(local.uploaded, 2);
    assert!(local.unreadable.is_empty(), "{:?}", local.unreadable);

    let (_console, root) = mount();
    click(&root, "[data-testid=source-local]");
    let radio = wait_for(
        &root,
        &format!("input[name=pc-local-survey][value=\"{sid}\"]"),
    )
    .await;
    radio.dyn_into::<HtmlElement>().unwrap().click();
    type_into(
        &root,
        "[data-testid=survey-url]",
        &blob_url(&survey_json(sid)),
    );
    click(&root, "[data-testid=count-local]");
    let results = wait_for(&root, "[data-testid=results]").await;
    assert_eq!(text(&q(&results, "[data-testid=counted]")), "6");
    let note = text(&q(&root, "[data-testid=uploaded-not-kept]"));
    assert!(note.contains("另有 2 张已上传，答案未保留在本机"), "{note}");
    clear_local(sid);
}

#[wasm_bindgen_test]
async fn local_ballots_render_with_core_figures() {
    let sid = "pc-local";
    clear_local(sid);
    let sent = ballots(sid);
    store_locally(&sent);
    let (console, root) = mount();

    click(&root, "[data-testid=source-local]");
    let radio = wait_for(
        &root,
        &format!("input[name=pc-local-survey][value=\"{sid}\"]"),
    )
    .await;
    radio.dyn_into::<HtmlElement>().unwrap().click();
    type_into(
        &root,
        "[data-testid=survey-url]",
        &blob_url(&survey_json(sid)),
    );
    click(&root, "[data-testid=count-local]");
    let results = wait_for(&root, "[data-testid=results]").await;

    assert_eq!(text(&q(&results, "[data-testid=counted]")), "6");
    assert_eq!(text(&q(&results, "[data-testid=eligible]")), "10");
    assert_eq!(text(&q(&results, "[data-testid=rate]")), "60.00% (6/10)");
    assert!(text(&q(&results, "[data-testid=quorum]")).starts_with("已达到"));
    assert!(results
        .query_selector("[data-testid=over-eligible]")
        .unwrap()
        .is_none());

    // Satisfaction: SVG bars with counts and shares printed, and the raw fraction by the rate.
    let sat = q(&results, "[data-question=sat]");
    let svg = q(&sat, "svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    let aria = svg.get_attribute("aria-label").unwrap();
    assert!(aria.contains("满意 3 票 · 60.00%"), "{aria}");
    let counts: Vec<String> = all(&sat, "g.pc-bar")
        .iter()
        .map(|g| g.get_attribute("data-count").unwrap())
        .collect();
    assert_eq!(counts, ["3", "1", "1", "1"]);
    assert_eq!(all(&sat, "rect").len(), 4);
    let values: Vec<String> = all(&sat, "text.pc-bar-value").iter().map(text).collect();
    assert_eq!(values[0], "3 票 · 60.00%");
    assert!(values[3].contains("不计入有效票"), "{values:?}");
    assert_eq!(text(&q(&sat, "[data-testid=satisfaction]")), "80.00% (4/5)");
    assert_eq!(text(&q(&sat, "[data-testid=valid]")), "5");

    // Honour list: ranking table with the tie across the only seat.
    let rows = all(
        &results,
        "[data-question=honour] [data-testid=ranking] tbody tr",
    );
    assert_eq!(rows.len(), 3);
    let cells = |r: &Element| all(r, "td, th").iter().map(text).collect::<Vec<_>>();
    assert_eq!(
        cells(&rows[0]),
        ["1", "王家", "3", "50.00%", "并列（需决选或复核）"]
    );
    assert_eq!(
        cells(&rows[1]),
        ["1", "刘家", "3", "50.00%", "并列（需决选或复核）"]
    );
    assert_eq!(cells(&rows[2]), ["3", "周家", "2", "33.33%", ""]);

    // Points list: trimmed means and totals.
    let totals: Vec<String> = all(&results, "[data-question=points] [data-testid=score-total]")
        .iter()
        .map(text)
        .collect();
    assert_eq!(totals, ["8.00", "5.00"]);
    let points = text(&q(&results, "[data-question=points] tbody tr"));
    assert!(
        points.contains("一组王户")
            && points.contains("平均分 7.33")
            && points.contains("去极值平均分 8.00"),
        "{points}"
    );

    // Notice: objection with its reason, flagged for review in words.
    let notice = q(&results, "[data-question=notice]");
    assert_eq!(text(&q(&notice, "[data-testid=notice-flag]")), "需复核");
    assert!(text(&notice).contains("价格太高"));

    // Approval: outcome, rule and base.
    let square = q(&results, "[data-question=square]");
    assert_eq!(text(&q(&square, "[data-testid=approve-outcome]")), "通过");
    assert!(
        text(&square).contains("赞同 4 × 2 > 计票基数 6"),
        "{}",
        text(&square)
    );

    let foot = text(&q(&results, "[data-testid=footnote]"));
    assert!(
        foot.contains("满意率 = (满意+基本满意)/有效票，不了解不计入有效票"),
        "{foot}"
    );
    assert!(foot.contains("加权得分 = Σ(权重×票数)/有效票"));
    assert!(foot.contains("去极值平均分 = 去掉 k 个最高分和 k 个最低分后的平均"));
    assert!(foot.contains("通过 = 赞同票 > 计票基数的一半"));

    // Downloads: the JSON is core's report of these ballots; the CSV has the BOM; the raw
    // ballots are anonymised (the survey is anonymous by default).
    let survey = parse_survey(&survey_json(sid)).unwrap();
    let json_a = q(&root, "[data-testid=download-json]");
    assert_eq!(
        json_a.get_attribute("download").as_deref(),
        Some("pc-local-tally.json")
    );
    let report: TallyReport =
        serde_json::from_str(&fetch_text(&json_a.get_attribute("href").unwrap()).await).unwrap();
    assert_eq!(report.tally, tally(&survey, &sent));
    assert_eq!(
        report.ballot_ids_digest,
        ids_digest(sent.iter().map(|b| b.id.as_str()))
    );
    assert_eq!(
        text(&q(&results, "[data-testid=digest]")),
        report.ballot_ids_digest
    );
    let csv = fetch_bytes(
        &q(&root, "[data-testid=download-csv]")
            .get_attribute("href")
            .unwrap(),
    )
    .await;
    assert_eq!(
        &csv[..3],
        b"\xEF\xBB\xBF",
        "the CSV starts with the UTF-8 BOM"
    );
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        pingyi_core::export::tally_csv(&survey, &report.tally, "zh")
    );
    let raw: serde_json::Value = serde_json::from_str(
        &fetch_text(
            &q(&root, "[data-testid=download-ballots]")
                .get_attribute("href")
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    assert_eq!(raw["format"], "pingyi-ballots/1");
    assert_eq!(raw["ballots"].as_array().unwrap().len(), 6);
    assert!(raw["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b.get("device").is_none()));

    // English on request.
    click(&root, "[data-testid=lang]");
    sleep(50).await;
    assert!(text(&q(&root, "[data-testid=footnote]")).contains("Satisfaction rate"));

    drop(console);
    root.remove();
    clear_local(sid);
}

#[wasm_bindgen_test]
async fn imported_exports_merge_and_list_conflicts() {
    let sid = "pc-files";
    let all_ballots = ballots(sid);
    // Device A holds ballots 0..4, device B holds 2..6; B's copy of ballot 3 has another answer.
    let a: Vec<Ballot> = all_ballots[0..4].to_vec();
    let mut b: Vec<Ballot> = all_ballots[2..6].to_vec();
    b[1].answers.insert(
        "sat".into(),
        Answer::Choice {
            choice: "dissatisfied".into(),
        },
    );
    let export_a = serde_json::json!({ "format": "pingyi-ballots/1", "survey_id": sid, "survey_version": 1, "ballots": a });
    let export_b = serde_json::to_string(&b).unwrap();

    let (console, root) = mount();
    click(&root, "[data-testid=source-files]");
    wait_for(&root, "[data-testid=panel-files]").await;
    type_into(
        &root,
        "[data-testid=survey-url]",
        &blob_url(&survey_json(sid)),
    );
    pick_files(
        &root,
        "[data-testid=ballot-files]",
        &[("a.json", export_a.to_string()), ("b.json", export_b)],
    );
    click(&root, "[data-testid=count-files]");
    let results = wait_for(&root, "[data-testid=results]").await;

    // Distinct ids 0..6, minus the conflicting id 3: five ballots counted.
    assert_eq!(text(&q(&results, "[data-testid=counted]")), "5");
    let conflict = q(
        &results,
        &format!("[data-testid=conflicts] [data-conflict-id=\"{}\"]", id(3)),
    );
    let line = text(&conflict);
    assert!(line.contains("a.json") && line.contains("b.json"), "{line}");
    assert_eq!(all(&results, "[data-testid=conflicts] li").len(), 1);
    assert!(text(&q(&root, "[data-testid=merge-note]"))
        .contains("计入 5 张，重复 1 张已去除，冲突 1 个编号未计入"));

    let kept: Vec<&Ballot> = all_ballots.iter().filter(|x| x.id != id(3)).collect();
    assert_eq!(
        text(&q(&results, "[data-testid=digest]")),
        ids_digest(kept.iter().map(|x| x.id.as_str()))
    );
    let report: TallyReport = serde_json::from_str(
        &fetch_text(
            &q(&root, "[data-testid=download-json]")
                .get_attribute("href")
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    assert_eq!(report.excluded_conflicts, vec![id(3)]);
    let survey = parse_survey(&survey_json(sid)).unwrap();
    let kept: Vec<Ballot> = kept.into_iter().cloned().collect();
    assert_eq!(
        report.tally,
        tally(&survey, &kept),
        "same tally as one device holding the kept ballots"
    );

    drop(console);
    root.remove();
}

#[wasm_bindgen_test]
async fn a_wrong_ballot_file_is_reported_not_counted() {
    let (console, root) = mount();
    click(&root, "[data-testid=source-files]");
    wait_for(&root, "[data-testid=panel-files]").await;
    type_into(
        &root,
        "[data-testid=survey-url]",
        &blob_url(&survey_json("pc-bad")),
    );
    pick_files(
        &root,
        "[data-testid=ballot-files]",
        &[("tally.json", "{\"format\":\"pingyi-tally/1\"}".into())],
    );
    click(&root, "[data-testid=count-files]");
    let err = wait_for(&root, "[data-testid=error]").await;
    assert!(text(&err).contains("tally.json"), "{}", text(&err));
    assert!(root
        .query_selector("[data-testid=results]")
        .unwrap()
        .is_none());
    drop(console);
    root.remove();
}

// ---------------------------------------------------------------- meeting modes ---------

use leptos::prelude::*;
use pingyi_console::i18n::Lang;
use pingyi_console::meeting::{IssuedCode, LiveView};
use pingyi_console::views::meeting::{code_sheet, guessing_warning};
use pingyi_console::views::projector::projector_body;
use pingyi_core::protocol::meeting::CodeAttempts;

/// A fresh `<div>` with `f`'s view mounted in it (the handle keeps it mounted).
fn mount_view<V: IntoView + 'static>(
    f: impl FnOnce() -> V + 'static,
) -> (Box<dyn std::any::Any>, Element) {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    let handle = leptos::mount::mount_to(el.clone().dyn_into().unwrap(), f);
    (Box::new(handle), el)
}

fn meeting_survey() -> pingyi_core::Survey {
    parse_survey(&survey_json("meet-wasm")).unwrap()
}

fn live(revealed: bool, tally: Option<pingyi_core::Tally>) -> LiveView {
    serde_json::from_value(serde_json::json!({
        "survey_id": "meet-wasm", "survey_version": 1, "title": { "zh": "测试湾评议" }, "unit": "测试湾",
        "eligible": 10, "ballots": 6, "state": "open", "revealed": revealed, "closed_at": null,
        "tally": tally,
    }))
    .unwrap()
}

#[wasm_bindgen_test]
fn qr_svg_has_the_modules_of_its_version() {
    let url = "http://127.0.0.1:8080/?s=meet-wasm";
    let qr = pingyi_console::qr::encode(url).unwrap();
    assert_eq!(qr.size, 4 * i32::from(qr.version) + 17);
    let (_h, el) = mount_view(move || pingyi_console::qr::qr_view(url, "QR".into(), "pj-qr"));
    let svg = q(&el, "svg");
    assert_eq!(svg.get_attribute("data-qr").as_deref(), Some(url));
    assert_eq!(svg.get_attribute("data-modules"), Some(qr.size.to_string()));
    let side = qr.size + 2 * pingyi_console::qr::BORDER;
    assert_eq!(
        svg.get_attribute("viewBox"),
        Some(format!("0 0 {side} {side}"))
    );
    let d = q(&el, "svg path").get_attribute("d").unwrap();
    assert!(!d.is_empty());
    assert_eq!(d.matches("h1v1h-1z").count(), qr.dark);
}

#[wasm_bindgen_test]
fn code_sheet_renders_one_slip_per_code() {
    let codes: Vec<IssuedCode> = ["7K3M-Q9XZ", "ABCD-EFGH", "0123-4567"]
        .iter()
        .map(|c| IssuedCode {
            code: c.to_string(),
            url: format!("http://h/?s=meet-wasm#code={c}"),
        })
        .collect();
    let c2 = codes.clone();
    let (_h, el) = mount_view(move || code_sheet("测试湾评议", &c2, Lang::Zh));
    let slips = all(&el, ".pc-slip");
    assert_eq!(slips.len(), 3);
    for (slip, c) in slips.iter().zip(&codes) {
        assert_eq!(text(&q(slip, "[data-testid=slip-code]")), c.code);
        assert!(text(slip).contains("测试湾评议"));
        assert!(text(slip).contains("每码只能用一次"));
        assert_eq!(q(slip, "svg").get_attribute("data-qr"), Some(c.url.clone()));
    }
}

#[wasm_bindgen_test]
fn slips_carry_the_code_in_the_fragment_even_from_an_older_collector() {
    let old = vec![IssuedCode {
        code: "7K3M-Q9XZ".into(),
        url: "http://h/?s=meet-wasm&code=7K3M-Q9XZ".into(),
    }];
    let (_h, el) = mount_view(move || code_sheet("测试湾评议", &old, Lang::Zh));
    assert_eq!(
        q(&el, ".pc-slip svg").get_attribute("data-qr").as_deref(),
        Some("http://h/?s=meet-wasm#code=7K3M-Q9XZ")
    );
    assert_eq!(
        pingyi_console::views::meeting::slip_url("http://h/?s=a#code=X"),
        "http://h/?s=a#code=X"
    );
}

#[wasm_bindgen_test]
fn the_codes_page_warns_when_someone_guesses_codes() {
    let quiet = CodeAttempts {
        survey_id: "meet-wasm".into(),
        window_seconds: 600,
        unknown_recent: 3,
        alert: false,
        retry_after_seconds: None,
    };
    assert!(guessing_warning(&quiet, Lang::Zh).is_none());
    let spike = CodeAttempts {
        unknown_recent: 42,
        alert: true,
        retry_after_seconds: Some(60),
        ..quiet
    };
    let s2 = spike.clone();
    let (_h, el) = mount_view(move || guessing_warning(&s2, Lang::Zh).unwrap());
    let w = q(&el, "[data-testid=codes-guessing]");
    assert_eq!(w.get_attribute("role").as_deref(), Some("alert"));
    let zh = text(&w);
    assert!(
        zh.contains("有人在猜选票码") && zh.contains("10 分钟内有 42 张"),
        "{zh}"
    );
    assert!(
        zh.contains("60 秒") && zh.contains("有效选票码照常投票"),
        "{zh}"
    );
    let (_h2, el) = mount_view(move || guessing_warning(&spike, Lang::En).unwrap());
    let en = text(&q(&el, "[data-testid=codes-guessing]"));
    assert!(
        en.contains("guessing ballot codes") && en.contains("42"),
        "{en}"
    );
}

#[wasm_bindgen_test]
fn projector_hides_results_until_revealed() {
    let (_h, el) =
        mount_view(|| projector_body(&live(false, None), "http://h/?s=meet-wasm", Lang::Zh));
    assert_eq!(
        text(&q(&el, "[data-testid=pj-count]")),
        "已收到 6 张 / 应到 10"
    );
    assert_eq!(
        text(&q(&el, "[data-testid=pj-hidden]")),
        "结果将在投票结束后公布"
    );
    assert!(all(&el, ".pc-chart, .pc-bar, [data-testid=pj-results]").is_empty());
    let page = text(&el);
    assert!(!page.contains('%') && !page.contains("票 ·"), "{page}");
    // The QR code of the join link is there.
    assert_eq!(
        q(&el, "svg.pj-qr").get_attribute("data-qr").as_deref(),
        Some("http://h/?s=meet-wasm")
    );
}

#[wasm_bindgen_test]
fn a_closed_projector_shows_the_frozen_hash_but_no_figures() {
    let mut closed = live(false, None);
    closed.state = "closed".into();
    closed.content_hash = Some("0123456789abcdef".repeat(4));
    let (_h, el) = mount_view(move || projector_body(&closed, "http://h/?s=meet-wasm", Lang::Zh));
    assert_eq!(text(&q(&el, "[data-testid=pj-closed]")), "投票已结束");
    assert_eq!(
        text(&q(&el, "[data-testid=pj-hash] code")),
        "01234567 89abcdef 01234567 89abcdef 01234567 89abcdef 01234567 89abcdef"
    );
    assert!(text(&q(&el, "[data-testid=pj-hash]")).starts_with("结果校验码（SHA-256）"));
    assert!(all(&el, ".pc-bar, [data-testid=pj-results]").is_empty());
    // Open: no hash.
    let (_h2, open) =
        mount_view(|| projector_body(&live(false, None), "http://h/?s=meet-wasm", Lang::Zh));
    assert!(all(&open, "[data-testid=pj-hash]").is_empty());
}

#[wasm_bindgen_test]
fn projector_shows_bars_when_revealed() {
    let survey = meeting_survey();
    let t = tally(&survey, &ballots("meet-wasm"));
    let (_h, el) =
        mount_view(move || projector_body(&live(true, Some(t)), "http://h/?s=meet-wasm", Lang::Zh));
    assert!(all(&el, "[data-testid=pj-hidden]").is_empty());
    let square = q(&el, ".pj-question[data-question=square]");
    let counts: Vec<String> = all(&square, ".pc-bar")
        .iter()
        .map(|b| b.get_attribute("data-count").unwrap())
        .collect();
    let expected = tally(&survey, &ballots("meet-wasm"));
    let a = expected
        .questions
        .iter()
        .find(|q| q.question_id == "square")
        .unwrap();
    let pingyi_core::tally::KindTally::Approve(a) = &a.result else {
        panic!()
    };
    assert_eq!(
        counts,
        [
            a.for_count.to_string(),
            a.against.to_string(),
            a.abstain.to_string()
        ]
    );
    assert!(text(&square).contains('%'));
    assert!(!all(&el, ".pj-question[data-question=sat] .pc-bar").is_empty());
}

#[wasm_bindgen_test]
fn results_show_paper_and_digital_separately() {
    let survey = meeting_survey();
    let digital = ballots("meet-wasm");
    let totals = vec![pingyi_core::paper::PaperTotals {
        question_id: "square".into(),
        subject_id: None,
        ballots: 3,
        counts: BTreeMap::from([("for".to_string(), 2), ("against".to_string(), 1)]),
    }];
    let mut report =
        pingyi_core::export::tally_report(&survey, &digital, "2026-11-27T21:00:00.000Z");
    report.tally = pingyi_core::tally::tally_with_paper(&survey, &digital, &totals);
    let (_h, el) =
        mount_view(move || pingyi_console::views::results::report_view(&report, &[], Lang::Zh));
    let table = q(&el, "[data-question=square] [data-testid=channel-counts]");
    let cell = |opt: &str, ch: &str| {
        text(&q(
            &table,
            &format!("tr[data-option={opt}] td[data-channel={ch}]"),
        ))
    };
    assert_eq!(
        (cell("for", "digital"), cell("for", "paper")),
        ("4".to_string(), "2".to_string())
    );
    assert_eq!(
        (cell("against", "digital"), cell("against", "paper")),
        ("1".to_string(), "1".to_string())
    );
    assert_eq!(cell("abstain", "paper"), "0");
}

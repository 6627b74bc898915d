//! Integrity of the count: ballot ids in one canonical form, device ids that cannot carry
//! personal data, and validation that stays cheap and short on hostile ballots.

mod common;

use common::{assert_problem, ballot, parse, survey_json};
use pingyi_core::ballot::canonical_ballot_id;
use pingyi_core::export::read_ballots;
use pingyi_core::merge::merge;
use pingyi_core::{tally, validate_ballot, Ballot};
use serde_json::json;

fn approve_survey(anonymous: bool) -> pingyi_core::Survey {
    let mut v = survey_json(json!([{ "id": "q", "title": { "zh": "同意吗" }, "kind": "approve" }]));
    v["anonymous"] = json!(anonymous);
    parse(&v)
}

const LOWER: &str = "6f1c2b8e-aaaa-4bbb-8ccc-0000000000ef";
const UPPER: &str = "6F1C2B8E-AAAA-4BBB-8CCC-0000000000EF";

fn with_id(survey: &pingyi_core::Survey, id: &str) -> Ballot {
    let mut b = ballot(survey, 1, json!({ "q": { "choice": "for" } }));
    b.id = id.to_string();
    b
}

#[test]
fn canonical_ballot_id_lowercases_uuids_and_refuses_the_rest() {
    assert_eq!(canonical_ballot_id(UPPER).as_deref(), Some(LOWER));
    assert_eq!(canonical_ballot_id(LOWER).as_deref(), Some(LOWER));
    for bad in [
        "",
        "not-a-uuid",
        "6f1c2b8e-aaaa-4bbb-8ccc-0000000000e",
        "6f1c2b8eaaaa-4bbb-8ccc-0000000000ef0",
        "6f1c2b8e-aaaa-4bbb-8ccc-0000000000eg",
        " 6f1c2b8e-aaaa-4bbb-8ccc-0000000000e",
        "６f1c2b8e-aaaa-4bbb-8ccc-0000000000e",
    ] {
        assert_eq!(canonical_ballot_id(bad), None, "{bad:?}");
    }
}

#[test]
fn an_upper_case_copy_of_a_ballot_is_the_same_ballot() {
    let s = approve_survey(true);
    let lower = with_id(&s, LOWER);
    let upper_json = lower.canonical_json().replace(LOWER, UPPER);
    assert!(upper_json.contains(UPPER));

    // Reading turns the id into canonical form, both through serde and the widget's reader.
    let read = read_ballots(&upper_json).unwrap();
    assert_eq!(read[0].id, LOWER);
    let v: serde_json::Value = serde_json::from_str(&upper_json).unwrap();
    assert_eq!(Ballot::from_value(&v).unwrap().id, LOWER);
    assert_eq!(read[0], lower);

    // Merging: one ballot, one duplicate, whether read or built in code.
    let upper_typed = with_id(&s, UPPER);
    let m = merge(&[vec![lower.clone()], vec![upper_typed.clone()]]);
    assert_eq!(m.ballots.len(), 1, "{m:#?}");
    assert_eq!(m.duplicates, 1);
    assert!(m.conflicts.is_empty());
    assert_eq!(m.ballots[0].id, LOWER);

    // Counting: once.
    let t = tally(&s, &[lower, upper_typed]);
    assert_eq!(t.participation.ballots, 1);
    assert_eq!(t.participation.duplicates_dropped, 1);
}

#[test]
fn a_ballot_id_must_be_a_lowercase_uuid() {
    let s = approve_survey(true);
    assert_eq!(validate_ballot(&s, &with_id(&s, LOWER)), Ok(()));
    for bad in [UPPER, "not-a-uuid", "", "1"] {
        let p = validate_ballot(&s, &with_id(&s, bad)).unwrap_err();
        assert_problem(&p, "$.id", "bad_ballot_id");
        assert!(
            p[0].zh.contains("UUID") && p[0].en.contains("lowercase UUID"),
            "{p:?}"
        );
    }
}

#[test]
fn a_device_id_must_be_a_lowercase_uuid_when_present() {
    let named = approve_survey(false);
    let anonymous = approve_survey(true);
    let mut b = with_id(&named, LOWER);
    assert_eq!(validate_ballot(&named, &b), Ok(()));

    // Two hundred kilobytes of name and phone number.
    b.device = "张三 13800138000 ".repeat(10_000);
    for s in [&named, &anonymous] {
        let p = validate_ballot(s, &b).unwrap_err();
        assert_problem(&p, "$.device", "bad_device");
        assert!(p.iter().map(|p| p.zh.len() + p.en.len()).sum::<usize>() < 1000);
    }

    // Absent: fine for an anonymous survey and for a paper ballot, not for a named digital one.
    b.device = String::new();
    assert_eq!(validate_ballot(&anonymous, &b), Ok(()));
    assert_problem(
        &validate_ballot(&named, &b).unwrap_err(),
        "$.device",
        "device_missing",
    );
    b.channel = pingyi_core::Channel::Paper;
    assert_eq!(validate_ballot(&named, &b), Ok(()));

    // An absent device is absent from the JSON, and reads back as absent.
    let json = b.canonical_json();
    assert!(!json.contains("device"), "{json}");
    assert_eq!(read_ballots(&json).unwrap()[0], b);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(Ballot::from_value(&v).unwrap(), b);

    // An upper-case device id is read in canonical form.
    let upper = with_id(&named, LOWER)
        .canonical_json()
        .replace(&common::device(1), &common::device(1).to_ascii_uppercase());
    assert_eq!(read_ballots(&upper).unwrap()[0].device, common::device(1));
}

/// A survey with one question of every kind that takes a list or a map.
fn lists_survey() -> pingyi_core::Survey {
    let items = |prefix: &str| -> serde_json::Value {
        (0..5)
            .map(|i| json!({ "id": format!("{prefix}{i}"), "label": { "zh": "项" } }))
            .collect()
    };
    parse(&survey_json(json!([
        { "id": "pick", "title": { "zh": "选" }, "kind": "choose", "options": items("o"), "max": 3 },
        { "id": "rate", "title": { "zh": "评" }, "kind": "scale", "preset": "satisfaction", "subjects": items("s") },
        { "id": "pts", "title": { "zh": "分" }, "kind": "score", "subjects": items("h"),
          "criteria": [{ "id": "c", "label": { "zh": "标准" }, "min": 0, "max": 10 }] },
        { "id": "note", "title": { "zh": "公示" }, "kind": "notice", "items": items("i") },
        { "id": "say", "title": { "zh": "说" }, "kind": "text", "required": false }
    ])))
}

/// Ballot bodies of about 1 MiB, each as hostile as one shape allows.
fn hostile_bodies(s: &pingyi_core::Survey) -> Vec<(&'static str, String)> {
    const MIB: usize = 1 << 20;
    let base = |answers: String| {
        format!(
            r#"{{"id":"{LOWER}","survey_id":"{}","survey_version":1,"cast_at":"2026-11-27T12:00:00.000Z","device":"{}","answers":{answers}}}"#,
            s.id,
            common::device(1)
        )
    };
    // As many entries as fit in a mebibyte, numbered down so that keys arrive in reverse order.
    let list = |f: &dyn Fn(usize) -> String| {
        let n = (MIB - 300) / (f(9_999_999).len() + 1);
        (0..n)
            .map(|i| f(9_999_999 - i))
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![
        (
            "chosen: one id again and again",
            base(format!(
                r#"{{"pick":{{"chosen":[{}]}}}}"#,
                list(&|_| r#""o1""#.into())
            )),
        ),
        (
            "chosen: all different",
            base(format!(
                r#"{{"pick":{{"chosen":[{}]}}}}"#,
                list(&|i| format!(r#""x{i}""#))
            )),
        ),
        (
            "ratings: keys in reverse order",
            base(format!(
                r#"{{"rate":{{"ratings":{{{}}}}}}}"#,
                list(&|i| format!(r#""k{i:07}":"satisfied""#))
            )),
        ),
        (
            "scores: many criteria",
            base(format!(
                r#"{{"pts":{{"scores":{{"h1":{{{}}}}}}}}}"#,
                list(&|i| format!(r#""c{i:07}":1"#))
            )),
        ),
        (
            "responses: many items",
            base(format!(
                r#"{{"note":{{"responses":{{{}}}}}}}"#,
                list(&|i| format!(r#""i{i:07}":[false]"#))
            )),
        ),
        (
            "answers: many questions",
            base(format!(
                "{{{}}}",
                list(&|i| format!(r#""q{i:07}":{{"text":""}}"#))
            )),
        ),
        (
            "text: control characters",
            base(format!(
                r#"{{"say":{{"text":"{}"}}}}"#,
                "\\u0001".repeat(MIB / 6)
            )),
        ),
        (
            "device: a megabyte",
            base("{}".into()).replace(&common::device(1), &"张".repeat(MIB / 3)),
        ),
    ]
}

#[test]
fn the_worst_one_mebibyte_ballots_validate_fast_with_few_short_problems() {
    let s = lists_survey();
    for (what, body) in hostile_bodies(&s) {
        assert!(body.len() <= (1 << 20) + 1000, "{what}: {}", body.len());
        let start = std::time::Instant::now();
        let ballots = read_ballots(&body).unwrap_or_else(|e| panic!("{what}: {e}"));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(Ballot::from_value(&v).as_ref(), Some(&ballots[0]), "{what}");
        let problems = validate_ballot(&s, &ballots[0]).unwrap_err();
        let _ = tally(&s, &ballots);
        let took = start.elapsed();
        let size = serde_json::to_string(&problems).unwrap().len();
        assert!(problems.len() <= 21, "{what}: {} problems", problems.len());
        assert!(size < 8 * 1024, "{what}: problems take {size} bytes");
        // Generous: about 0.1 s in a debug build on a slow machine; quadratic work took 15 s.
        assert!(took.as_secs_f64() < 3.0, "{what}: took {took:?}");
        eprintln!(
            "{what}: {took:?}, {} problems, {size} bytes",
            problems.len()
        );
    }
}

#[test]
fn a_ballot_lists_at_most_twenty_problems_and_then_how_many_more() {
    let questions: Vec<serde_json::Value> = (0..30)
        .map(|i| json!({ "id": format!("q{i}"), "title": { "zh": "题" }, "kind": "approve" }))
        .collect();
    let s = parse(&survey_json(json!(questions)));
    let p = validate_ballot(&s, &ballot(&s, 1, json!({}))).unwrap_err();
    assert_eq!(p.len(), 21, "{p:#?}");
    assert_eq!(p[20].code, "more_problems");
    assert_eq!(p[20].en, "…and 10 more problems");
    assert_eq!(p[20].zh, "……还有 10 处问题");
}

#[test]
fn a_problem_names_at_most_ten_options() {
    let options: Vec<serde_json::Value> = (0..40)
        .map(|i| json!({ "id": format!("option-{i}"), "label": { "zh": "项" } }))
        .collect();
    let s = parse(&survey_json(json!([
        { "id": "pick", "title": { "zh": "选" }, "kind": "choose", "options": options, "max": 1 }
    ])));
    let p = validate_ballot(
        &s,
        &ballot(&s, 1, json!({ "pick": { "chosen": ["nope"] } })),
    )
    .unwrap_err();
    assert_problem(&p, "$.answers.pick.chosen[0]", "unknown_option");
    assert!(p[0].en.ends_with("option-9, …"), "{}", p[0].en);
    assert!(!p[0].zh.contains("option-10"), "{}", p[0].zh);
}

#[test]
fn free_texts_and_reasons_are_listed_in_an_order_that_does_not_follow_arrival() {
    let s = parse(&survey_json(json!([
        { "id": "say", "title": { "zh": "意见" }, "kind": "text" },
        { "id": "note", "title": { "zh": "公示" }, "kind": "notice",
          "items": [{ "id": "road", "label": { "zh": "修路" } }] }
    ])));
    let b = |n: u64, text: &str| {
        ballot(
            &s,
            n,
            json!({ "say": { "text": text },
                    "note": { "responses": { "road": { "objection": true, "reason": text } } } }),
        )
    };
    let ballots = vec![
        b(1, "路灯坏了"),
        b(2, " 修路 "),
        b(3, "apple"),
        b(4, "Zebra"),
    ];
    let mut reversed = ballots.clone();
    reversed.reverse();
    let expected = ["Zebra", "apple", "修路", "路灯坏了"];
    for input in [&ballots, &reversed] {
        let t = tally(&s, input);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["questions"][0]["texts"], json!(expected));
        assert_eq!(v["questions"][1]["items"][0]["reasons"], json!(expected));
        let csv = pingyi_core::export::tally_csv(&s, &t, "en");
        assert!(csv.contains("Zebra; apple; 修路; 路灯坏了"), "{csv}");
    }
}

#[test]
fn the_anonymised_export_carries_no_code_hash_device_or_exact_time() {
    let mut v = survey_json(json!([{ "id": "q", "title": { "zh": "同意吗" }, "kind": "approve" }]));
    v["codes"] = json!(true);
    let anonymous = parse(&v);
    v["anonymous"] = json!(false);
    let named = parse(&v);
    let slip = |s: &pingyi_core::Survey| {
        let mut b = with_id(s, LOWER);
        b.code_hash = Some(pingyi_core::codes::code_hash(&s.id, "ABCD-EFGH"));
        b.cast_at = "2026-11-27T19:31:07.123Z".into();
        assert_eq!(validate_ballot(s, &b), Ok(()));
        vec![b]
    };
    let out = pingyi_core::export::ballots_export(&anonymous, &slip(&anonymous));
    assert_eq!(out[0].code_hash, None);
    assert_eq!(out[0].device, "");
    assert_eq!(out[0].cast_at, "2026-11-27T00:00:00.000Z");
    let json = out[0].canonical_json();
    assert!(
        !json.contains("code_hash") && !json.contains("device"),
        "{json}"
    );
    // The count is the same from the export.
    assert_eq!(
        tally(&anonymous, &out),
        tally(&anonymous, &slip(&anonymous))
    );

    // A named survey's export is not anonymised: it keeps what the ballot carries.
    let out = pingyi_core::export::ballots_export(&named, &slip(&named));
    assert_eq!(out, slip(&named));
}

#[test]
fn a_tally_says_which_version_it_counted_and_what_it_left_out() {
    let v2 = {
        let mut v =
            survey_json(json!([{ "id": "q", "title": { "zh": "同意吗" }, "kind": "approve" }]));
        v["version"] = json!(2);
        parse(&v)
    };
    let mut ballots: Vec<Ballot> = (1..=3)
        .map(|n| ballot(&v2, n, json!({ "q": { "choice": "for" } })))
        .collect();
    for n in 10..12 {
        let mut old = ballot(&v2, n, json!({ "q": { "choice": "against" } }));
        old.survey_version = 1;
        ballots.push(old);
    }
    let mut elsewhere = ballot(&v2, 20, json!({}));
    elsewhere.survey_id = "elsewhere".into();
    ballots.push(elsewhere);

    let report = pingyi_core::export::tally_report(&v2, &ballots, "2026-11-27T20:00:00Z");
    let p = &report.tally.participation;
    assert_eq!(p.ballots, 3);
    assert_eq!(p.ignored_other_survey, 3);
    assert_eq!(
        serde_json::to_value(&p.other_versions).unwrap(),
        json!([{ "survey_version": 1, "ballots": 2 }])
    );
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert_eq!(
        report.notes[0].zh,
        "本次统计只计入第 2 版问卷的选票。另有其他版本的选票 2 张未计入（第 1 版 2 张）：问卷修改后，旧版选票回答的问题不同，不能合在一起统计。"
    );
    assert!(report.notes[0].get("en").starts_with(
        "Only ballots for version 2 of the survey are counted. 2 ballot(s) for other versions were left out (2 for version 1)"
    ));
    let csv = pingyi_core::export::tally_csv(&v2, &report.tally, "zh");
    assert!(csv.contains("参与情况,,统计的问卷版本,"), "{csv}");
    assert!(csv.contains("本次统计只计入第 2 版问卷的选票"), "{csv}");
    assert!(csv.contains("参与情况,,第 1 版的票（未计）,"), "{csv}");
    let en = pingyi_core::export::tally_csv(&v2, &report.tally, "en");
    assert!(
        en.contains("Participation,,Ballots for version 1 (not counted),"),
        "{en}"
    );

    // Without other versions: no note, and the field is absent from the JSON.
    let report = pingyi_core::export::tally_report(&v2, &ballots[..3], "t");
    assert!(report.notes.is_empty());
    let json = report.to_json_pretty();
    assert!(!json.contains("other_versions") && !json.contains("\"notes\""));
}

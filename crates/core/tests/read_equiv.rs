//! `parse_survey` reads the checked JSON tree into the model by hand (to keep serde's `Value`
//! deserializer and its flatten/tag buffering out of the widget). These tests hold it to the
//! derived `Deserialize`: whatever one accepts, the other reads to the same `Survey`.

mod common;

use common::{example, survey_json};
use pingyi_core::{parse_survey, Survey};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Both readers agree on `text`.
fn agree(text: &str) -> Result<(), String> {
    let ours = parse_survey(text);
    let serde = serde_json::from_str::<Survey>(text);
    match (&ours, &serde) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Ok(a), Ok(b)) => Err(format!("different surveys:\n{a:#?}\n{b:#?}")),
        (Ok(_), Err(e)) => Err(format!("parse_survey accepted what serde rejects: {e}")),
        // The structure pass is stricter than serde in places (serde reads a struct from an
        // array of its fields, e.g. `"title": ["x"]`); the reader must never be reached then.
        (Err(p), _) if p.iter().any(|p| p.code == "invalid_structure") => {
            Err(format!("the reader failed: {p:#?}"))
        }
        (Err(_), _) => Ok(()),
    }
}

fn full() -> Value {
    let mut v = survey_json(json!([
        { "id": "sat", "kind": "scale", "title": { "zh": "满意", "en": "Satisfied" }, "help": { "zh": "帮助", "en": null },
          "required": false, "preset": "satisfaction" },
        { "id": "own", "kind": "scale", "title": { "zh": "自定义" }, "preset": null,
          "options": [ { "id": "a", "label": { "zh": "甲" }, "weight": -5 }, { "id": "b", "label": { "zh": "乙" }, "weight": null },
                       { "id": "c", "label": { "zh": "丙" }, "not_valid": true } ],
          "grades": [ { "option": "a", "at_least_percent": 90, "grade": { "zh": "优" } } ],
          "default_grade": { "zh": "中" },
          "subjects": [ { "id": "s", "label": { "zh": "对象" }, "detail": { "zh": "细节" } }, { "id": "t", "label": { "zh": "二" }, "detail": null } ] },
        { "id": "appr", "kind": "scale", "title": { "zh": "称职" }, "preset": "appraisal" },
        { "id": "pick", "kind": "choose", "title": { "zh": "选" }, "min": 1, "max": 2, "seats": 1,
          "options": [ { "id": "o1", "label": { "zh": "1" } }, { "id": "o2", "label": { "zh": "2" } } ] },
        { "id": "pick2", "kind": "choose", "title": { "zh": "选" }, "max": 1, "seats": null,
          "show_if": { "question": "pick", "any_of": ["o1", "o2"] },
          "options": [ { "id": "o1", "label": { "zh": "1" } } ] },
        { "id": "pts", "kind": "score", "title": { "zh": "分" },
          "subjects": [ { "id": "h1", "label": { "zh": "一" } } ],
          "criteria": [ { "id": "c", "label": { "zh": "卫生" }, "min": -10, "max": 10, "step": 2 }, { "id": "d", "label": { "zh": "秩序" }, "min": 0, "max": 3 } ],
          "combine": { "method": "trimmed_mean", "drop": 1 } },
        { "id": "pts2", "kind": "score", "title": { "zh": "分" }, "combine": { "method": "mean" },
          "subjects": [ { "id": "h1", "label": { "zh": "一" } } ],
          "criteria": [ { "id": "c", "label": { "zh": "卫生" }, "min": 0, "max": 10 } ] },
        { "id": "note", "kind": "notice", "title": { "zh": "公示" }, "reason_max_len": 50,
          "items": [ { "id": "i", "label": { "zh": "项" } } ] },
        { "id": "note2", "kind": "notice", "title": { "zh": "公示" }, "items": [ { "id": "i", "label": { "zh": "项" } } ] },
        { "id": "vote", "kind": "approve", "title": { "zh": "表决" }, "rule": "eligible", "detail": { "zh": "方案" } },
        { "id": "vote2", "kind": "approve", "title": { "zh": "表决" }, "detail": null },
        { "id": "why", "kind": "text", "title": { "zh": "理由" }, "max_len": 20 },
        { "id": "why2", "kind": "text", "title": { "zh": "理由" }, "show_if": null }
    ]));
    let o = v.as_object_mut().unwrap();
    o.insert("$schema".into(), json!("../docs/survey.schema.json"));
    o.insert("description".into(), json!({ "zh": "说明", "en": "About" }));
    o.insert("eligible".into(), json!(30));
    o.insert("voting_unit".into(), json!("household"));
    o.insert("anonymous".into(), json!(false));
    o.insert("quorum_percent".into(), json!(66));
    o.insert("results_public".into(), json!(true));
    o.insert("publish_receipts".into(), json!(true));
    o.insert("codes".into(), json!(true));
    o.insert("opens_at".into(), json!("2026-11-27T19:00:00+08:00"));
    o.insert("closes_at".into(), json!("2026-11-28T19:00:00+08:00"));
    o.insert(
        "collect".into(),
        json!({ "endpoint": "https://example.org/pingyi", "submit_key": "k" }),
    );
    v["sections"][0]["description"] = json!({ "zh": "部分说明" });
    v
}

#[test]
fn every_field_reads_the_same() {
    let v = full();
    let s = parse_survey(&v.to_string()).expect("valid");
    assert_eq!(s, serde_json::from_value::<Survey>(v).unwrap());
}

#[test]
fn defaults_and_nulls_read_the_same() {
    let mut v = survey_json(json!([{ "id": "q", "kind": "text", "title": { "zh": "x" } }]));
    for (k, null) in [
        ("description", true),
        ("eligible", true),
        ("opens_at", true),
        ("closes_at", true),
        ("collect", true),
    ] {
        if null {
            v[k] = Value::Null;
        }
    }
    agree(&v.to_string()).unwrap();
    let s = parse_survey(&v.to_string()).unwrap();
    assert!(s.anonymous && s.quorum_percent == 50 && !s.results_public);
}

#[test]
fn examples_read_the_same() {
    for name in [
        "satisfaction.json",
        "appraisal.json",
        "evening-meeting.json",
    ] {
        agree(&example(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_surveys_read_the_same(which in 0usize..4, path_seed in any::<u64>(), replacement in json_value()) {
        let mut v = match which {
            3 => full(),
            n => serde_json::from_str(&example(["satisfaction.json", "appraisal.json", "evening-meeting.json"][n])).unwrap(),
        };
        replace_somewhere(&mut v, path_seed, replacement);
        if let Err(e) = agree(&v.to_string()) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn surveys_with_a_field_removed_read_the_same(which in 0usize..4, path_seed in any::<u64>()) {
        let mut v = match which {
            3 => full(),
            n => serde_json::from_str(&example(["satisfaction.json", "appraisal.json", "evening-meeting.json"][n])).unwrap(),
        };
        remove_somewhere(&mut v, path_seed);
        if let Err(e) = agree(&v.to_string()) {
            prop_assert!(false, "{}", e);
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (0u32..5).prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        Just(json!(1.0)),
        "[a-z_ -]{0,8}".prop_map(Value::String),
        prop_oneof![
            Just("mean"),
            Just("trimmed_mean"),
            Just("scale"),
            Just("text"),
            Just("approve"),
            Just("household"),
            Just("valid"),
            Just("appraisal")
        ]
        .prop_map(|s| json!(s)),
        Just(json!({ "zh": "x" })),
        Just(json!({ "method": "trimmed_mean", "drop": 2 })),
        Just(json!({ "method": "mean", "drop": 2 })),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replace one node of `v`, walking down a pseudo-random path.
fn replace_somewhere(v: &mut Value, mut seed: u64, replacement: Value) {
    let mut node = v;
    loop {
        let stop = seed.is_multiple_of(4);
        seed /= 4;
        let len = match node {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        if stop || len == 0 {
            *node = replacement;
            return;
        }
        let i = (seed % len as u64) as usize;
        seed /= len as u64 + 1;
        node = match node {
            Value::Array(a) => &mut a[i],
            Value::Object(o) => o.values_mut().nth(i).unwrap(),
            _ => unreachable!(),
        };
    }
}

/// Remove one key of some object of `v`, walking down a pseudo-random path.
fn remove_somewhere(v: &mut Value, mut seed: u64) {
    let mut node = v;
    loop {
        let stop = seed.is_multiple_of(3);
        seed /= 3;
        let len = match node {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        if len == 0 {
            return;
        }
        let i = (seed % len as u64) as usize;
        seed /= len as u64 + 1;
        if stop {
            if let Value::Object(o) = node {
                let k = o.keys().nth(i).unwrap().clone();
                o.remove(&k);
                return;
            }
        }
        node = match node {
            Value::Array(a) => &mut a[i],
            Value::Object(o) => o.values_mut().nth(i).unwrap(),
            _ => unreachable!(),
        };
    }
}

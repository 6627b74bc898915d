//! `parse_survey` reads the checked JSON tree into the model with the readers declared beside
//! each type in `survey.rs` (to keep serde's `Value` deserializer and its flatten/tag buffering
//! out of the widget). These tests hold the three views of each wire type to one another: the
//! field table walked by the structure pass, the reader, and the derived serde/JSON Schema.
//! Whatever the reader accepts, serde reads to the same value.

mod common;

use std::collections::BTreeSet;
use std::fmt::Debug;

use common::{example, survey_json};
use pingyi_core::survey::wire::{Field, Need, Shape, Wire};
use pingyi_core::survey::{
    Collect, Combine, Condition, Criterion, GradeRule, Item, PassRule, Question, QuestionBody,
    ScaleOption, ScalePreset, Section, VotingUnit,
};
use pingyi_core::{parse_survey, Survey, Text};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

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

// ---------------------------------------------------------------------------------------------
// The field tables, the readers and the JSON Schema describe the same fields.

/// The committed JSON Schema (`tests/schema.rs` keeps it equal to the generated one).
fn schema() -> Value {
    let path = format!(
        "{}/../../docs/survey.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/survey.schema.json")).unwrap()
}

/// The schema object a `$ref` (possibly inside `anyOf` with `null`) points at.
fn resolve<'a>(schema: &'a Value, prop: &'a Value) -> &'a Value {
    let target = prop["$ref"].as_str().or_else(|| {
        prop["anyOf"]
            .as_array()?
            .iter()
            .find_map(|v| v["$ref"].as_str())
    });
    match target {
        Some(r) => &schema["$defs"][r.trim_start_matches("#/$defs/")],
        None => prop,
    }
}

fn allows_null(prop: &Value) -> bool {
    let in_type = match &prop["type"] {
        Value::Array(types) => types.contains(&json!("null")),
        _ => false,
    };
    let in_any_of = prop["anyOf"]
        .as_array()
        .is_some_and(|a| a.contains(&json!({ "type": "null" })));
    in_type || in_any_of
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The strings a string enum allows: `enum`, or `oneOf` of `const`s.
fn enum_values(def: &Value) -> Vec<String> {
    match def["enum"].as_array() {
        Some(values) => values
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        None => def["oneOf"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v["const"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Whether a field's shape is what the schema says of the property.
fn shape_agrees(schema: &Value, shape: Shape, prop: &Value) -> Result<(), String> {
    let types: Vec<&str> = match &prop["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let def = resolve(schema, prop);
    let reference = prop["$ref"].as_str().or_else(|| {
        prop["anyOf"]
            .as_array()?
            .iter()
            .find_map(|v| v["$ref"].as_str())
    });
    let ok = match shape {
        Shape::Str => types.contains(&"string"),
        Shape::Bool => types.contains(&"boolean"),
        Shape::U32 => types.contains(&"integer") && prop["format"] == "uint32",
        Shape::I32 => types.contains(&"integer") && prop["format"] == "int32",
        Shape::Text => reference == Some("#/$defs/Text"),
        Shape::Question => reference == Some("#/$defs/Question"),
        Shape::OneOf(names) => reference.is_some() && enum_values(def) == names,
        Shape::Obj(fields) => {
            reference.is_some()
                && keys(&def["properties"]) == fields.iter().map(|f| f.name.to_string()).collect()
        }
        Shape::Arr(inner) => {
            return if types.contains(&"array") {
                shape_agrees(schema, *inner, &prop["items"])
            } else {
                Err(format!("{shape:?} but the schema has {prop}"))
            };
        }
        Shape::Tagged(t) => {
            let tags: Vec<&str> = def["oneOf"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v["properties"][t.tag.name]["const"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            reference.is_some() && matches!(t.tag.shape, Shape::OneOf(names) if tags == names)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{shape:?} but the schema has {prop}"))
    }
}

/// Compare one table with one schema object: the same names, the same required ones, `null`
/// allowed exactly for optional fields, and agreeing shapes. `tag` is a schema property that is
/// not in the table (the kind of a question).
fn table_agrees(
    schema: &Value,
    name: &str,
    object: &Value,
    fields: &[Field],
    tag: Option<&str>,
    errors: &mut Vec<String>,
) {
    let props = &object["properties"];
    let required: BTreeSet<&str> = object["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for f in fields {
        let prop = &props[f.name];
        if prop.is_null() {
            errors.push(format!(
                "{name}.{} is in the table but not in the JSON Schema",
                f.name
            ));
            continue;
        }
        if (f.need == Need::Required) != required.contains(f.name) {
            errors.push(format!(
                "{name}.{} is {:?} in the table but {} in the JSON Schema",
                f.name,
                f.need,
                if required.contains(f.name) {
                    "required"
                } else {
                    "not required"
                }
            ));
        }
        if (f.need == Need::Optional) != allows_null(prop) {
            errors.push(format!(
                "{name}.{} is {:?} in the table but the JSON Schema {} null",
                f.name,
                f.need,
                if allows_null(prop) {
                    "allows"
                } else {
                    "does not allow"
                }
            ));
        }
        if let Err(e) = shape_agrees(schema, f.shape, prop) {
            errors.push(format!("{name}.{}: the table says {e}", f.name));
        }
    }
    for key in keys(props) {
        if Some(key.as_str()) != tag && !fields.iter().any(|f| f.name == key) {
            errors.push(format!(
                "the JSON Schema's {name}.{key} is missing from the table"
            ));
        }
    }
}

/// Every object type in the JSON Schema, with its table. A type added to the schema without a
/// table here fails `every_table_matches_the_json_schema`.
fn tables() -> Vec<(&'static str, &'static [Field])> {
    vec![
        ("Survey", Survey::FIELDS),
        ("Collect", Collect::FIELDS),
        ("Condition", Condition::FIELDS),
        ("Criterion", Criterion::FIELDS),
        ("GradeRule", GradeRule::FIELDS),
        ("Item", Item::FIELDS),
        ("Question", Question::FIELDS),
        ("ScaleOption", ScaleOption::FIELDS),
        ("Section", Section::FIELDS),
        ("Text", Text::FIELDS),
    ]
}

#[test]
fn every_table_matches_the_json_schema() {
    let schema = schema();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, fields) in tables() {
        let object = if name == "Survey" {
            &schema
        } else {
            &schema["$defs"][name]
        };
        assert_eq!(
            object["type"], "object",
            "{name} is not an object in the JSON Schema"
        );
        table_agrees(&schema, name, object, fields, None, &mut errors);
        seen.insert(name.to_string());
    }

    // The kinds of question: one `oneOf` entry per kind, holding the tag and the kind's fields.
    let kinds = schema["$defs"]["Question"]["oneOf"].as_array().unwrap();
    let schema_kinds: Vec<&str> = kinds
        .iter()
        .map(|k| {
            k["properties"][QuestionBody::TAG]["const"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(schema_kinds, QuestionBody::KINDS, "the kinds of question");
    for (kind, object) in QuestionBody::KINDS.iter().zip(kinds) {
        let fields = QuestionBody::fields_of(kind).unwrap();
        let name = format!("Question(kind {kind})");
        table_agrees(
            &schema,
            &name,
            object,
            fields,
            Some(QuestionBody::TAG),
            &mut errors,
        );
        let required = object["required"].as_array().unwrap();
        assert!(
            required.contains(&json!(QuestionBody::TAG)),
            "{name}: the tag is required"
        );
    }
    assert!(QuestionBody::fields_of("nonsense").is_none());

    // Enums written as strings, and the tagged `Combine`.
    for (name, shape) in [
        ("VotingUnit", VotingUnit::SHAPE),
        ("ScalePreset", ScalePreset::SHAPE),
        ("PassRule", PassRule::SHAPE),
    ] {
        let Shape::OneOf(names) = shape else {
            panic!("{name}: {shape:?}")
        };
        assert_eq!(enum_values(&schema["$defs"][name]), names, "{name}");
        seen.insert(name.to_string());
    }
    let Shape::Tagged(combine) = Combine::SHAPE else {
        panic!("Combine: not tagged")
    };
    let Shape::OneOf(tags) = combine.tag.shape else {
        panic!("Combine: {:?}", combine.tag)
    };
    assert_eq!(combine.tag.need, Need::Required, "the tag of Combine");
    let variants = schema["$defs"]["Combine"]["oneOf"].as_array().unwrap();
    assert_eq!(variants.len(), tags.len(), "the variants of Combine");
    assert_eq!(
        combine.fields.len(),
        tags.len(),
        "the fields of each variant of Combine"
    );
    for ((tag, fields), object) in tags.iter().zip(combine.fields).zip(variants) {
        let tag_name = combine.tag.name;
        assert_eq!(object["properties"][tag_name]["const"], *tag, "Combine");
        table_agrees(
            &schema,
            &format!("Combine({tag})"),
            object,
            fields,
            Some(tag_name),
            &mut errors,
        );
    }
    seen.insert("Combine".into());

    let unchecked: Vec<String> = keys(&schema["$defs"]).difference(&seen).cloned().collect();
    assert!(
        unchecked.is_empty(),
        "schema types without a table check here: {unchecked:?}"
    );
    assert!(
        errors.is_empty(),
        "the tables and the JSON Schema disagree:\n{}",
        errors.join("\n")
    );
}

/// A value of the type with every field of its table present (not at its default).
fn samples() -> Vec<(&'static str, Value)> {
    let text = json!({ "zh": "中文", "en": "English" });
    let item = json!({ "id": "i", "label": { "zh": "项" }, "detail": { "zh": "细节" } });
    let option = json!({ "id": "o", "label": { "zh": "甲" }, "weight": -5, "not_valid": true });
    let rule = json!({ "option": "o", "at_least_percent": 90, "grade": { "zh": "优" } });
    let criterion =
        json!({ "id": "c", "label": { "zh": "卫生" }, "min": -10, "max": 10, "step": 2 });
    let section = json!({ "id": "s", "title": { "zh": "一" }, "description": { "zh": "说明" },
        "questions": [ { "id": "q", "kind": "text", "title": { "zh": "意见" } } ] });
    vec![
        ("Survey", full()),
        (
            "Collect",
            json!({ "endpoint": "https://example.org/pingyi", "submit_key": "k" }),
        ),
        (
            "Condition",
            json!({ "question": "q", "any_of": ["a", "b"] }),
        ),
        ("Criterion", criterion),
        ("GradeRule", rule),
        ("Item", item),
        ("ScaleOption", option),
        ("Section", section),
        ("Text", text),
    ]
}

/// A question of `kind` with every common field and the given fields of its kind.
fn question_sample(kind: &str) -> Value {
    let body = match kind {
        "scale" => json!({ "preset": "appraisal",
            "options": [ { "id": "o", "label": { "zh": "甲" }, "weight": 3 } ],
            "grades": [ { "option": "o", "at_least_percent": 50, "grade": { "zh": "优" } } ],
            "default_grade": { "zh": "中" },
            "subjects": [ { "id": "s", "label": { "zh": "对象" } } ] }),
        "choose" => {
            json!({ "options": [ { "id": "o", "label": { "zh": "甲" } } ], "min": 1, "max": 2, "seats": 1 })
        }
        "score" => json!({ "subjects": [ { "id": "s", "label": { "zh": "户" } } ],
            "criteria": [ { "id": "c", "label": { "zh": "卫生" }, "min": 0, "max": 10 } ],
            "combine": { "method": "trimmed_mean", "drop": 1 } }),
        "notice" => {
            json!({ "items": [ { "id": "i", "label": { "zh": "项" } } ], "reason_max_len": 50 })
        }
        "approve" => json!({ "rule": "valid", "detail": { "zh": "方案" } }),
        "text" => json!({ "max_len": 20 }),
        other => panic!("no sample question of kind {other}: add one here"),
    };
    let mut q = json!({ "id": "q", "kind": kind, "title": { "zh": "题" }, "help": { "zh": "帮助" },
        "required": false, "show_if": { "question": "p", "any_of": ["x"] } });
    q.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    q
}

fn with(sample: &Value, key: &str, value: Option<Value>) -> Value {
    let mut v = sample.clone();
    let m: &mut Map<String, Value> = v.as_object_mut().unwrap();
    match value {
        Some(value) => m.insert(key.to_string(), value),
        None => m.remove(key),
    };
    v
}

/// The start of a value's debug form, enough to tell `None` from a value.
fn short(v: &impl Debug) -> String {
    let s = format!("{v:?}");
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// `T::read` uses every field of `fields` and reads like serde: the sample as a whole, each
/// field left out, each field `null`, and each field replaced by `{}` (which no field of the
/// format accepts, so a reader that does not look at the field would still succeed).
fn reads_every_field<T: Wire + DeserializeOwned + PartialEq + Debug>(
    name: &str,
    sample: &Value,
    fields: &[Field],
    errors: &mut Vec<String>,
) {
    let serde = |v: &Value| serde_json::from_value::<T>(v.clone()).ok();
    for f in fields {
        if sample.get(f.name).is_none() {
            errors.push(format!(
                "the sample {name} has no {}: add it to samples()",
                f.name
            ));
        }
    }
    let whole = T::read(sample);
    if whole.is_none() || whole != serde(sample) {
        errors.push(format!(
            "{name}: the reader gives {}, serde {}",
            short(&whole),
            short(&serde(sample))
        ));
    }
    for f in fields {
        if let Some(v) = T::read(&with(sample, f.name, Some(json!({})))) {
            errors.push(format!(
                "{name}.{} is not read (with {{}} there, read {})",
                f.name,
                short(&v)
            ));
        }
        for (what, value) in [("left out", None), ("null", Some(Value::Null))] {
            let changed = with(sample, f.name, value);
            let (ours, theirs) = (T::read(&changed), serde(&changed));
            if ours != theirs {
                errors.push(format!(
                    "{name}.{} {what}: the reader gives {}, serde {}",
                    f.name,
                    short(&ours),
                    short(&theirs)
                ));
            }
        }
    }
}

#[test]
fn the_readers_read_every_field_of_every_table() {
    let mut errors = Vec::new();
    let samples = samples();
    let sample = |name: &str| &samples.iter().find(|(n, _)| *n == name).unwrap().1;
    for (name, _) in tables() {
        assert!(
            name == "Question" || samples.iter().any(|(n, _)| *n == name),
            "no sample {name}: add one to samples()"
        );
    }
    reads_every_field::<Survey>("Survey", sample("Survey"), Survey::FIELDS, &mut errors);
    reads_every_field::<Collect>("Collect", sample("Collect"), Collect::FIELDS, &mut errors);
    reads_every_field::<Condition>(
        "Condition",
        sample("Condition"),
        Condition::FIELDS,
        &mut errors,
    );
    reads_every_field::<Criterion>(
        "Criterion",
        sample("Criterion"),
        Criterion::FIELDS,
        &mut errors,
    );
    reads_every_field::<GradeRule>(
        "GradeRule",
        sample("GradeRule"),
        GradeRule::FIELDS,
        &mut errors,
    );
    reads_every_field::<Item>("Item", sample("Item"), Item::FIELDS, &mut errors);
    reads_every_field::<ScaleOption>(
        "ScaleOption",
        sample("ScaleOption"),
        ScaleOption::FIELDS,
        &mut errors,
    );
    reads_every_field::<Section>("Section", sample("Section"), Section::FIELDS, &mut errors);
    reads_every_field::<Text>("Text", sample("Text"), Text::FIELDS, &mut errors);
    for kind in QuestionBody::KINDS {
        let fields: Vec<Field> = Question::FIELDS
            .iter()
            .chain(QuestionBody::fields_of(kind).unwrap())
            .copied()
            .collect();
        let q = question_sample(kind);
        reads_every_field::<Question>(&format!("Question(kind {kind})"), &q, &fields, &mut errors);
        let read = Question::read(&q).map(|q| q.body.kind());
        if read != Some(*kind) {
            errors.push(format!("kind {kind} reads as {read:?}"));
        }
    }
    // Without the tag, or with an unknown one, there is no question.
    let q = question_sample("text");
    for tag in [None, Some(json!("nonsense")), Some(json!(1))] {
        let changed = with(&q, QuestionBody::TAG, tag.clone());
        assert_eq!(Question::read(&changed), None, "kind {tag:?}");
        assert!(
            serde_json::from_value::<Question>(changed).is_err(),
            "kind {tag:?}"
        );
    }

    // String enums: every name, and nothing else.
    fn names<T: Wire + DeserializeOwned + PartialEq + Debug>(errors: &mut Vec<String>) {
        let Shape::OneOf(names) = T::SHAPE else {
            panic!("{:?}", T::SHAPE)
        };
        for n in names.iter().chain(&["nonsense"]) {
            let (ours, theirs) = (
                T::read(&json!(n)),
                serde_json::from_value::<T>(json!(n)).ok(),
            );
            if ours != theirs || (ours.is_none() && *n != "nonsense") {
                errors.push(format!(
                    "\"{n}\": the reader gives {ours:?}, serde {theirs:?}"
                ));
            }
        }
    }
    names::<VotingUnit>(&mut errors);
    names::<ScalePreset>(&mut errors);
    names::<PassRule>(&mut errors);

    // `Combine`: each tag with its fields.
    let Shape::Tagged(combine) = Combine::SHAPE else {
        panic!("Combine: not tagged")
    };
    let Shape::OneOf(tags) = combine.tag.shape else {
        panic!("Combine: {:?}", combine.tag)
    };
    for (tag, fields) in tags.iter().zip(combine.fields) {
        let mut sample = json!({ combine.tag.name: tag });
        for f in *fields {
            sample[f.name] = json!(2);
        }
        reads_every_field::<Combine>(&format!("Combine({tag})"), &sample, fields, &mut errors);
    }
    for tag in [None, Some(json!("nonsense"))] {
        let changed = with(&json!({ combine.tag.name: "mean" }), combine.tag.name, tag);
        assert_eq!(Combine::read(&changed), None);
    }

    assert!(
        errors.is_empty(),
        "the readers and the tables disagree:\n{}",
        errors.join("\n")
    );
}

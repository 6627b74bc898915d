//! `Answer` has a hand-written `Deserialize` (to keep serde's untagged-enum buffering out of the
//! widget). These tests hold it to what `#[derive(Deserialize)] #[serde(untagged)]` accepts.

use std::collections::BTreeMap;

use pingyi_core::Answer;
use proptest::prelude::*;
use serde_json::{json, Value};

mod derived {

    use pingyi_core::NoticeResponse;
    use serde::Deserialize;

    /// The derived form `Answer` had before (same name, for the same error messages).
    #[derive(Debug, Deserialize)]
    #[serde(untagged)]
    pub enum Answer {
        Choice {
            choice: String,
        },
        Ratings {
            ratings: pingyi_core::IdMap<String>,
        },
        Chosen {
            chosen: Vec<String>,
        },
        Scores {
            scores: pingyi_core::IdMap<pingyi_core::IdMap<i32>>,
        },
        Responses {
            responses: pingyi_core::IdMap<NoticeResponse>,
        },
        Text {
            text: String,
        },
    }
}
use derived::Answer as Derived;

impl From<Derived> for Answer {
    fn from(d: Derived) -> Answer {
        match d {
            Derived::Choice { choice } => Answer::Choice { choice },
            Derived::Ratings { ratings } => Answer::Ratings { ratings },
            Derived::Chosen { chosen } => Answer::Chosen { chosen },
            Derived::Scores { scores } => Answer::Scores { scores },
            Derived::Responses { responses } => Answer::Responses { responses },
            Derived::Text { text } => Answer::Text { text },
        }
    }
}

fn check(v: &Value) -> Result<(), String> {
    let text = v.to_string();
    let ours = serde_json::from_str::<Answer>(&text);
    let derived = serde_json::from_str::<Derived>(&text).map(Answer::from);
    match (ours, derived) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Err(a), Err(b)) if a.to_string() == b.to_string() => Ok(()),
        (a, b) => Err(format!("{text}: hand-written {a:?}, derived {b:?}")),
    }
}

#[test]
fn every_shape_reads_the_same() {
    for v in [
        json!({"choice": "for"}),
        json!({"choice": "for", "other": 1}),
        json!({"choice": 1, "text": "x"}),
        json!({"ratings": {"a": "x", "b": "y"}}),
        json!({"ratings": {"a": 1}, "chosen": ["x"]}),
        json!({"chosen": []}),
        json!({"chosen": ["a", 2]}),
        json!({"scores": {"h": {"c": 8, "d": -3}}}),
        json!({"scores": {"h": {"c": 8.5}}}),
        json!({"scores": {"h": {"c": 3000000000u64}}}),
        json!({"responses": {"i": {"objection": true, "reason": "贵"}, "j": {"objection": false}}}),
        json!({"responses": {"i": {"objection": true, "reason": null}}}),
        json!({"responses": {"i": {"objection": true, "extra": 1}}}),
        json!({"responses": {"i": {"reason": "x"}}}),
        json!({"responses": {"i": [true, "x"]}}),
        json!({"responses": {"i": [false]}}),
        json!({"responses": {"i": [false, 1]}}),
        json!({"responses": {"i": [false, null, 2]}}),
        json!({"text": "修路"}),
        json!({"text": null}),
        json!({}),
        json!([]),
        json!(["for"]),
        json!([["a"]]),
        json!(["a", "b"]),
        json!("for"),
        json!(null),
        json!(3),
    ] {
        check(&v).unwrap();
    }
}

#[test]
fn answers_inside_a_map_read_the_same() {
    let text = r#"{"a":{"choice":"for"},"b":{"ratings":{"s1":"satisfied"}},"c":{"chosen":["x","y"]},"d":{"scores":{"h1":{"clean":8}}}}"#;
    let ours: BTreeMap<String, Answer> = serde_json::from_str(text).unwrap();
    let derived: BTreeMap<String, Derived> = serde_json::from_str(text).unwrap();
    assert_eq!(
        ours,
        derived
            .into_iter()
            .map(|(k, v)| (k, Answer::from(v)))
            .collect()
    );
    let bad = r#"{"a":{"choice":"for"},"b":{"nothing":1}}"#;
    let e1 = serde_json::from_str::<BTreeMap<String, Answer>>(bad)
        .unwrap_err()
        .to_string();
    let e2 = serde_json::from_str::<BTreeMap<String, Derived>>(bad)
        .unwrap_err()
        .to_string();
    assert_eq!(e1, e2);
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3).prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(1.5)),
        "[a-c]{0,2}".prop_map(Value::String),
    ];
    let key = prop_oneof![
        Just("choice".to_string()),
        Just("ratings".to_string()),
        Just("chosen".to_string()),
        Just("scores".to_string()),
        Just("responses".to_string()),
        Just("text".to_string()),
        Just("objection".to_string()),
        Just("reason".to_string()),
        "[a-c]{1,2}",
    ];
    leaf.prop_recursive(3, 16, 3, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_value_reads_the_same(v in value()) {
        if let Err(e) = check(&v) {
            prop_assert!(false, "{}", e);
        }
    }
}

fn ballot_value() -> impl Strategy<Value = Value> {
    let answer = prop_oneof![
        Just(json!({"choice": "for"})),
        Just(json!({"chosen": ["a", "b"]})),
        Just(json!({"scores": {"h": {"c": 3}}})),
        Just(json!({"nothing": 1})),
        Just(json!(1)),
    ];
    let field = prop_oneof![
        Just(Value::Null),
        Just(json!("x")),
        Just(json!(1)),
        Just(json!(-1)),
        Just(json!(5000000000u64)),
        Just(json!("digital")),
        Just(json!("paper")),
        Just(json!("post")),
        proptest::collection::btree_map("[a-c]", answer, 0..3).prop_map(|m| json!(m)),
    ];
    let base = json!({
        "id": "6f1c2b8e-0000-4000-8000-000000000001", "survey_id": "s", "survey_version": 1,
        "cast_at": "2026-11-27T12:00:00.000Z", "device": "d", "channel": "paper", "answers": {"q": {"text": "x"}}
    });
    let key = prop_oneof![
        Just("id"),
        Just("survey_id"),
        Just("survey_version"),
        Just("cast_at"),
        Just("device"),
        Just("channel"),
        Just("answers"),
        Just("extra")
    ];
    proptest::collection::vec((key, proptest::option::of(field)), 0..4).prop_map(move |edits| {
        let mut v = base.clone();
        for (k, f) in edits {
            match f {
                Some(f) => v[k] = f,
                None => {
                    v.as_object_mut().unwrap().remove(k);
                }
            }
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn ballot_from_value_agrees_with_serde(v in ballot_value()) {
        let derived = serde_json::from_value::<pingyi_core::Ballot>(v.clone()).ok();
        prop_assert_eq!(pingyi_core::Ballot::from_value(&v), derived);
    }
}

fn protocol_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        Just(json!(1)),
        Just(json!("x")),
        Just(json!("accepted")),
        Just(json!("duplicate")),
        Just(json!("conflict")),
        Just(json!("rejected")),
        Just(json!({"path": "$", "code": "c", "zh": "中", "en": "e"})),
        Just(json!({"path": "$", "code": "c", "zh": "中"})),
        Just(json!({"path": "$", "code": "c", "zh": "中", "en": "e", "more": 1})),
    ];
    let key = prop_oneof![
        Just("results".to_string()),
        Just("id".to_string()),
        Just("status".to_string()),
        Just("problems".to_string()),
        Just("error".to_string()),
        Just("code".to_string()),
        Just("message".to_string()),
        Just("other".to_string()),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn protocol_from_value_agrees_with_serde(v in protocol_value()) {
        use pingyi_core::protocol::{BallotResult, BallotStatus, ErrorBody, SubmitResponse};
        use pingyi_core::Problem;
        // Whatever `from_value` reads, serde reads the same; whatever serde reads, `from_value`
        // reads in its object form (serde also reads a struct from an array of its fields).
        fn same<T>(v: &Value, ours: fn(&Value) -> Option<T>) -> Result<(), TestCaseError>
        where
            T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
        {
            let derived = serde_json::from_value::<T>(v.clone()).ok();
            if let Some(o) = ours(v) {
                prop_assert_eq!(Some(o), derived);
            } else if let Some(d) = derived {
                prop_assert_eq!(ours(&serde_json::to_value(&d).unwrap()), Some(d));
            }
            Ok(())
        }
        same(&v, SubmitResponse::from_value)?;
        same(&v, BallotResult::from_value)?;
        same(&v, ErrorBody::from_value)?;
        same(&v, BallotStatus::from_value)?;
        same(&v, Problem::from_value)?;
    }

    #[test]
    fn protocol_from_value_reads_well_formed_responses(n in 0usize..4, rejected in any::<bool>()) {
        use pingyi_core::protocol::SubmitResponse;
        let results: Vec<Value> = (0..n).map(|i| if rejected {
            json!({"id": format!("b{i}"), "status": "rejected", "problems": [{"path": "$", "code": "c", "zh": "中", "en": "e"}]})
        } else {
            json!({"id": format!("b{i}"), "status": "accepted"})
        }).collect();
        let v = json!({ "results": results, "extra": true });
        let ours = SubmitResponse::from_value(&v);
        prop_assert!(ours.is_some());
        prop_assert_eq!(ours, serde_json::from_value::<SubmitResponse>(v).ok());
    }
}

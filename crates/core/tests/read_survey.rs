//! `read_survey_value`, the residents' widget's survey reader: the structural pass alone. A
//! malformed file is refused with the same problems and paths as the full check; what a file
//! means (ids, ranges, references) is left to the organisers' tools; a file for another format is
//! refused.

mod common;

use common::example;
use pingyi_core::{parse_survey_value, read_survey_value, Problem};
use serde_json::{json, Value};

fn codes_at(problems: &[Problem]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|p| (p.path.clone(), p.code.clone()))
        .collect()
}

#[test]
fn the_examples_read_the_same_as_the_full_check() {
    for name in [
        "appraisal.json",
        "evening-meeting.json",
        "satisfaction.json",
    ] {
        let v: Value = serde_json::from_str(&example(name)).unwrap();
        let read = read_survey_value(v.clone()).expect(name);
        assert_eq!(read, parse_survey_value(v).unwrap(), "{name}");
    }
}

#[test]
fn a_malformed_file_is_refused_with_every_structural_problem_at_its_path() {
    let bad = json!({
        "format": "pingyi/1", "id": "s", "version": "one", "title": {"zh": "问卷"},
        "sections": [
            {"id": "a", "title": {"zh": "一"}, "questions": [
                {"id": "q1", "title": {"zh": "问"}, "kind": "guess"},
                {"id": "q2", "title": {"zh": "问"}, "kind": "text", "colour": "red"}
            ]},
            "not a section"
        ]
    });
    let read = read_survey_value(bad.clone()).unwrap_err();
    let full = parse_survey_value(bad).unwrap_err();
    let found = codes_at(&read);
    for p in &read {
        assert!(!p.zh.is_empty() && !p.en.is_empty(), "{p:?}");
    }
    assert!(
        found.contains(&("$.version".into(), "wrong_type".into())),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(path, _)| path == "$.sections[0].questions[0].kind"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(path, _)| path.starts_with("$.sections[0].questions[1]")),
        "{found:?}"
    );
    assert!(
        found.contains(&("$.sections[1]".into(), "wrong_type".into())),
        "{found:?}"
    );
    // Every structural problem of the full check, and nothing else here.
    for p in &found {
        assert!(codes_at(&full).contains(p), "{p:?} not in the full check");
    }
    assert_eq!(
        read_survey_value(json!([1, 2])).unwrap_err()[0].path,
        "$",
        "not an object"
    );
    assert!(read_survey_value(json!({})).is_err());
}

#[test]
fn meaning_is_left_to_the_organisers_tools() {
    // Well formed, but two questions share an id and a show_if names a question that is not there.
    let odd = json!({
        "format": "pingyi/1", "id": "s", "version": 1, "title": {"zh": "问卷"}, "unit": "湾",
        "sections": [{"id": "a", "title": {"zh": "一"}, "questions": [
            {"id": "q1", "title": {"zh": "问"}, "kind": "text"},
            {"id": "q1", "title": {"zh": "问"}, "kind": "text",
             "show_if": {"question": "nope", "any_of": ["x"]}}
        ]}]
    });
    assert!(parse_survey_value(odd.clone()).is_err());
    let s = read_survey_value(odd).unwrap();
    assert_eq!(s.questions().count(), 2);
}

#[test]
fn a_file_for_another_format_is_refused() {
    let mut v: Value = serde_json::from_str(&example("satisfaction.json")).unwrap();
    v["format"] = json!("pingyi/2");
    let problems = read_survey_value(v).unwrap_err();
    assert_eq!(
        codes_at(&problems),
        vec![("$.format".to_string(), "format_unsupported".to_string())]
    );
    assert!(problems[0].en.contains("pingyi/2"), "{:?}", problems[0]);
}

//! Shared builders for the core's integration tests.
#![allow(dead_code)]

use pingyi_core::{Answer, Ballot, Channel, Problem, Survey};
use serde_json::{json, Value};

/// A minimal valid survey around the given questions (one section).
pub fn survey_json(questions: Value) -> Value {
    json!({
        "format": "pingyi/1",
        "id": "test",
        "version": 1,
        "title": { "zh": "测试" },
        "unit": "测试湾",
        "sections": [ { "id": "s1", "title": { "zh": "第一部分" }, "questions": questions } ]
    })
}

pub fn problems_of(v: &Value) -> Vec<Problem> {
    match pingyi_core::parse_survey(&v.to_string()) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    }
}

pub fn parse(v: &Value) -> Survey {
    match pingyi_core::parse_survey(&v.to_string()) {
        Ok(s) => s,
        Err(p) => panic!("survey should be valid, got {p:#?}"),
    }
}

/// Panics with the full list unless a problem with this path and code is present.
pub fn assert_problem(problems: &[Problem], path: &str, code: &str) {
    assert!(
        problems.iter().any(|p| p.path == path && p.code == code),
        "expected {code} at {path}, got:\n{}",
        problems
            .iter()
            .map(|p| format!("  {} {} {}", p.path, p.code, p.zh))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

pub fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A device id (a lowercase UUID) numbered `n`.
pub fn device(n: u64) -> String {
    format!("00000000-0000-4000-9000-{n:012x}")
}

pub fn ballot(survey: &Survey, n: u64, answers: Value) -> Ballot {
    let answers: pingyi_core::IdMap<Answer> =
        serde_json::from_value(answers).expect("answers JSON");
    Ballot {
        id: uuid(n),
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        cast_at: "2026-11-27T12:00:00.000Z".into(),
        device: device(n),
        channel: Channel::Digital,
        code_hash: None,
        answers,
    }
}

/// `n` ballots numbered from `first`, each with the same answers.
pub fn ballots(survey: &Survey, first: u64, n: u64, answers: Value) -> Vec<Ballot> {
    (first..first + n)
        .map(|i| ballot(survey, i, answers.clone()))
        .collect()
}

pub fn example(name: &str) -> String {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

//! Every valid ballot of every valid survey fits in `MAX_BALLOT_BYTES`: the example surveys and
//! generated ones, answered as largely as the survey allows, with free texts at their maximum
//! length in the characters that take the most bytes in JSON.

mod common;

use pingyi_core::limits::{ballot_size_bound, MAX_BALLOT_BYTES, MAX_REASON_LEN, MAX_TEXT_LEN};
use pingyi_core::survey::QuestionBody;
use pingyi_core::{parse_survey, validate_ballot, Answer, Ballot, Channel, IdMap, Survey};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Characters to fill free text with: control characters (six bytes each in JSON), quotes and
/// backslashes (two), four-byte emoji, three-byte CJK, and a mix.
const FILLS: [&str; 6] = ["\u{1}", "\"", "\\", "😀", "评", "\u{1f}\"评😀\n"];

fn fill(pattern: &str, chars: u32) -> String {
    pattern.chars().cycle().take(chars as usize).collect()
}

/// The largest ballot `survey` accepts: every question answered, every option chosen, every
/// subject rated with the longest option id, scores of eleven characters where the range allows,
/// every notice item objected to with the longest reason, every text at its maximum.
fn largest_ballot(survey: &Survey, pattern: &str) -> Ballot {
    let mut answers = IdMap::new();
    for q in survey.questions() {
        let a = match &q.body {
            QuestionBody::Scale(s) => {
                let options = s.effective_options();
                let longest = options
                    .iter()
                    .filter(|o| !o.id.is_empty())
                    .max_by_key(|o| o.id.len())
                    .map(|o| o.id.clone())
                    .unwrap_or_default();
                if s.subjects.is_empty() {
                    Answer::Choice { choice: longest }
                } else {
                    Answer::Ratings {
                        ratings: s
                            .subjects
                            .iter()
                            .map(|x| (x.id.clone(), longest.clone()))
                            .collect(),
                    }
                }
            }
            QuestionBody::Approve(_) => Answer::Choice {
                choice: "abstain".into(),
            },
            QuestionBody::Choose(c) => Answer::Chosen {
                chosen: c
                    .options
                    .iter()
                    .take(c.max as usize)
                    .map(|o| o.id.clone())
                    .collect(),
            },
            QuestionBody::Score(sq) => Answer::Scores {
                scores: sq
                    .subjects
                    .iter()
                    .map(|x| {
                        let by: IdMap<i32> = sq
                            .criteria
                            .iter()
                            .map(|c| (c.id.clone(), if c.min < 0 { c.min } else { c.max }))
                            .collect();
                        (x.id.clone(), by)
                    })
                    .collect(),
            },
            QuestionBody::Notice(n) => Answer::Responses {
                responses: n
                    .items
                    .iter()
                    .map(|x| {
                        (
                            x.id.clone(),
                            pingyi_core::NoticeResponse {
                                objection: true,
                                reason: Some(fill(pattern, n.reason_max_len)),
                            },
                        )
                    })
                    .collect(),
            },
            QuestionBody::Text(t) => Answer::Text {
                text: fill(pattern, t.max_len),
            },
        };
        answers.insert(q.id.clone(), a);
    }
    Ballot {
        id: common::uuid(1),
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        cast_at: "2026-11-27T19:30:00.123456789+08:00".into(),
        device: common::device(1),
        channel: Channel::Digital,
        code_hash: survey.codes.then(|| "f".repeat(64)),
        answers,
    }
}

/// The largest ballot of `survey` is valid and within the survey's bound, and the bound within
/// the limit.
fn check_survey(survey: &Survey) {
    let bound = ballot_size_bound(survey);
    assert!(bound <= MAX_BALLOT_BYTES, "{}: bound {bound}", survey.id);
    for pattern in FILLS {
        // Every question answered, even those a `show_if` hides: larger than any valid ballot.
        let b = largest_ballot(survey, pattern);
        let len = b.canonical_json().len() as u64;
        // Without the answers to hidden questions it is valid: the worst case is a real ballot.
        let mut valid = b.clone();
        for q in survey.questions() {
            if !q.is_shown(&b.answers) {
                valid.answers.remove(&q.id);
            }
        }
        if let Err(p) = validate_ballot(survey, &valid) {
            panic!("{}: the largest ballot is not valid: {p:#?}", survey.id);
        }
        assert!(
            len <= bound,
            "{}: {len} bytes over the bound {bound}",
            survey.id
        );
    }
}

#[test]
fn the_example_surveys_fit() {
    for name in [
        "satisfaction.json",
        "appraisal.json",
        "evening-meeting.json",
    ] {
        let s = parse_survey(&common::example(name)).unwrap();
        check_survey(&s);
    }
}

#[test]
fn a_survey_that_could_make_a_too_large_ballot_is_refused() {
    let texts: Vec<Value> = (0..6)
        .map(|i| json!({ "id": format!("t{i}"), "title": { "zh": "意见" }, "kind": "text", "max_len": 2000 }))
        .collect();
    let p = common::problems_of(&common::survey_json(json!(texts)));
    common::assert_problem(&p, "$", "ballot_too_large");
    assert!(p[0].zh.contains("KB") && p[0].en.contains("64 KB"), "{p:?}");

    let p = common::problems_of(&common::survey_json(json!([
        { "id": "t", "title": { "zh": "意见" }, "kind": "text", "max_len": 2001 },
        { "id": "n", "title": { "zh": "公示" }, "kind": "notice", "reason_max_len": 1_000_000,
          "items": [{ "id": "i", "label": { "zh": "事项" } }] }
    ])));
    common::assert_problem(
        &p,
        "$.sections[0].questions[0].max_len",
        "max_len_too_large",
    );
    common::assert_problem(
        &p,
        "$.sections[0].questions[1].reason_max_len",
        "max_len_too_large",
    );

    let options: Vec<Value> = (0..201)
        .map(|i| json!({ "id": format!("o{i}"), "label": { "zh": "项" } }))
        .collect();
    let p = common::problems_of(&common::survey_json(json!([
        { "id": "c", "title": { "zh": "选" }, "kind": "choose", "options": options, "max": 1 }
    ])));
    common::assert_problem(&p, "$.sections[0].questions[0].options", "too_many_entries");

    let questions: Vec<Value> = (0..201)
        .map(|i| json!({ "id": format!("q{i}"), "title": { "zh": "题" }, "kind": "approve" }))
        .collect();
    let p = common::problems_of(&common::survey_json(json!(questions)));
    common::assert_problem(&p, "$.sections", "too_many_questions");
}

/// An id of `len` characters (1 to 64) made from `n`.
fn id(prefix: char, n: usize, len: usize) -> String {
    let s = format!("{prefix}{n}");
    let pad = len.saturating_sub(s.len());
    format!("{s}{}", "x".repeat(pad))
}

fn items(prefix: char, n: usize, len: usize) -> Value {
    (0..n)
        .map(|i| json!({ "id": id(prefix, i, len), "label": { "zh": "项" } }))
        .collect()
}

/// One generated question: kind, how many entries, how long the ids, the length limit.
fn question(i: usize, kind: u8, entries: usize, id_len: usize, max_len: u32) -> Value {
    let qid = id('q', i, id_len);
    let title = json!({ "zh": "题" });
    match kind % 7 {
        0 => json!({ "id": qid, "title": title, "kind": "scale", "preset": "satisfaction" }),
        1 => {
            json!({ "id": qid, "title": title, "kind": "scale", "subjects": items('s', entries, id_len),
                      "options": items('o', entries.min(20), id_len) })
        }
        2 => {
            json!({ "id": qid, "title": title, "kind": "choose", "options": items('o', entries, id_len),
                      "max": entries })
        }
        3 => {
            json!({ "id": qid, "title": title, "kind": "score", "subjects": items('s', entries, id_len),
                      "criteria": [{ "id": id('c', 0, id_len), "label": { "zh": "标准" }, "min": i32::MIN, "max": i32::MAX },
                                   { "id": id('c', 1, id_len), "label": { "zh": "标准" }, "min": 0, "max": 100 }] })
        }
        4 => {
            json!({ "id": qid, "title": title, "kind": "notice", "items": items('i', entries, id_len),
                      "reason_max_len": max_len.min(MAX_REASON_LEN) })
        }
        5 => json!({ "id": qid, "title": title, "kind": "approve" }),
        _ => {
            json!({ "id": qid, "title": title, "kind": "text", "max_len": max_len.min(MAX_TEXT_LEN) })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A generated survey is either refused as too large, or its largest ballots fit.
    #[test]
    fn generated_surveys_fit_or_are_refused(
        questions in prop::collection::vec((any::<u8>(), 1usize..=200, 1usize..=64, 1u32..=2000), 1..12),
        codes in any::<bool>(),
    ) {
        let qs: Vec<Value> = questions
            .iter()
            .enumerate()
            .map(|(i, (kind, entries, id_len, max_len))| question(i, *kind, *entries, *id_len, *max_len))
            .collect();
        let mut v = common::survey_json(json!(qs));
        v["codes"] = json!(codes);
        v["anonymous"] = json!(false);
        v["id"] = json!(id('v', 0, 64));
        match parse_survey(&v.to_string()) {
            Ok(s) => check_survey(&s),
            Err(p) => {
                prop_assert!(p.iter().all(|p| p.code == "ballot_too_large"), "{:#?}", p);
            }
        }
    }
}

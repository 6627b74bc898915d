//! Ballot validation: shapes, ids, ranges, required and hidden questions.

mod common;

use common::{assert_problem, ballot, parse, survey_json};
use pingyi_core::validate_ballot;
use serde_json::json;

fn survey() -> pingyi_core::Survey {
    parse(&survey_json(json!([
        { "id": "q1", "kind": "scale", "title": { "zh": "总体满意吗" }, "preset": "satisfaction" },
        { "id": "q2", "kind": "scale", "title": { "zh": "各项" }, "preset": "satisfaction",
          "subjects": [ { "id": "clean", "label": { "zh": "环境卫生" } }, { "id": "safe", "label": { "zh": "治安状况" } } ] },
        { "id": "q3", "kind": "choose", "title": { "zh": "最美庭院" }, "min": 1, "max": 2,
          "options": [ { "id": "a", "label": { "zh": "甲" } }, { "id": "b", "label": { "zh": "乙" } }, { "id": "c", "label": { "zh": "丙" } } ] },
        { "id": "q4", "kind": "score", "title": { "zh": "积分" },
          "subjects": [ { "id": "h1", "label": { "zh": "王家" } } ],
          "criteria": [ { "id": "clean", "label": { "zh": "环境卫生" }, "min": 0, "max": 10, "step": 2 } ] },
        { "id": "q5", "kind": "notice", "title": { "zh": "公示" }, "reason_max_len": 5,
          "items": [ { "id": "road", "label": { "zh": "修路" } }, { "id": "lamp", "label": { "zh": "路灯" } } ] },
        { "id": "q6", "kind": "approve", "title": { "zh": "建广场" } },
        { "id": "q7", "kind": "text", "title": { "zh": "反对理由" }, "max_len": 4,
          "show_if": { "question": "q6", "any_of": ["against"] } },
        { "id": "q8", "kind": "text", "title": { "zh": "建议" }, "required": false, "max_len": 3 }
    ])))
}

fn good() -> serde_json::Value {
    json!({
        "q1": { "choice": "satisfied" },
        "q2": { "ratings": { "clean": "unknown", "safe": "dissatisfied" } },
        "q3": { "chosen": ["a", "c"] },
        "q4": { "scores": { "h1": { "clean": 8 } } },
        "q5": { "responses": { "road": { "objection": false }, "lamp": { "objection": true, "reason": "太贵了" } } },
        "q6": { "choice": "for" }
    })
}

#[test]
fn a_complete_ballot_is_valid() {
    let s = survey();
    assert_eq!(validate_ballot(&s, &ballot(&s, 1, good())), Ok(()));
    let mut a = good();
    a["q6"] = json!({ "choice": "against" });
    a["q7"] = json!({ "text": "太吵了" });
    a["q8"] = json!({ "text": "修路" });
    assert_eq!(validate_ballot(&s, &ballot(&s, 2, a)), Ok(()));
}

#[test]
fn identity_problems() {
    let s = survey();
    let mut b = ballot(&s, 1, good());
    b.id = "not-a-uuid".into();
    b.survey_id = "other".into();
    b.survey_version = 2;
    b.cast_at = "yesterday".into();
    let p = validate_ballot(&s, &b).unwrap_err();
    assert_problem(&p, "$.id", "bad_ballot_id");
    assert_problem(&p, "$.survey_id", "survey_mismatch");
    assert_problem(&p, "$.survey_version", "version_mismatch");
    assert_problem(&p, "$.cast_at", "bad_time");
    assert_eq!(p.len(), 4, "{p:#?}");
}

#[test]
fn every_answer_problem_at_its_path() {
    let s = survey();
    let b = ballot(
        &s,
        1,
        json!({
            "q1": { "choice": "very_happy" },
            "q2": { "ratings": { "clean": "satisfied", "roads": "satisfied" } },
            "q3": { "chosen": ["a", "a", "z"] },
            "q4": { "scores": { "h1": { "clean": 11 }, "h9": { "clean": 2 } } },
            "q5": { "responses": { "road": { "objection": true, "reason": "   " }, "lamp": { "objection": true, "reason": "一二三四五六" }, "well": { "objection": false } } },
            "q6": { "choice": "yes" },
            "q8": { "text": "四个字啊" },
            "q9": { "text": "?" }
        }),
    );
    let p = validate_ballot(&s, &b).unwrap_err();
    assert_problem(&p, "$.answers.q1.choice", "unknown_option");
    assert_problem(&p, "$.answers.q2.ratings.roads", "unknown_subject");
    assert_problem(&p, "$.answers.q2.ratings.safe", "missing_subject");
    assert_problem(&p, "$.answers.q3.chosen[1]", "duplicate_choice");
    assert_problem(&p, "$.answers.q3.chosen[2]", "unknown_option");
    assert_problem(&p, "$.answers.q3.chosen", "too_many");
    assert_problem(&p, "$.answers.q4.scores.h1.clean", "score_out_of_range");
    assert_problem(&p, "$.answers.q4.scores.h9", "unknown_subject");
    assert_problem(&p, "$.answers.q5.responses.road.reason", "reason_missing");
    assert_problem(&p, "$.answers.q5.responses.lamp.reason", "reason_too_long");
    assert_problem(&p, "$.answers.q5.responses.well", "unknown_item");
    assert_problem(&p, "$.answers.q6.choice", "unknown_option");
    assert_problem(&p, "$.answers.q8.text", "text_too_long");
    assert_problem(&p, "$.answers.q9", "unknown_question");
    assert_eq!(p.len(), 14, "{p:#?}");
    let too_many = p.iter().find(|x| x.code == "too_many").unwrap();
    assert_eq!(too_many.zh, "问题 q3 最多可选 2 项，但选了 3 项");
}

#[test]
fn text_length_counts_characters_not_bytes() {
    let s = survey();
    let mut a = good();
    a["q8"] = json!({ "text": "修好路" }); // 3 characters, 9 bytes
    assert_eq!(validate_ballot(&s, &ballot(&s, 1, a.clone())), Ok(()));
    a["q8"] = json!({ "text": "修好路了" });
    assert_problem(
        &validate_ballot(&s, &ballot(&s, 1, a)).unwrap_err(),
        "$.answers.q8.text",
        "text_too_long",
    );
}

#[test]
fn shapes_and_steps() {
    let s = survey();
    let mut a = good();
    a["q1"] = json!({ "chosen": ["satisfied"] });
    a["q2"] = json!({ "choice": "satisfied" });
    a["q3"] = json!({ "chosen": [] });
    a["q4"] = json!({ "scores": { "h1": { "clean": 7, "style": 2 } } });
    let p = validate_ballot(&s, &ballot(&s, 1, a)).unwrap_err();
    assert_problem(&p, "$.answers.q1", "wrong_answer_shape");
    assert_problem(&p, "$.answers.q2", "wrong_answer_shape");
    assert_problem(&p, "$.answers.q3.chosen", "too_few");
    assert_problem(&p, "$.answers.q4.scores.h1.clean", "score_off_step");
    assert_problem(&p, "$.answers.q4.scores.h1.style", "unknown_criterion");
    assert_eq!(p.len(), 5, "{p:#?}");
}

#[test]
fn required_shown_and_hidden_questions() {
    let s = survey();
    // Everything missing: each required question that is shown; q7 is hidden (q6 unanswered).
    let p = validate_ballot(&s, &ballot(&s, 1, json!({}))).unwrap_err();
    for q in ["q1", "q2", "q3", "q4", "q5", "q6"] {
        assert_problem(&p, &format!("$.answers.{q}"), "required_missing");
    }
    assert_eq!(p.len(), 6, "{p:#?}");
    // Voting against shows q7, which is required.
    let mut a = good();
    a["q6"] = json!({ "choice": "against" });
    let p = validate_ballot(&s, &ballot(&s, 1, a.clone())).unwrap_err();
    assert_problem(&p, "$.answers.q7", "required_missing");
    assert_eq!(p.len(), 1);
    a["q7"] = json!({ "text": "  " });
    assert_problem(
        &validate_ballot(&s, &ballot(&s, 1, a)).unwrap_err(),
        "$.answers.q7",
        "required_missing",
    );
    // Voting for hides q7: answering it anyway is a problem.
    let mut a = good();
    a["q7"] = json!({ "text": "不对" });
    let p = validate_ballot(&s, &ballot(&s, 1, a)).unwrap_err();
    assert_problem(&p, "$.answers.q7", "answer_to_hidden");
    assert_eq!(p.len(), 1);
}

#[test]
fn optional_matrix_may_be_partial_but_required_one_not() {
    let s = survey();
    let mut a = good();
    a["q4"] = json!({ "scores": {} });
    a["q5"] = json!({ "responses": { "road": { "objection": false } } });
    let p = validate_ballot(&s, &ballot(&s, 1, a)).unwrap_err();
    assert_problem(&p, "$.answers.q4.scores.h1.clean", "missing_score");
    assert_problem(&p, "$.answers.q5.responses.lamp", "missing_item");
    assert_eq!(p.len(), 2);
}

#[test]
fn a_key_with_odd_characters_gets_a_bracket_path() {
    let s = survey();
    let mut a = good();
    a["q 9.x"] = json!({ "text": "?" });
    let p = validate_ballot(&s, &ballot(&s, 1, a)).unwrap_err();
    assert_problem(&p, "$.answers[\"q 9.x\"]", "unknown_question");
}

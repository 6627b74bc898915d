//! Survey file validation: every problem, at its path, with a stable code.

mod common;

use common::{assert_problem, parse, problems_of, survey_json};
use serde_json::json;

#[test]
fn a_minimal_survey_is_valid() {
    let s = parse(&survey_json(
        json!([{ "id": "q1", "kind": "approve", "title": { "zh": "同意吗" } }]),
    ));
    assert_eq!(s.id, "test");
    assert!(s.anonymous);
    assert_eq!(s.quorum_percent, 50);
    assert!(pingyi_core::validate_survey(&s).is_empty());
}

#[test]
fn syntax_error_is_one_problem_with_line_and_column() {
    let p = pingyi_core::parse_survey("{\n  \"format\": \"pingyi/1\",\n  oops\n}").unwrap_err();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].code, "json_syntax");
    assert!(p[0].en.contains("line 3"), "{}", p[0].en);
    assert!(p[0].zh.contains("第 3 行"), "{}", p[0].zh);
}

#[test]
fn top_level_problems_are_all_reported() {
    let mut v =
        survey_json(json!([{ "id": "q1", "kind": "approve", "title": { "zh": "同意吗" } }]));
    v["format"] = json!("pingyi/2");
    v["id"] = json!("Bad Id");
    v["version"] = json!(0);
    v["title"] = json!({ "zh": "  " });
    v["eligible"] = json!(0);
    v["quorum_percent"] = json!(101);
    v["opens_at"] = json!("2026-12-01");
    v["closes_at"] = json!("2026-11-30T00:00:00Z");
    v["collect"] = json!({ "endpoint": "ftp://x" });
    let p = problems_of(&v);
    assert_problem(&p, "$.format", "format_unsupported");
    assert_problem(&p, "$.id", "bad_id");
    assert_problem(&p, "$.version", "version_zero");
    assert_problem(&p, "$.title.zh", "empty_text");
    assert_problem(&p, "$.eligible", "eligible_zero");
    assert_problem(&p, "$.quorum_percent", "quorum_over_100");
    assert_problem(&p, "$.opens_at", "bad_time");
    assert_problem(&p, "$.collect.endpoint", "bad_endpoint");
    assert_eq!(p.len(), 8, "{p:#?}");
    for problem in &p {
        assert!(!problem.zh.is_empty() && !problem.en.is_empty());
    }
}

#[test]
fn closing_before_opening_is_caught_across_offsets() {
    let mut v =
        survey_json(json!([{ "id": "q1", "kind": "approve", "title": { "zh": "同意吗" } }]));
    // 08:00 in Beijing is 00:00 UTC: closes at the same instant it opens.
    v["opens_at"] = json!("2026-12-01T00:00:00Z");
    v["closes_at"] = json!("2026-12-01T08:00:00+08:00");
    assert_problem(&problems_of(&v), "$.closes_at", "closes_before_opens");
    v["closes_at"] = json!("2026-12-01T08:00:01+08:00");
    assert!(problems_of(&v).is_empty());
}

#[test]
fn a_malformed_question_is_reported_and_the_others_still_checked() {
    let v = survey_json(json!([
        { "id": "q1", "kind": "choose", "title": { "zh": "选" }, "options": [ { "id": "a", "label": { "zh": "甲" } } ], "max": 2 },
        { "id": "q2", "kind": "poll", "title": { "zh": "?" } },
        { "id": "q3", "kind": "text", "title": "意见", "max_len": "many" },
        { "id": "q4", "kind": "scale", "title": { "zh": "满意吗" }, "preset": "satisfaction", "colour": "red" },
        { "kind": "approve", "title": { "zh": "同意吗" } },
        { "id": "q6", "kind": "choose", "title": { "zh": "选" }, "options": [ { "id": "a", "label": { "zh": 3 } } ], "max": 1 }
    ]));
    let p = problems_of(&v);
    assert_problem(&p, "$.sections[0].questions[0].max", "max_over_options");
    assert_problem(&p, "$.sections[0].questions[1].kind", "unknown_kind");
    assert_problem(&p, "$.sections[0].questions[2].title", "wrong_type");
    assert_problem(&p, "$.sections[0].questions[2].max_len", "wrong_type");
    assert_problem(&p, "$.sections[0].questions[3].colour", "unknown_field");
    assert_problem(&p, "$.sections[0].questions[4].id", "missing_field");
    assert_problem(
        &p,
        "$.sections[0].questions[5].options[0].label.zh",
        "wrong_type",
    );
    assert_eq!(p.len(), 7, "{p:#?}");
}

#[test]
fn missing_and_mistyped_top_level_fields_have_paths() {
    let p = problems_of(
        &json!({ "format": "pingyi/1", "version": "1", "title": { "zh": "t" }, "unit": "u", "sections": {} }),
    );
    assert_problem(&p, "$.id", "missing_field");
    assert_problem(&p, "$.version", "wrong_type");
    assert_problem(&p, "$.sections", "wrong_type");
    assert_eq!(p.len(), 3, "{p:#?}");
    let p = problems_of(&json!([1, 2]));
    assert_problem(&p, "$", "wrong_type");
    let p = problems_of(
        &json!({ "format": "pingyi/1", "id": "x", "version": 1, "title": { "zh": "t" }, "unit": "u",
        "sections": [ 5, { "id": "b", "title": { "zh": "t" }, "questions": "none" } ], "voting_unit": "family" }),
    );
    assert_problem(&p, "$.sections[0]", "wrong_type");
    assert_problem(&p, "$.sections[1].questions", "wrong_type");
    assert_problem(&p, "$.voting_unit", "unknown_value");
}

#[test]
fn duplicate_ids_everywhere() {
    let mut v = survey_json(json!([
        { "id": "q1", "kind": "choose", "title": { "zh": "选" }, "max": 1,
          "options": [ { "id": "a", "label": { "zh": "甲" } }, { "id": "a", "label": { "zh": "乙" } } ] },
        { "id": "q1", "kind": "text", "title": { "zh": "意见" } },
        { "id": "q3", "kind": "score", "title": { "zh": "打分" },
          "subjects": [ { "id": "h1", "label": { "zh": "一户" } }, { "id": "h1", "label": { "zh": "二户" } } ],
          "criteria": [ { "id": "c", "label": { "zh": "卫生" }, "min": 0, "max": 10 }, { "id": "c", "label": { "zh": "文明" }, "min": 0, "max": 10 } ] },
        { "id": "q4", "kind": "notice", "title": { "zh": "公示" },
          "items": [ { "id": "i", "label": { "zh": "一" } }, { "id": "i", "label": { "zh": "二" } } ] },
        { "id": "q5", "kind": "scale", "title": { "zh": "满意" }, "preset": "satisfaction",
          "subjects": [ { "id": "x", "label": { "zh": "一" } }, { "id": "x", "label": { "zh": "二" } } ] }
    ]));
    v["sections"].as_array_mut().unwrap().push(
        json!({ "id": "s1", "title": { "zh": "又一部分" }, "questions": [
        { "id": "q1", "kind": "text", "title": { "zh": "再一次" } } ] }),
    );
    let p = problems_of(&v);
    assert_problem(
        &p,
        "$.sections[0].questions[0].options[1].id",
        "duplicate_id",
    );
    assert_problem(&p, "$.sections[0].questions[1].id", "duplicate_id");
    assert_problem(
        &p,
        "$.sections[0].questions[2].subjects[1].id",
        "duplicate_id",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[2].criteria[1].id",
        "duplicate_id",
    );
    assert_problem(&p, "$.sections[0].questions[3].items[1].id", "duplicate_id");
    assert_problem(
        &p,
        "$.sections[0].questions[4].subjects[1].id",
        "duplicate_id",
    );
    assert_problem(&p, "$.sections[1].id", "duplicate_id");
    assert_problem(&p, "$.sections[1].questions[0].id", "duplicate_id");
    assert_eq!(p.len(), 8, "{p:#?}");
}

#[test]
fn scale_rules() {
    let p = problems_of(&survey_json(json!([
        { "id": "q1", "kind": "scale", "title": { "zh": "无选项" } },
        { "id": "q2", "kind": "scale", "title": { "zh": "自定义" },
          "options": [ { "id": "good", "label": { "zh": "好" }, "weight": 10 }, { "id": "dk", "label": { "zh": "不知道" }, "weight": 0, "not_valid": true } ],
          "grades": [ { "option": "great", "at_least_percent": 50, "grade": { "zh": "优" } }, { "option": "good", "at_least_percent": 101, "grade": { "zh": "良" } } ] }
    ])));
    assert_problem(&p, "$.sections[0].questions[0].options", "no_options");
    assert_problem(
        &p,
        "$.sections[0].questions[1].options[1].weight",
        "weight_on_not_valid",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[1].grades[0].option",
        "grade_unknown_option",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[1].grades[1].at_least_percent",
        "grade_threshold_over_100",
    );
    assert_eq!(p.len(), 4, "{p:#?}");
}

fn options(n: usize) -> serde_json::Value {
    json!((0..n)
        .map(|i| json!({ "id": format!("o{i}"), "label": { "zh": format!("候选{i}") } }))
        .collect::<Vec<_>>())
}

#[test]
fn choose_rules() {
    let p = problems_of(&survey_json(json!([
        { "id": "a", "kind": "choose", "title": { "zh": "a" }, "options": options(3), "min": 2, "max": 1 },
        { "id": "b", "kind": "choose", "title": { "zh": "b" }, "options": options(3), "max": 0 },
        { "id": "c", "kind": "choose", "title": { "zh": "c" }, "options": options(3), "max": 4, "seats": 4 },
        { "id": "d", "kind": "choose", "title": { "zh": "d" }, "options": options(3), "max": 2, "seats": 0 }
    ])));
    assert_problem(&p, "$.sections[0].questions[0].max", "max_below_min");
    assert_problem(&p, "$.sections[0].questions[1].max", "max_zero");
    assert_problem(&p, "$.sections[0].questions[2].max", "max_over_options");
    assert_problem(&p, "$.sections[0].questions[2].seats", "seats_over_options");
    assert_problem(&p, "$.sections[0].questions[3].seats", "seats_zero");
    assert_eq!(p.len(), 5, "{p:#?}");
    let zh = &p.iter().find(|x| x.code == "max_over_options").unwrap().zh;
    assert_eq!(zh, "最多可选 4 项，但只有 3 个选项");
}

#[test]
fn score_rules() {
    let p = problems_of(&survey_json(json!([
        { "id": "a", "kind": "score", "title": { "zh": "a" }, "subjects": [], "criteria": [] },
        { "id": "b", "kind": "score", "title": { "zh": "b" },
          "subjects": [ { "id": "h", "label": { "zh": "户" } } ],
          "criteria": [
            { "id": "c1", "label": { "zh": "一" }, "min": 10, "max": 0 },
            { "id": "c2", "label": { "zh": "二" }, "min": 0, "max": 10, "step": 0 },
            { "id": "c3", "label": { "zh": "三" }, "min": 0, "max": 10, "step": 3 },
            { "id": "c4", "label": { "zh": "四" }, "min": -10, "max": 10, "step": 5 }
          ],
          "combine": { "method": "trimmed_mean", "drop": 0 } },
        { "id": "c", "kind": "score", "title": { "zh": "c" },
          "subjects": [ { "id": "h", "label": { "zh": "户" } } ],
          "criteria": [ { "id": "c1", "label": { "zh": "一" }, "min": 0, "max": 10 } ],
          "combine": { "method": "median" } }
    ])));
    assert_problem(&p, "$.sections[0].questions[0].subjects", "no_subjects");
    assert_problem(&p, "$.sections[0].questions[0].criteria", "no_criteria");
    assert_problem(
        &p,
        "$.sections[0].questions[1].criteria[0].max",
        "max_below_min",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[1].criteria[1].step",
        "step_zero",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[1].criteria[2].step",
        "step_not_dividing",
    );
    assert_problem(&p, "$.sections[0].questions[1].combine.drop", "drop_zero");
    assert_problem(
        &p,
        "$.sections[0].questions[2].combine.method",
        "unknown_value",
    );
    assert_eq!(p.len(), 7, "{p:#?}");
}

#[test]
fn notice_text_and_approve_rules() {
    let p = problems_of(&survey_json(json!([
        { "id": "a", "kind": "notice", "title": { "zh": "公示" }, "items": [], "reason_max_len": 0 },
        { "id": "b", "kind": "text", "title": { "zh": "意见" }, "max_len": 0 },
        { "id": "c", "kind": "approve", "title": { "zh": "表决" }, "rule": "eligible" }
    ])));
    assert_problem(&p, "$.sections[0].questions[0].items", "no_items");
    assert_problem(
        &p,
        "$.sections[0].questions[0].reason_max_len",
        "max_len_zero",
    );
    assert_problem(&p, "$.sections[0].questions[1].max_len", "max_len_zero");
    assert_problem(&p, "$.sections[0].questions[2].rule", "eligible_missing");
    assert_eq!(p.len(), 4, "{p:#?}");
}

#[test]
fn show_if_rules() {
    let p = problems_of(&survey_json(json!([
        { "id": "vote", "kind": "approve", "title": { "zh": "表决" } },
        { "id": "matrix", "kind": "scale", "title": { "zh": "矩阵" }, "preset": "satisfaction",
          "subjects": [ { "id": "x", "label": { "zh": "一" } } ] },
        { "id": "a", "kind": "text", "title": { "zh": "a" }, "show_if": { "question": "nope", "any_of": ["for"] } },
        { "id": "b", "kind": "text", "title": { "zh": "b" }, "show_if": { "question": "later", "any_of": ["for"] } },
        { "id": "c", "kind": "text", "title": { "zh": "c" }, "show_if": { "question": "matrix", "any_of": ["satisfied"] } },
        { "id": "d", "kind": "text", "title": { "zh": "d" }, "show_if": { "question": "vote", "any_of": ["for", "maybe"] } },
        { "id": "e", "kind": "text", "title": { "zh": "e" }, "show_if": { "question": "e", "any_of": ["x"] } },
        { "id": "f", "kind": "text", "title": { "zh": "f" }, "show_if": { "question": "vote", "any_of": [] } },
        { "id": "later", "kind": "approve", "title": { "zh": "后面" } }
    ])));
    assert_problem(
        &p,
        "$.sections[0].questions[2].show_if.question",
        "condition_unknown_question",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[3].show_if.question",
        "condition_not_earlier",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[4].show_if.question",
        "condition_kind",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[5].show_if.any_of[1]",
        "condition_unknown_answer",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[6].show_if.question",
        "condition_not_earlier",
    );
    assert_problem(
        &p,
        "$.sections[0].questions[7].show_if.any_of",
        "condition_empty",
    );
    assert_eq!(p.len(), 6, "{p:#?}");
}

#[test]
fn show_if_may_name_an_earlier_section_and_single_scales_or_choices() {
    let mut v = survey_json(json!([
        { "id": "overall", "kind": "scale", "title": { "zh": "总体" }, "preset": "satisfaction" },
        { "id": "pick", "kind": "choose", "title": { "zh": "选" }, "options": options(2), "max": 1 }
    ]));
    v["sections"].as_array_mut().unwrap().push(json!({ "id": "s2", "title": { "zh": "二" }, "questions": [
        { "id": "why", "kind": "text", "title": { "zh": "为什么不满意" }, "show_if": { "question": "overall", "any_of": ["dissatisfied"] } },
        { "id": "why2", "kind": "text", "title": { "zh": "为什么" }, "show_if": { "question": "pick", "any_of": ["o1"] } }
    ] }));
    parse(&v);
}

#[test]
fn a_condition_on_a_broken_question_is_not_reported_twice() {
    let p = problems_of(&survey_json(json!([
        { "id": "vote", "kind": "approve", "title": { "zh": "表决" }, "rule": "unanimous" },
        { "id": "why", "kind": "text", "title": { "zh": "为什么" }, "show_if": { "question": "vote", "any_of": ["against"] } }
    ])));
    assert_problem(&p, "$.sections[0].questions[0].rule", "unknown_value");
    assert_eq!(p.len(), 1, "{p:#?}");
}

#[test]
fn validate_survey_checks_typed_surveys() {
    let mut s = parse(&survey_json(
        json!([{ "id": "q1", "kind": "approve", "title": { "zh": "同意吗" } }]),
    ));
    s.version = 0;
    s.sections[0].questions[0].id = "Q 1".into();
    let p = pingyi_core::validate_survey(&s);
    assert_problem(&p, "$.version", "version_zero");
    assert_problem(&p, "$.sections[0].questions[0].id", "bad_id");
}

#[test]
fn a_schema_reference_for_editors_is_accepted_and_kept() {
    let mut v =
        survey_json(json!([{ "id": "q1", "kind": "approve", "title": { "zh": "同意吗" } }]));
    v["$schema"] = json!("../docs/survey.schema.json");
    let s = parse(&v);
    assert_eq!(s.schema.as_deref(), Some("../docs/survey.schema.json"));
    let back = serde_json::to_value(&s).unwrap();
    assert_eq!(back["$schema"], "../docs/survey.schema.json");

    v["$schema"] = json!(7);
    let p = problems_of(&v);
    assert_problem(&p, "$[\"$schema\"]", "wrong_type");
}

//! Hand-computed tallies straight from the counting rules in domain.md.

mod common;

use common::{ballot, ballots, parse, survey_json};
use pingyi_core::tally::{ApproveTally, ChooseTally, KindTally, ScaleSubjectTally, ScoreTally};
use pingyi_core::{tally, Channel, Ratio, Tally, Text};
use serde_json::{json, Value};

fn scale_of(t: &Tally, q: usize) -> &Vec<ScaleSubjectTally> {
    match &t.questions[q].result {
        KindTally::Scale { subjects } => subjects,
        other => panic!("not a scale: {other:?}"),
    }
}

fn votes(s: &pingyi_core::Survey, q: &str, spec: &[(&str, u64)]) -> Vec<pingyi_core::Ballot> {
    let mut out = Vec::new();
    let mut n = 0;
    for (choice, count) in spec {
        out.extend(ballots(s, n, *count, json!({ q: { "choice": choice } })));
        n += count;
    }
    out
}

fn satisfaction_survey() -> pingyi_core::Survey {
    parse(&survey_json(
        json!([{ "id": "q", "kind": "scale", "title": { "zh": "满意吗" }, "preset": "satisfaction" }]),
    ))
}

#[test]
fn satisfaction_ten_votes() {
    // 满意 5, 基本满意 2, 不满意 1, 不了解 2 → valid 8, rate 7/8, weighted (500+140+30)/8.
    let s = satisfaction_survey();
    let b = votes(
        &s,
        "q",
        &[
            ("satisfied", 5),
            ("basically_satisfied", 2),
            ("dissatisfied", 1),
            ("unknown", 2),
        ],
    );
    let t = tally(&s, &b);
    let st = &scale_of(&t, 0)[0];
    assert_eq!(st.subject_id, None);
    assert_eq!(st.total, 10);
    assert_eq!(st.valid, 8);
    let counts: Vec<u64> = st.options.iter().map(|o| o.count).collect();
    assert_eq!(counts, vec![5, 2, 1, 2]);
    let rate = st.satisfaction_rate.unwrap();
    assert_eq!(rate, Ratio::new(7, 8));
    assert_eq!(rate.percent(2).unwrap(), "87.50");
    let w = st.weighted_score.unwrap();
    assert_eq!(w.decimal(2).unwrap(), "83.75");
    assert_eq!(w, Ratio::new(335, 4));
    assert_eq!(st.options[0].share_of_valid, Some(Ratio::new(5, 8)));
    assert_eq!(st.options[3].share_of_valid, None);
    assert!(st.options[3].not_valid);
    assert_eq!(st.grade, None);
    assert_eq!(t.questions[0].answered, 10);
}

#[test]
fn all_dissatisfied_is_zero_percent_not_fifty() {
    let s = satisfaction_survey();
    let t = tally(&s, &votes(&s, "q", &[("dissatisfied", 6)]));
    let st = &scale_of(&t, 0)[0];
    assert_eq!(st.satisfaction_rate.unwrap().percent(2).unwrap(), "0.00");
    // The weighted score is 30, never a "rate": raw counts sit beside it.
    assert_eq!(st.weighted_score.unwrap(), Ratio::new(30, 1));
    assert_eq!(st.options[2].count, 6);
}

#[test]
fn only_dont_know_gives_no_rates() {
    let s = satisfaction_survey();
    let t = tally(&s, &votes(&s, "q", &[("unknown", 3)]));
    let st = &scale_of(&t, 0)[0];
    assert_eq!((st.total, st.valid), (3, 0));
    assert_eq!(st.satisfaction_rate, None);
    assert_eq!(st.weighted_score, None);
    assert!(st.options.iter().all(|o| o.share_of_valid.is_none()));
}

fn appraisal_grade(spec: &[(&str, u64)]) -> Option<Text> {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "scale", "title": { "zh": "评议" }, "preset": "appraisal",
        "subjects": [ { "id": "wang", "label": { "zh": "王书记" } } ] }]),
    ));
    let mut b = Vec::new();
    let mut n = 0;
    for (choice, count) in spec {
        b.extend(ballots(
            &s,
            n,
            *count,
            json!({ "q": { "ratings": { "wang": choice } } }),
        ));
        n += count;
    }
    let t = tally(&s, &b);
    let st = &scale_of(&t, 0)[0];
    assert_eq!(st.subject_id.as_deref(), Some("wang"));
    assert_eq!(
        st.satisfaction_rate, None,
        "no satisfaction rate for the appraisal preset"
    );
    st.grade.clone()
}

#[test]
fn appraisal_grades() {
    let zh = |g: Option<Text>| g.map(|t| t.zh);
    // 9 of 10 competent → 优秀; exactly 90% is enough.
    assert_eq!(
        zh(appraisal_grade(&[
            ("competent", 9),
            ("basically_competent", 1)
        ])),
        Some("优秀".into())
    );
    // 89 of 100 is below 90%.
    assert_eq!(
        zh(appraisal_grade(&[
            ("competent", 89),
            ("basically_competent", 11)
        ])),
        Some("称职".into())
    );
    // 5 of 10 not competent (exactly 50%) → 不称职.
    assert_eq!(
        zh(appraisal_grade(&[("competent", 5), ("not_competent", 5)])),
        Some("不称职".into())
    );
    assert_eq!(
        zh(appraisal_grade(&[("competent", 6), ("not_competent", 4)])),
        Some("称职".into())
    );
    assert_eq!(zh(appraisal_grade(&[])), None);
}

#[test]
fn custom_grades_first_match_wins_and_partial_weights_give_no_score() {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "scale", "title": { "zh": "q" },
        "options": [ { "id": "good", "label": { "zh": "好" }, "weight": 10 }, { "id": "bad", "label": { "zh": "差" } } ],
        "grades": [ { "option": "good", "at_least_percent": 50, "grade": { "zh": "甲" } }, { "option": "good", "at_least_percent": 0, "grade": { "zh": "乙" } } ],
        "default_grade": { "zh": "丙" } }]),
    ));
    let t = tally(&s, &votes(&s, "q", &[("good", 1), ("bad", 1)]));
    let st = &scale_of(&t, 0)[0];
    assert_eq!(st.grade.as_ref().unwrap().zh, "甲");
    assert_eq!(st.weighted_score, None);
    assert_eq!(st.satisfaction_rate, None);
}

#[test]
fn trimmed_mean_of_seven_judges() {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "score", "title": { "zh": "积分" },
        "subjects": [ { "id": "h1", "label": { "zh": "王家" } }, { "id": "h2", "label": { "zh": "李家" } } ],
        "criteria": [ { "id": "clean", "label": { "zh": "环境卫生" }, "min": 0, "max": 10 },
                      { "id": "civil", "label": { "zh": "乡风文明" }, "min": 0, "max": 10 } ],
        "combine": { "method": "trimmed_mean", "drop": 1 } }]),
    ));
    // h1 clean: 9 7 8 10 3 8 9 → drop 10 and 3 → (9+7+8+8+9)/5 = 41/5 = 8.2; plain mean 54/7.
    let clean = [9, 7, 8, 10, 3, 8, 9];
    let b: Vec<_> = clean
        .iter()
        .enumerate()
        .map(|(i, c)| ballot(&s, i as u64, json!({ "q": { "scores": { "h1": { "clean": c, "civil": 6 }, "h2": { "clean": 9, "civil": 9 } } } })))
        .collect();
    let t = tally(&s, &b);
    let KindTally::Score(ScoreTally {
        method,
        drop,
        subjects,
    }) = &t.questions[0].result
    else {
        panic!()
    };
    assert_eq!((method.as_str(), *drop), ("trimmed_mean", 1));
    // h2 (18) ranks above h1 (8.2 + 6 = 14.2).
    assert_eq!(subjects[0].subject_id, "h2");
    assert_eq!(subjects[0].total, Ratio::new(18, 1));
    let h1 = &subjects[1];
    assert_eq!((h1.rank, h1.tied), (2, false));
    let c = &h1.criteria[0];
    assert_eq!((c.count, c.min, c.max), (7, Some(3), Some(10)));
    assert_eq!(c.mean, Some(Ratio::new(54, 7)));
    assert_eq!(c.combined, Some(Ratio::new(41, 5)));
    assert_eq!(c.combined.unwrap().decimal(4).unwrap(), "8.2000");
    assert!(!c.trim_skipped);
    assert_eq!(h1.total, Ratio::new(71, 5));
}

#[test]
fn trimming_is_skipped_with_too_few_scores_and_ties_share_a_rank() {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "score", "title": { "zh": "积分" },
        "subjects": [ { "id": "a", "label": { "zh": "甲" } }, { "id": "b", "label": { "zh": "乙" } }, { "id": "c", "label": { "zh": "丙" } } ],
        "criteria": [ { "id": "x", "label": { "zh": "卫生" }, "min": 0, "max": 10 } ],
        "combine": { "method": "trimmed_mean", "drop": 1 }, "required": false }]),
    ));
    let b = vec![
        ballot(
            &s,
            1,
            json!({ "q": { "scores": { "a": { "x": 4 }, "b": { "x": 6 }, "c": { "x": 1 } } } }),
        ),
        ballot(
            &s,
            2,
            json!({ "q": { "scores": { "a": { "x": 6 }, "b": { "x": 4 } } } }),
        ),
    ];
    let t = tally(&s, &b);
    let KindTally::Score(st) = &t.questions[0].result else {
        panic!()
    };
    let ids: Vec<(&str, u32, bool)> = st
        .subjects
        .iter()
        .map(|x| (x.subject_id.as_str(), x.rank, x.tied))
        .collect();
    assert_eq!(ids, vec![("a", 1, true), ("b", 1, true), ("c", 3, false)]);
    assert!(st.subjects[0].criteria[0].trim_skipped);
    assert_eq!(st.subjects[0].criteria[0].combined, Some(Ratio::new(5, 1)));
}

fn choose_survey(seats: u32) -> pingyi_core::Survey {
    let options: Vec<Value> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|id| json!({ "id": id, "label": { "zh": id } }))
        .collect();
    parse(&survey_json(
        json!([{ "id": "q", "kind": "choose", "title": { "zh": "最美庭院" }, "options": options, "max": 3, "seats": seats }]),
    ))
}

fn choose(s: &pingyi_core::Survey, picks: &[&[&str]]) -> ChooseTally {
    let b: Vec<_> = picks
        .iter()
        .enumerate()
        .map(|(i, p)| ballot(s, i as u64, json!({ "q": { "chosen": p } })))
        .collect();
    match tally(s, &b).questions[0].result.clone() {
        KindTally::Choose(c) => c,
        other => panic!("{other:?}"),
    }
}

#[test]
fn competition_ranking_and_a_tie_at_the_last_seat() {
    let s = choose_survey(3);
    // a 4, b 3, c 2, d 2, e 0 → ranks 1 2 3 3 5; seats 3: c and d tie for the last seat.
    let c = choose(
        &s,
        &[
            &["a", "b", "c"],
            &["a", "b", "d"],
            &["a", "b"],
            &["a", "c", "d"],
        ],
    );
    let r: Vec<(&str, u64, u32, bool)> = c
        .ranking
        .iter()
        .map(|o| (o.option_id.as_str(), o.count, o.rank, o.tied))
        .collect();
    assert_eq!(
        r,
        vec![
            ("a", 4, 1, false),
            ("b", 3, 2, false),
            ("c", 2, 3, true),
            ("d", 2, 3, true),
            ("e", 0, 5, false)
        ]
    );
    assert_eq!(c.elected, vec!["a", "b"]);
    assert_eq!(c.tied_at_last_seat, vec!["c", "d"]);
    assert_eq!(c.ranking[0].share_of_answered, Ratio::new(1, 1));
    assert_eq!(c.ranking[1].share_of_answered, Ratio::new(3, 4));
}

#[test]
fn a_tie_inside_the_seats_elects_everyone_in_it() {
    let s = choose_survey(3);
    // a 2, b 2, c 2, d 1 → all three tied ones fit the three seats.
    let c = choose(&s, &[&["a", "b", "c"], &["a", "b", "c"], &["d"]]);
    assert_eq!(c.elected, vec!["a", "b", "c"]);
    assert!(c.tied_at_last_seat.is_empty());
    let s1 = choose_survey(1);
    // Tie for the only seat: nobody is elected outright.
    let c = choose(&s1, &[&["a"], &["b"], &["c", "a", "b"]]);
    assert!(c.elected.is_empty());
    assert_eq!(c.tied_at_last_seat, vec!["a", "b"]);
}

#[test]
fn options_without_votes_are_never_elected() {
    let s = choose_survey(3);
    let c = choose(&s, &[&["e"]]);
    assert_eq!(c.elected, vec!["e"]);
    assert!(c.tied_at_last_seat.is_empty());
    let c = choose(&s, &[]);
    assert!(c.elected.is_empty() && c.tied_at_last_seat.is_empty());
    assert_eq!(c.ranking[0].share_of_answered.decimal(4), None);
}

fn approve_with(rule: &str, eligible: Option<u32>, spec: &[(&str, u64)]) -> ApproveTally {
    let mut v = survey_json(
        json!([{ "id": "q", "kind": "approve", "title": { "zh": "修建村湾文化广场" }, "rule": rule }]),
    );
    if let Some(e) = eligible {
        v["eligible"] = json!(e);
    }
    let s = parse(&v);
    match tally(&s, &votes(&s, "q", spec)).questions[0].result.clone() {
        KindTally::Approve(a) => a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn approve_under_each_rule() {
    let spec = [("for", 10), ("against", 8), ("abstain", 3)];
    // cast: 10 of 21 is not more than half.
    let a = approve_with("cast", None, &spec);
    assert_eq!(
        (a.for_count, a.against, a.abstain, a.base, a.passed),
        (10, 8, 3, 21, false)
    );
    assert_eq!(a.rule, "cast");
    assert_eq!(a.for_share, Some(Ratio::new(10, 21)));
    // valid: 10 of 18 is.
    let a = approve_with("valid", None, &spec);
    assert_eq!((a.base, a.passed), (18, true));
    // eligible: 10 of 30 is not; 10 of 19 is.
    assert!(!approve_with("eligible", Some(30), &spec).passed);
    assert!(approve_with("eligible", Some(19), &spec).passed);
    // Exactly half is not a majority.
    let a = approve_with("cast", None, &[("for", 5), ("against", 5)]);
    assert!(!a.passed);
    // Nothing cast: base 0, no share, not passed.
    let a = approve_with("cast", None, &[]);
    assert_eq!((a.base, a.for_share, a.passed), (0, None, false));
}

#[test]
fn notice_with_an_objection_needs_review() {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "notice", "title": { "zh": "公示" },
        "items": [ { "id": "road", "label": { "zh": "修路" } }, { "id": "lamp", "label": { "zh": "路灯" } } ] }]),
    ));
    let b = vec![
        ballot(
            &s,
            1,
            json!({ "q": { "responses": { "road": { "objection": false }, "lamp": { "objection": true, "reason": " 太贵了 " } } } }),
        ),
        ballot(
            &s,
            2,
            json!({ "q": { "responses": { "road": { "objection": false }, "lamp": { "objection": true, "reason": "没招标" } } } }),
        ),
        ballot(
            &s,
            3,
            json!({ "q": { "responses": { "road": { "objection": false }, "lamp": { "objection": false } } } }),
        ),
    ];
    let t = tally(&s, &b);
    let KindTally::Notice { items } = &t.questions[0].result else {
        panic!()
    };
    assert_eq!(
        (
            items[0].no_objection,
            items[0].objection,
            items[0].needs_review
        ),
        (3, 0, false)
    );
    assert_eq!(
        (
            items[1].no_objection,
            items[1].objection,
            items[1].needs_review
        ),
        (1, 2, true)
    );
    assert_eq!(items[1].reasons, vec!["太贵了", "没招标"]);
}

#[test]
fn texts_are_trimmed_in_order_and_blanks_skipped() {
    let s = parse(&survey_json(
        json!([{ "id": "q", "kind": "text", "title": { "zh": "建议" }, "required": false }]),
    ));
    let b = vec![
        ballot(&s, 1, json!({ "q": { "text": "  修路 " } })),
        ballot(&s, 2, json!({ "q": { "text": "   " } })),
        ballot(&s, 3, json!({ "q": { "text": "装路灯" } })),
        ballot(&s, 4, json!({})),
    ];
    let t = tally(&s, &b);
    assert_eq!(
        t.questions[0].result,
        KindTally::Text {
            texts: vec!["修路".into(), "装路灯".into()]
        }
    );
    assert_eq!(t.questions[0].answered, 2);
}

fn participation_survey(eligible: u32) -> pingyi_core::Survey {
    let mut v = survey_json(json!([{ "id": "q", "kind": "approve", "title": { "zh": "表决" } }]));
    v["eligible"] = json!(eligible);
    parse(&v)
}

#[test]
fn quorum_at_exactly_half_is_not_reached() {
    let s = participation_survey(10);
    let t = tally(&s, &votes(&s, "q", &[("for", 5)]));
    assert_eq!(t.participation.quorum_reached, Some(false));
    assert_eq!(t.participation.rate, Some(Ratio::new(1, 2)));
    let t = tally(&s, &votes(&s, "q", &[("for", 6)]));
    assert_eq!(t.participation.quorum_reached, Some(true));
    assert!(!t.participation.over_eligible);
    let t = tally(&s, &votes(&s, "q", &[("for", 11)]));
    assert!(t.participation.over_eligible);
}

#[test]
fn dedupe_other_surveys_channels_and_invalid_answers() {
    let s = participation_survey(86);
    let mut b = votes(&s, "q", &[("for", 3)]);
    b.push(b[0].clone()); // duplicate
    let mut paper = ballot(&s, 10, json!({ "q": { "choice": "against" } }));
    paper.channel = Channel::Paper;
    b.push(paper);
    let mut other = ballot(&s, 11, json!({ "q": { "choice": "for" } }));
    other.survey_version = 2;
    b.push(other);
    let mut other = ballot(&s, 12, json!({ "q": { "choice": "for" } }));
    other.survey_id = "elsewhere".into();
    b.push(other);
    b.push(ballot(&s, 13, json!({ "q": { "choice": "maybe" } }))); // invalid answer: skipped for q
    b.push(ballot(&s, 14, json!({ "q": { "text": "for" } }))); // wrong shape: skipped
                                                               // Same id as ballot 0 with other content: the first occurrence wins.
    let mut conflict = ballot(&s, 0, json!({ "q": { "choice": "against" } }));
    conflict.device = "other".into();
    b.push(conflict);
    let t = tally(&s, &b);
    let p = &t.participation;
    assert_eq!(p.ballots, 6);
    assert_eq!(p.duplicates_dropped, 2);
    assert_eq!(p.ignored_other_survey, 2);
    assert_eq!(p.by_channel.get(&Channel::Digital), Some(&5));
    assert_eq!(p.by_channel.get(&Channel::Paper), Some(&1));
    assert_eq!(p.rate, Some(Ratio::new(3, 43)));
    assert_eq!(p.quorum_reached, Some(false));
    let KindTally::Approve(a) = &t.questions[0].result else {
        panic!()
    };
    assert_eq!((a.for_count, a.against, a.abstain), (3, 1, 0));
    assert_eq!(t.questions[0].answered, 4);
}

#[test]
fn answers_to_hidden_questions_are_not_counted() {
    let s = parse(&survey_json(json!([
        { "id": "vote", "kind": "approve", "title": { "zh": "表决" } },
        { "id": "why", "kind": "text", "title": { "zh": "反对理由" }, "show_if": { "question": "vote", "any_of": ["against"] } }
    ])));
    let b = vec![
        ballot(
            &s,
            1,
            json!({ "vote": { "choice": "against" }, "why": { "text": "太贵" } }),
        ),
        ballot(
            &s,
            2,
            json!({ "vote": { "choice": "for" }, "why": { "text": "不该出现" } }),
        ),
    ];
    let t = tally(&s, &b);
    assert_eq!(
        t.questions[1].result,
        KindTally::Text {
            texts: vec!["太贵".into()]
        }
    );
}

#[test]
fn unknown_eligible_leaves_rate_and_quorum_empty_and_json_has_values() {
    let s = satisfaction_survey();
    let t = tally(
        &s,
        &votes(&s, "q", &[("satisfied", 2), ("dissatisfied", 1)]),
    );
    assert_eq!(t.participation.rate, None);
    assert_eq!(t.participation.quorum_reached, None);
    let j = serde_json::to_value(&t).unwrap();
    assert_eq!(j["questions"][0]["kind"], "scale");
    assert_eq!(
        j["questions"][0]["subjects"][0]["satisfaction_rate"]["value"],
        "0.6667"
    );
    assert_eq!(j["participation"]["by_channel"]["digital"], 3);
    let back: Tally = serde_json::from_value(j).unwrap();
    assert_eq!(back, t);
}

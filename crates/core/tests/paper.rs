//! Paper ballots entered as totals per option: validation against the survey, and counting with
//! `tally_with_paper` exactly as the same number of one-by-one paper ballots would count.

mod common;

use std::collections::BTreeMap;

use common::{assert_problem, ballot, parse, survey_json};
use pingyi_core::paper::{validate_paper_totals, PaperTotals};
use pingyi_core::tally::{tally_with_paper, ChannelCount, KindTally};
use pingyi_core::{tally, Ballot, Channel, Survey, Tally};
use proptest::prelude::*;
use serde_json::json;

fn survey() -> Survey {
    let mut v = survey_json(json!([
        { "id": "sat", "kind": "scale", "title": { "zh": "满意" }, "preset": "satisfaction" },
        { "id": "mat", "kind": "scale", "title": { "zh": "评议" }, "preset": "appraisal",
          "subjects": [ { "id": "a", "label": { "zh": "甲" } }, { "id": "b", "label": { "zh": "乙" } } ] },
        { "id": "pick", "kind": "choose", "title": { "zh": "选" }, "min": 1, "max": 2, "seats": 1,
          "options": [ { "id": "o0", "label": { "zh": "0" } }, { "id": "o1", "label": { "zh": "1" } }, { "id": "o2", "label": { "zh": "2" } } ] },
        { "id": "vote", "kind": "approve", "title": { "zh": "表决" } },
        { "id": "why", "kind": "text", "title": { "zh": "建议" }, "required": false }
    ]));
    v["eligible"] = json!(40);
    parse(&v)
}

fn totals(q: &str, subject: Option<&str>, ballots: u64, counts: &[(&str, u64)]) -> PaperTotals {
    PaperTotals {
        question_id: q.into(),
        subject_id: subject.map(str::to_string),
        ballots,
        counts: counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    }
}

fn paper(s: &Survey, n: u64, answers: serde_json::Value) -> Ballot {
    let mut b = ballot(s, n, answers);
    b.channel = Channel::Paper;
    b
}

/// A tally without the one field that says how paper came in.
fn without_totals_marker(mut t: Tally) -> Tally {
    t.participation.paper_totals_ballots = 0;
    t
}

#[test]
fn totals_are_checked_against_the_survey() {
    let s = survey();
    let good = vec![
        totals("sat", None, 3, &[("satisfied", 2), ("unknown", 1)]),
        totals("mat", Some("a"), 3, &[("competent", 3)]),
        totals("mat", Some("b"), 3, &[("competent", 1)]),
        totals("pick", None, 3, &[("o0", 3), ("o1", 2)]),
        totals("vote", None, 3, &[("for", 2), ("against", 1)]),
    ];
    assert_eq!(validate_paper_totals(&s, &good), Ok(()));

    let bad = vec![
        totals("nope", None, 1, &[]),
        totals("why", None, 1, &[]),
        totals("sat", None, 3, &[("satisfied", 2), ("great", 1)]),
        totals("sat", None, 3, &[]),
        totals("mat", None, 3, &[]),
        totals("mat", Some("zz"), 3, &[]),
        totals(
            "mat",
            Some("a"),
            3,
            &[("competent", 2), ("not_competent", 2)],
        ),
        totals("mat", Some("b"), 4, &[]),
        totals("pick", None, 2, &[("o0", 3)]),
        totals("vote", Some("a"), 1, &[]),
        totals("vote", None, 5_000_000, &[("for", 5_000_000)]),
    ];
    let p = validate_paper_totals(&s, &bad).unwrap_err();
    assert_problem(&p, "$[0].question_id", "unknown_question");
    assert_problem(&p, "$[1].question_id", "paper_wrong_kind");
    assert_problem(&p, "$[2].counts.great", "unknown_option");
    assert_problem(&p, "$[3].question_id", "paper_duplicate");
    assert_problem(&p, "$[4].subject_id", "subject_required");
    assert_problem(&p, "$[5].subject_id", "unknown_subject");
    assert_problem(&p, "$[6].counts", "paper_count_mismatch");
    assert_problem(&p, "$[7].ballots", "paper_ballots_differ");
    assert_problem(&p, "$[8].counts.o0", "paper_count_over_ballots");
    assert_problem(&p, "$[9].subject_id", "subject_not_expected");
    assert_problem(&p, "$[10].ballots", "paper_too_many");
    assert_eq!(p.len(), 11, "one problem per broken entry: {p:#?}");
    let p = validate_paper_totals(
        &s,
        &[
            totals("pick", None, 2, &[("o1", 1)]),
            totals("vote", None, 2, &[("for", 1)]),
        ],
    )
    .unwrap_err();
    assert_problem(&p, "$[0].counts", "paper_count_mismatch");
    assert_problem(&p, "$[1].counts", "paper_count_mismatch");
    // Each problem has both languages.
    assert!(p.iter().all(|x| !x.zh.is_empty() && !x.en.is_empty()));

    // JSON shape: unknown fields are refused.
    let r: Result<PaperTotals, _> = serde_json::from_value(
        json!({ "question_id": "sat", "ballots": 1, "counts": {}, "extra": 1 }),
    );
    assert!(r.is_err());
}

#[test]
fn totals_are_counted_and_channels_shown_separately() {
    let s = survey();
    let digital = vec![
        ballot(
            &s,
            1,
            json!({ "sat": { "choice": "satisfied" }, "mat": { "ratings": { "a": "competent", "b": "not_competent" } },
            "pick": { "chosen": ["o1"] }, "vote": { "choice": "against" } }),
        ),
        ballot(
            &s,
            2,
            json!({ "sat": { "choice": "dissatisfied" }, "vote": { "choice": "for" } }),
        ),
    ];
    let t = vec![
        totals("sat", None, 4, &[("satisfied", 3), ("unknown", 1)]),
        totals("vote", None, 5, &[("for", 4), ("abstain", 1)]),
        totals("mat", Some("a"), 4, &[("competent", 4)]),
        totals("pick", None, 5, &[("o0", 5), ("o2", 2)]),
    ];
    assert_eq!(validate_paper_totals(&s, &t), Ok(()));
    let out = tally_with_paper(&s, &digital, &t);
    assert_eq!(out.participation.ballots, 7);
    assert_eq!(out.participation.paper_totals_ballots, 5);
    assert_eq!(
        out.participation.by_channel,
        BTreeMap::from([(Channel::Digital, 2), (Channel::Paper, 5)])
    );
    let q = |id: &str| out.questions.iter().find(|q| q.question_id == id).unwrap();
    assert_eq!(q("sat").answered, 6);
    assert_eq!(q("vote").answered, 7);
    match &q("vote").result {
        KindTally::Approve(a) => assert_eq!(
            (a.for_count, a.against, a.abstain, a.passed),
            (5, 1, 1, true)
        ),
        other => panic!("{other:?}"),
    }
    match &q("pick").result {
        KindTally::Choose(c) => {
            let counts: Vec<(&str, u64)> = c
                .ranking
                .iter()
                .map(|r| (r.option_id.as_str(), r.count))
                .collect();
            assert_eq!(counts, vec![("o0", 5), ("o2", 2), ("o1", 1)]);
            assert_eq!(c.elected, vec!["o0".to_string()]);
            assert_eq!(q("pick").answered, 6);
        }
        other => panic!("{other:?}"),
    }
    let cc = |id: &str, ch: Channel, sub: Option<&str>, opt: &str| {
        q(id)
            .channel_counts
            .iter()
            .find(|c| c.channel == ch && c.subject_id.as_deref() == sub && c.option_id == opt)
            .map(|c| c.count)
    };
    assert_eq!(cc("sat", Channel::Digital, None, "satisfied"), Some(1));
    assert_eq!(cc("sat", Channel::Paper, None, "satisfied"), Some(3));
    assert_eq!(cc("sat", Channel::Paper, None, "dissatisfied"), Some(0));
    assert_eq!(cc("mat", Channel::Paper, Some("a"), "competent"), Some(4));
    assert_eq!(
        cc("mat", Channel::Digital, Some("b"), "not_competent"),
        Some(1)
    );
    assert_eq!(cc("pick", Channel::Paper, None, "o2"), Some(2));
    assert_eq!(cc("vote", Channel::Digital, None, "for"), Some(1));
    assert!(q("why").channel_counts.is_empty());
    // Sum over channels is the total count.
    let sat_paper: u64 = q("sat")
        .channel_counts
        .iter()
        .filter(|c| c.channel == Channel::Paper)
        .map(|c| c.count)
        .sum();
    assert_eq!(sat_paper, 4);

    // Without paper input the tally is the plain tally: no channel_counts, same JSON.
    let plain = tally_with_paper(&s, &digital, &[]);
    assert_eq!(plain, tally(&s, &digital));
    assert!(!serde_json::to_string(&plain)
        .unwrap()
        .contains("channel_counts"));
    assert!(!serde_json::to_string(&plain)
        .unwrap()
        .contains("paper_totals_ballots"));
    // And the JSON round-trips.
    let back: Tally = serde_json::from_str(&serde_json::to_string(&out).unwrap()).unwrap();
    assert_eq!(back, out);
    let _: &ChannelCount = &out.questions[0].channel_counts[0];
}

#[test]
fn over_eligible_and_quorum_include_totals() {
    let s = survey();
    let out = tally_with_paper(&s, &[], &[totals("vote", None, 41, &[("for", 41)])]);
    assert!(out.participation.over_eligible);
    assert_eq!(out.participation.quorum_reached, Some(true));
}

/// Which option of each option-count question a paper ballot marks.
type Marks = (usize, usize, usize, Vec<bool>, usize);

const SAT: [&str; 4] = [
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "unknown",
];
const APP: [&str; 3] = ["competent", "basically_competent", "not_competent"];
const VOTE: [&str; 3] = ["for", "against", "abstain"];

fn marks() -> impl Strategy<Value = Marks> {
    (
        0..4usize,
        0..3usize,
        0..3usize,
        proptest::collection::vec(any::<bool>(), 3),
        0..3usize,
    )
}

fn paper_ballot(s: &Survey, n: u64, m: &Marks) -> Ballot {
    let (sat, a, b, picks, vote) = m;
    let mut chosen: Vec<String> = picks
        .iter()
        .enumerate()
        .filter(|(_, p)| **p)
        .map(|(i, _)| format!("o{i}"))
        .collect();
    if chosen.is_empty() {
        chosen.push("o0".into());
    }
    chosen.truncate(2);
    paper(
        s,
        n,
        json!({
            "sat": { "choice": SAT[*sat] },
            "mat": { "ratings": { "a": APP[*a], "b": APP[*b] } },
            "pick": { "chosen": chosen },
            "vote": { "choice": VOTE[*vote] },
        }),
    )
}

/// The totals an organiser would write down from a stack of paper ballots.
fn count_up(ballots: &[Ballot]) -> Vec<PaperTotals> {
    let n = ballots.len() as u64;
    let mut by_entry: BTreeMap<(String, Option<String>), BTreeMap<String, u64>> = BTreeMap::new();
    for b in ballots {
        for (q, a) in &b.answers {
            match a {
                pingyi_core::Answer::Choice { choice } => {
                    *by_entry
                        .entry((q.clone(), None))
                        .or_default()
                        .entry(choice.clone())
                        .or_insert(0) += 1
                }
                pingyi_core::Answer::Ratings { ratings } => {
                    for (sub, o) in ratings {
                        *by_entry
                            .entry((q.clone(), Some(sub.clone())))
                            .or_default()
                            .entry(o.clone())
                            .or_insert(0) += 1
                    }
                }
                pingyi_core::Answer::Chosen { chosen } => {
                    let e = by_entry.entry((q.clone(), None)).or_default();
                    for o in chosen {
                        *e.entry(o.clone()).or_insert(0) += 1;
                    }
                }
                _ => {}
            }
        }
    }
    by_entry
        .into_iter()
        .map(|((question_id, subject_id), counts)| PaperTotals {
            question_id,
            subject_id,
            ballots: n,
            counts,
        })
        .collect()
}

proptest! {
    /// Paper totals of N ballots for an option count exactly as N one-by-one paper ballots for
    /// that option, with or without digital ballots beside them.
    #[test]
    fn totals_of_n_equal_n_paper_ballots(n in 1u64..30, option in 0..3usize, digital in proptest::collection::vec(marks(), 0..6)) {
        let s = survey();
        let one_by_one: Vec<Ballot> = (0..n).map(|i| paper(&s, 1000 + i, json!({ "vote": { "choice": VOTE[option] } }))).collect();
        let dig: Vec<Ballot> = digital.iter().enumerate().map(|(i, m)| {
            let mut b = paper_ballot(&s, i as u64, m);
            b.channel = Channel::Digital;
            b
        }).collect();
        let t = vec![totals("vote", None, n, &[(VOTE[option], n)])];
        prop_assert_eq!(validate_paper_totals(&s, &t), Ok(()));
        let with_ballots: Vec<Ballot> = dig.iter().cloned().chain(one_by_one).collect();
        let a = tally_with_paper(&s, &with_ballots, &[]);
        let b = tally_with_paper(&s, &dig, &t);
        prop_assert_eq!(b.participation.paper_totals_ballots, n);
        prop_assert_eq!(without_totals_marker(b), a);
    }

    /// More generally: a stack of complete paper ballots, counted up per option by hand, gives
    /// the same tally as the stack keyed in one by one.
    #[test]
    fn counted_up_stack_equals_the_stack(stack in proptest::collection::vec(marks(), 1..25), digital in proptest::collection::vec(marks(), 0..5)) {
        let s = survey();
        let paper_ballots: Vec<Ballot> = stack.iter().enumerate().map(|(i, m)| paper_ballot(&s, 500 + i as u64, m)).collect();
        let dig: Vec<Ballot> = digital.iter().enumerate().map(|(i, m)| {
            let mut b = paper_ballot(&s, i as u64, m);
            b.channel = Channel::Digital;
            b
        }).collect();
        let t = count_up(&paper_ballots);
        prop_assert_eq!(validate_paper_totals(&s, &t), Ok(()));
        let all: Vec<Ballot> = dig.iter().cloned().chain(paper_ballots).collect();
        let expected = tally_with_paper(&s, &all, &[]);
        let got = tally_with_paper(&s, &dig, &t);
        prop_assert_eq!(without_totals_marker(got), expected);
    }
}

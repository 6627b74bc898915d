//! Property tests: the tally composes (order, duplicates, unions) and parsing never panics.

mod common;

use common::{ballot, example, parse, survey_json};
use pingyi_core::tally::KindTally;
use pingyi_core::{parse_survey, tally, Ballot, Survey, Tally};
use proptest::prelude::*;
use serde_json::json;

fn survey() -> Survey {
    let mut v = survey_json(json!([
        { "id": "sat", "kind": "scale", "title": { "zh": "满意" }, "preset": "satisfaction" },
        { "id": "mat", "kind": "scale", "title": { "zh": "评议" }, "preset": "appraisal", "required": false,
          "subjects": [ { "id": "a", "label": { "zh": "甲" } }, { "id": "b", "label": { "zh": "乙" } } ] },
        { "id": "pick", "kind": "choose", "title": { "zh": "选" }, "max": 3, "seats": 2, "required": false,
          "options": [ { "id": "o0", "label": { "zh": "0" } }, { "id": "o1", "label": { "zh": "1" } }, { "id": "o2", "label": { "zh": "2" } }, { "id": "o3", "label": { "zh": "3" } } ] },
        { "id": "pts", "kind": "score", "title": { "zh": "分" }, "required": false,
          "subjects": [ { "id": "h1", "label": { "zh": "一" } }, { "id": "h2", "label": { "zh": "二" } } ],
          "criteria": [ { "id": "c", "label": { "zh": "卫生" }, "min": 0, "max": 10 } ],
          "combine": { "method": "trimmed_mean", "drop": 1 } },
        { "id": "note", "kind": "notice", "title": { "zh": "公示" }, "required": false,
          "items": [ { "id": "i", "label": { "zh": "项" } } ] },
        { "id": "vote", "kind": "approve", "title": { "zh": "表决" }, "rule": "valid" },
        { "id": "why", "kind": "text", "title": { "zh": "理由" }, "required": false,
          "show_if": { "question": "vote", "any_of": ["against"] } }
    ]));
    v["eligible"] = json!(12);
    parse(&v)
}

const SCALE: [&str; 5] = [
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "unknown",
    "bogus",
];
const APPRAISAL: [&str; 3] = ["competent", "basically_competent", "not_competent"];
const VOTE: [&str; 4] = ["for", "against", "abstain", "nonsense"];

/// The drawn values of one ballot: id number, scale answer, appraisal answer, picks, two scores,
/// objection, vote, paper.
type Drawn = (u8, usize, usize, Vec<bool>, i32, i32, bool, usize, bool);

/// One generated ballot: its content is a pure function of (n, the drawn values), so two ballots
/// with the same id are always identical.
fn ballot_strategy() -> impl Strategy<Value = Drawn> {
    (
        0u8..40,
        0..5usize,
        0..3usize,
        proptest::collection::vec(any::<bool>(), 4),
        0..12i32,
        0..11i32,
        any::<bool>(),
        0..4usize,
        any::<bool>(),
    )
}

fn make(s: &Survey, g: &Drawn) -> Ballot {
    let (n, sat, app, picks, p1, p2, objection, vote, paper) = g;
    let chosen: Vec<String> = picks
        .iter()
        .enumerate()
        .filter(|(_, p)| **p)
        .map(|(i, _)| format!("o{i}"))
        .collect();
    let mut answers = json!({
        "sat": { "choice": SCALE[*sat] },
        "mat": { "ratings": { "a": APPRAISAL[*app], "b": APPRAISAL[(*app + 1) % 3] } },
        "pick": { "chosen": chosen },
        "pts": { "scores": { "h1": { "c": p1 }, "h2": { "c": p2 } } },
        "note": { "responses": { "i": { "objection": objection, "reason": format!("理由{n}") } } },
        "vote": { "choice": VOTE[*vote] },
    });
    if *vote == 1 {
        answers["why"] = json!({ "text": format!("反对{n}") });
    }
    let mut b = ballot(s, u64::from(*n), answers);
    if *paper {
        b.channel = pingyi_core::Channel::Paper;
    }
    b
}

/// The same ballot id must always carry the same content: keep the first drawn per id.
fn distinct(s: &Survey, gs: &[Drawn]) -> Vec<Ballot> {
    let mut seen = std::collections::BTreeSet::new();
    gs.iter()
        .filter(|g| seen.insert(g.0))
        .map(|g| make(s, g))
        .collect()
}

/// A tally with the order-dependent lists (reasons, texts) sorted and the dedupe counter zeroed.
fn normalised(mut t: Tally) -> Tally {
    t.participation.duplicates_dropped = 0;
    for q in &mut t.questions {
        match &mut q.result {
            KindTally::Notice { items } => items.iter_mut().for_each(|i| i.reasons.sort()),
            KindTally::Text { texts } => texts.sort(),
            _ => {}
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn order_does_not_matter(gs in proptest::collection::vec(ballot_strategy(), 0..30), seed in any::<u64>()) {
        let s = survey();
        let b = distinct(&s, &gs);
        let mut shuffled = b.clone();
        // Deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(normalised(tally(&s, &b)), normalised(tally(&s, &shuffled)));
    }

    #[test]
    fn union_with_overlaps_equals_the_deduplicated_union(
        gs in proptest::collection::vec(ballot_strategy(), 0..30),
        split in 0usize..30, overlap in 0usize..10,
    ) {
        let s = survey();
        let all = distinct(&s, &gs);
        let cut = split.min(all.len());
        let a: Vec<Ballot> = all[..cut].to_vec();
        let from = cut.saturating_sub(overlap);
        let b: Vec<Ballot> = all[from..].to_vec();
        let union: Vec<Ballot> = a.iter().chain(b.iter()).cloned().collect();
        let t_union = tally(&s, &union);
        prop_assert_eq!(t_union.participation.duplicates_dropped, (cut - from) as u64);
        let mut t_union = t_union;
        t_union.participation.duplicates_dropped = 0;
        prop_assert_eq!(t_union, tally(&s, &all));
    }

    #[test]
    fn duplicating_ballots_changes_nothing_but_the_dropped_count(
        gs in proptest::collection::vec(ballot_strategy(), 0..30), copies in proptest::collection::vec(0usize..30, 0..10),
    ) {
        let s = survey();
        let b = distinct(&s, &gs);
        let mut more = b.clone();
        for c in &copies {
            if let Some(x) = b.get(*c) { more.push(x.clone()); }
        }
        let t = tally(&s, &more);
        prop_assert_eq!(t.participation.duplicates_dropped, (more.len() - b.len()) as u64);
        let mut t = t;
        t.participation.duplicates_dropped = 0;
        prop_assert_eq!(t, tally(&s, &b));
    }

    #[test]
    fn counts_add_up(gs in proptest::collection::vec(ballot_strategy(), 0..40)) {
        let s = survey();
        let b = distinct(&s, &gs);
        let t = tally(&s, &b);
        prop_assert_eq!(t.participation.ballots, b.len() as u64);
        prop_assert_eq!(t.participation.by_channel.values().sum::<u64>(), b.len() as u64);
        for q in &t.questions {
            prop_assert!(q.answered <= t.participation.ballots);
            match &q.result {
                KindTally::Scale { subjects } => for st in subjects {
                    prop_assert_eq!(st.options.iter().map(|o| o.count).sum::<u64>(), st.total);
                    let not_valid: u64 = st.options.iter().filter(|o| o.not_valid).map(|o| o.count).sum();
                    prop_assert_eq!(st.valid, st.total - not_valid);
                    prop_assert!(st.total <= q.answered);
                    if let Some(r) = st.satisfaction_rate { prop_assert!(r.num >= 0 && r.num as u64 <= r.den); }
                },
                KindTally::Choose(c) => {
                    prop_assert!(c.elected.len() <= c.seats.unwrap_or(0) as usize);
                    prop_assert!(c.elected.iter().all(|e| !c.tied_at_last_seat.contains(e)));
                    for w in c.ranking.windows(2) {
                        prop_assert!(w[0].count >= w[1].count && w[0].rank <= w[1].rank);
                    }
                    for r in &c.ranking { prop_assert!(r.count <= q.answered); }
                }
                KindTally::Approve(a) => {
                    prop_assert_eq!(a.for_count + a.against + a.abstain, q.answered);
                    prop_assert_eq!(a.passed, a.for_count * 2 > a.base && a.base > 0);
                }
                KindTally::Score(sc) => for sub in &sc.subjects {
                    for c in &sub.criteria {
                        if let (Some(lo), Some(hi), Some(m)) = (c.min, c.max, c.combined) {
                            prop_assert!(m.cmp_value(&pingyi_core::Ratio::new(lo.into(), 1)).is_ge());
                            prop_assert!(m.cmp_value(&pingyi_core::Ratio::new(hi.into(), 1)).is_le());
                        }
                    }
                },
                KindTally::Notice { items } => for i in items {
                    prop_assert_eq!(i.needs_review, i.objection > 0);
                    prop_assert_eq!(i.objection + i.no_objection, q.answered);
                },
                KindTally::Text { texts } => prop_assert!(texts.iter().all(|t| !t.trim().is_empty())),
            }
        }
    }

    #[test]
    fn parse_survey_never_panics_on_arbitrary_text(s in ".{0,400}") {
        let _ = parse_survey(&s);
    }

    #[test]
    fn parse_survey_never_panics_on_mutated_examples(
        which in 0usize..3, edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..4, any::<char>()), 1..6),
    ) {
        let name = ["satisfaction.json", "appraisal.json", "evening-meeting.json"][which];
        let mut chars: Vec<char> = example(name).chars().collect();
        for (at, op, c) in edits {
            if chars.is_empty() { break; }
            let i = at.index(chars.len());
            match op {
                0 => { chars.remove(i); }
                1 => chars.insert(i, c),
                2 => chars[i] = c,
                _ => { let j = at.index(chars.len().min(i + 40).max(1)); chars.truncate(j.max(i)); }
            }
        }
        let text: String = chars.into_iter().collect();
        if let Err(problems) = parse_survey(&text) {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(p.code != "invalid_structure", "structure pass missed something serde rejects: {:?}", p);
                prop_assert!(p.path.starts_with('$'));
            }
        }
    }

    #[test]
    fn parse_survey_never_panics_on_mutated_json_values(which in 0usize..3, path_seed in any::<u64>(), replacement in json_value()) {
        let name = ["satisfaction.json", "appraisal.json", "evening-meeting.json"][which];
        let mut v: serde_json::Value = serde_json::from_str(&example(name)).unwrap();
        replace_somewhere(&mut v, path_seed, replacement);
        if let Err(problems) = parse_survey(&v.to_string()) {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(p.code != "invalid_structure", "structure pass missed something serde rejects: {:?}", p);
            }
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-z_ -]{0,8}".prop_map(serde_json::Value::String),
        Just(json!("for")),
        Just(json!({ "zh": "x" })),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z_]{1,6}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replace one node of `v`, walking down a pseudo-random path.
fn replace_somewhere(v: &mut serde_json::Value, mut seed: u64, replacement: serde_json::Value) {
    let mut node = v;
    loop {
        let stop = seed.is_multiple_of(4);
        seed /= 4;
        let len = match node {
            serde_json::Value::Array(a) => a.len(),
            serde_json::Value::Object(o) => o.len(),
            _ => 0,
        };
        if stop || len == 0 {
            *node = replacement;
            return;
        }
        let i = (seed % len as u64) as usize;
        seed /= len as u64 + 1;
        node = match node {
            serde_json::Value::Array(a) => &mut a[i],
            serde_json::Value::Object(o) => o.values_mut().nth(i).unwrap(),
            _ => unreachable!(),
        };
    }
}

//! The console reads tally reports, live views and meeting answers with the hand-written readers
//! of `pingyi_core::read` (to keep serde's typed deserializers out of its wasm). These tests hold
//! every reader to the derived `Deserialize`: on the golden reports, on reports of the example
//! surveys over many generated ballot sets, and on those documents broken in random places, the
//! reader gives exactly what serde gives, and refuses exactly what serde refuses. Its problems
//! name the path of what is wrong.

mod common;
#[path = "golden/generate.rs"]
mod generate;

use std::collections::BTreeMap;
use std::fmt::Debug;

use common::example;
use pingyi_core::export::{tally_report, TallyReport};
use pingyi_core::paper::PaperTotals;
use pingyi_core::protocol::{
    CodeAttempts, CodesResponse, FinalTally, IssuedCode, LiveView, PaperTotalsView, SurveyStateView,
};
use pingyi_core::read::{read_json, At, FromJson};
use pingyi_core::tally::tally_with_paper;
use pingyi_core::{parse_survey, Survey};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// The reader and serde agree on `v`: the same value, or both refuse it.
fn agree<T: FromJson + DeserializeOwned + PartialEq + Debug>(v: &Value) -> Result<(), String> {
    let ours = T::read(v, &At::Root);
    let serde = serde_json::from_value::<T>(v.clone());
    match (ours, serde) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Ok(a), Ok(b)) => Err(format!("different values:\n{a:#?}\n{b:#?}")),
        (Ok(_), Err(e)) => Err(format!("the reader accepted what serde refuses: {e}")),
        (Err(p), Ok(_)) => Err(format!("the reader refused what serde accepts: {p:?}")),
        (Err(_), Err(_)) => Ok(()),
    }
}

const EXAMPLES: [&str; 3] = [
    "satisfaction.json",
    "appraisal.json",
    "evening-meeting.json",
];

fn survey(name: &str) -> Survey {
    parse_survey(&example(name)).unwrap()
}

/// The surveys the documents are made from: each example as written, and each with what changes
/// the report's optional parts (eligible count, receipts, named ballots by device).
fn surveys() -> Vec<Survey> {
    let mut out = Vec::new();
    for name in EXAMPLES {
        let s = survey(name);
        let mut other = s.clone();
        other.eligible = Some(other.eligible.map_or(12, |e| e / 3));
        other.publish_receipts = !other.publish_receipts;
        other.anonymous = !other.anonymous;
        let mut none = s.clone();
        none.eligible = None;
        out.extend([s, other, none]);
    }
    out
}

/// The paper totals of `survey` for its first question with options: a few marks each.
fn totals(survey: &Survey, n: u64) -> Vec<PaperTotals> {
    let Some(q) = survey.questions().find(|q| {
        matches!(
            q.body,
            pingyi_core::QuestionBody::Approve(_) | pingyi_core::QuestionBody::Choose(_)
        )
    }) else {
        return Vec::new();
    };
    let counts: BTreeMap<String, u64> = match &q.body {
        pingyi_core::QuestionBody::Choose(c) => c
            .options
            .iter()
            .take(1)
            .map(|o| (o.id.clone(), n))
            .collect(),
        _ => [("for".to_string(), n)].into_iter().collect(),
    };
    vec![PaperTotals {
        question_id: q.id.clone(),
        subject_id: None,
        ballots: n,
        counts,
    }]
}

fn to_value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap()
}

/// Every kind of document the console reads, made from `survey` and `n` ballots drawn from
/// `seed`: the report, the final tally, the live view (with paper totals, so with channel
/// counts), and the meeting answers.
fn documents(survey: &Survey, seed: u64, n: usize) -> Vec<(&'static str, Value)> {
    let mut ballots = generate::ballots(survey, seed, n);
    // A ballot of an older version and a repeated id, so `other_versions` and
    // `duplicates_dropped` are not always empty.
    if let Some(first) = ballots.first().cloned() {
        let mut old = first.clone();
        old.id = "00000000-0000-4000-8000-000000000001".into();
        old.survey_version = survey.version.saturating_sub(1);
        ballots.push(old);
        ballots.push(first);
    }
    let mut report = tally_report(survey, &ballots, "2026-11-30T12:00:00Z");
    if !seed.is_multiple_of(2) {
        report.excluded_conflicts = vec!["00000000-0000-4000-8000-0000000000cc".into()];
    }
    let paper = totals(survey, 1 + seed % 5);
    let live = LiveView {
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        title: survey.title.clone(),
        unit: survey.unit.clone(),
        eligible: survey.eligible,
        ballots: n as u64,
        state: "closed".into(),
        revealed: !seed.is_multiple_of(3),
        closed_at: Some("2026-11-30T12:00:00Z".into()),
        tally: (!seed.is_multiple_of(3)).then(|| tally_with_paper(survey, &ballots, &paper)),
        content_hash: seed.is_multiple_of(2).then(|| "ab".repeat(32)),
    };
    let fin = FinalTally {
        survey_id: survey.id.clone(),
        closed_at: "2026-11-30T12:00:00Z".into(),
        content_hash: "cd".repeat(32),
        report: report.clone(),
    };
    let paper_view = PaperTotalsView {
        survey_id: survey.id.clone(),
        survey_version: seed.is_multiple_of(2).then_some(survey.version),
        paper_ballots: paper.first().map_or(0, |t| t.ballots),
        totals: paper,
    };
    let codes = CodesResponse {
        survey_id: survey.id.clone(),
        count: 2,
        total: 40,
        codes: vec![
            IssuedCode {
                code: "ABCD-EFGH".into(),
                url: "https://x.example/?s=a#code=ABCD-EFGH".into(),
            },
            IssuedCode {
                code: "JKMN-PQRS".into(),
                url: "https://x.example/?s=a#code=JKMN-PQRS".into(),
            },
        ],
    };
    let attempts = CodeAttempts {
        survey_id: survey.id.clone(),
        window_seconds: 600,
        unknown_recent: seed,
        alert: seed.is_multiple_of(2),
        retry_after_seconds: seed.is_multiple_of(2).then_some(30),
    };
    let state = SurveyStateView {
        survey_id: survey.id.clone(),
        state: "open".into(),
        revealed: false,
        closed_at: None,
    };
    vec![
        ("report", to_value(&report)),
        ("final", to_value(&fin)),
        ("live", to_value(&live)),
        ("paper", to_value(&paper_view)),
        ("codes", to_value(&codes)),
        ("attempts", to_value(&attempts)),
        ("state", to_value(&state)),
    ]
}

/// [`agree`] for a document of the given kind.
fn agree_on(kind: &str, v: &Value) -> Result<(), String> {
    match kind {
        "report" => agree::<TallyReport>(v),
        "final" => agree::<FinalTally>(v),
        "live" => agree::<LiveView>(v),
        "paper" => agree::<PaperTotalsView>(v),
        "codes" => agree::<CodesResponse>(v),
        "attempts" => agree::<CodeAttempts>(v),
        "state" => agree::<SurveyStateView>(v),
        _ => unreachable!(),
    }
}

#[test]
fn golden_reports_read_the_same() {
    let dir = format!("{}/tests/golden", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".tally.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let ours: TallyReport = read_json(&text).unwrap();
        let serde: TallyReport = serde_json::from_str(&text).unwrap();
        assert_eq!(ours, serde, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 4, "golden reports found: {seen}");
}

#[test]
fn generated_documents_read_the_same() {
    for survey in surveys() {
        for seed in 0..6 {
            for n in [0, 1, 7, 60] {
                for (kind, v) in documents(&survey, seed, n) {
                    agree_on(kind, &v)
                        .unwrap_or_else(|e| panic!("{kind}, seed {seed}, n {n}: {e}"));
                }
            }
        }
    }
}

/// Every place in `v`: the keys and indexes leading to it.
fn places(v: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                here.push(json!(k));
                places(item, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                here.push(json!(i));
                places(item, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        Value::String(k) => v.get_mut(k.as_str()).unwrap(),
        Value::Number(i) => v.get_mut(i.as_u64().unwrap() as usize).unwrap(),
        _ => unreachable!(),
    })
}

/// What a mutation puts in place of a value.
fn replacement(n: u8) -> Value {
    match n % 14 {
        0 => Value::Null,
        1 => json!("x"),
        2 => json!(-1),
        3 => json!(0),
        4 => json!(4_294_967_296u64),
        5 => json!(1.5),
        6 => json!(true),
        7 => json!({}),
        8 => json!([]),
        9 => json!({ "zh": "字" }),
        10 => json!("paper"),
        11 => json!("choose"),
        12 => json!(u64::MAX),
        _ => json!(-2_147_483_649i64),
    }
}

/// Breaks `v` at one place: removes it, replaces it, or adds an unknown field beside it.
fn mutate(v: &mut Value, place: usize, how: u8, with: u8) {
    let mut all = Vec::new();
    places(v, &mut Vec::new(), &mut all);
    let path = &all[place % all.len()];
    match (how % 3, path.split_last()) {
        (0, Some((Value::String(k), parent))) => {
            at_mut(v, parent).as_object_mut().unwrap().remove(k);
        }
        (1, _) | (0, _) => *at_mut(v, path) = replacement(with),
        _ => {
            if let Some(m) = at_mut(v, path).as_object_mut() {
                m.insert("extra".into(), replacement(with));
            } else {
                *at_mut(v, path) = replacement(with);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn broken_documents_are_refused_alike(
        example in 0usize..3,
        seed in 0u64..4,
        n in prop::sample::select(vec![1usize, 9]),
        kind in 0usize..7,
        changes in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let s = survey(EXAMPLES[example]);
        let (name, mut v) = documents(&s, seed, n).swap_remove(kind);
        for (place, how, with) in changes {
            mutate(&mut v, place, how, with);
        }
        prop_assert!(agree_on(name, &v).is_ok(), "{}: {}\n{}", name, agree_on(name, &v).unwrap_err(), v);
    }
}

#[test]
fn problems_name_the_path() {
    let s = survey("evening-meeting.json");
    let report = to_value(&tally_report(
        &s,
        &generate::ballots(&s, 1, 5),
        "2026-11-30T12:00:00Z",
    ));

    let mut v = report.clone();
    v["tally"]["questions"][1]["answered"] = json!("many");
    let p = TallyReport::read(&v, &At::Root).unwrap_err();
    assert_eq!(p.path, "$.tally.questions[1].answered");
    assert_eq!(p.code, "wrong_type");
    assert!(p.en.contains("whole number"), "{}", p.en);

    let mut v = report.clone();
    v["tally"]["participation"]
        .as_object_mut()
        .unwrap()
        .remove("ballots");
    let p = TallyReport::read(&v, &At::Root).unwrap_err();
    assert_eq!(p.path, "$.tally.participation.ballots");
    assert_eq!(p.code, "missing_field");
    assert!(p.zh.contains("缺少字段"), "{}", p.zh);

    let mut v = report.clone();
    v["tally"]["questions"][0]["kind"] = json!("poll");
    let p = TallyReport::read(&v, &At::Root).unwrap_err();
    assert_eq!(p.path, "$.tally.questions[0].kind");
    assert!(p.en.contains("one of scale, choose"), "{}", p.en);

    // As with serde, a tag may also be given by its place in the list of kinds.
    let mut v = report.clone();
    let kind = v["tally"]["questions"][0]["kind"]
        .as_str()
        .unwrap()
        .to_string();
    let place = ["scale", "choose", "score", "notice", "approve", "text"]
        .iter()
        .position(|k| *k == kind)
        .unwrap();
    v["tally"]["questions"][0]["kind"] = json!(place);
    agree::<TallyReport>(&v).unwrap();
    assert!(TallyReport::read(&v, &At::Root).is_ok());

    let mut v = report.clone();
    v["survey_title"]["fr"] = json!("titre");
    let p = TallyReport::read(&v, &At::Root).unwrap_err();
    assert_eq!(p.path, "$.survey_title.fr");
    assert_eq!(p.code, "unknown_field");

    let mut v = report;
    v["ballots"]["by_channel"]["fax"] = json!(1);
    let p = TallyReport::read(&v, &At::Root).unwrap_err();
    assert_eq!(p.path, "$.ballots.by_channel.fax");

    let p = read_json::<TallyReport>("{\"format\": ").unwrap_err();
    assert_eq!((p.path.as_str(), p.code.as_str()), ("$", "not_json"));
}

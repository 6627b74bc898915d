//! The sample surveys in `examples/` parse without problems, and a sample ballot for each is valid.

mod common;

use common::{ballot, example};
use pingyi_core::tally::KindTally;
use pingyi_core::{parse_survey, tally, validate_ballot, validate_survey};
use serde_json::json;

fn load(name: &str) -> pingyi_core::Survey {
    match parse_survey(&example(name)) {
        Ok(s) => s,
        Err(p) => panic!("examples/{name} has problems: {p:#?}"),
    }
}

#[test]
fn satisfaction_example() {
    let s = load("satisfaction.json");
    assert!(validate_survey(&s).is_empty());
    assert_eq!(s.eligible, Some(86));
    assert!(s.collect.is_none());
    let b = ballot(
        &s,
        1,
        json!({
            "village-work": { "ratings": { "sanitation": "satisfied", "efficiency": "basically_satisfied", "public-order": "satisfied",
                              "culture": "unknown", "care": "dissatisfied", "conduct": "satisfied" } },
            "overall": { "choice": "basically_satisfied" },
            "suggestion": { "text": "希望垃圾能每天清运。" }
        }),
    );
    assert_eq!(validate_ballot(&s, &b), Ok(()));
    let t = tally(&s, &[b]);
    let KindTally::Scale { subjects } = &t.questions[0].result else {
        panic!()
    };
    assert_eq!(subjects.len(), 6);
    assert_eq!(subjects[3].valid, 0);
}

#[test]
fn appraisal_example() {
    let s = load("appraisal.json");
    assert!(s.anonymous);
    let b = ballot(
        &s,
        1,
        json!({
            "cadres": { "ratings": { "secretary": "competent", "deputy": "competent", "accountant": "basically_competent", "grid": "competent" } }
        }),
    );
    assert_eq!(validate_ballot(&s, &b), Ok(()));
    let t = tally(&s, &[b]);
    let KindTally::Scale { subjects } = &t.questions[0].result else {
        panic!()
    };
    assert_eq!(subjects[0].grade.as_ref().unwrap().zh, "优秀");
    assert_eq!(subjects[2].grade.as_ref().unwrap().zh, "称职");
}

#[test]
fn evening_meeting_example() {
    let s = load("evening-meeting.json");
    let scores = json!({ "sanitation": 8, "civility": 9, "joint-work": 7 });
    let mut answers = json!({
        "courtyard": { "chosen": ["wang-dahai", "zhou-ming"] },
        "household-points": { "scores": { "h01": scores, "h07": scores, "h12": scores, "h20": scores } },
        "public-notice": { "responses": {
            "road-repair": { "objection": false },
            "streetlights": { "objection": true, "reason": "路灯单价偏高，请公开采购合同。" },
            "subsidy-list": { "objection": false } } },
        "culture-square": { "choice": "for" }
    });
    let b = ballot(&s, 1, answers.clone());
    assert_eq!(validate_ballot(&s, &b), Ok(()));
    // Voting against shows the optional 反对理由 question.
    answers["culture-square"] = json!({ "choice": "against" });
    answers["against-reason"] = json!({ "text": "占了晒谷场，秋收没地方晒谷。" });
    let b2 = ballot(&s, 2, answers.clone());
    assert_eq!(validate_ballot(&s, &b2), Ok(()));
    let t = tally(&s, &[b, b2]);
    let KindTally::Notice { items } = &t.questions[2].result else {
        panic!()
    };
    assert!(items[1].needs_review && !items[0].needs_review);
    let KindTally::Text { texts } = &t.questions[4].result else {
        panic!()
    };
    assert_eq!(texts.len(), 1);
}

//! Integrity of the count: ballot ids in one canonical form, device ids that cannot carry
//! personal data, and validation that stays cheap and short on hostile ballots.

mod common;

use common::{assert_problem, ballot, parse, survey_json};
use pingyi_core::ballot::canonical_ballot_id;
use pingyi_core::export::read_ballots;
use pingyi_core::merge::merge;
use pingyi_core::{tally, validate_ballot, Ballot};
use serde_json::json;

fn approve_survey(anonymous: bool) -> pingyi_core::Survey {
    let mut v = survey_json(json!([{ "id": "q", "title": { "zh": "同意吗" }, "kind": "approve" }]));
    v["anonymous"] = json!(anonymous);
    parse(&v)
}

const LOWER: &str = "6f1c2b8e-aaaa-4bbb-8ccc-0000000000ef";
const UPPER: &str = "6F1C2B8E-AAAA-4BBB-8CCC-0000000000EF";

fn with_id(survey: &pingyi_core::Survey, id: &str) -> Ballot {
    let mut b = ballot(survey, 1, json!({ "q": { "choice": "for" } }));
    b.id = id.to_string();
    b
}

#[test]
fn canonical_ballot_id_lowercases_uuids_and_refuses_the_rest() {
    assert_eq!(canonical_ballot_id(UPPER).as_deref(), Some(LOWER));
    assert_eq!(canonical_ballot_id(LOWER).as_deref(), Some(LOWER));
    for bad in [
        "",
        "not-a-uuid",
        "6f1c2b8e-aaaa-4bbb-8ccc-0000000000e",
        "6f1c2b8eaaaa-4bbb-8ccc-0000000000ef0",
        "6f1c2b8e-aaaa-4bbb-8ccc-0000000000eg",
        " 6f1c2b8e-aaaa-4bbb-8ccc-0000000000e",
        "６f1c2b8e-aaaa-4bbb-8ccc-0000000000e",
    ] {
        assert_eq!(canonical_ballot_id(bad), None, "{bad:?}");
    }
}

#[test]
fn an_upper_case_copy_of_a_ballot_is_the_same_ballot() {
    let s = approve_survey(true);
    let lower = with_id(&s, LOWER);
    let upper_json = lower.canonical_json().replace(LOWER, UPPER);
    assert!(upper_json.contains(UPPER));

    // Reading turns the id into canonical form, both through serde and the widget's reader.
    let read = read_ballots(&upper_json).unwrap();
    assert_eq!(read[0].id, LOWER);
    let v: serde_json::Value = serde_json::from_str(&upper_json).unwrap();
    assert_eq!(Ballot::from_value(&v).unwrap().id, LOWER);
    assert_eq!(read[0], lower);

    // Merging: one ballot, one duplicate, whether read or built in code.
    let upper_typed = with_id(&s, UPPER);
    let m = merge(&[vec![lower.clone()], vec![upper_typed.clone()]]);
    assert_eq!(m.ballots.len(), 1, "{m:#?}");
    assert_eq!(m.duplicates, 1);
    assert!(m.conflicts.is_empty());
    assert_eq!(m.ballots[0].id, LOWER);

    // Counting: once.
    let t = tally(&s, &[lower, upper_typed]);
    assert_eq!(t.participation.ballots, 1);
    assert_eq!(t.participation.duplicates_dropped, 1);
}

#[test]
fn a_ballot_id_must_be_a_lowercase_uuid() {
    let s = approve_survey(true);
    assert_eq!(validate_ballot(&s, &with_id(&s, LOWER)), Ok(()));
    for bad in [UPPER, "not-a-uuid", "", "1"] {
        let p = validate_ballot(&s, &with_id(&s, bad)).unwrap_err();
        assert_problem(&p, "$.id", "bad_ballot_id");
        assert!(
            p[0].zh.contains("UUID") && p[0].en.contains("lowercase UUID"),
            "{p:?}"
        );
    }
}

#[test]
fn a_device_id_must_be_a_lowercase_uuid_when_present() {
    let named = approve_survey(false);
    let anonymous = approve_survey(true);
    let mut b = with_id(&named, LOWER);
    assert_eq!(validate_ballot(&named, &b), Ok(()));

    // Two hundred kilobytes of name and phone number.
    b.device = "张三 13800138000 ".repeat(10_000);
    for s in [&named, &anonymous] {
        let p = validate_ballot(s, &b).unwrap_err();
        assert_problem(&p, "$.device", "bad_device");
        assert!(p.iter().map(|p| p.zh.len() + p.en.len()).sum::<usize>() < 1000);
    }

    // Absent: fine for an anonymous survey and for a paper ballot, not for a named digital one.
    b.device = String::new();
    assert_eq!(validate_ballot(&anonymous, &b), Ok(()));
    assert_problem(
        &validate_ballot(&named, &b).unwrap_err(),
        "$.device",
        "device_missing",
    );
    b.channel = pingyi_core::Channel::Paper;
    assert_eq!(validate_ballot(&named, &b), Ok(()));

    // An absent device is absent from the JSON, and reads back as absent.
    let json = b.canonical_json();
    assert!(!json.contains("device"), "{json}");
    assert_eq!(read_ballots(&json).unwrap()[0], b);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(Ballot::from_value(&v).unwrap(), b);

    // An upper-case device id is read in canonical form.
    let upper = with_id(&named, LOWER)
        .canonical_json()
        .replace(&common::device(1), &common::device(1).to_ascii_uppercase());
    assert_eq!(read_ballots(&upper).unwrap()[0].device, common::device(1));
}

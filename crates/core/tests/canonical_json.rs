//! The widget writes ballots, stored records and problems as JSON by hand (no serde serializer
//! in the residents' bundle). These tests hold the hand-written JSON to what `serde_json` writes
//! with the derived `Serialize`, byte for byte: ballot ids, hashes and receipts depend on it.

use pingyi_core::protocol::BallotStatus;
use pingyi_core::record::{encode, Refusal, Status, StoredBallot};
use pingyi_core::{Answer, Ballot, Channel, IdMap, NoticeResponse, Problem};
use proptest::prelude::*;

/// Any text: control characters, quotes, backslashes and non-ASCII included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_]{0,8}",
        "(?s).{0,12}",
        Just("\"\\\u{0}\u{1f}\u{7f}\n\t评议😀".to_string()),
    ]
}

fn id_map<V: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = V>,
) -> impl Strategy<Value = IdMap<V>> {
    proptest::collection::vec((text(), value), 0..4).prop_map(|entries| {
        let mut map = IdMap::new();
        for (k, v) in entries {
            map.insert(k, v);
        }
        map
    })
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        text().prop_map(|choice| Answer::Choice { choice }),
        id_map(text()).prop_map(|ratings| Answer::Ratings { ratings }),
        proptest::collection::vec(text(), 0..4).prop_map(|chosen| Answer::Chosen { chosen }),
        id_map(id_map(any::<i32>())).prop_map(|scores| Answer::Scores { scores }),
        id_map((any::<bool>(), proptest::option::of(text()))).prop_map(|m| {
            let mut responses = IdMap::new();
            for (k, (objection, reason)) in m.iter() {
                responses.insert(
                    k.clone(),
                    NoticeResponse {
                        objection: *objection,
                        reason: reason.clone(),
                    },
                );
            }
            Answer::Responses { responses }
        }),
        text().prop_map(|text| Answer::Text { text }),
    ]
}

prop_compose! {
    fn ballot()(
        id in text(),
        survey_id in text(),
        survey_version in any::<u32>(),
        cast_at in text(),
        device in prop_oneof![Just(String::new()), text()],
        paper in any::<bool>(),
        code_hash in proptest::option::of(text()),
        answers in id_map(answer()),
    ) -> Ballot {
        Ballot {
            id,
            survey_id,
            survey_version,
            cast_at,
            device,
            channel: if paper { Channel::Paper } else { Channel::Digital },
            code_hash,
            answers,
        }
    }
}

fn problem() -> impl Strategy<Value = Problem> {
    (text(), text(), text(), text()).prop_map(|(path, code, zh, en)| Problem { path, code, zh, en })
}

proptest! {
    #[test]
    fn a_ballot_is_written_as_serde_json_writes_it(b in ballot()) {
        prop_assert_eq!(b.canonical_json(), serde_json::to_string(&b).unwrap());
    }

    #[test]
    fn a_problem_is_written_as_serde_json_writes_it(p in problem()) {
        let mut ours = String::new();
        p.push_json(&mut ours);
        prop_assert_eq!(ours, serde_json::to_string(&p).unwrap());
    }

    #[test]
    fn a_refused_record_is_written_as_serde_json_writes_it(
        b in ballot(),
        problems in proptest::collection::vec(problem(), 0..3),
        conflict in any::<bool>(),
    ) {
        let record = StoredBallot {
            ballot: b,
            status: Status::Refused,
            refusal: Some(Refusal {
                status: if conflict { BallotStatus::Conflict } else { BallotStatus::Rejected },
                problems,
            }),
            at_ms: Some(1),
            personal: false,
            endpoint: None,
        };
        prop_assert_eq!(encode(&record), serde_json::to_string(&record).unwrap());
    }
}

/// Every status is written under its JSON name.
#[test]
fn statuses_have_their_json_names() {
    for s in [
        BallotStatus::Accepted,
        BallotStatus::Duplicate,
        BallotStatus::Conflict,
        BallotStatus::Rejected,
    ] {
        assert_eq!(
            format!("\"{}\"", s.as_str()),
            serde_json::to_string(&s).unwrap()
        );
    }
}

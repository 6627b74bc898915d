//! The ballot-file reader `export::read_ballots` / `export::ballot_values`: every shape Pingyi
//! writes (raw export, bare array, submit batch, single object, NDJSON), a leading BOM, and errors
//! that name the file-level problem or the ballot at fault.

use pingyi_core::export::{ballot_values, read_ballots, BallotPlace};

fn ballot(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","survey_id":"s","survey_version":1,"cast_at":"2026-11-27T19:30:00.000Z","device":"d","answers":{{"q":{{"choice":"a"}}}}}}"#
    )
}

fn ids(text: &str) -> Vec<String> {
    read_ballots(text)
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect()
}

#[test]
fn raw_export() {
    let text = format!(
        r#"{{"format":"pingyi-ballots/1","survey_id":"s","survey_version":1,"ballots":[{},{}]}}"#,
        ballot("a"),
        ballot("b")
    );
    assert_eq!(ids(&text), ["a", "b"]);
}

#[test]
fn bare_array() {
    assert_eq!(
        ids(&format!("[{},{}]", ballot("a"), ballot("b"))),
        ["a", "b"]
    );
    assert!(read_ballots("[]").unwrap().is_empty());
}

#[test]
fn object_with_ballots_and_single_ballot() {
    assert_eq!(ids(&format!(r#"{{"ballots":[{}]}}"#, ballot("a"))), ["a"]);
    assert_eq!(ids(&ballot("solo")), ["solo"]);
    assert_eq!(
        ballot_values(&ballot("solo")).unwrap()[0].0,
        BallotPlace::Whole
    );
}

#[test]
fn ndjson_with_blank_lines() {
    let text = format!("{}\n\n{}\r\n{}\n", ballot("a"), ballot("b"), ballot("c"));
    assert_eq!(ids(&text), ["a", "b", "c"]);
    let places: Vec<BallotPlace> = ballot_values(&text)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        places,
        [
            BallotPlace::Line(1),
            BallotPlace::Line(3),
            BallotPlace::Line(4)
        ]
    );
}

#[test]
fn leading_bom_is_ignored() {
    assert_eq!(ids(&format!("\u{FEFF}[{}]", ballot("a"))), ["a"]);
    assert_eq!(
        ids(&format!("\u{FEFF}{}\n{}", ballot("a"), ballot("b"))),
        ["a", "b"]
    );
}

#[test]
fn ndjson_bad_line_is_named() {
    let text = format!("{}\n{}\n{{\"id\": oops}}\n", ballot("a"), ballot("b"));
    let e = read_ballots(&text).unwrap_err();
    assert_eq!(e.place, Some(BallotPlace::Line(3)));
    assert!(e.to_string().starts_with("line 3: not JSON"), "{e}");

    // A JSON line that is not a ballot.
    let text = format!("{}\n\n{{\"id\":\"x\"}}\n", ballot("a"));
    let e = read_ballots(&text).unwrap_err();
    assert_eq!(e.place, Some(BallotPlace::Line(3)));
    assert!(e.to_string().starts_with("line 3: not a ballot:"), "{e}");
}

#[test]
fn bad_item_is_named_by_index() {
    let e = read_ballots(&format!(r#"[{},{{"id":"x"}}]"#, ballot("a"))).unwrap_err();
    assert_eq!(e.place, Some(BallotPlace::Item(1)));
    assert!(e.to_string().starts_with("$[1]: not a ballot:"), "{e}");
    let e = read_ballots(&format!(
        r#"{{"ballots":[{},{},7]}}"#,
        ballot("a"),
        ballot("b")
    ))
    .unwrap_err();
    assert_eq!(e.place, Some(BallotPlace::BallotsItem(2)));
    assert!(
        e.to_string().starts_with("$.ballots[2]: not a ballot:"),
        "{e}"
    );
}

#[test]
fn not_ballot_files() {
    for text in [
        r#"{"format":"pingyi-tally/1","ballots":[]}"#,
        r#"{"ballots":3}"#,
        r#"{"x":1}"#,
        "7",
        "nope",
        "",
    ] {
        let e = read_ballots(text).unwrap_err();
        assert_eq!(e.place, None, "{text}: {e}");
    }
    assert!(read_ballots(r#"{"format":"pingyi-tally/1"}"#)
        .unwrap_err()
        .message
        .contains("$.format"));
}

//! Golden files: for each sample survey in `examples/`, a fixed set of generated ballots and the
//! exact tally report, CSV (Chinese and English) and anonymised raw export they give. Compared
//! byte for byte; regenerate with `UPDATE_GOLDEN=1 cargo test -p pingyi-core --test export_golden`.

#[path = "golden/generate.rs"]
mod generate;

use pingyi_core::export::{raw_export, tally_csv, tally_report};
use pingyi_core::{parse_survey, tally, Ballot, Survey};

/// The fixed time the golden reports are made at.
pub const GENERATED_AT: &str = "2026-12-05T08:00:00.000Z";

fn golden_dir() -> String {
    format!("{}/tests/golden", env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> Survey {
    let path = format!("{}/../../examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    parse_survey(&text).unwrap_or_else(|p| panic!("{path} is not valid: {p:#?}"))
}

/// Compare `actual` with the golden file, or write it under UPDATE_GOLDEN.
fn check(file: &str, actual: &[u8]) {
    let path = format!("{}/{file}", golden_dir());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}; run with UPDATE_GOLDEN=1"));
    if expected != actual {
        let (e, a) = (
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual),
        );
        let line = e
            .lines()
            .zip(a.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(e.lines().count().min(a.lines().count()));
        panic!(
            "tests/golden/{file} differs at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             If the change is intended, regenerate with UPDATE_GOLDEN=1 cargo test -p pingyi-core --test export_golden",
            line + 1,
            e.lines().nth(line).unwrap_or(""),
            a.lines().nth(line).unwrap_or("")
        );
    }
}

fn ballots_json(ballots: &[Ballot]) -> String {
    let mut s = serde_json::to_string_pretty(ballots).unwrap();
    s.push('\n');
    s
}

/// Every golden file of one case: ballots, report, CSV (zh, en) and anonymised raw export.
fn case(name: &str, survey: &Survey, seed: u64, n: usize) {
    let ballots = generate::ballots(survey, seed, n);
    check(
        &format!("{name}.ballots.json"),
        ballots_json(&ballots).as_bytes(),
    );
    // Every generated ballot is a valid ballot: the golden input is realistic.
    for b in &ballots {
        if let Err(p) = pingyi_core::validate_ballot(survey, b) {
            panic!("generated ballot {} is invalid: {p:#?}", b.id);
        }
    }
    let report = tally_report(survey, &ballots, GENERATED_AT);
    check(
        &format!("{name}.tally.json"),
        report.to_json_pretty().as_bytes(),
    );
    let t = tally(survey, &ballots);
    let zh = tally_csv(survey, &t, "zh");
    assert!(
        zh.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV must start with the UTF-8 BOM"
    );
    check(&format!("{name}.csv"), zh.as_bytes());
    let en = tally_csv(survey, &t, "en");
    assert!(en.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
    check(&format!("{name}.en.csv"), en.as_bytes());
    let mut export = serde_json::to_string_pretty(&raw_export(survey, &ballots)).unwrap();
    export.push('\n');
    check(&format!("{name}.export.json"), export.as_bytes());
}

#[test]
fn satisfaction() {
    case("satisfaction", &example("satisfaction"), 20261127, 47);
}

#[test]
fn appraisal() {
    case("appraisal", &example("appraisal"), 20261201, 41);
}

#[test]
fn evening_meeting() {
    case("evening-meeting", &example("evening-meeting"), 20261115, 36);
}

/// The evening meeting as a named (not anonymous) vote that publishes receipts: the report then
/// has `by_device` and `receipts`, and the raw export keeps devices and times.
#[test]
fn evening_meeting_named_with_receipts() {
    let mut survey = example("evening-meeting");
    survey.anonymous = false;
    survey.publish_receipts = true;
    case("evening-meeting-named", &survey, 20261115, 36);
}

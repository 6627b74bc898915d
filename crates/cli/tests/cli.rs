//! Runs the built `pingyi` binary on the sample surveys and the core's golden ballots: its
//! output must be byte for byte the golden report and CSV, however the ballots are split over
//! files and whatever shape each file has.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pingyi_core::export::{raw_export, TallyReport};
use pingyi_core::{parse_survey, Answer, Ballot};

const GENERATED_AT: &str = "2026-12-05T08:00:00.000Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root()
        .join(format!("examples/{name}.json"))
        .to_string_lossy()
        .into_owned()
}

fn golden(file: &str) -> String {
    root()
        .join(format!("crates/core/tests/golden/{file}"))
        .to_string_lossy()
        .into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pingyi-cli-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn pingyi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pingyi"))
        .args(args)
        .output()
        .expect("run pingyi")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn golden_ballots(name: &str) -> Vec<Ballot> {
    serde_json::from_str(&std::fs::read_to_string(golden(&format!("{name}.ballots.json"))).unwrap())
        .unwrap()
}

fn write(dir: &Path, file: &str, text: &str) -> String {
    let p = dir.join(file);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn tally_reproduces_the_golden_files_for_every_example() {
    for name in ["satisfaction", "appraisal", "evening-meeting"] {
        let (survey, ballots) = (example(name), golden(&format!("{name}.ballots.json")));
        let json = pingyi(&["tally", &survey, &ballots, "--generated-at", GENERATED_AT]);
        assert!(json.status.success(), "{name}: {}", stderr(&json));
        assert_eq!(
            json.stdout,
            std::fs::read(golden(&format!("{name}.tally.json"))).unwrap(),
            "{name}: JSON report"
        );
        let csv = pingyi(&[
            "tally",
            &survey,
            &ballots,
            "--format",
            "csv",
            "--generated-at",
            GENERATED_AT,
        ]);
        assert!(csv.status.success());
        assert!(csv.stdout.starts_with(&[0xEF, 0xBB, 0xBF]));
        assert_eq!(
            csv.stdout,
            std::fs::read(golden(&format!("{name}.csv"))).unwrap(),
            "{name}: CSV"
        );
        let en = pingyi(&["tally", &survey, &ballots, "--format=csv", "--lang=en"]);
        assert_eq!(
            en.stdout,
            std::fs::read(golden(&format!("{name}.en.csv"))).unwrap(),
            "{name}: English CSV"
        );
    }
}

#[test]
fn overlapping_files_in_every_shape_merge_to_the_same_report() {
    let dir = scratch("shapes");
    let name = "evening-meeting";
    let survey_text = std::fs::read_to_string(example(name)).unwrap();
    let survey = parse_survey(&survey_text).unwrap();
    let all = golden_ballots(name);
    let (a, b, c) = (&all[..15], &all[10..28], &all[25..]);
    // Phone A: a raw export file (of a named copy of the survey, so devices and times are kept).
    let mut named = survey.clone();
    named.anonymous = false;
    let raw = serde_json::to_string(&raw_export(&named, a)).unwrap();
    let fa = write(&dir, "a.json", &raw);
    // Phone B: a bare array, with a BOM as Windows editors write it.
    let fb = write(
        &dir,
        "b.json",
        &format!("\u{FEFF}{}", serde_json::to_string_pretty(b).unwrap()),
    );
    // The collector's NDJSON export.
    let nd: String = c
        .iter()
        .map(|x| serde_json::to_string(x).unwrap() + "\n")
        .collect();
    let fc = write(&dir, "c.ndjson", &nd);
    let out = pingyi(&[
        "tally",
        &example(name),
        &fa,
        &fb,
        &fc,
        "--generated-at",
        GENERATED_AT,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout,
        std::fs::read(golden(&format!("{name}.tally.json"))).unwrap()
    );
    assert!(
        stderr(&out).contains("identical copies"),
        "duplicates are noted: {}",
        stderr(&out)
    );

    // `merge` writes one file that tallies to the same report.
    let merged = dir.join("merged.json").to_string_lossy().into_owned();
    let m = pingyi(&["merge", &fa, &fb, &fc, "--out", &merged]);
    assert!(m.status.success(), "{}", stderr(&m));
    let back: Vec<Ballot> =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(back, all);
    let again = pingyi(&[
        "tally",
        &example(name),
        &merged,
        "--generated-at",
        GENERATED_AT,
    ]);
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn conflicts_warn_but_do_not_fail() {
    let dir = scratch("conflict");
    let all = golden_ballots("satisfaction");
    let mut altered = all[0].clone();
    altered.answers.insert(
        "overall".into(),
        Answer::Choice {
            choice: "dissatisfied".into(),
        },
    );
    if altered == all[0] {
        altered.answers.insert(
            "overall".into(),
            Answer::Choice {
                choice: "satisfied".into(),
            },
        );
    }
    let fa = write(&dir, "a.json", &serde_json::to_string(&all).unwrap());
    let fb = write(
        &dir,
        "b.json",
        &serde_json::to_string(&vec![altered]).unwrap(),
    );
    let out = pingyi(&[
        "tally",
        &example("satisfaction"),
        &fa,
        &fb,
        "--generated-at",
        GENERATED_AT,
    ]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("warning") && err.contains(&all[0].id) && err.contains("NOT counted"),
        "{err}"
    );
    let report: TallyReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.excluded_conflicts, vec![all[0].id.clone()]);
    assert_eq!(report.ballots.counted, all.len() as u64 - 1);
}

#[test]
fn invalid_survey_exits_2_with_paths() {
    let dir = scratch("invalid");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("appraisal")).unwrap()).unwrap();
    v["version"] = serde_json::json!(0);
    v["sections"][0]["questions"][0]["kind"] = serde_json::json!("stars");
    let bad = write(&dir, "bad.json", &v.to_string());
    let out = pingyi(&["tally", &bad, &golden("appraisal.ballots.json")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("$.version [version_zero]"), "{err}");
    assert!(
        err.contains("$.sections[0].questions[0].kind [unknown_kind]"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let val = pingyi(&["validate", &bad]);
    assert_eq!(val.status.code(), Some(2));
    let text = String::from_utf8_lossy(&val.stdout);
    assert!(
        text.contains("$.version [version_zero] 版本号应从 1 开始 / version starts at 1"),
        "{text}"
    );
}

#[test]
fn validate_says_ok_for_every_example() {
    for name in ["satisfaction", "appraisal", "evening-meeting"] {
        let out = pingyi(&["validate", &example(name)]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\n");
    }
}

#[test]
fn unreadable_inputs_exit_2_and_name_the_file() {
    let dir = scratch("unreadable");
    let missing = dir.join("nope.json").to_string_lossy().into_owned();
    let out = pingyi(&["tally", &missing, &golden("appraisal.ballots.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.json"));

    let broken = write(&dir, "broken.json", r#"[{"id": "x"}]"#);
    let out = pingyi(&["tally", &example("appraisal"), &broken]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("broken.json: $[0]: not a ballot"), "{err}");

    let other = write(&dir, "other.json", r#"{"format": "pingyi-tally/1"}"#);
    let out = pingyi(&["merge", &other]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pingyi-ballots/1"));
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    for args in [
        vec![],
        vec!["count"],
        vec!["tally"],
        vec!["tally", "only-a-survey.json"],
        vec!["tally", "s.json", "b.json", "--format", "xlsx"],
        vec!["tally", "s.json", "b.json", "--lang", "fr"],
        vec!["tally", "s.json", "b.json", "--generated-at", "yesterday"],
        vec!["tally", "s.json", "b.json", "--colour", "red"],
        vec!["validate"],
        vec!["merge"],
    ] {
        let out = pingyi(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("Usage:"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(pingyi(&["--help"]).status.success());
}

#[test]
fn out_file_and_clock_time() {
    let dir = scratch("out");
    let file = dir.join("tally.csv").to_string_lossy().into_owned();
    let out = pingyi(&[
        "tally",
        &example("appraisal"),
        &golden("appraisal.ballots.json"),
        "--format",
        "csv",
        "--out",
        &file,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(golden("appraisal.csv")).unwrap()
    );

    let out = pingyi(&[
        "tally",
        &example("appraisal"),
        &golden("appraisal.ballots.json"),
    ]);
    let report: TallyReport = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        pingyi_core::time::is_rfc3339(&report.generated_at),
        "{}",
        report.generated_at
    );
    assert!(report.generated_at.ends_with('Z'));
}

/// The collector's `GET …/final` body for these ballots, closed at `GENERATED_AT`.
fn final_body(survey: &pingyi_core::Survey, ballots: &[Ballot]) -> String {
    let report = pingyi_core::verify::final_report(survey, ballots, &[], GENERATED_AT);
    serde_json::json!({
        "survey_id": survey.id,
        "closed_at": GENERATED_AT,
        "content_hash": pingyi_core::verify::content_hash(&report),
        "report": report,
    })
    .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn verify_says_match_for_the_published_tally_and_its_export() {
    let dir = scratch("verify-match");
    for name in ["satisfaction", "appraisal", "evening-meeting"] {
        let survey = parse_survey(&std::fs::read_to_string(example(name)).unwrap()).unwrap();
        let ballots = golden_ballots(name);
        let fin = write(
            &dir,
            &format!("{name}.final.json"),
            &final_body(&survey, &ballots),
        );
        let export = write(
            &dir,
            &format!("{name}.export.json"),
            &serde_json::to_string_pretty(&raw_export(&survey, &ballots)).unwrap(),
        );
        let paper = write(&dir, "paper.json", r#"{"totals": []}"#);
        for ballots_file in [export, golden(&format!("{name}.ballots.json"))] {
            let o = pingyi(&[
                "verify",
                &example(name),
                &fin,
                &ballots_file,
                "--paper",
                &paper,
            ]);
            let out = stdout(&o);
            assert_eq!(o.status.code(), Some(0), "{name}: {out}{}", stderr(&o));
            assert!(out.contains("MATCH        tally.participation"), "{out}");
            assert!(
                out.trim_end()
                    .lines()
                    .last()
                    .unwrap()
                    .starts_with("MATCH: "),
                "{out}"
            );
        }
    }
}

#[test]
fn verify_says_mismatch_for_a_tampered_export_or_report() {
    let dir = scratch("verify-mismatch");
    let name = "evening-meeting";
    let survey = parse_survey(&std::fs::read_to_string(example(name)).unwrap()).unwrap();
    let ballots = golden_ballots(name);
    let fin = write(&dir, "final.json", &final_body(&survey, &ballots));

    // One ballot of the export changed: the question it answers differs, and the hash.
    let mut export = raw_export(&survey, &ballots);
    let (qid, answer) = export.ballots[0]
        .answers
        .iter()
        .find(|(_, a)| matches!(a, Answer::Choice { .. }))
        .map(|(q, a)| (q.clone(), a.clone()))
        .expect("a ballot with a choice");
    let Answer::Choice { choice } = answer else {
        unreachable!()
    };
    let other = if choice == "for" { "against" } else { "for" };
    export.ballots[0].answers.insert(
        qid.clone(),
        Answer::Choice {
            choice: other.into(),
        },
    );
    let tampered = write(
        &dir,
        "export.json",
        &serde_json::to_string(&export).unwrap(),
    );
    let o = pingyi(&["verify", &example(name), &fin, &tampered]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("MISMATCH     tally.questions[{qid}]")),
        "{out}"
    );
    assert!(out.contains("MATCH        ballot_ids_digest"), "{out}");
    assert!(out.contains("MISMATCH: "), "{out}");

    // A ballot left out of the export: the counts and the digest differ.
    let mut export = raw_export(&survey, &ballots);
    export.ballots.pop();
    let short = write(&dir, "short.json", &serde_json::to_string(&export).unwrap());
    let out = stdout(&pingyi(&["verify", &example(name), &fin, &short]));
    assert!(out.contains("MISMATCH     ballots"), "{out}");
    assert!(out.contains("MISMATCH     ballot_ids_digest"), "{out}");

    // The published report changed after it was hashed.
    let mut body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fin).unwrap()).unwrap();
    body["report"]["tally"]["participation"]["ballots"] = serde_json::json!(1000);
    let edited = write(&dir, "edited.json", &body.to_string());
    let honest = write(
        &dir,
        "honest.json",
        &serde_json::to_string(&raw_export(&survey, &ballots)).unwrap(),
    );
    let o = pingyi(&["verify", &example(name), &edited, &honest]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("MISMATCH     tally.participation"), "{out}");
    assert!(
        out.contains("the report was changed after it was hashed"),
        "{out}"
    );
}

#[test]
fn an_upper_case_copy_of_a_ballot_counts_once() {
    let dir = scratch("upper-case");
    let name = "satisfaction";
    let mut copy = golden_ballots(name)[..1].to_vec();
    let id = copy[0].id.clone();
    let text = serde_json::to_string(&copy)
        .unwrap()
        .replace(&id, &id.to_ascii_uppercase());
    assert!(text.contains(&id.to_ascii_uppercase()));
    copy.clear();
    let upper = write(&dir, "upper.json", &text);
    let o = pingyi(&[
        "tally",
        &example(name),
        &golden(&format!("{name}.ballots.json")),
        &upper,
        "--generated-at",
        GENERATED_AT,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        o.stdout,
        std::fs::read(golden(&format!("{name}.tally.json"))).unwrap()
    );
    assert!(stderr(&o).contains("1 identical copies"), "{}", stderr(&o));
    let m = pingyi(&["merge", &golden(&format!("{name}.ballots.json")), &upper]);
    let merged: Vec<Ballot> = serde_json::from_slice(&m.stdout).unwrap();
    assert_eq!(merged, golden_ballots(name));
}

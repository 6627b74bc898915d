//! `pingyi rollup`: the core's golden roll-up files come out of the binary byte for byte from the
//! golden reports, whatever order the files are given in; other templates and double-counted
//! units exit 2 naming the file and the difference.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn golden(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../crates/core/tests/golden/{file}"))
        .to_string_lossy()
        .into_owned()
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pingyi-rollup-{test}"));
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

fn reports(name: &str) -> Vec<String> {
    (1..=3)
        .map(|i| golden(&format!("rollup-{name}-{i}.tally.json")))
        .collect()
}

#[test]
fn rollup_reproduces_the_golden_json_and_csv() {
    for name in ["satisfaction", "evening-meeting"] {
        let files = reports(name);
        let mut args: Vec<&str> = vec!["rollup"];
        // Given in reverse: the order of the files does not matter.
        args.extend(files.iter().rev().map(String::as_str));
        let json = pingyi(&args);
        assert!(json.status.success(), "{name}: {}", stderr(&json));
        assert_eq!(
            json.stdout,
            std::fs::read(golden(&format!("rollup-{name}.rollup.json"))).unwrap(),
            "{name}: JSON"
        );
        let mut csv_args = args.clone();
        csv_args.extend(["--format", "csv"]);
        let csv = pingyi(&csv_args);
        assert!(csv.status.success(), "{}", stderr(&csv));
        assert_eq!(
            csv.stdout,
            std::fs::read(golden(&format!("rollup-{name}.csv"))).unwrap(),
            "{name}: CSV"
        );
        let mut en_args = csv_args.clone();
        en_args.extend(["--lang", "en"]);
        let en = pingyi(&en_args);
        assert_eq!(
            en.stdout,
            std::fs::read(golden(&format!("rollup-{name}.en.csv"))).unwrap()
        );
    }
}

#[test]
fn out_file_gets_the_csv_with_bom() {
    let dir = scratch("out");
    let out = dir.join("table.csv").to_string_lossy().into_owned();
    let files = reports("satisfaction");
    let o = pingyi(&[
        "rollup", &files[0], &files[1], &files[2], "--format", "csv", "--out", &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(String::from_utf8_lossy(&bytes).contains("合计（3 个单位）"));
}

#[test]
fn another_template_exits_2_naming_the_file_and_the_difference() {
    let sat = reports("satisfaction");
    let evening = reports("evening-meeting");
    let o = pingyi(&["rollup", &sat[0], &sat[1], &evening[0]]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("rollup-evening-meeting-1.tally.json"), "{err}");
    assert!(
        err.contains("$.tally.questions[0].question_id [rollup_template_mismatch]"),
        "{err}"
    );
    assert!(err.contains("不是同一套问卷模板") && err.contains("not of the same survey template"));
}

#[test]
fn the_same_unit_twice_exits_2_unless_identical() {
    let dir = scratch("twice");
    let sat = reports("satisfaction");
    // An identical copy: counted once, with a note.
    let copy = dir.join("copy.json");
    std::fs::copy(&sat[0], &copy).unwrap();
    let copy = copy.to_string_lossy().into_owned();
    let o = pingyi(&["rollup", &sat[0], &sat[1], &copy]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("identical"), "{}", stderr(&o));
    // Another count of the same unit: refused.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sat[1]).unwrap()).unwrap();
    v["unit"] = serde_json::from_str(&std::fs::read_to_string(&sat[0]).unwrap())
        .map(|r: serde_json::Value| r["unit"].clone())
        .unwrap();
    let other = dir.join("other.json");
    std::fs::write(&other, v.to_string()).unwrap();
    let o = pingyi(&["rollup", &sat[0], other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("[rollup_duplicate_unit]"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("other.json"), "{}", stderr(&o));
}

#[test]
fn files_that_are_not_reports_exit_2_naming_the_file() {
    let dir = scratch("junk");
    let ballots = dir.join("ballots.json");
    std::fs::write(
        &ballots,
        r#"{"format":"pingyi-ballots/1","survey_id":"x","survey_version":1,"ballots":[]}"#,
    )
    .unwrap();
    let o = pingyi(&["rollup", ballots.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("ballots.json") && err.contains("pingyi-tally/1"),
        "{err}"
    );
    let o = pingyi(&["rollup"]);
    assert_eq!(o.status.code(), Some(2));
    let o = pingyi(&["rollup", &reports("satisfaction")[0], "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
}

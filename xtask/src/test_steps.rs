//! `cargo xtask test`: every test level in order, stopping at the first
//! failure. This is what `.ci/run` runs.
//!
//! Steps: setup → formatting (`cargo fmt --check`) → native tests (with a private PostgreSQL
//! cluster; the collector's tests a second time on PostgreSQL) → the collector's API fuzz run
//! (schemathesis, `api_fuzz`) → core fuzz (a million generated surveys and ballots, release) →
//! core with the `schema` feature → the
//! widget's browser tests (wasm-bindgen-test in headless Chromium) → release
//! build with the bundle budget → Playwright end-to-end tests (when
//! `tests/e2e` has specs). A summary line per step follows, then
//! `N passed, 0 failed`.

use crate::api_fuzz;
use crate::bundle;
use crate::postgres;
use crate::setup::{self, CHROMEDRIVER};
use crate::shell::{self, command, run};
use std::time::{Duration, Instant};

/// What became of one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepResult {
    Passed(Duration),
    Skipped(String),
    Failed(Duration, String),
}

type Step = (&'static str, fn() -> Result<Option<String>, String>);

/// The steps in order. `Ok(Some(reason))` means skipped.
const STEPS: [Step; 9] = [
    ("setup", || setup::setup(setup::Mode::Install).map(|_| None)),
    (
        "formatting (cargo fmt --check; run `cargo fmt --all` to fix)",
        || run(command("cargo").args(["fmt", "--all", "--check"])).map(|_| None),
    ),
    (
        "native tests (core, collector, cli, xtask; the collector's again on PostgreSQL)",
        native_tests,
    ),
    (
        "collector API fuzz (schemathesis against /openapi.json)",
        api_fuzz::run_api_fuzz,
    ),
    (
        "core fuzz (1,000,000 generated surveys and ballots, release build)",
        || {
            run(command("cargo")
                .args(["test", "-p", "pingyi-core", "--release", "--test", "fuzz"])
                .env("PINGYI_FUZZ_CASES", "1000000"))
            .map(|_| None)
        },
    ),
    ("core with the schema feature", || {
        run(command("cargo").args(["test", "-p", "pingyi-core", "--features", "schema"]))
            .map(|_| None)
    }),
    (
        "widget, console, builder and browser-layer tests (wasm-bindgen-test, Chromium)",
        || {
            let mut cargo = command("cargo");
            cargo.args([
                "test",
                "-p",
                "pingyi",
                "-p",
                "pingyi-console",
                "-p",
                "pingyi-browser",
                "-p",
                "pingyi-builder",
                "--target",
                "wasm32-unknown-unknown",
            ]);
            if has_kiosk_feature() {
                // The kiosk tests need the widget's `kiosk` feature; the other tests run with it too.
                cargo.args(["--features", "pingyi/kiosk"]);
            }
            run(cargo
                .env("CHROMEDRIVER", CHROMEDRIVER)
                .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
                // Chromium flags for a closed network (the runner adds headless and no-sandbox).
                .env(
                    "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                    shell::root().join("xtask").join("webdriver.json"),
                ))
            .map(|_| None)
        },
    ),
    (
        "release builds (widget, console) and bundle budgets",
        || bundle::build_bundles().map(|_| None),
    ),
    ("end-to-end tests (Playwright)", || {
        if e2e_specs() == 0 {
            return Ok(Some("no spec files in tests/e2e yet".into()));
        }
        run(command("npx").args(["playwright", "test"])).map(|_| None)
    }),
];

/// The native tests with a private PostgreSQL cluster running (`PINGYI_TEST_POSTGRES`), then
/// the collector's tests again with every test server on PostgreSQL (`PINGYI_TEST_BACKEND`).
fn native_tests() -> Result<Option<String>, String> {
    let _cluster = postgres::Cluster::start()?;
    run(command("cargo")
        .args(["test", "--workspace", "--exclude", "pingyi"])
        .env(postgres::TEST_ENV, postgres::URL))?;
    run(command("cargo")
        .args(["test", "-p", "pingyi-collector", "--tests"])
        .env(postgres::TEST_ENV, postgres::URL)
        .env("PINGYI_TEST_BACKEND", "postgres"))?;
    Ok(None)
}

/// Runs every step; on the first failure prints the summary and fails.
pub fn run_all() -> Result<(), String> {
    let mut results: Vec<(&str, StepResult)> = Vec::new();
    for (name, step) in STEPS {
        println!("\n=== xtask test: {name} ===");
        let started = Instant::now();
        let result = match step() {
            Ok(None) => StepResult::Passed(started.elapsed()),
            Ok(Some(reason)) => StepResult::Skipped(reason),
            Err(error) => StepResult::Failed(started.elapsed(), error),
        };
        let failed = matches!(result, StepResult::Failed(..));
        results.push((name, result));
        if failed {
            break;
        }
    }
    println!("\n=== xtask test: summary ===");
    for (name, result) in &results {
        println!("{}", summary_line(name, result));
    }
    let (line, failed_step) = final_line(&results);
    println!("{line}");
    match failed_step {
        None => Ok(()),
        Some(name) => Err(format!("step failed: {name}")),
    }
}

/// `✓ name (12.3 s)`, `- name: skipped (why)`, `✗ name (4.0 s): why`.
pub fn summary_line(name: &str, result: &StepResult) -> String {
    match result {
        StepResult::Passed(took) => format!("✓ {name} ({:.1} s)", took.as_secs_f64()),
        StepResult::Skipped(why) => format!("- {name}: skipped ({why})"),
        StepResult::Failed(took, why) => format!("✗ {name} ({:.1} s): {why}", took.as_secs_f64()),
    }
}

/// `N passed, M failed`, and the name of the failed step if any.
pub fn final_line<'a>(results: &[(&'a str, StepResult)]) -> (String, Option<&'a str>) {
    let passed = results
        .iter()
        .filter(|(_, r)| matches!(r, StepResult::Passed(_)))
        .count();
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, r)| matches!(r, StepResult::Failed(..)))
        .map(|(name, _)| *name)
        .collect();
    (
        format!("{passed} passed, {} failed", failed.len()),
        failed.first().copied(),
    )
}

/// Whether the widget has the `kiosk` cargo feature (the shared-tablet build).
fn has_kiosk_feature() -> bool {
    std::fs::read_to_string(shell::root().join("Cargo.toml"))
        .map(|manifest| {
            manifest
                .lines()
                .any(|line| line.trim_start().starts_with("kiosk = ["))
        })
        .unwrap_or(false)
}

/// How many Playwright spec files `tests/e2e` holds.
fn e2e_specs() -> usize {
    let dir = shell::root().join("tests").join("e2e");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| is_spec(&entry.file_name().to_string_lossy()))
                .count()
        })
        .unwrap_or(0)
}

/// Playwright's default spec names: `*.spec.ts`, `*.test.js`, …
pub fn is_spec(file_name: &str) -> bool {
    [".spec.", ".test."].iter().any(|infix| {
        file_name.contains(infix)
            && [".ts", ".js", ".mjs", ".mts"]
                .iter()
                .any(|ext| file_name.ends_with(ext))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_steps() {
        let results = [
            ("setup", StepResult::Passed(Duration::from_millis(1500))),
            ("e2e", StepResult::Skipped("no specs".into())),
        ];
        assert_eq!(summary_line(results[0].0, &results[0].1), "✓ setup (1.5 s)");
        assert_eq!(
            summary_line(results[1].0, &results[1].1),
            "- e2e: skipped (no specs)"
        );
        assert_eq!(
            final_line(&results),
            ("1 passed, 0 failed".to_string(), None)
        );
    }

    #[test]
    fn names_the_failed_step() {
        let results = [
            ("setup", StepResult::Passed(Duration::ZERO)),
            (
                "native tests",
                StepResult::Failed(Duration::ZERO, "`cargo test` failed".into()),
            ),
        ];
        assert_eq!(
            final_line(&results),
            ("1 passed, 1 failed".to_string(), Some("native tests"))
        );
    }

    #[test]
    fn recognises_spec_files() {
        assert!(is_spec("vote.spec.ts"));
        assert!(is_spec("offline.test.js"));
        assert!(!is_spec("helpers.ts"));
        assert!(!is_spec("fixtures.spec.json"));
    }
}

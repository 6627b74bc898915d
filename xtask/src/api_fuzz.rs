//! The schema-driven fuzz run of the collector's whole API: schemathesis (from PyPI, pinned,
//! in a virtual environment under `.pingyi/venv`) generates requests from `/openapi.json` of a
//! collector started for the run, and checks that no answer is a 5xx and that every answer
//! conforms to the document (status, content type, body schema, headers), that malformed
//! requests are refused and that admin routes refuse requests without the token.
//!
//! The number of examples per operation is bounded so that the step takes well under three
//! minutes. The `positive_data_acceptance` check is left out: the document's schemas are
//! looser than the collector's validation (a survey that fits the schema can still have
//! problems, answered with `422 survey_invalid`), which is by design.

use crate::serve::wait_for_health;
use crate::shell::{self, command, run};
use std::path::PathBuf;
use std::time::Duration;

/// The schemathesis release `cargo xtask setup` installs.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Examples generated per operation and phase.
const MAX_EXAMPLES: &str = "10";

/// The survey published for the run; every `{survey_id}` is this one.
const SURVEY: &str = "examples/satisfaction.json";
const SURVEY_ID: &str = "taoyuan-satisfaction-2026";

/// The admin token of the collector started for the run (on 127.0.0.1 only, for its lifetime).
const ADMIN_TOKEN: &str = "xtask-api-fuzz-admin-token-0123456789abcdef";

/// The virtual environment that holds schemathesis.
pub fn venv() -> PathBuf {
    shell::root().join(".pingyi").join("venv")
}

/// The `st` command of the virtual environment.
pub fn schemathesis_bin() -> PathBuf {
    venv().join("bin").join("st")
}

/// The installed schemathesis version, if any (`st, version 4.32.5`).
pub fn installed_version() -> Option<String> {
    let out = std::process::Command::new(schemathesis_bin())
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    parse_version(&text)
}

/// The version in `st --version`'s output.
pub fn parse_version(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .last()
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

/// The configuration file of the run.
pub fn config_toml(survey_id: &str) -> String {
    format!(
        "# Written by `cargo xtask test` for the API fuzz run.\n\
         max-stream-events = 1\n\
         request-timeout = 5\n\
         \n\
         [parameters]\n\
         \"path.survey_id\" = \"{survey_id}\"\n"
    )
}

/// A free port on 127.0.0.1.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Starts a collector (rate limit off, the sample survey published) and runs schemathesis
/// against it. `Ok(Some(reason))` when schemathesis is not installed.
pub fn run_api_fuzz() -> Result<Option<String>, String> {
    if installed_version().as_deref() != Some(SCHEMATHESIS_VERSION) {
        return Ok(Some(format!(
            "schemathesis {SCHEMATHESIS_VERSION} is not in .pingyi/venv; run `cargo xtask setup`"
        )));
    }
    run(command("cargo").args(["build", "-p", "pingyi-collector"]))?;
    let root = shell::root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug").join("pingyi-collector");
    let work = target.join("api-fuzz");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let config = work.join("schemathesis.toml");
    std::fs::write(&config, config_toml(SURVEY_ID))
        .map_err(|e| format!("{}: {e}", config.display()))?;
    let port = free_port()?;
    let address = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(work.join("collector.log")).map_err(|e| e.to_string())?;
    let mut collector = command(binary.to_str().unwrap_or("pingyi-collector"))
        .args(["serve", "--addr", &address, "--rate-per-second", "0"])
        .arg("--db")
        .arg(work.join("fuzz.sqlite"))
        .args(["--publish", SURVEY])
        .env("PINGYI_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "warn")
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let outcome = if wait_for_health(port, Duration::from_secs(30)) {
        let mut st = std::process::Command::new(schemathesis_bin());
        st.current_dir(&work)
            .arg("--config-file")
            .arg(&config)
            .args(["run", &format!("http://{address}/openapi.json")])
            .args(["--header", &format!("Authorization: Bearer {ADMIN_TOKEN}")])
            // One worker: with two, Python 3.11 can fail inside hypothesis ("AST constructor
            // recursion depth mismatch" while two threads parse lambda sources), a flake that
            // says nothing about the collector.
            .args(["--max-examples", MAX_EXAMPLES, "--workers", "1"])
            .args([
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
            ])
            .args(["--seed", "1", "--no-color"]);
        run(&mut st).map_err(|e| {
            format!(
                "{e}; the collector's log is {}",
                work.join("collector.log").display()
            )
        })
    } else {
        Err(format!(
            "the collector did not answer on http://{address}/healthz"
        ))
    };
    let _ = collector.kill();
    let _ = collector.wait();
    outcome.map(|_| None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_installed_version() {
        assert_eq!(
            parse_version("st, version 4.32.5\n").as_deref(),
            Some("4.32.5")
        );
        assert_eq!(parse_version("command not found"), None);
    }

    #[test]
    fn the_config_pins_the_survey_and_bounds_streams() {
        let toml = config_toml("s1");
        assert!(toml.contains("max-stream-events = 1\n"));
        // Top-level keys come before the first table, or TOML puts them in it.
        assert!(toml.find("max-stream-events") < toml.find("[parameters]"));
        assert!(toml.contains("\"path.survey_id\" = \"s1\""));
    }
}

//! `cargo xtask bench-load`: how fast the pages load and how fast a cast is stored, measured
//! on the pages exactly as the reference collector serves them.
//!
//! Builds the server-profile collector, installs Lighthouse 12.2.3 into `.pingyi/lighthouse`
//! when missing (version 13 needs Node 22), starts the collector over a fresh database with the
//! example surveys published and `dist/` as its static files, then runs
//! `scripts/bench-load.mjs`: Lighthouse (mobile preset, simulated throttling, median of 5 runs)
//! on the resident page with a published survey, the kiosk and the console, and the time from
//! the tap on 提交 to the ballot being stored, with 4x CPU throttling. The figures are printed
//! and written to `docs/load.json`; docs/benchmarks.md summarises them.

use crate::serve;
use crate::shell::{self, command, run};

/// The Lighthouse release that runs on Node 20.
const LIGHTHOUSE: &str = "lighthouse@12.2.3";
/// A port away from the demo's 8080 and the end-to-end tests' 8089.
const PORT: u16 = 8190;
/// The survey the resident page and the kiosk load.
const LOAD_SURVEY: &str = "shiqiao-evening-2026-11";
/// The survey ballots are cast on (every question a radio group).
const CAST_SURVEY: &str = "taoyuan-satisfaction-2026";

pub fn bench_load() -> Result<(), String> {
    let root = shell::root();
    if !root.join("dist").join("index.html").exists() {
        return Err("dist/index.html is missing: run `cargo xtask build` first".into());
    }
    run(command("cargo").args(["build", "--profile", "server", "-p", "pingyi-collector"]))?;
    let lighthouse_dir = root.join(".pingyi").join("lighthouse");
    if !lighthouse_dir
        .join("node_modules/lighthouse/cli/index.js")
        .exists()
    {
        std::fs::create_dir_all(&lighthouse_dir)
            .map_err(|e| format!("cannot create {}: {e}", lighthouse_dir.display()))?;
        run(command("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&lighthouse_dir)
            .arg(LIGHTHOUSE))?;
    }
    let data = std::env::temp_dir().join(format!("pingyi-bench-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (mut collector, _) = serve::start_collector(PORT, &data.join("bench.sqlite"))?;
    let result = run(command("node").args([
        "scripts/bench-load.mjs",
        "--origin",
        &format!("http://127.0.0.1:{PORT}"),
        "--survey",
        LOAD_SURVEY,
        "--cast-survey",
        CAST_SURVEY,
        "--runs",
        "5",
        "--casts",
        "15",
        "--out",
        "docs/load.json",
    ]));
    let _ = collector.kill();
    let _ = collector.wait();
    let _ = std::fs::remove_dir_all(&data);
    result
}

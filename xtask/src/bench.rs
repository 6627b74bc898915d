//! `cargo xtask bench`: runs the benchmarks that exist and prints the bundle
//! figure. Today: the collector's ingest benchmark (`pingyi-collector
//! bench-ingest`), when the collector has it. See docs/benchmarks.md.

use crate::bundle;
use crate::shell::{self, command, run};
use std::path::Path;

pub fn bench() -> Result<(), String> {
    if collector_has_ingest_bench() {
        println!("bench: collector ingest throughput");
        run(command("cargo").args([
            "run",
            "--release",
            "-p",
            "pingyi-collector",
            "--",
            "bench-ingest",
        ]))?;
    } else {
        println!("bench: collector ingest benchmark not available yet (no `bench-ingest` in crates/collector)");
    }
    println!("bench: bundle size");
    bundle::build().map(|_| ())
}

/// Whether any collector source file mentions the `bench-ingest` subcommand.
fn collector_has_ingest_bench() -> bool {
    mentions(
        &shell::root().join("crates").join("collector").join("src"),
        "bench-ingest",
    )
}

fn mentions(dir: &Path, needle: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            mentions(&path, needle)
        } else {
            path.extension().is_some_and(|ext| ext == "rs")
                && std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle))
        }
    })
}

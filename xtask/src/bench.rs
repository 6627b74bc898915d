//! `cargo xtask bench`: runs the benchmarks and prints their figures: the collector's ingest
//! throughput (`pingyi-collector bench-ingest`, batches of 200 and of 1), core's tally, CSV and
//! merge throughput (`crates/core/examples/bench_tally.rs`) and the bundle sizes.
//! See docs/benchmarks.md.

use crate::bundle;
use crate::shell::{command, run};

pub fn bench() -> Result<(), String> {
    println!("bench: collector ingest throughput (server profile)");
    for batch in ["200", "1"] {
        let ballots = if batch == "1" { "5000" } else { "20000" };
        run(command("cargo").args([
            "run",
            "--profile",
            "server",
            "-p",
            "pingyi-collector",
            "--features",
            "bench",
            "--",
            "bench-ingest",
            "--ballots",
            ballots,
            "--batch",
            batch,
        ]))?;
    }
    println!("bench: tally, CSV and merge throughput (core, server profile)");
    run(command("cargo").args([
        "run",
        "--profile",
        "server",
        "-p",
        "pingyi-core",
        "--example",
        "bench_tally",
        "--",
        "--ballots",
        "20000",
    ]))?;
    println!("bench: bundle sizes");
    bundle::build().map(|_| ())
}

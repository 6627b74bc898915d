//! `cargo xtask bench`: runs the benchmarks and prints their figures: the collector's ingest
//! throughput (`pingyi-collector bench-ingest`, batches of 200 from 4 clients and single ballots
//! from 200 clients, on SQLite and, when PostgreSQL is installed, on a private durable cluster),
//! core's tally, CSV and merge throughput (`crates/core/examples/bench_tally.rs`) and the bundle
//! sizes. See docs/benchmarks.md.

use crate::bundle;
use crate::postgres;
use crate::shell::{command, run};

/// `pingyi-collector bench-ingest` in the server profile with these arguments.
fn bench_ingest(args: &[&str]) -> Result<(), String> {
    run(command("cargo")
        .args([
            "run",
            "--profile",
            "server",
            "-p",
            "pingyi-collector",
            "--features",
            "bench",
            "--",
            "bench-ingest",
        ])
        .args(args))
}

/// The two ingest runs: (ballots, batch, clients).
const INGEST_RUNS: [[&str; 3]; 2] = [["20000", "200", "4"], ["20000", "1", "200"]];

pub fn bench() -> Result<(), String> {
    println!("bench: collector ingest throughput (server profile, SQLite)");
    for [ballots, batch, clients] in INGEST_RUNS {
        bench_ingest(&["--ballots", ballots, "--batch", batch, "--clients", clients])?;
    }
    if postgres::bin_dir().is_some() {
        println!("bench: collector ingest throughput (server profile, PostgreSQL, durable)");
        let _cluster = postgres::Cluster::start_durable()?;
        for [ballots, batch, clients] in INGEST_RUNS {
            bench_ingest(&[
                "--ballots",
                ballots,
                "--batch",
                batch,
                "--clients",
                clients,
                "--db",
                postgres::URL,
            ])?;
        }
    } else {
        println!("bench: PostgreSQL is not installed (cargo xtask setup): its ingest run skipped");
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

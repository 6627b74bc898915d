//! `cargo xtask bench-backends [--ballots N] [--no-recount]`: the collector on SQLite and on a
//! throw-away PostgreSQL cluster ([`crate::postgres::Cluster`]), server profile: the kept tally
//! of N ballots (default 1,000,000;
//! `crates/collector/examples/bench_kept_tally.rs`): load time, database bytes per ballot,
//! `GET …/tally` time and the collector's peak memory, and `verify-tally`, per backend.
//! Ingest on both backends is `cargo xtask bench` (`bench-ingest`). See docs/benchmarks.md and
//! the sizing in docs/deploy.md.

use crate::postgres::{Cluster, TEST_ENV, URL};
use crate::shell::{command, run};

/// `args` go to the kept tally benchmark, which refuses any it does not know.
pub fn bench_backends(args: &[String]) -> Result<(), String> {
    let _cluster = Cluster::start()?;
    run(command("cargo")
        .args([
            "run",
            "--profile",
            "server",
            "-p",
            "pingyi-collector",
            "--example",
            "bench_kept_tally",
            "--",
            "--backend",
            "both",
        ])
        .args(args)
        .env(TEST_ENV, URL))
}

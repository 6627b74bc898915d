//! `cargo xtask bench-kept-tally [--ballots N] [--no-recount]`: the kept tally benchmark
//! (`crates/collector/examples/bench_kept_tally.rs`) on SQLite and on a throw-away PostgreSQL
//! cluster ([`crate::postgres::Cluster`]): load time, database bytes per ballot, `GET …/tally`
//! time and the collector's peak memory, and `verify-tally`, per backend. Server profile.
//! See docs/benchmarks.md and docs/deploy.md.

use crate::postgres::{Cluster, TEST_ENV, URL};
use crate::shell::{command, run};

/// The arguments are passed to the example, which refuses any it does not know.
pub fn bench_kept_tally(args: &[String]) -> Result<(), String> {
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

//! `cargo xtask bench-backends [--ballots N] [--no-recount]`: the collector on SQLite and on a
//! throw-away PostgreSQL cluster ([`crate::postgres::Cluster`]), server profile:
//! ingest over HTTP at the same moment on both (`crates/collector/examples/bench_ingest_backends.rs`,
//! 20,000 ballots a run), then the kept tally of N ballots (default 1,000,000;
//! `crates/collector/examples/bench_kept_tally.rs`): load time, database bytes per ballot,
//! `GET …/tally` time and the collector's peak memory, and `verify-tally`, per backend.
//! See docs/benchmarks.md and the sizing in docs/deploy.md.

use crate::postgres::{Cluster, TEST_ENV, URL};
use crate::shell::{command, run};

/// `args` go to the kept tally benchmark, which refuses any it does not know.
pub fn bench_backends(args: &[String]) -> Result<(), String> {
    let _cluster = Cluster::start()?;
    for (example, extra) in [
        ("bench_ingest_backends", &[][..]),
        ("bench_kept_tally", args),
    ] {
        run(command("cargo")
            .args([
                "run",
                "--profile",
                "server",
                "-p",
                "pingyi-collector",
                "--example",
                example,
                "--",
                "--backend",
                "both",
            ])
            .args(extra)
            .env(TEST_ENV, URL))?;
    }
    Ok(())
}

//! Ingest over HTTP on SQLite and on PostgreSQL, at the same moment on the same machine, so the
//! two backends can be compared even when the machine is busy: an in-process collector with the
//! satisfaction example published, the ballots of the golden generator (all digital) built
//! before the clock starts, then posted by concurrent clients, `--batch` ballots a request. Each
//! backend runs twice: single-ballot requests from 200 clients (a crowd of phones) and batches of
//! 200 from 4 clients (outboxes after a meeting).
//!
//! ```sh
//! cargo run --profile server -p pingyi-collector --example bench_ingest_backends -- \
//!     [--ballots N] [--backend sqlite|postgres|both] [--postgres URL]
//! ```
//!
//! PostgreSQL is the server named by `--postgres` or `PINGYI_TEST_POSTGRES` (as
//! `cargo xtask with-postgres` and `cargo xtask bench-backends` set it), in a schema of its own
//! per run, dropped at the end, with `synchronous_commit=on` as in production. The general
//! ingest benchmark (`bench-ingest`, SQLite) is in docs/benchmarks.md; this one only adds the
//! second backend.

#[path = "../../core/tests/golden/generate.rs"]
mod generate;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pingyi_collector::auth::AdminToken;
use pingyi_collector::limits::RateLimit;
use pingyi_core::protocol::{BallotStatus, SubmitBatch, SubmitResponse};
use pingyi_core::{parse_survey, Channel};

const ADMIN: &str = "bench-ingest-backends-admin-token-0123456789";
const POSTGRES_ENV: &str = "PINGYI_TEST_POSTGRES";

fn main() {
    let mut n: usize = 20_000;
    let mut backend: Option<String> = None;
    let mut postgres = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty());
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ballots" => n = it.next().and_then(|v| v.parse().ok()).expect("--ballots N"),
            "--backend" => backend = Some(it.next().expect("--backend sqlite|postgres|both")),
            "--postgres" => postgres = Some(it.next().expect("--postgres URL")),
            other => panic!("unknown option {other:?}"),
        }
    }
    let backends: Vec<&str> =
        match backend
            .as_deref()
            .unwrap_or(if postgres.is_some() { "both" } else { "sqlite" })
        {
            "sqlite" => vec!["sqlite"],
            "postgres" => vec!["postgres"],
            "both" => vec!["sqlite", "postgres"],
            other => panic!("--backend {other:?}: use sqlite, postgres or both"),
        };
    if backends.contains(&"postgres") && postgres.is_none() {
        panic!("PostgreSQL needs --postgres URL or {POSTGRES_ENV}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "bench-ingest-backends: {n} ballots a run, {} CPUs, load average {}",
        std::thread::available_parallelism().map_or(0, |c| c.get()),
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    );
    for (batch, clients) in [(1, 200), (200, 4)] {
        for name in &backends {
            let line = runtime.block_on(run(name, postgres.as_deref(), n, batch, clients));
            println!("bench-ingest-backends {name}: {line}");
        }
    }
}

/// One run on a fresh database: the line to print.
async fn run(
    backend: &str,
    postgres: Option<&str>,
    n: usize,
    batch: usize,
    clients: usize,
) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let survey_path = root.join("satisfaction.json");
    let survey = parse_survey(&std::fs::read_to_string(&survey_path).expect("example"))
        .expect("example parses");
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = format!("bench_ingest_{}_{batch}", std::process::id());
    let db = match backend {
        "sqlite" => dir.path().join("bench.sqlite"),
        _ => {
            let base = postgres.expect("checked");
            pg_execute(base, &format!("CREATE SCHEMA {schema}")).await;
            with_schema(base, &schema).into()
        }
    };
    let mut config = pingyi_collector::Config::new(&db);
    config.addr = ([127, 0, 0, 1], 0).into();
    config.publish = vec![survey_path];
    config.rate_limit = RateLimit::off();
    config.admin_token = Some(AdminToken::new(ADMIN));
    let server = pingyi_collector::start(config).await.expect("collector");
    let url = format!("{}/v1/surveys/{}/ballots", server.url(), survey.id);

    // Every body is built first; only the posting is timed.
    let mut ballots = generate::ballots(&survey, 7, n);
    for (i, b) in ballots.iter_mut().enumerate() {
        b.channel = Channel::Digital;
        b.id = format!("{:08x}-0000-4000-8000-{:012x}", i as u32, i);
    }
    let bodies: Vec<Vec<u8>> = ballots
        .chunks(batch)
        .map(|c| {
            serde_json::to_vec(&SubmitBatch {
                ballots: c.to_vec(),
            })
            .expect("json")
        })
        .collect();
    let queue = Arc::new(Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let queue = queue.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut accepted = 0usize;
            let mut times = Vec::new();
            loop {
                let body = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some(body) = body else { break };
                let sent = Instant::now();
                let resp = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("post");
                let status = resp.status();
                let parsed: SubmitResponse = resp
                    .json()
                    .await
                    .unwrap_or_else(|e| panic!("{status}: {e}"));
                if let Some(bad) = parsed
                    .results
                    .iter()
                    .find(|r| r.status != BallotStatus::Accepted)
                {
                    panic!("ballot {} was {:?}: {:?}", bad.id, bad.status, bad.problems);
                }
                accepted += parsed.results.len();
                times.push(sent.elapsed());
            }
            (accepted, times)
        }));
    }
    let mut accepted = 0;
    let mut times: Vec<Duration> = Vec::new();
    for t in tasks {
        let (k, ts) = t.await.expect("client");
        accepted += k;
        times.extend(ts);
    }
    let secs = started.elapsed().as_secs_f64();
    server.stop().await;
    if backend != "sqlite" {
        pg_execute(
            postgres.expect("checked"),
            &format!("DROP SCHEMA {schema} CASCADE"),
        )
        .await;
    }
    assert_eq!(accepted, n, "every ballot accepted");
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3
    };
    format!(
        "{n} ballots in {secs:.2} s = {:.0} ballots/s (batch {batch}, {clients} clients); request p50 {:.1} ms, p99 {:.1} ms",
        n as f64 / secs,
        at(0.5),
        at(0.99)
    )
}

/// `base` with its `search_path` set to `schema` and `synchronous_commit=on`.
fn with_schema(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}%20-c%20synchronous_commit%3Don")
}

async fn pg_execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL: {e}"));
    tokio::spawn(connection);
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

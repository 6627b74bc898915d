//! The kept tally at county scale, on SQLite and on PostgreSQL: store N ballots of the
//! satisfaction example (default 1,000,000) through `insert_ballots` in transactions of 5,000
//! (the kept tally updated in each, as ingest does), then measure on each backend
//!
//! - the database's size (bytes per ballot),
//! - `GET /v1/surveys/{id}/tally` answered by a fresh collector process started on that
//!   database (first and second request, the whole body read), and that process's peak memory
//!   (`VmHWM`, max RSS),
//! - `verify-tally` (every ballot read and recounted, compared with the kept tally) in a process
//!   of its own, its time and peak memory.
//!
//! ```sh
//! cargo run --release -p pingyi-collector --example bench_kept_tally -- \
//!     [--ballots N] [--backend sqlite|postgres|both] [--postgres URL] [--no-recount]
//! cargo xtask bench-backends [--ballots N]   # both backends, on a throw-away PostgreSQL
//! ```
//!
//! PostgreSQL is the server named by `--postgres` or `PINGYI_TEST_POSTGRES` (as
//! `cargo xtask with-postgres` sets it); the benchmark works in a schema of its own, dropped at
//! the end, with `synchronous_commit=on` as in production. `--backend` defaults to both when a
//! PostgreSQL URL is known, else SQLite only. The collector and `verify-tally` run as child
//! processes of this program (`--serve DB` and `--verify DB SURVEY_ID`), so their memory is
//! theirs alone.

#[path = "../../core/tests/golden/generate.rs"]
mod generate;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use pingyi_collector::auth::AdminToken;
use pingyi_collector::limits::RateLimit;
use pingyi_collector::store::{Database, NewBallot, StoredSurvey};
use pingyi_core::{parse_survey, Ballot, Survey};

/// The admin token of the benchmark's collector (never a real one).
const ADMIN: &str = "bench-kept-tally-admin-token-0123456789abcdef";

/// Ballots per `insert_ballots` call (one transaction).
const BATCH: usize = 5_000;

/// The environment variable naming a PostgreSQL server (set by `cargo xtask with-postgres`).
const POSTGRES_ENV: &str = "PINGYI_TEST_POSTGRES";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--serve") => return serve_child(Path::new(&args[1])),
        Some("--verify") => return verify_child(Path::new(&args[1]), &args[2]),
        _ => {}
    }
    let mut n: usize = 1_000_000;
    let mut backend: Option<String> = None;
    let mut postgres = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty());
    let mut recount = true;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ballots" => n = it.next().and_then(|v| v.parse().ok()).expect("--ballots N"),
            "--backend" => backend = Some(it.next().expect("--backend sqlite|postgres|both")),
            "--postgres" => postgres = Some(it.next().expect("--postgres URL")),
            "--no-recount" => recount = false,
            // Kept for the command printed in earlier figures: recounting is the default now.
            "--recount" => recount = true,
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
        panic!(
            "PostgreSQL needs --postgres URL or {POSTGRES_ENV} (cargo xtask with-postgres sets it)"
        );
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let text = std::fs::read_to_string(root.join("satisfaction.json")).expect("example");
    let survey = parse_survey(&text).expect("example parses");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "bench-kept-tally: {n} ballots of {:?}, {} CPUs, load average {}",
        survey.id,
        std::thread::available_parallelism().map_or(0, |c| c.get()),
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    );
    let mut rows = Vec::new();
    for name in backends {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, schema) = match name {
            "sqlite" => (dir.path().join("bench.sqlite"), None),
            _ => {
                let base = postgres.as_deref().expect("checked above");
                let schema = format!("bench_kept_tally_{}", std::process::id());
                runtime.block_on(pg_execute(base, &format!("CREATE SCHEMA {schema}")));
                (
                    PathBuf::from(with_schema(base, &schema)),
                    Some((base.to_string(), schema)),
                )
            }
        };
        let row = measure(name, &db, &survey, n, recount, &runtime, &schema);
        if let Some((base, schema)) = &schema {
            runtime.block_on(pg_execute(base, &format!("DROP SCHEMA {schema} CASCADE")));
        }
        rows.push(row);
    }
    println!();
    println!("| backend | load (insert_ballots, batches of {BATCH}) | database | tally, 1st request | tally, 2nd request | collector max RSS | verify-tally | verify-tally max RSS |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        println!("{r}");
    }
}

/// The figures of one backend.
struct Row {
    backend: &'static str,
    ballots: usize,
    load_s: f64,
    db_bytes: u64,
    first_ms: f64,
    second_ms: f64,
    serve_hwm_kib: u64,
    recount: Option<(f64, u64)>,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let recount = match self.recount {
            Some((s, kib)) => format!("{s:.1} s | {} MiB", kib / 1024),
            None => "not run | —".into(),
        };
        write!(
            f,
            "| {} | {:.0} s, {} ballots/s | {} MB, {} B per ballot | {:.0} ms | {:.0} ms | {} MiB | {recount} |",
            self.backend,
            self.load_s,
            (self.ballots as f64 / self.load_s) as u64,
            self.db_bytes / 1_000_000,
            self.db_bytes / self.ballots.max(1) as u64,
            self.first_ms,
            self.second_ms,
            self.serve_hwm_kib / 1024,
        )
    }
}

fn measure(
    backend: &'static str,
    db: &Path,
    survey: &Survey,
    n: usize,
    recount: bool,
    runtime: &tokio::runtime::Runtime,
    schema: &Option<(String, String)>,
) -> Row {
    let (load_s, json_bytes) = load(db, survey, n);
    println!(
        "bench-kept-tally {backend}: {n} ballots stored in {load_s:.1} s ({} ballots/s through insert_ballots, \
         generation included; canonical JSON {} B per ballot)",
        (n as f64 / load_s) as u64,
        json_bytes / n.max(1) as u64,
    );
    let db_bytes = match schema {
        None => sqlite_bytes(db),
        Some((base, schema)) => runtime.block_on(postgres_bytes(base, schema)),
    };
    println!(
        "bench-kept-tally {backend}: database {db_bytes} B = {} B per ballot{}",
        db_bytes / n.max(1) as u64,
        if schema.is_some() {
            " (tables, indexes and TOAST of the schema, pg_total_relation_size)"
        } else {
            " (the file after the last connection closed)"
        }
    );

    // A fresh collector on the database; two requests for the tally.
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .arg("--serve")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("start the collector");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("collector address");
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the collector did not start: {line:?}"))
        .to_string();
    let started_kib = proc_kib(child.id(), "VmRSS");
    let url = format!("http://{addr}/v1/surveys/{}/tally", survey.id);
    let (first_ms, body_bytes, ballots) = runtime.block_on(get_tally(&url));
    let after_first_kib = proc_kib(child.id(), "VmHWM");
    let (second_ms, _, _) = runtime.block_on(get_tally(&url));
    let serve_hwm_kib = proc_kib(child.id(), "VmHWM");
    stop(child);
    assert_eq!(ballots as usize, n, "the tally counts every ballot");
    println!(
        "bench-kept-tally {backend}: GET …/tally in {first_ms:.1} ms, again in {second_ms:.1} ms \
         ({body_bytes} B of JSON, uncompressed); collector RSS {} MiB after start, max RSS {} MiB \
         after the first answer, {} MiB after the second",
        started_kib / 1024,
        after_first_kib / 1024,
        serve_hwm_kib / 1024,
    );

    let recount = recount.then(|| {
        let out = Command::new(std::env::current_exe().expect("own path"))
            .arg("--verify")
            .arg(db)
            .arg(&survey.id)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run verify-tally");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "verify-tally failed: {text}");
        let field = |key: &str| -> String {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .unwrap_or_else(|| panic!("no {key} in {text:?}"))
                .to_string()
        };
        let secs: f64 = field("seconds=").parse().expect("seconds");
        let kib: u64 = field("hwm_kib=").parse().expect("kib");
        println!(
            "bench-kept-tally {backend}: verify-tally (every ballot read and recounted) in {secs:.1} s, \
             equal: {}, max RSS {} MiB",
            field("equal="),
            kib / 1024
        );
        assert_eq!(field("equal="), "true", "the kept tally equals the recount");
        (secs, kib)
    });
    Row {
        backend,
        ballots: n,
        load_s,
        db_bytes,
        first_ms,
        second_ms,
        serve_hwm_kib,
        recount,
    }
}

/// Store `n` generated ballots through `insert_ballots` (a second thread generates the next
/// batch meanwhile). Returns the seconds taken and the bytes of canonical JSON stored.
fn load(db: &Path, survey: &Survey, n: usize) -> (f64, u64) {
    let store = Database::parse(db).open().expect("database");
    store
        .publish_survey(&StoredSurvey {
            survey_id: survey.id.clone(),
            version: survey.version,
            json: serde_json::to_string(survey).expect("json"),
            content_hash: "bench".into(),
        })
        .expect("publish");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<NewBallot>>(2);
    let generator = {
        let survey = survey.clone();
        std::thread::spawn(move || {
            let mut done = 0;
            while done < n {
                let k = (n - done).min(BATCH);
                let mut ballots = generate::ballots(&survey, done as u64 + 1, k);
                for (i, b) in ballots.iter_mut().enumerate() {
                    // Unique ids across batches.
                    b.id = format!("{:08x}-0000-4000-8000-{:012x}", (done + i) as u32, done + i);
                }
                let batch: Vec<NewBallot> = ballots
                    .iter()
                    .map(|b: &Ballot| NewBallot {
                        id: b.id.clone(),
                        survey_id: b.survey_id.clone(),
                        survey_version: b.survey_version,
                        canonical_json: serde_json::to_string(b).expect("json"),
                        content_hash: b.content_hash(),
                        code_hash: None,
                    })
                    .collect();
                if tx.send(batch).is_err() {
                    return;
                }
                done += k;
            }
        })
    };
    let started = Instant::now();
    let mut json_bytes = 0u64;
    for batch in rx {
        json_bytes += batch
            .iter()
            .map(|b| b.canonical_json.len() as u64)
            .sum::<u64>();
        store.insert_ballots(&batch).expect("insert");
    }
    let secs = started.elapsed().as_secs_f64();
    generator.join().expect("generator");
    (secs, json_bytes)
}

/// `GET` the tally with the admin token, reading the whole body: (milliseconds, body bytes,
/// ballots counted).
async fn get_tally(url: &str) -> (f64, usize, u64) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let response = client
        .get(url)
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("tally request");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.expect("tally body");
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let tally: serde_json::Value = serde_json::from_slice(&body).expect("tally JSON");
    let ballots = tally["participation"]["ballots"].as_u64().unwrap_or(0);
    (ms, body.len(), ballots)
}

/// Close the collector's stdin (it stops) and wait for it.
fn stop(mut child: Child) {
    drop(child.stdin.take());
    let _ = child.wait();
}

/// `--serve DB`: a collector on 127.0.0.1 (a free port, rate limit off) until stdin closes;
/// prints `listening ADDR` once it accepts.
fn serve_child(db: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut config = pingyi_collector::Config::new(db);
        config.addr = ([127, 0, 0, 1], 0).into();
        config.admin_token = Some(AdminToken::new(ADMIN));
        config.rate_limit = RateLimit::off();
        let server = pingyi_collector::start(config).await.expect("collector");
        println!("listening {}", server.addr);
        std::io::stdout().flush().expect("stdout");
        let closed = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin()
                .read_line(&mut sink)
                .is_ok_and(|read| read > 0)
            {}
        });
        server
            .run_until(async {
                let _ = closed.await;
            })
            .await
            .expect("serve");
    });
}

/// `--verify DB SURVEY_ID`: `verify-tally` as the command runs it; prints its time, outcome and
/// the process's peak memory.
fn verify_child(db: &Path, survey_id: &str) {
    let started = Instant::now();
    let check = pingyi_collector::tools::verify_tally(db, survey_id).expect("verify-tally");
    println!(
        "seconds={:.3} equal={} ballots={} hwm_kib={}",
        started.elapsed().as_secs_f64(),
        check.equal,
        check.ballots,
        proc_kib(std::process::id(), "VmHWM")
    );
}

/// A figure of `/proc/PID/status` in KiB (0 where there is none).
fn proc_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The SQLite database's bytes: the file and any WAL or shared-memory file beside it.
fn sqlite_bytes(db: &Path) -> u64 {
    let name = db.file_name().expect("file").to_string_lossy().into_owned();
    std::fs::read_dir(db.parent().expect("folder"))
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|e| {
            let f = e.file_name().to_string_lossy().into_owned();
            f == name || f == format!("{name}-wal")
        })
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// `base` with its `search_path` set to `schema` and `synchronous_commit=on` (a test cluster may
/// turn it off server-wide).
fn with_schema(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}%20-c%20synchronous_commit%3Don")
}

async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL: {e}"));
    tokio::spawn(connection);
    client
}

async fn pg_execute(url: &str, sql: &str) {
    pg_client(url)
        .await
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Every table's bytes in `schema`: heap, indexes and TOAST, after a VACUUM so that the figure
/// is what the rows take, not dead versions left by the kept tally's updates.
async fn postgres_bytes(url: &str, schema: &str) -> u64 {
    let client = pg_client(&with_schema(url, schema)).await;
    let tables: Vec<String> = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1",
            &[&schema],
        )
        .await
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    for table in tables {
        client
            .batch_execute(&format!("VACUUM (ANALYZE) {schema}.\"{table}\""))
            .await
            .expect("vacuum");
    }
    let row = client
        .query_one(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&schema],
        )
        .await
        .expect("size");
    let bytes: i64 = row.get(0);
    bytes as u64
}

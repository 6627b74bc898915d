//! `pingyi-collector`: command line of the reference pingyi/1 collector.
//!
//! ```text
//! pingyi-collector serve [--addr 127.0.0.1:8080] [--db pingyi.sqlite|postgres://…] [--static-dir dist]
//!                        [--publish survey.json]... [--cors-origin https://portal.example]...
//!                        [--rate-per-second 20] [--rate-burst 200] [--max-body-bytes 1048576]
//!                        [--public-url https://pingyi.example] [--admin-token TOKEN]
//!                        [--frame-ancestors SOURCE]... [--connect-src ORIGIN]...
//!                        [--header-timeout-secs 10] [--body-timeout-secs 30]
//!                        [--max-connections 1000]
//! pingyi-collector import [--db pingyi.sqlite] [--survey survey.json] export.json...
//! pingyi-collector bench-ingest [--ballots 20000] [--batch 200] [--clients 4] [--db postgres://…]
//! pingyi-collector verify-tally [--db pingyi.sqlite|postgres://…] SURVEY_ID
//! pingyi-collector backup [--db pingyi.sqlite] OUT
//! pingyi-collector openapi
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use std::time::Duration;

use pingyi_collector::admin_token::AdminToken;
use pingyi_collector::limits::RateLimit;
use pingyi_collector::{start, Config};

const USAGE: &str = "\
pingyi-collector: the reference pingyi/1 ballot collector

USAGE:
  pingyi-collector serve [OPTIONS]
      --addr ADDR             listen address (default 127.0.0.1:8080)
      --db DATABASE           a SQLite file (pingyi.sqlite or sqlite:pingyi.sqlite) or a
                              PostgreSQL URL postgres://user@host:5432/pingyi, for several
                              instances on one database (default pingyi.sqlite)
      --static-dir DIR        serve the built widget from DIR (index.html fallback)
      --publish FILE          publish a survey file at start (repeatable)
      --cors-origin ORIGIN    allow this browser origin, or * (repeatable; also PINGYI_CORS_ORIGINS)
      --rate-per-second R     per-IP sustained request rate, 0 = off (default 20)
      --rate-burst B          per-IP burst (default 200)
      --trusted-proxy IP      a reverse proxy in front (repeatable): on its requests the
                              rate limit counts the client named by X-Forwarded-For
      --max-body-bytes N      largest request body (default 1048576)
      --public-url URL        origin of the links printed with ballot codes
                              (default http://<Host header>; set it behind a TLS proxy)
      --admin-token TOKEN     the admin token, at least 32 characters (default: from
                              PINGYI_ADMIN_TOKEN or <db>.admin-token, created if missing)
      --frame-ancestors SRC   who may frame the pages, e.g. https://portal.example
                              (repeatable; default 'self')
      --connect-src ORIGIN    another origin the pages may send to (repeatable)
      --header-timeout-secs S close a connection whose request head is not in after S
                              seconds (default 10)
      --body-timeout-secs S   longest wait for a request body (default 30)
      --max-connections N     connections served at once; more wait (default 1000)
  pingyi-collector import [--db DATABASE] [--survey FILE] EXPORT...
      load ballot files from offline devices (raw exports, arrays, batches or NDJSON),
      validated and stored like POSTed ballots, one transaction per file; prints
      \"imported N, duplicates D, conflicts C, rejected R\" and lists conflicts and rejections.
      --survey publishes that survey file first. Exit status 1 when anything was in conflict
      or rejected.
  pingyi-collector bench-ingest [--ballots N] [--batch B] [--clients C] [--db postgres://…]
      ingest benchmark; only in a build with the `bench` feature. Without --db a temporary
      SQLite file; with a PostgreSQL URL a fresh schema there, dropped afterwards. With
      RUST_LOG set, the collector logs to stderr as `serve` does
  pingyi-collector verify-tally [--db DATABASE] SURVEY_ID
      recount every stored ballot of the survey and compare with the tally the collector
      keeps (safe while it serves); prints equal or unequal, exit status 1 when unequal
  pingyi-collector backup [--db FILE] OUT
      a consistent copy of the database while the collector serves (SQLite online backup);
      OUT must not exist
  pingyi-collector openapi    print the OpenAPI 3.1 document

ENVIRONMENT:
  PINGYI_ADMIN_TOKEN   admin token; else read from or created in <db>.admin-token
                       (required with PostgreSQL, the same for every instance)
  PINGYI_CORS_ORIGINS  extra allowed origins, comma separated
  RUST_LOG             log filter (default info)
";

/// Set by `import` when conflicts or rejections need review.
static NEEDS_REVIEW: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(args) {
        Ok(()) if NEEDS_REVIEW.load(std::sync::atomic::Ordering::Relaxed) => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Value of an option that takes one.
fn value(it: &mut impl Iterator<Item = String>, name: &str) -> Result<String, String> {
    it.next().ok_or_else(|| format!("{name} needs a value"))
}

fn parse<T: std::str::FromStr>(s: &str, name: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{name}: cannot read {s:?}"))
}

/// A positive number of seconds, fractions allowed.
fn seconds(s: &str, name: &str) -> Result<Duration, String> {
    let n: f64 = parse(s, name)?;
    if !(n > 0.0 && n < 1e9) {
        return Err(format!("{name}: {s:?} is not a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(n))
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut it = args.into_iter();
    match it.next().as_deref() {
        Some("serve") => serve(it),
        Some("bench-ingest") => bench_ingest(it),
        Some("import") => import(it),
        Some("verify-tally") => verify_tally(it),
        Some("backup") => backup(it),
        Some("openapi") => {
            let doc = pingyi_collector::routes::openapi_document();
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    }
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn serve(mut it: impl Iterator<Item = String>) -> Result<(), String> {
    let mut config = Config::new("pingyi.sqlite");
    let mut rate = RateLimit::default();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--addr" => config.addr = parse(&value(&mut it, &arg)?, &arg)?,
            "--db" => config.db = PathBuf::from(value(&mut it, &arg)?),
            "--static-dir" => config.static_dir = Some(PathBuf::from(value(&mut it, &arg)?)),
            "--publish" => config.publish.push(PathBuf::from(value(&mut it, &arg)?)),
            "--cors-origin" => config.cors_origins.push(value(&mut it, &arg)?),
            "--rate-per-second" => rate.per_second = parse(&value(&mut it, &arg)?, &arg)?,
            "--rate-burst" => rate.burst = parse(&value(&mut it, &arg)?, &arg)?,
            "--trusted-proxy" => config
                .trusted_proxies
                .push(parse(&value(&mut it, &arg)?, &arg)?),
            "--max-body-bytes" => config.max_body_bytes = parse(&value(&mut it, &arg)?, &arg)?,
            "--public-url" => config.public_url = Some(value(&mut it, &arg)?),
            "--admin-token" => {
                config.admin_token = Some(AdminToken::checked(&value(&mut it, &arg)?, &arg)?)
            }
            "--frame-ancestors" => config.frame_ancestors.push(value(&mut it, &arg)?),
            "--connect-src" => config.connect_src.push(value(&mut it, &arg)?),
            "--header-timeout-secs" => {
                config.header_read_timeout = seconds(&value(&mut it, &arg)?, &arg)?
            }
            "--body-timeout-secs" => {
                config.body_read_timeout = seconds(&value(&mut it, &arg)?, &arg)?
            }
            "--max-connections" => config.max_connections = parse(&value(&mut it, &arg)?, &arg)?,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
        }
    }
    config.rate_limit = rate;
    init_logs();
    runtime()?.block_on(async move {
        let server = start(config).await.map_err(|e| e.to_string())?;
        server
            .run_until(shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

/// What `bench-ingest` says in a build without the `bench` feature.
#[cfg(not(feature = "bench"))]
const NO_BENCH: &str = "bench-ingest is not in this build (it needs an HTTP client the server \
does not carry); build it with the bench feature:\n  \
cargo run --release -p pingyi-collector --features bench -- bench-ingest";

#[cfg(not(feature = "bench"))]
fn bench_ingest(_: impl Iterator<Item = String>) -> Result<(), String> {
    Err(NO_BENCH.to_string())
}

#[cfg(feature = "bench")]
fn bench_ingest(mut it: impl Iterator<Item = String>) -> Result<(), String> {
    use pingyi_collector::bench;
    let mut opts = bench::BenchOptions::default();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--ballots" => opts.ballots = parse(&value(&mut it, &arg)?, &arg)?,
            "--batch" => opts.batch = parse(&value(&mut it, &arg)?, &arg)?,
            "--clients" => opts.clients = parse(&value(&mut it, &arg)?, &arg)?,
            "--db" => opts.db = Some(value(&mut it, &arg)?),
            other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
        }
    }
    // With RUST_LOG set, the collector logs as `serve` does (to stderr), so that the cost of
    // request logging can be measured; without it, nothing is logged.
    if std::env::var_os("RUST_LOG").is_some() {
        init_logs();
    }
    let report = runtime()?.block_on(bench::bench_ingest(opts))?;
    println!("{report}");
    Ok(())
}

/// `--db FILE` and one positional argument, for `verify-tally` and `backup`.
fn db_and_one(
    mut it: impl Iterator<Item = String>,
    what: &str,
) -> Result<(PathBuf, String), String> {
    let mut db = PathBuf::from("pingyi.sqlite");
    let mut one: Option<String> = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => db = PathBuf::from(value(&mut it, &arg)?),
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other:?}\n\n{USAGE}"))
            }
            _ if one.is_none() => one = Some(arg),
            _ => {
                return Err(format!(
                    "{what} takes one {what_arg}\n\n{USAGE}",
                    what_arg = "argument"
                ))
            }
        }
    }
    let one = one.ok_or_else(|| format!("{what} needs an argument\n\n{USAGE}"))?;
    Ok((db, one))
}

fn verify_tally(it: impl Iterator<Item = String>) -> Result<(), String> {
    let (db, survey_id) = db_and_one(it, "verify-tally")?;
    let check = pingyi_collector::tools::verify_tally(&db, &survey_id)?;
    print!("{check}");
    if !check.equal {
        NEEDS_REVIEW.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

fn backup(it: impl Iterator<Item = String>) -> Result<(), String> {
    let (db, out) = db_and_one(it, "backup")?;
    pingyi_collector::tools::backup(&db, std::path::Path::new(&out))?;
    println!("backup of {} written to {out}", db.display());
    Ok(())
}

fn import(mut it: impl Iterator<Item = String>) -> Result<(), String> {
    let mut db = PathBuf::from("pingyi.sqlite");
    let mut survey: Option<PathBuf> = None;
    let mut files: Vec<PathBuf> = Vec::new();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => db = PathBuf::from(value(&mut it, &arg)?),
            "--survey" => survey = Some(PathBuf::from(value(&mut it, &arg)?)),
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other:?}\n\n{USAGE}"))
            }
            _ => files.push(PathBuf::from(arg)),
        }
    }
    if files.is_empty() && survey.is_none() {
        return Err(format!("import needs at least one ballot file\n\n{USAGE}"));
    }
    let summary = pingyi_collector::import::import_files(&db, survey.as_deref(), &files)?;
    print!("{summary}");
    if summary.needs_review() {
        NEEDS_REVIEW.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

//! `cargo xtask`: Pingyi's developer tasks.
//!
//! One entry point for everything a developer or CI does: install the tools
//! (`setup`), build the widget and check its size (`build`), serve the demo
//! (`run`, `serve`), run every test level (`test`) and print the figures
//! (`bench`). Std and two compressors (Brotli, gzip) only, so it compiles in seconds on a fresh
//! machine.

mod api_fuzz;
mod bench;
mod bench_backends;
mod bench_load;
mod bundle;
mod loader;
mod lockfile;
mod postgres;
mod serve;
mod setup;
mod shell;
mod test_steps;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup [--check]   install what is missing (wasm32 target, trunk, wasm-bindgen-cli,
                    npm packages, Chromium, schemathesis, postgresql); --check only reports,
                    installs nothing
  build             setup, then `trunk build --release --offline` and the bundle budget check
  size              the bundle figure of the existing dist/ (no build)
  run [--port N]    build, then serve the demo on http://127.0.0.1:8080
  serve [--port N]  serve the already built demo (dist/) without building
  test              every test level, stopping at the first failure (what CI runs)
  api-fuzz          the collector's schemathesis run alone (a step of `test`)
  with-postgres CMD run CMD with a private PostgreSQL cluster on 127.0.0.1:55433 and
                    PINGYI_TEST_POSTGRES set (e.g. cargo test -p pingyi-collector)
  bench             benchmarks that exist (collector ingest) and the bundle figure
  bench-backends [--ballots N] [--no-recount]
                    SQLite and a throw-away PostgreSQL cluster (port 55433) side by side:
                    ingest over HTTP, then the kept tally of 1,000,000 ballots (load, bytes
                    per ballot, GET …/tally time and memory, verify-tally)
  bench-load        Lighthouse (mobile, median of 5) on the resident page, kiosk and console as
                    the collector serves them, and the time from 提交 to a stored ballot
                    (4x CPU); writes docs/load.json. Needs a built dist/
";

fn main() -> ExitCode {
    shell::prepare_environment();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("");
    let rest = &args[args.len().min(1)..];
    let outcome = match command {
        "setup" => setup::setup(setup::Mode::from_args(rest)),
        "build" => bundle::build().map(|_| ()),
        "size" => bundle::check_budget().map(|_| ()),
        "run" => parse_port(rest).and_then(serve::build_and_serve),
        "serve" => parse_port(rest).and_then(serve::serve_demo),
        "test" => test_steps::run_all(),
        "api-fuzz" => api_fuzz::run_api_fuzz().and_then(|skipped| match skipped {
            None => Ok(()),
            Some(why) => Err(why),
        }),
        "with-postgres" => postgres::with_postgres(rest),
        "bench" => bench::bench(),
        "bench-backends" => bench_backends::bench_backends(rest),
        "bench-load" => bench_load::bench_load(),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads `--port N` from the arguments; 8080 when absent.
fn parse_port(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(serve::DEFAULT_PORT),
        [flag, value] if flag == "--port" => value
            .parse()
            .map_err(|_| format!("--port needs a number, got {value:?}")),
        _ => Err(format!("unexpected arguments {args:?}\n\n{USAGE}")),
    }
}

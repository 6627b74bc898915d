//! Tally throughput: how fast core counts a large meeting's ballots, the same code the console,
//! the collector and the CLI run. Ballots come from the golden-file generator (every question
//! kind, `show_if`, paper ballots, several devices), for the example surveys.
//!
//! `cargo run --release -p pingyi-core --example bench_tally -- [--ballots N]` (default 20000);
//! `cargo xtask bench` runs it. Prints one line per survey and step; see docs/benchmarks.md.

#[path = "../tests/golden/generate.rs"]
mod generate;

use std::time::Instant;

use pingyi_core::{export, merge, parse_survey, tally};

fn main() {
    let mut n: usize = 20_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ballots" => match args.next().and_then(|v| v.parse().ok()) {
                Some(v) if v > 0 => n = v,
                _ => fail("--ballots needs a positive number"),
            },
            other => fail(&format!(
                "unknown option {other:?}; usage: bench_tally [--ballots N]"
            )),
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for name in ["satisfaction", "appraisal", "evening-meeting"] {
        let path = root.join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| fail(&format!("reading {}: {e}", path.display())));
        let survey = parse_survey(&text)
            .unwrap_or_else(|p| fail(&format!("{}: {} problems", path.display(), p.len())));
        let ballots = generate::ballots(&survey, 7, n);

        let (started, cpu0) = (Instant::now(), cpu_seconds());
        let t = tally(&survey, &ballots);
        let tally_s = started.elapsed().as_secs_f64();
        let tally_cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
        assert_eq!(t.participation.ballots as usize, ballots.len());

        let started = Instant::now();
        let csv = export::tally_csv(&survey, &t, "zh");
        let csv_s = started.elapsed().as_secs_f64();

        // Two devices' exports that overlap by half: the officials' reconciliation.
        let (a, b) = (ballots[..n / 2 + n / 4].to_vec(), ballots[n / 4..].to_vec());
        let started = Instant::now();
        let merged = merge::merge(&[a, b]);
        let merge_s = started.elapsed().as_secs_f64();
        assert_eq!(merged.ballots.len(), ballots.len());

        let rate = |s: f64| (n as f64 / s.max(1e-9)).round() as u64;
        println!(
            "bench-tally {name}: {n} ballots, {} questions: tally {} ballots/s ({:.1} ms; {} ballots per CPU second), csv {:.1} ms ({} B), merge of 2 overlapping exports {} ballots/s",
            survey.sections.iter().map(|s| s.questions.len()).sum::<usize>(),
            rate(tally_s),
            tally_s * 1e3,
            tally_cpu.map_or("?".to_string(), |c| rate(c).to_string()),
            csv_s * 1e3,
            csv.len(),
            rate(merge_s),
        );
    }
}

/// This thread's time on a CPU (Linux `/proc/thread-self/schedstat`), so that a figure taken on a
/// busy machine still says what the code costs; `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn fail(message: &str) -> ! {
    eprintln!("bench_tally: {message}");
    std::process::exit(2)
}

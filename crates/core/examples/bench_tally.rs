//! Tally throughput: how fast core counts a large meeting's ballots, the same code the console,
//! the collector and the CLI run. Ballots come from the golden-file generator (every question
//! kind, `show_if`, paper ballots, several devices), for the example surveys.
//!
//! `cargo run --profile server -p pingyi-core --example bench_tally -- [--ballots N] [--runs R]
//! [--survey NAME] [--tally-only]` (defaults: 20000 ballots, 5 runs, every example survey);
//! `cargo xtask bench` runs it. See docs/benchmarks.md.
//!
//! What is measured: the tally starts from parsed [`Ballot`] values already in memory, as the
//! console, the CLI and the collector hold them; reading them from JSON is timed on its own line
//! and is not in the tally's figure. The first figure counts the generated ballots, which are
//! sorted by id after they are made, so each ballot's strings lie far from the previous one's in
//! memory (the hardest case for the processor's cache); the same tally of the ballots read back
//! from JSON, in file order in memory, is printed further down. Each step runs `R` times and the
//! median is printed, in ballots per second of this thread's CPU time (which stays meaningful on
//! a busy machine) and in CPU nanoseconds per ballot, with the wall figure beside.

#[path = "../tests/golden/generate.rs"]
mod generate;

use std::time::Instant;

use pingyi_core::tally::Counter;
use pingyi_core::{export, merge, parse_survey, tally, Ballot};

struct Options {
    ballots: usize,
    runs: usize,
    survey: Option<String>,
    tally_only: bool,
}

fn main() {
    let mut o = Options {
        ballots: 20_000,
        runs: 5,
        survey: None,
        tally_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> usize {
            match args.next().and_then(|v| v.parse().ok()) {
                Some(v) if v > 0 => v,
                _ => fail(&format!("{what} needs a positive number")),
            }
        };
        match arg.as_str() {
            "--ballots" => o.ballots = number("--ballots"),
            "--runs" => o.runs = number("--runs"),
            "--survey" => {
                o.survey = Some(args.next().unwrap_or_else(|| fail("--survey needs a name")))
            }
            "--tally-only" => o.tally_only = true,
            other => fail(&format!(
                "unknown option {other:?}; usage: bench_tally [--ballots N] [--runs R] \
                 [--survey satisfaction|appraisal|evening-meeting] [--tally-only]"
            )),
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    println!(
        "bench-tally: {} ballots per survey, median of {} runs; the tally counts parsed ballots \
         held in memory (reading them from JSON is timed apart and not in its figure); \
         /s = ballots per second of CPU time",
        o.ballots, o.runs
    );
    for name in ["satisfaction", "appraisal", "evening-meeting"] {
        if o.survey.as_deref().is_some_and(|s| s != name) {
            continue;
        }
        let path = root.join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| fail(&format!("reading {}: {e}", path.display())));
        let survey = parse_survey(&text)
            .unwrap_or_else(|p| fail(&format!("{}: {} problems", path.display(), p.len())));
        let ballots = generate::ballots(&survey, 7, o.ballots);
        bench_survey(name, &survey, &ballots, &o);
    }
}

fn bench_survey(name: &str, survey: &pingyi_core::Survey, ballots: &[Ballot], o: &Options) {
    let n = ballots.len();
    let questions: usize = survey.sections.iter().map(|s| s.questions.len()).sum();

    let whole = measure(o.runs, || {
        let t = tally(survey, ballots);
        assert_eq!(t.participation.ballots as usize, n);
        t
    });
    let count = measure(o.runs, || {
        let mut c = Counter::new(survey);
        for b in ballots {
            c.add(b);
        }
        c.into_state()
    });
    let mut counter = Counter::new(survey);
    for b in ballots {
        counter.add(b);
    }
    let report = measure(o.runs, || counter.finish());

    println!("bench-tally {name}: {n} ballots, {questions} questions");
    println!(
        "  tally (repeats, count, report)  {:>10} /s  {:>6.0} ns/ballot   wall {:>10} ballots/s",
        whole.per_cpu_second(n),
        whole.cpu_ns_per(n),
        whole.per_wall_second(n),
    );
    println!(
        "    count (Counter::add)          {:>10} /s  {:>6.0} ns/ballot   (the collector's path per stored ballot)",
        count.per_cpu_second(n),
        count.cpu_ns_per(n),
    );
    println!(
        "    report (Counter::finish)      {:>10.2} ms CPU once",
        report.cpu * 1e3
    );
    if o.tally_only {
        return;
    }

    let json = serde_json::to_string(ballots).expect("ballots serialise");
    let parse = measure(o.runs.min(3), || {
        let read = export::read_ballots(&json).expect("ballots read back");
        assert_eq!(read.len(), n);
        read
    });
    let read = export::read_ballots(&json).expect("ballots read back");
    let read_whole = measure(o.runs, || tally(survey, &read));
    println!(
        "  read JSON (not in the tally)    {:>10} /s  {:>6.0} ns/ballot   ({} B); read + tally {} /s",
        parse.per_cpu_second(n),
        parse.cpu_ns_per(n),
        json.len(),
        rate(n, parse.cpu + read_whole.cpu),
    );
    println!(
        "  tally of the ballots as read    {:>10} /s  {:>6.0} ns/ballot   (in file order in memory, as the console and the CLI hold them)",
        read_whole.per_cpu_second(n),
        read_whole.cpu_ns_per(n),
    );

    let t = tally(survey, ballots);
    let csv_text = export::tally_csv(survey, &t, "zh");
    let csv = measure(o.runs, || export::tally_csv(survey, &t, "zh"));
    // Two devices' exports that overlap by half: the officials' reconciliation.
    let (a, b) = (ballots[..n / 2 + n / 4].to_vec(), ballots[n / 4..].to_vec());
    let both = [a, b];
    let merged = measure(o.runs.min(3), || {
        let m = merge::merge(&both);
        assert_eq!(m.ballots.len(), n);
        m
    });
    println!(
        "  csv {:.1} ms CPU ({} B); merge of 2 overlapping exports {} /s",
        csv.cpu * 1e3,
        csv_text.len(),
        merged.per_cpu_second(n),
    );
}

/// Median CPU and wall seconds of one step.
struct Timing {
    cpu: f64,
    wall: f64,
}

impl Timing {
    fn per_cpu_second(&self, n: usize) -> u64 {
        rate(n, self.cpu)
    }
    fn per_wall_second(&self, n: usize) -> u64 {
        rate(n, self.wall)
    }
    fn cpu_ns_per(&self, n: usize) -> f64 {
        self.cpu * 1e9 / n.max(1) as f64
    }
}

fn rate(n: usize, seconds: f64) -> u64 {
    (n as f64 / seconds.max(1e-9)).round() as u64
}

/// Runs `step` `runs` times; the median of its CPU times and of its wall times. What the step
/// returns is dropped outside the timing.
fn measure<T>(runs: usize, mut step: impl FnMut() -> T) -> Timing {
    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let (started, cpu0) = (Instant::now(), cpu_seconds());
        let out = step();
        wall.push(started.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - cpu0);
        drop(std::hint::black_box(out));
    }
    Timing {
        cpu: median(&mut cpu),
        wall: median(&mut wall),
    }
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// This thread's time on a CPU (`CLOCK_THREAD_CPUTIME_ID`, exact to the nanosecond, unlike
/// `/proc/thread-self/schedstat`, which moves only at scheduler ticks), so that a figure taken on
/// a busy machine still says what the code costs. Elsewhere than Linux, wall time stands in.
#[cfg(target_os = "linux")]
fn cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        seconds: i64,
        nanos: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, out: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec {
        seconds: 0,
        nanos: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the call's duration.
    let ok = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    if !ok {
        fail("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    }
    t.seconds as f64 + t.nanos as f64 * 1e-9
}

#[cfg(not(target_os = "linux"))]
fn cpu_seconds() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

fn fail(message: &str) -> ! {
    eprintln!("bench_tally: {message}");
    std::process::exit(2)
}

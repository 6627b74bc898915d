//! The kept tally at county scale: store N ballots of the satisfaction example (default
//! 1,000,000) through `insert_ballots`, then time what `GET …/tally` does (read the tally state
//! and its texts, finish the tally) and how much memory that takes, beside the state's size.
//!
//! `cargo run --release -p pingyi-collector --example bench_kept_tally -- [--ballots N] [--recount]`
//! (`--recount` also times reading and counting every ballot, the way it was done before).

#[path = "../../core/tests/golden/generate.rs"]
mod generate;

use std::time::Instant;

use pingyi_collector::store::{NewBallot, SqliteStore, Store, StoredSurvey};
use pingyi_core::tally::Counter;
use pingyi_core::{parse_survey, Ballot};

fn main() {
    let mut n: usize = 1_000_000;
    let mut recount = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ballots" => {
                n = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--ballots N")
            }
            "--recount" => recount = true,
            other => panic!("unknown option {other:?}"),
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let text = std::fs::read_to_string(root.join("satisfaction.json")).expect("example");
    let survey = parse_survey(&text).expect("example parses");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("bench.sqlite")).expect("database");
    store
        .publish_survey(&StoredSurvey {
            survey_id: survey.id.clone(),
            version: survey.version,
            json: serde_json::to_string(&survey).expect("json"),
            content_hash: "bench".into(),
        })
        .expect("publish");

    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let k = (n - done).min(5_000);
        let mut ballots = generate::ballots(&survey, done as u64 + 1, k);
        for (i, b) in ballots.iter_mut().enumerate() {
            // Unique ids across chunks.
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
        store.insert_ballots(&batch).expect("insert");
        done += k;
    }
    let insert_s = started.elapsed().as_secs_f64();

    let rss_before = rss_kib("VmRSS");
    let started = Instant::now();
    let state = store
        .tally_state(&survey.id, survey.version)
        .expect("read")
        .expect("published");
    let texts: usize = state
        .questions
        .iter()
        .flat_map(|q| &q.texts)
        .map(Vec::len)
        .sum();
    let mut counts_only = state.clone();
    counts_only.take_texts();
    let counter = Counter::resume(&survey, state).expect("fits");
    let tally = counter.finish_with_paper(&[]);
    let tally_s = started.elapsed().as_secs_f64();
    let rss_after = rss_kib("VmRSS");
    assert_eq!(tally.participation.ballots as usize, n);
    let state_bytes = serde_json::to_string(&counts_only)
        .map(|s| s.len())
        .unwrap_or(0);
    println!(
        "bench-kept-tally: {n} ballots stored in {insert_s:.1} s ({} ballots/s through insert_ballots); \
         tally from the kept state in {:.1} ms (state {state_bytes} B of counts plus {texts} texts; \
         memory +{} KiB while answering)",
        (n as f64 / insert_s) as u64,
        tally_s * 1e3,
        rss_after.saturating_sub(rss_before),
    );
    if recount {
        let started = Instant::now();
        let mut all = Vec::with_capacity(n);
        let mut after = 0;
        loop {
            let page = store
                .ballots_page(&survey.id, None, after, 10_000)
                .expect("page");
            let Some(last) = page.last() else { break };
            after = last.seq;
            for row in &page {
                all.push(serde_json::from_str::<Ballot>(&row.canonical_json).expect("ballot"));
            }
        }
        let full = pingyi_core::tally::tally_with_paper(&survey, &all, &[]);
        println!(
            "bench-kept-tally: full recount of the {n} ballots in {:.1} ms (memory {} KiB at peak); equal: {}",
            started.elapsed().as_secs_f64() * 1e3,
            rss_kib("VmHWM"),
            full == tally
        );
    }
}

/// A figure of `/proc/self/status` in KiB (0 where there is none).
fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

//! `bench-ingest`: how fast the collector stores ballots over real HTTP.
//!
//! Starts an in-process server on 127.0.0.1 with a temporary database and a sample survey,
//! prebuilds valid ballots (generation is not timed), then posts them in batches from a few
//! concurrent clients and checks every ballot was accepted. `--batch 1 --clients 200` is a
//! crowd of phones each sending one ballot at once (what group commit is for); the report gives
//! the median and 99th percentile time of a request.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pingyi_core::protocol::{BallotStatus, SubmitBatch, SubmitResponse, MAX_BATCH};
use pingyi_core::{Answer, Ballot, Channel};

use crate::admin_token::{random_token, AdminToken};
use crate::limits::RateLimit;
use crate::{start, Config};

/// A survey with the common question kinds, used by the benchmark.
pub const BENCH_SURVEY: &str = r#"{
  "format": "pingyi/1",
  "id": "bench",
  "version": 1,
  "title": { "zh": "基准测试问卷", "en": "Benchmark survey" },
  "unit": "测试村",
  "eligible": 100000,
  "results_public": true,
  "sections": [{
    "id": "main",
    "title": { "zh": "村湾夜话" },
    "questions": [
      { "id": "topics", "title": { "zh": "各项工作满意度" }, "kind": "scale", "preset": "satisfaction",
        "subjects": [
          { "id": "sanitation", "label": { "zh": "环境卫生" } },
          { "id": "order", "label": { "zh": "社会治安" } },
          { "id": "culture", "label": { "zh": "文化活动" } },
          { "id": "care", "label": { "zh": "关爱弱势群体" } }
        ] },
      { "id": "cadre", "title": { "zh": "村干部评议" }, "kind": "scale", "preset": "appraisal" },
      { "id": "road", "title": { "zh": "修路方案" }, "kind": "approve" },
      { "id": "honour", "title": { "zh": "最美庭院" }, "kind": "choose", "min": 0, "max": 2,
        "options": [
          { "id": "h1", "label": { "zh": "张家" } },
          { "id": "h2", "label": { "zh": "李家" } },
          { "id": "h3", "label": { "zh": "王家" } },
          { "id": "h4", "label": { "zh": "赵家" } }
        ] },
      { "id": "suggest", "title": { "zh": "意见建议" }, "kind": "text", "required": false }
    ]
  }]
}"#;

/// A valid ballot for [`BENCH_SURVEY`], varied by `n`.
pub fn bench_ballot(n: u64) -> Ballot {
    // A small deterministic mix (splitmix64) so answers vary without a random-number crate.
    let mut x = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut next = move |m: u64| {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % m) as usize
    };
    let sat = [
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unknown",
    ];
    let mut ratings = pingyi_core::IdMap::new();
    for s in ["sanitation", "order", "culture", "care"] {
        ratings.insert(s.to_string(), sat[next(4)].to_string());
    }
    let mut answers = pingyi_core::IdMap::new();
    answers.insert("topics".to_string(), Answer::Ratings { ratings });
    let appraisal = ["competent", "basically_competent", "not_competent"];
    answers.insert(
        "cadre".to_string(),
        Answer::Choice {
            choice: appraisal[next(3)].to_string(),
        },
    );
    let approve = ["for", "against", "abstain"];
    answers.insert(
        "road".to_string(),
        Answer::Choice {
            choice: approve[next(3)].to_string(),
        },
    );
    let a = next(4);
    let b = (a + 1 + next(3)) % 4;
    answers.insert(
        "honour".to_string(),
        Answer::Chosen {
            chosen: vec![format!("h{}", a + 1), format!("h{}", b + 1)],
        },
    );
    if next(5) == 0 {
        answers.insert(
            "suggest".to_string(),
            Answer::Text {
                text: "路灯坏了，希望尽快修好".to_string(),
            },
        );
    }
    Ballot {
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: "bench".to_string(),
        survey_version: 1,
        cast_at: "2026-11-27T19:30:00.000Z".to_string(),
        device: uuid::Uuid::new_v4().to_string(),
        channel: Channel::Digital,
        code_hash: None,
        answers,
    }
}

/// Benchmark settings.
#[derive(Clone, Copy, Debug)]
pub struct BenchOptions {
    pub ballots: usize,
    pub batch: usize,
    pub clients: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            ballots: 20_000,
            batch: MAX_BATCH,
            clients: 4,
        }
    }
}

/// The outcome, printed as `ingest: N ballots in T s = X ballots/s (batch B)`.
#[derive(Clone, Debug)]
pub struct BenchReport {
    pub ballots: usize,
    pub batch: usize,
    pub clients: usize,
    pub elapsed: Duration,
    /// Median and 99th percentile time of one request.
    pub p50: Duration,
    pub p99: Duration,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.ballots as f64 / secs
        } else {
            f64::INFINITY
        };
        write!(
            f,
            "ingest: {} ballots in {:.2} s = {:.0} ballots/s (batch {}, {} clients); request p50 {:.1} ms, p99 {:.1} ms",
            self.ballots,
            secs,
            rate,
            self.batch,
            self.clients,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
}

/// Run the benchmark.
pub async fn bench_ingest(opts: BenchOptions) -> Result<BenchReport, String> {
    if opts.batch == 0 || opts.batch > MAX_BATCH {
        return Err(format!("--batch must be 1 to {MAX_BATCH}"));
    }
    let clients = opts.clients.max(1);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let survey_path = dir.path().join("bench.json");
    std::fs::write(&survey_path, BENCH_SURVEY).map_err(|e| e.to_string())?;
    let mut config = Config::new(dir.path().join("bench.sqlite"));
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.publish = vec![survey_path];
    config.rate_limit = RateLimit::off();
    config.admin_token = Some(AdminToken::new(random_token().map_err(|e| e.to_string())?));
    let server = start(config).await.map_err(|e| e.to_string())?;
    let url = format!("{}/v1/surveys/bench/ballots", server.url());

    // Build every body first; only the posting is timed.
    let mut bodies = Vec::new();
    let mut made = 0usize;
    while made < opts.ballots {
        let n = opts.batch.min(opts.ballots - made);
        let ballots = (made..made + n).map(|i| bench_ballot(i as u64)).collect();
        bodies.push(serde_json::to_vec(&SubmitBatch { ballots }).map_err(|e| e.to_string())?);
        made += n;
    }
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
                    .map_err(|e| e.to_string())?;
                let status = resp.status();
                let parsed: SubmitResponse =
                    resp.json().await.map_err(|e| format!("{status}: {e}"))?;
                if let Some(bad) = parsed
                    .results
                    .iter()
                    .find(|r| r.status != BallotStatus::Accepted)
                {
                    return Err(format!(
                        "ballot {} was {:?}: {:?}",
                        bad.id, bad.status, bad.problems
                    ));
                }
                accepted += parsed.results.len();
                times.push(sent.elapsed());
            }
            Ok::<(usize, Vec<Duration>), String>((accepted, times))
        }));
    }
    let mut accepted = 0;
    let mut times = Vec::new();
    for t in tasks {
        let (n, ts) = t.await.map_err(|e| e.to_string())??;
        accepted += n;
        times.extend(ts);
    }
    let elapsed = started.elapsed();
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let (p50, p99) = (at(0.5), at(0.99));
    server.stop().await;
    if accepted != opts.ballots {
        return Err(format!(
            "only {accepted} of {} ballots were accepted",
            opts.ballots
        ));
    }
    Ok(BenchReport {
        ballots: accepted,
        batch: opts.batch,
        clients,
        elapsed,
        p50,
        p99,
    })
}

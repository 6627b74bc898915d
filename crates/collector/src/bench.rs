//! `bench-ingest`: how fast the collector stores ballots over real HTTP.
//!
//! Starts an in-process server on 127.0.0.1 with a temporary database (a SQLite file, or with
//! `--db postgres://…` a fresh schema on that PostgreSQL server, dropped afterwards) and a sample
//! survey, prebuilds valid ballots (generation is not timed), then posts them in batches from a
//! few concurrent clients and checks every ballot was accepted. `--batch 1 --clients 200` is a
//! crowd of phones each sending one ballot at once (what group commit is for); the report gives
//! the median and 99th percentile time of a request.
//!
//! The clients are kept cheap so that the figure measures the server: each holds one keep-alive
//! connection, opened before the clock starts, and writes requests serialised beforehand (headers
//! and body) as they are; the answer is read by its `Content-Length` and checked afterwards.
//! They run on a runtime of their own (threads named [`CLIENT_THREAD`]), so that the report can
//! split the CPU time (Linux: `/proc`) into the collector's, the clients' and, for a PostgreSQL
//! server on this machine, the database's, per ballot: less sensitive to other load on the
//! machine than ballots per second.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use pingyi_core::protocol::{BallotStatus, SubmitBatch, SubmitResponse, MAX_BATCH};
use pingyi_core::{Answer, Ballot, Channel};

use crate::admin_token::{random_token, AdminToken};
use crate::limits::RateLimit;
use crate::store::Database;
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
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub ballots: usize,
    pub batch: usize,
    pub clients: usize,
    /// `None`: a SQLite file in a temporary folder. A PostgreSQL URL: a fresh schema there.
    pub db: Option<String>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            ballots: 20_000,
            batch: MAX_BATCH,
            clients: 4,
            db: None,
        }
    }
}

/// The name of the client threads (the rest of the process is the collector).
pub const CLIENT_THREAD: &str = "bench-client";

/// CPU time spent during the timed run, when the platform tells it.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuTimes {
    /// The collector: every thread of this process but the clients'.
    pub server: Duration,
    /// The benchmark's clients.
    pub clients: Duration,
    /// The PostgreSQL server's processes, when it runs on this machine.
    pub database: Option<Duration>,
}

/// The outcome, printed as `ingest: N ballots in T s = X ballots/s (batch B)`.
#[derive(Clone, Debug)]
pub struct BenchReport {
    pub ballots: usize,
    pub batch: usize,
    pub clients: usize,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    pub elapsed: Duration,
    /// Median and 99th percentile time of one request.
    pub p50: Duration,
    pub p99: Duration,
    pub cpu: Option<CpuTimes>,
    /// Transactions the group commit made, and the requests they carried.
    pub commits: (u64, u64),
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
            "ingest ({}): {} ballots in {:.2} s = {:.0} ballots/s (batch {}, {} clients); request p50 {:.1} ms, p99 {:.1} ms",
            self.backend,
            self.ballots,
            secs,
            rate,
            self.batch,
            self.clients,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )?;
        if let Some(cpu) = &self.cpu {
            let per = |d: Duration| d.as_secs_f64() * 1e6 / self.ballots.max(1) as f64;
            write!(
                f,
                "\n  CPU per ballot: collector {:.1} µs, clients {:.1} µs",
                per(cpu.server),
                per(cpu.clients)
            )?;
            if let Some(db) = cpu.database {
                write!(f, ", PostgreSQL {:.1} µs", per(db))?;
            }
        }
        let (commits, requests) = self.commits;
        if commits > 0 {
            write!(
                f,
                "\n  group commit: {commits} transactions, {:.1} requests each",
                requests as f64 / commits as f64
            )?;
        }
        Ok(())
    }
}

/// The database the benchmark writes to, removed afterwards.
enum BenchDb {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        server: String,
        schema: String,
        /// The PostgreSQL server's main process, when it runs on this machine.
        postmaster: Option<u32>,
    },
}

impl BenchDb {
    async fn make(db: Option<&str>) -> Result<(BenchDb, PathBuf), String> {
        let Some(url) = db else {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = dir.path().join("bench.sqlite");
            return Ok((BenchDb::Sqlite { _dir: dir }, path));
        };
        if !matches!(
            Database::parse(std::path::Path::new(url)),
            Database::Postgres(_)
        ) {
            return Err(format!(
                "--db {url}: only a PostgreSQL URL (postgres://…) may be given; without --db the \
                 benchmark uses a temporary SQLite file"
            ));
        }
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot connect to the PostgreSQL server: {e}"))?;
        tokio::spawn(connection);
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .map_err(|e| e.to_string())?;
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        let postmaster = cpu::parent_of(pid as u32);
        let joiner = if url.contains('?') { '&' } else { '?' };
        let with_schema = format!("{url}{joiner}options=-c%20search_path%3D{schema}");
        Ok((
            BenchDb::Postgres {
                server: url.to_string(),
                schema,
                postmaster,
            },
            PathBuf::from(with_schema),
        ))
    }

    fn backend(&self) -> &'static str {
        match self {
            BenchDb::Sqlite { .. } => "sqlite",
            BenchDb::Postgres { .. } => "postgres",
        }
    }

    fn postmaster(&self) -> Option<u32> {
        match self {
            BenchDb::Postgres { postmaster, .. } => *postmaster,
            BenchDb::Sqlite { .. } => None,
        }
    }

    async fn remove(self) {
        if let BenchDb::Postgres { server, schema, .. } = self {
            if let Ok((client, connection)) =
                tokio_postgres::connect(&server, tokio_postgres::NoTls).await
            {
                tokio::spawn(connection);
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                    .await;
            }
        }
    }
}

/// One request as it goes on the wire: headers and body.
fn request_bytes(host: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST /v1/surveys/bench/ballots HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Send one request on a keep-alive connection and read its answer: the status and the body.
async fn exchange(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    request: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    stream.write_all(request).await.map_err(|e| e.to_string())?;
    buf.clear();
    let mut chunk = [0u8; 4096];
    let (head_end, status, length) = loop {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the collector closed the connection".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buf[..end]).map_err(|e| e.to_string())?;
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not an HTTP answer: {head:?}"))?;
        let length = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .ok_or_else(|| format!("an answer without Content-Length: {head:?}"))?;
        break (end + 4, status, length);
    };
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the collector closed the connection mid-answer".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((status, buf[head_end..head_end + length].to_vec()))
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
    let (db, db_path) = BenchDb::make(opts.db.as_deref()).await?;
    let mut config = Config::new(db_path);
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.publish = vec![survey_path];
    config.rate_limit = RateLimit::off();
    config.admin_token = Some(AdminToken::new(random_token().map_err(|e| e.to_string())?));
    let server = match start(config).await {
        Ok(s) => s,
        Err(e) => {
            db.remove().await;
            return Err(e.to_string());
        }
    };
    let outcome = drive(&server, &opts, clients, db.postmaster()).await;
    let commits = server.group_commit_counts();
    server.stop().await;
    let backend = db.backend();
    db.remove().await;
    let (accepted, elapsed, times, cpu) = outcome?;
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let (p50, p99) = (at(0.5), at(0.99));
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
        backend,
        elapsed,
        p50,
        p99,
        cpu,
        commits,
    })
}

type Driven = (usize, Duration, Vec<Duration>, Option<CpuTimes>);

/// Post every ballot from `clients` connections on a runtime of their own; the sorted request
/// times.
async fn drive(
    server: &crate::Server,
    opts: &BenchOptions,
    clients: usize,
    postmaster: Option<u32>,
) -> Result<Driven, String> {
    let host = server.addr.to_string();
    // Build every request first; only the posting is timed.
    let mut requests = Vec::new();
    let mut made = 0usize;
    while made < opts.ballots {
        let n = opts.batch.min(opts.ballots - made);
        let ballots = (made..made + n).map(|i| bench_ballot(i as u64)).collect();
        let body = serde_json::to_vec(&SubmitBatch { ballots }).map_err(|e| e.to_string())?;
        requests.push((n, request_bytes(&host, &body)));
        made += n;
    }
    let queue = Arc::new(Mutex::new(requests));
    let addr = server.addr;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = runtime.block_on(async move {
            // Every connection is open before the clock starts.
            let mut streams = Vec::with_capacity(clients);
            for _ in 0..clients {
                let s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                s.set_nodelay(true).map_err(|e| e.to_string())?;
                streams.push(s);
            }
            let cpu_before = cpu::sample(postmaster);
            let started = Instant::now();
            let mut tasks = Vec::new();
            for mut stream in streams {
                let queue = queue.clone();
                tasks.push(tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(4096);
                    let mut answers = Vec::new();
                    let mut times = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                        let Some((n, request)) = next else { break };
                        let sent = Instant::now();
                        let answer = exchange(&mut stream, &mut buf, &request).await?;
                        times.push(sent.elapsed());
                        answers.push((n, answer));
                    }
                    Ok::<_, String>((answers, times))
                }));
            }
            let mut answers = Vec::new();
            let mut times = Vec::new();
            for t in tasks {
                let (a, ts) = t.await.map_err(|e| e.to_string())??;
                answers.extend(a);
                times.extend(ts);
            }
            let elapsed = started.elapsed();
            let cpu_after = cpu::sample(postmaster);
            Ok::<_, String>((answers, times, elapsed, cpu_before, cpu_after))
        });
        let _ = tx.send(out);
    });
    let (answers, mut times, elapsed, before, after) = rx
        .await
        .map_err(|_| "the client thread failed".to_string())??;
    // Every answer must say accepted for each of its ballots (checked after the clock).
    let mut accepted = 0;
    for (n, (status, body)) in answers {
        let parsed: SubmitResponse = serde_json::from_slice(&body).map_err(|e| {
            format!(
                "{status}: {e}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            )
        })?;
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
        if parsed.results.len() != n {
            return Err(format!(
                "{n} ballots sent, {} answered",
                parsed.results.len()
            ));
        }
        accepted += n;
    }
    times.sort();
    let cpu = match (before, after) {
        (Some(b), Some(a)) => Some(CpuTimes {
            server: a
                .process
                .saturating_sub(a.clients)
                .saturating_sub(b.process.saturating_sub(b.clients)),
            clients: a.clients.saturating_sub(b.clients),
            database: match (b.database, a.database) {
                (Some(b), Some(a)) => Some(a.saturating_sub(b)),
                _ => None,
            },
        }),
        _ => None,
    };
    Ok((accepted, elapsed, times, cpu))
}

/// CPU time from Linux's `/proc` (nothing elsewhere).
mod cpu {
    use std::time::Duration;

    /// One reading.
    pub struct Sample {
        /// This whole process, threads that ended included.
        pub process: Duration,
        /// The client threads.
        pub clients: Duration,
        /// The PostgreSQL server: its main process, the children it reaped and the live ones.
        pub database: Option<Duration>,
    }

    /// The kernel's clock tick (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    const TICKS_PER_SECOND: u64 = 100;

    fn ticks(t: u64) -> Duration {
        Duration::from_micros(t * 1_000_000 / TICKS_PER_SECOND)
    }

    /// The fields of a `stat` file after the command name: state is field 0, ppid 1, utime 11,
    /// stime 12, cutime 13, cstime 14; and the command name.
    fn stat(path: &str) -> Option<(String, Vec<u64>)> {
        let text = std::fs::read_to_string(path).ok()?;
        let open = text.find('(')?;
        let close = text.rfind(')')?;
        let name = text[open + 1..close].to_string();
        let fields = text[close + 2..]
            .split(' ')
            .map(|f| f.parse::<u64>().unwrap_or(0))
            .collect();
        Some((name, fields))
    }

    /// The parent process of `pid`.
    pub fn parent_of(pid: u32) -> Option<u32> {
        let (_, f) = stat(&format!("/proc/{pid}/stat"))?;
        u32::try_from(*f.get(1)?).ok()
    }

    fn database(postmaster: u32) -> Option<Duration> {
        let (_, f) = stat(&format!("/proc/{postmaster}/stat"))?;
        let mut total = f.get(11)? + f.get(12)? + f.get(13)? + f.get(14)?;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some((_, f)) = stat(&format!("/proc/{pid}/stat")) {
                if f.get(1) == Some(&u64::from(postmaster)) {
                    total += f.get(11).unwrap_or(&0) + f.get(12).unwrap_or(&0);
                }
            }
        }
        Some(ticks(total))
    }

    pub fn sample(postmaster: Option<u32>) -> Option<Sample> {
        let (_, f) = stat("/proc/self/stat")?;
        let process = ticks(f.get(11)? + f.get(12)?);
        let mut clients = 0;
        for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let path = format!("{}/stat", entry.path().display());
            if let Some((name, f)) = stat(&path) {
                if name.starts_with(super::CLIENT_THREAD) {
                    clients += f.get(11).unwrap_or(&0) + f.get(12).unwrap_or(&0);
                }
            }
        }
        Some(Sample {
            process,
            clients: ticks(clients),
            database: postmaster.and_then(database),
        })
    }
}

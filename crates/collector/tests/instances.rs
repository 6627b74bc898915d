//! Several collector processes on one PostgreSQL database (a county behind a load balancer):
//! overlapping concurrent batches with one instance killed (`kill -9`) mid-way and the client
//! retrying the other leave every ballot stored exactly once and every code claimed once; a
//! change on one instance (or an `import` into the database) reaches the live event streams of
//! the others at once (LISTEN/NOTIFY). The tally both instances keep equals a recount.
//!
//! Needs `PINGYI_TEST_POSTGRES` (see `common`); skipped with a notice without it, except in CI.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fresh_postgres, postgres_server, ADMIN};
use futures_util::StreamExt;
use pingyi_core::codes::code_hash;
use serde_json::{json, Value};

const ID: &str = "county";

/// A survey with ballot codes and a vote.
fn survey() -> String {
    json!({
        "format": "pingyi/1", "id": ID, "version": 1,
        "title": { "zh": "全县测评" }, "unit": "测试县", "eligible": 100000,
        "results_public": true, "codes": true,
        "sections": [{ "id": "s", "title": { "zh": "表决" }, "questions": [
            { "id": "vote", "kind": "approve", "title": { "zh": "修路" } }
        ]}]
    })
    .to_string()
}

fn ballot(n: usize, code: &str) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "survey_id": ID, "survey_version": 1, "cast_at": "2026-11-27T19:30:00.000Z",
        "device": format!("00000000-0000-4000-9000-{n:012}"), "channel": "digital",
        "code_hash": code_hash(ID, code),
        "answers": { "vote": { "choice": if n.is_multiple_of(3) { "against" } else { "for" } } },
    })
}

/// A collector child process, killed when dropped.
struct Collector {
    child: Child,
    url: String,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(db: &str, survey: &Path) -> Collector {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingyi-collector"))
        .arg("serve")
        .args([
            "--addr",
            "127.0.0.1:0",
            "--rate-per-second",
            "0",
            "--db",
            db,
        ])
        .arg("--publish")
        .arg(survey)
        .env("PINGYI_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "info")
        .env_remove("PINGYI_TEST_CRASH_AFTER_INSERTS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut url = None;
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(pos) = line.find("listening on http://") {
            let rest = &line[pos + "listening on ".len()..];
            url = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
        seen.push(line);
    }
    let url = url.unwrap_or_else(|| panic!("the collector did not start: {seen:?}"));
    assert!(
        seen.iter().all(|l| !l.contains("postgres://")),
        "the logs show the database URL: {seen:?}"
    );
    std::thread::spawn(move || for _ in lines {});
    Collector { child, url }
}

/// POST a batch to the first instance that answers, in order; (instance index, results).
async fn post_with_retry(
    client: &reqwest::Client,
    urls: &[String],
    body: &Value,
) -> (usize, Vec<String>) {
    let mut last = String::new();
    for _ in 0..50 {
        for (i, url) in urls.iter().enumerate() {
            let sent = client
                .post(format!("{url}/v1/surveys/{ID}/ballots"))
                .json(body)
                .timeout(Duration::from_secs(20))
                .send()
                .await;
            let resp = match sent {
                Ok(resp) => resp,
                Err(e) => {
                    last = format!("{last} | {e}");
                    continue;
                }
            };
            // 422: some ballot of the batch was refused (the reused code); the rest is answered.
            if ![200, 422].contains(&resp.status().as_u16()) {
                last = format!(
                    "{last} | {} {}",
                    resp.status(),
                    resp.text().await.unwrap_or_default()
                );
                continue;
            }
            let Ok(v) = resp.json::<Value>().await else {
                continue;
            };
            let statuses = v["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| match r["problems"][0]["code"].as_str() {
                    Some(code) => format!("{}:{code}", r["status"].as_str().unwrap()),
                    None => r["status"].as_str().unwrap().to_string(),
                })
                .collect();
            return (i, statuses);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no instance took the batch: {last}");
}

async fn make_codes(client: &reqwest::Client, url: &str, n: u32) -> Vec<String> {
    let resp = client
        .post(format!("{url}/v1/surveys/{ID}/codes"))
        .bearer_auth(ADMIN)
        .json(&json!({ "count": n }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

async fn export(client: &reqwest::Client, url: &str) -> Vec<Value> {
    let resp = client
        .get(format!("{url}/v1/surveys/{ID}/ballots"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_one_killed_mid_way_store_every_ballot_once() {
    let Some(server) = postgres_server("two_instances_one_killed_mid_way") else {
        return;
    };
    let db = fresh_postgres(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let survey_file = dir.path().join("survey.json");
    std::fs::write(&survey_file, survey()).unwrap();
    let mut a = spawn(&db, &survey_file);
    let b = spawn(&db, &survey_file);
    let client = reqwest::Client::new();
    let total = 1200;
    // Codes are made on one instance and used on both.
    let mut codes = make_codes(&client, &a.url, 1000).await;
    codes.extend(make_codes(&client, &b.url, 1000).await);
    codes.truncate(total + 1);

    // Batches of 40: the first 600 ballots go to both instances at once (a phone that resent
    // through another route), the rest alternately to one of them. A ballot that reuses the
    // code of ballot 0 is in the last batch: it must be refused however the race went.
    let mut batches: Vec<(Vec<Value>, bool, usize)> = Vec::new();
    for (k, start) in (0..total).step_by(40).enumerate() {
        let ballots: Vec<Value> = (start..start + 40).map(|n| ballot(n, &codes[n])).collect();
        batches.push((ballots, start < 600, k % 2));
    }
    batches.last_mut().unwrap().0.push(ballot(total, &codes[0]));
    let urls = [a.url.clone(), b.url.clone()];
    let mut tasks = Vec::new();
    for (k, (ballots, both, first)) in batches.into_iter().enumerate() {
        let client = client.clone();
        let order: Vec<String> = if first == 0 {
            urls.to_vec()
        } else {
            vec![urls[1].clone(), urls[0].clone()]
        };
        let body = json!({ "ballots": ballots });
        tasks.push(tokio::spawn(async move {
            // Spread the batches over about two seconds so the kill lands mid-way.
            tokio::time::sleep(Duration::from_millis(70 * k as u64)).await;
            if both {
                let mirrored = vec![order[1].clone(), order[0].clone()];
                let (x, y) = tokio::join!(
                    post_with_retry(&client, &order, &body),
                    post_with_retry(&client, &mirrored, &body)
                );
                (vec![x.1, y.1], x.0 != 0 || y.0 != 1)
            } else {
                let (answered, statuses) = post_with_retry(&client, &order, &body).await;
                (vec![statuses], answered != 0)
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(900)).await;
    // kill -9 (SIGKILL) while batches are in flight.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let mut statuses: Vec<String> = Vec::new();
    let mut retried = 0;
    for t in tasks {
        let (answers, moved) = t.await.unwrap();
        retried += usize::from(moved);
        for s in answers {
            statuses.extend(s);
        }
    }
    assert!(
        retried > 0,
        "the kill landed mid-way: some batches went to the other instance"
    );
    for s in &statuses {
        assert!(
            ["accepted", "duplicate", "rejected:code_used"].contains(&s.as_str()),
            "unexpected status {s}"
        );
    }
    let stored = export(&client, &b.url).await;
    let ids: BTreeSet<String> = stored
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stored.len(), total, "each ballot once");
    assert_eq!(ids.len(), total);
    assert_eq!(
        ids,
        (0..total)
            .map(|n| format!("00000000-0000-4000-8000-{n:012}"))
            .collect()
    );
    let used: BTreeSet<String> = stored
        .iter()
        .map(|b| b["code_hash"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(used.len(), total, "each code claimed by one ballot");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| *s == "rejected:code_used")
            .count(),
        1,
        "the ballot reusing a code is refused once"
    );

    // A fresh instance started after the kill sees the same count, and the tally kept by both
    // instances' inserts counts each stored ballot once.
    let c = spawn(&db, &survey_file);
    assert_eq!(export(&client, &c.url).await.len(), total);
    let resp = client
        .get(format!("{}/v1/surveys/{ID}/tally", c.url))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let tally: pingyi_core::Tally = resp.json().await.unwrap();
    assert_eq!(tally.participation.ballots, total as u64);
    let check = pingyi_collector::tools::verify_tally(Path::new(&db), ID).unwrap();
    assert!(check.equal, "{check}");
}

/// Read server-sent events from `url` until one's data satisfies `wanted`, or `within` passes.
async fn wait_for_event(
    client: &reqwest::Client,
    url: &str,
    within: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut body = resp.bytes_stream();
    let mut text = String::new();
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Some(chunk)) = tokio::time::timeout(left, body.next()).await else {
            return None;
        };
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            for line in event.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    let v: Value = serde_json::from_str(data.trim()).unwrap();
                    if wanted(&v) {
                        return Some(v);
                    }
                }
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_reaches_the_live_events_of_the_other() {
    let Some(server) = postgres_server("a_change_on_one_instance_reaches") else {
        return;
    };
    let db = fresh_postgres(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let survey_file = dir.path().join("survey.json");
    std::fs::write(&survey_file, survey()).unwrap();
    let a = spawn(&db, &survey_file);
    let b = spawn(&db, &survey_file);
    let client = reqwest::Client::new();
    let codes = make_codes(&client, &a.url, 3).await;
    let events = format!("{}/v1/surveys/{ID}/live/events", a.url);
    // Instance A's projector has counted nothing yet.
    let first = wait_for_event(&client, &events, Duration::from_secs(5), |_| true)
        .await
        .expect("a first event");
    assert_eq!(first["ballots"], 0);

    // Two ballots on B: A's stream shows them well before its own refresh (30 s) would.
    let watcher = {
        let client = client.clone();
        let events = events.clone();
        tokio::spawn(async move {
            wait_for_event(&client, &events, Duration::from_secs(4), |v| {
                v["ballots"] == 2
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (_, statuses) = post_with_retry(
        &client,
        std::slice::from_ref(&b.url),
        &json!({ "ballots": [ballot(1, &codes[0]), ballot(2, &codes[1])] }),
    )
    .await;
    assert_eq!(statuses, ["accepted", "accepted"]);
    let seen = watcher
        .await
        .unwrap()
        .expect("A's stream shows B's ballots");
    assert_eq!(seen["ballots"], 2);
    assert!(started.elapsed() < Duration::from_secs(4));

    // Closing on B shows as closed on A's stream.
    let resp = client
        .post(format!("{}/v1/surveys/{ID}/close", b.url))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let closed = wait_for_event(&client, &events, Duration::from_secs(4), |v| {
        v["closed_at"].is_string()
    })
    .await;
    assert!(closed.is_some(), "A's stream shows the close made on B");
}

/// Start-up on PostgreSQL: without an admin token it stops and says how to give one (no token
/// file is written beside a URL), and a database it cannot reach is named without its password.
#[test]
fn start_up_on_postgres_needs_a_token_and_never_prints_the_password() {
    let Some(server) = postgres_server("start_up_on_postgres_needs_a_token") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(fresh_postgres(&server));
    let serve = |db: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_pingyi-collector"))
            .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
            .env_remove("PINGYI_ADMIN_TOKEN")
            .env_remove("PGPASSWORD")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = serve(&db);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("PINGYI_ADMIN_TOKEN"), "{stderr}");

    let unreachable = "postgres://pingyi:s3cret-Pa55@127.0.0.1:1/pingyi";
    let (code, stderr) = serve(unreachable);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("postgres://pingyi:***@127.0.0.1:1/pingyi"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-Pa55"), "{stderr}");
}

/// `pingyi-collector import --db postgres://…` loads offline ballots into the shared database,
/// and a collector already running on it shows them on its live stream at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_into_postgres_reaches_a_running_instance() {
    let Some(server) = postgres_server("import_into_postgres") else {
        return;
    };
    let db = fresh_postgres(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let survey_file = dir.path().join("survey.json");
    let mut open_survey: Value = serde_json::from_str(&survey()).unwrap();
    open_survey["codes"] = json!(false);
    std::fs::write(&survey_file, open_survey.to_string()).unwrap();
    let a = spawn(&db, &survey_file);
    let client = reqwest::Client::new();
    let events = format!("{}/v1/surveys/{ID}/live/events", a.url);
    let watcher = {
        let client = client.clone();
        tokio::spawn(async move {
            wait_for_event(&client, &events, Duration::from_secs(6), |v| {
                v["ballots"] == 3
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let offline: Vec<Value> = (1..=3)
        .map(|n| {
            let mut b = ballot(n, "unused");
            b.as_object_mut().unwrap().remove("code_hash");
            b
        })
        .collect();
    let phone_file = dir.path().join("phone.json");
    std::fs::write(&phone_file, Value::Array(offline).to_string()).unwrap();
    let out = tokio::task::spawn_blocking({
        let db = db.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_pingyi-collector"))
                .args(["import", "--db", &db])
                .arg(&phone_file)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("imported 3"), "{stdout}");
    let seen = watcher.await.unwrap();
    assert!(
        seen.is_some(),
        "the running instance shows the imported ballots"
    );
    assert_eq!(export(&client, &a.url).await.len(), 3);
}

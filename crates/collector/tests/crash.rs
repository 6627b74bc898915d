//! Crash safety with the real binary: a process killed in the middle of a batch's transaction
//! leaves none of that batch behind, and data survives restarts.
//!
//! Uses the debug-only hook `PINGYI_TEST_CRASH_AFTER_INSERTS=N`, which aborts the process (like
//! `kill -9`) after N inserts inside the transaction, before the commit.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::Value;

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

/// `db`: the `--db` value (a file in `dir`, or a PostgreSQL URL on a PostgreSQL run).
fn spawn(dir: &Path, db: &Path, crash_after: Option<u32>) -> Collector {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pingyi-collector"));
    cmd.arg("serve")
        .args(["--addr", "127.0.0.1:0", "--rate-per-second", "0"])
        .arg("--db")
        .arg(db)
        .arg("--publish")
        .arg(dir.join("survey.json"))
        .env("PINGYI_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "info")
        .env_remove("PINGYI_TEST_CRASH_AFTER_INSERTS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(n) = crash_after {
        cmd.env("PINGYI_TEST_CRASH_AFTER_INSERTS", n.to_string());
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut url = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(pos) = line.find("listening on http://") {
            let rest = &line[pos + "listening on ".len()..];
            url = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("the collector did not start: {:?}", child.try_wait()));
    // Keep draining the logs so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Collector { child, url }
}

async fn post(
    client: &reqwest::Client,
    c: &Collector,
    body: &Value,
) -> Result<(u16, Value), reqwest::Error> {
    let resp = client
        .post(format!("{}/v1/surveys/{SURVEY_ID}/ballots", c.url))
        .json(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await?))
}

async fn stored(client: &reqwest::Client, c: &Collector) -> Vec<pingyi_core::Ballot> {
    let resp = client
        .get(format!("{}/v1/surveys/{SURVEY_ID}/ballots", c.url))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

async fn tally_count(client: &reqwest::Client, c: &Collector) -> u64 {
    let resp = client
        .get(format!("{}/v1/surveys/{SURVEY_ID}/tally", c.url))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    let tally: Value = resp.json().await.unwrap();
    tally["participation"]["ballots"].as_u64().unwrap()
}

#[tokio::test]
async fn kill_mid_batch_leaves_no_partial_batch_and_restarts_keep_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("survey.json"), survey_json(1, false, None)).unwrap();
    let client = reqwest::Client::new();
    let db = test_db(dir.path(), "crash.sqlite").await;

    // First run: a small batch commits (5 inserts, under the hook's 10), then a batch of 50
    // kills the process after 10 inserts inside its transaction.
    let mut c = spawn(dir.path(), &db, Some(10));
    let first = ballots(0, 5);
    let (status, body) = post(&client, &c, &batch(&first)).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let doomed = ballots(100, 50);
    assert!(
        post(&client, &c, &batch(&doomed)).await.is_err(),
        "the process dies before answering"
    );
    let exit = tokio::task::spawn_blocking(move || {
        let status = c.child.wait().unwrap();
        (c, status)
    })
    .await
    .unwrap();
    let (c, status) = exit;
    assert!(!status.success(), "aborted: {status:?}");
    drop(c);

    // Restart on the same database: the committed batch is there, nothing of the killed one.
    let c = spawn(dir.path(), &db, None);
    let after_crash = stored(&client, &c).await;
    let ids: Vec<&str> = after_crash.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, first.iter().map(|b| b.id.as_str()).collect::<Vec<_>>());
    assert_eq!(tally_count(&client, &c).await, 5);

    // The outbox resends the batch: every ballot is new.
    let (status, body) = post(&client, &c, &batch(&doomed)).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(&body), vec!["accepted"; 50]);
    assert_eq!(stored(&client, &c).await.len(), 55);
    drop(c); // SIGKILL, no graceful shutdown

    // Another restart between batches keeps everything.
    let c = spawn(dir.path(), &db, None);
    assert_eq!(stored(&client, &c).await.len(), 55);
    let (status, body) = post(&client, &c, &batch(&ballots(200, 10))).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&client, &c, &batch(&doomed)).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(statuses(&body), vec!["duplicate"; 50]);
    assert_eq!(tally_count(&client, &c).await, 65);
}

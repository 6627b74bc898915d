//! The projector's live view over real HTTP on 127.0.0.1: it carries counts only (never a
//! suggestion or an objection's reason), it honours `results_public`, and every projector and
//! event stream of a survey shares one recount per change, so many listeners do not slow ingest.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ADMIN;
use pingyi_collector::auth::AdminToken;
use pingyi_collector::limits::RateLimit;
use pingyi_collector::routes::{router, RouterOptions};
use pingyi_collector::state::AppState;
use pingyi_collector::store::Database;
use serde_json::{json, Value};

const ID: &str = "live";

/// A meeting survey with a vote, a notice (objections carry reasons) and a free-text question.
fn survey(results_public: bool) -> String {
    json!({
        "format": "pingyi/1", "id": ID, "version": 1,
        "title": { "zh": "夜话" }, "unit": "测试湾", "eligible": 500,
        "results_public": results_public,
        "sections": [{ "id": "s", "title": { "zh": "表决" }, "questions": [
            { "id": "vote", "kind": "approve", "title": { "zh": "修路" } },
            { "id": "note", "kind": "notice", "title": { "zh": "公示" },
              "items": [ { "id": "road", "label": { "zh": "修路 3 万元" } } ] },
            { "id": "say", "kind": "text", "title": { "zh": "建议" }, "required": false }
        ]}]
    })
    .to_string()
}

fn ballot(n: usize, choice: &str, reason: Option<&str>, text: Option<&str>) -> Value {
    let mut answers = json!({
        "vote": { "choice": choice },
        "note": { "responses": { "road": match reason {
            Some(r) => json!({ "objection": true, "reason": r }),
            None => json!({ "objection": false }),
        } } },
    });
    if let Some(t) = text {
        answers["say"] = json!({ "text": t });
    }
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "survey_id": ID, "survey_version": 1, "cast_at": "2026-11-27T19:30:00.000Z",
        "device": format!("00000000-0000-4000-9000-{n:012}"), "channel": "digital", "answers": answers,
    })
}

struct Live {
    state: Arc<AppState>,
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Live {
    fn url(&self, rest: &str) -> String {
        format!("{}/v1/surveys/{ID}{rest}", self.base)
    }

    async fn get(&self, rest: &str, admin: bool) -> (u16, Value) {
        let mut req = self.client.get(self.url(rest));
        if admin {
            req = req.bearer_auth(ADMIN);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    async fn post(&self, rest: &str, body: Option<Value>) -> u16 {
        let mut req = self.client.post(self.url(rest)).bearer_auth(ADMIN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert!(status < 300, "{status} {text}");
        status
    }

    async fn submit(&self, ballots: Vec<Value>) {
        self.post("/ballots", Some(json!({ "ballots": ballots })))
            .await;
    }
}

/// A server built here (not with `start`) so the test can read the state's recount counter.
async fn live_server(results_public: bool) -> Live {
    let dir = tempfile::tempdir().unwrap();
    let store = Database::parse(&common::test_db(dir.path(), "live.sqlite").await)
        .open()
        .unwrap();
    let state = Arc::new(AppState::new(store, AdminToken::new(ADMIN), 1 << 20));
    state.publish_text(&survey(results_public), None).unwrap();
    let app = router(
        state.clone(),
        &RouterOptions {
            rate_limit: RateLimit::off(),
            ..RouterOptions::default()
        },
    )
    .expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    Live {
        state,
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

fn free_text_sample() -> Vec<Value> {
    vec![
        ballot(
            1,
            "for",
            Some("王家又多占了一块地"),
            Some("请李书记公开账目"),
        ),
        ballot(2, "against", None, Some("路灯坏了三个月")),
        ballot(3, "for", None, None),
    ]
}

fn assert_no_free_text(what: &str, body: &str) {
    for secret in ["王家", "李书记", "路灯"] {
        assert!(
            !body.contains(secret),
            "{what} shows free text {secret:?}: {body}"
        );
    }
}

#[tokio::test]
async fn the_live_view_carries_counts_but_never_free_text() {
    let t = live_server(true).await;
    t.submit(free_text_sample()).await;
    t.post("/reveal", None).await;

    for admin in [false, true] {
        let (status, live) = t.get("/live", admin).await;
        assert_eq!(status, 200);
        assert_no_free_text("GET …/live", &live.to_string());
        let q = &live["tally"]["questions"];
        assert_eq!(q[0]["for_count"], 2, "{live}");
        assert_eq!(q[1]["items"][0]["objection"], 1, "{live}");
        assert_eq!(q[1]["items"][0]["reasons"], json!([]), "{live}");
        assert_eq!(
            (q[2]["answered"].as_u64(), &q[2]["texts"]),
            (Some(2), &json!([]))
        );
    }
    // The event stream says the same.
    let mut resp = t.client.get(t.url("/live/events")).send().await.unwrap();
    let mut buf = String::new();
    let ev = tokio::time::timeout(Duration::from_secs(5), first_data(&mut resp, &mut buf))
        .await
        .unwrap();
    assert_no_free_text("GET …/live/events", &ev);
    assert!(ev.contains("\"for_count\":2"), "{ev}");

    // Closed: the frozen tally on the projector has no free text either; the organiser's tally
    // keeps it.
    t.post("/close", None).await;
    let (_, live) = t.get("/live", false).await;
    assert_eq!(live["state"], "closed");
    assert_no_free_text("GET …/live after closing", &live.to_string());
    let (status, tally) = t.get("/tally", true).await;
    assert_eq!(status, 200);
    assert!(tally.to_string().contains("请李书记公开账目"), "{tally}");
}

#[tokio::test]
async fn without_results_public_the_public_live_view_has_no_results() {
    let t = live_server(false).await;
    t.submit(free_text_sample()).await;
    t.post("/reveal", None).await;

    let (status, _) = t.get("/tally", false).await;
    assert_eq!(status, 401);
    let (status, live) = t.get("/live", false).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            live["ballots"].as_u64(),
            live["state"].as_str(),
            live["revealed"].as_bool()
        ),
        (Some(3), Some("open"), Some(true))
    );
    assert!(
        live["tally"].is_null(),
        "public without results_public: {live}"
    );
    assert_no_free_text("GET …/live", &live.to_string());

    let mut resp = t.client.get(t.url("/live/events")).send().await.unwrap();
    let mut buf = String::new();
    let ev: Value = serde_json::from_str(
        &tokio::time::timeout(Duration::from_secs(5), first_data(&mut resp, &mut buf))
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(ev["tally"].is_null(), "{ev}");
    assert_eq!(ev["ballots"], 3);

    // The organiser (admin token) sees the revealed counts, still without free text.
    let (_, live) = t.get("/live", true).await;
    assert_eq!(live["tally"]["questions"][0]["for_count"], 2, "{live}");
    assert_no_free_text("the organiser's live view", &live.to_string());

    // Closed: the public still gets only the count, the state and the frozen hash.
    t.post("/close", None).await;
    let (_, live) = t.get("/live", false).await;
    assert!(live["tally"].is_null(), "{live}");
    assert_eq!(live["state"], "closed");
    assert!(live["content_hash"].is_string());
}

/// The `data` of the next server-sent event.
async fn first_data(resp: &mut reqwest::Response, buf: &mut String) -> String {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let frame = buf[..end].to_string();
            buf.replace_range(..end + 2, "");
            let data: String = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if !data.is_empty() {
                return data;
            }
            continue;
        }
        let chunk = resp.chunk().await.unwrap().expect("the stream ended");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// One event-stream listener: sends the `ballots` count of each event it reads.
fn listen(t: &Live, seen: tokio::sync::mpsc::UnboundedSender<u64>) -> tokio::task::JoinHandle<()> {
    let (client, url) = (t.client.clone(), t.url("/live/events"));
    tokio::spawn(async move {
        let mut resp = client.get(url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let mut buf = String::new();
        loop {
            let data = first_data(&mut resp, &mut buf).await;
            let v: Value = serde_json::from_str(&data).unwrap();
            if seen.send(v["ballots"].as_u64().unwrap()).is_err() {
                return;
            }
        }
    })
}

/// Wait until `n` events with `ballots` = `want` arrived.
async fn wait_for(rx: &mut tokio::sync::mpsc::UnboundedReceiver<u64>, n: usize, want: u64) {
    let mut got = 0;
    while got < n {
        let b = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("every listener hears the change")
            .unwrap();
        if b == want {
            got += 1;
        }
    }
}

/// Median latency of `rounds` POSTs of 10 new ballots each, numbered from `from`.
async fn post_latency(t: &Live, from: usize, rounds: usize) -> Duration {
    let mut times = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let batch: Vec<Value> = (0..10)
            .map(|i| ballot(from + r * 10 + i, "for", None, None))
            .collect();
        let start = Instant::now();
        t.submit(batch).await;
        times.push(start.elapsed());
    }
    times.sort();
    times[rounds / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_event_streams_share_one_recount_per_change() {
    const LISTENERS: usize = 150;
    let t = live_server(true).await;
    // Some ballots to count, and the results revealed, so that a recount is a real tally.
    for part in 0..2 {
        let stock = (0..200).map(|i| ballot(100_000 + part * 200 + i, "for", None, None));
        t.submit(stock.collect()).await;
    }
    t.post("/reveal", None).await;

    // Ingest latency without listeners.
    post_latency(&t, 1_000, 3).await;
    let alone = post_latency(&t, 2_000, 21).await;
    let mut ballots = 400 + 24 * 10;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let listeners: Vec<_> = (0..LISTENERS).map(|_| listen(&t, tx.clone())).collect();
    wait_for(&mut rx, LISTENERS, ballots as u64).await;

    // One batch: every listener hears it, and the ballots were counted once for all of them.
    let before = t.state.live_recounts();
    t.submit(vec![
        ballot(1, "for", None, None),
        ballot(2, "against", None, None),
    ])
    .await;
    ballots += 2;
    wait_for(&mut rx, LISTENERS, ballots as u64).await;
    let recounts = t.state.live_recounts() - before;
    assert_eq!(
        recounts, 1,
        "recounts for one batch with {LISTENERS} listeners"
    );

    // The streams keep streaming: a second change reaches them all too, again with one recount.
    let before = t.state.live_recounts();
    t.submit(vec![ballot(3, "for", None, None)]).await;
    ballots += 1;
    wait_for(&mut rx, LISTENERS, ballots as u64).await;
    assert_eq!(t.state.live_recounts() - before, 1);

    // Ingest latency with the listeners, for the record.
    let crowded = post_latency(&t, 3_000, 21).await;
    println!(
        "median POST latency of 10 ballots: {alone:?} alone, {crowded:?} with {LISTENERS} event streams ({:.2}x)",
        crowded.as_secs_f64() / alone.as_secs_f64()
    );
    // The proof is the recount counter above (one tally per change, not one per listener); the
    // latency is printed for the record only, since a shared 2-core machine makes any timing
    // threshold flaky.
    drop(rx);
    for l in listeners {
        l.abort();
    }
}

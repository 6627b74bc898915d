//! Integrity of what the collector stores and counts, over real HTTP (and the `import` command):
//! ballot ids compared in canonical form, publishing a new version (closed surveys, confirmation,
//! what the tallies say about other versions), the voting window, a body limit that always fits
//! one maximal ballot, JSON-only bodies, and hostile bodies answered fast and small.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use pingyi_collector::auth::AdminToken;
use pingyi_collector::import::import_files;
use pingyi_collector::ingest::MIN_BODY_BYTES;
use pingyi_collector::{start, Config};
use pingyi_core::limits::MAX_BALLOT_BYTES;
use pingyi_core::time::{format_rfc3339_millis, UtcTime};
use pingyi_core::Ballot;
use serde_json::{json, Value};

fn survey_path() -> String {
    format!("/v1/surveys/{SURVEY_ID}")
}

/// Ballot `n` with hexadecimal letters in its id, so that case matters.
fn lettered(n: usize, choice: &str) -> Ballot {
    let mut b = ballot(n, choice);
    b.id = format!("6f1c2b8e-5d0a-4c1e-9a52-{n:012x}").replace('0', "a");
    b
}

/// A ballot as JSON with its id in upper case.
fn upper_case_copy(b: &Ballot) -> Value {
    let mut v = serde_json::to_value(b).unwrap();
    v["id"] = b.id.to_uppercase().into();
    v
}

/// A valid ballot for version 2 of the sample survey (q3 is required there).
fn ballot_v2(n: usize) -> Value {
    let mut v = serde_json::to_value(ballot(n, "satisfied")).unwrap();
    v["survey_version"] = 2.into();
    v["answers"]["q3"] = json!({ "choice": "satisfied" });
    v
}

/// The collector's clock moved by `seconds`, as RFC 3339.
fn time_from_now(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format_rfc3339_millis(UtcTime {
        unix_seconds: now.as_secs() as i64 + seconds,
        nanos: 0,
    })
}

async fn put_survey(t: &TestServer, query: &str, body: String) -> (u16, Value) {
    let resp = t
        .client
        .put(t.url(&format!("{}{query}", survey_path())))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn put_other_survey(t: &TestServer, survey: &Value) {
    let resp = t
        .client
        .put(t.url(&format!("/v1/surveys/{}", survey["id"].as_str().unwrap())))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(survey.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
}

async fn admin_post(t: &TestServer, path: &str) -> u16 {
    t.client
        .post(t.url(path))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

// ------------------------------------------------------------------------------------------------
// Ballot ids in canonical form

#[tokio::test]
async fn an_upper_case_copy_of_an_accepted_ballot_is_a_duplicate_stored_once() {
    let t = serve(Opts::default()).await;
    let b = lettered(1, "satisfied");
    assert_ne!(b.id, b.id.to_uppercase());
    let (status, body) = t.submit(&batch(std::slice::from_ref(&b))).await;
    assert_eq!((status, statuses(&body)), (200, vec!["accepted".into()]));

    let copy = upper_case_copy(&b);
    let (status, body) = t.submit(&json!({ "ballots": [copy] })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(&body), vec!["duplicate"]);
    // The result names the ballot as the sender wrote it, so the sender finds it again.
    assert_eq!(body["results"][0]["id"], b.id.to_uppercase());

    // In one batch too: the second spelling is the same ballot.
    let c = lettered(2, "dissatisfied");
    let (status, body) = t
        .submit(&json!({ "ballots": [upper_case_copy(&c), c] }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(&body), vec!["accepted", "duplicate"]);
    assert_eq!(body["results"][1]["id"], c.id);

    let stored = t.export().await;
    assert_eq!(stored.len(), 2, "each ballot stored once");
    assert!(stored.iter().all(|s| s.id == s.id.to_lowercase()));
    let (_, tally) = t.admin_get(&format!("{}/tally", survey_path())).await;
    assert_eq!(tally["participation"]["ballots"], 2);
}

#[test]
fn import_treats_an_upper_case_copy_as_the_same_ballot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.sqlite");
    let survey = dir.path().join("survey.json");
    std::fs::write(&survey, survey_json(1, false, None)).unwrap();
    let b = lettered(7, "satisfied");
    let first = dir.path().join("phone-a.json");
    std::fs::write(&first, json!([b]).to_string()).unwrap();
    let second = dir.path().join("phone-b.json");
    std::fs::write(&second, json!([upper_case_copy(&b)]).to_string()).unwrap();

    let summary = import_files(&db, Some(&survey), &[first, second.clone()]).unwrap();
    assert_eq!(summary.imported, 1, "{summary}");
    assert_eq!(summary.duplicates, 1, "{summary}");
    assert!(!summary.needs_review(), "{summary}");
    // Importing the copy again, alone: still the same ballot.
    let again = import_files(&db, None, &[second]).unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 1), "{again}");
}

// ------------------------------------------------------------------------------------------------
// Publishing a new version

#[tokio::test]
async fn a_new_version_of_a_closed_survey_is_refused() {
    let t = serve(Opts::default()).await;
    t.submit(&batch(&ballots(1, 3))).await;
    assert_eq!(
        admin_post(&t, &format!("{}/close", survey_path())).await,
        200
    );

    let (status, body) = put_survey(
        &t,
        "?confirm=drop-version-count",
        survey_json(2, false, None),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "survey_closed");

    // Nothing changed: the survey, the live view and the final tally stay on version 1.
    let (_, survey) = t.admin_get(&survey_path()).await;
    assert_eq!(survey["version"], 1);
    let (_, live) = t.admin_get(&format!("{}/live", survey_path())).await;
    assert_eq!(live["survey_version"], 1, "{live}");
    assert_eq!(live["ballots"], 3, "{live}");
    // Re-publishing the version in force stays harmless (a restart with --publish).
    let (status, body) = put_survey(&t, "", survey_json(1, false, None)).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("unchanged")),
        "{body}"
    );
}

#[tokio::test]
async fn a_new_version_over_ballots_of_another_needs_confirmation() {
    let t = serve(Opts::default()).await;
    t.submit(&batch(&ballots(1, 3))).await;

    let (status, body) = put_survey(&t, "", survey_json(2, false, None)).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "confirmation_required");
    let message = body["error"]["message"].as_str().unwrap();
    for words in [
        "第 1 版 3 张",
        "3 for version 1",
        "?confirm=drop-version-count",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    let (_, survey) = t.admin_get(&survey_path()).await;
    assert_eq!(
        survey["version"], 1,
        "nothing published without confirmation"
    );

    let (status, body) = put_survey(&t, "?confirm=yes", survey_json(2, false, None)).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = put_survey(
        &t,
        "?confirm=drop-version-count",
        survey_json(2, false, None),
    )
    .await;
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("created")),
        "{body}"
    );
    // Confirmation is needed only to create a version: the same file again is unchanged.
    let (status, _) = put_survey(&t, "", survey_json(2, false, None)).await;
    assert_eq!(status, 200);

    let (status, body) = t
        .submit(&json!({ "ballots": [ballot_v2(10), ballot_v2(11)] }))
        .await;
    assert_eq!(status, 200, "{body}");

    // Every tally says which version it counted and what it left out.
    let tally_path = format!("{}/tally", survey_path());
    let (_, tally) = t.admin_get(&tally_path).await;
    assert_eq!(tally["survey_version"], 2);
    assert_eq!(tally["participation"]["ballots"], 2);
    assert_eq!(
        tally["participation"]["other_versions"],
        json!([{ "survey_version": 1, "ballots": 3 }])
    );
    let (_, old) = t.admin_get(&format!("{tally_path}?version=1")).await;
    assert_eq!(old["participation"]["ballots"], 3);
    assert_eq!(
        old["participation"]["other_versions"],
        json!([{ "survey_version": 2, "ballots": 2 }])
    );
    let (_, report) = t.admin_get(&format!("{tally_path}?format=report")).await;
    let notes = report["notes"].to_string();
    assert!(notes.contains("只计入第 2 版"), "{report}");
    let csv = t
        .client
        .get(t.url(&format!("{tally_path}?format=csv&lang=en")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Ballots for version 1 (not counted)"), "{csv}");
    assert_eq!(
        admin_post(&t, &format!("{}/reveal", survey_path())).await,
        200
    );
    let (_, live) = t.admin_get(&format!("{}/live", survey_path())).await;
    assert_eq!(live["survey_version"], 2);
    assert_eq!(
        live["tally"]["participation"]["other_versions"],
        json!([{ "survey_version": 1, "ballots": 3 }]),
        "{live}"
    );
}

// ------------------------------------------------------------------------------------------------
// The voting window

/// A one-question survey `id` with the given window.
fn windowed_survey(id: &str, opens_at: Option<String>, closes_at: Option<String>) -> Value {
    let mut s: Value = serde_json::from_str(&survey_json(1, false, None)).unwrap();
    s["id"] = id.into();
    if let Some(o) = opens_at {
        s["opens_at"] = o.into();
    }
    if let Some(c) = closes_at {
        s["closes_at"] = c.into();
    }
    s
}

fn ballot_for(survey_id: &str, n: usize) -> Value {
    let mut v = serde_json::to_value(ballot(n, "satisfied")).unwrap();
    v["survey_id"] = survey_id.into();
    v
}

async fn post_to(t: &TestServer, survey_id: &str, body: &Value, admin: bool) -> (u16, Value) {
    let mut req = t
        .client
        .post(t.url(&format!("/v1/surveys/{survey_id}/ballots")))
        .json(body);
    if admin {
        req = req.bearer_auth(ADMIN);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn ballots_outside_the_voting_window_are_refused() {
    let t = serve(Opts::default()).await;
    put_other_survey(
        &t,
        &windowed_survey("ended", None, Some(time_from_now(-3600))),
    )
    .await;
    put_other_survey(
        &t,
        &windowed_survey("later", Some(time_from_now(3600)), None),
    )
    .await;
    // Within the allowed clock skew (5 minutes) on either side: still open.
    put_other_survey(
        &t,
        &windowed_survey("skewed", Some(time_from_now(120)), Some(time_from_now(240))),
    )
    .await;
    put_other_survey(
        &t,
        &windowed_survey("closing", None, Some(time_from_now(-120))),
    )
    .await;

    let (status, body) = post_to(
        &t,
        "ended",
        &json!({ "ballots": [ballot_for("ended", 1)] }),
        false,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "voting_ended");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("投票已于") && message.contains("Voting ended"),
        "{message}"
    );

    let (status, body) = post_to(
        &t,
        "later",
        &json!({ "ballots": [ballot_for("later", 1)] }),
        false,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "voting_not_open");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("尚未开始") && message.contains("not opened"),
        "{message}"
    );

    for (n, id) in [(3, "skewed"), (4, "closing")] {
        let (status, body) =
            post_to(&t, id, &json!({ "ballots": [ballot_for(id, n)] }), false).await;
        assert_eq!(status, 200, "{id}: {body}");
    }

    // The organiser (admin token) may still enter ballots after the window, e.g. paper ballots.
    let mut paper = ballot_for("ended", 2);
    paper["channel"] = "paper".into();
    let (status, body) = post_to(&t, "ended", &json!({ "ballots": [paper] }), true).await;
    assert_eq!(status, 200, "{body}");
    let (_, tally) = t.admin_get("/v1/surveys/ended/tally").await;
    assert_eq!(tally["participation"]["ballots"], 1, "only the organiser's");
}

#[test]
fn import_after_the_voting_window_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.sqlite");
    let survey = dir.path().join("survey.json");
    std::fs::write(
        &survey,
        windowed_survey("ended", None, Some(time_from_now(-86400))).to_string(),
    )
    .unwrap();
    let file = dir.path().join("phone.json");
    std::fs::write(
        &file,
        json!([ballot_for("ended", 1), ballot_for("ended", 2)]).to_string(),
    )
    .unwrap();
    let summary = import_files(&db, Some(&survey), &[file]).unwrap();
    assert_eq!(summary.imported, 2, "{summary}");
}

// ------------------------------------------------------------------------------------------------
// The body limit and the largest valid ballot

fn config(
    dir: &std::path::Path,
    max_body_bytes: usize,
    publish: Vec<std::path::PathBuf>,
) -> Config {
    let mut config = Config::new(dir.join("test.sqlite"));
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.admin_token = Some(AdminToken::new(ADMIN));
    config.max_body_bytes = max_body_bytes;
    config.publish = publish;
    config
}

#[tokio::test]
async fn a_body_limit_too_small_for_one_ballot_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let err = match start(config(dir.path(), 16 * 1024, Vec::new())).await {
        Ok(_) => panic!("a 16 KiB body limit was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("--max-body-bytes 16384 is too small"), "{err}");
    assert!(err.contains(&MIN_BODY_BYTES.to_string()), "{err}");
}

/// A survey at the format's limits: five free-text questions of 2000 characters each.
fn largest_survey() -> Value {
    let questions: Vec<Value> = (1..=5)
        .map(|i| json!({ "id": format!("t{i}"), "kind": "text", "title": { "zh": "意见" }, "max_len": 2000 }))
        .collect();
    json!({
        "format": "pingyi/1", "id": "largest", "version": 1, "title": { "zh": "最大" }, "unit": "湾",
        "sections": [{ "id": "s1", "title": { "zh": "一" }, "questions": questions }]
    })
}

#[tokio::test]
async fn one_maximal_ballot_fits_the_smallest_body_limit() {
    let dir = tempfile::tempdir().unwrap();
    let survey = dir.path().join("largest.json");
    std::fs::write(&survey, largest_survey().to_string()).unwrap();
    let server = start(config(dir.path(), MIN_BODY_BYTES, vec![survey]))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/v1/surveys/largest/ballots", server.url());

    // Every text at its longest, in the character that takes the most bytes in JSON.
    let text: String = "\u{1}".repeat(2000);
    let mut answers = serde_json::Map::new();
    for i in 1..=5 {
        answers.insert(format!("t{i}"), json!({ "text": text }));
    }
    let ballot = json!({
        "id": "00000000-0000-4000-8000-000000000001", "survey_id": "largest", "survey_version": 1,
        "cast_at": "2026-11-27T19:30:00.123456789+08:00",
        "device": "11111111-1111-4111-8111-111111111111", "channel": "digital", "answers": answers
    });
    let body = json!({ "ballots": [ballot] }).to_string();
    assert!(
        body.len() > 60_000,
        "the ballot is near the maximum: {}",
        body.len()
    );
    assert!(body.len() as u64 > MAX_BALLOT_BYTES * 9 / 10);
    let resp = client
        .post(&url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(statuses(&answer), vec!["accepted"]);

    // Over the limit: 413 with the JSON error (a streamed body: tests/submit.rs).
    let big = format!(
        "{{\"ballots\":[{{\"id\":\"x\",\"pad\":\"{}\"}}]}}",
        "a".repeat(MIN_BODY_BYTES)
    );
    let resp = client
        .post(&url)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], "payload_too_large");
    server.stop().await;
}

// ------------------------------------------------------------------------------------------------
// JSON bodies only

#[tokio::test]
async fn bodies_that_are_not_declared_json_are_refused() {
    let t = serve(Opts::default()).await;
    let body = batch(&ballots(1, 1)).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=latin1"),
        Some("application/jsonp"),
    ] {
        let mut req = t.client.post(t.ballots_url()).body(body.clone());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 415, "{content_type:?}");
        let error: Value = resp.json().await.unwrap();
        assert_eq!(error["error"]["code"], "unsupported_media_type");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains("Content-Type: application/json") && message.contains("请求体"));
    }
    assert!(t.export().await.is_empty(), "nothing was stored");

    for (i, content_type) in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ]
    .into_iter()
    .enumerate()
    {
        let resp = t
            .client
            .post(t.ballots_url())
            .header("content-type", content_type)
            .body(batch(&ballots(i + 1, 1)).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{content_type}");
    }

    // Publishing a survey too.
    let resp = t
        .client
        .put(t.url(&survey_path()))
        .bearer_auth(ADMIN)
        .header("content-type", "text/plain")
        .body(survey_json(1, false, None))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);

    // And the organiser's other JSON bodies: ballot codes and paper totals.
    for (method, path, body) in [
        ("POST", "codes", r#"{"count":1}"#),
        ("PUT", "paper-totals", r#"{"totals":[]}"#),
    ] {
        let url = t.url(&format!("{}/{path}", survey_path()));
        let req = if method == "POST" {
            t.client.post(url)
        } else {
            t.client.put(url)
        };
        let resp = req
            .bearer_auth(ADMIN)
            .header("content-type", "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 415, "{method} {path}");
    }
}

// ------------------------------------------------------------------------------------------------
// Hostile bodies

/// Post `body` and check the answer is quick and small; returns (status, body).
async fn post_hostile(t: &TestServer, url: &str, what: &str, body: String) -> (u16, Value) {
    assert!(body.len() <= 1024 * 1024, "{what}: {} bytes", body.len());
    let started = Instant::now();
    let resp = t
        .client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{what}: took {took:?}");
    assert!(
        text.len() < 16 * 1024,
        "{what}: {} bytes answered: {}…",
        text.len(),
        &text[..300.min(text.len())]
    );
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn hostile_bodies_get_a_quick_small_answer() {
    let t = serve(Opts::default()).await;
    let choose = json!({
        "format": "pingyi/1", "id": "hostile", "version": 1, "title": { "zh": "选" }, "unit": "湾",
        "sections": [{ "id": "s1", "title": { "zh": "一" }, "questions": [
            { "id": "c", "kind": "choose", "title": { "zh": "选" }, "max": 2,
              "options": [ { "id": "a", "label": { "zh": "甲" } }, { "id": "b", "label": { "zh": "乙" } } ] },
            { "id": "t", "kind": "text", "title": { "zh": "意见" }, "required": false, "max_len": 20 }
        ] }]
    });
    put_other_survey(&t, &choose).await;
    let url = t.url("/v1/surveys/hostile/ballots");
    let head = r#"{"ballots":[{"id":"00000000-0000-4000-8000-000000000001","survey_id":"hostile","survey_version":1,"cast_at":"2026-11-27T19:30:00.000Z","device":"11111111-1111-4111-8111-111111111111","answers":"#;

    // 100,000 entries in `chosen`, unknown or repeated.
    let chosen: Vec<String> = (0..100_000).map(|i| format!("\"{}\"", i % 1000)).collect();
    let body = format!("{head}{{\"c\":{{\"chosen\":[{}]}}}}}}]}}", chosen.join(","));
    let (status, answer) = post_hostile(&t, &url, "chosen", body).await;
    assert_eq!(status, 422, "{answer}");
    let chosen: Vec<String> = (0..100_000).map(|_| "\"a\"".to_string()).collect();
    let body = format!("{head}{{\"c\":{{\"chosen\":[{}]}}}}}}]}}", chosen.join(","));
    let (status, answer) = post_hostile(&t, &url, "repeated chosen", body).await;
    assert_eq!(status, 422, "{answer}");

    // 45,000 answers to questions that do not exist.
    let keys: Vec<String> = (0..45_000)
        .map(|i| format!("\"{i:x}\":{{\"text\":\"\"}}"))
        .collect();
    let body = format!("{head}{{{}}}}}]}}", keys.join(","));
    let (status, answer) = post_hostile(&t, &url, "unknown answers", body).await;
    assert_eq!(status, 422, "{answer}");

    // 100,000 answer keys that are not answers.
    let keys: Vec<String> = (0..100_000).map(|i| format!("\"{i:x}\":0")).collect();
    let body = format!("{head}{{{}}}}}]}}", keys.join(","));
    let (status, answer) = post_hostile(&t, &url, "answer keys", body).await;
    assert_eq!(status, 422, "{answer}");

    // One enormous text, one enormous id, one enormous survey id.
    let body = format!(
        "{head}{{\"t\":{{\"text\":\"{}\"}}}}}}]}}",
        "长".repeat(300_000)
    );
    let (status, answer) = post_hostile(&t, &url, "long text", body).await;
    assert_eq!(status, 422, "{answer}");
    let long_id = json!({ "ballots": [{ "id": "x".repeat(1_000_000), "survey_id": "hostile",
        "survey_version": 1, "cast_at": "2026-11-27T19:30:00.000Z", "answers": {} }] });
    let (status, answer) = post_hostile(&t, &url, "long id", long_id.to_string()).await;
    assert_eq!(status, 422, "{answer}");
    let mut long_survey = json!({ "ballots": [ballot_for("hostile", 1)] });
    long_survey["ballots"][0]["survey_id"] = "s".repeat(1_000_000).into();
    let (status, answer) = post_hostile(&t, &url, "long survey id", long_survey.to_string()).await;
    assert_eq!(status, 422, "{answer}");
    let mut wrong_type = json!({ "ballots": [ballot_for("hostile", 1)] });
    wrong_type["ballots"][0]["survey_version"] = "9".repeat(1_000_000).into();
    let (status, answer) = post_hostile(&t, &url, "long wrong type", wrong_type.to_string()).await;
    assert_eq!(status, 422, "{answer}");

    // Deep nesting, inside a ballot and as the whole body: 400, never a crash.
    let deep = format!(
        "{head}{{\"c\":{{\"chosen\":{}{}}}}}}}]}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let (status, answer) = post_hostile(&t, &url, "deep answer", deep).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "bad_request");
    let deep = format!("{}{}", "[".repeat(500_000), "]".repeat(500_000));
    let (status, answer) = post_hostile(&t, &url, "deep body", deep).await;
    assert_eq!(status, 400, "{answer}");
    let deep = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let (status, _) = post_hostile(&t, &url, "deep objects", deep).await;
    assert_eq!(status, 400);

    // The server is still there and stored nothing.
    let resp = t.client.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, tally) = t.admin_get("/v1/surveys/hostile/tally").await;
    assert_eq!(tally["participation"]["ballots"], 0);
}

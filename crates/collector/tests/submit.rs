//! Submitting ballots over real HTTP: idempotency, conflicts, rejection, batch and body limits,
//! unknown surveys, submit keys and survey versions.

mod common;

use std::io::{Read, Write};

use common::*;
use pingyi_collector::ingest::MIN_BODY_BYTES;
use pingyi_core::Answer;
use serde_json::json;

#[tokio::test]
async fn accepted_then_repeated_batch_is_all_duplicate() {
    let t = serve(Opts::default()).await;
    let b = ballots(0, 20);
    let (status, body) = t.submit(&batch(&b)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(&body), vec!["accepted"; 20]);
    let ids: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let sent: Vec<&str> = b.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, sent, "one result per ballot, same order");

    let (status, body) = t.submit(&batch(&b)).await;
    assert_eq!(status, 200, "a repeat is a success: {body}");
    assert_eq!(statuses(&body), vec!["duplicate"; 20]);
    assert_eq!(t.export().await.len(), 20, "a repeat stores nothing new");
}

#[tokio::test]
async fn conflict_keeps_the_original() {
    let t = serve(Opts::default()).await;
    let original = ballot(1, "satisfied");
    let (status, _) = t.submit(&batch(std::slice::from_ref(&original))).await;
    assert_eq!(status, 200);

    let mut changed = original.clone();
    changed.answers.insert(
        "q1".into(),
        Answer::Choice {
            choice: "dissatisfied".into(),
        },
    );
    let fresh = ballot(2, "satisfied");
    let (status, body) = t.submit(&batch(&[changed, fresh.clone()])).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(statuses(&body), vec!["conflict", "accepted"]);

    let stored = t.export().await;
    assert_eq!(stored.len(), 2);
    let kept = stored.iter().find(|b| b.id == original.id).unwrap();
    assert_eq!(kept, &original, "the stored ballot is never overwritten");
}

#[tokio::test]
async fn invalid_ballots_are_rejected_with_problems_and_valid_ones_kept() {
    let t = serve(Opts::default()).await;
    let good = ballot(1, "satisfied");
    let bad_choice = ballot(2, "bogus");
    let mut too_long = ballot(3, "satisfied");
    too_long.answers.insert(
        "q2".into(),
        Answer::Text {
            text: "太长了".repeat(20),
        },
    );
    let mut other_survey = ballot(4, "satisfied");
    other_survey.survey_id = "elsewhere".into();
    let mut malformed = serde_json::to_value(ballot(5, "satisfied")).unwrap();
    malformed["unexpected"] = json!(true);
    let good2 = ballot(6, "unknown");

    let body = json!({ "ballots": [good, bad_choice, too_long, other_survey, malformed, good2] });
    let (status, body) = t.submit(&body).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        statuses(&body),
        vec!["accepted", "rejected", "rejected", "rejected", "rejected", "accepted"]
    );
    let results = body["results"].as_array().unwrap();
    for r in &results[1..5] {
        let problems = r["problems"].as_array().unwrap();
        assert!(!problems.is_empty(), "{r}");
        for p in problems {
            for field in ["path", "code", "zh", "en"] {
                assert!(p[field].is_string(), "problem has {field}: {p}");
            }
        }
    }
    assert!(
        results[0].get("problems").is_none(),
        "no problems on an accepted ballot"
    );
    assert_eq!(results[3]["problems"][0]["code"], "wrong_survey");
    assert_eq!(results[4]["problems"][0]["code"], "malformed_ballot");
    assert_eq!(
        t.export().await.len(),
        2,
        "only the valid ballots are stored"
    );
}

#[tokio::test]
async fn batch_size_limits() {
    let t = serve(Opts::default()).await;
    let (status, body) = t.submit(&json!({ "ballots": [] })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("batch_empty"))
    );

    let (status, body) = t.submit(&batch(&ballots(0, 201))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("batch_too_large")),
        "{body}"
    );
    assert!(
        t.export().await.is_empty(),
        "nothing of an oversized batch is stored"
    );

    let (status, body) = t.submit(&batch(&ballots(0, 200))).await;
    assert_eq!(status, 200, "exactly MAX_BATCH is fine: {body}");

    let resp = t
        .client
        .post(t.ballots_url())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn body_over_the_limit_is_413_json() {
    let t = serve(Opts {
        max_body_bytes: Some(MIN_BODY_BYTES),
        ..Opts::default()
    })
    .await;
    // Unknown top-level fields are ignored, so padding makes any batch too large.
    let mut too_large = batch(&ballots(0, 100));
    too_large["pad"] = "x".repeat(MIN_BODY_BYTES).into();
    // With Content-Length.
    let (status, body) = t.submit(&too_large).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");

    // Chunked, without Content-Length: the limit applies while reading.
    let payload = serde_json::to_string(&too_large).unwrap();
    // Blocking socket work runs off the test's runtime thread, which also drives the server.
    let addr = t.server.addr;
    let raw = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        s.set_write_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let head = format!(
            "POST /v1/surveys/{SURVEY_ID}/ballots HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        for chunk in payload.as_bytes().chunks(1000) {
            if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err() {
                break;
            }
            let _ = s.write_all(chunk);
            let _ = s.write_all(b"\r\n");
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        raw
    })
    .await
    .unwrap();
    let response = String::from_utf8_lossy(&raw);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("payload_too_large"), "{response}");
    assert!(t.export().await.is_empty());
}

#[tokio::test]
async fn unknown_survey_is_404() {
    let t = serve(Opts::default()).await;
    let resp = t
        .client
        .post(t.url("/v1/surveys/nope/ballots"))
        .json(&batch(&ballots(0, 1)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "survey_not_found");
    let resp = t
        .client
        .get(t.url("/v1/surveys/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn submit_key_is_required_when_the_survey_has_one() {
    let t = serve(Opts {
        submit_key: Some("open-sesame"),
        ..Opts::default()
    })
    .await;
    let body = batch(&ballots(0, 3));
    let (status, resp) = t.submit(&body).await;
    assert_eq!(
        (status, resp["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );

    let resp = t
        .client
        .post(t.ballots_url())
        .header("x-pingyi-submit-key", "wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(t.export().await.is_empty());

    let resp = t
        .client
        .post(t.ballots_url())
        .header("X-Pingyi-Submit-Key", "open-sesame")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(t.export().await.len(), 3);
}

#[tokio::test]
async fn older_versions_still_validate_against_their_own_version() {
    let t = serve(Opts::default()).await;
    let put = |version: u32| {
        t.client
            .put(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
            .bearer_auth(ADMIN)
            .header("content-type", "application/json")
            .body(survey_json(version, false, None))
            .send()
    };
    assert_eq!(put(2).await.unwrap().status().as_u16(), 201);
    let resp = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .send()
        .await
        .unwrap();
    let latest: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(latest["version"], 2);

    // A version-1 ballot (no q3) is valid against version 1, which is still stored.
    let v1 = ballot(1, "satisfied");
    let mut v3 = ballot(2, "satisfied");
    v3.survey_version = 3;
    let mut v2_missing_q3 = ballot(3, "satisfied");
    v2_missing_q3.survey_version = 2;
    let mut v2 = ballot(4, "satisfied");
    v2.survey_version = 2;
    v2.answers.insert(
        "q3".into(),
        Answer::Choice {
            choice: "dissatisfied".into(),
        },
    );
    let (status, body) = t.submit(&batch(&[v1, v3, v2_missing_q3, v2])).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        statuses(&body),
        vec!["accepted", "rejected", "rejected", "accepted"]
    );
    assert_eq!(body["results"][1]["problems"][0]["code"], "unknown_version");
}

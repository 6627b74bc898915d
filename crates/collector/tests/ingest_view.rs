//! The one read ingest makes of a survey before a batch (`Store::ingest_view`): the latest
//! published version and whether the survey is closed, on the suite's backend, as publishing and
//! closing change them; and how often a collector makes it (once a second per survey under a
//! crowd, again at once after publishing or closing here).

mod common;

use std::time::Instant;

use common::*;
use pingyi_collector::state::INGEST_VIEW_FRESH_FOR;
use pingyi_collector::store::StoredSurvey;

fn stored_survey(id: &str, version: u32) -> StoredSurvey {
    StoredSurvey {
        survey_id: id.into(),
        version,
        json: survey_json(version, false, None).replace("\"village\"", &format!("{id:?}")),
        content_hash: format!("hash-{id}-{version}"),
    }
}

#[test]
fn the_ingest_view_follows_publishing_and_closing() {
    let dir = tempfile::tempdir().unwrap();
    let store = test_store(dir.path(), "v.sqlite");
    assert_eq!(store.ingest_view("nowhere").unwrap(), (None, false));
    store.publish_survey(&stored_survey("s", 1)).unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(1), false));
    store.publish_survey(&stored_survey("s", 3)).unwrap();
    store.publish_survey(&stored_survey("other", 7)).unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(3), false));
    // Revealing is not closing.
    store.set_revealed("s", true).unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(3), false));
    store.close("s", "2026-11-27T21:00:00.000Z").unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(3), true));
    assert_eq!(store.ingest_view("other").unwrap(), (Some(7), false));
    // The same as the two reads it replaces.
    for id in ["s", "other", "nowhere"] {
        let (latest, closed) = store.ingest_view(id).unwrap();
        assert_eq!(latest, store.latest_survey(id).unwrap().map(|s| s.version));
        assert_eq!(closed, store.meeting_state(id).unwrap().closed_at.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_of_batches_reads_the_survey_state_about_once_a_second() {
    let t = serve(Opts::default()).await;
    // The first batch reads it (a crowd arriving before anything was read reads it each).
    let (status, _) = t.submit(&batch(&[ballot(99_999, "satisfied")])).await;
    assert_eq!(status, 200);
    let before = t.server.ingest_view_reads();
    let started = Instant::now();
    let mut sends = tokio::task::JoinSet::new();
    for round in 0..4 {
        for n in 0..20 {
            let client = t.client.clone();
            let url = t.ballots_url();
            let body = batch(&[ballot(round * 100 + n, "satisfied")]);
            sends.spawn(async move {
                let resp = client.post(url).json(&body).send().await.unwrap();
                resp.status().as_u16()
            });
        }
        while let Some(status) = sends.join_next().await {
            assert_eq!(status.unwrap(), 200);
        }
    }
    let reads = t.server.ingest_view_reads() - before;
    let windows = started.elapsed().as_millis() / INGEST_VIEW_FRESH_FOR.as_millis() + 1;
    assert!(
        reads as u128 <= windows + 1,
        "80 batches in {:?} read the survey's state {reads} times",
        started.elapsed()
    );
    assert_eq!(t.export().await.len(), 81);
}

#[tokio::test]
async fn publishing_or_closing_here_is_seen_by_the_next_batch() {
    let t = serve(Opts::default()).await;
    let (status, _) = t.submit(&batch(&[ballot(1, "satisfied")])).await;
    assert_eq!(status, 200);
    // Version 2 asks for a submit key: the very next batch without it is refused.
    let resp = t
        .client
        .put(t.url(&format!(
            "/v1/surveys/{SURVEY_ID}?confirm=drop-version-count"
        )))
        .bearer_auth(ADMIN)
        .body(survey_json(2, false, Some("open-sesame")))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    let (status, body) = t.submit(&batch(&[ballot(2, "satisfied")])).await;
    assert_eq!(status, 401, "{body}");
    let resp = submit_with_key(&t, 3).await;
    assert_eq!(resp.status().as_u16(), 200);
    // Closed: the very next batch is refused as a whole.
    let resp = t
        .client
        .post(t.url(&format!("/v1/surveys/{SURVEY_ID}/close")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = submit_with_key(&t, 4).await;
    assert_eq!(resp.status().as_u16(), 409);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "survey_closed", "{body}");
    assert_eq!(t.export().await.len(), 2);
}

#[tokio::test]
async fn a_change_made_elsewhere_is_seen_within_the_freshness_time() {
    let t = serve(Opts::default()).await;
    let (status, _) = t.submit(&batch(&[ballot(1, "satisfied")])).await;
    assert_eq!(status, 200);
    // Another process on the same database (another instance, or `import`) publishes version 2
    // with a submit key and then closes the survey.
    let elsewhere = pingyi_collector::store::Database::parse(&t.db)
        .open()
        .unwrap();
    let json = survey_json(2, false, Some("open-sesame"));
    elsewhere
        .publish_survey(&StoredSurvey {
            survey_id: SURVEY_ID.into(),
            version: 2,
            content_hash: pingyi_core::ballot::sha256_hex(&json),
            json,
        })
        .unwrap();
    tokio::time::sleep(INGEST_VIEW_FRESH_FOR).await;
    let (status, body) = t.submit(&batch(&[ballot(2, "satisfied")])).await;
    assert_eq!(status, 401, "{body}");
    // Closing elsewhere: even a batch that finds the survey open in what this collector read
    // is refused by the insert's own check, and nothing is stored.
    elsewhere
        .close(SURVEY_ID, "2026-11-27T21:00:00.000Z")
        .unwrap();
    let resp = submit_with_key(&t, 3).await;
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(t.export().await.len(), 1);
}

/// POST one ballot numbered `n` with version 2's submit key.
async fn submit_with_key(t: &TestServer, n: usize) -> reqwest::Response {
    t.client
        .post(t.ballots_url())
        .header("x-pingyi-submit-key", "open-sesame")
        .json(&batch(&[ballot(n, "satisfied")]))
        .send()
        .await
        .unwrap()
}

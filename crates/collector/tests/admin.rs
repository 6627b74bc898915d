//! Admin routes over real HTTP: token checks, publishing surveys, tally visibility and the
//! streamed export.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn admin_routes_need_the_token() {
    let t = serve(Opts::default()).await;
    let admin_gets = [
        format!("/v1/surveys/{SURVEY_ID}/ballots"),
        format!("/v1/surveys/{SURVEY_ID}/tally"), // private: results_public is false
    ];
    for path in &admin_gets {
        let resp = t.client.get(t.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{path} without a token");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");

        let resp = t
            .client
            .get(t.url(path))
            .bearer_auth("wrong-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{path} with a wrong token");

        let resp = t
            .client
            .get(t.url(path))
            .header("x-pingyi-submit-key", "k")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{path} with only a submit key");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");

        let resp = t
            .client
            .get(t.url(path))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path} with the token");
    }
    let put = t
        .client
        .put(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .body(survey_json(2, false, None));
    assert_eq!(put.send().await.unwrap().status().as_u16(), 401);
    let put = t
        .client
        .put(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .bearer_auth("nope")
        .body(survey_json(2, false, None));
    assert_eq!(put.send().await.unwrap().status().as_u16(), 401);
    // Nothing was published by the refused requests.
    let latest: Value = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latest["version"], 1);
}

#[tokio::test]
async fn publishing_surveys() {
    let t = serve(Opts::default()).await;
    let put = |path: String, body: String| {
        t.client
            .put(t.url(&path))
            .bearer_auth(ADMIN)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let path = format!("/v1/surveys/{SURVEY_ID}");

    // Invalid file: 422 survey_invalid with problems.
    let mut broken: Value = serde_json::from_str(&survey_json(2, false, None)).unwrap();
    broken["sections"][0]["questions"][1]["id"] = "q1".into(); // duplicate question id
    broken["unit"] = "".into();
    let resp = put(path.clone(), broken.to_string()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "survey_invalid");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(!problems.is_empty(), "{body}");
    assert!(problems
        .iter()
        .all(|p| p["path"].is_string() && p["code"].is_string() && p["zh"].is_string()));

    let resp = put(path.clone(), "not json".into()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 422);

    // Path id must match.
    let resp = put("/v1/surveys/other".into(), survey_json(2, false, None))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    // Same version and content again: idempotent.
    let resp = put(path.clone(), survey_json(1, false, None))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "unchanged");

    // Same version, other content: 409.
    let resp = put(path.clone(), survey_json(1, true, None)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "survey_invalid"
    );

    // A new version: 201, then it is the latest.
    let resp = put(path.clone(), survey_json(2, true, None)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let latest: Value = t
        .client
        .get(t.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["results_public"], true);

    // Backwards: 409.
    let resp = put(path.clone(), survey_json(1, false, None))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
}

#[tokio::test]
async fn tally_is_public_only_when_the_survey_says_so() {
    let private = serve(Opts::default()).await;
    let public = serve(Opts {
        results_public: true,
        ..Opts::default()
    })
    .await;
    for t in [&private, &public] {
        let (status, _) = t.submit(&batch(&ballots(0, 8))).await;
        assert_eq!(status, 200);
    }
    let path = format!("/v1/surveys/{SURVEY_ID}/tally");
    let resp = private.client.get(private.url(&path)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    // results_public opens the tally only once the organiser reveals the results (or closes).
    let resp = public.client.get(public.url(&path)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "hidden until revealed");
    let resp = public
        .client
        .post(public.url(&format!("/v1/surveys/{SURVEY_ID}/reveal")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = public.client.get(public.url(&path)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let tally: Value = resp.json().await.unwrap();
    assert_eq!(tally["participation"]["ballots"], 8);

    let (status, tally) = private.admin_get(&path).await;
    assert_eq!(status, 200);
    assert_eq!(tally["survey_id"], SURVEY_ID);
    assert_eq!(tally["participation"]["ballots"], 8);
    // ballots(0, 8) cycles through 4 choices: 2 each.
    let options = tally["questions"][0]["subjects"][0]["options"]
        .as_array()
        .unwrap();
    let counts: Vec<u64> = options
        .iter()
        .map(|o| o["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![2, 2, 2, 2], "{tally}");

    let (status, _) = private.admin_get(&format!("{path}?version=7")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn export_streams_every_ballot_across_pages() {
    let t = serve(Opts::default()).await;
    let n = 1200; // more than two pages of 500
    for start in (0..n).step_by(200) {
        let (status, body) = t.submit(&batch(&ballots(start, 200))).await;
        assert_eq!(status, 200, "{body}");
    }
    let expected: BTreeSet<String> = ballots(0, n).into_iter().map(|b| b.id).collect();

    let resp = t
        .client
        .get(t.ballots_url())
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(
        resp.headers().get("content-length").is_none(),
        "the export is streamed, not buffered"
    );
    let all: Vec<pingyi_core::Ballot> = resp.json().await.unwrap();
    assert_eq!(all.len(), n);
    let ids: BTreeSet<String> = all.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        all[0],
        ballots(0, 1)[0],
        "in insertion order, content intact"
    );

    let resp = t
        .client
        .get(format!("{}?format=ndjson", t.ballots_url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), n);
    let ids: BTreeSet<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<pingyi_core::Ballot>(l).unwrap().id)
        .collect();
    assert_eq!(ids, expected);

    let (status, body) = t
        .admin_get(&format!("/v1/surveys/{SURVEY_ID}/ballots?format=xml"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
}

#[tokio::test]
async fn empty_export_is_an_empty_array() {
    let t = serve(Opts::default()).await;
    assert!(t.export().await.is_empty());
    let resp = t
        .client
        .get(format!("{}?format=ndjson", t.ballots_url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "");
}

#[tokio::test]
async fn every_example_survey_publishes() {
    let t = serve(Opts::default()).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut published = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if doc["format"] != "pingyi/1" {
            continue; // not a survey file
        }
        let id = doc["id"].as_str().unwrap();
        let resp = t
            .client
            .put(t.url(&format!("/v1/surveys/{id}")))
            .bearer_auth(ADMIN)
            .header("content-type", "application/json")
            .body(text.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            201,
            "{}: {}",
            path.display(),
            resp.text().await.unwrap()
        );
        let got: Value = t
            .client
            .get(t.url(&format!("/v1/surveys/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(got["version"], doc["version"]);
        published += 1;
    }
    assert!(published >= 3, "examples/ has the sample surveys");
}

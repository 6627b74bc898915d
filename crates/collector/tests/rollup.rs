//! `POST /v1/rollup` over real HTTP: the admin token, the core's golden roll-up (JSON and CSV)
//! from the golden reports, refusals with the problem at its path, hostile bodies, the rate
//! limit and the OpenAPI entry.

mod common;

use common::*;
use pingyi_collector::limits::RateLimit;
use serde_json::Value;

fn golden(file: &str) -> String {
    let path = format!("{}/../core/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn reports(name: &str) -> Vec<Value> {
    (1..=3)
        .map(|i| serde_json::from_str(&golden(&format!("rollup-{name}-{i}.tally.json"))).unwrap())
        .collect()
}

async fn post(t: &TestServer, query: &str, body: String) -> reqwest::Response {
    t.client
        .post(t.url(&format!("/v1/rollup{query}")))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn rollup_gives_the_golden_json_and_csv_to_the_admin() {
    let t = serve(Opts::default()).await;
    let body = serde_json::to_string(&reports("evening-meeting")).unwrap();

    let anonymous = t
        .client
        .post(t.url("/v1/rollup"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let resp = post(&t, "", body.clone()).await;
    assert_eq!(resp.status(), 200);
    let got: Value = resp.json().await.unwrap();
    let expected: Value =
        serde_json::from_str(&golden("rollup-evening-meeting.rollup.json")).unwrap();
    assert_eq!(got, expected);

    let resp = post(&t, "?format=csv&lang=en", body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("rollup.csv"));
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(
        bytes.as_ref(),
        golden("rollup-evening-meeting.en.csv").as_bytes()
    );
}

#[tokio::test]
async fn other_templates_and_foreign_items_are_refused_at_their_path() {
    let t = serve(Opts::default()).await;
    let mut mixed = reports("satisfaction");
    mixed.push(reports("evening-meeting").remove(2));
    let resp = post(&t, "", serde_json::to_string(&mixed).unwrap()).await;
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rollup_refused");
    let p = &body["error"]["problems"][0];
    assert_eq!(p["code"], "rollup_template_mismatch");
    assert_eq!(p["path"], "$[3].tally.questions[0].question_id");
    assert!(
        p["zh"].as_str().unwrap().contains("不是同一套问卷模板"),
        "{p}"
    );
    assert!(p["en"].as_str().unwrap().contains("\"courtyard\""), "{p}");

    // An item that is not a report, and one that lacks a part.
    let mut junk = reports("satisfaction");
    junk[1] = serde_json::json!({ "format": "pingyi-ballots/1", "ballots": [] });
    junk[2].as_object_mut().unwrap().remove("tally");
    let resp = post(&t, "", serde_json::to_string(&junk).unwrap()).await;
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems[0]["path"], "$[1].format");
    assert_eq!(problems[1]["path"], "$[2]");
    assert!(
        problems[1]["en"].as_str().unwrap().contains("tally"),
        "{body}"
    );

    // Not an array; an unknown format.
    for (query, body, status) in [
        ("", "{}".to_string(), 400),
        ("", "[".to_string(), 400),
        ("", "[]".to_string(), 422),
        ("?format=xml", "[]".to_string(), 400),
    ] {
        let resp = post(&t, query, body.clone()).await;
        assert_eq!(resp.status(), status, "{query} {body}");
        let v: Value = resp.json().await.unwrap();
        assert!(v["error"]["message"].as_str().is_some(), "{v}");
    }
}

#[tokio::test]
async fn the_largest_body_is_bounded_and_many_bad_items_give_a_short_answer() {
    let t = serve(Opts {
        max_body_bytes: Some(128 * 1024),
        ..Opts::default()
    })
    .await;
    // Over the limit: refused before any parsing.
    let big = format!("[{}]", vec!["{}"; 60_000].join(","));
    let resp = post(&t, "", big).await;
    assert_eq!(resp.status(), 413);
    // Just under it: thousands of items that are not reports give at most 21 problems.
    let many = format!("[{}]", vec![r#"{"format":"x"}"#; 4_000].join(","));
    assert!(many.len() < 128 * 1024);
    let resp = post(&t, "", many).await;
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 21);
    assert!(problems[20]["en"].as_str().unwrap().contains("3980 more"));
}

#[tokio::test]
async fn the_rollup_is_rate_limited_like_the_rest_of_the_api() {
    let t = serve(Opts {
        rate_limit: RateLimit {
            per_second: 0.001,
            burst: 2.0,
        },
        ..Opts::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(post(&t, "", "[]".into()).await.status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

#[tokio::test]
async fn openapi_documents_the_rollup() {
    let t = serve(Opts::default()).await;
    let doc: Value = t
        .client
        .get(t.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = &doc["paths"]["/v1/rollup"]["post"];
    assert_eq!(op["operationId"], "postRollup");
    assert!(op["responses"]["422"]["description"]
        .as_str()
        .unwrap()
        .contains("rollup_refused"));
    assert!(doc["components"]["schemas"].get("Rollup").is_some());
}

//! What the collector's outputs and database reveal about who voted when, over real HTTP on
//! 127.0.0.1: no output depends on the order in which ballots arrived, and for an anonymous
//! survey the database and the officials' export keep only coarse times.

mod common;

use common::*;
use pingyi_core::time::{coarsen, Coarse};
use serde_json::{json, Value};

const ID: &str = "order";

fn survey(anonymous: bool) -> String {
    json!({
        "format": "pingyi/1", "id": ID, "version": 1,
        "title": { "zh": "顺序测试" }, "unit": "测试湾", "eligible": 10,
        "results_public": true, "anonymous": anonymous,
        "sections": [{ "id": "s", "title": { "zh": "表决" }, "questions": [
            { "id": "vote", "kind": "approve", "title": { "zh": "修路" } },
            { "id": "note", "kind": "notice", "title": { "zh": "公示" },
              "items": [ { "id": "road", "label": { "zh": "修路 3 万元" } } ] },
            { "id": "say", "kind": "text", "title": { "zh": "建议" }, "required": false }
        ]}]
    })
    .to_string()
}

/// Ballot `n`, with its own suggestion and objection reason.
fn ballot(n: usize, choice: &str, cast_at: &str) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "survey_id": ID, "survey_version": 1, "cast_at": cast_at,
        "device": format!("00000000-0000-4000-9000-{n:012}"), "channel": "digital",
        "answers": {
            "vote": { "choice": choice },
            "note": { "responses": { "road": { "objection": true, "reason": format!("理由{n}：账目不清") } } },
            "say": { "text": format!("第{n}户建议修排水沟") },
        },
    })
}

async fn with_survey(anonymous: bool) -> TestServer {
    let t = serve(Opts::default()).await;
    let resp = t
        .client
        .put(t.url(&format!("/v1/surveys/{ID}")))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(survey(anonymous))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    t
}

async fn raw(t: &TestServer, method: &str, rest: &str, admin: bool, body: Option<Value>) -> String {
    let url = t.url(&format!("/v1/surveys/{ID}{rest}"));
    let mut req = match method {
        "POST" => t.client.post(url),
        _ => t.client.get(url),
    };
    if admin {
        req = req.bearer_auth(ADMIN);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert!(status < 300, "{method} {rest}: {status} {text}");
    text
}

/// Blank the fields that hold the server's clock (and the hash over them), at any depth.
fn without_clock(text: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if ["generated_at", "closed_at", "content_hash"].contains(&k.as_str()) {
                        *x = Value::Null;
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(text).unwrap();
    walk(&mut v);
    v.to_string()
}

/// Everything the collector outputs about the survey, after the given batches arrive in order.
async fn outputs(batches: &[Vec<Value>]) -> Vec<(&'static str, String)> {
    let t = with_survey(true).await;
    for b in batches {
        raw(&t, "POST", "/ballots", false, Some(json!({ "ballots": b }))).await;
    }
    raw(&t, "POST", "/reveal", true, None).await;
    let mut out = vec![
        ("live", raw(&t, "GET", "/live", false, None).await),
        (
            "live (organiser)",
            raw(&t, "GET", "/live", true, None).await,
        ),
        ("tally", raw(&t, "GET", "/tally", true, None).await),
        (
            "tally csv",
            raw(&t, "GET", "/tally?format=csv", true, None).await,
        ),
        (
            "report",
            without_clock(&raw(&t, "GET", "/tally?format=report", true, None).await),
        ),
        (
            "officials' export",
            raw(&t, "GET", "/ballots?format=export", true, None).await,
        ),
        (
            "backup stream",
            raw(&t, "GET", "/ballots", true, None).await,
        ),
        (
            "backup ndjson",
            raw(&t, "GET", "/ballots?format=ndjson", true, None).await,
        ),
    ];
    raw(&t, "POST", "/close", true, None).await;
    out.push((
        "final",
        without_clock(&raw(&t, "GET", "/final", false, None).await),
    ));
    out.push((
        "live closed",
        without_clock(&raw(&t, "GET", "/live", false, None).await),
    ));
    out.push(("tally closed", raw(&t, "GET", "/tally", false, None).await));
    out
}

#[tokio::test]
async fn outputs_do_not_depend_on_the_order_ballots_arrived() {
    let cast = "2026-11-27T19:30:00.000Z";
    // Ids in the opposite order of their contents, so neither id nor text order is arrival order.
    let a = vec![ballot(9, "for", cast), ballot(2, "against", cast)];
    let b = vec![ballot(5, "for", cast), ballot(7, "abstain", cast)];
    let first = outputs(&[a.clone(), b.clone()]).await;
    let reversed: Vec<Value> = b.iter().chain(a.iter()).rev().cloned().collect();
    let second = outputs(&[b, a, reversed]).await;
    for ((what, x), (_, y)) in first.iter().zip(&second) {
        assert_eq!(x, y, "{what} depends on the order of arrival");
    }
    // The organiser's tally does hold the texts, sorted.
    let tally: Value = serde_json::from_str(&first[2].1).unwrap();
    assert_eq!(
        tally["questions"][2]["texts"],
        json!([
            "第2户建议修排水沟",
            "第5户建议修排水沟",
            "第7户建议修排水沟",
            "第9户建议修排水沟"
        ])
    );
}

fn received_at(t: &TestServer) -> Vec<String> {
    common::stored_strings(
        t,
        &format!("SELECT received_at FROM ballots WHERE survey_id = '{ID}' ORDER BY id"),
    )
}

#[tokio::test]
async fn an_anonymous_survey_keeps_only_the_day_of_arrival_and_of_casting() {
    let t = with_survey(true).await;
    let batch = json!({ "ballots": [
        ballot(1, "for", "2026-11-27T19:31:07.250Z"),
        ballot(2, "against", "2026-11-28T03:45:00.000+08:00"),
    ] });
    raw(&t, "POST", "/ballots", false, Some(batch)).await;

    // The database: received_at cut to the start of the UTC day.
    let today = coarsen(&now(), Coarse::Day).unwrap();
    assert_eq!(received_at(&t), vec![today.clone(), today]);

    // The officials' export: no device, no code hash, cast_at cut to the day.
    let export: Value =
        serde_json::from_str(&raw(&t, "GET", "/ballots?format=export", true, None).await).unwrap();
    for b in export["ballots"].as_array().unwrap() {
        assert_eq!(b["cast_at"], "2026-11-27T00:00:00.000Z", "{b}");
        assert!(b.get("device").is_none_or(|d| d == ""), "{b}");
        assert!(b.get("code_hash").is_none_or(Value::is_null), "{b}");
        assert!(b.get("received_at").is_none(), "{b}");
    }
}

#[tokio::test]
async fn a_named_survey_keeps_the_time_of_arrival() {
    let t = with_survey(false).await;
    let before = now();
    raw(
        &t,
        "POST",
        "/ballots",
        false,
        Some(json!({ "ballots": [ballot(1, "for", "2026-11-27T19:31:07.250Z")] })),
    )
    .await;
    let after = now();
    let got = received_at(&t);
    assert_eq!(got.len(), 1);
    assert!(
        before <= got[0] && got[0] <= after,
        "{before} <= {} <= {after}",
        got[0]
    );
}

/// The clock in the collector's format (sortable as text).
fn now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    pingyi_core::time::format_rfc3339_millis(pingyi_core::time::UtcTime {
        unix_seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos(),
    })
}

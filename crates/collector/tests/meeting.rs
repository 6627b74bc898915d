//! Evening-meeting modes over real HTTP on 127.0.0.1: ballot codes (stored only as checks of their hashes, first
//! use wins), paper ballots (one by one with the admin token, and totals per option), the
//! projector's live view and its server-sent events, revealing, and closing with a frozen tally.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use pingyi_core::codes::code_hash;
use pingyi_core::{Answer, Ballot, Channel};
use serde_json::{json, Value};

const MEET: &str = "meet";

fn meet_survey(codes: bool) -> String {
    json!({
        "format": "pingyi/1",
        "id": MEET,
        "version": 1,
        "title": { "zh": "村湾夜话表决" },
        "unit": "测试湾",
        "eligible": 30,
        "results_public": true,
        "codes": codes,
        "sections": [{ "id": "s1", "title": { "zh": "表决" }, "questions": [
            { "id": "q1", "title": { "zh": "环境卫生" }, "kind": "scale", "preset": "satisfaction" },
            { "id": "vote", "title": { "zh": "修路方案" }, "kind": "approve" }
        ]}]
    })
    .to_string()
}

fn vote(n: usize, choice: &str, code: Option<&str>) -> Ballot {
    let mut answers = pingyi_core::IdMap::new();
    answers.insert(
        "q1".to_string(),
        Answer::Choice {
            choice: "satisfied".into(),
        },
    );
    answers.insert(
        "vote".to_string(),
        Answer::Choice {
            choice: choice.into(),
        },
    );
    Ballot {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        survey_id: MEET.into(),
        survey_version: 1,
        cast_at: "2026-11-27T19:30:00.000Z".into(),
        device: format!("00000000-0000-4000-9000-{n:012}"),
        channel: Channel::Digital,
        code_hash: code.map(|c| code_hash(MEET, c)),
        answers,
    }
}

async fn with_meet(codes: bool) -> TestServer {
    let t = serve(Opts::default()).await;
    let resp = t
        .client
        .put(t.url(&format!("/v1/surveys/{MEET}")))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(meet_survey(codes))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    t
}

fn path(rest: &str) -> String {
    format!("/v1/surveys/{MEET}{rest}")
}

async fn send(
    t: &TestServer,
    method: &str,
    p: &str,
    admin: bool,
    body: Option<Value>,
) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = t.client.request(m, t.url(p));
    if admin {
        req = req.bearer_auth(ADMIN);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn submit(t: &TestServer, ballots: &[Ballot], admin: bool) -> (u16, Value) {
    send(t, "POST", &path("/ballots"), admin, Some(batch(ballots))).await
}

fn problem_codes(body: &Value, i: usize) -> Vec<String> {
    body["results"][i]["problems"]
        .as_array()
        .map_or(Vec::new(), |p| {
            p.iter()
                .map(|p| p["code"].as_str().unwrap().to_string())
                .collect()
        })
}

async fn make_codes(t: &TestServer, n: u32) -> Vec<String> {
    let (status, body) = send(
        t,
        "POST",
        &path("/codes"),
        true,
        Some(json!({ "count": n })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn codes_are_shown_once_and_stored_only_as_hashes() {
    let t = with_meet(true).await;
    let (status, body) = send(
        &t,
        "POST",
        &path("/codes"),
        true,
        Some(json!({ "count": 60 })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["count"].as_u64(), body["total"].as_u64()),
        (Some(60), Some(60))
    );
    let issued = body["codes"].as_array().unwrap();
    let codes: Vec<String> = issued
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    let distinct: BTreeSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), 60, "distinct");
    let host = t.server.addr.to_string();
    for c in issued {
        let code = c["code"].as_str().unwrap();
        assert_eq!(pingyi_core::codes::format_code(code).as_deref(), Some(code));
        assert_eq!(c["url"], format!("http://{host}/?s={MEET}#code={code}"));
    }

    // The database holds no plain code, with or without the dash (WAL included).
    let text = common::stored_text(&t);
    assert!(
        text.contains(&pingyi_core::codes::code_check(&code_hash(MEET, &codes[0]))),
        "the checks of the hashes are stored"
    );
    for c in &codes {
        assert!(
            !text.contains(c.as_str()),
            "plain code {c} found in the database"
        );
        assert!(
            !text.contains(&c.replace('-', "")),
            "plain code {c} found in the database"
        );
    }

    // The kiosk's list: exactly the hints.
    let (status, body) = send(&t, "GET", &path("/codes/hints"), true, None).await;
    assert_eq!(status, 200);
    let hints: BTreeSet<String> = body["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().into())
        .collect();
    let expected: BTreeSet<String> = codes
        .iter()
        .map(|c| pingyi_core::codes::code_hint(&code_hash(MEET, c)))
        .collect();
    assert_eq!(hints, expected);
    assert_eq!(body["used"], json!([]));

    // More codes add to the list; limits, auth and surveys without codes.
    assert_eq!(make_codes(&t, 5).await.len(), 5);
    let (_, body) = send(
        &t,
        "POST",
        &path("/codes"),
        true,
        Some(json!({ "count": 1 })),
    )
    .await;
    assert_eq!(body["total"], 66);
    for bad in [
        json!({ "count": 0 }),
        json!({ "count": 2001 }),
        json!({ "n": 3 }),
        json!([]),
    ] {
        let (status, body) = send(&t, "POST", &path("/codes"), true, Some(bad)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("bad_request"))
        );
    }
    let (status, _) = send(
        &t,
        "POST",
        &path("/codes"),
        false,
        Some(json!({ "count": 1 })),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = send(&t, "GET", &path("/codes/hints"), false, None).await;
    assert_eq!(status, 401);
    let (status, body) = send(
        &t,
        "POST",
        &format!("/v1/surveys/{SURVEY_ID}/codes"),
        true,
        Some(json!({ "count": 1 })),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("codes_not_enabled"))
    );
}

#[tokio::test]
async fn a_code_votes_once_even_from_two_offline_devices() {
    let t = with_meet(true).await;
    let codes = make_codes(&t, 4).await;

    // Device 1 votes with code 0; device 2 used the same code offline and syncs later.
    let first = vote(1, "for", Some(&codes[0]));
    let (status, body) = submit(&t, std::slice::from_ref(&first), false).await;
    assert_eq!(
        (status, statuses(&body)),
        (200, vec!["accepted".to_string()]),
        "{body}"
    );
    let (status, body) = submit(
        &t,
        &[vote(2, "against", Some(&codes[0].to_lowercase()))],
        false,
    )
    .await;
    assert_eq!(
        (status, statuses(&body)),
        (422, vec!["rejected".to_string()])
    );
    assert_eq!(problem_codes(&body, 0), vec!["code_used"]);
    assert_eq!(
        body["results"][0]["problems"][0]["zh"],
        "这张选票码已经用过了，每个码只能投一次。"
    );
    // Re-sending the first ballot is still a duplicate, not a code problem.
    let (status, body) = submit(&t, &[first], false).await;
    assert_eq!(
        (status, statuses(&body)),
        (200, vec!["duplicate".to_string()])
    );

    // Two ballots with one code in the same batch: the first wins.
    let (status, body) = submit(
        &t,
        &[
            vote(3, "for", Some(&codes[1])),
            vote(4, "against", Some(&codes[1])),
            vote(5, "for", Some(&codes[2])),
        ],
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(statuses(&body), vec!["accepted", "rejected", "accepted"]);
    assert_eq!(problem_codes(&body, 1), vec!["code_used"]);

    // Unknown and missing codes.
    let (_, body) = submit(
        &t,
        &[vote(6, "for", Some("ZZZZ-ZZZZ")), vote(7, "for", None)],
        false,
    )
    .await;
    assert_eq!(statuses(&body), vec!["rejected", "rejected"]);
    assert_eq!(problem_codes(&body, 0), vec!["code_unknown"]);
    assert_eq!(problem_codes(&body, 1), vec!["code_required"]);

    // Three ballots counted; the kiosk list marks three codes used.
    let (_, tally) = send(&t, "GET", &path("/tally"), true, None).await;
    assert_eq!(tally["participation"]["ballots"], 3);
    let (_, hashes) = send(&t, "GET", &path("/codes/hints"), true, None).await;
    let used: BTreeSet<String> = hashes["used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().into())
        .collect();
    let expected: BTreeSet<String> = codes[..3].iter().map(|c| code_hash(MEET, c)).collect();
    assert_eq!(used, expected);
}

#[tokio::test]
async fn paper_ballots_are_counted_per_channel() {
    let t = with_meet(false).await;
    let mut paper = vote(10, "against", None);
    paper.channel = Channel::Paper;
    // Only the organiser may key in paper ballots.
    let (status, body) = submit(&t, std::slice::from_ref(&paper), false).await;
    assert_eq!(status, 422);
    assert_eq!(problem_codes(&body, 0), vec!["paper_needs_admin"]);
    let (status, body) = submit(&t, &[paper.clone(), vote(11, "for", None)], true).await;
    assert_eq!(
        (status, statuses(&body)),
        (200, vec!["accepted".to_string(), "accepted".to_string()]),
        "{body}"
    );

    // Totals: checked against the survey.
    let bad = json!({ "totals": [
        { "question_id": "vote", "ballots": 3, "counts": { "for": 2, "maybe": 1 } },
        { "question_id": "nope", "ballots": 1, "counts": {} }
    ]});
    let (status, body) = send(&t, "PUT", &path("/paper-totals"), true, Some(bad)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("paper_totals_invalid")),
        "{body}"
    );
    let paths: Vec<&str> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["$[0].counts.maybe", "$[1].question_id"]);
    let good = json!({ "totals": [
        { "question_id": "vote", "ballots": 5, "counts": { "for": 4, "abstain": 1 } },
        { "question_id": "q1", "ballots": 5, "counts": { "satisfied": 2, "dissatisfied": 3 } }
    ]});
    let (status, _) = send(&t, "PUT", &path("/paper-totals"), false, Some(good.clone())).await;
    assert_eq!(status, 401);
    let (status, stored) = send(&t, "PUT", &path("/paper-totals"), true, Some(good.clone())).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["paper_ballots"], 5);
    let (status, again) = send(&t, "PUT", &path("/paper-totals"), true, Some(good)).await;
    assert_eq!((status, &again), (200, &stored), "idempotent");
    let (_, got) = send(&t, "GET", &path("/paper-totals"), true, None).await;
    assert_eq!(got, stored);

    let (status, tally) = send(&t, "GET", &path("/tally"), true, None).await;
    assert_eq!(status, 200);
    let p = &tally["participation"];
    assert_eq!(
        (p["ballots"].as_u64(), p["paper_totals_ballots"].as_u64()),
        (Some(7), Some(5))
    );
    assert_eq!(p["by_channel"], json!({ "digital": 1, "paper": 6 }));
    let vote_q = &tally["questions"][1];
    assert_eq!(
        (
            vote_q["for_count"].as_u64(),
            vote_q["against"].as_u64(),
            vote_q["abstain"].as_u64()
        ),
        (Some(5), Some(1), Some(1))
    );
    let cc = |ch: &str, opt: &str| {
        vote_q["channel_counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == ch && c["option_id"] == opt)
            .map(|c| c["count"].as_u64().unwrap())
    };
    assert_eq!(
        (
            cc("digital", "for"),
            cc("paper", "for"),
            cc("paper", "against")
        ),
        (Some(1), Some(4), Some(1))
    );

    // Replacing with an empty set removes the totals.
    let (_, cleared) = send(
        &t,
        "PUT",
        &path("/paper-totals"),
        true,
        Some(json!({ "totals": [] })),
    )
    .await;
    assert_eq!(cleared["paper_ballots"], 0);
    let (_, tally) = send(&t, "GET", &path("/tally"), true, None).await;
    assert_eq!(tally["participation"]["ballots"], 2);
}

#[tokio::test]
async fn projector_hides_results_until_revealed() {
    let t = with_meet(false).await;
    submit(&t, &[vote(1, "for", None), vote(2, "against", None)], false).await;
    send(
        &t,
        "PUT",
        &path("/paper-totals"),
        true,
        Some(json!({ "totals": [
        { "question_id": "vote", "ballots": 3, "counts": { "for": 3 } } ] })),
    )
    .await;

    let (status, live) = send(&t, "GET", &path("/live"), false, None).await;
    assert_eq!(status, 200);
    assert_eq!(live["title"]["zh"], "村湾夜话表决");
    assert_eq!(
        (live["ballots"].as_u64(), live["eligible"].as_u64()),
        (Some(5), Some(30))
    );
    assert_eq!(
        (live["state"].as_str(), live["revealed"].as_bool()),
        (Some("open"), Some(false))
    );
    assert!(live["tally"].is_null(), "{live}");
    assert!(
        live.get("content_hash").is_none(),
        "no hash before closing: {live}"
    );
    // Even with results_public, the public tally stays closed until revealed.
    let (status, body) = send(&t, "GET", &path("/tally"), false, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = send(&t, "POST", &path("/reveal"), false, None).await;
    assert_eq!(status, 401);

    let (status, st) = send(&t, "POST", &path("/reveal"), true, None).await;
    assert_eq!((status, st["revealed"].as_bool()), (200, Some(true)));
    let (_, live) = send(&t, "GET", &path("/live"), false, None).await;
    assert_eq!(live["tally"]["questions"][1]["for_count"], 4);
    assert_eq!(live["tally"]["participation"]["ballots"], 5);
    let (status, _) = send(&t, "GET", &path("/tally"), false, None).await;
    assert_eq!(status, 200);

    let (_, st) = send(&t, "POST", &path("/hide"), true, None).await;
    assert_eq!(
        st,
        json!({ "survey_id": MEET, "state": "open", "revealed": false, "closed_at": null })
    );
    let (_, live) = send(&t, "GET", &path("/live"), false, None).await;
    assert!(live["tally"].is_null());
    let (_, state) = send(&t, "GET", &path("/state"), false, None).await;
    assert_eq!(state, st);
}

/// Read one server-sent event (`event:` and `data:` lines up to a blank line).
async fn next_event(resp: &mut reqwest::Response, buf: &mut String) -> (String, Value) {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let frame: String = buf[..end].to_string();
            buf.replace_range(..end + 2, "");
            let mut name = String::new();
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if data.is_empty() {
                continue; // a comment or keep-alive
            }
            return (name, serde_json::from_str(&data).unwrap());
        }
        let chunk = resp.chunk().await.unwrap().expect("the stream ended");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn live_events_arrive_after_a_submit() {
    let t = with_meet(false).await;
    let mut resp = t
        .client
        .get(t.url(&path("/live/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut buf = String::new();
    let (name, first) =
        tokio::time::timeout(Duration::from_secs(5), next_event(&mut resp, &mut buf))
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), first["ballots"].as_u64()),
        ("live", Some(0))
    );

    let (status, _) = submit(&t, &[vote(1, "for", None), vote(2, "for", None)], false).await;
    assert_eq!(status, 200);
    // Well before the 5-second keep-alive: the submit itself pushes the event.
    let (name, ev) = tokio::time::timeout(Duration::from_secs(3), next_event(&mut resp, &mut buf))
        .await
        .expect("an event after the submit");
    assert_eq!((name.as_str(), ev["ballots"].as_u64()), ("live", Some(2)));
    assert!(ev["tally"].is_null(), "not revealed: {ev}");

    send(&t, "POST", &path("/reveal"), true, None).await;
    let (_, ev) = tokio::time::timeout(Duration::from_secs(3), next_event(&mut resp, &mut buf))
        .await
        .unwrap();
    assert_eq!(ev["tally"]["questions"][1]["for_count"], 2);
    drop(resp);
    // The server stops even with event streams open.
    let other = t
        .client
        .get(t.url(&path("/live/events")))
        .send()
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), t.server.stop())
        .await
        .expect("shutdown does not hang");
    drop(other);
}

#[tokio::test]
async fn closing_freezes_the_tally_and_refuses_ballots() {
    let t = with_meet(true).await;
    let codes = make_codes(&t, 3).await;
    submit(
        &t,
        &[
            vote(1, "for", Some(&codes[0])),
            vote(2, "against", Some(&codes[1])),
        ],
        false,
    )
    .await;
    let (status, body) = send(&t, "GET", &path("/final"), true, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("survey_open"))
    );

    let (status, closed) = send(&t, "POST", &path("/close"), true, None).await;
    assert_eq!(status, 200, "{closed}");
    let hash = closed["content_hash"].as_str().unwrap().to_string();
    assert_eq!(closed["report"]["tally"]["participation"]["ballots"], 2);
    assert_eq!(closed["report"]["generated_at"], closed["closed_at"]);

    // No more ballots, codes or paper totals: the whole batch is refused.
    let (status, body) = submit(&t, &[vote(3, "for", Some(&codes[2]))], false).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("survey_closed")),
        "{body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("投票已结束，不再接受选票。"));
    let (status, _) = send(
        &t,
        "PUT",
        &path("/paper-totals"),
        true,
        Some(json!({ "totals": [] })),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = send(
        &t,
        "POST",
        &path("/codes"),
        true,
        Some(json!({ "count": 1 })),
    )
    .await;
    assert_eq!(status, 409);

    // The frozen report: same bytes and hash on every call, and after closing again.
    let get_report = || async {
        let resp = t
            .client
            .get(t.url(&path("/tally?format=report")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            200,
            "results_public applies after closing"
        );
        let h = resp.headers().clone();
        (h, resp.text().await.unwrap())
    };
    let (h1, r1) = get_report().await;
    assert_eq!(h1["x-pingyi-frozen"], "true");
    assert_eq!(h1["x-pingyi-content-hash"].to_str().unwrap(), hash);
    assert_eq!(
        pingyi_core::ballot::sha256_hex(&r1),
        hash,
        "the hash is the SHA-256 of the report's bytes"
    );
    let (status, again) = send(&t, "POST", &path("/close"), true, None).await;
    assert_eq!(
        (status, again["content_hash"].as_str()),
        (200, Some(hash.as_str()))
    );
    assert_eq!(again["closed_at"], closed["closed_at"]);
    let (_, r2) = get_report().await;
    assert_eq!(r1, r2);
    let (status, fin) = send(&t, "GET", &path("/final"), false, None).await;
    assert_eq!((status, &fin), (200, &closed));

    // The widget learns the state from the survey response and the state route.
    let resp = t.client.get(t.url(&path(""))).send().await.unwrap();
    assert_eq!(resp.headers()["x-pingyi-survey-state"], "closed");
    let (_, state) = send(&t, "GET", &path("/state"), false, None).await;
    assert_eq!(
        (state["state"].as_str(), &state["closed_at"]),
        (Some("closed"), &closed["closed_at"])
    );
    let (_, live) = send(&t, "GET", &path("/live"), false, None).await;
    assert_eq!(
        (live["state"].as_str(), live["ballots"].as_u64()),
        (Some("closed"), Some(2))
    );
    // Not revealed: no figure, but the frozen tally's hash, for photos of the projector.
    assert!(live["tally"].is_null(), "{live}");
    assert_eq!(live["content_hash"].as_str(), Some(hash.as_str()));
    // An open survey says so.
    let resp = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-pingyi-survey-state"], "open");
}

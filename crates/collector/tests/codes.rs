//! Ballot codes against someone who holds a copy of the lists: what the admin routes hand out and
//! what the database file holds cast no ballot; a flood of unknown codes meets a guess budget
//! (429 with `Retry-After`) without locking out voters with real codes, and the organiser sees
//! the count; slip links carry the code in the URL fragment.

mod common;

use std::collections::BTreeSet;

use common::*;
use pingyi_collector::codes::{ALERT_AT, FIRST_WAIT_SECONDS, GUESS_ALLOWANCE};
use pingyi_collector::store::{InsertOutcome, NewBallot, SqliteStore, Store};
use pingyi_core::codes::{code_check, code_hash, code_hint, generate_codes};
use pingyi_core::{Answer, Ballot, Channel};
use serde_json::{json, Value};

const MEET: &str = "meet";

fn meet_survey() -> String {
    json!({
        "format": "pingyi/1",
        "id": MEET,
        "version": 1,
        "title": { "zh": "村湾夜话表决" },
        "unit": "测试湾",
        "eligible": 30,
        "codes": true,
        "sections": [{ "id": "s1", "title": { "zh": "表决" }, "questions": [
            { "id": "vote", "title": { "zh": "修路方案" }, "kind": "approve" }
        ]}]
    })
    .to_string()
}

/// A ballot carrying `code_hash` as given (whatever an attacker puts there).
fn ballot_with_hash(n: usize, code_hash: &str) -> Ballot {
    let mut answers = pingyi_core::IdMap::new();
    answers.insert(
        "vote".to_string(),
        Answer::Choice {
            choice: "for".into(),
        },
    );
    Ballot {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        survey_id: MEET.into(),
        survey_version: 1,
        cast_at: "2026-11-27T19:30:00.000Z".into(),
        device: format!("00000000-0000-4000-9000-{n:012}"),
        channel: Channel::Digital,
        code_hash: Some(code_hash.to_string()),
        answers,
    }
}

async fn with_meet() -> TestServer {
    let t = serve(Opts::default()).await;
    let (status, body) = send(&t, "PUT", "", true, Some(meet_survey())).await;
    assert_eq!(status, 201, "{body}");
    t
}

/// `(status, Retry-After, body)` of a request to `/v1/surveys/meet{rest}`.
async fn send_full(
    t: &TestServer,
    method: &str,
    rest: &str,
    admin: bool,
    body: Option<String>,
) -> (u16, Option<String>, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = t
        .client
        .request(m, t.url(&format!("/v1/surveys/{MEET}{rest}")));
    if admin {
        req = req.bearer_auth(ADMIN);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}

async fn send(
    t: &TestServer,
    method: &str,
    rest: &str,
    admin: bool,
    body: Option<String>,
) -> (u16, Value) {
    let (s, _, b) = send_full(t, method, rest, admin, body).await;
    (s, b)
}

async fn submit(t: &TestServer, ballots: &[Ballot]) -> (u16, Option<String>, Value) {
    send_full(
        t,
        "POST",
        "/ballots",
        false,
        Some(batch(ballots).to_string()),
    )
    .await
}

async fn make_codes(t: &TestServer, n: u32) -> Vec<(String, String)> {
    let (status, body) = send(
        t,
        "POST",
        "/codes",
        true,
        Some(json!({ "count": n }).to_string()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every run of 64 lowercase hexadecimal digits in `text` (what looks like a hash).
fn hex64(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut start = 0;
    for i in 0..=bytes.len() {
        let hex =
            i < bytes.len() && (bytes[i].is_ascii_digit() || (b'a'..=b'f').contains(&bytes[i]));
        if !hex {
            if i - start >= 64 {
                for s in start..=i - 64 {
                    out.insert(text[s..s + 64].to_string());
                }
            }
            start = i + 1;
        }
    }
    out
}

fn database_text(t: &TestServer) -> String {
    stored_text(t)
}

#[tokio::test]
async fn what_the_admin_routes_and_the_database_hold_casts_no_ballot() {
    let t = with_meet().await;
    let codes = make_codes(&t, 40).await;

    // The kiosk's list: hints only, 4 hex digits each, none of them a code hash.
    let (status, hints) = send(&t, "GET", "/codes/hints", true, None).await;
    assert_eq!(status, 200, "{hints}");
    let got: BTreeSet<String> = hints["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = codes
        .iter()
        .map(|(c, _)| code_hint(&code_hash(MEET, c)))
        .collect();
    assert_eq!(got, want);
    assert!(got.iter().all(|h| h.len() == 4));
    assert_eq!(hints["used"], json!([]));
    let (status, _) = send(&t, "GET", "/codes/hints", false, None).await;
    assert_eq!(status, 401);

    // The former route hands out nothing any more and says why.
    let (status, old) = send(&t, "GET", "/codes/hashes", true, None).await;
    assert_eq!(status, 410, "{old}");
    let message = old["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("codes/hints") && message.contains("信息亭"),
        "{message}"
    );

    // The database holds the checks, not the hashes.
    let db = database_text(&t);
    let first = code_hash(MEET, &codes[0].0);
    assert!(db.contains(&code_check(&first)), "checks are stored");
    for (c, _) in &codes {
        assert!(
            !db.contains(&code_hash(MEET, c)),
            "a code hash is in the database"
        );
    }

    // Everything that looks like a hash anywhere in them, tried as a code hash (and as its
    // check, hint or any of those): refused, nothing stored.
    let mut candidates = hex64(&db);
    candidates.extend(hex64(&hints.to_string()));
    candidates.extend(got.iter().cloned());
    assert!(candidates.len() >= 40, "{} candidates", candidates.len());
    let tries: Vec<Ballot> = candidates
        .iter()
        .enumerate()
        .map(|(i, h)| ballot_with_hash(1000 + i, h))
        .collect();
    for chunk in tries.chunks(GUESS_ALLOWANCE as usize / 2) {
        let (status, _, body) = submit(&t, chunk).await;
        assert!(status == 422 || status == 429, "{status} {body}");
        if status == 422 {
            for r in body["results"].as_array().unwrap() {
                assert_eq!(r["status"], "rejected", "{r}");
                // A hint is not even shaped like a hash.
                let code = r["problems"][0]["code"].as_str().unwrap();
                assert!(code == "code_unknown" || code == "bad_code_hash", "{r}");
            }
        }
    }
    let (_, stored) = send(&t, "GET", "/ballots", true, None).await;
    assert_eq!(stored, json!([]), "no ballot was cast from the copies");

    // A slip's own code still votes, once; the used hash is then handed out (it casts nothing).
    let (status, _, body) = submit(&t, &[ballot_with_hash(1, &first)]).await;
    assert_eq!(
        (status, body["results"][0]["status"].as_str()),
        (200, Some("accepted")),
        "{body}"
    );
    let (_, hints) = send(&t, "GET", "/codes/hints", true, None).await;
    assert_eq!(hints["used"], json!([first]));
    let (_, _, body) = submit(&t, &[ballot_with_hash(2, &first)]).await;
    assert_eq!(
        body["results"][0]["problems"][0]["code"], "code_used",
        "{body}"
    );
}

#[tokio::test]
async fn slip_links_carry_the_code_in_the_fragment() {
    let t = with_meet().await;
    let host = t.server.addr.to_string();
    for (code, url) in make_codes(&t, 3).await {
        assert_eq!(url, format!("http://{host}/?s={MEET}#code={code}"));
        assert!(!url.contains("&code=") && !url.contains("?code="));
    }
}

#[tokio::test]
async fn guessing_meets_a_budget_but_real_codes_still_vote() {
    let t = with_meet().await;
    let codes = make_codes(&t, 5).await;
    let guess = |n: usize| {
        let fake = generate_codes(1, &[(n % 251) as u8, (n / 251) as u8, 1, 2, 3])[0].clone();
        ballot_with_hash(5000 + n, &code_hash(MEET, &fake))
    };

    // Quiet so far: no alert.
    let (status, a) = send(&t, "GET", "/codes/attempts", true, None).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (a["unknown_recent"].as_u64(), a["alert"].as_bool()),
        (Some(0), Some(false))
    );
    assert!(a.get("retry_after_seconds").is_none(), "{a}");
    let (status, _) = send(&t, "GET", "/codes/attempts", false, None).await;
    assert_eq!(status, 401);

    // Typing mistakes, within the budget: answered code_unknown as always.
    let first: Vec<Ballot> = (0..GUESS_ALLOWANCE as usize).map(guess).collect();
    let (status, retry, body) = submit(&t, &first).await;
    assert_eq!((status, retry), (422, None), "{body}");
    let (_, a) = send(&t, "GET", "/codes/attempts", true, None).await;
    assert_eq!(a["unknown_recent"].as_u64(), Some(GUESS_ALLOWANCE));
    assert_eq!(a["alert"], true, "more than {ALERT_AT} is an alert");

    // One more: 429 with Retry-After, for the whole survey, from any sender.
    let (status, retry, body) = submit(&t, &[guess(100)]).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        retry.as_deref(),
        Some(FIRST_WAIT_SECONDS.to_string().as_str())
    );
    assert_eq!(body["error"]["code"], "rate_limited");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("选票码") && message.contains("ballot code"),
        "{message}"
    );
    let (status, retry, _) = submit(&t, &[guess(101)]).await;
    assert_eq!(status, 429);
    let wait: u64 = retry.unwrap().parse().unwrap();
    assert!((1..=FIRST_WAIT_SECONDS).contains(&wait), "{wait}");

    // A voter with a real code during the flood is not kept waiting.
    let real = ballot_with_hash(1, &code_hash(MEET, &codes[0].0));
    let (status, retry, body) = submit(&t, &[real]).await;
    assert_eq!((status, retry), (200, None), "{body}");
    assert_eq!(body["results"][0]["status"], "accepted");

    // The organiser sees it.
    let (_, a) = send(&t, "GET", "/codes/attempts", true, None).await;
    assert_eq!(a["unknown_recent"].as_u64(), Some(GUESS_ALLOWANCE + 2));
    assert_eq!(a["alert"], true);
    assert!(
        a["retry_after_seconds"].as_u64().is_some_and(|s| s >= 1),
        "{a}"
    );
    assert_eq!(
        a["window_seconds"].as_u64(),
        Some(pingyi_collector::codes::WINDOW_SECONDS)
    );

    // A ballot with an unknown code inside a batch with a valid one: the valid one is stored, the
    // batch answered 429; sent again, it is a duplicate.
    let real2 = ballot_with_hash(2, &code_hash(MEET, &codes[1].0));
    let (status, _, _) = submit(&t, &[real2.clone(), guess(102)]).await;
    assert_eq!(status, 429);
    let (status, _, body) = submit(&t, &[real2]).await;
    assert_eq!(
        (status, body["results"][0]["status"].as_str()),
        (200, Some("duplicate")),
        "{body}"
    );
}

/// A database made before checks: its code hashes become checks on open, used marks kept, and
/// the old hashes are gone from the file.
#[test]
fn an_older_database_is_migrated_to_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    let hashes: Vec<String> = ["AAAA-BBBB", "CCCC-DDDD", "EEEE-FFFF"]
        .iter()
        .map(|c| code_hash("s", c))
        .collect();
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE codes (
                survey_id      TEXT NOT NULL,
                code_hash      TEXT NOT NULL,
                used_by_ballot TEXT NULL UNIQUE,
                created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (survey_id, code_hash)
            );",
        )
        .unwrap();
        for (i, h) in hashes.iter().enumerate() {
            let used = (i == 0).then_some("ballot-0");
            c.execute(
                "INSERT INTO codes (survey_id, code_hash, used_by_ballot, created_at) VALUES ('s', ?1, ?2, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![h, used],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    let codes = store.codes("s").unwrap();
    let mut want: Vec<(String, bool)> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| (code_check(h), i == 0))
        .collect();
    want.sort();
    assert_eq!(
        codes
            .iter()
            .map(|c| (c.code_check.clone(), c.used))
            .collect::<Vec<_>>(),
        want
    );
    // Opening again changes nothing.
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.codes("s").unwrap(), codes);

    // The migrated codes still claim: an unused one once, the used one never.
    let nb = |id: &str, h: &str| NewBallot {
        id: id.into(),
        survey_id: "s".into(),
        survey_version: 1,
        canonical_json: format!("{{\"id\":\"{id}\"}}"),
        content_hash: id.into(),
        code_hash: Some(h.into()),
    };
    let out = store
        .insert_ballots(&[
            nb("b1", &hashes[1]),
            nb("b2", &hashes[0]),
            nb("b3", &hashes[1]),
        ])
        .unwrap();
    assert_eq!(
        out,
        vec![
            InsertOutcome::Inserted,
            InsertOutcome::CodeUsed,
            InsertOutcome::CodeUsed
        ]
    );
    // A check sent as if it were a hash is unknown.
    let out = store
        .insert_ballots(&[nb("b4", &code_check(&hashes[2]))])
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::CodeUnknown]);
    drop(store);

    let mut bytes = Vec::new();
    for f in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(f.unwrap().path()).unwrap());
    }
    let text = String::from_utf8_lossy(&bytes);
    // hashes[1] is now in a ballot (used codes' hashes are in their ballots); the unused one is
    // nowhere in the files, not even in free pages.
    assert!(
        !text.contains(&hashes[2]),
        "an unused code's hash survived the migration"
    );
}

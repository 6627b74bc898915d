//! The kept tally: `GET …/tally` answers from the tally state that each insert keeps, equal to a
//! recount of every stored ballot, without reading any ballot; `verify-tally` compares the two;
//! a database made before tally states gets them built on open.

mod common;

use common::*;
use pingyi_collector::store::{SqliteStore, Store};
use pingyi_core::{parse_survey, Ballot, Channel, Tally};
use serde_json::Value;

async fn put_survey(t: &TestServer, body: String) {
    let resp = t
        .client
        .put(t.url(&format!(
            "/v1/surveys/{SURVEY_ID}?confirm=drop-version-count"
        )))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{:?}", resp.text().await);
}

async fn tally_of(t: &TestServer) -> (u16, Value) {
    t.admin_get(&format!("/v1/surveys/{SURVEY_ID}/tally")).await
}

fn v2_ballot(n: usize) -> Ballot {
    let mut b = ballot(n, "satisfied");
    b.survey_version = 2;
    b.answers.insert(
        "q3".into(),
        pingyi_core::Answer::Choice {
            choice: "dissatisfied".into(),
        },
    );
    b
}

/// Ballots of both versions, texts, a paper ballot (sent with the admin token) and repeats.
async fn fill(t: &TestServer) -> Vec<Ballot> {
    let mut first = ballots(0, 30);
    first[3].answers.insert(
        "q2".into(),
        pingyi_core::Answer::Text {
            text: " 路灯太少 ".into(),
        },
    );
    let (status, _) = t.submit(&batch(&first)).await;
    assert_eq!(status, 200);
    // Repeats and an upper-case copy change nothing.
    let mut again = first[..5].to_vec();
    again[0].id = again[0].id.to_uppercase();
    assert_eq!(t.submit(&batch(&again)).await.0, 200);
    let mut paper = ballot(100, "dissatisfied");
    paper.channel = Channel::Paper;
    paper.device = String::new();
    let resp = t
        .client
        .post(t.ballots_url())
        .bearer_auth(ADMIN)
        .json(&batch(&[paper.clone()]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    put_survey(t, survey_json(2, false, None)).await;
    let second: Vec<Ballot> = (200..210).map(v2_ballot).collect();
    assert_eq!(t.submit(&batch(&second)).await.0, 200);
    let mut all = first;
    all.push(paper);
    all.extend(second);
    all
}

#[tokio::test]
async fn the_kept_tally_equals_a_recount_and_reads_no_ballot() {
    let t = serve(Opts::default()).await;
    let all = fill(&t).await;
    let v2 = parse_survey(&survey_json(2, false, None)).unwrap();
    let expected = pingyi_core::tally::tally_with_paper(&v2, &all, &[]);
    assert_eq!(expected.participation.other_versions.len(), 1);

    let (status, body) = tally_of(&t).await;
    assert_eq!(status, 200, "{body}");
    let kept: Tally = serde_json::from_value(body).unwrap();
    assert_eq!(kept, expected);

    let db = t.dir.path().join("test.sqlite");
    let check = pingyi_collector::tools::verify_tally(&db, SURVEY_ID).unwrap();
    assert!(check.equal, "{check}");
    assert!(check.to_string().contains("一致") && check.to_string().contains("equal"));

    // Spoil every stored ballot: a recount now fails, the kept tally does not read them.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE ballots SET canonical_json = 'not a ballot'", [])
        .unwrap();
    drop(conn);
    let (status, body) = tally_of(&t).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_value::<Tally>(body).unwrap(), expected);
    let csv = t
        .client
        .get(t.url(&format!("/v1/surveys/{SURVEY_ID}/tally?format=csv")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(pingyi_collector::tools::verify_tally(&db, SURVEY_ID).is_err());
}

#[tokio::test]
async fn verify_tally_reports_a_kept_tally_that_differs() {
    let t = serve(Opts::default()).await;
    fill(&t).await;
    let db = t.dir.path().join("test.sqlite");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let state: String = conn
        .query_row(
            "SELECT state FROM tally_state WHERE survey_version = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut v: Value = serde_json::from_str(&state).unwrap();
    v["b"][0] = Value::from(v["b"][0].as_u64().unwrap() + 1);
    conn.execute(
        "UPDATE tally_state SET state = ?1 WHERE survey_version = 1",
        [v.to_string()],
    )
    .unwrap();
    drop(conn);
    let check = pingyi_collector::tools::verify_tally(&db, SURVEY_ID).unwrap();
    assert!(!check.equal);
    assert!(check.to_string().contains("不一致") && check.to_string().contains("unequal"));
}

#[tokio::test]
async fn a_database_without_tally_states_gets_them_on_open() {
    let t = serve(Opts::default()).await;
    let all = fill(&t).await;
    let db = t.dir.path().join("test.sqlite");
    let expected = {
        let (_, body) = tally_of(&t).await;
        serde_json::from_value::<Tally>(body).unwrap()
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DELETE FROM tally_state; DELETE FROM tally_texts; PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(&db).unwrap();
    let v1 = store.tally_state(SURVEY_ID, 1).unwrap().unwrap();
    assert_eq!(
        v1.counted(),
        all.iter().filter(|b| b.survey_version == 1).count() as u64
    );
    assert_eq!(v1.questions[1].texts[0], vec!["路灯太少".to_string()]);
    drop(store);
    let check = pingyi_collector::tools::verify_tally(&db, SURVEY_ID).unwrap();
    assert!(check.equal, "{check}");
    assert_eq!(check.ballots, expected.participation.ballots);
}

//! The kept tally: `GET …/tally` answers from the tally state that each insert keeps, equal to a
//! recount of every stored ballot, without reading any ballot; `verify-tally` compares the two;
//! a database made before tally states gets them built on open (SQLite) or in the migration that
//! adds them (PostgreSQL). The server tests run on the suite's backend; the last test needs
//! PostgreSQL whatever the backend (see `common`).

mod common;

use common::*;
use pingyi_collector::store::{Database, NewBallot, PostgresStore, Store, StoredSurvey};
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

    let db = t.db.clone();
    let check = pingyi_collector::tools::verify_tally(&db, SURVEY_ID).unwrap();
    assert!(check.equal, "{check}");
    assert!(check.to_string().contains("一致") && check.to_string().contains("equal"));

    // Spoil every stored ballot: a recount now fails, the kept tally does not read them.
    execute_sql(&t, "UPDATE ballots SET canonical_json = 'not a ballot'");
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
    let db = t.db.clone();
    let state = stored_strings(&t, "SELECT state FROM tally_state WHERE survey_version = 1");
    let mut v: Value = serde_json::from_str(&state[0]).unwrap();
    v["b"][0] = Value::from(v["b"][0].as_u64().unwrap() + 1);
    execute_sql(
        &t,
        &format!(
            "UPDATE tally_state SET state = '{}' WHERE survey_version = 1",
            v.to_string().replace('\'', "''")
        ),
    );
    let check = pingyi_collector::tools::verify_tally(&db, SURVEY_ID).unwrap();
    assert!(!check.equal);
    assert!(check.to_string().contains("不一致") && check.to_string().contains("unequal"));
}

#[tokio::test]
async fn a_database_without_tally_states_gets_them_on_open() {
    let t = serve(Opts::default()).await;
    let all = fill(&t).await;
    let db = t.db.clone();
    let expected = {
        let (_, body) = tally_of(&t).await;
        serde_json::from_value::<Tally>(body).unwrap()
    };
    // Back to the schema before kept tallies: SQLite's user_version 2, PostgreSQL's migration 1.
    execute_sql(
        &t,
        if on_postgres() {
            "DROP TABLE tally_state, tally_texts; DELETE FROM schema_migrations WHERE version = 2;"
        } else {
            "DELETE FROM tally_state; DELETE FROM tally_texts; PRAGMA user_version = 2;"
        },
    );
    let store = tokio::task::spawn_blocking(move || Database::parse(&db).open().unwrap())
        .await
        .unwrap();
    let db = t.db.clone();
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

fn stored(survey: &str) -> StoredSurvey {
    StoredSurvey {
        survey_id: SURVEY_ID.into(),
        version: parse_survey(survey).unwrap().version,
        json: survey.to_string(),
        content_hash: format!("hash-{}", survey.len()),
    }
}

fn new_ballot(b: &Ballot) -> NewBallot {
    NewBallot {
        id: b.id.clone(),
        survey_id: b.survey_id.clone(),
        survey_version: b.survey_version,
        canonical_json: serde_json::to_string(b).unwrap(),
        content_hash: format!("c-{}", b.id),
        code_hash: None,
    }
}

/// A PostgreSQL database that has ballots and only migration 1 gets every state built by the
/// migration that adds them, equal to the states kept while inserting.
#[test]
fn a_postgres_database_of_schema_1_gets_its_tally_states_in_the_migration() {
    let Some(server) = postgres_server("a_postgres_database_of_schema_1") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(fresh_postgres(&server));
    let store = PostgresStore::open(&url).unwrap();
    store
        .publish_survey(&stored(&survey_json(1, false, None)))
        .unwrap();
    let mut first = ballots(0, 30);
    first[3].answers.insert(
        "q2".into(),
        pingyi_core::Answer::Text {
            text: "路灯太少".into(),
        },
    );
    first[4].channel = Channel::Paper;
    let batch: Vec<NewBallot> = first.iter().map(new_ballot).collect();
    // Overlapping batches: the repeated ballots count once.
    store.insert_ballots(&batch[..20]).unwrap();
    store.insert_ballots(&batch[15..]).unwrap();
    store
        .publish_survey(&stored(&survey_json(2, false, None)))
        .unwrap();
    let second: Vec<Ballot> = (200..210).map(v2_ballot).collect();
    store
        .insert_ballots(&second.iter().map(new_ballot).collect::<Vec<_>>())
        .unwrap();
    let kept = (
        store.tally_state(SURVEY_ID, 1).unwrap().unwrap(),
        store.tally_state(SURVEY_ID, 2).unwrap().unwrap(),
        store.tally_versions(SURVEY_ID).unwrap(),
    );
    assert_eq!(kept.0.counted(), 30);
    assert_eq!(kept.0.questions[1].texts[0], vec!["路灯太少".to_string()]);
    assert_eq!(kept.2.len(), 2);
    assert!(kept.2[0].any_paper && !kept.2[1].any_paper);
    assert_eq!((kept.2[0].ballots, kept.2[1].ballots), (30, 10));
    drop(store);

    let sql =
        "DROP TABLE tally_state, tally_texts; DELETE FROM schema_migrations WHERE version = 2;";
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
    });
    let store = PostgresStore::open(&url).unwrap();
    let built = (
        store.tally_state(SURVEY_ID, 1).unwrap().unwrap(),
        store.tally_state(SURVEY_ID, 2).unwrap().unwrap(),
        store.tally_versions(SURVEY_ID).unwrap(),
    );
    assert_eq!(built, kept);
    drop(store);
    let check =
        pingyi_collector::tools::verify_tally(std::path::Path::new(&url), SURVEY_ID).unwrap();
    assert!(check.equal, "{check}");
    assert_eq!(check.ballots, 10, "the latest version's ballots");
}

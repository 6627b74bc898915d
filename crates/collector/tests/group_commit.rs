//! Group commit: concurrent requests share transactions, and each still gets exactly its own
//! outcomes, including a closed survey's refusal and a ballot sent twice at once.

mod common;

use std::sync::{Arc, Barrier};

use common::*;
use pingyi_collector::group_commit::GroupCommit;
use pingyi_collector::store::{
    InsertOutcome, NewBallot, SqliteStore, Store, StoreError, StoredSurvey,
};

fn stored_survey(id: &str) -> StoredSurvey {
    StoredSurvey {
        survey_id: id.into(),
        version: 1,
        json: survey_json(1, false, None).replace("\"village\"", &format!("{id:?}")),
        content_hash: format!("hash-{id}"),
    }
}

fn new_ballot(survey_id: &str, n: usize) -> NewBallot {
    let mut b = ballot(n, "satisfied");
    b.survey_id = survey_id.into();
    NewBallot {
        id: b.id.clone(),
        survey_id: survey_id.into(),
        survey_version: 1,
        canonical_json: serde_json::to_string(&b).unwrap(),
        content_hash: format!("c{n}"),
        code_hash: None,
    }
}

#[test]
fn concurrent_requests_share_transactions_and_keep_their_own_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    // The suite's backend: a SQLite file, or a fresh PostgreSQL schema on a PostgreSQL run.
    let store = test_store(dir.path(), "g.sqlite");
    store.publish_survey(&stored_survey("open")).unwrap();
    store.publish_survey(&stored_survey("shut")).unwrap();
    store.close("shut", "2026-11-27T21:00:00.000Z").unwrap();
    let group = Arc::new(GroupCommit::default());

    // 60 requests at once: 50 single ballots, 5 for a closed survey, and the same ballot sent
    // by 5 requests.
    const N: usize = 60;
    let barrier = Arc::new(Barrier::new(N));
    let threads: Vec<_> = (0..N)
        .map(|i| {
            let (store, group, barrier) = (store.clone(), group.clone(), barrier.clone());
            std::thread::spawn(move || {
                let ballots = match i {
                    0..50 => vec![new_ballot("open", i)],
                    50..55 => vec![new_ballot("shut", i)],
                    _ => vec![new_ballot("open", 999), new_ballot("open", 1000 + i)],
                };
                barrier.wait();
                (i, group.insert(&*store, ballots))
            })
        })
        .collect();
    let mut firsts_of_the_same = 0;
    for t in threads {
        let (i, out) = t.join().unwrap();
        match i {
            0..50 => assert_eq!(out.unwrap(), vec![InsertOutcome::Inserted], "request {i}"),
            50..55 => assert!(
                matches!(out, Err(StoreError::Closed)),
                "request {i}: {out:?}"
            ),
            _ => {
                let out = out.unwrap();
                assert_eq!(out[1], InsertOutcome::Inserted, "request {i}");
                match out[0] {
                    InsertOutcome::Inserted => firsts_of_the_same += 1,
                    InsertOutcome::Duplicate => {}
                    other => panic!("request {i}: {other:?}"),
                }
            }
        }
    }
    assert_eq!(
        firsts_of_the_same, 1,
        "the ballot sent five times is stored once"
    );
    assert_eq!(store.count_ballots("open", None).unwrap(), 50 + 1 + 5);
    assert_eq!(store.count_ballots("shut", None).unwrap(), 0);
    assert_eq!(store.tally_state("open", 1).unwrap().unwrap().counted(), 56);
    let (commits, requests) = group.counts();
    assert_eq!(requests, N as u64);
    assert!(
        commits < N as u64,
        "{commits} transactions for {N} requests"
    );
}

/// Requests that keep arriving while the writer commits: the writer's place passes from one
/// request to the next, every request is answered with its own outcome and each ballot is stored
/// once.
#[test]
fn the_writer_hands_over_to_requests_queued_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("h.sqlite")).unwrap());
    store.publish_survey(&stored_survey("open")).unwrap();
    let group = Arc::new(GroupCommit::default());
    const THREADS: usize = 40;
    const EACH: usize = 10;
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (store, group) = (store.clone(), group.clone());
            std::thread::spawn(move || {
                for k in 0..EACH {
                    let n = t * EACH + k;
                    let out = group.insert(&*store, vec![new_ballot("open", n)]);
                    assert_eq!(out.unwrap(), vec![InsertOutcome::Inserted], "ballot {n}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = (THREADS * EACH) as u64;
    assert_eq!(store.count_ballots("open", None).unwrap(), total);
    assert_eq!(
        store.tally_state("open", 1).unwrap().unwrap().counted(),
        total
    );
    let (commits, requests) = group.counts();
    assert_eq!(requests, total);
    assert!(commits <= total, "{commits} transactions");
}

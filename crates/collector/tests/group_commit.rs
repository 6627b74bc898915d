//! Group commit: concurrent requests share transactions, and each still gets exactly its own
//! outcomes, including a closed survey's refusal and a ballot sent twice at once.

mod common;

use std::sync::Arc;

use common::*;
use pingyi_collector::group_commit::GroupCommit;
use pingyi_collector::store::{
    FrozenTally, InsertOutcome, MeetingState, NewBallot, PublishOutcome, SqliteStore, Store,
    StoreError, StoredBallot, StoredCode, StoredSurvey, VersionTally,
};
use pingyi_core::tally::TallyState;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_transactions_and_keep_their_own_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    // The suite's backend: a SQLite file, or a fresh PostgreSQL schema on a PostgreSQL run.
    let store = {
        let dir = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || test_store(&dir, "g.sqlite"))
            .await
            .unwrap()
    };
    {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            store.publish_survey(&stored_survey("open")).unwrap();
            store.publish_survey(&stored_survey("shut")).unwrap();
            store.close("shut", "2026-11-27T21:00:00.000Z").unwrap();
        })
        .await
        .unwrap();
    }
    let group = Arc::new(GroupCommit::default());

    // 60 requests at once: 50 single ballots, 5 for a closed survey, and the same ballot sent
    // by 5 requests.
    const N: usize = 60;
    let barrier = Arc::new(tokio::sync::Barrier::new(N));
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (store, group, barrier) = (store.clone(), group.clone(), barrier.clone());
            tokio::spawn(async move {
                let ballots = match i {
                    0..50 => vec![new_ballot("open", i)],
                    50..55 => vec![new_ballot("shut", i)],
                    _ => vec![new_ballot("open", 999), new_ballot("open", 1000 + i)],
                };
                barrier.wait().await;
                (i, group.insert(store, ballots).await)
            })
        })
        .collect();
    let mut firsts_of_the_same = 0;
    for t in tasks {
        let (i, out) = t.await.unwrap();
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

/// Requests that keep arriving while the writer commits: the writer goes on with the requests
/// queued meanwhile, every request is answered with its own outcome and each ballot is stored
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_goes_on_with_requests_queued_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("h.sqlite")).unwrap());
    store.publish_survey(&stored_survey("open")).unwrap();
    let group = Arc::new(GroupCommit::default());
    const TASKS: usize = 40;
    const EACH: usize = 10;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (store, group) = (store.clone(), group.clone());
            tokio::spawn(async move {
                for k in 0..EACH {
                    let n = t * EACH + k;
                    let out = group
                        .insert(store.clone(), vec![new_ballot("open", n)])
                        .await;
                    assert_eq!(out.unwrap(), vec![InsertOutcome::Inserted], "ballot {n}");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let total = (TASKS * EACH) as u64;
    assert_eq!(store.count_ballots("open", None).unwrap(), total);
    assert_eq!(
        store.tally_state("open", 1).unwrap().unwrap().counted(),
        total
    );
    let (commits, requests) = group.counts();
    assert_eq!(requests, total);
    assert!(
        commits < total,
        "{commits} transactions for {total} requests"
    );
}

/// A store that panics while committing: the requests of that group get an error, and the
/// writer goes on, so that later requests are still stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_panics_answers_its_requests_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let inner: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("p.sqlite")).unwrap());
    inner.publish_survey(&stored_survey("open")).unwrap();
    let store = Arc::new(Panicky {
        inner: inner.clone(),
        panics_left: 1.into(),
    });
    let group = Arc::new(GroupCommit::default());
    let first = group
        .insert(store.clone(), vec![new_ballot("open", 1)])
        .await;
    assert!(
        matches!(&first, Err(StoreError::Database(m)) if m.contains("writer failed")),
        "{first:?}"
    );
    let second = group.insert(store, vec![new_ballot("open", 2)]).await;
    assert_eq!(second.unwrap(), vec![InsertOutcome::Inserted]);
    assert_eq!(inner.count_ballots("open", None).unwrap(), 1);
}

/// A store whose first inserts panic (as many as `panics_left`); everything else is `inner`'s.
struct Panicky {
    inner: Arc<dyn Store>,
    panics_left: std::sync::atomic::AtomicUsize,
}

impl Store for Panicky {
    fn insert_ballots(&self, ballots: &[NewBallot]) -> Result<Vec<InsertOutcome>, StoreError> {
        use std::sync::atomic::Ordering;
        let left = self
            .panics_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if left.is_ok() {
            panic!("a store that fails while committing (expected by this test)");
        }
        self.inner.insert_ballots(ballots)
    }
    fn publish_survey(&self, s: &StoredSurvey) -> Result<PublishOutcome, StoreError> {
        self.inner.publish_survey(s)
    }
    fn latest_survey(&self, id: &str) -> Result<Option<StoredSurvey>, StoreError> {
        self.inner.latest_survey(id)
    }
    fn survey_version(&self, id: &str, v: u32) -> Result<Option<StoredSurvey>, StoreError> {
        self.inner.survey_version(id, v)
    }
    fn ballots_page(
        &self,
        id: &str,
        v: Option<u32>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError> {
        self.inner.ballots_page(id, v, after, limit)
    }
    fn ballot_versions(&self, id: &str) -> Result<Vec<(u32, u64)>, StoreError> {
        self.inner.ballot_versions(id)
    }
    fn ballots_page_by_id(
        &self,
        id: &str,
        v: Option<u32>,
        after_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError> {
        self.inner.ballots_page_by_id(id, v, after_id, limit)
    }
    fn count_ballots(&self, id: &str, v: Option<u32>) -> Result<u64, StoreError> {
        self.inner.count_ballots(id, v)
    }
    fn add_codes(&self, id: &str, checks: &[String]) -> Result<Vec<bool>, StoreError> {
        self.inner.add_codes(id, checks)
    }
    fn codes(&self, id: &str) -> Result<Vec<StoredCode>, StoreError> {
        self.inner.codes(id)
    }
    fn used_code_hashes(&self, id: &str) -> Result<Vec<String>, StoreError> {
        self.inner.used_code_hashes(id)
    }
    fn tally_state(&self, id: &str, v: u32) -> Result<Option<TallyState>, StoreError> {
        self.inner.tally_state(id, v)
    }
    fn tally_versions(&self, id: &str) -> Result<Vec<VersionTally>, StoreError> {
        self.inner.tally_versions(id)
    }
    fn meeting_state(&self, id: &str) -> Result<MeetingState, StoreError> {
        self.inner.meeting_state(id)
    }
    fn set_revealed(&self, id: &str, revealed: bool) -> Result<(), StoreError> {
        self.inner.set_revealed(id, revealed)
    }
    fn close(&self, id: &str, at: &str) -> Result<(), StoreError> {
        self.inner.close(id, at)
    }
    fn freeze(&self, id: &str, frozen: &FrozenTally) -> Result<FrozenTally, StoreError> {
        self.inner.freeze(id, frozen)
    }
    fn paper_totals(&self, id: &str) -> Result<Option<(u32, String)>, StoreError> {
        self.inner.paper_totals(id)
    }
    fn set_paper_totals(&self, id: &str, v: u32, json: &str) -> Result<(), StoreError> {
        self.inner.set_paper_totals(id, v, json)
    }
}

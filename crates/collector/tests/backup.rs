//! `pingyi-collector backup`: a consistent copy of the database taken while ballots keep
//! arriving, which opens as a collector database with every ballot, code claim, frozen tally and
//! tally state of the moment it was taken.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use pingyi_collector::store::{
    FrozenTally, InsertOutcome, NewBallot, SqliteStore, Store, StoredSurvey,
};
use pingyi_core::codes::{code_check, code_hash};

fn stored_survey(id: &str) -> StoredSurvey {
    let json = survey_json(1, false, None).replace("\"village\"", &format!("{id:?}"));
    StoredSurvey {
        survey_id: id.into(),
        version: 1,
        json,
        content_hash: format!("hash-{id}"),
    }
}

fn new_ballot(survey_id: &str, n: usize, code: Option<String>) -> NewBallot {
    let mut b = ballot(n, "satisfied");
    b.survey_id = survey_id.into();
    b.code_hash = code.clone();
    NewBallot {
        id: b.id.clone(),
        survey_id: survey_id.into(),
        survey_version: 1,
        canonical_json: serde_json::to_string(&b).unwrap(),
        content_hash: format!("c{n}"),
        code_hash: code,
    }
}

#[test]
fn a_backup_taken_while_ballots_arrive_restores_everything_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.sqlite");
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    store.publish_survey(&stored_survey("closed-one")).unwrap();
    store.publish_survey(&stored_survey("busy")).unwrap();

    // A closed survey: ballots, one claimed code, one unused, the frozen tally.
    let hashes: Vec<String> = ["AAAA-BBBB", "CCCC-DDDD"]
        .iter()
        .map(|c| code_hash("closed-one", c))
        .collect();
    let checks: Vec<String> = hashes.iter().map(|h| code_check(h)).collect();
    store.add_codes("closed-one", &checks).unwrap();
    let mut first: Vec<NewBallot> = (0..50).map(|i| new_ballot("closed-one", i, None)).collect();
    first.push(new_ballot("closed-one", 50, Some(hashes[0].clone())));
    assert!(store
        .insert_ballots(&first)
        .unwrap()
        .iter()
        .all(|o| *o == InsertOutcome::Inserted));
    store
        .close("closed-one", "2026-11-27T21:00:00.000Z")
        .unwrap();
    let frozen = store
        .freeze(
            "closed-one",
            &FrozenTally {
                survey_version: 1,
                report_json: "{\"report\":1}".into(),
                content_hash: "frozen-hash".into(),
            },
        )
        .unwrap();

    // Another survey keeps taking ballots during the copy.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 1000;
            while !stop.load(Ordering::Relaxed) {
                let batch: Vec<NewBallot> =
                    (n..n + 20).map(|i| new_ballot("busy", i, None)).collect();
                store.insert_ballots(&batch).unwrap();
                n += 20;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    let out = dir.path().join("copy.sqlite");
    pingyi_collector::tools::backup(&db, &out).unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 1000, "ballots arrived during the copy");

    // A second backup to the same file is refused; nothing is overwritten.
    assert!(pingyi_collector::tools::backup(&db, &out)
        .unwrap_err()
        .contains("already exists"));

    let copy = SqliteStore::open(&out).unwrap();
    assert_eq!(copy.count_ballots("closed-one", None).unwrap(), 51);
    let codes = copy.codes("closed-one").unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(
        codes
            .iter()
            .filter(|c| c.used)
            .map(|c| &c.code_check)
            .collect::<Vec<_>>(),
        vec![&checks[0]]
    );
    let meeting = copy.meeting_state("closed-one").unwrap();
    assert_eq!(meeting.final_tally, Some(frozen));
    assert!(meeting.closed_at.is_some());
    // The busy survey's copy is one moment: its tally state counts exactly its ballots.
    let busy = copy.count_ballots("busy", None).unwrap();
    assert!(busy > 0);
    assert_eq!(
        copy.tally_state("busy", 1).unwrap().unwrap().counted(),
        busy
    );
    assert_eq!(
        copy.tally_state("closed-one", 1)
            .unwrap()
            .unwrap()
            .counted(),
        51
    );
}

/// `backup` copies SQLite files: given a PostgreSQL URL it says to use pg_dump, without showing
/// the password, and writes nothing.
#[test]
fn backup_of_a_postgres_database_points_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.sqlite");
    let err = pingyi_collector::tools::backup(
        std::path::Path::new("postgres://pingyi:s3cret@db.internal/pingyi"),
        &out,
    )
    .unwrap_err();
    assert!(err.contains("pg_dump"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert!(!out.exists());
}

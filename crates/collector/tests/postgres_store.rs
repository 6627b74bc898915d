//! The PostgreSQL store keeps the [`Store`] contract that SQLite keeps, also with two store
//! instances (two collectors) on one database racing for the same ballots and codes.
//!
//! Needs `PINGYI_TEST_POSTGRES` (see `common`); each test works in a fresh schema.

mod common;

use std::sync::{Arc, Barrier};

use pingyi_collector::store::{
    FrozenTally, InsertOutcome, NewBallot, PostgresStore, PublishOutcome, SqliteStore, Store,
    StoreError, StoredSurvey, VersionTally,
};
use pingyi_core::codes::code_check;

fn ballot(id: &str, hash: &str) -> NewBallot {
    NewBallot {
        id: id.into(),
        survey_id: "s".into(),
        survey_version: 1,
        canonical_json: format!("{{\"id\":\"{id}\",\"h\":\"{hash}\"}}"),
        content_hash: hash.into(),
        code_hash: None,
    }
}

/// A survey version that parses (its ballots are counted into the kept tally); not anonymous.
fn survey(version: u32, hash: &str) -> StoredSurvey {
    let mut json: serde_json::Value =
        serde_json::from_str(&common::survey_json(version, false, None)).unwrap();
    json["id"] = "s".into();
    json["anonymous"] = false.into();
    StoredSurvey {
        survey_id: "s".into(),
        version,
        json: json.to_string(),
        content_hash: hash.into(),
    }
}

/// A ballot of survey `s` version 1 that reads as a ballot (a published version's ballots are
/// counted).
fn real_ballot(id: &str, hash: &str) -> NewBallot {
    let mut b = common::ballot(0, "satisfied");
    b.id = id.into();
    b.survey_id = "s".into();
    NewBallot {
        canonical_json: serde_json::to_string(&b).unwrap(),
        ..ballot(id, hash)
    }
}

/// A fresh schema's URL, or `None` (skipped) without a test server.
fn fresh(test: &str) -> Option<String> {
    let server = common::postgres_server(test)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Some(rt.block_on(common::fresh_postgres(&server)))
}

/// Both backends, so every contract check runs on each: SQLite always, PostgreSQL when there.
fn stores(test: &str) -> Vec<(&'static str, Box<dyn Store>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out: Vec<(&'static str, Box<dyn Store>, tempfile::TempDir)> = vec![(
        "sqlite",
        Box::new(SqliteStore::open(&dir.path().join("t.sqlite")).unwrap()),
        dir,
    )];
    if let Some(url) = fresh(test) {
        out.push((
            "postgres",
            Box::new(PostgresStore::open(&url).unwrap()),
            tempfile::tempdir().unwrap(),
        ));
    }
    out
}

#[test]
fn inserts_are_idempotent_and_never_overwrite_on_both_backends() {
    for (name, store, _dir) in stores("inserts_are_idempotent") {
        let out = store
            .insert_ballots(&[ballot("a", "1"), ballot("b", "2"), ballot("a", "1")])
            .unwrap();
        assert_eq!(
            out,
            vec![
                InsertOutcome::Inserted,
                InsertOutcome::Inserted,
                InsertOutcome::Duplicate
            ],
            "{name}"
        );
        let out = store
            .insert_ballots(&[ballot("a", "9"), ballot("c", "3")])
            .unwrap();
        assert_eq!(
            out,
            vec![InsertOutcome::Conflict, InsertOutcome::Inserted],
            "{name}"
        );
        assert_eq!(store.count_ballots("s", None).unwrap(), 3, "{name}");
        assert_eq!(store.count_ballots("s", Some(2)).unwrap(), 0, "{name}");
        let page = store.ballots_page("s", Some(1), 0, 10).unwrap();
        assert_eq!(page.len(), 3, "{name}");
        assert!(page[0].canonical_json.contains("\"h\":\"1\""), "{name}");
        let next = store.ballots_page("s", None, page[1].seq, 10).unwrap();
        assert_eq!(next.len(), 1, "{name}");
        let by_id: Vec<String> = store
            .ballots_page_by_id("s", None, "a", 10)
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(by_id, ["b", "c"], "{name}");
        assert_eq!(store.ballot_versions("s").unwrap(), vec![(1, 3)], "{name}");
    }
}

#[test]
fn publishing_rules_on_both_backends() {
    for (name, store, _dir) in stores("publishing_rules") {
        assert_eq!(
            store.publish_survey(&survey(2, "x")).unwrap(),
            PublishOutcome::Created,
            "{name}"
        );
        assert_eq!(
            store.publish_survey(&survey(2, "x")).unwrap(),
            PublishOutcome::Unchanged
        );
        assert!(matches!(
            store.publish_survey(&survey(2, "y")),
            Err(StoreError::VersionClash { version: 2 })
        ));
        assert!(matches!(
            store.publish_survey(&survey(1, "x")),
            Err(StoreError::VersionBackwards { latest: 2 })
        ));
        assert_eq!(
            store.publish_survey(&survey(3, "z")).unwrap(),
            PublishOutcome::Created
        );
        assert_eq!(store.latest_survey("s").unwrap().unwrap().version, 3);
        assert_eq!(
            store.survey_version("s", 2).unwrap().unwrap().content_hash,
            "x"
        );
        assert!(store.latest_survey("other").unwrap().is_none());
    }
}

#[test]
fn a_closed_survey_refuses_every_write_and_freezes_once_on_both_backends() {
    for (name, store, _dir) in stores("a_closed_survey_refuses") {
        store.publish_survey(&survey(1, "x")).unwrap();
        store.insert_ballots(&[real_ballot("a", "1")]).unwrap();
        store.set_paper_totals("s", 1, "{\"paper\":1}").expect(name);
        assert!(store.meeting_state("s").unwrap().closed_at.is_none());
        store.set_revealed("s", true).unwrap();
        store.close("s", "2026-11-30T10:00:00.000Z").unwrap();
        store.close("s", "2026-11-30T11:00:00.000Z").unwrap();
        let state = store.meeting_state("s").unwrap();
        assert_eq!(state.closed_at.as_deref(), Some("2026-11-30T10:00:00.000Z"));
        assert!(state.revealed, "{name}");
        assert!(matches!(
            store.insert_ballots(&[ballot("b", "2")]),
            Err(StoreError::Closed)
        ));
        assert!(matches!(
            store.add_codes("s", &["c".into()]),
            Err(StoreError::Closed)
        ));
        assert!(matches!(
            store.set_paper_totals("s", 1, "{}"),
            Err(StoreError::Closed)
        ));
        assert!(matches!(
            store.publish_survey(&survey(2, "y")),
            Err(StoreError::Closed)
        ));
        assert_eq!(
            store.publish_survey(&survey(1, "x")).unwrap(),
            PublishOutcome::Unchanged
        );
        assert_eq!(store.count_ballots("s", None).unwrap(), 1, "{name}");
        let first = FrozenTally {
            survey_version: 1,
            report_json: "{\"n\":1}".into(),
            content_hash: "h1".into(),
        };
        let second = FrozenTally {
            report_json: "{\"n\":2}".into(),
            content_hash: "h2".into(),
            ..first.clone()
        };
        assert_eq!(store.freeze("s", &first).unwrap(), first);
        assert_eq!(store.freeze("s", &second).unwrap(), first, "{name}");
        assert_eq!(store.meeting_state("s").unwrap().final_tally, Some(first));
        assert_eq!(
            store.paper_totals("s").unwrap(),
            Some((1, "{\"paper\":1}".to_string()))
        );
        assert!(matches!(
            store.freeze("open-one", &second),
            Err(StoreError::Database(_))
        ));
    }
}

#[test]
fn codes_are_claimed_by_the_first_ballot_only_on_both_backends() {
    for (name, store, _dir) in stores("codes_are_claimed") {
        let hash = "a".repeat(64);
        let other = "b".repeat(64);
        assert_eq!(
            store
                .add_codes("s", &[code_check(&hash), code_check(&hash)])
                .unwrap(),
            vec![true, false],
            "{name}"
        );
        let with_code = |id: &str, h: &str| NewBallot {
            code_hash: Some(h.to_string()),
            ..ballot(id, id)
        };
        let out = store
            .insert_ballots(&[
                with_code("a", &hash),
                with_code("a", &hash),
                with_code("b", &hash),
                with_code("c", &other),
            ])
            .unwrap();
        assert_eq!(
            out,
            vec![
                InsertOutcome::Inserted,
                InsertOutcome::Duplicate,
                InsertOutcome::CodeUsed,
                InsertOutcome::CodeUnknown
            ],
            "{name}"
        );
        let codes = store.codes("s").unwrap();
        assert_eq!(codes.len(), 1);
        assert!(codes[0].used, "{name}");
        assert_eq!(store.used_code_hashes("s").unwrap(), vec![hash.clone()]);
    }
}

/// The kept tally on both backends: each inserted ballot is counted once, whether its batch has
/// codes or not; repeats, conflicts and refused codes change nothing; a version that is not
/// published has no state.
#[test]
fn the_kept_tally_counts_each_stored_ballot_once_on_both_backends() {
    for (name, store, _dir) in stores("the_kept_tally") {
        store.publish_survey(&survey(1, "x")).unwrap();
        assert_eq!(store.tally_state("s", 1).unwrap().unwrap().counted(), 0);
        assert!(store.tally_state("s", 2).unwrap().is_none(), "{name}");
        assert!(store.tally_versions("s").unwrap().is_empty());
        let codes: Vec<String> = (0..2).map(|i| format!("{i:064x}")).collect();
        let checks: Vec<String> = codes.iter().map(|c| code_check(c)).collect();
        store.add_codes("s", &checks).unwrap();
        store
            .insert_ballots(&[
                real_ballot("a", "1"),
                real_ballot("b", "2"),
                real_ballot("a", "1"),
            ])
            .unwrap();
        store
            .insert_ballots(&[real_ballot("a", "9"), real_ballot("c", "3")])
            .unwrap();
        let coded = |id: &str, code: &str| NewBallot {
            code_hash: Some(code.to_string()),
            ..real_ballot(id, id)
        };
        let out = store
            .insert_ballots(&[
                coded("d", &codes[0]),
                coded("e", &codes[0]),
                coded("f", &"f".repeat(64)),
                real_ballot("b", "2"),
            ])
            .unwrap();
        assert_eq!(
            out,
            vec![
                InsertOutcome::Inserted,
                InsertOutcome::CodeUsed,
                InsertOutcome::CodeUnknown,
                InsertOutcome::Duplicate
            ],
            "{name}"
        );
        assert_eq!(
            store.tally_state("s", 1).unwrap().unwrap().counted(),
            4,
            "{name}"
        );
        assert_eq!(
            store.tally_versions("s").unwrap(),
            vec![VersionTally {
                version: 1,
                ballots: 4,
                any_paper: false
            }],
            "{name}"
        );
    }
}

/// Two stores (two collectors) on one database, many threads at once: each ballot is stored
/// once, each code claimed by one ballot, and a close stops both.
#[test]
fn two_instances_racing_store_each_ballot_once_and_each_code_once() {
    let Some(url) = fresh("two_instances_racing") else {
        return;
    };
    let a: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
    let b: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
    a.publish_survey(&survey(1, "x")).unwrap();
    let codes: Vec<String> = (0..20).map(|i| format!("{i:064x}")).collect();
    let checks: Vec<String> = codes.iter().map(|c| code_check(c)).collect();
    a.add_codes("s", &checks).unwrap();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            let barrier = barrier.clone();
            let codes = codes.clone();
            std::thread::spawn(move || {
                // The same 100 ballots from every thread, plus 20 of its own, plus every code
                // tried by a ballot of its own.
                let mut batch: Vec<NewBallot> = (0..100)
                    .map(|i| real_ballot(&format!("shared-{i:03}"), "same"))
                    .collect();
                batch.extend((0..20).map(|i| real_ballot(&format!("own-{t}-{i:02}"), "own")));
                batch.extend(codes.iter().enumerate().map(|(i, c)| NewBallot {
                    code_hash: Some(c.clone()),
                    ..real_ballot(&format!("code-{t}-{i:02}"), "code")
                }));
                barrier.wait();
                let mut outcomes = Vec::new();
                for chunk in batch.chunks(30) {
                    outcomes.extend(store.insert_ballots(chunk).unwrap());
                }
                outcomes
            })
        })
        .collect();
    let outcomes: Vec<InsertOutcome> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let inserted = outcomes
        .iter()
        .filter(|o| **o == InsertOutcome::Inserted)
        .count();
    let used = outcomes
        .iter()
        .filter(|o| **o == InsertOutcome::CodeUsed)
        .count();
    assert_eq!(inserted, 100 + threads * 20 + 20);
    assert_eq!(used, (threads - 1) * 20);
    assert_eq!(
        a.count_ballots("s", None).unwrap(),
        (100 + threads * 20 + 20) as u64
    );
    assert_eq!(b.used_code_hashes("s").unwrap().len(), 20);
    // The kept tally, updated by both instances, counts each stored ballot once.
    assert_eq!(
        b.tally_state("s", 1).unwrap().unwrap().counted(),
        (100 + threads * 20 + 20) as u64
    );
    assert!(b.codes("s").unwrap().iter().all(|c| c.used));

    // Close on one instance: the other refuses at once.
    a.close("s", "2026-11-30T10:00:00.000Z").unwrap();
    assert!(matches!(
        b.insert_ballots(&[ballot("late", "x")]),
        Err(StoreError::Closed)
    ));
}

/// Opening a database that a newer collector migrated is refused with a clear message, and
/// opening one that is current applies nothing twice.
#[test]
fn migrations_are_recorded_and_a_newer_schema_is_refused() {
    let Some(url) = fresh("migrations_are_recorded") else {
        return;
    };
    drop(PostgresStore::open(&url).unwrap());
    drop(PostgresStore::open(&url).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let n: i64 = client
            .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            n,
            pingyi_collector::store::postgres::MIGRATIONS.len() as i64
        );
        client
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')",
                &[],
            )
            .await
            .unwrap();
    });
    let err = PostgresStore::open(&url).err().expect("refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

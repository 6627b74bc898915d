//! SQLite storage: one file, WAL mode, one writer connection and a small pool of readers.
//!
//! Durability: `journal_mode=WAL` with `synchronous=FULL`. With NORMAL, a WAL commit survives a
//! process crash but the last transactions can be lost on power failure or an OS crash. The
//! collector tells a phone "accepted" and the phone then forgets the ballot, so an acknowledged
//! ballot must survive a power cut (village offices and cheap servers lose power). FULL costs one
//! fsync per commit, and a commit is a whole batch of up to 200 ballots, so the cost is small
//! (see the Benchmark section of docs/protocol.md).
//!
//! Ballot ids are the table's PRIMARY KEY, so uniqueness is enforced by the database itself. The
//! implicit `rowid` gives insertion order for paging (rows are never deleted or updated).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use super::{InsertOutcome, NewBallot, PublishOutcome, Store, StoreError, StoredBallot, StoredSurvey};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS survey_versions (
    survey_id    TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    json         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    published_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (survey_id, version)
);
CREATE TABLE IF NOT EXISTS ballots (
    id             TEXT    NOT NULL PRIMARY KEY,
    survey_id      TEXT    NOT NULL,
    survey_version INTEGER NOT NULL,
    content_hash   TEXT    NOT NULL,
    canonical_json TEXT    NOT NULL,
    received_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS ballots_by_survey ON ballots (survey_id);
";

/// Readers kept open for reuse.
const MAX_IDLE_READERS: usize = 4;

/// SQLite-backed [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Debug-only crash hook: abort after this many inserts inside one transaction.
    crash_after_inserts: Option<u64>,
}

impl SqliteStore {
    /// Open (creating if needed) the database file and its tables.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let writer = open_connection(path)?;
        writer.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            crash_after_inserts: crash_hook_from_env(),
        })
    }

    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => open_connection(&self.path)?,
        };
        let out = f(&conn);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // journal_mode returns a row, so it is read with query_row.
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!("could not switch to WAL mode (got {mode})")));
    }
    conn.execute_batch("PRAGMA synchronous=FULL;")?;
    Ok(conn)
}

/// `PINGYI_TEST_CRASH_AFTER_INSERTS=N`, honoured only in debug builds.
fn crash_hook_from_env() -> Option<u64> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var("PINGYI_TEST_CRASH_AFTER_INSERTS").ok()?.trim().parse().ok()
}

fn row_to_survey(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSurvey> {
    Ok(StoredSurvey { survey_id: r.get(0)?, version: r.get(1)?, json: r.get(2)?, content_hash: r.get(3)? })
}

impl Store for SqliteStore {
    fn publish_survey(&self, survey: &StoredSurvey) -> Result<PublishOutcome, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let latest: Option<u32> = tx.query_row(
            "SELECT MAX(version) FROM survey_versions WHERE survey_id = ?1",
            params![survey.survey_id],
            |r| r.get(0),
        )?;
        if let Some(latest) = latest {
            if survey.version < latest {
                return Err(StoreError::VersionBackwards { latest });
            }
            if survey.version == latest {
                let hash: String = tx.query_row(
                    "SELECT content_hash FROM survey_versions WHERE survey_id = ?1 AND version = ?2",
                    params![survey.survey_id, survey.version],
                    |r| r.get(0),
                )?;
                return if hash == survey.content_hash {
                    Ok(PublishOutcome::Unchanged)
                } else {
                    Err(StoreError::VersionClash { version: survey.version })
                };
            }
        }
        tx.execute(
            "INSERT INTO survey_versions (survey_id, version, json, content_hash) VALUES (?1, ?2, ?3, ?4)",
            params![survey.survey_id, survey.version, survey.json, survey.content_hash],
        )?;
        tx.commit()?;
        Ok(PublishOutcome::Created)
    }

    fn latest_survey(&self, survey_id: &str) -> Result<Option<StoredSurvey>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT survey_id, version, json, content_hash FROM survey_versions
                 WHERE survey_id = ?1 ORDER BY version DESC LIMIT 1",
                params![survey_id],
                row_to_survey,
            )
            .optional()?)
        })
    }

    fn survey_version(&self, survey_id: &str, version: u32) -> Result<Option<StoredSurvey>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT survey_id, version, json, content_hash FROM survey_versions
                 WHERE survey_id = ?1 AND version = ?2",
                params![survey_id, version],
                row_to_survey,
            )
            .optional()?)
        })
    }

    fn insert_ballots(&self, ballots: &[NewBallot]) -> Result<Vec<InsertOutcome>, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(ballots.len());
        let mut inserted: u64 = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO ballots (id, survey_id, survey_version, content_hash, canonical_json)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
            )?;
            let mut existing = tx.prepare_cached("SELECT content_hash FROM ballots WHERE id = ?1")?;
            for b in ballots {
                let changed =
                    insert.execute(params![b.id, b.survey_id, b.survey_version, b.content_hash, b.canonical_json])?;
                if changed == 1 {
                    inserted += 1;
                    outcomes.push(InsertOutcome::Inserted);
                    if self.crash_after_inserts == Some(inserted) {
                        // Test hook: die like `kill -9` with the transaction open.
                        eprintln!("PINGYI_TEST_CRASH_AFTER_INSERTS reached ({inserted}): aborting");
                        std::process::abort();
                    }
                } else {
                    let hash: String = existing.query_row(params![b.id], |r| r.get(0))?;
                    outcomes.push(if hash == b.content_hash {
                        InsertOutcome::Duplicate
                    } else {
                        InsertOutcome::Conflict
                    });
                }
            }
        }
        tx.commit()?;
        Ok(outcomes)
    }

    fn ballots_page(
        &self,
        survey_id: &str,
        version: Option<u32>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError> {
        self.with_reader(|c| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let map = |r: &rusqlite::Row<'_>| Ok(StoredBallot { seq: r.get(0)?, canonical_json: r.get(1)? });
            let rows = match version {
                Some(v) => {
                    let mut st = c.prepare_cached(
                        "SELECT rowid, canonical_json FROM ballots
                         WHERE survey_id = ?1 AND survey_version = ?2 AND rowid > ?3 ORDER BY rowid LIMIT ?4",
                    )?;
                    let rows = st.query_map(params![survey_id, v, after, limit], map)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
                None => {
                    let mut st = c.prepare_cached(
                        "SELECT rowid, canonical_json FROM ballots
                         WHERE survey_id = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3",
                    )?;
                    let rows = st.query_map(params![survey_id, after, limit], map)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
            };
            Ok(rows)
        })
    }

    fn count_ballots(&self, survey_id: &str, version: Option<u32>) -> Result<u64, StoreError> {
        self.with_reader(|c| {
            let n: i64 = match version {
                Some(v) => c.query_row(
                    "SELECT COUNT(*) FROM ballots WHERE survey_id = ?1 AND survey_version = ?2",
                    params![survey_id, v],
                    |r| r.get(0),
                )?,
                None => {
                    c.query_row("SELECT COUNT(*) FROM ballots WHERE survey_id = ?1", params![survey_id], |r| r.get(0))?
                }
            };
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ballot(id: &str, hash: &str) -> NewBallot {
        NewBallot {
            id: id.into(),
            survey_id: "s".into(),
            survey_version: 1,
            canonical_json: format!("{{\"id\":\"{id}\",\"h\":\"{hash}\"}}"),
            content_hash: hash.into(),
        }
    }

    fn survey(version: u32, hash: &str) -> StoredSurvey {
        StoredSurvey { survey_id: "s".into(), version, json: "{}".into(), content_hash: hash.into() }
    }

    #[test]
    fn insert_is_idempotent_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.sqlite")).unwrap();
        let out = store.insert_ballots(&[ballot("a", "1"), ballot("b", "2"), ballot("a", "1")]).unwrap();
        assert_eq!(out, vec![InsertOutcome::Inserted, InsertOutcome::Inserted, InsertOutcome::Duplicate]);
        let out = store.insert_ballots(&[ballot("a", "9"), ballot("c", "3")]).unwrap();
        assert_eq!(out, vec![InsertOutcome::Conflict, InsertOutcome::Inserted]);
        assert_eq!(store.count_ballots("s", None).unwrap(), 3);
        let page = store.ballots_page("s", Some(1), 0, 10).unwrap();
        assert_eq!(page.len(), 3);
        assert!(page[0].canonical_json.contains("\"h\":\"1\""), "the original is kept");
        let next = store.ballots_page("s", None, page[1].seq, 10).unwrap();
        assert_eq!(next.len(), 1);
    }

    #[test]
    fn publishing_rules() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.sqlite")).unwrap();
        assert_eq!(store.publish_survey(&survey(2, "x")).unwrap(), PublishOutcome::Created);
        assert_eq!(store.publish_survey(&survey(2, "x")).unwrap(), PublishOutcome::Unchanged);
        assert!(matches!(store.publish_survey(&survey(2, "y")), Err(StoreError::VersionClash { version: 2 })));
        assert!(matches!(store.publish_survey(&survey(1, "x")), Err(StoreError::VersionBackwards { latest: 2 })));
        assert_eq!(store.publish_survey(&survey(3, "z")).unwrap(), PublishOutcome::Created);
        assert_eq!(store.latest_survey("s").unwrap().unwrap().version, 3);
        assert_eq!(store.survey_version("s", 2).unwrap().unwrap().content_hash, "x");
        assert!(store.latest_survey("other").unwrap().is_none());
    }
}

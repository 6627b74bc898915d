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
//!
//! `received_at` is the server's time of arrival, to the millisecond, except for the ballots of an
//! anonymous survey (无记名, the survey version's `anonymous`): there it is cut to the start of its
//! UTC day (core `time::coarsen`), so the database cannot be matched with the moment someone was
//! seen voting. Nothing orders or rate-checks by `received_at`; order of arrival is the `rowid`.
//!
//! Meeting modes: `code_checks` holds only `code_check(code_hash)` of each ballot code (core
//! `codes::code_check`), never a code or its hash, so a copy of the database casts no ballot; a
//! ballot claims its code in the same transaction that inserts it (a conditional UPDATE on the
//! check of its `code_hash`, backed by a partial UNIQUE index on `ballots(survey_id, code_hash)`),
//! so the first use wins. Databases made before held the hashes in `codes`: opening one migrates
//! them (schema version 2, see [`migrate_code_hashes_to_checks`]). `survey_state` holds open/closed,
//! revealed and the frozen final tally; every insert checks it inside its transaction, so no
//! ballot can slip in after closing. `paper_totals` holds the current set of paper totals.
//!
//! Incremental tallies: `tally_state` holds, per survey version, core's `TallyState` (counts
//! only, as JSON) and `tally_texts` the texts and objection reasons it counted, one row each
//! (appended, never rewritten). `insert_ballots` adds each newly inserted ballot to them in its
//! own transaction, so `GET …/tally` reads a few hundred bytes and the texts instead of every
//! ballot. Databases made before get their states built from their ballots once on open (schema
//! version 3, [`build_missing_tally_states`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use pingyi_core::tally::{Counter, TallyState};
use pingyi_core::{Ballot, Survey};

use pingyi_core::codes::code_check;
use rusqlite::{params, Connection, OptionalExtension};

use pingyi_core::time::{coarsen, format_rfc3339_millis, Coarse, UtcTime};

use super::{
    FrozenTally, InsertOutcome, MeetingState, NewBallot, PublishOutcome, Store, StoreError,
    StoredBallot, StoredCode, StoredSurvey, VersionTally,
};

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
CREATE INDEX IF NOT EXISTS ballots_by_survey_and_id ON ballots (survey_id, id);
CREATE TABLE IF NOT EXISTS code_checks (
    survey_id      TEXT NOT NULL,
    code_check     TEXT NOT NULL,
    used_by_ballot TEXT NULL UNIQUE,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (survey_id, code_check)
);
CREATE TABLE IF NOT EXISTS survey_state (
    survey_id          TEXT    NOT NULL PRIMARY KEY,
    revealed           INTEGER NOT NULL DEFAULT 0,
    closed_at          TEXT    NULL,
    final_version      INTEGER NULL,
    final_report       TEXT    NULL,
    final_content_hash TEXT    NULL
);
CREATE TABLE IF NOT EXISTS tally_state (
    survey_id      TEXT    NOT NULL,
    survey_version INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    PRIMARY KEY (survey_id, survey_version)
);
CREATE TABLE IF NOT EXISTS tally_texts (
    survey_id      TEXT    NOT NULL,
    survey_version INTEGER NOT NULL,
    question       INTEGER NOT NULL,
    list           INTEGER NOT NULL,
    text           TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS tally_texts_by_version ON tally_texts (survey_id, survey_version);
CREATE TABLE IF NOT EXISTS paper_totals (
    survey_id      TEXT    NOT NULL PRIMARY KEY,
    survey_version INTEGER NOT NULL,
    json           TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";

/// Added after the first release: a column of `ballots` (databases made before get it on open).
const CODE_COLUMN: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS ballots_by_code ON ballots (survey_id, code_hash) WHERE code_hash IS NOT NULL;
";

/// `PRAGMA user_version` once code hashes are stored as checks.
pub const SCHEMA_VERSION_CODE_CHECKS: i64 = 2;

/// Schema version 2: the `codes` table of code hashes (databases made before) becomes
/// `code_checks`, each row's check being `code_check(code_hash)`, with its used mark and time
/// kept; then the old table is dropped with its pages overwritten (`secure_delete`) and the WAL
/// checkpointed into the file, so no old hash stays behind in free pages. One transaction: an
/// interrupted migration leaves the old table whole and runs again on the next open.
fn migrate_code_hashes_to_checks(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION_CODE_CHECKS {
        return Ok(());
    }
    let old_table: bool = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'codes'",
        [],
        |r| r.get::<_, i64>(0),
    )? > 0;
    if old_table {
        conn.execute_batch("PRAGMA secure_delete = ON;")?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let rows: Vec<(String, String, Option<String>, String)> = {
            let mut st =
                tx.prepare("SELECT survey_id, code_hash, used_by_ballot, created_at FROM codes")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        {
            let mut insert = tx.prepare(
                "INSERT INTO code_checks (survey_id, code_check, used_by_ballot, created_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )?;
            for (survey_id, hash, used, created) in &rows {
                insert.execute(params![survey_id, code_check(hash), used, created])?;
            }
        }
        tx.execute_batch("DROP TABLE codes;")?;
        tx.execute_batch(&format!(
            "PRAGMA user_version = {SCHEMA_VERSION_CODE_CHECKS};"
        ))?;
        tx.commit()?;
        tracing::info!(
            codes = rows.len(),
            "database migrated: ballot code hashes replaced by their checks"
        );
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA secure_delete = OFF;")?;
    } else {
        conn.execute_batch(&format!(
            "PRAGMA user_version = {SCHEMA_VERSION_CODE_CHECKS};"
        ))?;
    }
    Ok(())
}

/// Readers kept open for reuse. Every request reads (ingest looks its survey up), and a crowd of
/// phones sends hundreds at once: a reader opened afresh costs far more than the read.
const MAX_IDLE_READERS: usize = 64;

/// SQLite-backed [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Debug-only crash hook: abort after this many inserts inside one transaction.
    crash_after_inserts: Option<u64>,
    /// Parsed survey versions for counting (a stored version never changes).
    surveys: Mutex<HashMap<(String, u32), Arc<Survey>>>,
}

impl SqliteStore {
    /// Open (creating if needed) the database file and its tables.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut writer = open_connection(path)?;
        writer.execute_batch(SCHEMA)?;
        migrate_code_hashes_to_checks(&mut writer)?;
        let has_code_column: bool = writer
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('ballots') WHERE name = 'code_hash'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)?;
        if !has_code_column {
            writer.execute_batch("ALTER TABLE ballots ADD COLUMN code_hash TEXT NULL;")?;
        }
        writer.execute_batch(CODE_COLUMN)?;
        let store = SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            crash_after_inserts: crash_hook_from_env(),
            surveys: Mutex::new(HashMap::new()),
        };
        store.build_missing_tally_states()?;
        Ok(store)
    }

    /// Schema version 3: build the tally state of every survey version that has ballots and no
    /// state (a database made before incremental tallies), from its ballots, in one transaction.
    fn build_missing_tally_states(&self) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version >= SCHEMA_VERSION_TALLY_STATES {
            return Ok(());
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let versions: Vec<(String, u32)> = {
            let mut st = tx.prepare(
                "SELECT DISTINCT survey_id, survey_version FROM ballots
                 WHERE NOT EXISTS (SELECT 1 FROM tally_state t
                    WHERE t.survey_id = ballots.survey_id AND t.survey_version = ballots.survey_version)",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (survey_id, v) in &versions {
            let Some(survey) = self.survey_for_count(&tx, survey_id, *v)? else {
                continue;
            };
            let mut counter = Counter::new(&survey);
            {
                let mut st = tx.prepare(
                    "SELECT canonical_json FROM ballots
                     WHERE survey_id = ?1 AND survey_version = ?2 ORDER BY rowid",
                )?;
                let mut rows = st.query(params![survey_id, v])?;
                while let Some(row) = rows.next()? {
                    counter.add(&ballot_of(&row.get::<_, String>(0)?)?);
                }
            }
            save_tally_state(&tx, counter.into_state())?;
        }
        tx.execute_batch(&format!(
            "PRAGMA user_version = {SCHEMA_VERSION_TALLY_STATES};"
        ))?;
        tx.commit()?;
        if !versions.is_empty() {
            tracing::info!(
                versions = versions.len(),
                "tally states built from the stored ballots"
            );
        }
        Ok(())
    }

    /// The parsed survey version, for counting its ballots (cached); `None` when it is not
    /// published.
    fn survey_for_count(
        &self,
        conn: &Connection,
        survey_id: &str,
        version: u32,
    ) -> Result<Option<Arc<Survey>>, StoreError> {
        let key = (survey_id.to_string(), version);
        if let Some(s) = self
            .surveys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(Some(s.clone()));
        }
        let json: Option<String> = conn
            .query_row(
                "SELECT json FROM survey_versions WHERE survey_id = ?1 AND version = ?2",
                params![survey_id, version],
                |r| r.get(0),
            )
            .optional()?;
        let Some(json) = json else {
            return Ok(None);
        };
        let survey = Arc::new(pingyi_core::parse_survey(&json).map_err(|p| {
            StoreError::Database(format!(
                "stored survey {survey_id:?} version {version} does not parse ({} problems)",
                p.len()
            ))
        })?);
        self.surveys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, survey.clone());
        Ok(Some(survey))
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
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
        return Err(StoreError::Database(format!(
            "could not switch to WAL mode (got {mode})"
        )));
    }
    conn.execute_batch("PRAGMA synchronous=FULL;")?;
    Ok(conn)
}

/// `PINGYI_TEST_CRASH_AFTER_INSERTS=N`, honoured only in debug builds.
fn crash_hook_from_env() -> Option<u64> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var("PINGYI_TEST_CRASH_AFTER_INSERTS")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether the survey is closed, read inside a transaction.
/// `PRAGMA user_version` once every survey version with ballots has its tally state.
pub const SCHEMA_VERSION_TALLY_STATES: i64 = 3;

/// A stored ballot's canonical JSON read back (it was validated before it was stored).
pub(super) fn ballot_of(json: &str) -> Result<Ballot, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Database(format!("a stored ballot does not parse: {e}")))
}

/// The stored counts of a survey version (texts not included), if any.
fn stored_tally_state(
    conn: &Connection,
    survey_id: &str,
    version: u32,
) -> Result<Option<TallyState>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached(
            "SELECT state FROM tally_state WHERE survey_id = ?1 AND survey_version = ?2",
        )?
        .query_row(params![survey_id, version], |r| r.get(0))
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| StoreError::Database(format!("a stored tally state does not parse: {e}")))
    })
    .transpose()
}

/// Store a state: its texts appended to `tally_texts`, its counts replacing the stored ones.
fn save_tally_state(conn: &Connection, mut state: TallyState) -> Result<(), StoreError> {
    let texts = state.take_texts();
    if !texts.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT INTO tally_texts (survey_id, survey_version, question, list, text)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (q, l, t) in texts {
            insert.execute(params![state.survey_id, state.survey_version, q, l, t])?;
        }
    }
    let json = serde_json::to_string(&state)
        .map_err(|e| StoreError::Database(format!("a tally state does not serialise: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO tally_state (survey_id, survey_version, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (survey_id, survey_version) DO UPDATE SET state = excluded.state",
    )?
    .execute(params![state.survey_id, state.survey_version, json])?;
    Ok(())
}

fn is_closed(tx: &Connection, survey_id: &str) -> Result<bool, StoreError> {
    let closed: Option<Option<String>> = tx
        .prepare_cached("SELECT closed_at FROM survey_state WHERE survey_id = ?1")?
        .query_row(params![survey_id], |r| r.get(0))
        .optional()?;
    Ok(matches!(closed, Some(Some(_))))
}

/// The server's clock as RFC 3339 UTC with milliseconds.
fn now_millis() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_rfc3339_millis(UtcTime {
        unix_seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: d.subsec_nanos(),
    })
}

/// How finely `received_at` is kept for a ballot of an anonymous survey.
pub const ANONYMOUS_RECEIVED_AT: Coarse = Coarse::Day;

/// Whether a survey version is anonymous (its stored JSON's `anonymous`); an unknown version
/// counts as anonymous, the safer guess.
fn is_anonymous(tx: &Connection, survey_id: &str, version: u32) -> Result<bool, StoreError> {
    let flag: Option<Option<i64>> = tx
        .prepare_cached(
            "SELECT json_extract(json, '$.anonymous') FROM survey_versions
             WHERE survey_id = ?1 AND version = ?2",
        )?
        .query_row(params![survey_id, version], |r| r.get(0))
        .optional()?;
    Ok(!matches!(flag, Some(Some(0))))
}

fn row_to_survey(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSurvey> {
    Ok(StoredSurvey {
        survey_id: r.get(0)?,
        version: r.get(1)?,
        json: r.get(2)?,
        content_hash: r.get(3)?,
    })
}

impl SqliteStore {
    /// Add newly inserted ballots to the tally states of their survey versions, inside the
    /// inserting transaction.
    fn add_to_tally_states(&self, tx: &Connection, added: &[&NewBallot]) -> Result<(), StoreError> {
        let mut versions: Vec<(&str, u32)> = Vec::new();
        for b in added {
            if !versions.contains(&(b.survey_id.as_str(), b.survey_version)) {
                versions.push((&b.survey_id, b.survey_version));
            }
        }
        for (survey_id, v) in versions {
            // Ingest stores only ballots of published versions; a version that is not
            // published has no state to keep.
            let Some(survey) = self.survey_for_count(tx, survey_id, v)? else {
                continue;
            };
            let mut counter = match stored_tally_state(tx, survey_id, v)? {
                Some(state) => Counter::resume(&survey, state)
                    .map_err(|e| StoreError::Database(e.to_string()))?,
                None => Counter::new(&survey),
            };
            for b in added
                .iter()
                .filter(|b| b.survey_id == survey_id && b.survey_version == v)
            {
                counter.add(&ballot_of(&b.canonical_json)?);
            }
            save_tally_state(tx, counter.into_state())?;
        }
        Ok(())
    }
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
                    Err(StoreError::VersionClash {
                        version: survey.version,
                    })
                };
            }
        }
        if is_closed(&tx, &survey.survey_id)? {
            return Err(StoreError::Closed);
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
            Ok(c.prepare_cached(
                "SELECT survey_id, version, json, content_hash FROM survey_versions
                 WHERE survey_id = ?1 ORDER BY version DESC LIMIT 1",
            )?
            .query_row(params![survey_id], row_to_survey)
            .optional()?)
        })
    }

    fn ingest_view(&self, survey_id: &str) -> Result<(Option<u32>, bool), StoreError> {
        self.with_reader(|c| {
            Ok(c.prepare_cached(
                "SELECT (SELECT MAX(version) FROM survey_versions WHERE survey_id = ?1),
                        EXISTS (SELECT 1 FROM survey_state
                                WHERE survey_id = ?1 AND closed_at IS NOT NULL)",
            )?
            .query_row(params![survey_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
    }

    fn survey_version(
        &self,
        survey_id: &str,
        version: u32,
    ) -> Result<Option<StoredSurvey>, StoreError> {
        self.with_reader(|c| {
            Ok(c.prepare_cached(
                "SELECT survey_id, version, json, content_hash FROM survey_versions
                 WHERE survey_id = ?1 AND version = ?2",
            )?
            .query_row(params![survey_id, version], row_to_survey)
            .optional()?)
        })
    }

    fn insert_ballots(&self, ballots: &[NewBallot]) -> Result<Vec<InsertOutcome>, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(ballots.len());
        let mut inserted: u64 = 0;
        let mut added: Vec<&NewBallot> = Vec::new();
        let mut checked: Vec<&str> = Vec::new();
        for b in ballots {
            if !checked.contains(&b.survey_id.as_str()) {
                if is_closed(&tx, &b.survey_id)? {
                    return Err(StoreError::Closed);
                }
                checked.push(&b.survey_id);
            }
        }
        // One clock reading per batch; cut to the day for anonymous surveys.
        let now = now_millis();
        let coarse_now = coarsen(&now, ANONYMOUS_RECEIVED_AT).unwrap_or_else(|| now.clone());
        let mut anonymous: Vec<(&str, u32, bool)> = Vec::new();
        for b in ballots {
            if !anonymous
                .iter()
                .any(|(id, v, _)| *id == b.survey_id && *v == b.survey_version)
            {
                let flag = is_anonymous(&tx, &b.survey_id, b.survey_version)?;
                anonymous.push((&b.survey_id, b.survey_version, flag));
            }
        }
        let received_at = |b: &NewBallot| {
            let anonymous = anonymous
                .iter()
                .any(|(id, v, flag)| *flag && *id == b.survey_id && *v == b.survey_version);
            if anonymous {
                coarse_now.as_str()
            } else {
                now.as_str()
            }
        };
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO ballots (id, survey_id, survey_version, content_hash, canonical_json, code_hash, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            )?;
            let mut existing =
                tx.prepare_cached("SELECT content_hash FROM ballots WHERE id = ?1")?;
            let mut claim = tx.prepare_cached(
                "UPDATE code_checks SET used_by_ballot = ?3
                 WHERE survey_id = ?1 AND code_check = ?2 AND used_by_ballot IS NULL",
            )?;
            let mut code_row = tx.prepare_cached(
                "SELECT used_by_ballot FROM code_checks WHERE survey_id = ?1 AND code_check = ?2",
            )?;
            for b in ballots {
                if let Some(code) = &b.code_hash {
                    // A re-sent ballot is a duplicate (or conflict) before its code is looked at.
                    if let Some(hash) = existing
                        .query_row(params![b.id], |r| r.get::<_, String>(0))
                        .optional()?
                    {
                        outcomes.push(if hash == b.content_hash {
                            InsertOutcome::Duplicate
                        } else {
                            InsertOutcome::Conflict
                        });
                        continue;
                    }
                    // Only the check of the submitted hash is stored: a stored check sent as a
                    // hash matches nothing.
                    let check = code_check(code);
                    if claim.execute(params![b.survey_id, check, b.id])? != 1 {
                        let row: Option<Option<String>> = code_row
                            .query_row(params![b.survey_id, check], |r| r.get(0))
                            .optional()?;
                        outcomes.push(match row {
                            None => InsertOutcome::CodeUnknown,
                            Some(_) => InsertOutcome::CodeUsed,
                        });
                        continue;
                    }
                }
                let changed = insert.execute(params![
                    b.id,
                    b.survey_id,
                    b.survey_version,
                    b.content_hash,
                    b.canonical_json,
                    b.code_hash,
                    received_at(b)
                ])?;
                if changed == 1 {
                    inserted += 1;
                    outcomes.push(InsertOutcome::Inserted);
                    added.push(b);
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
        self.add_to_tally_states(&tx, &added)?;
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
            let map = |r: &rusqlite::Row<'_>| Ok(StoredBallot { seq: r.get(0)?, canonical_json: r.get(1)?, id: r.get(2)? });
            let rows = match version {
                Some(v) => {
                    let mut st = c.prepare_cached(
                        "SELECT rowid, canonical_json, id FROM ballots
                         WHERE survey_id = ?1 AND survey_version = ?2 AND rowid > ?3 ORDER BY rowid LIMIT ?4",
                    )?;
                    let rows = st.query_map(params![survey_id, v, after, limit], map)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
                None => {
                    let mut st = c.prepare_cached(
                        "SELECT rowid, canonical_json, id FROM ballots
                         WHERE survey_id = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3",
                    )?;
                    let rows = st.query_map(params![survey_id, after, limit], map)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
            };
            Ok(rows)
        })
    }

    fn ballot_versions(&self, survey_id: &str) -> Result<Vec<(u32, u64)>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT survey_version, COUNT(*) FROM ballots WHERE survey_id = ?1
                 GROUP BY survey_version ORDER BY survey_version",
            )?;
            let rows = st.query_map(params![survey_id], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn ballots_page_by_id(
        &self,
        survey_id: &str,
        version: Option<u32>,
        after_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError> {
        self.with_reader(|c| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let map = |r: &rusqlite::Row<'_>| {
                Ok(StoredBallot {
                    seq: r.get(0)?,
                    canonical_json: r.get(1)?,
                    id: r.get(2)?,
                })
            };
            let mut st = c.prepare_cached(
                "SELECT rowid, canonical_json, id FROM ballots
                 WHERE survey_id = ?1 AND (?2 IS NULL OR survey_version = ?2) AND id > ?3
                 ORDER BY id LIMIT ?4",
            )?;
            let rows = st.query_map(params![survey_id, version, after_id, limit], map)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
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
                None => c.query_row(
                    "SELECT COUNT(*) FROM ballots WHERE survey_id = ?1",
                    params![survey_id],
                    |r| r.get(0),
                )?,
            };
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn add_codes(&self, survey_id: &str, checks: &[String]) -> Result<Vec<bool>, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if is_closed(&tx, survey_id)? {
            return Err(StoreError::Closed);
        }
        let mut added = Vec::with_capacity(checks.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO code_checks (survey_id, code_check) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?;
            for c in checks {
                added.push(insert.execute(params![survey_id, c])? == 1);
            }
        }
        tx.commit()?;
        Ok(added)
    }

    fn codes(&self, survey_id: &str) -> Result<Vec<StoredCode>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT code_check, used_by_ballot IS NOT NULL FROM code_checks WHERE survey_id = ?1 ORDER BY code_check",
            )?;
            let rows = st.query_map(params![survey_id], |r| Ok(StoredCode { code_check: r.get(0)?, used: r.get(1)? }))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn used_code_hashes(&self, survey_id: &str) -> Result<Vec<String>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT code_hash FROM ballots WHERE survey_id = ?1 AND code_hash IS NOT NULL ORDER BY code_hash",
            )?;
            let rows = st.query_map(params![survey_id], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn tally_state(&self, survey_id: &str, version: u32) -> Result<Option<TallyState>, StoreError> {
        self.with_reader(|c| {
            // One read transaction: the counts and the texts of the same commits.
            let tx = c.unchecked_transaction()?;
            let published: bool = tx
                .query_row(
                    "SELECT COUNT(*) FROM survey_versions WHERE survey_id = ?1 AND version = ?2",
                    params![survey_id, version],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n > 0)?;
            if !published {
                return Ok(None);
            }
            let Some(survey) = self.survey_for_count(&tx, survey_id, version)? else {
                return Ok(None);
            };
            let mut state = match stored_tally_state(&tx, survey_id, version)? {
                Some(s) => s,
                None => return Ok(Some(Counter::new(&survey).into_state())),
            };
            let mut st = tx.prepare_cached(
                "SELECT question, list, text FROM tally_texts
                 WHERE survey_id = ?1 AND survey_version = ?2 ORDER BY rowid",
            )?;
            let mut rows = st.query(params![survey_id, version])?;
            while let Some(row) = rows.next()? {
                if !state.put_text(row.get(0)?, row.get(1)?, row.get(2)?) {
                    return Err(StoreError::Database(
                        "a stored tally text names no list of its state".into(),
                    ));
                }
            }
            Ok(Some(state))
        })
    }

    fn tally_versions(&self, survey_id: &str) -> Result<Vec<VersionTally>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(
                "SELECT survey_version, state FROM tally_state WHERE survey_id = ?1
                 ORDER BY survey_version",
            )?;
            let rows = st.query_map(params![survey_id], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (version, json) = row?;
                let state: TallyState = serde_json::from_str(&json).map_err(|e| {
                    StoreError::Database(format!("a stored tally state does not parse: {e}"))
                })?;
                if state.counted() > 0 {
                    out.push(VersionTally {
                        version,
                        ballots: state.counted(),
                        any_paper: state.saw_paper,
                    });
                }
            }
            Ok(out)
        })
    }

    fn meeting_state(&self, survey_id: &str) -> Result<MeetingState, StoreError> {
        self.with_reader(|c| {
            let row = c
                .query_row(
                    "SELECT revealed, closed_at, final_version, final_report, final_content_hash
                     FROM survey_state WHERE survey_id = ?1",
                    params![survey_id],
                    |r| {
                        let version: Option<u32> = r.get(2)?;
                        let report: Option<String> = r.get(3)?;
                        let hash: Option<String> = r.get(4)?;
                        Ok(MeetingState {
                            revealed: r.get::<_, i64>(0)? != 0,
                            closed_at: r.get(1)?,
                            final_tally: match (version, report, hash) {
                                (Some(survey_version), Some(report_json), Some(content_hash)) => {
                                    Some(FrozenTally {
                                        survey_version,
                                        report_json,
                                        content_hash,
                                    })
                                }
                                _ => None,
                            },
                        })
                    },
                )
                .optional()?;
            Ok(row.unwrap_or_default())
        })
    }

    fn set_revealed(&self, survey_id: &str, revealed: bool) -> Result<(), StoreError> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO survey_state (survey_id, revealed) VALUES (?1, ?2)
             ON CONFLICT (survey_id) DO UPDATE SET revealed = excluded.revealed",
            params![survey_id, i64::from(revealed)],
        )?;
        Ok(())
    }

    fn close(&self, survey_id: &str, closed_at: &str) -> Result<(), StoreError> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO survey_state (survey_id, closed_at) VALUES (?1, ?2)
             ON CONFLICT (survey_id) DO UPDATE SET closed_at = COALESCE(survey_state.closed_at, excluded.closed_at)",
            params![survey_id, closed_at],
        )?;
        Ok(())
    }

    fn freeze(&self, survey_id: &str, frozen: &FrozenTally) -> Result<FrozenTally, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE survey_state SET final_version = ?2, final_report = ?3, final_content_hash = ?4
             WHERE survey_id = ?1 AND closed_at IS NOT NULL AND final_report IS NULL",
            params![
                survey_id,
                frozen.survey_version,
                frozen.report_json,
                frozen.content_hash
            ],
        )?;
        let row: Option<(Option<u32>, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT final_version, final_report, final_content_hash FROM survey_state WHERE survey_id = ?1",
                params![survey_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        tx.commit()?;
        match row {
            Some((Some(survey_version), Some(report_json), Some(content_hash))) => {
                Ok(FrozenTally {
                    survey_version,
                    report_json,
                    content_hash,
                })
            }
            _ => Err(StoreError::Database(
                "freeze: the survey is not closed".into(),
            )),
        }
    }

    fn paper_totals(&self, survey_id: &str) -> Result<Option<(u32, String)>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query_row(
                "SELECT survey_version, json FROM paper_totals WHERE survey_id = ?1",
                params![survey_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    fn set_paper_totals(
        &self,
        survey_id: &str,
        version: u32,
        json: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if is_closed(&tx, survey_id)? {
            return Err(StoreError::Closed);
        }
        tx.execute(
            "INSERT INTO paper_totals (survey_id, survey_version, json) VALUES (?1, ?2, ?3)
             ON CONFLICT (survey_id) DO UPDATE SET survey_version = excluded.survey_version, json = excluded.json,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            params![survey_id, version, json],
        )?;
        tx.commit()?;
        Ok(())
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
            code_hash: None,
        }
    }

    fn survey(version: u32, hash: &str) -> StoredSurvey {
        StoredSurvey {
            survey_id: "s".into(),
            version,
            json: "{}".into(),
            content_hash: hash.into(),
        }
    }

    #[test]
    fn insert_is_idempotent_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.sqlite")).unwrap();
        let out = store
            .insert_ballots(&[ballot("a", "1"), ballot("b", "2"), ballot("a", "1")])
            .unwrap();
        assert_eq!(
            out,
            vec![
                InsertOutcome::Inserted,
                InsertOutcome::Inserted,
                InsertOutcome::Duplicate
            ]
        );
        let out = store
            .insert_ballots(&[ballot("a", "9"), ballot("c", "3")])
            .unwrap();
        assert_eq!(out, vec![InsertOutcome::Conflict, InsertOutcome::Inserted]);
        assert_eq!(store.count_ballots("s", None).unwrap(), 3);
        let page = store.ballots_page("s", Some(1), 0, 10).unwrap();
        assert_eq!(page.len(), 3);
        assert!(
            page[0].canonical_json.contains("\"h\":\"1\""),
            "the original is kept"
        );
        let next = store.ballots_page("s", None, page[1].seq, 10).unwrap();
        assert_eq!(next.len(), 1);
    }

    /// Fault injection: the database is capped at its current size (`max_page_count`), which is
    /// what a full disk looks like to SQLite (`SQLITE_FULL`).
    #[test]
    fn a_full_disk_stores_nothing_of_the_batch_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.sqlite")).unwrap();
        store.insert_ballots(&[ballot("first", "0")]).unwrap();
        let cap = |pages: i64| {
            store
                .writer()
                .pragma_update(None, "max_page_count", pages)
                .unwrap()
        };
        let pages: i64 = store
            .writer()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        cap(pages);
        let batch: Vec<NewBallot> = (0..200)
            .map(|i| NewBallot {
                canonical_json: format!("{{\"id\":\"b{i}\",\"text\":\"{}\"}}", "长".repeat(500)),
                ..ballot(&format!("b{i}"), &i.to_string())
            })
            .collect();
        let err = store.insert_ballots(&batch).unwrap_err();
        assert!(matches!(err, StoreError::Full), "{err}");
        assert_eq!(
            store.count_ballots("s", None).unwrap(),
            1,
            "nothing of the batch"
        );

        // Space again: the same batch goes in whole, and what was stored before is still there.
        cap(1 << 30);
        let out = store.insert_ballots(&batch).unwrap();
        assert!(out.iter().all(|o| *o == InsertOutcome::Inserted));
        assert_eq!(store.count_ballots("s", None).unwrap(), 201);
    }

    #[test]
    fn publishing_rules() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.sqlite")).unwrap();
        assert_eq!(
            store.publish_survey(&survey(2, "x")).unwrap(),
            PublishOutcome::Created
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

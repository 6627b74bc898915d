//! PostgreSQL storage, for several collector instances on one database (a county or a province):
//! the same tables and the same outcomes as [`super::sqlite::SqliteStore`].
//!
//! The [`Store`] trait is blocking; this store runs `tokio-postgres` on a small runtime of its own
//! and waits for each answer on a plain channel, so it may be called from `spawn_blocking`, from a
//! plain thread (`pingyi-collector import`) or even from async code without nesting runtimes.
//! Connections are pooled (at most [`MAX_CONNECTIONS`] at once, [`MAX_IDLE`] kept open).
//!
//! Where SQLite has one writer, every write here first takes a transaction-scoped advisory lock
//! on its survey (`pg_advisory_xact_lock`, keyed by schema and survey id), then reads what it
//! needs with READ COMMITTED. So, across any number of instances: a closed survey refuses the
//! write in the same transaction, closing keeps the first time, the final tally is frozen once,
//! a code is claimed by the first ballot only, and within a survey `seq` (the order of arrival
//! used for paging) follows commit order, so a reader paging by `seq` never skips a ballot that
//! commits later. Ballot ids are unique across the store by their PRIMARY KEY
//! (`ON CONFLICT (id) DO NOTHING`). A batch without ballot codes goes in with one statement
//! (`UNNEST` of arrays, in batch order); one with codes goes ballot by ballot, each claiming its
//! code before it is inserted.
//!
//! Live events: each write that may change a live view sends `NOTIFY pingyi_live` inside its
//! transaction (delivered only when it commits) naming the schema, the writing instance and the
//! survey. [`Store::watch_changes`] starts a listener connection (`LISTEN`, reconnecting after a
//! failure) that passes other instances' changes to the local live views.
//!
//! Schema: numbered SQL files under `crates/collector/migrations/postgres/`, applied at open
//! under an advisory lock (instances starting together apply them once) and recorded in
//! `schema_migrations`. The tables live in the connection's current schema (`search_path`), so
//! one database can hold several collectors' data in separate schemas.
//!
//! Kept tallies, as in SQLite: `tally_state` holds each survey version's core `TallyState`
//! (counts, as JSON) and `tally_texts` the texts and reasons it counted. `insert_ballots` adds
//! each newly inserted ballot to them in its own transaction, under the survey's lock, so every
//! instance sees one state that counts each stored ballot once. Migration 2 creates the tables
//! and, in the same transaction, builds the states of the ballots already stored
//! ([`build_missing_tally_states`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use pingyi_core::codes::code_check;
use pingyi_core::tally::{Counter, TallyState};
use pingyi_core::time::{coarsen, format_rfc3339_millis, UtcTime};
use pingyi_core::Survey;
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, Client, GenericClient, IsolationLevel, NoTls, Transaction};
use tracing::{info, warn};

use super::sqlite::{ballot_of, ANONYMOUS_RECEIVED_AT};
use super::{
    FrozenTally, InsertOutcome, MeetingState, NewBallot, PublishOutcome, Store, StoreError,
    StoredBallot, StoredCode, StoredSurvey, VersionTally,
};

/// The migrations in order: (version, name, SQL). Never edit a released one; add the next.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        TALLY_STATES_MIGRATION,
        "tally_state",
        include_str!("../../migrations/postgres/0002_tally_state.sql"),
    ),
];

/// The migration that adds the kept tallies; applying it also builds the states of the ballots
/// stored before ([`build_missing_tally_states`]).
pub const TALLY_STATES_MIGRATION: i64 = 2;

/// Ballots read at once when building tally states from stored ballots.
const BUILD_PAGE: i64 = 5000;

/// Connections used at once by one instance; further callers wait for one to be free.
pub const MAX_CONNECTIONS: usize = 16;

/// Connections kept open between uses: all of them. Under a crowd of phones every connection is
/// busy; one closed when given back has to be opened again at once, which costs the database a
/// new backend process (milliseconds of its CPU) each time.
pub const MAX_IDLE: usize = MAX_CONNECTIONS;

/// The NOTIFY channel of live view changes.
pub const LIVE_CHANNEL: &str = "pingyi_live";

/// Whether a database location names PostgreSQL.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The URL with its password (if any) replaced by `***`, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..scheme_end + 3].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    // A password may also be given as a query parameter.
    let tail = &rest[authority_end..];
    match tail.find('?') {
        Some(q) => {
            out.push_str(&tail[..=q]);
            let params: Vec<String> = tail[q + 1..]
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.code() {
            Some(c) if *c == SqlState::DISK_FULL => StoreError::Full,
            _ => StoreError::Database(match e.as_db_error() {
                Some(db) => format!("{}: {}", db.code().code(), db.message()),
                None => e.to_string(),
            }),
        }
    }
}

/// PostgreSQL-backed [`Store`].
pub struct PostgresStore {
    inner: Arc<Inner>,
    /// `Some` until dropped; shut down in the background so dropping never blocks or panics.
    runtime: Option<tokio::runtime::Runtime>,
}

struct Inner {
    config: tokio_postgres::Config,
    idle: Mutex<Vec<(Client, Statements)>>,
    permits: tokio::sync::Semaphore,
    /// The schema the tables live in (`current_schema()`), part of lock keys and notifications.
    schema: String,
    /// This store's random id, so its listener skips its own notifications.
    instance: String,
    /// Debug-only crash hook: abort after this many inserts inside one transaction.
    crash_after_inserts: Option<u64>,
    /// Parsed survey versions for counting (a stored version never changes).
    surveys: Mutex<HashMap<(String, u32), Arc<Survey>>>,
}

/// Statements prepared on one connection, by their SQL: a query asked on every request is parsed
/// by the server once per connection instead of at each use (and saves a round trip).
type Statements = HashMap<&'static str, tokio_postgres::Statement>;

/// A pooled connection, given back when dropped (unless it broke).
struct Pooled<'a> {
    client: Option<Client>,
    statements: Statements,
    inner: &'a Inner,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("pooled connection")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("pooled connection")
    }
}

impl Pooled<'_> {
    /// `sql` prepared on this connection, once.
    async fn prepared(
        &mut self,
        sql: &'static str,
    ) -> Result<tokio_postgres::Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self
            .client
            .as_ref()
            .expect("pooled connection")
            .prepare(sql)
            .await?;
        self.statements.insert(sql, st.clone());
        Ok(st)
    }
}

/// The statements of the writing transactions (the ballot insert first), prepared on the
/// connection: the server parses and plans each once per connection instead of at every commit.
struct Writes {
    lock: tokio_postgres::Statement,
    closed: tokio_postgres::Statement,
    anonymous: tokio_postgres::Statement,
    insert: tokio_postgres::Statement,
    stored_hashes: tokio_postgres::Statement,
    state: tokio_postgres::Statement,
    texts: tokio_postgres::Statement,
    save_state: tokio_postgres::Statement,
    notify: tokio_postgres::Statement,
    // One by one, for ballots with codes:
    insert_one: tokio_postgres::Statement,
    existing: tokio_postgres::Statement,
    claim: tokio_postgres::Statement,
    unclaim: tokio_postgres::Statement,
    code_row: tokio_postgres::Statement,
}

const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
const CLOSED_SQL: &str = "SELECT closed_at FROM survey_state WHERE survey_id = $1";
const ANONYMOUS_SQL: &str = "SELECT (json::jsonb -> 'anonymous') = 'false'::jsonb
     FROM survey_versions WHERE survey_id = $1 AND version = $2";
const INSERT_SQL: &str = "INSERT INTO ballots (id, survey_id, survey_version, content_hash, canonical_json, received_at)
     SELECT u.id, u.survey_id, u.survey_version, u.content_hash, u.canonical_json, u.received_at
     FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
          WITH ORDINALITY AS u(id, survey_id, survey_version, content_hash, canonical_json, received_at, ord)
     ORDER BY u.ord
     ON CONFLICT (id) DO NOTHING
     RETURNING id";
const STORED_HASHES_SQL: &str = "SELECT id, content_hash FROM ballots WHERE id = ANY($1::text[])";
const STATE_SQL: &str =
    "SELECT state FROM tally_state WHERE survey_id = $1 AND survey_version = $2";
const TEXTS_SQL: &str = "INSERT INTO tally_texts (survey_id, survey_version, question, list, text)
     SELECT $1, $2, u.question, u.list, u.text
     FROM UNNEST($3::bigint[], $4::bigint[], $5::text[])
          WITH ORDINALITY AS u(question, list, text, ord)
     ORDER BY u.ord";
const SAVE_STATE_SQL: &str =
    "INSERT INTO tally_state (survey_id, survey_version, state) VALUES ($1, $2, $3)
     ON CONFLICT (survey_id, survey_version) DO UPDATE SET state = excluded.state";
const NOTIFY_SQL: &str = "SELECT pg_notify($1, $2)";
const INSERT_ONE_SQL: &str = "INSERT INTO ballots (id, survey_id, survey_version, content_hash, canonical_json, code_hash, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING";
const EXISTING_SQL: &str = "SELECT content_hash FROM ballots WHERE id = $1";
const CLAIM_SQL: &str = "UPDATE code_checks SET used_by_ballot = $3
     WHERE survey_id = $1 AND code_check = $2 AND used_by_ballot IS NULL";
const UNCLAIM_SQL: &str = "UPDATE code_checks SET used_by_ballot = NULL
     WHERE survey_id = $1 AND code_check = $2 AND used_by_ballot = $3";
const CODE_ROW_SQL: &str =
    "SELECT used_by_ballot FROM code_checks WHERE survey_id = $1 AND code_check = $2";

impl Writes {
    /// The statements of a pooled connection (prepared on its first use).
    async fn on(conn: &mut Pooled<'_>) -> Result<Writes, StoreError> {
        Ok(Writes {
            lock: conn.prepared(LOCK_SQL).await?,
            closed: conn.prepared(CLOSED_SQL).await?,
            anonymous: conn.prepared(ANONYMOUS_SQL).await?,
            insert: conn.prepared(INSERT_SQL).await?,
            stored_hashes: conn.prepared(STORED_HASHES_SQL).await?,
            state: conn.prepared(STATE_SQL).await?,
            texts: conn.prepared(TEXTS_SQL).await?,
            save_state: conn.prepared(SAVE_STATE_SQL).await?,
            notify: conn.prepared(NOTIFY_SQL).await?,
            insert_one: conn.prepared(INSERT_ONE_SQL).await?,
            existing: conn.prepared(EXISTING_SQL).await?,
            claim: conn.prepared(CLAIM_SQL).await?,
            unclaim: conn.prepared(UNCLAIM_SQL).await?,
            code_row: conn.prepared(CODE_ROW_SQL).await?,
        })
    }

    /// The same, prepared on a connection outside the pool (the migrations).
    async fn prepare(client: &impl GenericClient) -> Result<Writes, StoreError> {
        Ok(Writes {
            lock: client.prepare(LOCK_SQL).await?,
            closed: client.prepare(CLOSED_SQL).await?,
            anonymous: client.prepare(ANONYMOUS_SQL).await?,
            insert: client.prepare(INSERT_SQL).await?,
            stored_hashes: client.prepare(STORED_HASHES_SQL).await?,
            state: client.prepare(STATE_SQL).await?,
            texts: client.prepare(TEXTS_SQL).await?,
            save_state: client.prepare(SAVE_STATE_SQL).await?,
            notify: client.prepare(NOTIFY_SQL).await?,
            insert_one: client.prepare(INSERT_ONE_SQL).await?,
            existing: client.prepare(EXISTING_SQL).await?,
            claim: client.prepare(CLAIM_SQL).await?,
            unclaim: client.prepare(UNCLAIM_SQL).await?,
            code_row: client.prepare(CODE_ROW_SQL).await?,
        })
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if !client.is_closed() {
                let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
                if idle.len() < MAX_IDLE {
                    idle.push((client, std::mem::take(&mut self.statements)));
                }
            }
        }
    }
}

async fn connect(config: &tokio_postgres::Config) -> Result<Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            warn!("PostgreSQL connection ended: {e}");
        }
    });
    Ok(client)
}

impl Inner {
    async fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Database("the connection pool is closed".into()))?;
        let reused = loop {
            let next = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            match next {
                Some((c, _)) if c.is_closed() => continue,
                other => break other,
            }
        };
        let (client, statements) = match reused {
            Some(c) => c,
            None => (connect(&self.config).await?, Statements::new()),
        };
        Ok(Pooled {
            client: Some(client),
            statements,
            inner: self,
            _permit: permit,
        })
    }

    /// Take the survey's write lock for the rest of the transaction.
    async fn lock_survey(
        &self,
        tx: &Transaction<'_>,
        w: &Writes,
        survey_id: &str,
    ) -> Result<(), StoreError> {
        let key = format!("{}/{survey_id}", self.schema);
        tx.query(&w.lock, &[&key]).await?;
        Ok(())
    }

    /// The parsed survey version, for counting its ballots (cached); `None` when it is not
    /// published.
    async fn survey_for_count(
        &self,
        tx: &impl GenericClient,
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
        let Some(survey) = load_survey(tx, survey_id, version).await? else {
            return Ok(None);
        };
        let survey = Arc::new(survey);
        self.surveys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, survey.clone());
        Ok(Some(survey))
    }

    /// Add newly inserted ballots to the tally states of their survey versions, inside the
    /// inserting transaction (which holds the lock of each of their surveys).
    async fn add_to_tally_states(
        &self,
        tx: &Transaction<'_>,
        w: &Writes,
        added: &[&NewBallot],
    ) -> Result<(), StoreError> {
        let mut versions: Vec<(&str, u32)> = Vec::new();
        for b in added {
            if !versions.contains(&(b.survey_id.as_str(), b.survey_version)) {
                versions.push((&b.survey_id, b.survey_version));
            }
        }
        for (survey_id, v) in versions {
            // Ingest stores only ballots of published versions; a version that is not
            // published has no state to keep.
            let Some(survey) = self.survey_for_count(tx, survey_id, v).await? else {
                continue;
            };
            let state = {
                let mut counter = match stored_tally_state(tx, w, survey_id, v).await? {
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
                counter.into_state()
            };
            save_tally_state(tx, w, state).await?;
        }
        Ok(())
    }

    /// Tell every instance, when the transaction commits, that the survey's live view changed.
    async fn announce(
        &self,
        tx: &Transaction<'_>,
        w: &Writes,
        survey_id: &str,
    ) -> Result<(), StoreError> {
        let payload = format!("{}\t{}\t{survey_id}", self.schema, self.instance);
        tx.query(&w.notify, &[&LIVE_CHANNEL, &payload]).await?;
        Ok(())
    }
}

/// Whether the survey is closed, read inside a transaction.
async fn is_closed(
    tx: &impl GenericClient,
    w: &Writes,
    survey_id: &str,
) -> Result<bool, StoreError> {
    let row = tx.query_opt(&w.closed, &[&survey_id]).await?;
    Ok(matches!(
        row.map(|r| r.get::<_, Option<String>>(0)),
        Some(Some(_))
    ))
}

/// Whether a survey version is anonymous (its stored JSON's `anonymous`); an unknown version
/// counts as anonymous, the safer guess (as in SQLite).
async fn is_anonymous(
    tx: &impl GenericClient,
    w: &Writes,
    survey_id: &str,
    version: u32,
) -> Result<bool, StoreError> {
    let row = tx
        .query_opt(&w.anonymous, &[&survey_id, &i64::from(version)])
        .await?;
    let not_anonymous = matches!(row.map(|r| r.get::<_, Option<bool>>(0)), Some(Some(true)));
    Ok(!not_anonymous)
}

/// A published survey version, parsed; `None` when it is not published.
async fn load_survey(
    tx: &impl GenericClient,
    survey_id: &str,
    version: u32,
) -> Result<Option<Survey>, StoreError> {
    let row = tx
        .query_opt(
            "SELECT json FROM survey_versions WHERE survey_id = $1 AND version = $2",
            &[&survey_id, &i64::from(version)],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let json: String = row.get(0);
    pingyi_core::parse_survey(&json).map(Some).map_err(|p| {
        StoreError::Database(format!(
            "stored survey {survey_id:?} version {version} does not parse ({} problems)",
            p.len()
        ))
    })
}

/// The stored counts of a survey version (texts not included), if any.
async fn stored_tally_state(
    tx: &impl GenericClient,
    w: &Writes,
    survey_id: &str,
    version: u32,
) -> Result<Option<TallyState>, StoreError> {
    let row = tx
        .query_opt(&w.state, &[&survey_id, &i64::from(version)])
        .await?;
    row.map(|r| parse_state(r.get(0))).transpose()
}

fn parse_state(json: &str) -> Result<TallyState, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Database(format!("a stored tally state does not parse: {e}")))
}

/// Store a state: its texts appended to `tally_texts` (one statement, in order), its counts
/// replacing the stored ones.
async fn save_tally_state(
    tx: &impl GenericClient,
    w: &Writes,
    mut state: TallyState,
) -> Result<(), StoreError> {
    let version = i64::from(state.survey_version);
    let texts = state.take_texts();
    if !texts.is_empty() {
        let questions: Vec<i64> = texts.iter().map(|t| i64::from(t.0)).collect();
        let lists: Vec<i64> = texts.iter().map(|t| i64::from(t.1)).collect();
        let values: Vec<&str> = texts.iter().map(|t| t.2.as_str()).collect();
        tx.execute(
            &w.texts,
            &[&state.survey_id, &version, &questions, &lists, &values],
        )
        .await?;
    }
    let json = serde_json::to_string(&state)
        .map_err(|e| StoreError::Database(format!("a tally state does not serialise: {e}")))?;
    tx.execute(&w.save_state, &[&state.survey_id, &version, &json])
        .await?;
    Ok(())
}

/// Migration 2: build the tally state of every published survey version that has ballots and
/// no state (a database made before kept tallies), from its ballots in order of arrival, inside
/// the migration's transaction, each survey under its lock. Instances of the earlier release
/// must be stopped first (docs/deploy.md): one still running would store ballots that no state
/// counts.
async fn build_missing_tally_states(tx: &Transaction<'_>, schema: &str) -> Result<(), StoreError> {
    let versions: Vec<(String, i64)> = tx
        .query(
            "SELECT DISTINCT b.survey_id, b.survey_version FROM ballots b
             WHERE NOT EXISTS (SELECT 1 FROM tally_state t
                WHERE t.survey_id = b.survey_id AND t.survey_version = b.survey_version)
             ORDER BY 1, 2",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut built = 0;
    let w = Writes::prepare(tx).await?;
    for (survey_id, v) in &versions {
        let key = format!("{schema}/{survey_id}");
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&key],
        )
        .await?;
        let Some(survey) = load_survey(tx, survey_id, version_of(*v)?).await? else {
            continue;
        };
        let state = {
            let mut counter = Counter::new(&survey);
            let mut after: i64 = 0;
            loop {
                let rows = tx
                    .query(
                        "SELECT seq, canonical_json FROM ballots
                         WHERE survey_id = $1 AND survey_version = $2 AND seq > $3
                         ORDER BY seq LIMIT $4",
                        &[survey_id, v, &after, &BUILD_PAGE],
                    )
                    .await?;
                for r in &rows {
                    counter.add(&ballot_of(r.get(1))?);
                }
                match rows.last() {
                    Some(r) if rows.len() as i64 == BUILD_PAGE => after = r.get(0),
                    _ => break,
                }
            }
            counter.into_state()
        };
        save_tally_state(tx, &w, state).await?;
        built += 1;
    }
    if built > 0 {
        info!(
            versions = built,
            "tally states built from the stored ballots"
        );
    }
    Ok(())
}

fn version_of(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n)
        .map_err(|_| StoreError::Database(format!("stored version {n} is out of range")))
}

fn count_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn row_to_survey(r: &tokio_postgres::Row) -> Result<StoredSurvey, StoreError> {
    Ok(StoredSurvey {
        survey_id: r.get(0),
        version: version_of(r.get(1))?,
        json: r.get(2),
        content_hash: r.get(3),
    })
}

fn row_to_ballot(r: &tokio_postgres::Row) -> StoredBallot {
    StoredBallot {
        seq: r.get(0),
        canonical_json: r.get(1),
        id: r.get(2),
    }
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

/// Apply the migrations not yet recorded, in one transaction under a lock, so that instances
/// starting at once apply each migration once.
async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/pingyi-migrations', 0))",
        &[],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT NOT NULL PRIMARY KEY,
             name       TEXT   NOT NULL,
             applied_at TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')
         )",
    )
    .await?;
    let applied: Vec<i64> = tx
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if let Some(&newest) = applied.last() {
        if newest > known {
            return Err(StoreError::Database(format!(
                "the database schema is at version {newest}, newer than this collector knows \
                 ({known}): run a newer collector"
            )));
        }
    }
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await.map_err(|e| {
            let e = StoreError::from(e);
            StoreError::Database(format!("migration {version} ({name}) failed: {e}"))
        })?;
        if *version == TALLY_STATES_MIGRATION {
            let schema: Option<String> = tx.query_one("SELECT current_schema()", &[]).await?.get(0);
            build_missing_tally_states(&tx, schema.as_deref().unwrap_or_default()).await?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await?;
        info!(version, name, "PostgreSQL schema migrated");
    }
    tx.commit().await?;
    Ok(())
}

impl PostgresStore {
    /// Connect to `url` (`postgres://user[:password]@host[:port]/database[?options]`; without a
    /// password in it, `PGPASSWORD` is used when set), apply the migrations it lacks and keep a
    /// pool of connections.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            StoreError::Database(format!(
                "cannot read the database URL {}: {e}",
                redact_url(url)
            ))
        })?;
        // As with libpq: the password may come from the environment instead of the URL, so it
        // shows neither in the command line nor in the process list.
        if config.get_password().is_none() {
            if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pingyi-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(format!("cannot start the database runtime: {e}")))?;
        let (schema, config) = block_on(&runtime, async move {
            let mut client = connect(&config).await?;
            migrate(&mut client).await?;
            let row = client.query_one("SELECT current_schema()", &[]).await?;
            let schema: Option<String> = row.get(0);
            let schema = schema.ok_or_else(|| {
                StoreError::Database("no schema: the search_path names no existing schema".into())
            })?;
            Ok((schema, config))
        })?;
        let instance = uuid::Uuid::new_v4().simple().to_string();
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                config,
                idle: Mutex::new(Vec::new()),
                permits: tokio::sync::Semaphore::new(MAX_CONNECTIONS),
                schema,
                instance,
                crash_after_inserts: crash_hook_from_env(),
                surveys: Mutex::new(HashMap::new()),
            }),
            runtime: Some(runtime),
        })
    }

    /// Run `work` on the store's runtime and wait for its answer.
    fn run<T, F, Fut>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Arc<Inner>) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let runtime = self.runtime.as_ref().expect("runtime until dropped");
        block_on(runtime, work(self.inner.clone()))
    }
}

/// Spawn `fut` on `runtime` and wait on a plain channel (works inside or outside async code).
fn block_on<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    fut: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .unwrap_or_else(|_| Err(StoreError::Database("the database task failed".into())))
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The distinct survey ids of a batch, sorted (locks are taken in this order: no deadlock).
fn surveys_of(ballots: &[NewBallot]) -> Vec<String> {
    let mut ids: Vec<String> = ballots.iter().map(|b| b.survey_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Insert ballots that carry no code in one statement (one round trip for the whole batch), in
/// batch order; the first of two ballots with one id wins, as one by one. Outcomes in order.
async fn insert_without_codes(
    tx: &Transaction<'_>,
    w: &Writes,
    ballots: &[NewBallot],
    received_at: &[String],
) -> Result<Vec<InsertOutcome>, StoreError> {
    let ids: Vec<&str> = ballots.iter().map(|b| b.id.as_str()).collect();
    let surveys: Vec<&str> = ballots.iter().map(|b| b.survey_id.as_str()).collect();
    let versions: Vec<i64> = ballots
        .iter()
        .map(|b| i64::from(b.survey_version))
        .collect();
    let hashes: Vec<&str> = ballots.iter().map(|b| b.content_hash.as_str()).collect();
    let texts: Vec<&str> = ballots.iter().map(|b| b.canonical_json.as_str()).collect();
    let received: Vec<&str> = received_at.iter().map(String::as_str).collect();
    let rows = tx
        .query(
            &w.insert,
            &[&ids, &surveys, &versions, &hashes, &texts, &received],
        )
        .await?;
    let mut fresh: std::collections::HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
    let stored: std::collections::HashMap<String, String> = if rows.len() < ballots.len() {
        tx.query(&w.stored_hashes, &[&ids])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    } else {
        Default::default()
    };
    ballots
        .iter()
        .map(|b| {
            if fresh.remove(&b.id) {
                return Ok(InsertOutcome::Inserted);
            }
            match stored.get(&b.id) {
                Some(hash) if *hash == b.content_hash => Ok(InsertOutcome::Duplicate),
                Some(_) => Ok(InsertOutcome::Conflict),
                None => Err(StoreError::Database(format!(
                    "ballot {} was neither inserted nor found",
                    b.id
                ))),
            }
        })
        .collect()
}

/// Listen for other instances' changes until the connection fails.
async fn listen(
    inner: &Inner,
    changed: &Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<(), StoreError> {
    let (client, mut connection) = inner.config.connect(NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_string()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client
        .batch_execute(&format!("LISTEN {LIVE_CHANNEL}"))
        .await?;
    while let Some(payload) = rx.recv().await {
        let mut parts = payload.splitn(3, '\t');
        let (Some(schema), Some(instance), Some(survey_id)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if schema == inner.schema && instance != inner.instance {
            changed(survey_id);
        }
    }
    drop(client);
    match driver.await {
        Ok(Err(e)) => Err(e.into()),
        _ => Err(StoreError::Database(
            "the listening connection ended".into(),
        )),
    }
}

impl Store for PostgresStore {
    fn publish_survey(&self, survey: &StoredSurvey) -> Result<PublishOutcome, StoreError> {
        let survey = survey.clone();
        self.run(|inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            inner.lock_survey(&tx, &w, &survey.survey_id).await?;
            let latest: Option<i64> = tx
                .query_one(
                    "SELECT MAX(version) FROM survey_versions WHERE survey_id = $1",
                    &[&survey.survey_id],
                )
                .await?
                .get(0);
            if let Some(latest) = latest {
                let latest = version_of(latest)?;
                if survey.version < latest {
                    return Err(StoreError::VersionBackwards { latest });
                }
                if survey.version == latest {
                    let hash: String = tx
                        .query_one(
                            "SELECT content_hash FROM survey_versions WHERE survey_id = $1 AND version = $2",
                            &[&survey.survey_id, &i64::from(survey.version)],
                        )
                        .await?
                        .get(0);
                    return if hash == survey.content_hash {
                        Ok(PublishOutcome::Unchanged)
                    } else {
                        Err(StoreError::VersionClash {
                            version: survey.version,
                        })
                    };
                }
            }
            if is_closed(&tx, &w, &survey.survey_id).await? {
                return Err(StoreError::Closed);
            }
            tx.execute(
                "INSERT INTO survey_versions (survey_id, version, json, content_hash) VALUES ($1, $2, $3, $4)",
                &[&survey.survey_id, &i64::from(survey.version), &survey.json, &survey.content_hash],
            )
            .await?;
            inner.announce(&tx, &w, &survey.survey_id).await?;
            tx.commit().await?;
            Ok(PublishOutcome::Created)
        })
    }

    fn latest_survey(&self, survey_id: &str) -> Result<Option<StoredSurvey>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            conn.query_opt(
                "SELECT survey_id, version, json, content_hash FROM survey_versions
                 WHERE survey_id = $1 ORDER BY version DESC LIMIT 1",
                &[&survey_id],
            )
            .await?
            .as_ref()
            .map(row_to_survey)
            .transpose()
        })
    }

    fn ingest_view(&self, survey_id: &str) -> Result<(Option<u32>, bool), StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let mut conn = inner.get().await?;
            let statement = conn
                .prepared(
                    "SELECT (SELECT MAX(version) FROM survey_versions WHERE survey_id = $1),
                            EXISTS (SELECT 1 FROM survey_state
                                    WHERE survey_id = $1 AND closed_at IS NOT NULL)",
                )
                .await?;
            let row = conn.query_one(&statement, &[&survey_id]).await?;
            let latest: Option<i64> = row.get(0);
            Ok((latest.map(version_of).transpose()?, row.get(1)))
        })
    }

    fn survey_version(
        &self,
        survey_id: &str,
        version: u32,
    ) -> Result<Option<StoredSurvey>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(move |inner| async move {
            let conn = inner.get().await?;
            conn.query_opt(
                "SELECT survey_id, version, json, content_hash FROM survey_versions
                 WHERE survey_id = $1 AND version = $2",
                &[&survey_id, &i64::from(version)],
            )
            .await?
            .as_ref()
            .map(row_to_survey)
            .transpose()
        })
    }

    fn insert_ballots(&self, ballots: &[NewBallot]) -> Result<Vec<InsertOutcome>, StoreError> {
        let ballots = ballots.to_vec();
        self.run(|inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            let surveys = surveys_of(&ballots);
            for s in &surveys {
                inner.lock_survey(&tx, &w, s).await?;
                if is_closed(&tx, &w, s).await? {
                    return Err(StoreError::Closed);
                }
            }
            // One clock reading per batch; cut to the day for anonymous surveys.
            let now = now_millis();
            let coarse_now = coarsen(&now, ANONYMOUS_RECEIVED_AT).unwrap_or_else(|| now.clone());
            let mut anonymous: Vec<(String, u32, bool)> = Vec::new();
            for b in &ballots {
                if !anonymous
                    .iter()
                    .any(|(id, v, _)| *id == b.survey_id && *v == b.survey_version)
                {
                    let flag = is_anonymous(&tx, &w, &b.survey_id, b.survey_version).await?;
                    anonymous.push((b.survey_id.clone(), b.survey_version, flag));
                }
            }
            let received_at = |b: &NewBallot| {
                let anonymous = anonymous
                    .iter()
                    .any(|(id, v, flag)| *flag && *id == b.survey_id && *v == b.survey_version);
                if anonymous {
                    coarse_now.clone()
                } else {
                    now.clone()
                }
            };
            if ballots.iter().all(|b| b.code_hash.is_none()) {
                let received: Vec<String> = ballots.iter().map(received_at).collect();
                let outcomes = insert_without_codes(&tx, &w, &ballots, &received).await?;
                let inserted = outcomes
                    .iter()
                    .filter(|o| **o == InsertOutcome::Inserted)
                    .count() as u64;
                if inner.crash_after_inserts.is_some_and(|n| inserted >= n) {
                    // Test hook: die like `kill -9` with the transaction open.
                    eprintln!("PINGYI_TEST_CRASH_AFTER_INSERTS reached ({inserted}): aborting");
                    std::process::abort();
                }
                let added: Vec<&NewBallot> = ballots
                    .iter()
                    .zip(&outcomes)
                    .filter(|(_, o)| **o == InsertOutcome::Inserted)
                    .map(|(b, _)| b)
                    .collect();
                inner.add_to_tally_states(&tx, &w, &added).await?;
                for s in &surveys {
                    let changed = ballots
                        .iter()
                        .zip(&outcomes)
                        .any(|(b, o)| *o == InsertOutcome::Inserted && b.survey_id == *s);
                    if changed {
                        inner.announce(&tx, &w, s).await?;
                    }
                }
                tx.commit().await?;
                return Ok(outcomes);
            }
            let mut outcomes = Vec::with_capacity(ballots.len());
            let mut inserted: u64 = 0;
            let mut changed: Vec<&str> = Vec::new();
            let mut added: Vec<&NewBallot> = Vec::new();
            for b in &ballots {
                let mut claimed: Option<String> = None;
                if let Some(code) = &b.code_hash {
                    // A re-sent ballot is a duplicate (or conflict) before its code is looked at.
                    if let Some(row) = tx.query_opt(&w.existing, &[&b.id]).await? {
                        let hash: String = row.get(0);
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
                    if tx.execute(&w.claim, &[&b.survey_id, &check, &b.id]).await? != 1 {
                        let row = tx.query_opt(&w.code_row, &[&b.survey_id, &check]).await?;
                        outcomes.push(match row {
                            None => InsertOutcome::CodeUnknown,
                            Some(_) => InsertOutcome::CodeUsed,
                        });
                        continue;
                    }
                    claimed = Some(check);
                }
                let n = tx
                    .execute(
                        &w.insert_one,
                        &[
                            &b.id,
                            &b.survey_id,
                            &i64::from(b.survey_version),
                            &b.content_hash,
                            &b.canonical_json,
                            &b.code_hash,
                            &received_at(b),
                        ],
                    )
                    .await?;
                if n == 1 {
                    inserted += 1;
                    outcomes.push(InsertOutcome::Inserted);
                    added.push(b);
                    if !changed.contains(&b.survey_id.as_str()) {
                        changed.push(&b.survey_id);
                    }
                    if inner.crash_after_inserts == Some(inserted) {
                        // Test hook: die like `kill -9` with the transaction open.
                        eprintln!("PINGYI_TEST_CRASH_AFTER_INSERTS reached ({inserted}): aborting");
                        std::process::abort();
                    }
                } else {
                    // The id was stored meanwhile (by a batch of another survey): the code goes
                    // back to unused, as if it had never been looked at.
                    if let Some(check) = &claimed {
                        tx.execute(&w.unclaim, &[&b.survey_id, check, &b.id])
                            .await?;
                    }
                    let hash: String = tx.query_one(&w.existing, &[&b.id]).await?.get(0);
                    outcomes.push(if hash == b.content_hash {
                        InsertOutcome::Duplicate
                    } else {
                        InsertOutcome::Conflict
                    });
                }
            }
            inner.add_to_tally_states(&tx, &w, &added).await?;
            for s in changed {
                inner.announce(&tx, &w, s).await?;
            }
            tx.commit().await?;
            Ok(outcomes)
        })
    }

    fn ballots_page(
        &self,
        survey_id: &str,
        version: Option<u32>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError> {
        let survey_id = survey_id.to_string();
        let version = version.map(i64::from);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |inner| async move {
            let conn = inner.get().await?;
            let rows = conn
                .query(
                    "SELECT seq, canonical_json, id FROM ballots
                     WHERE survey_id = $1 AND ($2::BIGINT IS NULL OR survey_version = $2) AND seq > $3
                     ORDER BY seq LIMIT $4",
                    &[&survey_id, &version, &after, &limit],
                )
                .await?;
            Ok(rows.iter().map(row_to_ballot).collect())
        })
    }

    fn ballot_versions(&self, survey_id: &str) -> Result<Vec<(u32, u64)>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            conn.query(
                "SELECT survey_version, COUNT(*) FROM ballots WHERE survey_id = $1
                 GROUP BY survey_version ORDER BY survey_version",
                &[&survey_id],
            )
            .await?
            .iter()
            .map(|r| Ok((version_of(r.get(0))?, count_of(r.get(1)))))
            .collect()
        })
    }

    fn ballots_page_by_id(
        &self,
        survey_id: &str,
        version: Option<u32>,
        after_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError> {
        let survey_id = survey_id.to_string();
        let after_id = after_id.to_string();
        let version = version.map(i64::from);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |inner| async move {
            let conn = inner.get().await?;
            let rows = conn
                .query(
                    "SELECT seq, canonical_json, id FROM ballots
                     WHERE survey_id = $1 AND ($2::BIGINT IS NULL OR survey_version = $2) AND id > $3
                     ORDER BY id LIMIT $4",
                    &[&survey_id, &version, &after_id, &limit],
                )
                .await?;
            Ok(rows.iter().map(row_to_ballot).collect())
        })
    }

    fn count_ballots(&self, survey_id: &str, version: Option<u32>) -> Result<u64, StoreError> {
        let survey_id = survey_id.to_string();
        let version = version.map(i64::from);
        self.run(move |inner| async move {
            let conn = inner.get().await?;
            let n: i64 = conn
                .query_one(
                    "SELECT COUNT(*) FROM ballots
                     WHERE survey_id = $1 AND ($2::BIGINT IS NULL OR survey_version = $2)",
                    &[&survey_id, &version],
                )
                .await?
                .get(0);
            Ok(count_of(n))
        })
    }

    fn add_codes(&self, survey_id: &str, checks: &[String]) -> Result<Vec<bool>, StoreError> {
        let survey_id = survey_id.to_string();
        let checks = checks.to_vec();
        self.run(|inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            inner.lock_survey(&tx, &w, &survey_id).await?;
            if is_closed(&tx, &w, &survey_id).await? {
                return Err(StoreError::Closed);
            }
            let insert = tx
                .prepare(
                    "INSERT INTO code_checks (survey_id, code_check) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .await?;
            let mut added = Vec::with_capacity(checks.len());
            for c in &checks {
                added.push(tx.execute(&insert, &[&survey_id, c]).await? == 1);
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    fn codes(&self, survey_id: &str) -> Result<Vec<StoredCode>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            let rows = conn
                .query(
                    "SELECT code_check, used_by_ballot IS NOT NULL FROM code_checks
                     WHERE survey_id = $1 ORDER BY code_check",
                    &[&survey_id],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| StoredCode {
                    code_check: r.get(0),
                    used: r.get(1),
                })
                .collect())
        })
    }

    fn used_code_hashes(&self, survey_id: &str) -> Result<Vec<String>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            let rows = conn
                .query(
                    "SELECT code_hash FROM ballots WHERE survey_id = $1 AND code_hash IS NOT NULL
                     ORDER BY code_hash",
                    &[&survey_id],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn tally_state(&self, survey_id: &str, version: u32) -> Result<Option<TallyState>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(move |inner| async move {
            let mut conn = inner.get().await?;
            // One snapshot: the counts and the texts of the same commits.
            let w = Writes::on(&mut conn).await?;
            let tx = conn
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let Some(survey) = inner.survey_for_count(&tx, &survey_id, version).await? else {
                return Ok(None);
            };
            let Some(mut state) = stored_tally_state(&tx, &w, &survey_id, version).await? else {
                return Ok(Some(Counter::new(&survey).into_state()));
            };
            let rows = tx
                .query(
                    "SELECT question, list, text FROM tally_texts
                     WHERE survey_id = $1 AND survey_version = $2 ORDER BY seq",
                    &[&survey_id, &i64::from(version)],
                )
                .await?;
            for r in rows {
                let (question, list): (i64, i64) = (r.get(0), r.get(1));
                let fits = match (u32::try_from(question), u32::try_from(list)) {
                    (Ok(q), Ok(l)) => state.put_text(q, l, r.get(2)),
                    _ => false,
                };
                if !fits {
                    return Err(StoreError::Database(
                        "a stored tally text names no list of its state".into(),
                    ));
                }
            }
            tx.commit().await?;
            Ok(Some(state))
        })
    }

    fn tally_versions(&self, survey_id: &str) -> Result<Vec<VersionTally>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            let rows = conn
                .query(
                    "SELECT survey_version, state FROM tally_state WHERE survey_id = $1
                     ORDER BY survey_version",
                    &[&survey_id],
                )
                .await?;
            let mut out = Vec::new();
            for r in rows {
                let version = version_of(r.get(0))?;
                let state = parse_state(r.get(1))?;
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
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            let row = conn
                .query_opt(
                    "SELECT revealed, closed_at, final_version, final_report, final_content_hash
                     FROM survey_state WHERE survey_id = $1",
                    &[&survey_id],
                )
                .await?;
            let Some(r) = row else {
                return Ok(MeetingState::default());
            };
            let version: Option<i64> = r.get(2);
            let report: Option<String> = r.get(3);
            let hash: Option<String> = r.get(4);
            Ok(MeetingState {
                revealed: r.get(0),
                closed_at: r.get(1),
                final_tally: match (version, report, hash) {
                    (Some(v), Some(report_json), Some(content_hash)) => Some(FrozenTally {
                        survey_version: version_of(v)?,
                        report_json,
                        content_hash,
                    }),
                    _ => None,
                },
            })
        })
    }

    fn set_revealed(&self, survey_id: &str, revealed: bool) -> Result<(), StoreError> {
        let survey_id = survey_id.to_string();
        self.run(move |inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            inner.lock_survey(&tx, &w, &survey_id).await?;
            tx.execute(
                "INSERT INTO survey_state (survey_id, revealed) VALUES ($1, $2)
                 ON CONFLICT (survey_id) DO UPDATE SET revealed = excluded.revealed",
                &[&survey_id, &revealed],
            )
            .await?;
            inner.announce(&tx, &w, &survey_id).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn close(&self, survey_id: &str, closed_at: &str) -> Result<(), StoreError> {
        let survey_id = survey_id.to_string();
        let closed_at = closed_at.to_string();
        self.run(|inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            inner.lock_survey(&tx, &w, &survey_id).await?;
            tx.execute(
                "INSERT INTO survey_state (survey_id, closed_at) VALUES ($1, $2)
                 ON CONFLICT (survey_id) DO UPDATE
                 SET closed_at = COALESCE(survey_state.closed_at, excluded.closed_at)",
                &[&survey_id, &closed_at],
            )
            .await?;
            inner.announce(&tx, &w, &survey_id).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn freeze(&self, survey_id: &str, frozen: &FrozenTally) -> Result<FrozenTally, StoreError> {
        let survey_id = survey_id.to_string();
        let frozen = frozen.clone();
        self.run(|inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            inner.lock_survey(&tx, &w, &survey_id).await?;
            tx.execute(
                "UPDATE survey_state SET final_version = $2, final_report = $3, final_content_hash = $4
                 WHERE survey_id = $1 AND closed_at IS NOT NULL AND final_report IS NULL",
                &[
                    &survey_id,
                    &i64::from(frozen.survey_version),
                    &frozen.report_json,
                    &frozen.content_hash,
                ],
            )
            .await?;
            let row = tx
                .query_opt(
                    "SELECT final_version, final_report, final_content_hash FROM survey_state
                     WHERE survey_id = $1",
                    &[&survey_id],
                )
                .await?;
            tx.commit().await?;
            let values = row.map(|r| {
                (
                    r.get::<_, Option<i64>>(0),
                    r.get::<_, Option<String>>(1),
                    r.get::<_, Option<String>>(2),
                )
            });
            match values {
                Some((Some(v), Some(report_json), Some(content_hash))) => Ok(FrozenTally {
                    survey_version: version_of(v)?,
                    report_json,
                    content_hash,
                }),
                _ => Err(StoreError::Database("freeze: the survey is not closed".into())),
            }
        })
    }

    fn paper_totals(&self, survey_id: &str) -> Result<Option<(u32, String)>, StoreError> {
        let survey_id = survey_id.to_string();
        self.run(|inner| async move {
            let conn = inner.get().await?;
            conn.query_opt(
                "SELECT survey_version, json FROM paper_totals WHERE survey_id = $1",
                &[&survey_id],
            )
            .await?
            .map(|r| Ok((version_of(r.get(0))?, r.get(1))))
            .transpose()
        })
    }

    fn set_paper_totals(
        &self,
        survey_id: &str,
        version: u32,
        json: &str,
    ) -> Result<(), StoreError> {
        let survey_id = survey_id.to_string();
        let json = json.to_string();
        self.run(move |inner| async move {
            let mut conn = inner.get().await?;
            let w = Writes::on(&mut conn).await?;
            let tx = conn.transaction().await?;
            inner.lock_survey(&tx, &w, &survey_id).await?;
            if is_closed(&tx, &w, &survey_id).await? {
                return Err(StoreError::Closed);
            }
            tx.execute(
                "INSERT INTO paper_totals (survey_id, survey_version, json) VALUES ($1, $2, $3)
                 ON CONFLICT (survey_id) DO UPDATE SET survey_version = excluded.survey_version,
                     json = excluded.json,
                     updated_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                &[&survey_id, &i64::from(version), &json],
            )
            .await?;
            inner.announce(&tx, &w, &survey_id).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn watch_changes(&self, changed: Arc<dyn Fn(&str) + Send + Sync>) {
        let inner = self.inner.clone();
        let runtime = self.runtime.as_ref().expect("runtime until dropped");
        runtime.spawn(async move {
            let mut first = true;
            loop {
                if !first {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                first = false;
                if let Err(e) = listen(&inner, &changed).await {
                    warn!("listening for other instances' changes failed, retrying: {e}");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_a_redacted_url() {
        assert_eq!(
            redact_url("postgres://pingyi:s3cret@db.example:5432/pingyi?sslmode=disable"),
            "postgres://pingyi:***@db.example:5432/pingyi?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgresql://db.example/pingyi?user=a&password=s3cret&x=1"),
            "postgresql://db.example/pingyi?user=a&password=***&x=1"
        );
        assert_eq!(
            redact_url("postgres://pingyi@127.0.0.1/p"),
            "postgres://pingyi@127.0.0.1/p"
        );
        assert!(!redact_url("postgres://u:p%40ss@h/d").contains("p%40ss"));
    }

    #[test]
    fn postgres_urls_are_told_from_paths() {
        assert!(is_postgres_url("postgres://h/d"));
        assert!(is_postgres_url("postgresql://h/d"));
        assert!(!is_postgres_url("pingyi.sqlite"));
        assert!(!is_postgres_url("sqlite:postgres.sqlite"));
    }
}

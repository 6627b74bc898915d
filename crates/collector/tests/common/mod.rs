//! Shared helpers of the collector's HTTP tests: a sample survey, ballots, and an in-process
//! server on 127.0.0.1 with a temporary database.
//!
//! Backends: the servers use a SQLite file in a temporary folder, or, with
//! `PINGYI_TEST_BACKEND=postgres`, a fresh schema of the PostgreSQL server named by
//! `PINGYI_TEST_POSTGRES` (`cargo xtask test` runs the suite both ways). Tests that need
//! PostgreSQL whatever the backend call [`postgres_server`]: without the variable they are
//! skipped with a notice, except under `CI=true`, where that is a failure.
#![allow(dead_code)]

use pingyi_core::IdMap;
use std::net::SocketAddr;

use pingyi_collector::auth::AdminToken;
use pingyi_collector::limits::RateLimit;
use pingyi_collector::{start, Config, Server};
use pingyi_core::{Answer, Ballot, Channel};
use serde_json::{json, Value};

pub const ADMIN: &str = "test-admin-token-0123456789abcdefghij";
pub const SURVEY_ID: &str = "village";

/// A satisfaction question and an optional short suggestion.
pub fn survey_json(version: u32, results_public: bool, submit_key: Option<&str>) -> String {
    let mut s = json!({
        "format": "pingyi/1",
        "id": SURVEY_ID,
        "version": version,
        "title": { "zh": "村湾夜话满意度测评" },
        "unit": "测试村",
        "eligible": 5000,
        "results_public": results_public,
        "sections": [{
            "id": "s1",
            "title": { "zh": "满意度" },
            "questions": [
                { "id": "q1", "title": { "zh": "环境卫生" }, "kind": "scale", "preset": "satisfaction" },
                { "id": "q2", "title": { "zh": "意见建议" }, "kind": "text", "required": false, "max_len": 20 }
            ]
        }]
    });
    if let Some(k) = submit_key {
        s["collect"] = json!({ "endpoint": "http://127.0.0.1", "submit_key": k });
    }
    if version > 1 {
        // A later version adds a question, so old ballots only validate against their own version.
        s["sections"][0]["questions"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "id": "q3", "title": { "zh": "文化活动" }, "kind": "scale", "preset": "satisfaction" }));
    }
    s.to_string()
}

/// A valid ballot for version 1 with the given choice for q1.
pub fn ballot(n: usize, choice: &str) -> Ballot {
    let mut answers = IdMap::new();
    answers.insert(
        "q1".to_string(),
        Answer::Choice {
            choice: choice.to_string(),
        },
    );
    Ballot {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        survey_id: SURVEY_ID.to_string(),
        survey_version: 1,
        cast_at: "2026-11-27T19:30:00.000Z".to_string(),
        device: "00000000-0000-4000-9000-000000000001".to_string(),
        channel: Channel::Digital,
        code_hash: None,
        answers,
    }
}

/// `n` valid ballots numbered from `start`.
pub fn ballots(start: usize, n: usize) -> Vec<Ballot> {
    let choices = [
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unknown",
    ];
    (start..start + n)
        .map(|i| ballot(i, choices[i % 4]))
        .collect()
}

pub fn batch(ballots: &[Ballot]) -> Value {
    json!({ "ballots": ballots })
}

/// Test server options.
pub struct Opts {
    pub results_public: bool,
    pub submit_key: Option<&'static str>,
    pub rate_limit: RateLimit,
    pub max_body_bytes: Option<usize>,
    pub cors_origins: Vec<String>,
    pub static_dir: Option<std::path::PathBuf>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            results_public: false,
            submit_key: None,
            rate_limit: RateLimit::off(),
            max_body_bytes: None,
            cors_origins: Vec::new(),
            static_dir: None,
            trusted_proxies: Vec::new(),
        }
    }
}

pub struct TestServer {
    pub server: Server,
    pub dir: tempfile::TempDir,
    /// The `--db` value: `dir/test.sqlite`, or a PostgreSQL URL on a PostgreSQL run.
    pub db: std::path::PathBuf,
    pub client: reqwest::Client,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub fn ballots_url(&self) -> String {
        self.url(&format!("/v1/surveys/{SURVEY_ID}/ballots"))
    }

    /// POST a batch; returns (status, body).
    pub async fn submit(&self, body: &Value) -> (u16, Value) {
        let resp = self
            .client
            .post(self.ballots_url())
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// GET with the admin token; returns (status, body).
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// Every exported ballot.
    pub async fn export(&self) -> Vec<Ballot> {
        let (status, body) = self
            .admin_get(&format!("/v1/surveys/{SURVEY_ID}/ballots"))
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }
}

/// Start a server with the sample survey (version 1) published.
pub async fn serve(opts: Opts) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let survey = dir.path().join("survey.json");
    std::fs::write(
        &survey,
        survey_json(1, opts.results_public, opts.submit_key),
    )
    .unwrap();
    let db = test_db(dir.path(), "test.sqlite").await;
    let mut config = Config::new(db.clone());
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.publish = vec![survey];
    config.admin_token = Some(AdminToken::new(ADMIN));
    config.rate_limit = opts.rate_limit;
    config.cors_origins = opts.cors_origins;
    config.static_dir = opts.static_dir;
    config.trusted_proxies = opts.trusted_proxies;
    if let Some(n) = opts.max_body_bytes {
        config.max_body_bytes = n;
    }
    let server = start(config).await.unwrap();
    TestServer {
        server,
        dir,
        db,
        client: reqwest::Client::new(),
    }
}

/// The `status` of each result.
pub fn statuses(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect()
}

/// The PostgreSQL server of the tests: an administrator's URL such as
/// `postgres://postgres@127.0.0.1:55433/postgres`.
pub const POSTGRES_ENV: &str = "PINGYI_TEST_POSTGRES";

/// `postgres` puts the shared helpers' servers on PostgreSQL.
pub const BACKEND_ENV: &str = "PINGYI_TEST_BACKEND";

/// Whether this run puts its test servers on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_ENV).is_ok_and(|b| b == "postgres")
}

/// The test PostgreSQL server's URL. Without it: `None` and a notice (the test skips), but a
/// failure under `CI=true` or when this run's backend is PostgreSQL.
pub fn postgres_server(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            if ci || on_postgres() {
                panic!("{test} needs PostgreSQL: set {POSTGRES_ENV} (cargo xtask test starts one)");
            }
            eprintln!(
                "NOTICE: {test} skipped: set {POSTGRES_ENV}=postgres://… to run it on PostgreSQL"
            );
            None
        }
    }
}

/// A fresh, empty schema on the PostgreSQL server at `server`: the URL of a connection whose
/// tables go there (its `search_path`).
pub async fn fresh_postgres(server: &str) -> String {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}: {e}"));
    let driver = tokio::spawn(connection);
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    drop(client);
    let _ = driver.await;
    let joiner = if server.contains('?') { '&' } else { '?' };
    format!("{server}{joiner}options=-c%20search_path%3D{schema}")
}

/// The `--db` value of a test server: `dir/file` (SQLite), or on a PostgreSQL run a fresh schema.
pub async fn test_db(dir: &std::path::Path, file: &str) -> std::path::PathBuf {
    if on_postgres() {
        let server = postgres_server("this PostgreSQL run").expect("checked");
        std::path::PathBuf::from(fresh_postgres(&server).await)
    } else {
        dir.join(file)
    }
}

/// The suite's store itself, for tests below HTTP: [`test_db`] opened (a SQLite file in `dir`,
/// or on a PostgreSQL run a fresh schema).
pub fn test_store(
    dir: &std::path::Path,
    file: &str,
) -> std::sync::Arc<dyn pingyi_collector::store::Store> {
    let db = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test_db(dir, file));
    pingyi_collector::store::Database::parse(&db)
        .open()
        .unwrap()
}

/// Run `work` with a client of the PostgreSQL database at `url`, on a thread of its own (so that
/// sync helpers can be called from async tests).
fn with_postgres<T: Send + 'static>(
    url: String,
    work: impl FnOnce(
            tokio_postgres::Client,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>
        + Send
        + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                work(client).await
            })
    })
    .join()
    .unwrap()
}

/// Everything the test server's database holds, as text: the SQLite files (WAL included), or
/// on PostgreSQL every row of every table of its schema.
pub fn stored_text(t: &TestServer) -> String {
    if !on_postgres() {
        let mut bytes = Vec::new();
        for f in std::fs::read_dir(t.dir.path()).unwrap() {
            let p = f.unwrap().path();
            if p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("test.sqlite")
            {
                bytes.extend(std::fs::read(&p).unwrap());
            }
        }
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    with_postgres(t.db.to_string_lossy().into_owned(), |client| {
        Box::pin(async move {
            let tables: Vec<String> = client
                .query(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = current_schema()",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut text = String::new();
            for table in tables {
                for row in client
                    .query(&format!("SELECT t::text FROM {table} t"), &[])
                    .await
                    .unwrap()
                {
                    text.push_str(row.get::<_, &str>(0));
                    text.push('\n');
                }
            }
            text
        })
    })
}

/// One text column of a query on the test server's database (`sql` has no parameters and
/// reads the same on SQLite and PostgreSQL).
pub fn stored_strings(t: &TestServer, sql: &str) -> Vec<String> {
    if !on_postgres() {
        let db = rusqlite::Connection::open(&t.db).unwrap();
        let mut st = db.prepare(sql).unwrap();
        let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
        return rows.collect::<Result<Vec<_>, _>>().unwrap();
    }
    let sql = sql.to_string();
    with_postgres(t.db.to_string_lossy().into_owned(), move |client| {
        Box::pin(async move {
            client
                .query(&sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        })
    })
}

/// Run `sql` (no parameters, several statements allowed) on the test server's database.
pub fn execute_sql(t: &TestServer, sql: &str) {
    if !on_postgres() {
        let db = rusqlite::Connection::open(&t.db).unwrap();
        db.execute_batch(sql).unwrap();
        return;
    }
    let sql = sql.to_string();
    with_postgres(t.db.to_string_lossy().into_owned(), move |client| {
        Box::pin(async move { client.batch_execute(&sql).await.unwrap() })
    })
}

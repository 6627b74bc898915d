//! pingyi-collector: the reference pingyi/1 collector (axum + SQLite, or PostgreSQL).
//!
//! It is a library so that tests and the `bench-ingest` command can start a real server on
//! 127.0.0.1 in-process with [`start`]; the binary in `main.rs` only parses the command line.

pub mod admin_token;
pub mod assets;
pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod caching;
pub mod codes;
pub mod error;
pub mod group_commit;
pub mod headers;
pub mod import;
pub mod ingest;
pub mod limits;
pub mod openapi;
pub mod routes;
pub mod serve;
pub mod state;
pub mod store;
pub mod tools;
pub mod wire;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use admin_token::{AdminToken, TokenSource};
use limits::{RateLimit, DEFAULT_MAX_BODY_BYTES};
use routes::RouterOptions;
use state::AppState;
use store::{Database, PublishOutcome};

/// Environment variable with extra CORS origins, comma separated.
pub const CORS_ORIGINS_ENV: &str = "PINGYI_CORS_ORIGINS";

/// Everything `serve` needs.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub db: PathBuf,
    pub static_dir: Option<PathBuf>,
    /// Survey files published at start (idempotent when already published).
    pub publish: Vec<PathBuf>,
    pub cors_origins: Vec<String>,
    /// `None`: from `PINGYI_ADMIN_TOKEN` or `<db>.admin-token` (created if missing).
    pub admin_token: Option<AdminToken>,
    pub rate_limit: RateLimit,
    /// Reverse proxies in front of the collector: on their requests the rate limit counts the
    /// client named by `X-Forwarded-For` instead of the proxy (see `limits::client_ip`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub max_body_bytes: usize,
    /// Origin of the links printed with ballot codes, e.g. `https://pingyi.example`; else taken
    /// from the request's Host header as `http://host`.
    pub public_url: Option<String>,
    /// Longest wait for a request's headers (a slow or half-open client is cut off after it).
    pub header_read_timeout: Duration,
    /// Longest wait for the rest of a request body once its headers are in.
    pub body_read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen queue until one ends.
    pub max_connections: usize,
    /// `frame-ancestors` of the Content-Security-Policy: who may frame the collector's pages.
    /// Empty: `'self'`.
    pub frame_ancestors: Vec<String>,
    /// Extra `connect-src` origins of the policy (other collectors the pages send ballots to).
    pub connect_src: Vec<String>,
}

impl Config {
    /// Defaults: 127.0.0.1:8080, `pingyi.sqlite`, default limits, no static files, no CORS.
    pub fn new(db: impl Into<PathBuf>) -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: db.into(),
            static_dir: None,
            publish: Vec::new(),
            cors_origins: Vec::new(),
            admin_token: None,
            rate_limit: RateLimit::default(),
            trusted_proxies: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            public_url: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            frame_ancestors: Vec::new(),
            connect_src: Vec::new(),
        }
    }
}

/// Default [`Config::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`Config::body_read_timeout`].
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`Config::max_connections`]: far above one meeting's phones, far below the process's
/// file limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1000;

/// The start-up warning when a reverse proxy is trusted but no public URL is set.
pub const PUBLIC_URL_WARNING: &str = "--trusted-proxy is set but --public-url is not: the join \
links printed with ballot codes are built as http://<Host header>, which is wrong behind a TLS \
proxy; set --public-url https://your.domain";

/// Start-up warnings about the configuration (also logged by [`start`]).
pub fn config_warnings(config: &Config) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !config.trusted_proxies.is_empty() && config.public_url.is_none() {
        out.push(PUBLIC_URL_WARNING);
    }
    out
}

/// Why a collector on PostgreSQL does not start without a configured admin token.
pub const POSTGRES_ADMIN_TOKEN_NEEDED: &str = "with a PostgreSQL database the admin token must \
be given, the same to every instance: set PINGYI_ADMIN_TOKEN (or --admin-token)";

/// The admin token of `PINGYI_ADMIN_TOKEN`, when set.
fn admin_token_from_env() -> Result<Option<AdminToken>, StartError> {
    match std::env::var(admin_token::ADMIN_TOKEN_ENV) {
        Ok(t) if !t.trim().is_empty() => AdminToken::checked(&t, admin_token::ADMIN_TOKEN_ENV)
            .map(Some)
            .map_err(StartError),
        _ => Ok(None),
    }
}

/// Why the server did not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// A running server.
pub struct Server {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    pub admin_token: AdminToken,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Transactions the group commit made so far, and the requests they carried.
    pub fn group_commit_counts(&self) -> (u64, u64) {
        self.state.group_commit.counts()
    }

    /// How many times ingest read a survey's state (latest version, closed) from the store.
    pub fn ingest_view_reads(&self) -> u64 {
        self.state.ingest_view_reads()
    }

    /// Stop accepting, finish in-flight requests, and wait.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.handle).await;
    }

    /// Run until `signal` completes, then shut down gracefully.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        tokio::select! {
            r = &mut self.handle => return r.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            _ = signal => {}
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.handle)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Open the database, publish the given surveys, bind and serve in the background.
pub async fn start(config: Config) -> Result<Server, StartError> {
    ingest::check_body_limit(config.max_body_bytes).map_err(StartError)?;
    for w in config_warnings(&config) {
        warn!("{w}");
    }
    if config.max_connections == 0 {
        return Err(StartError("max connections must be at least 1".into()));
    }
    let database = Database::parse(&config.db);
    let opening = database.clone();
    let store = tokio::task::spawn_blocking(move || opening.open())
        .await
        .map_err(|e| StartError(format!("cannot open database {database}: {e}")))?
        .map_err(|e| StartError(format!("cannot open database {database}: {e}")))?;
    let admin = match (&config.admin_token, &database) {
        (Some(t), _) => t.clone(),
        (None, Database::Postgres(_)) => admin_token_from_env()?
            .ok_or_else(|| StartError(POSTGRES_ADMIN_TOKEN_NEEDED.to_string()))?,
        (None, Database::Sqlite(db)) => {
            let (token, source) = AdminToken::load_or_create(db).map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidInput => StartError(e.to_string()),
                _ => StartError(format!("cannot load or create the admin token: {e}")),
            })?;
            match source {
                TokenSource::Env => info!("admin token from {}", admin_token::ADMIN_TOKEN_ENV),
                TokenSource::File(p) => info!("admin token read from {}", p.display()),
                TokenSource::Generated(p) => {
                    // Printed once, on first start; kept in a 0600 file for later.
                    eprintln!(
                        "admin token (saved in {}; set {} to choose your own):\n  {}",
                        p.display(),
                        admin_token::ADMIN_TOKEN_ENV,
                        token.reveal()
                    );
                }
            }
            token
        }
    };
    let mut state = AppState::new(store, admin.clone(), config.max_body_bytes);
    state.public_url = config.public_url.clone();
    let state = Arc::new(state);
    // Other instances on the same database (PostgreSQL): their changes reach our live views.
    let listener = Arc::downgrade(&state);
    state.store.watch_changes(Arc::new(move |survey_id: &str| {
        if let Some(state) = listener.upgrade() {
            state.notify(survey_id);
        }
    }));

    for path in &config.publish {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StartError(format!("cannot read survey {}: {e}", path.display())))?;
        let st = state.clone();
        let outcome = tokio::task::spawn_blocking(move || st.publish_text(&text, None))
            .await
            .map_err(|e| StartError(format!("publishing {} failed: {e}", path.display())))?;
        match outcome {
            Ok((survey, PublishOutcome::Created)) => {
                info!(survey_id = %survey.id, version = survey.version, "published {}", path.display())
            }
            Ok((survey, PublishOutcome::Unchanged)) => {
                info!(survey_id = %survey.id, version = survey.version, "already published {}", path.display())
            }
            Err(e) => {
                let problems: Vec<String> = e
                    .problems()
                    .iter()
                    .map(|p| format!("  {} [{}] {}", p.path, p.code, p.en))
                    .collect();
                return Err(StartError(format!(
                    "cannot publish {}: {}\n{}",
                    path.display(),
                    e,
                    problems.join("\n")
                )));
            }
        }
    }

    let mut cors_origins = config.cors_origins.clone();
    if let Ok(extra) = std::env::var(CORS_ORIGINS_ENV) {
        cors_origins.extend(
            extra
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
    }
    if let Some(dir) = &config.static_dir {
        if !dir.join("index.html").is_file() {
            warn!("static dir {} has no index.html", dir.display());
        }
    }
    let events_state = state.clone();
    let kept_state = state.clone();
    let app = routes::router(
        state,
        &RouterOptions {
            static_dir: config.static_dir.clone(),
            cors_origins,
            rate_limit: config.rate_limit,
            trusted_proxies: config.trusted_proxies.clone(),
            policy: headers::PolicyOptions {
                frame_ancestors: config.frame_ancestors.clone(),
                connect_src: config
                    .connect_src
                    .iter()
                    .chain(config.public_url.iter())
                    .cloned()
                    .collect(),
            },
            body_read_timeout: Some(config.body_read_timeout),
        },
    )
    .map_err(StartError)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| StartError(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let (tx, rx) = oneshot::channel::<()>();
    let limits = serve::ConnectionLimits {
        header_read_timeout: config.header_read_timeout,
        max_connections: config.max_connections,
    };
    let handle = tokio::spawn(serve::serve(listener, app, limits, async move {
        let _ = rx.await;
        // End the live event streams, which would otherwise keep the shutdown waiting.
        let _ = events_state.shutdown.send(true);
    }));
    info!("pingyi/1 collector listening on http://{addr}");
    Ok(Server {
        addr,
        admin_token: admin,
        state: kept_state,
        shutdown: Some(tx),
        handle,
    })
}

//! The handlers' shared state, [`AppState`]: the store, the admin token, the body limit, the
//! cache of parsed survey versions, the live-change signals and the shutdown signal.
//!
//! Its survey look-ups and publishing answer with domain results ([`LookupError`],
//! [`PublishError`]) that the routes turn into [`ApiError`]s and the command line prints.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use axum::http::StatusCode;
use tracing::error;

use pingyi_core::ballot::sha256_hex;
use pingyi_core::protocol::error_code;
use pingyi_core::{parse_survey, Problem, Survey};

use crate::admin_token::AdminToken;
use crate::error::ApiError;
use crate::store::{PublishOutcome, Store, StoreError, StoredSurvey};

/// Shared state of the handlers.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub admin: AdminToken,
    pub max_body_bytes: usize,
    /// Parsed survey versions. Published versions never change, so entries never go stale.
    surveys: RwLock<HashMap<(String, u32), Arc<Survey>>>,
    /// Origin of the links printed with ballot codes (`--public-url`); else from the Host header.
    pub public_url: Option<String>,
    /// Per survey: a signal sent whenever its live view may have changed (ballots accepted, paper
    /// totals replaced, revealed, hidden, closed). Server-sent event streams listen to it.
    changes: Mutex<HashMap<String, tokio::sync::broadcast::Sender<()>>>,
    /// Set to true when the server shuts down, so that event streams end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Ballots with unknown codes per survey lately (see [`crate::codes`]).
    pub code_guesses: crate::codes::GuessBudget,
}

/// Why a survey look-up found nothing usable.
#[derive(Debug)]
pub enum LookupError {
    /// No version of the survey is published here.
    SurveyNotFound { survey_id: String },
    /// The store failed.
    Store(StoreError),
    /// A stored survey no longer parses (logged).
    Unreadable,
}

impl From<StoreError> for LookupError {
    fn from(e: StoreError) -> Self {
        LookupError::Store(e)
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::SurveyNotFound { survey_id } => {
                write!(f, "no survey {survey_id:?} is published here")
            }
            LookupError::Store(e) => write!(f, "{e}"),
            LookupError::Unreadable => write!(f, "a stored survey does not parse"),
        }
    }
}

impl From<LookupError> for ApiError {
    fn from(e: LookupError) -> Self {
        match e {
            LookupError::SurveyNotFound { .. } => ApiError::survey_not_found(e.to_string()),
            LookupError::Store(e) => e.into(),
            LookupError::Unreadable => ApiError::internal(),
        }
    }
}

/// Why a survey file was not published.
#[derive(Debug)]
pub enum PublishError {
    /// The file has problems (core's `parse_survey`).
    Invalid(Vec<Problem>),
    /// The path names another survey than the file.
    WrongId { path_id: String, file_id: String },
    /// The version goes backwards, or the same version is stored with other content.
    Version(StoreError),
    /// The store failed.
    Store(StoreError),
    /// The survey could not be written as JSON.
    Internal,
}

impl PublishError {
    /// The file's problems, when it has any.
    pub fn problems(&self) -> &[Problem] {
        match self {
            PublishError::Invalid(p) => p,
            _ => &[],
        }
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Invalid(p) => write!(f, "the survey file has {} problem(s)", p.len()),
            PublishError::WrongId { path_id, file_id } => write!(
                f,
                "the path names survey {path_id:?} but the file is survey {file_id:?}"
            ),
            PublishError::Version(e) | PublishError::Store(e) => write!(f, "{e}"),
            PublishError::Internal => write!(f, "internal error; try again later"),
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        let message = e.to_string();
        match e {
            PublishError::Invalid(problems) => ApiError::with_problems(
                StatusCode::UNPROCESSABLE_ENTITY,
                error_code::SURVEY_INVALID,
                message,
                problems,
            ),
            PublishError::WrongId { .. } => ApiError::bad_request(message),
            PublishError::Version(_) => {
                ApiError::new(StatusCode::CONFLICT, error_code::SURVEY_INVALID, message)
            }
            PublishError::Store(e) => e.into(),
            PublishError::Internal => ApiError::internal(),
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, admin: AdminToken, max_body_bytes: usize) -> Self {
        AppState {
            store,
            admin,
            max_body_bytes,
            surveys: RwLock::new(HashMap::new()),
            public_url: None,
            changes: Mutex::new(HashMap::new()),
            shutdown: tokio::sync::watch::Sender::new(false),
            code_guesses: Default::default(),
        }
    }

    /// Tell the live event streams of a survey that something changed.
    pub fn notify(&self, survey_id: &str) {
        if let Some(tx) = self
            .changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(survey_id)
        {
            let _ = tx.send(());
        }
    }

    /// Listen for changes of a survey.
    pub fn subscribe(&self, survey_id: &str) -> tokio::sync::broadcast::Receiver<()> {
        let mut map = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        // Drop senders nobody listens to any more, so the map stays small.
        map.retain(|_, tx| tx.receiver_count() > 0);
        map.entry(survey_id.to_string())
            .or_insert_with(|| tokio::sync::broadcast::channel(16).0)
            .subscribe()
    }

    /// A parsed survey version from the cache or the store (blocking).
    fn parsed(&self, stored: &StoredSurvey) -> Result<Arc<Survey>, LookupError> {
        let key = (stored.survey_id.clone(), stored.version);
        if let Some(s) = self
            .surveys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(s.clone());
        }
        let survey: Survey = serde_json::from_str(&stored.json).map_err(|e| {
            error!(survey_id = %stored.survey_id, version = stored.version, "stored survey does not parse: {e}");
            LookupError::Unreadable
        })?;
        let survey = Arc::new(survey);
        self.surveys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, survey.clone());
        Ok(survey)
    }

    /// A parsed survey version (blocking); `None` when not published.
    pub fn version(
        &self,
        survey_id: &str,
        version: u32,
    ) -> Result<Option<Arc<Survey>>, LookupError> {
        if let Some(s) = self
            .surveys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(survey_id.to_string(), version))
        {
            return Ok(Some(s.clone()));
        }
        match self.store.survey_version(survey_id, version)? {
            Some(stored) => Ok(Some(self.parsed(&stored)?)),
            None => Ok(None),
        }
    }

    /// The latest published version, parsed (blocking).
    pub fn latest(&self, survey_id: &str) -> Result<Arc<Survey>, LookupError> {
        match self.store.latest_survey(survey_id)? {
            Some(stored) => self.parsed(&stored),
            None => Err(LookupError::SurveyNotFound {
                survey_id: survey_id.to_string(),
            }),
        }
    }

    /// Validate and publish a survey file (blocking). `expected_id` is the id from the path.
    pub fn publish_text(
        &self,
        text: &str,
        expected_id: Option<&str>,
    ) -> Result<(Survey, PublishOutcome), PublishError> {
        let survey = parse_survey(text).map_err(PublishError::Invalid)?;
        if let Some(id) = expected_id {
            if survey.id != id {
                return Err(PublishError::WrongId {
                    path_id: id.to_string(),
                    file_id: survey.id,
                });
            }
        }
        let json = serde_json::to_string(&survey).map_err(|_| PublishError::Internal)?;
        let stored = StoredSurvey {
            survey_id: survey.id.clone(),
            version: survey.version,
            content_hash: sha256_hex(&json),
            json,
        };
        match self.store.publish_survey(&stored) {
            Ok(outcome) => Ok((survey, outcome)),
            Err(e @ (StoreError::VersionBackwards { .. } | StoreError::VersionClash { .. })) => {
                Err(PublishError::Version(e))
            }
            Err(e) => Err(PublishError::Store(e)),
        }
    }
}

//! The handlers' shared state, [`AppState`]: the store, the admin token, the body limit, the
//! cache of parsed survey versions, the live views shared by every projector (a change counter
//! and the last live snapshot per survey) and the shutdown signal.
//!
//! Its survey look-ups and publishing answer with domain results ([`LookupError`],
//! [`PublishError`]) that the routes turn into [`ApiError`]s and the command line prints.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

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
    /// Per survey whose live view was asked for: a change counter, raised whenever the live view
    /// may have changed (ballots accepted, paper totals replaced, revealed, hidden, closed, a new
    /// version published), and the last live snapshot. Entries are made only for published
    /// surveys and never removed, so a counter never goes back.
    live: Mutex<HashMap<String, Arc<LiveSlot>>>,
    /// How many times a live view was computed from the stored ballots (for tests and logs).
    live_recounts: AtomicU64,
    /// Set to true when the server shuts down, so that event streams end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Ballots with unknown codes per survey lately (see [`crate::codes`]).
    pub code_guesses: crate::codes::GuessBudget,
    /// Concurrent ballot inserts share one transaction ([`crate::group_commit::GroupCommit`]).
    pub group_commit: Arc<crate::group_commit::GroupCommit>,
    /// What ingest last read of each published survey ([`AppState::latest_for_ingest`]), and
    /// how many times reads were forgotten (a read begun before a forgetting is not kept).
    ingest_views: Mutex<(HashMap<String, IngestView>, u64)>,
    /// How many times ingest read a survey's state from the store (for tests and benchmarks).
    ingest_view_reads: AtomicU64,
}

/// How long ingest trusts what it read of a survey (its latest version and whether it is closed)
/// before reading it again. A crowd of phones then costs the database one read a second per
/// survey, not one per request (when it goes stale, one request reads it again while the others
/// go on with it). Publishing or closing through this collector forgets the read at once; a change
/// made by another instance (or by `pingyi-collector import`) is seen within this time and one
/// read (twice this time at most, when that read hangs or fails). Nothing is stored on a stale read: the insert transaction checks again, under the
/// survey's lock, that the survey is still open, and each ballot is validated against its own
/// version. Only the submit key and voting window may be those of the previous version for as
/// long, as if the batch had come that much earlier.
pub const INGEST_VIEW_FRESH_FOR: Duration = Duration::from_secs(1);

/// What ingest read of a survey, and when.
#[derive(Clone, Copy)]
struct IngestView {
    read: Instant,
    latest: u32,
    closed: bool,
    /// A request is reading it again: the others go on with this one meanwhile, so that a crowd
    /// makes one read when it goes stale, not one each.
    rereading: bool,
}

impl IngestView {
    /// Whether ingest may go on with it: read less than [`INGEST_VIEW_FRESH_FOR`] ago, or being
    /// read again for at most one more such time. A read again that hangs or fails leaves the
    /// view unusable after that, so that the next batch reads again: a stale view never serves
    /// longer than twice the freshness time.
    fn usable(&self) -> bool {
        let age = self.read.elapsed();
        age < INGEST_VIEW_FRESH_FOR || (self.rereading && age < 2 * INGEST_VIEW_FRESH_FOR)
    }
}

/// The live view of one survey, shared by every projector and event stream: one recount per
/// change, whatever the number of listeners.
pub struct LiveSlot {
    /// The change counter; event streams wait on it.
    changes: tokio::sync::watch::Sender<u64>,
    /// The last snapshot. The async lock makes a recount happen once: the first caller after a
    /// change recounts while the others wait for its result.
    pub snapshot: tokio::sync::Mutex<Option<LiveSnapshot>>,
}

impl LiveSlot {
    /// The change counter now.
    pub fn generation(&self) -> u64 {
        *self.changes.borrow()
    }

    /// Wait for changes: the receiver wakes once for any number of changes since it last looked.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

/// One computed live view, as JSON for the public and for the organiser.
pub struct LiveSnapshot {
    /// The change counter read before computing: a later change makes the snapshot stale.
    pub generation: u64,
    /// When it was computed: the snapshot is also refreshed after a while, so that a change made
    /// by another process on the same database (`pingyi-collector import`) shows up.
    pub made: Instant,
    /// The public live view (`GET …/live` without a token).
    pub public_json: Arc<str>,
    /// The organiser's live view (with the admin token).
    pub organiser_json: Arc<str>,
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
            live: Mutex::new(HashMap::new()),
            live_recounts: AtomicU64::new(0),
            shutdown: tokio::sync::watch::Sender::new(false),
            code_guesses: Default::default(),
            group_commit: Default::default(),
            ingest_views: Mutex::new((HashMap::new(), 0)),
            ingest_view_reads: AtomicU64::new(0),
        }
    }

    /// Tell the live views of a survey that something changed: the next request recounts once.
    pub fn notify(&self, survey_id: &str) {
        if let Some(slot) = self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(survey_id)
        {
            slot.changes.send_modify(|g| *g += 1);
        }
    }

    /// The live slot of a survey, when one was made.
    pub fn existing_live_slot(&self, survey_id: &str) -> Option<Arc<LiveSlot>> {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(survey_id)
            .cloned()
    }

    /// The live slot of a survey, made on first use. Call it only for a published survey, so
    /// that unknown ids leave nothing behind.
    pub fn live_slot(&self, survey_id: &str) -> Arc<LiveSlot> {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(survey_id.to_string())
            .or_insert_with(|| {
                Arc::new(LiveSlot {
                    changes: tokio::sync::watch::Sender::new(0),
                    snapshot: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// Count one recount of a live view.
    pub fn count_live_recount(&self) {
        self.live_recounts.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times a live view was computed from the stored ballots since the start.
    pub fn live_recounts(&self) -> u64 {
        self.live_recounts.load(Ordering::Relaxed)
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

    /// For ingest (blocking): the latest published version, parsed, and whether the survey is
    /// closed, read from the store at most once per [`INGEST_VIEW_FRESH_FOR`] per survey (the
    /// parsed version from the cache). A survey that is not published is looked up every time,
    /// so that one published meanwhile, here or on another instance, is found at once, and
    /// unknown ids leave nothing behind.
    pub fn latest_for_ingest(&self, survey_id: &str) -> Result<(Arc<Survey>, bool), LookupError> {
        let not_found = || LookupError::SurveyNotFound {
            survey_id: survey_id.to_string(),
        };
        let (known, forgotten) = {
            let mut views = self.ingest_views.lock().unwrap_or_else(|p| p.into_inner());
            let forgotten = views.1;
            let known = match views.0.get_mut(survey_id) {
                Some(v) if v.usable() => Some(*v),
                Some(v) => {
                    v.rereading = true;
                    None
                }
                None => None,
            };
            (known, forgotten)
        };
        let view = match known {
            Some(view) => view,
            None => {
                let read = Instant::now();
                self.ingest_view_reads.fetch_add(1, Ordering::Relaxed);
                let looked = self.store.ingest_view(survey_id);
                let mut views = self.ingest_views.lock().unwrap_or_else(|p| p.into_inner());
                let (latest, closed) = match looked {
                    Ok((Some(latest), closed)) => (latest, closed),
                    Ok((None, _)) | Err(_) => {
                        // Gone, or the store failed: nothing kept, the next batch reads again.
                        views.0.remove(survey_id);
                        drop(views);
                        return Err(match looked {
                            Err(e) => e.into(),
                            Ok(_) => not_found(),
                        });
                    }
                };
                let view = IngestView {
                    read,
                    latest,
                    closed,
                    rereading: false,
                };
                if views.1 == forgotten {
                    views.0.insert(survey_id.to_string(), view);
                }
                view
            }
        };
        let survey = self
            .version(survey_id, view.latest)?
            .ok_or_else(not_found)?;
        Ok((survey, view.closed))
    }

    /// What [`AppState::latest_for_ingest`] would answer, when it can answer from memory alone
    /// and every survey version the batch names is parsed already, so that checking the batch
    /// reads nothing from the store; `None` otherwise (the batch is then checked on a blocking
    /// thread).
    pub fn known_for_ingest(
        &self,
        survey_id: &str,
        raw: &[serde_json::Value],
    ) -> Option<(Arc<Survey>, bool)> {
        let view = self
            .ingest_views
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .get(survey_id)
            .copied()
            .filter(IngestView::usable)?;
        let surveys = self.surveys.read().unwrap_or_else(|p| p.into_inner());
        let key = |version: u32| (survey_id.to_string(), version);
        let latest = surveys.get(&key(view.latest))?.clone();
        // A version that is not a u32 fails the ballot's parsing before any look-up.
        let named = raw.iter().filter_map(|b| {
            b.get("survey_version")
                .and_then(serde_json::Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
        });
        for version in named {
            if version != view.latest && !surveys.contains_key(&key(version)) {
                return None;
            }
        }
        Some((latest, view.closed))
    }

    /// Forget what ingest read of a survey: the next batch reads it again. Called after this
    /// collector publishes a version of it or closes it.
    pub fn forget_ingest_view(&self, survey_id: &str) {
        let mut views = self.ingest_views.lock().unwrap_or_else(|p| p.into_inner());
        views.0.remove(survey_id);
        views.1 += 1;
    }

    /// How many times ingest read a survey's state from the store since the start.
    pub fn ingest_view_reads(&self) -> u64 {
        self.ingest_view_reads.load(Ordering::Relaxed)
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
            Ok(outcome) => {
                if outcome == PublishOutcome::Created {
                    self.forget_ingest_view(&survey.id);
                    // The live view shows the latest version's title and count.
                    self.notify(&survey.id);
                }
                Ok((survey, outcome))
            }
            Err(e @ (StoreError::VersionBackwards { .. } | StoreError::VersionClash { .. })) => {
                Err(PublishError::Version(e))
            }
            Err(e) => Err(PublishError::Store(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(age: Duration, rereading: bool) -> IngestView {
        IngestView {
            read: Instant::now() - age,
            latest: 1,
            closed: false,
            rereading,
        }
    }

    #[test]
    fn a_view_serves_while_fresh_and_while_read_again_for_one_more_freshness_time_at_most() {
        let fresh = INGEST_VIEW_FRESH_FOR;
        assert!(view(fresh / 2, false).usable());
        assert!(!view(fresh + fresh / 2, false).usable());
        assert!(view(fresh + fresh / 2, true).usable());
        // A read again that never answered (it hung, or panicked) does not keep it alive.
        assert!(!view(2 * fresh + fresh / 10, true).usable());
    }
}

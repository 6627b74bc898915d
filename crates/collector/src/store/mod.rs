//! Storage behind the collector: published survey versions and received ballots.
//!
//! The [`Store`] trait is what the HTTP layer needs and nothing more, so another backend
//! (PostgreSQL) can be added beside [`sqlite::SqliteStore`]. Methods are blocking; the API calls
//! them from `tokio::task::spawn_blocking`.

pub mod sqlite;

use std::fmt;

pub use sqlite::SqliteStore;

/// A survey version as stored: its normalised JSON and the hash of that JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSurvey {
    pub survey_id: String,
    pub version: u32,
    /// Normalised JSON (`serde_json::to_string(&Survey)`), already validated by `parse_survey`.
    pub json: String,
    pub content_hash: String,
}

/// What publishing a survey version did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishOutcome {
    /// A new version was stored.
    Created,
    /// This exact version was already stored; nothing changed.
    Unchanged,
}

/// A validated ballot ready to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBallot {
    pub id: String,
    pub survey_id: String,
    pub survey_version: u32,
    pub canonical_json: String,
    pub content_hash: String,
}

/// What inserting one ballot did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    /// Already stored with the same content hash.
    Duplicate,
    /// Already stored with another content hash; the stored one is kept.
    Conflict,
}

/// One stored ballot in export order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBallot {
    /// Position in insertion order; pass the last one seen as `after` to get the next page.
    pub seq: i64,
    pub canonical_json: String,
}

/// Storage errors. Publishing conflicts are errors the caller reports to the client; everything
/// else is an internal failure.
#[derive(Debug)]
pub enum StoreError {
    /// The new version is lower than the latest stored one.
    VersionBackwards { latest: u32 },
    /// The same version is stored with different content.
    VersionClash { version: u32 },
    /// The database failed.
    Database(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::VersionBackwards { latest } => {
                write!(f, "version goes backwards: version {latest} is already published")
            }
            StoreError::VersionClash { version } => {
                write!(f, "version {version} is already published with different content; raise the version")
            }
            StoreError::Database(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// The storage a collector needs.
pub trait Store: Send + Sync + 'static {
    /// Publish a survey version. Idempotent for an identical version; refuses a lower version or
    /// a different survey under an existing version.
    fn publish_survey(&self, survey: &StoredSurvey) -> Result<PublishOutcome, StoreError>;

    /// The highest published version of a survey.
    fn latest_survey(&self, survey_id: &str) -> Result<Option<StoredSurvey>, StoreError>;

    /// One published version of a survey.
    fn survey_version(&self, survey_id: &str, version: u32) -> Result<Option<StoredSurvey>, StoreError>;

    /// Insert ballots in one transaction, all or nothing, returning one outcome per ballot in
    /// order. Ballot ids are unique across the store.
    fn insert_ballots(&self, ballots: &[NewBallot]) -> Result<Vec<InsertOutcome>, StoreError>;

    /// Up to `limit` ballots of a survey (optionally one version) with `seq > after`, in
    /// insertion order.
    fn ballots_page(
        &self,
        survey_id: &str,
        version: Option<u32>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError>;

    /// How many ballots are stored for a survey (optionally one version).
    fn count_ballots(&self, survey_id: &str, version: Option<u32>) -> Result<u64, StoreError>;
}

//! Storage behind the collector: published survey versions and received ballots.
//!
//! The [`Store`] trait is what the HTTP layer needs and nothing more. Two backends implement it:
//! [`sqlite::SqliteStore`] (one file, the default) and [`postgres::PostgresStore`] (several
//! instances on one database); [`location::Database`] picks one from the `--db` value. Methods
//! are blocking; the API calls them from `tokio::task::spawn_blocking`.

pub mod location;
pub mod postgres;
pub mod sqlite;

use std::fmt;
use std::sync::Arc;

pub use location::Database;
pub use postgres::PostgresStore;
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
    /// The ballot's `code_hash` (surveys with ballot codes): the insert claims the code whose
    /// stored check is `code_check(code_hash)`, first use wins.
    pub code_hash: Option<String>,
}

/// What inserting one ballot did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    /// Already stored with the same content hash.
    Duplicate,
    /// Already stored with another content hash; the stored one is kept.
    Conflict,
    /// Not stored: its `code_hash` is not one of the survey's codes.
    CodeUnknown,
    /// Not stored: its code was already used by another ballot.
    CodeUsed,
}

/// The meeting state of a survey (all versions): open or closed, results revealed or hidden,
/// and the final tally frozen at closing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeetingState {
    /// RFC 3339 UTC time of closing; `None` while open.
    pub closed_at: Option<String>,
    /// Whether the organiser revealed the results (projector, public routes).
    pub revealed: bool,
    /// The frozen final tally, once computed at closing.
    pub final_tally: Option<FrozenTally>,
}

/// The final tally as frozen at closing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenTally {
    pub survey_version: u32,
    /// The `pingyi-tally/1` report's canonical JSON (`serde_json::to_string`).
    pub report_json: String,
    /// SHA-256 (lowercase hex) of `report_json`.
    pub content_hash: String,
}

/// One stored ballot code: only the check of its hash (core `codes::code_check`), which casts no
/// ballot, and whether a ballot used it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCode {
    pub code_check: String,
    pub used: bool,
}

/// One stored ballot in export order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBallot {
    /// Position in insertion order; pass the last one seen as `after` to get the next page.
    pub seq: i64,
    /// The ballot id; pass the last one seen as `after_id` of [`Store::ballots_page_by_id`].
    pub id: String,
    pub canonical_json: String,
}

/// What the tally states say about one survey version, without reading any ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionTally {
    pub version: u32,
    /// Ballots stored for the version (all counted: a store holds each id once).
    pub ballots: u64,
    /// Whether any of them is a paper ballot.
    pub any_paper: bool,
}

/// Storage errors. Publishing conflicts are errors the caller reports to the client; everything
/// else is an internal failure.
#[derive(Debug)]
pub enum StoreError {
    /// The new version is lower than the latest stored one.
    VersionBackwards { latest: u32 },
    /// The same version is stored with different content.
    VersionClash { version: u32 },
    /// The survey is closed: nothing may be added or changed.
    Closed,
    /// The disk (or the database's size limit) is full; the write was rolled back whole.
    Full,
    /// The database failed.
    Database(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::VersionBackwards { latest } => {
                write!(
                    f,
                    "version goes backwards: version {latest} is already published"
                )
            }
            StoreError::VersionClash { version } => {
                write!(f, "version {version} is already published with different content; raise the version")
            }
            StoreError::Closed => write!(f, "the survey is closed"),
            StoreError::Full => write!(
                f,
                "the database or its disk is full; nothing of this write was stored"
            ),
            StoreError::Database(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full,
            _ => StoreError::Database(e.to_string()),
        }
    }
}

/// The storage a collector needs.
pub trait Store: Send + Sync + 'static {
    /// Publish a survey version. Idempotent for an identical version; refuses a lower version or
    /// a different survey under an existing version. A new version of a closed survey fails with
    /// [`StoreError::Closed`] (checked in the same transaction as the insert); re-publishing the
    /// version already stored stays `Unchanged`, closed or not.
    fn publish_survey(&self, survey: &StoredSurvey) -> Result<PublishOutcome, StoreError>;

    /// The highest published version of a survey.
    fn latest_survey(&self, survey_id: &str) -> Result<Option<StoredSurvey>, StoreError>;

    /// What ingest reads before each batch, in one look: the latest published version of a survey
    /// (`None` when none is) and whether the survey is closed.
    fn ingest_view(&self, survey_id: &str) -> Result<(Option<u32>, bool), StoreError> {
        let latest = self.latest_survey(survey_id)?.map(|s| s.version);
        let closed = self.meeting_state(survey_id)?.closed_at.is_some();
        Ok((latest, closed))
    }

    /// One published version of a survey.
    fn survey_version(
        &self,
        survey_id: &str,
        version: u32,
    ) -> Result<Option<StoredSurvey>, StoreError>;

    /// Insert ballots in one transaction, all or nothing, returning one outcome per ballot in
    /// order. Ballot ids are unique across the store. A ballot with a `code_hash` claims that code
    /// in the same transaction (first use wins; a re-sent identical ballot is still a duplicate).
    /// Fails with [`StoreError::Closed`], storing nothing, when its survey is closed.
    ///
    /// In the same transaction, every ballot that comes out [`InsertOutcome::Inserted`] is added
    /// once (core `Counter::add`, on its canonical JSON) to the tally state of its survey
    /// version ([`Store::tally_state`]); no other outcome changes a state. Ingest stores only
    /// ballots of published versions; a ballot of a version that is not published is stored
    /// and counted in no state. A stored ballot whose JSON does not read as a ballot fails the
    /// whole batch.
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

    /// How many ballots are stored for each version of a survey, in version order (versions with
    /// no ballot are absent).
    fn ballot_versions(&self, survey_id: &str) -> Result<Vec<(u32, u64)>, StoreError>;

    /// Up to `limit` ballots of a survey (optionally one version) with an id after `after_id`
    /// (`""` for the first page), in id order: an export in this order does not show the order
    /// in which ballots arrived.
    fn ballots_page_by_id(
        &self,
        survey_id: &str,
        version: Option<u32>,
        after_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredBallot>, StoreError>;

    /// How many ballots are stored for a survey (optionally one version).
    fn count_ballots(&self, survey_id: &str, version: Option<u32>) -> Result<u64, StoreError>;

    /// Store the checks of new codes (`code_check(code_hash)`: never the codes or their hashes)
    /// in one transaction. Returns, per check, whether it was new (one already stored is left as
    /// it is). Fails with [`StoreError::Closed`] when the survey is closed.
    fn add_codes(&self, survey_id: &str, checks: &[String]) -> Result<Vec<bool>, StoreError>;

    /// Every code check of a survey, sorted, with whether it was used.
    fn codes(&self, survey_id: &str) -> Result<Vec<StoredCode>, StoreError>;

    /// The `code_hash` of every stored ballot of a survey that has one (the used codes), sorted.
    fn used_code_hashes(&self, survey_id: &str) -> Result<Vec<String>, StoreError>;

    /// The tally state of one survey version: core's `TallyState` of every ballot stored for
    /// that version, texts and reasons included, as kept by [`Store::insert_ballots`]. Read in
    /// one snapshot (never half a batch), without reading any ballot. An empty state when the
    /// version has no ballot; `None` when the version is not published. Its
    /// `other_versions`, `ignored_other_survey` and `duplicates_dropped` are always 0: the caller
    /// adds the other versions from [`Store::tally_versions`].
    fn tally_state(
        &self,
        survey_id: &str,
        version: u32,
    ) -> Result<Option<pingyi_core::tally::TallyState>, StoreError>;

    /// Every version of a survey that has ballots, in version order, with its ballot count and
    /// whether any is a paper ballot: from the tally states, without reading any ballot.
    fn tally_versions(&self, survey_id: &str) -> Result<Vec<VersionTally>, StoreError>;

    /// The meeting state (open, not revealed, when never changed).
    fn meeting_state(&self, survey_id: &str) -> Result<MeetingState, StoreError>;

    /// Reveal or hide the results.
    fn set_revealed(&self, survey_id: &str, revealed: bool) -> Result<(), StoreError>;

    /// Close the survey at `closed_at`; closing again keeps the first time. After this commits,
    /// no ballot, code or paper totals can be added.
    fn close(&self, survey_id: &str, closed_at: &str) -> Result<(), StoreError>;

    /// Store the final tally of a closed survey, unless one is stored already (it is never
    /// replaced). Returns the one in force.
    fn freeze(&self, survey_id: &str, frozen: &FrozenTally) -> Result<FrozenTally, StoreError>;

    /// The paper totals in force: the survey version they were checked against and their JSON.
    fn paper_totals(&self, survey_id: &str) -> Result<Option<(u32, String)>, StoreError>;

    /// Replace the paper totals. Fails with [`StoreError::Closed`] when the survey is closed.
    fn set_paper_totals(&self, survey_id: &str, version: u32, json: &str)
        -> Result<(), StoreError>;

    /// From now on, call `changed(survey_id)` whenever another process sharing this database
    /// commits a change to a survey's live view (ballots, paper totals, reveal, close, a new
    /// version). Does nothing by default (SQLite: one serving process per file).
    fn watch_changes(&self, changed: Arc<dyn Fn(&str) + Send + Sync>) {
        let _ = changed;
    }
}

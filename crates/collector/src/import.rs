//! `pingyi-collector import`: load ballot files from offline devices into the database.
//!
//! Each file is read in any shape Pingyi writes (the same shapes the `pingyi` CLI accepts):
//! - a raw export, `{"format": "pingyi-ballots/1", "survey_id": …, "ballots": [ … ]}`;
//! - a bare JSON array of ballots (the collector's `GET …/ballots`, `pingyi merge`);
//! - an object with a `ballots` array (a `pingyi/1` submit batch);
//! - NDJSON, one ballot per line (`GET …/ballots?format=ndjson`).
//!
//! (Core's `pingyi_core::export::ballot_values` reads the shapes, for the CLI and console too.)
//!
//! Every ballot then goes through [`crate::ingest::ingest`], the store path of
//! `POST …/ballots`: validated with core against its own survey version, inserted in one
//! transaction per file (per survey named in the file, normally one), ids unique. Each ballot ends
//! as imported, duplicate (same id, same content: already there), conflict (same id, other
//! content: the stored one is kept and the id is listed for review) or rejected (with the reason).
//!
//! The collector keeps the FIRST stored version of a conflicting id, because it may already have
//! told a phone "accepted". Core's `merge` (used by `pingyi merge` and the console's file import)
//! instead counts neither version; both list the id so officials can look at it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use pingyi_core::protocol::BallotStatus;
use serde_json::Value;

use crate::admin_token::AdminToken;
use crate::ingest::{ingest, Sender};
use crate::limits::DEFAULT_MAX_BODY_BYTES;
use crate::state::AppState;
use crate::store::{Database, PublishOutcome};

/// One ballot that was not imported as new, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub file: PathBuf,
    pub id: String,
    /// Why (rejections): the problems' English text, joined.
    pub reason: String,
}

/// What an import did, over all files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub imported: u64,
    pub duplicates: u64,
    pub conflicts: Vec<Listed>,
    pub rejected: Vec<Listed>,
}

impl ImportSummary {
    /// Whether anything needs an official's attention (conflicts or rejections).
    pub fn needs_review(&self) -> bool {
        !self.conflicts.is_empty() || !self.rejected.is_empty()
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "imported {}, duplicates {}, conflicts {}, rejected {}",
            self.imported,
            self.duplicates,
            self.conflicts.len(),
            self.rejected.len()
        )?;
        for c in &self.conflicts {
            writeln!(
                f,
                "conflict: {} in {} (same id, different content; the stored ballot is kept)",
                c.id,
                c.file.display()
            )?;
        }
        for r in &self.rejected {
            writeln!(
                f,
                "rejected: {} in {}: {}",
                r.id,
                r.file.display(),
                r.reason
            )?;
        }
        Ok(())
    }
}

/// Import `files` into the database at `db`, first publishing `survey` when given (idempotent,
/// same rules as `PUT /v1/surveys/{id}`). An unreadable file or survey is an error and stops the
/// import; files before it stay imported (each file is its own transaction).
pub fn import_files(
    db: &Path,
    survey: Option<&Path>,
    files: &[PathBuf],
) -> Result<ImportSummary, String> {
    let database = Database::parse(db);
    let store = database
        .open()
        .map_err(|e| format!("cannot open database {database}: {e}"))?;
    // No HTTP here: the admin token is never checked, so a throwaway one is fine.
    let state = AppState::new(
        store,
        AdminToken::new(uuid::Uuid::new_v4().to_string()),
        DEFAULT_MAX_BODY_BYTES,
    );
    if let Some(path) = survey {
        let text = read_text(path)?;
        match state.publish_text(&text, None) {
            Ok((s, PublishOutcome::Created)) => {
                eprintln!("published {} v{} from {}", s.id, s.version, path.display())
            }
            Ok((_, PublishOutcome::Unchanged)) => {}
            Err(e) => {
                let problems: Vec<String> = e
                    .problems()
                    .iter()
                    .map(|p| format!("  {} [{}] {}", p.path, p.code, p.en))
                    .collect();
                return Err(format!(
                    "cannot publish {}: {}\n{}",
                    path.display(),
                    e,
                    problems.join("\n")
                ));
            }
        }
    }
    let mut summary = ImportSummary::default();
    for file in files {
        let values = read_ballot_values(file)?;
        // Group by the survey each ballot names; a file from one device is normally one survey.
        let mut by_survey: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (i, v) in values.into_iter().enumerate() {
            match v.get("survey_id").and_then(Value::as_str) {
                Some(s) => by_survey.entry(s.to_string()).or_default().push(v),
                None => summary.rejected.push(Listed {
                    file: file.clone(),
                    id: v
                        .get("id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{i}")),
                    reason: "the ballot has no string \"survey_id\"".into(),
                }),
            }
        }
        for (survey_id, values) in by_survey {
            let ids: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.get("id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{i}"))
                })
                .collect();
            let results = match ingest(&state, &survey_id, Sender::Import, values) {
                Ok(r) => r,
                Err(e) if e.is_refusal() => {
                    // The survey is not published here or closed, or a ballot has no id: reject
                    // them all.
                    for id in ids {
                        summary.rejected.push(Listed {
                            file: file.clone(),
                            id,
                            reason: e.to_string(),
                        });
                    }
                    continue;
                }
                Err(e) => return Err(format!("{}: {e}", file.display())),
            };
            for r in results {
                match r.status {
                    BallotStatus::Accepted => summary.imported += 1,
                    BallotStatus::Duplicate => summary.duplicates += 1,
                    BallotStatus::Conflict => summary.conflicts.push(Listed {
                        file: file.clone(),
                        id: r.id,
                        reason: String::new(),
                    }),
                    BallotStatus::Rejected => {
                        let reason = r
                            .problems
                            .iter()
                            .map(|p| format!("{} {}", p.path, p.en))
                            .collect::<Vec<_>>()
                            .join("; ");
                        summary.rejected.push(Listed {
                            file: file.clone(),
                            id: r.id,
                            reason,
                        });
                    }
                }
            }
        }
    }
    Ok(summary)
}

/// Read a file as UTF-8, dropping a leading byte order mark.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(text
        .strip_prefix('\u{FEFF}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// The ballots of a file as JSON values (each is validated later, one by one, like a POST).
pub fn read_ballot_values(path: &Path) -> Result<Vec<Value>, String> {
    let text = read_text(path)?;
    ballot_values(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The ballots of a file's text in any of the shapes listed in the module documentation, read by
/// core (`pingyi_core::export::ballot_values`, the reader the CLI and the console share).
pub fn ballot_values(text: &str) -> Result<Vec<Value>, String> {
    pingyi_core::export::ballot_values(text)
        .map(|v| v.into_iter().map(|(_, v)| v).collect())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_is_read() {
        let b = r#"{"id":"a","survey_id":"s"}"#;
        assert_eq!(ballot_values(&format!("[{b},{b}]")).unwrap().len(), 2);
        assert_eq!(
            ballot_values(&format!(r#"{{"ballots":[{b}]}}"#))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            ballot_values(&format!(r#"{{"format":"pingyi-ballots/1","survey_id":"s","survey_version":1,"ballots":[{b}]}}"#))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            ballot_values(&format!("{b}\n{b}\n\n{b}\n")).unwrap().len(),
            3
        );
        assert!(ballot_values(r#"{"format":"pingyi-tally/1","ballots":[]}"#).is_err());
        assert!(ballot_values("nope").is_err());
    }
}

//! Reading the files the CLI is given: a survey, and ballot files in any of the shapes Pingyi
//! writes. Every error names the file and, where it can, the place in it.
//!
//! Ballot files may be:
//! - a raw export, `{"format": "pingyi-ballots/1", "survey_id": …, "ballots": [ … ]}`;
//! - a bare JSON array of ballots (what `pingyi merge` and the collector's `GET …/ballots` write);
//! - an object with a `ballots` array (a `pingyi/1` submit batch);
//! - NDJSON, one ballot per line (the collector's `?format=ndjson`).
//!
//! The shapes are read by core (`pingyi_core::export::read_ballots`), the same reader the
//! collector's `import` and the console use.

use pingyi_core::{parse_survey, Ballot, Problem, Survey};

/// Why a survey could not be used.
pub enum SurveyError {
    /// The file could not be read at all.
    Unreadable(String),
    /// The file was read but is not a valid survey.
    Invalid(Vec<Problem>),
}

/// Read a file as UTF-8 text, dropping a leading byte order mark.
pub fn read_text(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{path} is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(match text.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Read and validate a survey file with the core's parser.
pub fn read_survey(path: &str) -> Result<Survey, SurveyError> {
    let text = read_text(path).map_err(SurveyError::Unreadable)?;
    parse_survey(&text).map_err(SurveyError::Invalid)
}

/// Read a ballot file in any supported shape, with core's reader
/// (`pingyi_core::export::read_ballots`); errors name the file and the ballot at fault.
pub fn read_ballots(path: &str) -> Result<Vec<Ballot>, String> {
    let text = read_text(path)?;
    pingyi_core::export::read_ballots(&text).map_err(|e| format!("{path}: {e}"))
}

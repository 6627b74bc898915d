//! Reading the files the CLI is given: a survey, and ballot files in any of the shapes Pingyi
//! writes. Every error names the file and, where it can, the place in it.
//!
//! Ballot files may be:
//! - a raw export, `{"format": "pingyi-ballots/1", "survey_id": …, "ballots": [ … ]}`;
//! - a bare JSON array of ballots (what `pingyi merge` and the collector's `GET …/ballots` write);
//! - an object with a `ballots` array (a `pingyi/1` submit batch);
//! - NDJSON, one ballot per line (the collector's `?format=ndjson`).

use pingyi_core::export::BALLOTS_FORMAT;
use pingyi_core::{parse_survey, Ballot, Problem, Survey};
use serde_json::Value;

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
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("{path} is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))?;
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

/// Read a ballot file in any supported shape.
pub fn read_ballots(path: &str) -> Result<Vec<Ballot>, String> {
    let text = read_text(path)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => ballots_of_value(path, value),
        Err(whole) => {
            let lines: Vec<(usize, &str)> = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).collect();
            // NDJSON: several lines, each one JSON object.
            if lines.len() > 1 && lines.iter().all(|(_, l)| l.trim_start().starts_with('{')) {
                lines
                    .iter()
                    .map(|(n, line)| {
                        serde_json::from_str::<Ballot>(line)
                            .map_err(|e| format!("{path}: line {}: not a ballot: {e}", n + 1))
                    })
                    .collect()
            } else {
                Err(format!("{path}: not JSON: {whole}"))
            }
        }
    }
}

fn ballots_of_value(path: &str, value: Value) -> Result<Vec<Ballot>, String> {
    match value {
        Value::Array(items) => ballot_array(path, "$", items),
        Value::Object(mut obj) => {
            if let Some(format) = obj.get("format") {
                if format.as_str() != Some(BALLOTS_FORMAT) {
                    return Err(format!(
                        "{path}: $.format is {format}, expected \"{BALLOTS_FORMAT}\" (a raw ballot export)"
                    ));
                }
            }
            match obj.remove("ballots") {
                Some(Value::Array(items)) => ballot_array(path, "$.ballots", items),
                Some(_) => Err(format!("{path}: $.ballots must be an array of ballots")),
                None if obj.contains_key("answers") => serde_json::from_value::<Ballot>(Value::Object(obj))
                    .map(|b| vec![b])
                    .map_err(|e| format!("{path}: not a ballot: {e}")),
                None => Err(format!(
                    "{path}: not a ballot file: expected a raw export (\"format\": \"{BALLOTS_FORMAT}\"), \
                     an array of ballots, an object with \"ballots\", or NDJSON"
                )),
            }
        }
        _ => Err(format!("{path}: not a ballot file: expected a JSON array or object")),
    }
}

fn ballot_array(path: &str, at: &str, items: Vec<Value>) -> Result<Vec<Ballot>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value::<Ballot>(v).map_err(|e| format!("{path}: {at}[{i}]: not a ballot: {e}")))
        .collect()
}

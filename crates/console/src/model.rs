//! What the console has loaded, built only from core: the survey, core's `TallyReport`, the
//! officials' raw-ballot export and any merge conflicts. No counting happens here: every figure
//! comes from `pingyi_core::export::tally_report` (or the collector, which runs the same core),
//! and merging is core's `merge`.
//!
//! Also the one reader the console needs that core does not have: ballot files in the shapes
//! Pingyi writes (raw export, bare array, submit batch, NDJSON), the same shapes the `pingyi` CLI
//! and `pingyi-collector import` accept.

use pingyi_core::export::{raw_export, tally_csv, tally_report, TallyReport, BALLOTS_FORMAT};
use pingyi_core::merge::merge;
use pingyi_core::{Ballot, Survey};
use serde_json::Value;

use crate::i18n::Lang;

/// Where the results came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Local,
    Server,
    Files,
}

/// One ballot id held with different contents in the imported files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictRow {
    pub id: String,
    /// Names of the files that held it.
    pub files: Vec<String>,
    /// How many different contents were seen.
    pub versions: usize,
}

/// Everything the results view and the downloads need.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub source: Source,
    pub survey: Survey,
    pub report: TallyReport,
    /// The `pingyi-ballots/1` export as pretty JSON (anonymised when the survey is anonymous);
    /// `None` when the source cannot give it (a server without the admin token).
    pub raw_json: Option<String>,
    pub conflicts: Vec<ConflictRow>,
    /// A line about how the files were merged (files source).
    pub merge_note: Option<(usize, u64, u64, usize)>,
}

impl Loaded {
    /// Ballots held in this browser, counted by core.
    pub fn from_local(survey: Survey, ballots: &[Ballot], generated_at: &str) -> Loaded {
        let report = tally_report(&survey, ballots, generated_at);
        let raw_json = Some(pretty(&raw_export(&survey, ballots)));
        Loaded { source: Source::Local, survey, report, raw_json, conflicts: Vec::new(), merge_note: None }
    }

    /// Device exports merged with core's `merge` (conflicting ids are left out and listed), then
    /// counted by core.
    pub fn from_files(survey: Survey, files: &[(String, Vec<Ballot>)], generated_at: &str) -> Loaded {
        let exports: Vec<Vec<Ballot>> = files.iter().map(|(_, b)| b.clone()).collect();
        let merged = merge(&exports);
        let mut report = tally_report(&survey, &merged.ballots, generated_at);
        report.excluded_conflicts = merged.conflict_ids();
        let conflicts = merged
            .conflicts
            .iter()
            .map(|c| ConflictRow {
                id: c.id.clone(),
                files: c.sources.iter().filter_map(|i| files.get(*i).map(|(n, _)| n.clone())).collect(),
                versions: c.hashes.len(),
            })
            .collect::<Vec<_>>();
        let raw_json = Some(pretty(&raw_export(&survey, &merged.ballots)));
        let note = (files.len(), report.ballots.counted, merged.duplicates, conflicts.len());
        Loaded { source: Source::Files, survey, report, raw_json, conflicts, merge_note: Some(note) }
    }

    /// A report the collector made (`GET …/tally?format=report`), with its raw export when the
    /// admin token allowed `GET …/ballots?format=export`.
    pub fn from_server(survey: Survey, report: TallyReport, raw_json: Option<String>) -> Loaded {
        Loaded { source: Source::Server, survey, report, raw_json, conflicts: Vec::new(), merge_note: None }
    }

    /// The tally JSON download: core's exact file format.
    pub fn report_json(&self) -> String {
        self.report.to_json_pretty()
    }

    /// The CSV download: core's CSV (with BOM) of the report's tally.
    pub fn csv(&self, lang: Lang) -> String {
        tally_csv(&self.survey, &self.report.tally, lang.csv())
    }

    /// Base of download file names: the survey id.
    pub fn file_stem(&self) -> &str {
        &self.report.survey_id
    }
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The ballots of a file's text, in any shape Pingyi writes. A leading BOM is ignored.
pub fn ballots_of_text(text: &str) -> Result<Vec<Ballot>, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let items: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(mut obj)) => {
            if let Some(format) = obj.get("format") {
                if format.as_str() != Some(BALLOTS_FORMAT) {
                    return Err(format!("format {format} is not \"{BALLOTS_FORMAT}\""));
                }
            }
            match obj.remove("ballots") {
                Some(Value::Array(items)) => items,
                _ if obj.contains_key("answers") => vec![Value::Object(obj)],
                _ => return Err(format!("not a ballot file (expected \"{BALLOTS_FORMAT}\")")),
            }
        }
        Ok(_) => return Err("not a ballot file".into()),
        Err(whole) => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if lines.len() > 1 && lines.iter().all(|l| l.trim_start().starts_with('{')) {
                let mut out = Vec::with_capacity(lines.len());
                for (i, l) in lines.iter().enumerate() {
                    out.push(serde_json::from_str::<Value>(l).map_err(|e| format!("line {}: {e}", i + 1))?);
                }
                out
            } else {
                return Err(format!("not JSON: {whole}"));
            }
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value::<Ballot>(v).map_err(|e| format!("ballot {i}: {e}")))
        .collect()
}

/// Parse and validate a survey file with core; problems become one readable line each.
pub fn parse_survey(text: &str, lang: Lang) -> Result<Survey, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    pingyi_core::parse_survey(text).map_err(|problems| {
        problems
            .iter()
            .map(|p| format!("{} {}", p.path, if lang == Lang::En { &p.en } else { &p.zh }))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballot_file_shapes() {
        assert!(ballots_of_text("[]").unwrap().is_empty());
        assert!(ballots_of_text(r#"{"format":"pingyi-ballots/1","survey_id":"x","survey_version":1,"ballots":[]}"#)
            .unwrap()
            .is_empty());
        assert!(ballots_of_text(r#"{"format":"pingyi-tally/1"}"#).is_err());
        assert!(ballots_of_text("nope").is_err());
    }
}

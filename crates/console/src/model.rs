//! What the console has loaded, built only from core: the survey, core's `TallyReport`, the
//! officials' raw-ballot export and any merge conflicts. No counting happens here: every figure
//! comes from `pingyi_core::export::tally_report` (or the collector, which runs the same core),
//! and merging is core's `merge`.
//!
//! A collector's results come with its own downloads (the report's text, its CSV in both
//! languages), so the console page needs no serializer or CSV writer. Counting here (this
//! browser's ballots, device files) is the file tools' (feature `files`): ballot files (raw
//! export, bare array, submit batch, NDJSON) are read by core's
//! `pingyi_core::export::read_ballots`, the reader the `pingyi` CLI and `pingyi-collector import`
//! share.

use pingyi_core::export::TallyReport;
#[cfg(feature = "files")]
use pingyi_core::export::{raw_export, tally_csv, tally_report};
#[cfg(feature = "files")]
use pingyi_core::merge::merge;
use pingyi_core::read::{At, FromJson};
#[cfg(feature = "files")]
use pingyi_core::Ballot;
use pingyi_core::Survey;

use crate::i18n::{Key, Lang};

/// The downloads of a collector's results as the collector wrote them.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerTexts {
    /// `…/tally?format=report`.
    pub report: String,
    /// `…/tally?format=csv&lang=zh` and `&lang=en`.
    pub csv_zh: String,
    pub csv_en: String,
}

/// Where the results came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Local,
    Server,
    Files,
}

impl Source {
    /// Its name in `?source=`.
    pub fn query(self) -> &'static str {
        match self {
            Source::Local => "local",
            Source::Server => "server",
            Source::Files => "files",
        }
    }
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
    /// Ballots of this device a collector acknowledged whose answers were not kept here (local
    /// source): uploaded, counted at the collector, not in this report.
    pub uploaded_not_kept: usize,
    /// The collector's own texts of the downloads (server source).
    pub server_texts: Option<ServerTexts>,
}

impl Loaded {
    /// Ballots held in this browser, counted by core.
    #[cfg(feature = "files")]
    pub fn from_local(survey: Survey, ballots: &[Ballot], generated_at: &str) -> Loaded {
        let report = tally_report(&survey, ballots, generated_at);
        let raw_json = Some(pretty(&raw_export(&survey, ballots)));
        Loaded {
            source: Source::Local,
            survey,
            report,
            raw_json,
            conflicts: Vec::new(),
            merge_note: None,
            uploaded_not_kept: 0,
            server_texts: None,
        }
    }

    /// Device exports merged with core's `merge` (conflicting ids are left out and listed), then
    /// counted by core.
    #[cfg(feature = "files")]
    pub fn from_files(
        survey: Survey,
        files: &[(String, Vec<Ballot>)],
        generated_at: &str,
    ) -> Loaded {
        let exports: Vec<Vec<Ballot>> = files.iter().map(|(_, b)| b.clone()).collect();
        let merged = merge(&exports);
        let mut report = tally_report(&survey, &merged.ballots, generated_at);
        report.excluded_conflicts = merged.conflict_ids();
        let conflicts = merged
            .conflicts
            .iter()
            .map(|c| ConflictRow {
                id: c.id.clone(),
                files: c
                    .sources
                    .iter()
                    .filter_map(|i| files.get(*i).map(|(n, _)| n.clone()))
                    .collect(),
                versions: c.hashes.len(),
            })
            .collect::<Vec<_>>();
        let raw_json = Some(pretty(&raw_export(&survey, &merged.ballots)));
        let note = (
            files.len(),
            report.ballots.counted,
            merged.duplicates,
            conflicts.len(),
        );
        Loaded {
            source: Source::Files,
            survey,
            report,
            raw_json,
            conflicts,
            merge_note: Some(note),
            uploaded_not_kept: 0,
            server_texts: None,
        }
    }

    /// A report the collector made (`GET …/tally?format=report`, read from `texts.report`), with
    /// its raw export when the admin token allowed `GET …/ballots?format=export`.
    pub fn from_server(
        survey: Survey,
        report: TallyReport,
        texts: ServerTexts,
        raw_json: Option<String>,
    ) -> Loaded {
        Loaded {
            source: Source::Server,
            survey,
            report,
            raw_json,
            conflicts: Vec::new(),
            merge_note: None,
            uploaded_not_kept: 0,
            server_texts: Some(texts),
        }
    }

    /// The tally JSON download: core's exact file format (the collector's report laid out the
    /// same way as core's `TallyReport::to_json_pretty`).
    pub fn report_json(&self) -> String {
        match &self.server_texts {
            Some(t) => crate::pretty::pretty_json(&t.report),
            None => self.counted_here(|| self.report.to_json_pretty()),
        }
    }

    /// The CSV download: core's CSV (with BOM) of the report's tally.
    pub fn csv(&self, lang: Lang) -> String {
        match &self.server_texts {
            Some(t) if lang == Lang::En => t.csv_en.clone(),
            Some(t) => t.csv_zh.clone(),
            None => self.counted_here(|| {
                #[cfg(feature = "files")]
                return tally_csv(&self.survey, &self.report.tally, lang.csv());
                #[cfg(not(feature = "files"))]
                String::new()
            }),
        }
    }

    /// A download of results counted here, which only the file tools make (without them
    /// nothing is counted here, and this is never asked for).
    fn counted_here(&self, make: impl FnOnce() -> String) -> String {
        if cfg!(feature = "files") {
            make()
        } else {
            String::new()
        }
    }

    /// Base of download file names: the survey id.
    pub fn file_stem(&self) -> &str {
        &self.report.survey_id
    }
}

#[cfg(feature = "files")]
fn pretty<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The ballots of a file's text, in any shape Pingyi writes, read by core
/// (`pingyi_core::export::read_ballots`). A leading BOM is ignored.
#[cfg(feature = "files")]
pub fn ballots_of_text(text: &str) -> Result<Vec<Ballot>, String> {
    pingyi_core::export::read_ballots(text).map_err(|e| e.to_string())
}

/// Reads a collector's JSON answer (a tally report, the live view, a meeting answer) with core's
/// hand-written readers (`pingyi_core::read`), which keep serde's typed deserializers out of the
/// console's bundle. What is wrong becomes one line with its path, in both languages.
pub fn read_answer<T: FromJson>(text: &str) -> Result<T, String> {
    let value = parse_json(text).map_err(|e| {
        let (zh, en) = (Lang::Zh.t(Key::NotJson), Lang::En.t(Key::NotJson));
        format!("$ {zh}{e} ({en}{e})")
    })?;
    T::read(&value, &At::Root).map_err(|p| format!("{} {} ({})", p.path, p.zh, p.en))
}

/// JSON text as a value, read by `pingyi_browser::json` (as the widget reads it), so serde_json's
/// parser stays out of the console's wasm and the unit tests read JSON the same way.
pub use pingyi_browser::json::parse_json;

/// Parse and validate a survey file with core; problems become one readable line each.
#[cfg(feature = "files")]
pub fn parse_survey(text: &str, lang: Lang) -> Result<Survey, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    pingyi_core::parse_survey(text).map_err(|problems| problem_lines(&problems, lang))
}

/// Read a survey a collector gave (it checked the survey on publish) by its structure, with
/// core's `read_survey_value`, the widget's reader; problems become one readable line each.
#[cfg(not(feature = "files"))]
pub fn parse_survey(text: &str, lang: Lang) -> Result<Survey, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let value = parse_json(text).map_err(|e| format!("$ {}{e}", lang.t(Key::NotJson)))?;
    pingyi_core::read_survey_value(value).map_err(|problems| problem_lines(&problems, lang))
}

fn problem_lines(problems: &[pingyi_core::Problem], lang: Lang) -> String {
    problems
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.path,
                if lang == Lang::En { &p.en } else { &p.zh }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballot_file_shapes() {
        assert!(ballots_of_text("[]").unwrap().is_empty());
        assert!(ballots_of_text(
            r#"{"format":"pingyi-ballots/1","survey_id":"x","survey_version":1,"ballots":[]}"#
        )
        .unwrap()
        .is_empty());
        assert!(ballots_of_text(r#"{"format":"pingyi-tally/1"}"#).is_err());
        assert!(ballots_of_text("nope").is_err());
    }

    #[test]
    fn a_broken_answer_names_the_path_in_both_languages() {
        let e = read_answer::<TallyReport>(r#"{"format": 1}"#).unwrap_err();
        assert_eq!(e, "$.format 类型不对，应为字符串 (expected a string)");
        let e = read_answer::<TallyReport>("nope").unwrap_err();
        assert!(e.starts_with("$ 不是 JSON："), "{e}");
        assert!(e.contains("(not JSON: "), "{e}");
    }
}

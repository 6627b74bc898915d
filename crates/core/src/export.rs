//! Exports for officials (一套表): the tally report file, the CSV for spreadsheets, and the
//! (anonymised) raw ballot export.
//!
//! Everything here is a pure function of the survey, the ballots and, for the report, a
//! `generated_at` time string the caller passes in (core has no clock). The formats are described
//! for people in `docs/tally-format.md`; the report's JSON Schema is `docs/tally-report.schema.json`
//! (feature `schema`).
//!
//! - [`tally_report`]: the versioned JSON report (`pingyi-tally/1`) with the survey's hash, ballot
//!   counts, a digest of the counted ballot ids (so two parties can check they counted the same
//!   set), optional receipt codes and the full [`Tally`].
//! - [`tally_csv`]: one flat table in Chinese (or English) for Excel: UTF-8 with BOM, CRLF.
//! - [`ballots_export`] / [`raw_export`]: the counted ballots sorted by id; for an anonymous survey
//!   the device id and the code hash are left out and `cast_at` is cut to the start of its UTC day.
//! - [`read_ballots`] / [`ballot_values`]: reading a ballot file back in any shape Pingyi writes
//!   (raw export, bare array, submit batch, NDJSON), with errors naming the ballot at fault.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ballot::{sha256_hex, Ballot, Channel};
use crate::survey::{Survey, Text};
use crate::tally::{tally, versions_note, KindTally, Ratio, Tally};
use crate::time::{coarsen, Coarse};

/// Format tag of a tally report file.
pub const TALLY_FORMAT: &str = "pingyi-tally/1";

/// Format tag of a raw ballot export file.
pub const BALLOTS_FORMAT: &str = "pingyi-ballots/1";

/// The tally file officials file and compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TallyReport {
    /// Always `"pingyi-tally/1"`.
    pub format: String,
    pub survey_id: String,
    pub survey_version: u32,
    pub survey_title: Text,
    /// The village (村湾) or compound (小区) that voted.
    pub unit: String,
    /// SHA-256 (lowercase hex) of the survey's canonical JSON (`serde_json::to_string` of the
    /// typed survey): the same survey file always gives the same hash.
    pub survey_hash: String,
    /// RFC 3339 time the report was made, as given by the caller.
    pub generated_at: String,
    pub ballots: BallotCounts,
    /// SHA-256 (lowercase hex) of the sorted, distinct ids of the counted ballots joined with
    /// `\n` (no trailing newline). Equal digests mean the same set of ballots was counted.
    pub ballot_ids_digest: String,
    /// Sorted receipt codes of the counted ballots; present only when the survey sets
    /// `publish_receipts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipts: Option<Vec<String>>,
    /// Ballot ids left out because different devices held different contents under the same id
    /// (see `merge`), sorted. Absent when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_conflicts: Vec<String>,
    /// Notes for officials in Chinese and English, e.g. that ballots of an older survey version
    /// were left out of the count (`tally::versions_note`). Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Text>,
    pub tally: Tally,
}

/// How many ballots were counted, and where they came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BallotCounts {
    /// Distinct ballots counted (same as `tally.participation.ballots`).
    pub counted: u64,
    /// Counted ballots per channel; channels with none are absent.
    pub by_channel: BTreeMap<Channel, u64>,
    /// Counted ballots per device id. Always empty (and absent from the JSON) for an anonymous
    /// survey, so the report does not tell which phone carried which ballots.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_device: BTreeMap<String, u64>,
}

/// The ballots `tally` counts, in input order: duplicate ids dropped (first occurrence wins),
/// then ballots for another survey id or version left out. This mirrors [`tally`] exactly.
pub fn counted_ballots<'a>(survey: &Survey, ballots: &'a [Ballot]) -> Vec<&'a Ballot> {
    let mut seen: BTreeSet<std::borrow::Cow<str>> = BTreeSet::new();
    ballots
        .iter()
        .filter(|b| seen.insert(crate::ballot::ballot_key(&b.id)))
        .filter(|b| b.survey_id == survey.id && b.survey_version == survey.version)
        .collect()
}

/// SHA-256 (lowercase hex) of the survey's canonical JSON.
pub fn survey_hash(survey: &Survey) -> String {
    // Serialising plain data to a string cannot fail; an empty string would only change the hash.
    sha256_hex(&serde_json::to_string(survey).unwrap_or_default())
}

/// SHA-256 (lowercase hex) of the sorted distinct ids joined with `\n`.
pub fn ids_digest<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let sorted: BTreeSet<&str> = ids.into_iter().collect();
    sha256_hex(&sorted.into_iter().collect::<Vec<_>>().join("\n"))
}

/// Build the tally report of `survey` over `ballots`. `generated_at` is copied as given.
pub fn tally_report(survey: &Survey, ballots: &[Ballot], generated_at: &str) -> TallyReport {
    let t = tally(survey, ballots);
    let counted = counted_ballots(survey, ballots);
    let mut by_channel: BTreeMap<Channel, u64> = BTreeMap::new();
    let mut by_device: BTreeMap<String, u64> = BTreeMap::new();
    for b in &counted {
        *by_channel.entry(b.channel).or_insert(0) += 1;
        if !survey.anonymous {
            *by_device.entry(b.device.clone()).or_insert(0) += 1;
        }
    }
    let receipts = survey.publish_receipts.then(|| {
        let mut r: Vec<String> = counted.iter().map(|b| b.receipt()).collect();
        r.sort();
        r
    });
    TallyReport {
        format: TALLY_FORMAT.to_string(),
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        survey_title: survey.title.clone(),
        unit: survey.unit.clone(),
        survey_hash: survey_hash(survey),
        generated_at: generated_at.to_string(),
        ballots: BallotCounts {
            counted: counted.len() as u64,
            by_channel,
            by_device,
        },
        ballot_ids_digest: ids_digest(counted.iter().map(|b| b.id.as_str())),
        receipts,
        excluded_conflicts: Vec::new(),
        notes: versions_note(&t.participation, survey.version)
            .into_iter()
            .collect(),
        tally: t,
    }
}

impl TallyReport {
    /// The report as the file is written: pretty JSON (two-space indent) and a final newline.
    /// The CLI and the golden files use exactly this.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The JSON Schema of a tally report, as pretty JSON (committed as `docs/tally-report.schema.json`).
#[cfg(feature = "schema")]
pub fn tally_report_schema() -> String {
    let mut s =
        serde_json::to_string_pretty(&schemars::schema_for!(TallyReport)).unwrap_or_default();
    s.push('\n');
    s
}

// ------------------------------------------------------------------------------------------------
// Raw ballot export

/// A file of raw ballots for one survey version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RawExport {
    /// Always `"pingyi-ballots/1"`.
    pub format: String,
    pub survey_id: String,
    pub survey_version: u32,
    /// Sorted by id.
    pub ballots: Vec<Ballot>,
}

/// The ballots `tally` counts for this survey version, sorted by id (so a file never shows the
/// order in which ballots were cast).
///
/// When the survey is anonymous (无记名), each ballot is anonymised: its `device` is left out, its
/// `code_hash` is left out (a printed code slip, whose 40-bit code can be found from its hash by
/// trying them all, would otherwise point at the ballot), and its `cast_at` becomes the start of
/// its UTC day (`2026-11-27T00:00:00.000Z`), still RFC 3339 so the file still validates; an
/// unreadable `cast_at` becomes `""`. Everything the tally counts is kept, so `pingyi verify` can
/// recount the published tally from this file. Anonymising changes a ballot's content hash and
/// receipt: receipts are checked against the full-fidelity ballots (`GET …/ballots`), and device
/// exports are merged raw, never anonymised.
pub fn ballots_export(survey: &Survey, ballots: &[Ballot]) -> Vec<Ballot> {
    let mut out: Vec<Ballot> = counted_ballots(survey, ballots)
        .into_iter()
        .cloned()
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    if survey.anonymous {
        for b in &mut out {
            b.device = String::new();
            b.code_hash = None;
            b.cast_at = coarsen(&b.cast_at, Coarse::Day).unwrap_or_default();
        }
    }
    out
}

/// [`ballots_export`] wrapped with its format tag and survey version, ready to write to a file.
pub fn raw_export(survey: &Survey, ballots: &[Ballot]) -> RawExport {
    RawExport {
        format: BALLOTS_FORMAT.to_string(),
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        ballots: ballots_export(survey, ballots),
    }
}

// ------------------------------------------------------------------------------------------------
// Reading ballot files

/// Where one ballot sits in a ballot file, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BallotPlace {
    /// Item `index` (from 0) of a bare JSON array: `$[index]`.
    Item(usize),
    /// Item `index` (from 0) of the `ballots` array of an object: `$.ballots[index]`.
    BallotsItem(usize),
    /// Line `n` (from 1, counting blank lines) of an NDJSON file.
    Line(usize),
    /// The whole file is one ballot object: `$`.
    Whole,
}

impl std::fmt::Display for BallotPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BallotPlace::Item(i) => write!(f, "$[{i}]"),
            BallotPlace::BallotsItem(i) => write!(f, "$.ballots[{i}]"),
            BallotPlace::Line(n) => write!(f, "line {n}"),
            BallotPlace::Whole => f.write_str("$"),
        }
    }
}

/// Why a ballot file could not be read: where (when one ballot is at fault) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The ballot at fault; `None` when the file as a whole is not a ballot file.
    pub place: Option<BallotPlace>,
    /// English, e.g. `not a ballot: missing field `answers``.
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.place {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ReadError {}

fn file_error(message: impl Into<String>) -> ReadError {
    ReadError {
        place: None,
        message: message.into(),
    }
}

/// The ballots of a ballot file's text as JSON values, each with its place, not yet checked as
/// ballots. Accepts every shape Pingyi writes:
/// - a raw export, `{"format": "pingyi-ballots/1", "survey_id": …, "ballots": [ … ]}` (any other
///   `format` is refused);
/// - a bare JSON array of ballots (the collector's `GET …/ballots`, `pingyi merge`);
/// - an object with a `ballots` array (a `pingyi/1` submit batch), or a single ballot object;
/// - NDJSON, one ballot per line (`GET …/ballots?format=ndjson`); blank lines are skipped.
///
/// A leading byte order mark is ignored.
pub fn ballot_values(text: &str) -> Result<Vec<(BallotPlace, serde_json::Value)>, ReadError> {
    use serde_json::Value;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let items = |wrap: fn(usize) -> BallotPlace, items: Vec<Value>| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (wrap(i), v))
            .collect::<Vec<_>>()
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => Ok(items(BallotPlace::Item, a)),
        Ok(Value::Object(mut obj)) => {
            if let Some(format) = obj.get("format") {
                if format.as_str() != Some(BALLOTS_FORMAT) {
                    return Err(file_error(format!(
                        "$.format is {format}, expected \"{BALLOTS_FORMAT}\" (a raw ballot export)"
                    )));
                }
            }
            match obj.remove("ballots") {
                Some(Value::Array(a)) => Ok(items(BallotPlace::BallotsItem, a)),
                Some(_) => Err(file_error("$.ballots must be an array of ballots")),
                None if obj.contains_key("answers") => Ok(vec![(BallotPlace::Whole, Value::Object(obj))]),
                None => Err(file_error(format!(
                    "not a ballot file: expected a raw export (\"format\": \"{BALLOTS_FORMAT}\"), an array of \
                     ballots, an object with \"ballots\", or NDJSON"
                ))),
            }
        }
        Ok(_) => Err(file_error(
            "not a ballot file: expected a JSON array or object",
        )),
        Err(whole) => {
            let lines: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| (n + 1, l))
                .collect();
            if lines.len() > 1 && lines.iter().all(|(_, l)| l.trim_start().starts_with('{')) {
                lines
                    .into_iter()
                    .map(|(n, line)| {
                        serde_json::from_str::<Value>(line)
                            .map(|v| (BallotPlace::Line(n), v))
                            .map_err(|e| ReadError {
                                place: Some(BallotPlace::Line(n)),
                                message: format!("not JSON: {e}"),
                            })
                    })
                    .collect()
            } else {
                Err(file_error(format!("not JSON: {whole}")))
            }
        }
    }
}

/// The ballots of a ballot file's text, in any shape [`ballot_values`] accepts. The first item
/// that is not a ballot is an error naming its place (`$[i]`, `$.ballots[i]` or `line n`) and
/// serde's reason. Nothing is validated against a survey here (see `validate_ballot`).
pub fn read_ballots(text: &str) -> Result<Vec<Ballot>, ReadError> {
    ballot_values(text)?
        .into_iter()
        .map(|(place, v)| {
            serde_json::from_value::<Ballot>(v).map_err(|e| ReadError {
                place: Some(place),
                message: format!("not a ballot: {e}"),
            })
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// CSV

/// The CSV columns, in order: `(Chinese, English)`.
pub const CSV_COLUMNS: [(&str, &str); 20] = [
    ("部分", "Section"),
    ("问题编号", "Question id"),
    ("问题", "Question"),
    ("对象", "Subject"),
    ("选项", "Option"),
    ("票数", "Votes"),
    ("占有效票比例(%)", "Share of valid (%)"),
    ("有效票", "Valid votes"),
    ("满意率(%)", "Satisfaction rate (%)"),
    ("加权得分", "Weighted score"),
    ("等级", "Grade"),
    ("名次", "Rank"),
    ("结果", "Result"),
    ("评分人数", "Judges"),
    ("最低分", "Lowest"),
    ("最高分", "Highest"),
    ("平均分", "Mean"),
    ("去极值平均分", "Trimmed mean"),
    ("总分", "Total"),
    ("备注", "Note"),
];

const SECTION: usize = 0;
const QID: usize = 1;
const QUESTION: usize = 2;
const SUBJECT: usize = 3;
const OPTION: usize = 4;
const VOTES: usize = 5;
const SHARE: usize = 6;
const VALID: usize = 7;
const SATISFACTION: usize = 8;
const WEIGHTED: usize = 9;
const GRADE: usize = 10;
const RANK: usize = 11;
const RESULT: usize = 12;
const JUDGES: usize = 13;
const LOWEST: usize = 14;
const HIGHEST: usize = 15;
const MEAN: usize = 16;
const TRIMMED: usize = 17;
const TOTAL: usize = 18;
const NOTE: usize = 19;

/// Decimal places of scores, means and weighted scores in the CSV; percents also use 2.
pub const CSV_DECIMALS: u32 = 2;

/// One CSV row being built.
struct Row([String; 20]);

impl Row {
    fn new() -> Self {
        Row(Default::default())
    }
    /// A cell with text that came from people (labels, reasons, suggestions): guarded against
    /// spreadsheet formulas.
    fn text(mut self, col: usize, s: &str) -> Self {
        self.0[col] = defuse_formula(s);
        self
    }
    /// A cell with a figure this module made.
    fn num(mut self, col: usize, s: impl ToString) -> Self {
        self.0[col] = s.to_string();
        self
    }
    fn opt(self, col: usize, s: Option<String>) -> Self {
        match s {
            Some(s) => self.num(col, s),
            None => self,
        }
    }
}

/// Words in the CSV, by language.
struct Words {
    en: bool,
}

impl Words {
    fn w<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en {
            en
        } else {
            zh
        }
    }
    fn yes_no(&self, b: bool) -> &'static str {
        match (b, self.en) {
            (true, false) => "是",
            (false, false) => "否",
            (true, true) => "yes",
            (false, true) => "no",
        }
    }
}

fn pct(r: &Ratio) -> Option<String> {
    r.percent(CSV_DECIMALS)
}

fn dec(r: &Ratio) -> Option<String> {
    r.decimal(CSV_DECIMALS)
}

/// The tally as a CSV table for Excel: UTF-8 with a byte order mark, CRLF line ends, fields
/// quoted when they hold a quote, comma or line break. Headers and fixed words are Chinese, or
/// English when `lang` is `"en"` (labels fall back to Chinese where the survey has no English).
///
/// The first section is participation (参与情况); then one block per question in survey order.
/// The columns and the rows of each kind are described in `docs/tally-format.md`. Raw counts are
/// always given beside rates.
pub fn tally_csv(survey: &Survey, tally: &Tally, lang: &str) -> String {
    let w = Words { en: lang == "en" };
    let lang = if w.en { "en" } else { "zh" };
    let mut rows: Vec<Row> = Vec::new();
    participation_rows(survey, tally, &w, lang, &mut rows);

    let section_of: BTreeMap<&str, &Text> = survey
        .sections
        .iter()
        .flat_map(|s| s.questions.iter().map(move |q| (q.id.as_str(), &s.title)))
        .collect();
    for qt in &tally.questions {
        let section = section_of
            .get(qt.question_id.as_str())
            .map(|t| t.get(lang))
            .unwrap_or("");
        let base = || {
            Row::new()
                .text(SECTION, section)
                .text(QID, &qt.question_id)
                .text(QUESTION, qt.title.get(lang))
        };
        match &qt.result {
            KindTally::Scale { subjects } => {
                for s in subjects {
                    let subject = s.label.as_ref().map(|l| l.get(lang)).unwrap_or("");
                    for o in &s.options {
                        let mut row = base()
                            .text(SUBJECT, subject)
                            .text(OPTION, o.label.get(lang))
                            .num(VOTES, o.count)
                            .opt(SHARE, o.share_of_valid.as_ref().and_then(pct));
                        if o.not_valid {
                            row = row.num(NOTE, w.w("不计入有效票", "not a valid vote"));
                        } else {
                            row = row.num(VALID, s.valid);
                        }
                        rows.push(row);
                    }
                    let mut notes: Vec<String> = Vec::new();
                    if s.satisfaction_rate.is_some() {
                        let positive: u64 = s
                            .options
                            .iter()
                            .filter(|o| !o.not_valid)
                            .take(2)
                            .map(|o| o.count)
                            .sum();
                        notes.push(format!(
                            "{} = {positive}/{}",
                            w.w(
                                "满意率 = (满意+基本满意)/有效票",
                                "satisfaction = (satisfied + basically satisfied) / valid"
                            ),
                            s.valid
                        ));
                    }
                    if let Some(r) = &s.weighted_score {
                        notes.push(format!(
                            "{} = {}",
                            w.w(
                                "加权得分 = Σ(权重×票数)/有效票",
                                "weighted score = Σ(weight × votes) / valid"
                            ),
                            unreduced(r, s.valid)
                        ));
                    }
                    rows.push(
                        base()
                            .text(SUBJECT, subject)
                            .num(OPTION, w.w("小计", "Subtotal"))
                            .num(VOTES, s.total)
                            .num(VALID, s.valid)
                            .opt(SATISFACTION, s.satisfaction_rate.as_ref().and_then(pct))
                            .opt(WEIGHTED, s.weighted_score.as_ref().and_then(dec))
                            .text(GRADE, s.grade.as_ref().map(|g| g.get(lang)).unwrap_or(""))
                            .num(NOTE, notes.join(w.w("；", "; "))),
                    );
                }
            }
            KindTally::Choose(c) => {
                for o in &c.ranking {
                    let result = if c.elected.contains(&o.option_id) {
                        w.w("当选", "elected")
                    } else if c.tied_at_last_seat.contains(&o.option_id) {
                        w.w("并列，需复核", "tied at the last seat: review")
                    } else {
                        ""
                    };
                    rows.push(
                        base()
                            .text(OPTION, o.label.get(lang))
                            .num(VOTES, o.count)
                            .opt(SHARE, pct(&o.share_of_answered))
                            .num(VALID, qt.answered)
                            .num(RANK, o.rank)
                            .num(RESULT, result)
                            .num(NOTE, if o.tied { w.w("并列", "tied") } else { "" }),
                    );
                }
                let seats = match c.seats {
                    Some(n) => format!("{}{n}", w.w("名额 ", "seats: ")),
                    None => String::new(),
                };
                rows.push(
                    base()
                        .num(OPTION, w.w("小计", "Subtotal"))
                        .num(VALID, qt.answered)
                        .num(
                            NOTE,
                            join_notes(
                                &w,
                                &[
                                    seats,
                                    w.w(
                                        "比例 = 票数/作答票数",
                                        "share = votes / ballots that answered",
                                    )
                                    .to_string(),
                                ],
                            ),
                        ),
                );
            }
            KindTally::Score(s) => {
                let trimmed = s.method == "trimmed_mean";
                for subj in &s.subjects {
                    for c in &subj.criteria {
                        let mut row = base()
                            .text(SUBJECT, subj.label.get(lang))
                            .text(OPTION, c.label.get(lang))
                            .num(JUDGES, c.count)
                            .opt(LOWEST, c.min.map(|v| v.to_string()))
                            .opt(HIGHEST, c.max.map(|v| v.to_string()))
                            .opt(MEAN, c.mean.as_ref().and_then(dec));
                        if trimmed && !c.trim_skipped {
                            row = row.opt(TRIMMED, c.combined.as_ref().and_then(dec));
                        }
                        if c.trim_skipped {
                            row = row.num(
                                NOTE,
                                w.w(
                                    "评分人数不足，未去极值，按平均分计",
                                    "too few scores to trim: plain mean used",
                                ),
                            );
                        }
                        rows.push(row);
                    }
                    let method = if trimmed {
                        format!(
                            "{}{}",
                            w.w("去掉最高分和最低分各 ", "drop highest and lowest: "),
                            s.drop
                        )
                    } else {
                        w.w("按平均分", "plain mean").to_string()
                    };
                    rows.push(
                        base()
                            .text(SUBJECT, subj.label.get(lang))
                            .num(OPTION, w.w("总分", "Total"))
                            .num(RANK, subj.rank)
                            .opt(TOTAL, dec(&subj.total))
                            .num(
                                NOTE,
                                join_notes(
                                    &w,
                                    &[
                                        if subj.tied {
                                            w.w("并列", "tied").to_string()
                                        } else {
                                            String::new()
                                        },
                                        method,
                                    ],
                                ),
                            ),
                    );
                }
            }
            KindTally::Notice { items } => {
                for it in items {
                    let label = it.label.get(lang);
                    rows.push(
                        base()
                            .text(SUBJECT, label)
                            .num(OPTION, w.w("无异议", "No objection"))
                            .num(VOTES, it.no_objection),
                    );
                    rows.push(
                        base()
                            .text(SUBJECT, label)
                            .num(OPTION, w.w("有异议", "Objection"))
                            .num(VOTES, it.objection)
                            .text(NOTE, &it.reasons.join(w.w("；", "; "))),
                    );
                    rows.push(
                        base()
                            .text(SUBJECT, label)
                            .num(OPTION, w.w("小计", "Subtotal"))
                            .num(VOTES, it.no_objection + it.objection)
                            .num(
                                RESULT,
                                if it.needs_review {
                                    w.w("需复核", "needs review")
                                } else {
                                    w.w("无异议，通过", "no objection: passes")
                                },
                            ),
                    );
                }
            }
            KindTally::Approve(a) => {
                rows.push(
                    base()
                        .num(OPTION, w.w("赞同", "For"))
                        .num(VOTES, a.for_count)
                        .opt(SHARE, a.for_share.as_ref().and_then(pct))
                        .num(VALID, a.base),
                );
                rows.push(
                    base()
                        .num(OPTION, w.w("反对", "Against"))
                        .num(VOTES, a.against),
                );
                rows.push(
                    base()
                        .num(OPTION, w.w("弃权", "Abstain"))
                        .num(VOTES, a.abstain),
                );
                let rule = match a.rule.as_str() {
                    "valid" => w.w(
                        "赞同票超过赞同与反对票之和的一半",
                        "for > half of for + against",
                    ),
                    "eligible" => w.w(
                        "赞同票超过应到人数的一半",
                        "for > half of the eligible count",
                    ),
                    _ => w.w(
                        "赞同票超过投票数（含弃权）的一半",
                        "for > half of the ballots cast (abstentions included)",
                    ),
                };
                rows.push(
                    base()
                        .num(OPTION, w.w("合计", "Total"))
                        .num(VOTES, a.for_count + a.against + a.abstain)
                        .num(VALID, a.base)
                        .num(
                            RESULT,
                            if a.passed {
                                w.w("通过", "passed")
                            } else {
                                w.w("未通过", "not passed")
                            },
                        )
                        .num(
                            NOTE,
                            format!(
                                "{}{rule} ({} × 2 {} {})",
                                w.w("规则：", "rule: "),
                                a.for_count,
                                if a.passed { ">" } else { "≤" },
                                a.base
                            ),
                        ),
                );
            }
            KindTally::Text { texts } => {
                for (i, t) in texts.iter().enumerate() {
                    rows.push(base().num(OPTION, i + 1).text(NOTE, t));
                }
                if texts.is_empty() {
                    rows.push(base().num(VOTES, 0).num(NOTE, w.w("无", "none")));
                }
            }
        }
    }

    let mut out = String::from("\u{FEFF}");
    let header: Vec<&str> = CSV_COLUMNS
        .iter()
        .map(|(zh, en)| if w.en { *en } else { *zh })
        .collect();
    write_record(&mut out, header.iter().copied());
    for r in &rows {
        write_record(&mut out, r.0.iter().map(String::as_str));
    }
    out
}

/// `r` written over the denominator `den` it was reduced from (`sum/valid`), so the raw figures
/// show; falls back to the reduced form if `den` is not a multiple of `r.den`.
fn unreduced(r: &Ratio, den: u64) -> String {
    if r.den != 0 && den.is_multiple_of(r.den) {
        format!("{}/{den}", i128::from(r.num) * i128::from(den / r.den))
    } else {
        format!("{}/{}", r.num, r.den)
    }
}

fn join_notes(w: &Words, parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(w.w("；", "; "))
}

fn participation_rows(survey: &Survey, tally: &Tally, w: &Words, lang: &str, rows: &mut Vec<Row>) {
    let p = &tally.participation;
    let section = w.w("参与情况", "Participation");
    let row = |name: &str| Row::new().num(SECTION, section).num(QUESTION, name);
    rows.push(
        row(w.w("问卷", "Survey"))
            .text(RESULT, survey.title.get(lang))
            .text(NOTE, &format!("{} v{}", survey.id, survey.version)),
    );
    rows.push(row(w.w("单位", "Unit")).text(RESULT, &survey.unit));
    rows.push(row(w.w("参与", "Ballots counted")).num(RESULT, p.ballots));
    for (channel, n) in &p.by_channel {
        let name = match channel {
            Channel::Digital => w.w("其中：手机投票", "of which digital"),
            Channel::Paper => w.w("其中：纸质录入", "of which paper"),
        };
        rows.push(row(name).num(RESULT, *n));
    }
    match p.eligible {
        Some(e) => rows.push(row(w.w("应到", "Eligible")).num(RESULT, e)),
        None => rows.push(row(w.w("应到", "Eligible")).num(NOTE, w.w("未设定", "not set"))),
    }
    if let Some(r) = &p.rate {
        rows.push(
            row(w.w("参与率(%)", "Participation rate (%)"))
                .opt(RESULT, pct(r))
                .num(NOTE, format!("{}/{}", p.ballots, p.eligible.unwrap_or(0))),
        );
    }
    rows.push(
        row(w.w("法定人数比例(%)", "Quorum (%)"))
            .num(RESULT, p.quorum_percent)
            .num(
                NOTE,
                w.w(
                    "参与人数须超过应到人数的该比例",
                    "participation must be more than this share of the eligible count",
                ),
            ),
    );
    let quorum = match p.quorum_reached {
        Some(b) => w.yes_no(b).to_string(),
        None => w
            .w("未知（未设定应到人数）", "unknown (no eligible count)")
            .to_string(),
    };
    rows.push(row(w.w("是否达到法定人数", "Quorum reached")).num(RESULT, quorum));
    let over = row(w.w("超出应到人数", "More ballots than eligible"))
        .num(RESULT, w.yes_no(p.over_eligible));
    rows.push(if p.over_eligible {
        over.num(
            NOTE,
            format!(
                "{} {} > {} {}",
                w.w("参与", "ballots"),
                p.ballots,
                w.w("应到", "eligible"),
                p.eligible.unwrap_or(0)
            ) + w.w("，请核查", ": check for integrity problems"),
        )
    } else {
        over
    });
    rows.push(
        row(w.w("重复票（已去除）", "Duplicate ballots dropped")).num(RESULT, p.duplicates_dropped),
    );
    rows.push(
        row(w.w(
            "其他问卷或版本的票（未计）",
            "Ballots for another survey or version (not counted)",
        ))
        .num(RESULT, p.ignored_other_survey),
    );
    rows.push(
        row(w.w("统计的问卷版本", "Survey version counted"))
            .num(RESULT, survey.version)
            .opt(
                NOTE,
                versions_note(p, survey.version).map(|t| t.get(lang).to_string()),
            ),
    );
    for v in &p.other_versions {
        rows.push(
            row(&format!(
                "{}{}{}",
                w.w("第 ", "Ballots for version "),
                v.survey_version,
                w.w(" 版的票（未计）", " (not counted)")
            ))
            .num(RESULT, v.ballots),
        );
    }
}

/// Prefix a cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR) with
/// an apostrophe, so residents' text can never run as a formula when the file is opened.
pub(crate) fn defuse_formula(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Append one CSV record with CRLF. A field is quoted when it contains `"`, `,`, CR or LF;
/// quotes inside are doubled.
pub(crate) fn write_record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains(['"', ',', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let mut s = String::new();
        write_record(
            &mut s,
            ["a", "b,c", "say \"hi\"", "two\nlines", ""].into_iter(),
        );
        assert_eq!(s, "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(defuse_formula("-1"), "'-1");
        assert_eq!(defuse_formula("修路"), "修路");
    }

    #[test]
    fn digest_of_ids_is_order_free() {
        assert_eq!(ids_digest(["b", "a", "b"]), ids_digest(["a", "b"]));
        assert_eq!(ids_digest(["a", "b"]), sha256_hex("a\nb"));
    }
}

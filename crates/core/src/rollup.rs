//! Roll-ups for officials (一套表): many villages or compounds run the same survey template, and
//! an official puts their `pingyi-tally/1` reports side by side in one table, one row per unit,
//! with a totals row.
//!
//! [`rollup`] takes the reports (as received, e.g. a `POST /v1/rollup` body) and
//! [`rollup_files`] the same with file names (the CLI); both refuse, with every problem at its
//! path and in Chinese and English:
//! - an empty list ([`problem_code::EMPTY`]), a file that is not a tally report
//!   ([`problem_code::NOT_A_REPORT`]);
//! - reports of another template than the first report ([`problem_code::TEMPLATE_MISMATCH`]): the
//!   template is the structure a report's tally shows (question ids and kinds, scale subjects and
//!   options with their not-valid flags, choose options and seats, score method, drop, subjects
//!   and criteria, notice items, the approval rule), never titles, labels, the unit or the
//!   eligible count. The first difference is named by its path in the report;
//! - two different reports of the same unit (or, without a unit, the same survey id)
//!   ([`problem_code::DUPLICATE_UNIT`]): that would count the unit twice. Identical copies (equal
//!   but for `generated_at`) are kept once, with a note.
//!
//! The output ([`Rollup`], `pingyi-rollup/1`) has one row per unit, sorted by unit then survey id,
//! and totals recomputed from the sums (rates are never averaged). [`rollup_csv`] writes it as one
//! table for Excel or WPS (UTF-8 with BOM, CRLF), like the tally CSV. The format is described in
//! `docs/results.md` ("Roll-ups"); its JSON Schema is `docs/rollup.schema.json` (feature
//! `schema`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ballot::sha256_hex;
use crate::export::{defuse_formula, write_record, TallyReport, CSV_DECIMALS, TALLY_FORMAT};
use crate::survey::Text;
use crate::tally::{KindTally, Ratio};
use crate::validate::Problem;

/// Format tag of a roll-up file.
pub const ROLLUP_FORMAT: &str = "pingyi-rollup/1";

/// The codes of the problems a roll-up is refused with.
pub mod problem_code {
    /// No report was given.
    pub const EMPTY: &str = "rollup_empty";
    /// A report whose `format` is not `pingyi-tally/1`.
    pub const NOT_A_REPORT: &str = "rollup_not_a_report";
    /// A report whose survey structure differs from the first report's.
    pub const TEMPLATE_MISMATCH: &str = "rollup_template_mismatch";
    /// Two different reports of the same unit (or survey id, without a unit).
    pub const DUPLICATE_UNIT: &str = "rollup_duplicate_unit";
}

/// The roll-up of many units' tally reports of one template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rollup {
    /// Always `"pingyi-rollup/1"`.
    pub format: String,
    /// SHA-256 (lowercase hex) of the template's structure (see `docs/results.md`): equal for
    /// every report of the same template, whatever its title, unit or eligible count.
    pub template_hash: String,
    /// The questions, in survey order, with the labels of the first row's report.
    pub questions: Vec<QuestionHead>,
    /// One row per unit, sorted by unit, then survey id.
    pub rows: Vec<RollupRow>,
    /// Sums over the rows, with rates recomputed from the sums.
    pub totals: RollupTotals,
    /// Notes for officials in Chinese and English (identical copies kept once). Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Text>,
}

/// One question of the template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuestionHead {
    pub question_id: String,
    /// `scale`, `choose`, `score`, `notice`, `approve` or `text`.
    pub kind: String,
    pub title: Text,
    /// The parts a row's figures are given for, in this order: a scale's subjects (one part with
    /// `id` null for a single rating), a score question's subjects and a notice's items, and a
    /// choose question's options (sorted by id). Empty for approve and text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// A subject, item or option of a question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Part {
    pub id: Option<String>,
    pub label: Option<Text>,
}

/// One unit's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RollupRow {
    /// The village (村湾) or compound (小区).
    pub unit: String,
    pub survey_id: String,
    pub survey_version: u32,
    /// The report's `survey_hash`, `ballot_ids_digest` and `generated_at`, to trace the row back.
    pub survey_hash: String,
    pub ballot_ids_digest: String,
    pub generated_at: String,
    pub ballots: u64,
    pub eligible: Option<u32>,
    /// ballots / eligible.
    pub rate: Option<Ratio>,
    pub quorum_percent: u32,
    pub quorum_reached: Option<bool>,
    pub over_eligible: bool,
    /// One entry per question, in the order of [`Rollup::questions`].
    pub questions: Vec<QuestionFigures>,
}

/// The sums of all rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RollupTotals {
    /// Rows (units).
    pub units: u64,
    /// Σ ballots of every row.
    pub ballots: u64,
    /// Σ eligible of the rows that have one; null when none has.
    pub eligible: Option<u64>,
    /// (Σ ballots of the rows with an eligible count) / (Σ their eligible): recomputed from the
    /// sums, never an average of the rows' rates. Null when no row has an eligible count.
    pub rate: Option<Ratio>,
    /// Rows without an eligible count (left out of `eligible` and `rate`).
    pub units_without_eligible: u64,
    /// Rows that reached their quorum.
    pub units_quorum_reached: u64,
    /// Rows with more ballots than eligible voters (an integrity warning).
    pub units_over_eligible: u64,
    /// Per question, the figures recomputed from the summed counts.
    pub questions: Vec<QuestionFigures>,
}

/// The key figures of one question for one row (or the totals).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuestionFigures {
    pub question_id: String,
    /// Ballots that answered the question (summed in the totals).
    pub answered: u64,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Per-kind figures, tagged by `kind` like the tally.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figures {
    /// One entry per subject, in the question's `parts` order.
    Scale {
        subjects: Vec<ScaleFigures>,
    },
    /// The top choices: the options ranked within the seats (or first, without seats), ties at
    /// the boundary included. In the totals, ranked by the summed counts.
    Choose {
        top: Vec<TopChoice>,
    },
    /// One entry per subject, in the question's `parts` order. The totals have none: a sum of
    /// averages means nothing.
    Score {
        subjects: Vec<ScoreFigures>,
    },
    /// One entry per item, in the question's `parts` order.
    Notice {
        items: Vec<NoticeFigures>,
    },
    Approve(ApproveFigures),
    /// How many suggestions.
    Text {
        count: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScaleFigures {
    pub subject_id: Option<String>,
    /// All answers, and those that are valid votes (不了解 left out).
    pub total: u64,
    pub valid: u64,
    /// (满意 + 基本满意) / valid; in the totals Σ(rate × valid) / Σ valid, i.e. from the counts.
    pub satisfaction_rate: Option<Ratio>,
    /// Σ(weight × count) / valid; in the totals recomputed from the summed weighted counts.
    pub weighted_score: Option<Ratio>,
    /// The row's grade; null in the totals (grade rules are not in the reports).
    pub grade: Option<Text>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TopChoice {
    pub option_id: String,
    pub count: u64,
    pub rank: u32,
    pub tied: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScoreFigures {
    pub subject_id: String,
    /// Sum of the combined (trimmed or plain mean) scores of the criteria.
    pub total: Ratio,
    pub rank: u32,
    pub tied: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NoticeFigures {
    pub item_id: String,
    pub no_objection: u64,
    pub objection: u64,
    pub needs_review: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApproveFigures {
    pub for_count: u64,
    pub against: u64,
    pub abstain: u64,
    /// `cast`, `valid` or `eligible`.
    pub rule: String,
    pub base: u64,
    /// for / base; in the totals Σ for / Σ base.
    pub for_share: Option<Ratio>,
    /// The row's outcome; null in the totals (each unit decides for itself).
    pub passed: Option<bool>,
}

// ------------------------------------------------------------------------------------------------
// Building

/// Roll up reports given as a list (a `POST /v1/rollup` body): problem paths start at the report,
/// `$[i]`, and messages name it the same way.
pub fn rollup(reports: &[TallyReport]) -> Result<Rollup, Vec<Problem>> {
    build(reports, &|i| format!("$[{i}]"), &|i| format!("$[{i}]"))
}

/// Roll up reports read from files: problem paths are within the file (`$.tally…`) and
/// messages name the file.
pub fn rollup_files(files: &[(String, TallyReport)]) -> Result<Rollup, Vec<Problem>> {
    let reports: Vec<TallyReport> = files.iter().map(|(_, r)| r.clone()).collect();
    build(&reports, &|_| "$".to_string(), &|i| {
        files.get(i).map(|(n, _)| n.clone()).unwrap_or_default()
    })
}

/// One structural fact of a template: where it is in a report, and its value.
type Fact = (String, String);

/// The template of a report as a list of facts, in a fixed order. Paths are relative to the
/// report (`.tally.questions[0].kind`).
fn template(report: &TallyReport) -> Vec<Fact> {
    let mut out: Vec<Fact> = Vec::new();
    for (i, q) in report.tally.questions.iter().enumerate() {
        let base = format!(".tally.questions[{i}]");
        out.push((format!("{base}.question_id"), q.question_id.clone()));
        let (kind, facts): (&str, Vec<Fact>) = match &q.result {
            KindTally::Scale { subjects } => ("scale", {
                let mut f = Vec::new();
                for (j, s) in subjects.iter().enumerate() {
                    let sb = format!("{base}.subjects[{j}]");
                    f.push((
                        format!("{sb}.subject_id"),
                        s.subject_id.clone().unwrap_or_else(|| "null".into()),
                    ));
                    for (k, o) in s.options.iter().enumerate() {
                        f.push((format!("{sb}.options[{k}].option_id"), o.option_id.clone()));
                        f.push((
                            format!("{sb}.options[{k}].not_valid"),
                            o.not_valid.to_string(),
                        ));
                    }
                    f.push((
                        format!("{sb}.options"),
                        format!("{} options", s.options.len()),
                    ));
                }
                f.push((
                    format!("{base}.subjects"),
                    format!("{} subjects", subjects.len()),
                ));
                f
            }),
            KindTally::Choose(c) => ("choose", {
                let mut ids: Vec<&str> = c.ranking.iter().map(|o| o.option_id.as_str()).collect();
                ids.sort_unstable();
                vec![
                    (format!("{base}.ranking"), ids.join(",")),
                    (
                        format!("{base}.seats"),
                        c.seats.map_or("null".into(), |s| s.to_string()),
                    ),
                ]
            }),
            KindTally::Score(s) => ("score", {
                let mut subjects: Vec<String> = s
                    .subjects
                    .iter()
                    .map(|x| {
                        let c: Vec<&str> =
                            x.criteria.iter().map(|c| c.criterion_id.as_str()).collect();
                        format!("{}:{}", x.subject_id, c.join(","))
                    })
                    .collect();
                subjects.sort_unstable();
                vec![
                    (format!("{base}.method"), s.method.clone()),
                    (format!("{base}.drop"), s.drop.to_string()),
                    (format!("{base}.subjects"), subjects.join(";")),
                ]
            }),
            KindTally::Notice { items } => ("notice", {
                let mut f: Vec<Fact> = items
                    .iter()
                    .enumerate()
                    .map(|(j, it)| (format!("{base}.items[{j}].item_id"), it.item_id.clone()))
                    .collect();
                f.push((format!("{base}.items"), format!("{} items", items.len())));
                f
            }),
            KindTally::Approve(a) => ("approve", vec![(format!("{base}.rule"), a.rule.clone())]),
            KindTally::Text { .. } => ("text", Vec::new()),
        };
        out.push((format!("{base}.kind"), kind.to_string()));
        out.extend(facts);
    }
    out.push((
        ".tally.questions".into(),
        format!("{} questions", report.tally.questions.len()),
    ));
    out
}

/// The first difference between two templates: the path, this report's value and the first
/// report's (`None` where one has nothing at that place).
fn first_difference(
    first: &[Fact],
    this: &[Fact],
) -> Option<(String, Option<String>, Option<String>)> {
    let n = first.len().max(this.len());
    (0..n).find_map(|k| match (first.get(k), this.get(k)) {
        (Some(a), Some(b)) if a == b => None,
        (Some(a), Some(b)) if a.0 == b.0 => {
            Some((b.0.clone(), Some(b.1.clone()), Some(a.1.clone())))
        }
        (Some(a), Some(b)) => {
            // Different places: one has more at this level. Name the shorter path's place.
            let path = if a.0.len() <= b.0.len() { &a.0 } else { &b.0 };
            Some((path.clone(), Some(b.1.clone()), Some(a.1.clone())))
        }
        (Some(a), None) => Some((a.0.clone(), None, Some(a.1.clone()))),
        (None, Some(b)) => Some((b.0.clone(), Some(b.1.clone()), None)),
        (None, None) => None,
    })
}

/// Most problems a refused roll-up lists; the rest are summed up in one last problem
/// (`more_problems`), so that a huge list of reports cannot make a huge answer.
pub const MAX_PROBLEMS: usize = 20;

fn capped(mut problems: Vec<Problem>) -> Vec<Problem> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem::new(
            "$",
            "more_problems",
            format!("……还有 {more} 处问题"),
            format!("…and {more} more problems"),
        ));
    }
    problems
}

/// Short, printable form of a value inside a message.
fn show(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// How a report is named in messages: its name and its unit / survey id.
fn who(name: &str, r: &TallyReport) -> (String, String) {
    let unit = if r.unit.is_empty() {
        "—"
    } else {
        r.unit.as_str()
    };
    (
        format!(
            "报告 {name}（单位“{}”，问卷 {}）",
            show(unit),
            show(&r.survey_id)
        ),
        format!(
            "report {name} (unit \"{}\", survey {})",
            show(unit),
            show(&r.survey_id)
        ),
    )
}

/// The key that must be unique among the rows: the unit, or the survey id without a unit.
fn unit_key(r: &TallyReport) -> String {
    let unit = r.unit.trim();
    if unit.is_empty() {
        format!("survey:{}", r.survey_id)
    } else {
        format!("unit:{unit}")
    }
}

/// Two reports of the same count: equal but for when they were made.
fn same_count(a: &TallyReport, b: &TallyReport) -> bool {
    let mut b = b.clone();
    b.generated_at = a.generated_at.clone();
    *a == b
}

fn build(
    reports: &[TallyReport],
    root: &dyn Fn(usize) -> String,
    name: &dyn Fn(usize) -> String,
) -> Result<Rollup, Vec<Problem>> {
    let mut problems = Vec::new();
    if reports.is_empty() {
        return Err(vec![Problem::new(
            "$",
            problem_code::EMPTY,
            "没有可汇总的统计报告",
            "no tally reports to roll up",
        )]);
    }
    for (i, r) in reports.iter().enumerate() {
        if r.format != TALLY_FORMAT {
            let (zh, en) = who(&name(i), r);
            problems.push(Problem::new(
                format!("{}.format", root(i)),
                problem_code::NOT_A_REPORT,
                format!("{zh}的格式为“{}”，应为“{TALLY_FORMAT}”", show(&r.format)),
                format!(
                    "{en} has format \"{}\", expected \"{TALLY_FORMAT}\"",
                    show(&r.format)
                ),
            ));
        }
    }
    // The template: every report against the first.
    let reference = template(&reports[0]);
    let (first_zh, first_en) = who(&name(0), &reports[0]);
    for (i, r) in reports.iter().enumerate().skip(1) {
        let facts = template(r);
        if let Some((path, this, first)) = first_difference(&reference, &facts) {
            let (zh, en) = who(&name(i), r);
            let value = |v: &Option<String>, none: &str| match v {
                Some(v) => format!("“{}”", show(v)),
                None => none.to_string(),
            };
            let value_en = |v: &Option<String>| match v {
                Some(v) => format!("\"{}\"", show(v)),
                None => "nothing".to_string(),
            };
            let path = format!("{}{path}", root(i));
            problems.push(Problem::new(
                path.clone(),
                problem_code::TEMPLATE_MISMATCH,
                format!(
                    "{zh}与{first_zh}不是同一套问卷模板：{path} 处为{}，而第一份为{}。只能汇总同一模板的报告",
                    value(&this, "空"),
                    value(&first, "空"),
                ),
                format!(
                    "{en} is not of the same survey template as {first_en}: at {path} it has {}, the first has {}. Only reports of one template can be rolled up",
                    value_en(&this),
                    value_en(&first),
                ),
            ));
        }
    }
    // One row per unit: identical copies are kept once, different ones refused.
    let mut by_unit: BTreeMap<String, usize> = BTreeMap::new();
    let mut copies: BTreeMap<usize, u64> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        match by_unit.get(&unit_key(r)) {
            None => {
                by_unit.insert(unit_key(r), i);
            }
            Some(&j) if same_count(&reports[j], r) => *copies.entry(j).or_insert(0) += 1,
            Some(&j) => {
                let (zh, en) = who(&name(i), r);
                let (other_zh, other_en) = who(&name(j), &reports[j]);
                let (what_zh, what_en) = if r.unit.trim().is_empty() {
                    ("问卷编号", "survey id")
                } else {
                    ("单位", "unit")
                };
                let field = if r.unit.trim().is_empty() {
                    "survey_id"
                } else {
                    "unit"
                };
                problems.push(Problem::new(
                    format!("{}.{field}", root(i)),
                    problem_code::DUPLICATE_UNIT,
                    format!(
                        "{zh}与{other_zh}的{what_zh}相同但计票不同，汇总会重复计算该单位。请先合并选票重新计票，或只保留一份报告"
                    ),
                    format!(
                        "{en} has the same {what_en} as {other_en} but a different count: the unit would be counted twice. Merge the ballots and tally again, or keep one report"
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(capped(problems));
    }
    let mut kept: Vec<&TallyReport> = by_unit.values().map(|&i| &reports[i]).collect();
    kept.sort_by(|a, b| (&a.unit, &a.survey_id).cmp(&(&b.unit, &b.survey_id)));
    let notes = copies
        .iter()
        .map(|(&i, &n)| {
            let (zh, en) = who(&name(i), &reports[i]);
            Text::both(
                &format!("{zh}另有 {n} 份相同的副本，只计一次"),
                &format!("{en}: {n} identical copy(ies) counted once"),
            )
        })
        .collect();
    let questions = heads(kept[0]);
    let rows: Vec<RollupRow> = kept.iter().map(|r| row(r)).collect();
    let totals = totals(&kept, &questions);
    let canonical: Vec<String> = reference.iter().map(|(p, v)| format!("{p}={v}")).collect();
    Ok(Rollup {
        format: ROLLUP_FORMAT.to_string(),
        template_hash: sha256_hex(&canonical.join("\n")),
        questions,
        rows,
        totals,
        notes,
    })
}

fn kind_name(k: &KindTally) -> &'static str {
    match k {
        KindTally::Scale { .. } => "scale",
        KindTally::Choose(_) => "choose",
        KindTally::Score(_) => "score",
        KindTally::Notice { .. } => "notice",
        KindTally::Approve(_) => "approve",
        KindTally::Text { .. } => "text",
    }
}

/// The questions and their parts, with the labels of `r`.
fn heads(r: &TallyReport) -> Vec<QuestionHead> {
    r.tally
        .questions
        .iter()
        .map(|q| {
            let mut parts: Vec<Part> = match &q.result {
                KindTally::Scale { subjects } => subjects
                    .iter()
                    .map(|s| Part {
                        id: s.subject_id.clone(),
                        label: s.label.clone(),
                    })
                    .collect(),
                KindTally::Choose(c) => c
                    .ranking
                    .iter()
                    .map(|o| Part {
                        id: Some(o.option_id.clone()),
                        label: Some(o.label.clone()),
                    })
                    .collect(),
                KindTally::Score(s) => s
                    .subjects
                    .iter()
                    .map(|x| Part {
                        id: Some(x.subject_id.clone()),
                        label: Some(x.label.clone()),
                    })
                    .collect(),
                KindTally::Notice { items } => items
                    .iter()
                    .map(|it| Part {
                        id: Some(it.item_id.clone()),
                        label: Some(it.label.clone()),
                    })
                    .collect(),
                KindTally::Approve(_) | KindTally::Text { .. } => Vec::new(),
            };
            if matches!(q.result, KindTally::Choose(_) | KindTally::Score(_)) {
                parts.sort_by(|a, b| a.id.cmp(&b.id));
            }
            QuestionHead {
                question_id: q.question_id.clone(),
                kind: kind_name(&q.result).to_string(),
                title: q.title.clone(),
                parts,
            }
        })
        .collect()
}

/// The part ids of a head, as the ids a row's figures are looked up by.
fn part_ids(h: &QuestionHead) -> impl Iterator<Item = Option<&str>> {
    h.parts.iter().map(|p| p.id.as_deref())
}

/// Options within the seats (or the first, without seats), ties at the boundary included, from
/// `(option_id, count)` in a fixed order: competition ranks by count, equal counts keep order.
fn top_choices(counts: &[(String, u64)], seats: Option<u32>) -> Vec<TopChoice> {
    let mut order: Vec<&(String, u64)> = counts.iter().collect();
    order.sort_by_key(|x| std::cmp::Reverse(x.1));
    let cut = u64::from(seats.unwrap_or(1).max(1));
    let mut out = Vec::new();
    let mut rank = 1u64;
    for (pos, (id, count)) in order.iter().enumerate() {
        if pos > 0 && order[pos - 1].1 != *count {
            rank = pos as u64 + 1;
        }
        if rank > cut {
            break;
        }
        let tied = (pos > 0 && order[pos - 1].1 == *count)
            || order.get(pos + 1).is_some_and(|next| next.1 == *count);
        out.push(TopChoice {
            option_id: id.clone(),
            count: *count,
            rank: u32::try_from(rank).unwrap_or(u32::MAX),
            tied,
        });
    }
    out
}

fn row(r: &TallyReport) -> RollupRow {
    let p = &r.tally.participation;
    RollupRow {
        unit: r.unit.clone(),
        survey_id: r.survey_id.clone(),
        survey_version: r.survey_version,
        survey_hash: r.survey_hash.clone(),
        ballot_ids_digest: r.ballot_ids_digest.clone(),
        generated_at: r.generated_at.clone(),
        ballots: p.ballots,
        eligible: p.eligible,
        rate: p.rate,
        quorum_percent: p.quorum_percent,
        quorum_reached: p.quorum_reached,
        over_eligible: p.over_eligible,
        questions: r
            .tally
            .questions
            .iter()
            .map(|q| QuestionFigures {
                question_id: q.question_id.clone(),
                answered: q.answered,
                figures: figures(&q.result),
            })
            .collect(),
    }
}

fn figures(k: &KindTally) -> Figures {
    match k {
        KindTally::Scale { subjects } => Figures::Scale {
            // The template fixes the subjects' order: the same as the question's parts.
            subjects: subjects
                .iter()
                .map(|s| ScaleFigures {
                    subject_id: s.subject_id.clone(),
                    total: s.total,
                    valid: s.valid,
                    satisfaction_rate: s.satisfaction_rate,
                    weighted_score: s.weighted_score,
                    grade: s.grade.clone(),
                })
                .collect(),
        },
        KindTally::Choose(c) => {
            // Ranking order is the tally's: count, then survey order.
            let counts: Vec<(String, u64)> = c
                .ranking
                .iter()
                .map(|o| (o.option_id.clone(), o.count))
                .collect();
            Figures::Choose {
                top: top_choices(&counts, c.seats),
            }
        }
        KindTally::Score(s) => Figures::Score {
            // Ranked in the tally; in id order here, as the question's parts.
            subjects: {
                let mut subjects: Vec<ScoreFigures> = s
                    .subjects
                    .iter()
                    .map(|x| ScoreFigures {
                        subject_id: x.subject_id.clone(),
                        total: x.total,
                        rank: x.rank,
                        tied: x.tied,
                    })
                    .collect();
                subjects.sort_by(|a, b| a.subject_id.cmp(&b.subject_id));
                subjects
            },
        },
        KindTally::Notice { items } => Figures::Notice {
            items: items
                .iter()
                .map(|it| NoticeFigures {
                    item_id: it.item_id.clone(),
                    no_objection: it.no_objection,
                    objection: it.objection,
                    needs_review: it.needs_review,
                })
                .collect(),
        },
        KindTally::Approve(a) => Figures::Approve(ApproveFigures {
            for_count: a.for_count,
            against: a.against,
            abstain: a.abstain,
            rule: a.rule.clone(),
            base: a.base,
            for_share: a.for_share,
            passed: Some(a.passed),
        }),
        KindTally::Text { texts } => Figures::Text {
            count: texts.len() as u64,
        },
    }
}

/// `rate × n` as an exact ratio (the count a rate over `n` stands for).
fn times(rate: &Ratio, n: u64) -> Ratio {
    Ratio::reduced(
        i128::from(rate.num).saturating_mul(i128::from(n)),
        i128::from(rate.den),
    )
}

/// `sum / n`, exact; `None` when `n` is 0.
fn over(sum: &Ratio, n: u64) -> Option<Ratio> {
    (n > 0 && sum.den > 0).then(|| {
        Ratio::reduced(
            i128::from(sum.num),
            i128::from(sum.den).saturating_mul(i128::from(n)),
        )
    })
}

fn totals(rows: &[&TallyReport], heads: &[QuestionHead]) -> RollupTotals {
    let mut t = RollupTotals {
        units: rows.len() as u64,
        ballots: 0,
        eligible: None,
        rate: None,
        units_without_eligible: 0,
        units_quorum_reached: 0,
        units_over_eligible: 0,
        questions: Vec::new(),
    };
    let mut rated_ballots = 0u64;
    for r in rows {
        let p = &r.tally.participation;
        t.ballots = t.ballots.saturating_add(p.ballots);
        match p.eligible {
            Some(e) => {
                t.eligible = Some(t.eligible.unwrap_or(0).saturating_add(u64::from(e)));
                rated_ballots = rated_ballots.saturating_add(p.ballots);
            }
            None => t.units_without_eligible += 1,
        }
        t.units_quorum_reached += u64::from(p.quorum_reached == Some(true));
        t.units_over_eligible += u64::from(p.over_eligible);
    }
    t.rate = t
        .eligible
        .filter(|e| *e > 0)
        .map(|e| Ratio::reduced(i128::from(rated_ballots), i128::from(e)));
    for (qi, h) in heads.iter().enumerate() {
        let questions: Vec<&crate::tally::QuestionTally> = rows
            .iter()
            .filter_map(|r| r.tally.questions.get(qi))
            .collect();
        let answered = questions
            .iter()
            .fold(0u64, |s, q| s.saturating_add(q.answered));
        let figures = match h.kind.as_str() {
            "scale" => Figures::Scale {
                subjects: part_ids(h)
                    .enumerate()
                    .map(|(j, id)| scale_total(&questions, j, id))
                    .collect(),
            },
            "choose" => {
                let mut sums: BTreeMap<&str, u64> =
                    part_ids(h).map(|id| (id.unwrap_or_default(), 0)).collect();
                let mut seats = None;
                for q in &questions {
                    if let KindTally::Choose(c) = &q.result {
                        seats = c.seats;
                        for o in &c.ranking {
                            if let Some(s) = sums.get_mut(o.option_id.as_str()) {
                                *s = s.saturating_add(o.count);
                            }
                        }
                    }
                }
                // In id order, so equal sums keep id order.
                let sums: Vec<(String, u64)> = sums
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n))
                    .collect();
                Figures::Choose {
                    top: top_choices(&sums, seats),
                }
            }
            "score" => Figures::Score {
                subjects: Vec::new(),
            },
            "notice" => Figures::Notice {
                items: part_ids(h)
                    .enumerate()
                    .map(|(j, id)| {
                        let id = id.unwrap_or_default();
                        let (mut no, mut yes) = (0u64, 0u64);
                        for q in &questions {
                            if let KindTally::Notice { items } = &q.result {
                                // The template fixes the items' order.
                                if let Some(it) = items.get(j) {
                                    no = no.saturating_add(it.no_objection);
                                    yes = yes.saturating_add(it.objection);
                                }
                            }
                        }
                        NoticeFigures {
                            item_id: id.to_string(),
                            no_objection: no,
                            objection: yes,
                            needs_review: yes > 0,
                        }
                    })
                    .collect(),
            },
            "approve" => {
                let mut a = ApproveFigures {
                    for_count: 0,
                    against: 0,
                    abstain: 0,
                    rule: String::new(),
                    base: 0,
                    for_share: None,
                    passed: None,
                };
                for q in &questions {
                    if let KindTally::Approve(x) = &q.result {
                        a.for_count = a.for_count.saturating_add(x.for_count);
                        a.against = a.against.saturating_add(x.against);
                        a.abstain = a.abstain.saturating_add(x.abstain);
                        a.base = a.base.saturating_add(x.base);
                        a.rule = x.rule.clone();
                    }
                }
                a.for_share = (a.base > 0)
                    .then(|| Ratio::reduced(i128::from(a.for_count), i128::from(a.base)));
                Figures::Approve(a)
            }
            _ => Figures::Text {
                count: questions.iter().fold(0u64, |s, q| match &q.result {
                    KindTally::Text { texts } => s.saturating_add(texts.len() as u64),
                    _ => s,
                }),
            },
        };
        t.questions.push(QuestionFigures {
            question_id: h.question_id.clone(),
            answered,
            figures,
        });
    }
    t
}

/// One scale subject summed over the rows: counts added, rates recomputed from the counts they
/// stand for. A rate is given only when every row with valid votes has it.
fn scale_total(
    questions: &[&crate::tally::QuestionTally],
    j: usize,
    id: Option<&str>,
) -> ScaleFigures {
    let mut f = ScaleFigures {
        subject_id: id.map(str::to_string),
        total: 0,
        valid: 0,
        satisfaction_rate: None,
        weighted_score: None,
        grade: None,
    };
    let (mut satisfied, mut weighted) = (Some(Ratio::new(0, 1)), Some(Ratio::new(0, 1)));
    let mut any_satisfaction = false;
    for q in questions {
        let KindTally::Scale { subjects } = &q.result else {
            continue;
        };
        // The template fixes the subjects' order.
        let Some(s) = subjects.get(j) else {
            continue;
        };
        f.total = f.total.saturating_add(s.total);
        f.valid = f.valid.saturating_add(s.valid);
        any_satisfaction |= s.satisfaction_rate.is_some();
        let add = |sum: Option<Ratio>, rate: &Option<Ratio>| match (sum, rate) {
            (Some(sum), Some(r)) if r.den > 0 => Some(sum.add(&times(r, s.valid))),
            (sum, _) if s.valid == 0 => sum,
            _ => None,
        };
        satisfied = add(satisfied, &s.satisfaction_rate);
        weighted = add(weighted, &s.weighted_score);
    }
    f.satisfaction_rate = satisfied
        .filter(|_| any_satisfaction)
        .and_then(|s| over(&s, f.valid));
    f.weighted_score = weighted.and_then(|s| over(&s, f.valid));
    f
}

// ------------------------------------------------------------------------------------------------
// Files

impl Rollup {
    /// The roll-up as the file is written: pretty JSON (two-space indent) and a final newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The JSON Schema of a roll-up, as pretty JSON (committed as `docs/rollup.schema.json`).
#[cfg(feature = "schema")]
pub fn rollup_schema() -> String {
    let mut s = serde_json::to_string_pretty(&schemars::schema_for!(Rollup)).unwrap_or_default();
    s.push('\n');
    s
}

fn pct(r: &Option<Ratio>) -> String {
    r.as_ref()
        .and_then(|r| r.percent(CSV_DECIMALS))
        .unwrap_or_default()
}

fn dec(r: &Option<Ratio>) -> String {
    r.as_ref()
        .and_then(|r| r.decimal(CSV_DECIMALS))
        .unwrap_or_default()
}

/// One column of the roll-up CSV: its header and how a row's (or the totals') question figures
/// fill it.
struct Column {
    header: String,
    question: usize,
    cell: Box<dyn Fn(&QuestionFigures) -> String>,
}

/// The roll-up as one CSV table for Excel or WPS: UTF-8 with a byte order mark, CRLF, quoted as
/// the tally CSV. One row per unit, then a totals row (合计 / Total). Headers and fixed words in
/// Chinese, or English with `lang = "en"`; labels are the first row's report's.
///
/// Fixed columns: 单位, 问卷编号, 版本, 参与, 应到, 参与率(%), 法定人数比例(%), 是否达到法定人数,
/// 超出应到人数. Then per question, each header `title [id]` (and `: part`):
/// - scale, per subject: 有效票, 满意率(%) (when any row has one), 加权得分 (when any row has
///   one), 等级 (when any row has one);
/// - choose: 作答票数, 前列 (the top choices as `label count` joined by `；`);
/// - score, per subject: 总分, 名次;
/// - notice, per item: 无异议, 有异议, 结果;
/// - approve: 赞同, 反对, 弃权, 赞同比例(%), 结果;
/// - text: 建议条数.
pub fn rollup_csv(r: &Rollup, lang: &str) -> String {
    let en = lang == "en";
    let w = move |zh: &'static str, e: &'static str| if en { e } else { zh };
    let mut columns: Vec<Column> = Vec::new();
    let all: Vec<&QuestionFigures> = r.rows.iter().flat_map(|row| row.questions.iter()).collect();
    for (qi, h) in r.questions.iter().enumerate() {
        let title = format!("{} [{}]", h.title.get(lang), h.question_id);
        let part_label = |p: &Part| -> String {
            match (&p.label, &p.id) {
                (Some(l), _) => l.get(lang).to_string(),
                (None, Some(id)) => id.clone(),
                (None, None) => String::new(),
            }
        };
        let head = |part: Option<&Part>, measure: &str| match part {
            Some(p) if p.id.is_some() => format!("{title}: {}: {measure}", part_label(p)),
            _ => format!("{title}: {measure}"),
        };
        let mut add = |header: String, cell: Box<dyn Fn(&QuestionFigures) -> String>| {
            columns.push(Column {
                header,
                question: qi,
                cell,
            })
        };
        match h.kind.as_str() {
            "scale" => {
                for (pi, p) in h.parts.iter().enumerate() {
                    let of = move |q: &QuestionFigures| -> Option<ScaleFigures> {
                        match &q.figures {
                            Figures::Scale { subjects } => subjects.get(pi).cloned(),
                            _ => None,
                        }
                    };
                    let any = |get: &dyn Fn(&ScaleFigures) -> bool| {
                        all.iter()
                            .filter(|q| q.question_id == h.question_id)
                            .filter_map(|q| of(q))
                            .any(|s| get(&s))
                    };
                    add(
                        head(Some(p), w("有效票", "Valid votes")),
                        Box::new(move |q| of(q).map(|s| s.valid.to_string()).unwrap_or_default()),
                    );
                    if any(&|s| s.satisfaction_rate.is_some()) {
                        add(
                            head(Some(p), w("满意率(%)", "Satisfaction rate (%)")),
                            Box::new(move |q| {
                                of(q).map(|s| pct(&s.satisfaction_rate)).unwrap_or_default()
                            }),
                        );
                    }
                    if any(&|s| s.weighted_score.is_some()) {
                        add(
                            head(Some(p), w("加权得分", "Weighted score")),
                            Box::new(move |q| {
                                of(q).map(|s| dec(&s.weighted_score)).unwrap_or_default()
                            }),
                        );
                    }
                    if any(&|s| s.grade.is_some()) {
                        let lang = lang.to_string();
                        add(
                            head(Some(p), w("等级", "Grade")),
                            Box::new(move |q| {
                                of(q)
                                    .and_then(|s| s.grade)
                                    .map(|g| defuse_formula(g.get(&lang)))
                                    .unwrap_or_default()
                            }),
                        );
                    }
                }
            }
            "choose" => {
                add(
                    head(None, w("作答票数", "Answered")),
                    Box::new(|q| q.answered.to_string()),
                );
                let labels: Vec<(String, String)> = h
                    .parts
                    .iter()
                    .map(|p| (p.id.clone().unwrap_or_default(), part_label(p)))
                    .collect();
                add(
                    head(None, w("前列", "Top choices")),
                    Box::new(move |q| match &q.figures {
                        Figures::Choose { top } => top
                            .iter()
                            .map(|t| {
                                let label = labels
                                    .iter()
                                    .find(|(id, _)| *id == t.option_id)
                                    .map(|(_, l)| l.as_str())
                                    .unwrap_or(&t.option_id);
                                format!("{label} {}", t.count)
                            })
                            .collect::<Vec<_>>()
                            .join(if en { "; " } else { "；" }),
                        _ => String::new(),
                    }),
                );
            }
            "score" => {
                for (pi, p) in h.parts.iter().enumerate() {
                    let of = move |q: &QuestionFigures| -> Option<ScoreFigures> {
                        match &q.figures {
                            Figures::Score { subjects } => subjects.get(pi).cloned(),
                            _ => None,
                        }
                    };
                    add(
                        head(Some(p), w("总分", "Total")),
                        Box::new(move |q| of(q).map(|s| dec(&Some(s.total))).unwrap_or_default()),
                    );
                    add(
                        head(Some(p), w("名次", "Rank")),
                        Box::new(move |q| of(q).map(|s| s.rank.to_string()).unwrap_or_default()),
                    );
                }
            }
            "notice" => {
                for (pi, p) in h.parts.iter().enumerate() {
                    let of = move |q: &QuestionFigures| -> Option<NoticeFigures> {
                        match &q.figures {
                            Figures::Notice { items } => items.get(pi).cloned(),
                            _ => None,
                        }
                    };
                    add(
                        head(Some(p), w("无异议", "No objection")),
                        Box::new(move |q| {
                            of(q)
                                .map(|s| s.no_objection.to_string())
                                .unwrap_or_default()
                        }),
                    );
                    add(
                        head(Some(p), w("有异议", "Objection")),
                        Box::new(move |q| {
                            of(q).map(|s| s.objection.to_string()).unwrap_or_default()
                        }),
                    );
                    add(
                        head(Some(p), w("结果", "Result")),
                        Box::new(move |q| {
                            of(q)
                                .map(|s| {
                                    if s.needs_review {
                                        w("需复核", "needs review")
                                    } else {
                                        w("无异议，通过", "no objection: passes")
                                    }
                                    .to_string()
                                })
                                .unwrap_or_default()
                        }),
                    );
                }
            }
            "approve" => {
                let of = |q: &QuestionFigures| -> Option<ApproveFigures> {
                    match &q.figures {
                        Figures::Approve(a) => Some(a.clone()),
                        _ => None,
                    }
                };
                add(
                    head(None, w("赞同", "For")),
                    Box::new(move |q| of(q).map(|a| a.for_count.to_string()).unwrap_or_default()),
                );
                add(
                    head(None, w("反对", "Against")),
                    Box::new(move |q| of(q).map(|a| a.against.to_string()).unwrap_or_default()),
                );
                add(
                    head(None, w("弃权", "Abstain")),
                    Box::new(move |q| of(q).map(|a| a.abstain.to_string()).unwrap_or_default()),
                );
                add(
                    head(None, w("赞同比例(%)", "For share (%)")),
                    Box::new(move |q| of(q).map(|a| pct(&a.for_share)).unwrap_or_default()),
                );
                add(
                    head(None, w("结果", "Result")),
                    Box::new(move |q| match of(q).and_then(|a| a.passed) {
                        Some(true) => w("通过", "passed").to_string(),
                        Some(false) => w("未通过", "not passed").to_string(),
                        None => String::new(),
                    }),
                );
            }
            _ => add(
                head(None, w("建议条数", "Suggestions")),
                Box::new(|q| match &q.figures {
                    Figures::Text { count } => count.to_string(),
                    _ => String::new(),
                }),
            ),
        }
    }

    let mut out = String::from("\u{FEFF}");
    let mut header: Vec<String> = [
        ("单位", "Unit"),
        ("问卷编号", "Survey id"),
        ("版本", "Version"),
        ("参与", "Ballots"),
        ("应到", "Eligible"),
        ("参与率(%)", "Participation rate (%)"),
        ("法定人数比例(%)", "Quorum (%)"),
        ("是否达到法定人数", "Quorum reached"),
        ("超出应到人数", "More ballots than eligible"),
    ]
    .iter()
    .map(|(zh, e)| w(zh, e).to_string())
    .collect();
    header.extend(columns.iter().map(|c| defuse_formula(&c.header)));
    write_record(&mut out, header.iter().map(String::as_str));
    let yes_no = |b: bool| if b { w("是", "yes") } else { w("否", "no") };
    for row in &r.rows {
        let mut cells: Vec<String> = vec![
            defuse_formula(&row.unit),
            defuse_formula(&row.survey_id),
            row.survey_version.to_string(),
            row.ballots.to_string(),
            row.eligible.map(|e| e.to_string()).unwrap_or_default(),
            pct(&row.rate),
            row.quorum_percent.to_string(),
            match row.quorum_reached {
                Some(b) => yes_no(b).to_string(),
                None => w("未知", "unknown").to_string(),
            },
            yes_no(row.over_eligible).to_string(),
        ];
        cells.extend(columns.iter().map(|c| {
            row.questions
                .get(c.question)
                .map(|q| (c.cell)(q))
                .unwrap_or_default()
        }));
        write_record(&mut out, cells.iter().map(String::as_str));
    }
    let t = &r.totals;
    let mut cells: Vec<String> = vec![
        format!(
            "{}{}{}",
            w("合计（", "Total ("),
            t.units,
            w(" 个单位）", " units)")
        ),
        String::new(),
        String::new(),
        t.ballots.to_string(),
        t.eligible.map(|e| e.to_string()).unwrap_or_default(),
        pct(&t.rate),
        String::new(),
        format!("{}/{}", t.units_quorum_reached, t.units),
        format!("{}/{}", t.units_over_eligible, t.units),
    ];
    cells.extend(columns.iter().map(|c| {
        t.questions
            .get(c.question)
            .map(|q| (c.cell)(q))
            .unwrap_or_default()
    }));
    write_record(&mut out, cells.iter().map(String::as_str));
    out
}

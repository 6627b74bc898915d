//! The tally: a pure function from (survey, ballots) to counts and derived figures.
//!
//! The same code runs on the phone, in the collector and in the command-line tool, so a result can
//! never differ between them. Rates are exact rationals ([`Ratio`]); their decimal form is rounded
//! half away from zero to a fixed number of places (see `docs/tally-format.md`). Ballots are
//! deduplicated by id before counting (first occurrence in input order wins), and every list in
//! the output has a deterministic order.
//!
//! One file per question kind: `scale.rs`, `choose.rs`, `score.rs`, `notice.rs`, `approve.rs`,
//! `text.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod ratio;

use crate::ballot::Channel;
use crate::survey::Text;

/// An exact rational `num / den`. Serialised with a rounded decimal `value` for people and
/// machines that do not want to divide; `value` is `null` when `den` is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    pub num: i64,
    pub den: u64,
}

/// The whole tally of one survey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tally {
    pub survey_id: String,
    pub survey_version: u32,
    pub participation: Participation,
    /// One entry per question, in survey order.
    pub questions: Vec<QuestionTally>,
}

/// Ballots counted against the eligible count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Participation {
    /// Distinct ballots counted (after deduplication by id).
    pub ballots: u64,
    /// Ballots per channel (digital, paper); channels with no ballots are absent.
    pub by_channel: BTreeMap<Channel, u64>,
    /// Ballots that named another survey id or version and were left out.
    pub ignored_other_survey: u64,
    /// Duplicate ballot ids dropped from the input.
    pub duplicates_dropped: u64,
    pub eligible: Option<u32>,
    /// ballots / eligible, when eligible is known and non-zero.
    pub rate: Option<Ratio>,
    /// Quorum percent in force (survey `quorum_percent`).
    pub quorum_percent: u32,
    /// ballots > eligible × quorum_percent / 100; `None` when eligible is unknown.
    pub quorum_reached: Option<bool>,
    /// More ballots than eligible voters: an integrity warning.
    pub over_eligible: bool,
}

/// The tally of one question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuestionTally {
    pub question_id: String,
    pub title: Text,
    /// Ballots that answered this question.
    pub answered: u64,
    #[serde(flatten)]
    pub result: KindTally,
}

/// Per-kind results, tagged by `kind` like the survey format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KindTally {
    /// A single scale question has exactly one entry in `subjects`, with `subject_id` null.
    Scale { subjects: Vec<ScaleSubjectTally> },
    Choose(ChooseTally),
    Score(ScoreTally),
    Notice { items: Vec<NoticeItemTally> },
    Approve(ApproveTally),
    Text { texts: Vec<String> },
}

/// One option's count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OptionCount {
    pub option_id: String,
    pub label: Text,
    pub count: u64,
    /// count / valid votes; `None` for an option that is not a valid vote.
    pub share_of_valid: Option<Ratio>,
    pub not_valid: bool,
}

/// One rated subject (or the single rating) of a scale question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScaleSubjectTally {
    pub subject_id: Option<String>,
    pub label: Option<Text>,
    /// In the survey's option order.
    pub options: Vec<OptionCount>,
    /// All answers, including not-valid ones.
    pub total: u64,
    /// Answers on options that are valid votes (不了解 left out).
    pub valid: u64,
    /// For the satisfaction preset (or any scale whose first two options are positive): the sum
    /// of the two first valid options / valid. Present only for the `satisfaction` preset.
    pub satisfaction_rate: Option<Ratio>,
    /// Σ(weight × count) / valid, when every valid option has a weight.
    pub weighted_score: Option<Ratio>,
    /// The first grade rule that matches, else the default grade.
    pub grade: Option<Text>,
}

/// The result of a `choose` question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChooseTally {
    /// Ranked by count, descending; equal counts keep survey order and share a rank.
    pub ranking: Vec<RankedOption>,
    pub seats: Option<u32>,
    /// Ids elected outright (within `seats`, not tied across the last seat), in rank order.
    pub elected: Vec<String>,
    /// Ids tied across the last seat: they need a run-off or review.
    pub tied_at_last_seat: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RankedOption {
    pub option_id: String,
    pub label: Text,
    pub count: u64,
    /// count / ballots that answered.
    pub share_of_answered: Ratio,
    /// 1-based competition rank (1, 2, 2, 4).
    pub rank: u32,
    /// Shares its count with another option.
    pub tied: bool,
}

/// The result of a `score` question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScoreTally {
    /// `mean` or `trimmed_mean`.
    pub method: String,
    pub drop: u32,
    /// Ranked by total, descending; ties share a rank.
    pub subjects: Vec<ScoreSubjectTally>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScoreSubjectTally {
    pub subject_id: String,
    pub label: Text,
    /// In criterion order.
    pub criteria: Vec<CriterionTally>,
    /// Sum over criteria of the combined score.
    pub total: Ratio,
    pub rank: u32,
    pub tied: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CriterionTally {
    pub criterion_id: String,
    pub label: Text,
    /// Number of judges' scores.
    pub count: u64,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub mean: Option<Ratio>,
    /// Mean after dropping `drop` highest and lowest; equals `mean` under the `mean` method.
    pub combined: Option<Ratio>,
    /// Too few scores to trim: `combined` is the plain mean.
    pub trim_skipped: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NoticeItemTally {
    pub item_id: String,
    pub label: Text,
    pub no_objection: u64,
    pub objection: u64,
    /// Reasons given with objections, in ballot order.
    pub reasons: Vec<String>,
    /// Any objection sends the item to review; none means it passes.
    pub needs_review: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApproveTally {
    pub for_count: u64,
    pub against: u64,
    pub abstain: u64,
    /// `cast`, `valid` or `eligible`.
    pub rule: String,
    /// The count the majority is measured against under the rule.
    pub base: u64,
    /// for_count / base.
    pub for_share: Option<Ratio>,
    /// for_count × 2 > base (and base > 0).
    pub passed: bool,
}

/// Count the ballots of `survey`. Ballots for another survey id or version are left out and
/// counted in `participation.ignored_other_survey`; repeated ids are counted once.
pub fn tally(survey: &crate::survey::Survey, ballots: &[crate::ballot::Ballot]) -> Tally {
    let _ = (survey, ballots);
    todo!()
}

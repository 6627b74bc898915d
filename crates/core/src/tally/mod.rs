//! The tally: a pure function from (survey, ballots) to counts and derived figures.
//!
//! The same code runs on the phone, in the collector and in the command-line tool, so a result can
//! never differ between them. Rates are exact rationals ([`Ratio`]); their decimal form is rounded
//! half away from zero to a fixed number of places (see `docs/tally-format.md`). Ballots are
//! deduplicated by id before counting (first occurrence in input order wins), and every list in
//! the output has a deterministic order.
//!
//! Every [`Ratio`] in a tally is in lowest terms (`7/8`, `1/4`, `0/1`); a figure that has no value
//! (nothing to divide by) is `None`, except where the field is not optional, where it is `0/0`
//! with `value` null. Counts are always given beside rates.
//!
//! Ballots are counted one at a time into a [`TallyState`] by a [`Counter`] (`state.rs`), which
//! looks every id up once per survey; a store can keep that state and add only new ballots. Each
//! kind's figures are then made from its counts, one file per question kind: `scale.rs`,
//! `choose.rs`, `score.rs`, `notice.rs`, `approve.rs`, `text.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod approve;
mod choose;
mod ids;
mod notice;
mod ratio;
mod read;
#[cfg(test)]
mod reference;
mod scale;
mod score;
mod state;
mod text;

pub use ratio::DECIMALS;
pub use state::{Counter, QuestionState, StateMismatch, TallyState, TextEntry};

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::ballot::{Ballot, Channel};
use crate::survey::{Survey, Text};

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
    /// Of those, the ballots of this survey answering another version, per version (in version
    /// order): publishing a new version leaves the ballots of the old one out of the count, and
    /// this says so. Absent when there are none. [`versions_note`] says it in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_versions: Vec<VersionCount>,
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
    /// Paper ballots entered as totals per option ([`crate::paper::PaperTotals`]): the largest
    /// `ballots` of any totals entry. Already included in `ballots` and in `by_channel.paper`.
    /// Absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub paper_totals_ballots: u64,
}

/// Ballots of one survey version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VersionCount {
    pub survey_version: u32,
    pub ballots: u64,
}

/// In words for officials (Chinese and English): which survey version a tally counted and how
/// many ballots of other versions it left out. `None` when no ballot of another version was left
/// out. The tally report carries it in `notes`, the CSV in a participation row.
pub fn versions_note(p: &Participation, counted_version: u32) -> Option<Text> {
    if p.other_versions.is_empty() {
        return None;
    }
    let zh: Vec<String> = p
        .other_versions
        .iter()
        .map(|v| format!("第 {} 版 {} 张", v.survey_version, v.ballots))
        .collect();
    let en: Vec<String> = p
        .other_versions
        .iter()
        .map(|v| format!("{} for version {}", v.ballots, v.survey_version))
        .collect();
    let total: u64 = p.other_versions.iter().map(|v| v.ballots).sum();
    Some(Text::both(
        &format!(
            "本次统计只计入第 {counted_version} 版问卷的选票。另有其他版本的选票 {total} 张未计入（{}）：问卷修改后，旧版选票回答的问题不同，不能合在一起统计。",
            zh.join("，")
        ),
        &format!(
            "Only ballots for version {counted_version} of the survey are counted. {total} ballot(s) for other versions were left out ({}): after the survey changed, older ballots answer different questions and cannot be counted together.",
            en.join(", ")
        ),
    ))
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One option's count from one channel (for a matrix scale, for one subject).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelCount {
    pub channel: Channel,
    /// The subject of a matrix scale; `null` otherwise.
    pub subject_id: Option<String>,
    pub option_id: String,
    pub count: u64,
}

/// The tally of one question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuestionTally {
    pub question_id: String,
    pub title: Text,
    /// Ballots that answered this question.
    pub answered: u64,
    /// Option counts split by channel (digital, paper), for `scale`, `approve` and `choose`
    /// questions, in channel, subject and option order, zeros included. Only in a tally with
    /// paper input ([`tally_with_paper`] with paper ballots or totals); absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_counts: Vec<ChannelCount>,
    #[serde(flatten)]
    pub result: KindTally,
}

/// Per-kind results, tagged by `kind` like the survey format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KindTally {
    /// A single scale question has exactly one entry in `subjects`, with `subject_id` null.
    Scale {
        subjects: Vec<ScaleSubjectTally>,
    },
    Choose(ChooseTally),
    Score(ScoreTally),
    Notice {
        items: Vec<NoticeItemTally>,
    },
    Approve(ApproveTally),
    Text {
        /// The non-blank answers, trimmed and sorted (never in the order they arrived).
        texts: Vec<String>,
    },
}

/// One option's count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OptionCount {
    pub option_id: String,
    pub label: Text,
    pub count: u64,
    /// count / valid votes; `None` for an option that is not a valid vote, and when there are no
    /// valid votes.
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
    /// (first two valid options, i.e. 满意 + 基本满意) / valid. Present only for the `satisfaction`
    /// preset and when valid > 0.
    pub satisfaction_rate: Option<Ratio>,
    /// Σ(weight × count) / valid, when every valid option has a weight and valid > 0.
    pub weighted_score: Option<Ratio>,
    /// The first grade rule that matches (count × 100 ≥ threshold × valid, exact), else the
    /// default grade; `None` when valid = 0.
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
    /// Reasons given with objections, trimmed and sorted (never in the order they arrived).
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

/// Count the ballots of `survey`. Pass every ballot held for the survey, of every version: ballots
/// for another survey id or version are left out and counted in
/// `participation.ignored_other_survey`, those of another version of this survey also per version
/// in `participation.other_versions` (see [`versions_note`]); repeated ids are counted once.
///
/// Order of work: deduplicate by ballot id over the whole input (first occurrence wins), then
/// leave out ballots for another survey id or version, then count each question over the
/// remaining ballots. For each question an answer is counted only when the question is shown on
/// that ballot (`Question::is_shown`) and the answer is valid for the question
/// ([`crate::validate::answer_is_countable`]: right shape, known ids, values in range); otherwise
/// that answer is skipped for that question alone. Nothing here panics on any input.
pub fn tally(survey: &Survey, ballots: &[Ballot]) -> Tally {
    count_distinct(survey, ballots).finish()
}

/// [`tally`] plus paper ballots entered as totals per option (`docs/meeting-modes.md`), with the
/// option counts of each question split by channel (`channel_counts`) whenever there is any paper
/// input (one-by-one paper ballots or totals). Totals are expected to be valid
/// ([`crate::paper::validate_paper_totals`]); an entry for an unknown question is ignored.
///
/// A totals entry counts exactly as `ballots` one-by-one paper ballots with those marks would:
/// its counts go into the question's counts, its `ballots` into `answered`, and the largest
/// `ballots` of all entries into the participation (`paper_totals_ballots`, `by_channel.paper`,
/// `ballots`, rate, quorum, over-eligible flag).
pub fn tally_with_paper(
    survey: &Survey,
    ballots: &[Ballot],
    totals: &[crate::paper::PaperTotals],
) -> Tally {
    count_distinct(survey, ballots).finish_with_paper(totals)
}

/// Every ballot of `ballots` into a counter: the first of each id counted, the others noted as
/// repeats. Ids are remembered by their (randomly keyed) hash and the position of the first
/// ballot with it, so the check reads no other ballot's id unless two hashes are equal.
fn count_distinct<'s>(survey: &'s Survey, ballots: &[Ballot]) -> Counter<'s> {
    use std::collections::hash_map::{Entry, HashMap, RandomState};
    use std::hash::{BuildHasher, BuildHasherDefault};
    let mut counter = Counter::new(survey);
    let hasher = RandomState::new();
    // The keys are already keyed hashes: the map uses them as they are instead of hashing again.
    let mut first: HashMap<u64, usize, BuildHasherDefault<Prehashed>> =
        HashMap::with_capacity_and_hasher(ballots.len(), BuildHasherDefault::default());
    // Keys whose hash was already taken by another key: looked up exactly.
    let mut others: HashSet<std::borrow::Cow<str>> = HashSet::new();
    for (i, b) in ballots.iter().enumerate() {
        let key = crate::ballot::ballot_key(&b.id);
        let new = match first.entry(hasher.hash_one(&*key)) {
            Entry::Vacant(e) => {
                e.insert(i);
                true
            }
            Entry::Occupied(e) => {
                *crate::ballot::ballot_key(&ballots[*e.get()].id) != *key && others.insert(key)
            }
        };
        if new {
            counter.add(b);
        } else {
            counter.add_duplicate(b);
        }
    }
    counter
}

/// The hasher of a map whose `u64` keys are hashes already: the key is its own hash.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn participation(
    survey: &Survey,
    counted: [u64; 2],
    ignored_other_survey: u64,
    duplicates_dropped: u64,
    paper_totals_ballots: u64,
) -> Participation {
    let mut by_channel: BTreeMap<Channel, u64> = BTreeMap::new();
    for (channel, n) in [Channel::Digital, Channel::Paper].into_iter().zip(counted) {
        if n > 0 {
            by_channel.insert(channel, n);
        }
    }
    if paper_totals_ballots > 0 {
        *by_channel.entry(Channel::Paper).or_insert(0) += paper_totals_ballots;
    }
    let ballots = counted[0]
        .saturating_add(counted[1])
        .saturating_add(paper_totals_ballots);
    let eligible = survey.eligible;
    let rate = eligible
        .filter(|e| *e > 0)
        .map(|e| Ratio::reduced(i128::from(ballots), i128::from(e)));
    let quorum_reached = eligible
        .map(|e| u128::from(ballots) * 100 > u128::from(e) * u128::from(survey.quorum_percent));
    Participation {
        ballots,
        by_channel,
        ignored_other_survey,
        other_versions: Vec::new(),
        duplicates_dropped,
        eligible,
        rate,
        quorum_percent: survey.quorum_percent,
        quorum_reached,
        over_eligible: eligible.is_some_and(|e| ballots > u64::from(e)),
        paper_totals_ballots,
    }
}

/// Competition ranking (1, 2, 2, 4) of `n` entries, best first, by `better(a, b)` (an ordering
/// where `Greater` means `a` ranks above `b`). Equal entries keep their original (survey) order.
/// Returns `(index, rank, tied)` in ranked order.
pub(crate) fn rank(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<(usize, u32, bool)> {
    // Stable insertion sort, best first: each entry goes after every entry at least as good, so
    // equal entries keep survey order. Quadratic like the `tied` check below, and far less wasm
    // than a monomorphised `sort_by` per caller.
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for i in 0..n {
        let at = order
            .iter()
            .position(|&j| cmp(i, j) == Ordering::Greater)
            .unwrap_or(order.len());
        order.insert(at, i);
    }
    let mut out = Vec::with_capacity(n);
    for (pos, &i) in order.iter().enumerate() {
        let rank = if pos > 0 && cmp(order[pos - 1], i) == Ordering::Equal {
            out.last()
                .map(|(_, r, _): &(usize, u32, bool)| *r)
                .unwrap_or(1)
        } else {
            u32::try_from(pos + 1).unwrap_or(u32::MAX)
        };
        let tied = order
            .iter()
            .any(|&j| j != i && cmp(j, i) == Ordering::Equal);
        out.push((i, rank, tied));
    }
    out
}

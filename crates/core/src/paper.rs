//! Paper ballots (线下投票录入) entered as totals per option.
//!
//! Paper ballots can reach the count in two ways:
//! 1. **One by one**: an ordinary [`crate::Ballot`] with `channel: "paper"`, keyed in with the same
//!    form as a digital one.
//! 2. **As totals**: for a stack of paper ballots, how many marked each option of a question
//!    ([`PaperTotals`]). Only questions whose answers are option counts can be entered this way:
//!    `scale` (single, or one entry per subject of a matrix), `approve` and `choose`.
//!
//! Rules of a set of totals (checked by [`validate_paper_totals`]):
//! - `ballots` is the number of paper ballots that **answered** that question (blank ones left
//!   out); for a matrix scale, the ballots that answered the question, the same in every entry of
//!   that question.
//! - single `scale` and `approve`: the counts add up to exactly `ballots` (one mark per ballot);
//! - matrix `scale`: one entry per subject, counts adding up to at most `ballots`;
//! - `choose`: each option at most `ballots`, and the marks in all between `ballots × min` and
//!   `ballots × max`;
//! - at most one entry per question (and subject), every id known, at most
//!   [`MAX_PAPER_BALLOTS`] ballots per entry.
//!
//! Counting ([`crate::tally::tally_with_paper`]): an entry counts exactly as `ballots` one-by-one
//! paper ballots with those marks would. The number of paper ballots the totals stand for is the
//! largest `ballots` of any entry (every entry counts the same stack; some questions were left
//! blank on some ballots); it is added to the participation as channel `paper` and shown as
//! `participation.paper_totals_ballots`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ballot::Answer;
use crate::survey::{QuestionBody, Survey, APPROVE_OPTIONS};
use crate::validate::{key_path, Problem};

/// Most paper ballots one totals entry may stand for: far above any meeting, and it keeps a typo
/// of extra digits from being counted.
pub const MAX_PAPER_BALLOTS: u64 = 1_000_000;

/// The totals of a stack of paper ballots for one question (or one subject of a matrix scale).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PaperTotals {
    pub question_id: String,
    /// The subject of a matrix `scale` question; absent for every other question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// Paper ballots that answered this question.
    pub ballots: u64,
    /// Marks per option id (`for` / `against` / `abstain` for `approve`). Options left out have 0.
    pub counts: BTreeMap<String, u64>,
}

/// The paper ballots a set of totals stands for: the largest `ballots` of any entry (0 if none).
pub fn paper_totals_ballots(totals: &[PaperTotals]) -> u64 {
    totals.iter().map(|t| t.ballots).max().unwrap_or(0)
}

fn at(i: usize, field: &str) -> String {
    key_path(&format!("$[{i}]"), field)
}

/// Check a set of totals against a survey. Returns every problem found, each with a JSON path
/// into the array (`$[2].counts.satisfied`), a stable code and zh/en messages.
pub fn validate_paper_totals(survey: &Survey, totals: &[PaperTotals]) -> Result<(), Vec<Problem>> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<(&str, Option<&str>), usize> = BTreeMap::new();
    let mut matrix_ballots: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for (i, t) in totals.iter().enumerate() {
        let qpath = at(i, "question_id");
        let Some(q) = survey.question(&t.question_id) else {
            out.push(Problem::new(
                &qpath,
                "unknown_question",
                format!("问卷中没有问题“{}”", short(&t.question_id)),
                format!("the survey has no question \"{}\"", short(&t.question_id)),
            ));
            continue;
        };
        if let Some(first) = seen.insert((t.question_id.as_str(), t.subject_id.as_deref()), i) {
            out.push(Problem::new(
                &qpath,
                "paper_duplicate",
                format!("问题“{}”的纸质票合计已在第 {} 条录入过，每个问题（或评议对象）只能录一条", q.id, first + 1),
                format!("totals for question \"{}\" were already entered in entry {}; one entry per question (or subject)", q.id, first + 1),
            ));
            continue;
        }
        if t.ballots > MAX_PAPER_BALLOTS {
            out.push(Problem::new(
                at(i, "ballots"),
                "paper_too_many",
                format!("纸质票张数 {} 超过上限 {MAX_PAPER_BALLOTS}，请检查是否多打了数字", t.ballots),
                format!("{} paper ballots is over the limit of {MAX_PAPER_BALLOTS}; check for extra digits", t.ballots),
            ));
            continue;
        }
        let (options, single): (Vec<String>, bool) = match &q.body {
            QuestionBody::Scale(s) => {
                let ids = s.effective_options().into_iter().map(|o| o.id).collect();
                match (&t.subject_id, s.subjects.is_empty()) {
                    (None, true) => (ids, true),
                    (Some(sub), false) => {
                        if !s.subjects.iter().any(|x| &x.id == sub) {
                            out.push(Problem::new(
                                at(i, "subject_id"),
                                "unknown_subject",
                                format!("问题 {} 没有评议对象“{}”", q.id, short(sub)),
                                format!("question {} has no subject \"{}\"", q.id, short(sub)),
                            ));
                            continue;
                        }
                        let (first, b) = *matrix_ballots
                            .entry(q.id.as_str())
                            .or_insert((i, t.ballots));
                        if b != t.ballots {
                            out.push(Problem::new(
                                at(i, "ballots"),
                                "paper_ballots_differ",
                                format!("问题 {} 在第 {} 条写的是 {b} 张，这里是 {} 张；同一问题的各条应填作答的同一叠票数", q.id, first + 1, t.ballots),
                                format!("question {}: entry {} says {b} ballots, this one {}; every entry of one question counts the same ballots", q.id, first + 1, t.ballots),
                            ));
                        }
                        (ids, false)
                    }
                    (None, false) => {
                        out.push(Problem::new(
                            at(i, "subject_id"),
                            "subject_required",
                            format!("问题 {} 是矩阵量表题，每个评议对象录一条，并写明 subject_id", q.id),
                            format!("question {} rates several subjects: enter one entry per subject with subject_id", q.id),
                        ));
                        continue;
                    }
                    (Some(_), true) => {
                        out.push(Problem::new(
                            at(i, "subject_id"),
                            "subject_not_expected",
                            format!("问题 {} 没有评议对象，不要填 subject_id", q.id),
                            format!("question {} has no subjects; leave subject_id out", q.id),
                        ));
                        continue;
                    }
                }
            }
            QuestionBody::Approve(_) | QuestionBody::Choose(_) if t.subject_id.is_some() => {
                out.push(Problem::new(
                    at(i, "subject_id"),
                    "subject_not_expected",
                    format!("问题 {} 没有评议对象，不要填 subject_id", q.id),
                    format!("question {} has no subjects; leave subject_id out", q.id),
                ));
                continue;
            }
            QuestionBody::Approve(_) => (
                APPROVE_OPTIONS.iter().map(|s| s.to_string()).collect(),
                true,
            ),
            QuestionBody::Choose(c) => (c.options.iter().map(|o| o.id.clone()).collect(), false),
            other => {
                out.push(Problem::new(
                    &qpath,
                    "paper_wrong_kind",
                    format!("问题 {} 是{}题，不能按选项录入合计；请逐张录入纸质票", q.id, other.kind()),
                    format!("question {} is a {} question; its paper ballots must be entered one by one", q.id, other.kind()),
                ));
                continue;
            }
        };
        let cpath = at(i, "counts");
        let mut sum: u64 = 0;
        let mut unknown = false;
        for (option, n) in &t.counts {
            if !options.contains(option) {
                unknown = true;
                out.push(Problem::new(
                    key_path(&cpath, option),
                    "unknown_option",
                    format!(
                        "问题 {} 没有选项“{}”，可选：{}",
                        q.id,
                        short(option),
                        options.join("、")
                    ),
                    format!(
                        "question {} has no option \"{}\"; options: {}",
                        q.id,
                        short(option),
                        options.join(", ")
                    ),
                ));
            } else if *n > t.ballots {
                unknown = true;
                out.push(Problem::new(
                    key_path(&cpath, option),
                    "paper_count_over_ballots",
                    format!("选项“{}”有 {n} 票，多于作答的 {} 张选票", option, t.ballots),
                    format!(
                        "option \"{option}\" has {n} marks, more than the {} ballots",
                        t.ballots
                    ),
                ));
            }
            sum = sum.saturating_add(*n);
        }
        if unknown {
            continue;
        }
        match &q.body {
            QuestionBody::Choose(c) => {
                let (lo, hi) = (t.ballots.saturating_mul(u64::from(c.min)), t.ballots.saturating_mul(u64::from(c.max)));
                if sum > hi || sum < lo {
                    out.push(Problem::new(
                        &cpath,
                        "paper_count_mismatch",
                        format!("问题 {} 每张票选 {} 到 {} 项，{} 张票合计应在 {lo} 到 {hi} 票之间，现在是 {sum} 票", q.id, c.min, c.max, t.ballots),
                        format!("question {}: each ballot chooses {} to {}, so {} ballots give {lo} to {hi} marks, not {sum}", q.id, c.min, c.max, t.ballots),
                    ));
                }
            }
            _ if single && sum != t.ballots => out.push(Problem::new(
                &cpath,
                "paper_count_mismatch",
                format!("问题 {} 各选项合计 {sum} 票，应等于作答的 {} 张选票", q.id, t.ballots),
                format!("question {}: the counts add up to {sum}, they must equal the {} ballots", q.id, t.ballots),
            )),
            _ if sum > t.ballots => out.push(Problem::new(
                &cpath,
                "paper_count_mismatch",
                format!("问题 {} 对这个评议对象合计 {sum} 票，多于作答的 {} 张选票", q.id, t.ballots),
                format!("question {}: the counts for this subject add up to {sum}, more than the {} ballots", q.id, t.ballots),
            )),
            _ => {}
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Answers that `ballots` one-by-one paper ballots with these totals would give to one question,
/// as runs: `(answer, how many ballots)`, in order. Only entries of `question_id` are used; the
/// totals are assumed valid ([`validate_paper_totals`]); anything else is skipped, never a panic.
///
/// Single scale / approve: ballot j has the option whose cumulative range holds j. Matrix: the
/// same per subject, all subjects on the same ballots. Choose: ballot j chooses every option with
/// more than j marks.
pub(crate) fn synthetic_answers(
    survey: &Survey,
    question_id: &str,
    totals: &[PaperTotals],
) -> Vec<(Answer, u64)> {
    let Some(q) = survey.question(question_id) else {
        return Vec::new();
    };
    let entries: Vec<&PaperTotals> = totals
        .iter()
        .filter(|t| t.question_id == question_id)
        .collect();
    let Some(ballots) = entries.iter().map(|t| t.ballots).max() else {
        return Vec::new();
    };
    // For each entry: the options in survey order with their [start, end) ballot ranges.
    let option_order: Vec<String> = match &q.body {
        QuestionBody::Scale(s) => s.effective_options().into_iter().map(|o| o.id).collect(),
        QuestionBody::Approve(_) => APPROVE_OPTIONS.iter().map(|s| s.to_string()).collect(),
        QuestionBody::Choose(c) => c.options.iter().map(|o| o.id.clone()).collect(),
        _ => return Vec::new(),
    };
    let choose = matches!(q.body, QuestionBody::Choose(_));
    let mut ranges: Vec<(Option<&str>, &str, u64, u64)> = Vec::new();
    let mut cuts: BTreeSet<u64> = BTreeSet::new();
    cuts.insert(0);
    cuts.insert(ballots);
    for t in &entries {
        let mut start = 0u64;
        for o in &option_order {
            let n = t.counts.get(o).copied().unwrap_or(0);
            let (a, b) = if choose {
                (0, n)
            } else {
                (start, start.saturating_add(n))
            };
            if b > a {
                ranges.push((t.subject_id.as_deref(), o.as_str(), a, b.min(ballots)));
                cuts.insert(a.min(ballots));
                cuts.insert(b.min(ballots));
            }
            start = start.saturating_add(n);
        }
    }
    let cuts: Vec<u64> = cuts.into_iter().collect();
    let mut out = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b <= a {
            continue;
        }
        let here: Vec<&(Option<&str>, &str, u64, u64)> =
            ranges.iter().filter(|r| r.2 <= a && b <= r.3).collect();
        let answer = match &q.body {
            QuestionBody::Choose(_) => Some(Answer::Chosen {
                chosen: here.iter().map(|r| r.1.to_string()).collect(),
            }),
            QuestionBody::Scale(s) if !s.subjects.is_empty() => {
                let mut ratings = crate::IdMap::new();
                for r in &here {
                    if let Some(sub) = r.0 {
                        ratings.insert(sub.to_string(), r.1.to_string());
                    }
                }
                Some(Answer::Ratings { ratings })
            }
            _ => here.first().map(|r| Answer::Choice {
                choice: r.1.to_string(),
            }),
        };
        if let Some(answer) = answer {
            out.push((answer, b - a));
        }
    }
    out
}

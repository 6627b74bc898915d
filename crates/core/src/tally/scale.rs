//! Counting `scale` questions: per option counts, valid votes (不了解 left out), shares,
//! satisfaction rate, weighted score and grade; one entry per subject in the matrix form.

use super::{KindTally, OptionCount, Ratio, ScaleSubjectTally};
use crate::survey::{GradeRule, Item, ScaleOption, ScalePreset, ScaleQuestion, Text};

/// The result of a scale question from its option counts, `counts[subject × options + option]`
/// (one subject, `None`, for the single form).
pub(super) fn finish(q: &ScaleQuestion, counts: &[u64]) -> KindTally {
    let options = q.effective_options();
    let grades = q.effective_grades();
    let default_grade = q.effective_default_grade();
    let satisfaction = q.preset == Some(ScalePreset::Satisfaction);
    let n = options.len();
    let row = |i: usize| counts.get(i * n..(i + 1) * n).unwrap_or(&[]);
    let subjects = if q.subjects.is_empty() {
        vec![subject_tally(
            None,
            &options,
            row(0),
            satisfaction,
            &grades,
            &default_grade,
        )]
    } else {
        q.subjects
            .iter()
            .enumerate()
            .map(|(i, subject)| {
                subject_tally(
                    Some(subject),
                    &options,
                    row(i),
                    satisfaction,
                    &grades,
                    &default_grade,
                )
            })
            .collect()
    };
    KindTally::Scale { subjects }
}

fn subject_tally(
    subject: Option<&Item>,
    options: &[ScaleOption],
    counts: &[u64],
    satisfaction: bool,
    grades: &[GradeRule],
    default_grade: &Option<Text>,
) -> ScaleSubjectTally {
    let total: u64 = counts.iter().sum();
    let valid: u64 = options
        .iter()
        .zip(counts)
        .filter(|(o, _)| !o.not_valid)
        .map(|(_, c)| *c)
        .sum();
    let of_valid = |n: i128| (valid > 0).then(|| Ratio::reduced(n, i128::from(valid)));
    let option_counts = options
        .iter()
        .zip(counts)
        .map(|(o, c)| OptionCount {
            option_id: o.id.clone(),
            label: o.label.clone(),
            count: *c,
            share_of_valid: if o.not_valid {
                None
            } else {
                of_valid(i128::from(*c))
            },
            not_valid: o.not_valid,
        })
        .collect();
    let satisfaction_rate = if satisfaction {
        let positive: u64 = options
            .iter()
            .zip(counts)
            .filter(|(o, _)| !o.not_valid)
            .take(2)
            .map(|(_, c)| *c)
            .sum();
        of_valid(i128::from(positive))
    } else {
        None
    };
    let all_weighted = options
        .iter()
        .filter(|o| !o.not_valid)
        .all(|o| o.weight.is_some());
    let weighted_score = if all_weighted {
        let sum: i128 = options
            .iter()
            .zip(counts)
            .filter(|(o, _)| !o.not_valid)
            .map(|(o, c)| i128::from(o.weight.unwrap_or(0)) * i128::from(*c))
            .sum();
        of_valid(sum)
    } else {
        None
    };
    let grade = if valid == 0 {
        None
    } else {
        grades
            .iter()
            .find(|rule| {
                options
                    .iter()
                    .position(|o| o.id == rule.option)
                    .is_some_and(|i| {
                        u128::from(counts.get(i).copied().unwrap_or(0)) * 100
                            >= u128::from(rule.at_least_percent) * u128::from(valid)
                    })
            })
            .map(|rule| rule.grade.clone())
            .or_else(|| default_grade.clone())
    };
    ScaleSubjectTally {
        subject_id: subject.map(|s| s.id.clone()),
        label: subject.map(|s| s.label.clone()),
        options: option_counts,
        total,
        valid,
        satisfaction_rate,
        weighted_score,
        grade,
    }
}

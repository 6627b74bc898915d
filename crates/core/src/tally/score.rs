//! Counting `score` questions (积分榜): per subject and criterion the judges' count, min, max,
//! mean and combined score (mean or trimmed mean), the subject's total, and a ranking by total.

use super::{rank, CriterionTally, KindTally, Ratio, ScoreSubjectTally, ScoreTally};
use crate::survey::{Combine, ScoreQuestion};

/// The result from each cell's histogram of scores, `scores[subject × criteria + criterion]`.
/// Trimmed mean with `drop = d`: sort a cell's scores, drop the `d` highest and `d` lowest, and
/// average the rest. With `count ≤ 2d` there is nothing left to average: the plain mean is used
/// and `trim_skipped` is set. A subject's total is the sum of its criteria's combined scores
/// (a criterion nobody scored adds nothing).
pub(super) fn finish(q: &ScoreQuestion, scores: &[Vec<(i32, u64)>]) -> KindTally {
    let (method, drop) = match q.combine {
        Combine::Mean => ("mean", 0u32),
        Combine::TrimmedMean { drop } => ("trimmed_mean", drop),
    };
    let n_criteria = q.criteria.len();
    let subjects: Vec<ScoreSubjectTally> = q
        .subjects
        .iter()
        .enumerate()
        .map(|(si, subject)| {
            let criteria: Vec<CriterionTally> = q
                .criteria
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    let cell = scores
                        .get(si * n_criteria + ci)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let n: u64 = cell.iter().map(|(_, k)| k).sum();
                    let mean = mean_of(cell, 0, n);
                    let d = u64::from(drop);
                    let trim_skipped =
                        method == "trimmed_mean" && n > 0 && n <= d.saturating_mul(2);
                    let combined = if method == "trimmed_mean" && !trim_skipped {
                        mean_of(cell, d, n.saturating_sub(d))
                    } else {
                        mean
                    };
                    CriterionTally {
                        criterion_id: c.id.clone(),
                        label: c.label.clone(),
                        count: n,
                        min: cell.first().map(|(v, _)| *v),
                        max: cell.last().map(|(v, _)| *v),
                        mean,
                        combined,
                        trim_skipped,
                    }
                })
                .collect();
            let total = criteria
                .iter()
                .filter_map(|c| c.combined)
                .fold(Ratio::new(0, 1), |acc, r| acc.add(&r));
            ScoreSubjectTally {
                subject_id: subject.id.clone(),
                label: subject.label.clone(),
                criteria,
                total,
                rank: 0,
                tied: false,
            }
        })
        .collect();
    let ranked = rank(subjects.len(), &|a, b| {
        subjects[a].total.cmp_value(&subjects[b].total)
    });
    let mut ordered = Vec::with_capacity(subjects.len());
    for (i, r, tied) in ranked {
        let mut s = subjects[i].clone();
        s.rank = r;
        s.tied = tied;
        ordered.push(s);
    }
    KindTally::Score(ScoreTally {
        method: method.to_string(),
        drop,
        subjects: ordered,
    })
}

/// The mean of the scores at sorted positions `from..to` of a histogram (`(score, how many)` in
/// ascending score order); `None` when that range is empty.
fn mean_of(histogram: &[(i32, u64)], from: u64, to: u64) -> Option<Ratio> {
    if to <= from {
        return None;
    }
    let mut sum: i128 = 0;
    let mut at = 0u64;
    for (score, k) in histogram {
        let (start, end) = (at.max(from), at.saturating_add(*k).min(to));
        if end > start {
            sum = sum.saturating_add(i128::from(*score) * i128::from(end - start));
        }
        at = at.saturating_add(*k);
    }
    Some(Ratio::reduced(sum, i128::from(to - from)))
}

/// Adds `k` copies of `score` to a histogram kept in ascending score order.
pub(super) fn add_to_histogram(histogram: &mut Vec<(i32, u64)>, score: i32, k: u64) {
    match histogram.binary_search_by(|(s, _)| s.cmp(&score)) {
        Ok(i) => histogram[i].1 = histogram[i].1.saturating_add(k),
        Err(i) => histogram.insert(i, (score, k)),
    }
}

//! Counting `score` questions (积分榜): per subject and criterion the judges' count, min, max,
//! mean and combined score (mean or trimmed mean), the subject's total, and a ranking by total.

use super::{rank, CriterionTally, KindTally, Ratio, ScoreSubjectTally, ScoreTally};
use crate::ballot::Answer;
use crate::survey::{Combine, ScoreQuestion};

/// Trimmed mean with `drop = d`: sort a cell's scores, drop the `d` highest and `d` lowest, and
/// average the rest. With `count ≤ 2d` there is nothing left to average: the plain mean is used
/// and `trim_skipped` is set. A subject's total is the sum of its criteria's combined scores
/// (a criterion nobody scored adds nothing).
pub(super) fn count(q: &ScoreQuestion, answers: &[&Answer]) -> (u64, KindTally) {
    let (method, drop) = match q.combine {
        Combine::Mean => ("mean", 0u32),
        Combine::TrimmedMean { drop } => ("trimmed_mean", drop),
    };
    let subjects: Vec<ScoreSubjectTally> = q
        .subjects
        .iter()
        .map(|subject| {
            let criteria: Vec<CriterionTally> = q
                .criteria
                .iter()
                .map(|c| {
                    let mut scores: Vec<i32> = answers
                        .iter()
                        .filter_map(|a| match a {
                            Answer::Scores { scores } => {
                                scores.get(&subject.id)?.get(&c.id).copied()
                            }
                            _ => None,
                        })
                        .collect();
                    heap_sort(&mut scores);
                    let n = scores.len();
                    let mean = mean_of(&scores);
                    let d = usize::try_from(drop).unwrap_or(usize::MAX);
                    let trim_skipped =
                        method == "trimmed_mean" && n > 0 && n <= d.saturating_mul(2);
                    let combined = if method == "trimmed_mean" && !trim_skipped {
                        mean_of(scores.get(d..n.saturating_sub(d)).unwrap_or(&[]))
                    } else {
                        mean
                    };
                    CriterionTally {
                        criterion_id: c.id.clone(),
                        label: c.label.clone(),
                        count: n as u64,
                        min: scores.first().copied(),
                        max: scores.last().copied(),
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
    (
        answers.len() as u64,
        KindTally::Score(ScoreTally {
            method: method.to_string(),
            drop,
            subjects: ordered,
        }),
    )
}

/// Ascending in-place heap sort: O(n log n) like `sort_unstable`, for a fraction of its wasm.
fn heap_sort(v: &mut [i32]) {
    fn sift_down(v: &mut [i32], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift_down(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

fn mean_of(scores: &[i32]) -> Option<Ratio> {
    if scores.is_empty() {
        return None;
    }
    let sum: i128 = scores.iter().map(|s| i128::from(*s)).sum();
    Some(Ratio::reduced(sum, scores.len() as i128))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn heap_sort_sorts(mut v in proptest::collection::vec(any::<i32>(), 0..200)) {
            let mut expected = v.clone();
            expected.sort_unstable();
            super::heap_sort(&mut v);
            prop_assert_eq!(v, expected);
        }
    }
}

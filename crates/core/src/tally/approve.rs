//! Counting `approve` questions: 赞同 / 反对 / 弃权 and whether the proposal passed under its rule.

use super::{ApproveTally, KindTally, Ratio};
use crate::survey::{ApproveQuestion, PassRule};

/// `counts` are for, against and abstain, in that order. `base` by rule: `cast` = for + against + abstain; `valid` = for + against; `eligible` = the
/// survey's eligible count (0 when unknown). Passed when for × 2 > base and base > 0 (a strict
/// majority: exactly half does not pass).
pub(super) fn finish(q: &ApproveQuestion, eligible: Option<u32>, counts: &[u64]) -> KindTally {
    let count = |i: usize| counts.get(i).copied().unwrap_or(0);
    let (for_count, against, abstain) = (count(0), count(1), count(2));
    let (rule, base) = match q.rule {
        PassRule::Cast => ("cast", for_count + against + abstain),
        PassRule::Valid => ("valid", for_count + against),
        PassRule::Eligible => ("eligible", u64::from(eligible.unwrap_or(0))),
    };
    let for_share = (base > 0).then(|| Ratio::reduced(i128::from(for_count), i128::from(base)));
    let passed = base > 0 && u128::from(for_count) * 2 > u128::from(base);
    KindTally::Approve(ApproveTally {
        for_count,
        against,
        abstain,
        rule: rule.to_string(),
        base,
        for_share,
        passed,
    })
}

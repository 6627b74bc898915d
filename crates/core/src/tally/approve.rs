//! Counting `approve` questions: 赞同 / 反对 / 弃权 and whether the proposal passed under its rule.

use super::{ApproveTally, KindTally, Ratio};
use crate::ballot::Answer;
use crate::survey::{ApproveQuestion, PassRule};

/// `base` by rule: `cast` = for + against + abstain; `valid` = for + against; `eligible` = the
/// survey's eligible count (0 when unknown). Passed when for × 2 > base and base > 0 (a strict
/// majority: exactly half does not pass).
pub(super) fn count(
    q: &ApproveQuestion,
    eligible: Option<u32>,
    answers: &[&Answer],
) -> (u64, KindTally) {
    let (mut for_count, mut against, mut abstain) = (0u64, 0u64, 0u64);
    for a in answers {
        if let Answer::Choice { choice } = a {
            match choice.as_str() {
                "for" => for_count += 1,
                "against" => against += 1,
                "abstain" => abstain += 1,
                _ => {}
            }
        }
    }
    let (rule, base) = match q.rule {
        PassRule::Cast => ("cast", for_count + against + abstain),
        PassRule::Valid => ("valid", for_count + against),
        PassRule::Eligible => ("eligible", u64::from(eligible.unwrap_or(0))),
    };
    let for_share = (base > 0).then(|| Ratio::reduced(i128::from(for_count), i128::from(base)));
    let passed = base > 0 && u128::from(for_count) * 2 > u128::from(base);
    (
        answers.len() as u64,
        KindTally::Approve(ApproveTally {
            for_count,
            against,
            abstain,
            rule: rule.to_string(),
            base,
            for_share,
            passed,
        }),
    )
}

//! Counting `notice` questions (公示榜): 无异议 / 有异议 per item, the reasons given, and whether
//! the item needs review (any objection).

use super::{KindTally, NoticeItemTally};
use crate::survey::NoticeQuestion;

/// The result from each item's `[no objection, objection]` counts and reasons (trimmed, non-blank,
/// in any order). Reasons are sorted (by Unicode code point), so that the list never shows in
/// which order residents answered.
pub(super) fn finish(
    q: &NoticeQuestion,
    counts: &[[u64; 2]],
    reasons: &[Vec<String>],
) -> KindTally {
    let items = q
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let [no_objection, objection] = counts.get(i).copied().unwrap_or([0, 0]);
            let mut reasons = reasons.get(i).cloned().unwrap_or_default();
            reasons.sort_unstable();
            NoticeItemTally {
                item_id: item.id.clone(),
                label: item.label.clone(),
                no_objection,
                objection,
                reasons,
                needs_review: objection > 0,
            }
        })
        .collect();
    KindTally::Notice { items }
}

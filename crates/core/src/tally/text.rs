//! Collecting `text` answers (意见建议): trimmed, blank ones left out, sorted (by Unicode code
//! point), so that the list never shows in which order residents answered.

use super::KindTally;

/// The result from the non-blank trimmed texts, in any order.
pub(super) fn finish(texts: &[String]) -> KindTally {
    let mut texts = texts.to_vec();
    texts.sort_unstable();
    KindTally::Text { texts }
}

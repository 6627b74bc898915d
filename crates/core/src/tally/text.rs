//! Collecting `text` answers (意见建议): trimmed, blank ones left out, sorted (by Unicode code
//! point), so that the list never shows in which order residents answered.

use super::KindTally;
use crate::ballot::Answer;

/// `answered` counts only non-blank texts.
pub(super) fn count(answers: &[&Answer]) -> (u64, KindTally) {
    let texts: Vec<String> = answers
        .iter()
        .filter_map(|a| match a {
            Answer::Text { text } => Some(text.trim()),
            _ => None,
        })
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let mut texts = texts;
    texts.sort_unstable();
    (texts.len() as u64, KindTally::Text { texts })
}

//! Counting `notice` questions (公示榜): 无异议 / 有异议 per item, the reasons given, and whether
//! the item needs review (any objection).

use super::{KindTally, NoticeItemTally};
use crate::ballot::Answer;
use crate::survey::NoticeQuestion;

/// Reasons are trimmed and sorted (by Unicode code point), so that the list never shows in which
/// order residents answered.
pub(super) fn count(q: &NoticeQuestion, answers: &[&Answer]) -> (u64, KindTally) {
    let items = q
        .items
        .iter()
        .map(|item| {
            let mut t = NoticeItemTally {
                item_id: item.id.clone(),
                label: item.label.clone(),
                no_objection: 0,
                objection: 0,
                reasons: Vec::new(),
                needs_review: false,
            };
            for a in answers {
                let Answer::Responses { responses } = a else {
                    continue;
                };
                let Some(r) = responses.get(&item.id) else {
                    continue;
                };
                if r.objection {
                    t.objection += 1;
                    let reason = r.reason.as_deref().unwrap_or("").trim();
                    if !reason.is_empty() {
                        t.reasons.push(reason.to_string());
                    }
                } else {
                    t.no_objection += 1;
                }
            }
            t.reasons.sort_unstable();
            t.needs_review = t.objection > 0;
            t
        })
        .collect();
    (answers.len() as u64, KindTally::Notice { items })
}

//! Loading a later ballot's strings while this one is counted.
//!
//! Counting a ballot takes little arithmetic; what it waits for is memory. A ballot is a dozen
//! or more small heap strings (its id, its survey id, each answer's question id, option ids,
//! subject ids, texts), and when a meeting's ballots are read one after another those strings
//! are rarely in the processor's cache. Each lookup then stalls on one string, and the next
//! string's address is only known after the previous load. [`tally`](super::tally) therefore
//! asks the processor to start loading, a few ballots ahead, the memory the counting will read:
//! first a ballot's own strings and its answer list, then (once those have arrived) each answer's
//! ids and lists, then the strings in those lists. Such a request is only a hint: it changes no
//! result and cannot fault. On targets without one (wasm) the functions do nothing.

use crate::ballot::{Answer, Ballot};

/// How many ballots ahead each stage looks: the lists a stage reads were requested by the
/// stage before it, this many ballots earlier.
pub(super) const AHEAD: [usize; 3] = [6, 4, 2];

/// Asks for the cache line at `p` (no load: nothing is read).
#[inline(always)]
fn hint<T: ?Sized>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` only hints the processor to load a cache line: it reads nothing into
    // the program, changes no memory and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The first stage: the ballot's id and survey id, and its answer list.
#[inline]
pub(super) fn ballot(b: &Ballot) {
    hint(b.id.as_ptr());
    hint(b.survey_id.as_ptr());
    for (k, _) in &b.answers {
        hint(k);
    }
}

/// The second stage (reads the answer list): each answer's question id and what it points to.
#[inline]
pub(super) fn answers(b: &Ballot) {
    for (k, a) in &b.answers {
        hint(k.as_ptr());
        match a {
            Answer::Choice { choice } => hint(choice.as_ptr()),
            Answer::Text { text } => hint(text.as_ptr()),
            Answer::Chosen { chosen } => hint(chosen.as_ptr()),
            Answer::Ratings { ratings } => ratings.iter().for_each(|(k, _)| hint(k)),
            Answer::Scores { scores } => scores.iter().for_each(|(k, _)| hint(k)),
            Answer::Responses { responses } => responses.iter().for_each(|(k, _)| hint(k)),
        }
    }
}

/// The third stage (reads the answers' lists): the ids and texts in them.
#[inline]
pub(super) fn entries(b: &Ballot) {
    for (_, a) in &b.answers {
        match a {
            Answer::Chosen { chosen } => chosen.iter().for_each(|c| hint(c.as_ptr())),
            Answer::Ratings { ratings } => {
                for (s, o) in ratings {
                    hint(s.as_ptr());
                    hint(o.as_ptr());
                }
            }
            Answer::Scores { scores } => {
                for (s, row) in scores {
                    hint(s.as_ptr());
                    row.iter().for_each(|(c, _)| hint(c));
                }
            }
            Answer::Responses { responses } => {
                for (item, r) in responses {
                    hint(item.as_ptr());
                    if let Some(reason) = &r.reason {
                        hint(reason.as_ptr());
                    }
                }
            }
            Answer::Choice { .. } | Answer::Text { .. } => {}
        }
    }
}

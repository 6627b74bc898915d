//! Size limits that keep every valid ballot small enough to send.
//!
//! A phone sends its ballots to a collector that refuses request bodies over 1 MiB; a ballot that
//! cannot fit would stay stuck on the phone for ever. So the survey format caps everything that
//! makes a ballot grow (text lengths, the number of questions and of options, subjects, items and
//! criteria), and survey validation refuses a survey whose largest possible valid ballot would
//! be over [`MAX_BALLOT_BYTES`]. [`ballot_size_bound`] is that largest size, computed from the
//! survey alone; `tests/ballot_size.rs` checks it against worst-case ballots (every text at its
//! maximum length in the characters that take the most bytes in JSON).

use crate::survey::{QuestionBody, Survey};

/// Most bytes of a ballot's canonical JSON (`Ballot::canonical_json`) for any valid ballot of any
/// valid survey: 64 KiB, a sixteenth of the collector's body limit.
pub const MAX_BALLOT_BYTES: u64 = 64 * 1024;

/// Largest `max_len` of a `text` question, in characters.
pub const MAX_TEXT_LEN: u32 = 2000;

/// Largest `reason_max_len` of a `notice` question, in characters.
pub const MAX_REASON_LEN: u32 = 1000;

/// Most questions in one survey (all sections together).
pub const MAX_QUESTIONS: usize = 200;

/// Most options, subjects, items or criteria in one question.
pub const MAX_ENTRIES: usize = 200;

/// Longest `cast_at` a valid ballot carries, in bytes (`2026-11-27T19:30:00.123456789+08:00` has
/// 35).
pub const MAX_CAST_AT_LEN: usize = 40;

/// Most bytes one character of free text takes in JSON: a control character is written `\u001f`.
const MAX_BYTES_PER_CHAR: u64 = 6;

/// Bytes of `s` as a JSON string, quotes included (the escaping `serde_json` does).
fn json_len(s: &str) -> u64 {
    let mut n = 2u64;
    for c in s.chars() {
        n += match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8() as u64,
        };
    }
    n
}

/// The most bytes the canonical JSON of a valid ballot of `survey` can take. Every part is
/// counted at its largest: a code hash and a device id present, the longest `cast_at`, every
/// question answered, every option chosen, every free text at its maximum length in characters
/// that take six bytes each.
pub fn ballot_size_bound(survey: &Survey) -> u64 {
    // {"id":"…","survey_id":…,"survey_version":4294967295,"cast_at":"…","device":"…",
    //  "channel":"digital","code_hash":"…","answers":{…}}
    let mut n = 160 + 36 + json_len(&survey.id) + 10 + MAX_CAST_AT_LEN as u64 + 36 + 64;
    let longest = |ids: &mut dyn Iterator<Item = &str>| ids.map(json_len).max().unwrap_or(2);
    for q in survey.questions() {
        // "qid":{…},
        n += json_len(&q.id) + 2;
        n += match &q.body {
            QuestionBody::Scale(s) => {
                let options = s.effective_options();
                let option = longest(&mut options.iter().map(|o| o.id.as_str()));
                if s.subjects.is_empty() {
                    // {"choice":"…"}
                    12 + option
                } else {
                    // {"ratings":{"s":"o",…}}
                    14 + s
                        .subjects
                        .iter()
                        .map(|x| json_len(&x.id) + option + 2)
                        .sum::<u64>()
                }
            }
            QuestionBody::Approve(_) => 12 + json_len("abstain"),
            // {"chosen":["a",…]}
            QuestionBody::Choose(c) => {
                14 + c.options.iter().map(|o| json_len(&o.id) + 1).sum::<u64>()
            }
            // {"scores":{"s":{"c":-2147483648,…},…}}
            QuestionBody::Score(sq) => {
                let per_subject = 4 + sq
                    .criteria
                    .iter()
                    .map(|c| json_len(&c.id) + 13)
                    .sum::<u64>();
                13 + sq
                    .subjects
                    .iter()
                    .map(|x| json_len(&x.id) + per_subject)
                    .sum::<u64>()
            }
            // {"responses":{"i":{"objection":true,"reason":"…"},…}}
            QuestionBody::Notice(nq) => {
                let reason = 2 + u64::from(nq.reason_max_len) * MAX_BYTES_PER_CHAR;
                16 + nq
                    .items
                    .iter()
                    .map(|x| json_len(&x.id) + 32 + reason)
                    .sum::<u64>()
            }
            // {"text":"…"}
            QuestionBody::Text(t) => 10 + 2 + u64::from(t.max_len) * MAX_BYTES_PER_CHAR,
        };
    }
    n
}

#[cfg(test)]
mod tests {
    use super::json_len;

    #[test]
    fn json_len_matches_serde_json() {
        for s in [
            "", "a", "\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{7f}", "评议", "😀", "\u{2028}",
        ] {
            assert_eq!(
                json_len(s),
                serde_json::to_string(s).unwrap().len() as u64,
                "{s:?}"
            );
        }
    }
}

//! Problems: what validation reports. Each mistake is one [`Problem`] with a JSON path, a stable
//! machine `code` and a message in Chinese and English. Also here: the helpers every rule uses to
//! write paths and to quote user input inside messages, and the cap on problems per ballot.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One problem found in a survey file or a ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// JSON path of the offending value, e.g. `$.sections[0].questions[2].max`.
    pub path: String,
    /// Stable machine code, e.g. `duplicate_id`, `max_below_min`.
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Problem {
    pub fn new(
        path: impl Into<String>,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.into(),
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Reads a problem from a JSON object (other keys ignored, as by the derived `Deserialize`),
    /// without serde's typed deserializer: see [`crate::protocol::SubmitResponse::from_value`].
    pub fn from_value(v: &Value) -> Option<Problem> {
        let m = v.as_object()?;
        let string = |k: &str| m.get(k)?.as_str().map(str::to_string);
        Some(Problem {
            path: string("path")?,
            code: string("code")?,
            zh: string("zh")?,
            en: string("en")?,
        })
    }

    /// Appends the problem as JSON, byte for byte what `serde_json::to_string` writes with the
    /// derived `Serialize`, without a serde serializer (see [`crate::record::encode`]).
    pub fn push_json(&self, out: &mut String) {
        for (name, text) in [
            ("{\"path\":", &self.path),
            (",\"code\":", &self.code),
            (",\"zh\":", &self.zh),
            (",\"en\":", &self.en),
        ] {
            out.push_str(name);
            crate::small::push_json_string(out, text);
        }
        out.push('}');
    }

    /// The message in the given language (`"en"`, otherwise Chinese).
    pub fn message(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.zh
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Paths and messages

/// `base.key`, or `base["key"]` when the key has characters other than letters, digits and `_`.
/// A key longer than [`MAX_PATH_KEY`] bytes (never a valid id) is cut to its first 40 characters
/// and `…`, so that a problem never repeats a huge key.
pub fn key_path(base: &str, key: &str) -> String {
    if key.len() > MAX_PATH_KEY {
        let quoted = crate::small::json_string(&show(key));
        return format!("{base}[{quoted}]");
    }
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{base}.{key}")
    } else {
        let quoted = crate::small::json_string(key);
        format!("{base}[{quoted}]")
    }
}

/// Longest key [`key_path`] writes out in full, in bytes (ids have at most 64).
pub const MAX_PATH_KEY: usize = 80;

/// Most problems [`validate_ballot`](super::validate_ballot) lists for one ballot; the rest are summed up in one last
/// problem (`more_problems`), so a hostile ballot cannot make a huge answer.
pub const MAX_BALLOT_PROBLEMS: usize = 20;

/// Most ids a problem message lists (e.g. the options of a question); more end in `…`.
pub const MAX_LISTED_IDS: usize = 10;

/// `ids` joined with `sep`, at most [`MAX_LISTED_IDS`] of them and then `…`.
pub(super) fn list_ids(ids: &[&str], sep: &str) -> String {
    let shown: Vec<String> = ids.iter().take(MAX_LISTED_IDS).map(|id| show(id)).collect();
    let mut s = crate::small::join(&shown, sep);
    if ids.len() > MAX_LISTED_IDS {
        s.push_str(sep);
        s.push('…');
    }
    s
}

pub(super) fn index_path(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// Short, printable form of user input inside a message.
pub(super) fn show(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

// ------------------------------------------------------------------------------------------------
// The cap on problems per ballot

/// At most [`MAX_BALLOT_PROBLEMS`] problems, then one that says how many more there were.
pub(super) fn capped(mut out: Vec<Problem>) -> Vec<Problem> {
    if out.len() > MAX_BALLOT_PROBLEMS {
        let more = out.len() - MAX_BALLOT_PROBLEMS;
        out.truncate(MAX_BALLOT_PROBLEMS);
        out.push(Problem::new(
            "$",
            "more_problems",
            format!("……还有 {more} 处问题"),
            format!("…and {more} more problems"),
        ));
    }
    out
}

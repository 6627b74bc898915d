//! The ballot: one resident's (or household's, or judge's) answers to one survey version.
//!
//! A ballot is built on the device, stored before anything else happens, and later sent to a
//! collector. Its `id` is a random UUID made at the edge; everything here is pure. The receipt code
//! and the content hash are derived from the ballot's canonical JSON.

use crate::sha256::sha256;
use crate::small::push_json_string;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::idmap::IdMap;

/// How the ballot reached the count.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Cast in the widget.
    #[default]
    Digital,
    /// A paper ballot keyed in afterwards (线下投票录入).
    Paper,
}

/// One cast ballot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// Random UUID (v4), unique per ballot, in canonical form: lowercase hexadecimal with hyphens
    /// ([`canonical_ballot_id`]). Reading a ballot turns an upper-case UUID into this form, so a
    /// copy of a ballot with its id in upper case is the same ballot. Ballots are deduplicated by
    /// it everywhere.
    #[serde(deserialize_with = "canonical_uuid_field")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub id: String,
    pub survey_id: String,
    pub survey_version: u32,
    /// RFC 3339 UTC time the ballot was cast, e.g. `2026-11-27T19:30:00.000Z`.
    pub cast_at: String,
    /// Random UUID of the device that stored the ballot first, canonical like `id`. May be absent
    /// (`""` here) for an anonymous survey and for a paper ballot; see `validate_ballot`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "canonical_uuid_field"
    )]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub device: String,
    #[serde(default)]
    pub channel: Channel,
    /// With a survey that requires ballot codes (`codes: true`): the hash of the one-time code
    /// (`codes::code_hash`), never the code itself. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<String>,
    /// Answers keyed by question id. Unanswered optional and hidden questions are absent.
    pub answers: IdMap<Answer>,
}

/// The canonical form of a ballot id (or a device id): a UUID written as 8-4-4-4-12 hexadecimal
/// digits, lowercase. Upper-case letters are accepted and turned to lowercase (files written
/// before ids were checked keep working, and an upper-case copy of a ballot is recognised as the
/// same ballot); anything else is `None`. ASCII only, no Unicode case tables.
///
/// This is the one place that decides what a ballot id is: reading ballots, `validate_ballot`,
/// `merge`, the tally's deduplication and the collector all go through it.
pub fn canonical_ballot_id(s: &str) -> Option<String> {
    is_uuid_like(s).then(|| s.to_ascii_lowercase())
}

/// Whether `s` looks like a UUID: 8-4-4-4-12 hexadecimal digits (either case).
pub fn is_uuid_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The key a ballot is deduplicated by: its canonical id, or the id as it is when it is not a UUID
/// (such a ballot is refused by `validate_ballot`, but counting and merging never panic on it).
pub fn ballot_key(id: &str) -> std::borrow::Cow<'_, str> {
    // Only an upper-case UUID differs from its canonical form: no copy for the others, and no
    // UUID check for an id without upper case (nearly all of them).
    if id.bytes().any(|c| c.is_ascii_uppercase()) && is_uuid_like(id) {
        std::borrow::Cow::Owned(id.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(id)
    }
}

/// Serde reader of `id` and `device`: a UUID is put in canonical form, anything else is kept as
/// it is for validation to report.
fn canonical_uuid_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    Ok(canonical_ballot_id(&s).unwrap_or(s))
}

/// A string read by [`Ballot::from_value`] for `id` or `device`, canonical when it is a UUID.
fn canonical_or_as_is(s: &str) -> String {
    canonical_ballot_id(s).unwrap_or_else(|| s.to_string())
}

/// The answer to one question. The shape follows the question's kind:
/// - `scale` (single) and `approve`: `{"choice": "satisfied"}` / `{"choice": "for"}`
/// - `scale` (matrix): `{"ratings": {"subject_id": "option_id", ...}}`
/// - `choose`: `{"chosen": ["candidate_id", ...]}`
/// - `score`: `{"scores": {"subject_id": {"criterion_id": 8, ...}, ...}}`
/// - `notice`: `{"responses": {"item_id": {"objection": true, "reason": "..."}, ...}}`
/// - `text`: `{"text": "..."}`
///
/// `Deserialize` is written by hand (below) to keep serde's buffering for untagged enums out of
/// the widget; it accepts what `#[derive(Deserialize)]` with `#[serde(untagged)]` would (checked by
/// `tests/answer_equiv.rs`), except that a key repeated inside one answer object counts once, the
/// last one winning, as in any JSON object read by serde_json.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Answer {
    Choice { choice: String },
    Ratings { ratings: IdMap<String> },
    Chosen { chosen: Vec<String> },
    Scores { scores: IdMap<IdMap<i32>> },
    Responses { responses: IdMap<NoticeResponse> },
    Text { text: String },
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Buffer as a JSON value (the widget already has that code for surveys), then try the
        // variants in order as `#[serde(untagged)]` does.
        let v = Value::deserialize(d)?;
        answer_from_value(&v).ok_or_else(|| {
            serde::de::Error::custom("data did not match any variant of untagged enum Answer")
        })
    }
}

/// The first variant of [`Answer`] that `v` can be read as. Like serde's untagged struct variants,
/// the one field is read from an object; other keys are ignored.
fn answer_from_value(v: &Value) -> Option<Answer> {
    let m = v.as_object()?;
    let field = |name: &str| m.get(name);
    let string = |v: &Value| v.as_str().map(str::to_string);
    if let Some(choice) = field("choice").and_then(string) {
        return Some(Answer::Choice { choice });
    }
    if let Some(ratings) = field("ratings").and_then(|v| map_of(v, string)) {
        return Some(Answer::Ratings { ratings });
    }
    if let Some(chosen) = field("chosen").and_then(|v| v.as_array()?.iter().map(string).collect()) {
        return Some(Answer::Chosen { chosen });
    }
    let int = |v: &Value| i32::try_from(v.as_i64()?).ok();
    if let Some(scores) = field("scores").and_then(|v| map_of(v, |v| map_of(v, int))) {
        return Some(Answer::Scores { scores });
    }
    if let Some(responses) = field("responses").and_then(|v| map_of(v, notice_response)) {
        return Some(Answer::Responses { responses });
    }
    field("text")
        .and_then(string)
        .map(|text| Answer::Text { text })
}

fn map_of<T>(v: &Value, f: impl Fn(&Value) -> Option<T>) -> Option<IdMap<T>> {
    let mut out = IdMap::new();
    for (k, v) in v.as_object()? {
        out.insert(k.clone(), f(v)?);
    }
    Some(out)
}

/// A [`NoticeResponse`] as its derived `Deserialize` reads it from a buffered value.
fn notice_response(v: &Value) -> Option<NoticeResponse> {
    let reason = |v: Option<&Value>| match v {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        _ => None,
    };
    match v {
        Value::Object(m) if m.keys().all(|k| k == "objection" || k == "reason") => {
            Some(NoticeResponse {
                objection: m.get("objection")?.as_bool()?,
                reason: reason(m.get("reason"))?,
            })
        }
        Value::Array(a) if !a.is_empty() && a.len() <= 2 => Some(NoticeResponse {
            objection: a[0].as_bool()?,
            reason: reason(a.get(1))?,
        }),
        _ => None,
    }
}

/// A response to one item under public notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoticeResponse {
    /// false: 无异议 (no objection); true: 有异议 (objection).
    pub objection: bool,
    /// Required with an objection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Ballot {
    /// Reads a ballot from a JSON object, accepting exactly the objects that the derived
    /// `Deserialize` accepts (unknown fields are refused, `channel` defaults to `digital`, `device`
    /// to `""`, and `id` and `device` are put in canonical form by [`canonical_ballot_id`]).
    ///
    /// For the widget: decoding through `serde_json::Value` and this function keeps serde's typed
    /// deserializer (and with it the float formatting of its error messages, ~20 KB gzipped) out
    /// of the bundle. Elsewhere `serde_json::from_str::<Ballot>` is the same and gives errors.
    pub fn from_value(v: &Value) -> Option<Ballot> {
        const FIELDS: [&str; 8] = [
            "id",
            "survey_id",
            "survey_version",
            "cast_at",
            "device",
            "channel",
            "code_hash",
            "answers",
        ];
        let m = v.as_object()?;
        if !m.keys().all(|k| FIELDS.contains(&k.as_str())) {
            return None;
        }
        let string = |k: &str| m.get(k)?.as_str().map(str::to_string);
        let out = map_of(m.get("answers")?, answer_from_value)?;
        Some(Ballot {
            id: canonical_or_as_is(m.get("id")?.as_str()?),
            survey_id: string("survey_id")?,
            survey_version: u32::try_from(m.get("survey_version")?.as_u64()?).ok()?,
            cast_at: string("cast_at")?,
            device: match m.get("device") {
                None => String::new(),
                Some(v) => canonical_or_as_is(v.as_str()?),
            },
            channel: match m.get("channel").map(Value::as_str) {
                None => Channel::Digital,
                Some(Some("digital")) => Channel::Digital,
                Some(Some("paper")) => Channel::Paper,
                Some(_) => return None,
            },
            code_hash: match m.get("code_hash") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_str()?.to_string()),
            },
            answers: out,
        })
    }

    /// Canonical JSON: struct fields in declaration order, maps sorted by key, no whitespace.
    /// Byte for byte what `serde_json::to_string` writes with the derived `Serialize`
    /// (`tests/canonical_json.rs`), written by hand so that the residents' bundle links no serde
    /// serializer.
    pub fn canonical_json(&self) -> String {
        let mut s = String::with_capacity(256);
        let field = |s: &mut String, name: &str, text: &str| {
            s.push_str(name);
            push_json_string(s, text);
        };
        field(&mut s, "{\"id\":", &self.id);
        field(&mut s, ",\"survey_id\":", &self.survey_id);
        s.push_str(",\"survey_version\":");
        s.push_str(&self.survey_version.to_string());
        field(&mut s, ",\"cast_at\":", &self.cast_at);
        if !self.device.is_empty() {
            field(&mut s, ",\"device\":", &self.device);
        }
        s.push_str(match self.channel {
            Channel::Digital => ",\"channel\":\"digital\"",
            Channel::Paper => ",\"channel\":\"paper\"",
        });
        if let Some(h) = &self.code_hash {
            field(&mut s, ",\"code_hash\":", h);
        }
        s.push_str(",\"answers\":");
        push_map(&mut s, &self.answers, |s, answer| {
            match answer {
                Answer::Choice { choice } => field(s, "{\"choice\":", choice),
                Answer::Ratings { ratings } => {
                    s.push_str("{\"ratings\":");
                    push_map(s, ratings, |s, option| push_json_string(s, option));
                }
                Answer::Chosen { chosen } => {
                    s.push_str("{\"chosen\":[");
                    for (i, id) in chosen.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        push_json_string(s, id);
                    }
                    s.push(']');
                }
                Answer::Scores { scores } => {
                    s.push_str("{\"scores\":");
                    push_map(s, scores, |s, criteria| {
                        push_map(s, criteria, |s, score| s.push_str(&score.to_string()))
                    });
                }
                Answer::Responses { responses } => {
                    s.push_str("{\"responses\":");
                    push_map(s, responses, |s, r| {
                        s.push_str(if r.objection {
                            "{\"objection\":true"
                        } else {
                            "{\"objection\":false"
                        });
                        if let Some(reason) = &r.reason {
                            field(s, ",\"reason\":", reason);
                        }
                        s.push('}');
                    });
                }
                Answer::Text { text } => field(s, "{\"text\":", text),
            }
            s.push('}');
        });
        s.push('}');
        s
    }

    /// SHA-256 of the canonical JSON, as lowercase hex. Two ballots with the same id and the same
    /// hash are the same ballot; the same id with another hash is a conflict.
    pub fn content_hash(&self) -> String {
        hex(&sha256(self.canonical_json().as_bytes()))
    }

    /// A short code the resident can note down and later find in the published receipt list:
    /// 8 characters of Crockford base32 from the content hash, shown as `XXXX-XXXX`.
    pub fn receipt(&self) -> String {
        receipt_from_hash_bytes(&sha256(self.canonical_json().as_bytes()))
    }
}

/// Appends `map` as a JSON object in id order, each value written by `value`.
fn push_map<V>(s: &mut String, map: &IdMap<V>, mut value: impl FnMut(&mut String, &V)) {
    s.push('{');
    for (i, (id, v)) in map.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_json_string(s, id);
        s.push(':');
        value(s, v);
    }
    s.push('}');
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn receipt_from_hash_bytes(h: &[u8]) -> String {
    // First 40 bits → 8 base32 digits.
    let mut v: u64 = 0;
    for b in &h[..5] {
        v = (v << 8) | u64::from(*b);
    }
    let mut out = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            out.push('-');
        }
        let shift = 35 - 5 * i;
        out.push(CROCKFORD[((v >> shift) & 31) as usize] as char);
    }
    out
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// SHA-256 of a string as lowercase hex.
pub fn sha256_hex(s: &str) -> String {
    hex(&sha256(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Ballot {
        let mut answers = IdMap::new();
        answers.insert(
            "q1".to_string(),
            Answer::Choice {
                choice: "satisfied".into(),
            },
        );
        Ballot {
            id: "6f1c2b8e-0000-4000-8000-000000000001".into(),
            survey_id: "s".into(),
            survey_version: 1,
            cast_at: "2026-11-27T12:00:00.000Z".into(),
            device: "d1".into(),
            channel: Channel::Digital,
            code_hash: None,
            answers,
        }
    }

    #[test]
    fn receipt_is_stable_and_short() {
        let b = sample();
        let r = b.receipt();
        assert_eq!(r.len(), 9);
        assert_eq!(&r[4..5], "-");
        assert_eq!(r, sample().receipt());
        let mut c = sample();
        c.answers.insert(
            "q1".into(),
            Answer::Choice {
                choice: "dissatisfied".into(),
            },
        );
        assert_ne!(r, c.receipt());
    }

    #[test]
    fn answers_round_trip_in_every_shape() {
        let json = r#"{"a":{"choice":"for"},"b":{"ratings":{"s1":"satisfied"}},"c":{"chosen":["x","y"]},
            "d":{"scores":{"h1":{"clean":8}}},"e":{"responses":{"i1":{"objection":true,"reason":"太贵"}}},"f":{"text":"修路"}}"#;
        let m: IdMap<Answer> = serde_json::from_str(json).unwrap();
        assert!(matches!(m["a"], Answer::Choice { .. }));
        assert!(matches!(m["b"], Answer::Ratings { .. }));
        assert!(matches!(m["c"], Answer::Chosen { .. }));
        assert!(matches!(m["d"], Answer::Scores { .. }));
        assert!(matches!(m["e"], Answer::Responses { .. }));
        assert!(matches!(m["f"], Answer::Text { .. }));
        let back = serde_json::to_string(&m).unwrap();
        let again: IdMap<Answer> = serde_json::from_str(&back).unwrap();
        assert_eq!(m, again);
    }
}

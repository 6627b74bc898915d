//! How ballots are kept on a device: the storage key scheme and the stored-record codec, shared by
//! the residents' widget, the kiosk and the organiser console so that all three read the same
//! records the same way. Pure: records go to and from `serde_json::Value` and strings; the
//! browser's `localStorage` itself is the browser layer's business.
//!
//! Keys (all under `pingyi/v1/`):
//! - `pingyi/v1/device`: this device's random id, a canonical v4 UUID ([`is_device_id`]).
//! - `pingyi/v1/{survey_id}/ballot/{ballot_id}`: one ballot record, in one of two shapes:
//!   - full ([`StoredBallot`]): `{"ballot": …, "status": "pending"|"acked"|"refused", …}`, the
//!     answers still on the device (pending, refused, or acknowledged by an older widget);
//!     `"rejected"` is an older spelling of `"refused"`;
//!   - slim ([`AckedBallot`]): `{"id", "status": "acked"}` plus `receipt` and `endpoint` on a
//!     resident's own phone: the collector holds the ballot and its answers have left the device.
//!     The kiosk wrote `{id, status}` before the widget did; both read the same.
//! - `pingyi/v1/{survey_id}/outbox`: the outbox's memo (last success).
//! - `pingyi/v1/{survey_id}/survey`: the survey JSON as loaded, for the console.
//! - `pingyi/v1/{survey_id}/kiosk`: the kiosk's own record.
//! - `pingyi/v1/probe`: written and removed at start to prove storage works.

use crate::small::json_string;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::protocol::BallotStatus;
use crate::{Ballot, Problem};

/// What every key of Pingyi's widget starts with.
pub const PREFIX: &str = "pingyi/v1/";

/// The key of this device's random id.
pub const DEVICE_KEY: &str = "pingyi/v1/device";

/// The key written and removed at start to prove storage works.
pub const PROBE_KEY: &str = "pingyi/v1/probe";

/// The key of one ballot.
pub fn ballot_key(survey_id: &str, ballot_id: &str) -> String {
    format!("{PREFIX}{survey_id}/ballot/{ballot_id}")
}

/// The prefix all ballots of one survey share.
pub fn survey_prefix(survey_id: &str) -> String {
    format!("{PREFIX}{survey_id}/ballot/")
}

/// The key of the outbox memo of one survey.
pub fn outbox_key(survey_id: &str) -> String {
    format!("{PREFIX}{survey_id}/outbox")
}

/// The key of the survey JSON the console reads.
pub fn survey_key(survey_id: &str) -> String {
    format!("{PREFIX}{survey_id}/survey")
}

/// The key of the kiosk record of one survey.
pub fn kiosk_key(survey_id: &str) -> String {
    format!("{PREFIX}{survey_id}/kiosk")
}

/// `(survey_id, ballot_id)` of a ballot key, if `key` is one.
pub fn parse_ballot_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PREFIX)?;
    let (survey, tail) = rest.split_once('/')?;
    let id = tail.strip_prefix("ballot/")?;
    (!survey.is_empty() && !id.is_empty() && !id.contains('/')).then_some((survey, id))
}

/// Whether `id` is a canonical version-4 UUID: lowercase, hyphens in place.
pub fn is_device_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4',
            19 => b"89ab".contains(c),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// What happened to a stored ballot on its way to a collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored here, not yet acknowledged by a collector.
    Pending,
    /// A collector stored it.
    Acked,
    /// A collector refused it (`rejected` or `conflict`); see `refusal`. Kept for the organiser.
    #[serde(alias = "rejected")]
    Refused,
}

/// Why a collector refused a ballot: its per-ballot status and core's problems.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub status: BallotStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One ballot kept in full on the device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredBallot {
    pub ballot: Ballot,
    pub status: Status,
    /// Why a collector refused it (with [`Status::Refused`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// When the status last changed (ms since the epoch), for acked and refused ballots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<i64>,
    /// Cast in personal mode (a resident's own phone): the receipt stays after the ack.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal: bool,
    /// The collector the ballot was cast for (personal mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// What stays of a ballot once a collector acknowledged it: never its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckedBallot {
    pub id: String,
    /// The receipt, kept on a resident's own phone only.
    pub receipt: Option<String>,
    /// The collector it was cast for (personal mode only).
    pub endpoint: Option<String>,
}

impl StoredBallot {
    /// The slim record that replaces this one once a collector acknowledged it.
    pub fn slim(&self) -> AckedBallot {
        AckedBallot {
            id: self.ballot.id.clone(),
            receipt: self.personal.then(|| self.ballot.receipt()),
            endpoint: self.endpoint.clone().filter(|_| self.personal),
        }
    }
}

/// One ballot record read back, in either shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Full(StoredBallot),
    Acked(AckedBallot),
}

/// A record as JSON, byte for byte what `serde_json::to_string` gives, written around the
/// canonical ballot JSON so that the widget's wasm carries no serializer for the wrapper types.
pub fn encode(r: &StoredBallot) -> String {
    let mut s = String::from("{\"ballot\":");
    s.push_str(&r.ballot.canonical_json());
    s.push_str(match r.status {
        Status::Pending => ",\"status\":\"pending\"",
        Status::Acked => ",\"status\":\"acked\"",
        Status::Refused => ",\"status\":\"refused\"",
    });
    if let Some(f) = &r.refusal {
        s.push_str(",\"refusal\":{\"status\":\"");
        s.push_str(f.status.as_str());
        s.push('"');
        if !f.problems.is_empty() {
            s.push_str(",\"problems\":[");
            for (i, p) in f.problems.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                p.push_json(&mut s);
            }
            s.push(']');
        }
        s.push('}');
    }
    if let Some(ms) = r.at_ms {
        s.push_str(",\"at_ms\":");
        s.push_str(&ms.to_string());
    }
    if r.personal {
        s.push_str(",\"personal\":true");
    }
    if let Some(e) = &r.endpoint {
        s.push_str(",\"endpoint\":");
        s.push_str(&json_string(e));
    }
    s.push('}');
    s
}

/// An acknowledged ballot's slim record: `{"id":…,"status":"acked"}`, plus `receipt` and
/// `endpoint` when kept.
pub fn encode_acked(a: &AckedBallot) -> String {
    let mut s = format!("{{\"id\":{},\"status\":\"acked\"", json_string(&a.id));
    for (name, value) in [("receipt", &a.receipt), ("endpoint", &a.endpoint)] {
        if let Some(v) = value {
            s.push_str(&format!(",\"{name}\":{}", json_string(v)));
        }
    }
    s.push('}');
    s
}

/// Reads a full record; accepts what the derived `Deserialize` accepts.
pub fn decode_full(v: &Value) -> Option<StoredBallot> {
    let m = v.as_object()?;
    Some(StoredBallot {
        ballot: Ballot::from_value(m.get("ballot")?)?,
        status: match m.get("status")?.as_str()? {
            "pending" => Status::Pending,
            "acked" => Status::Acked,
            "refused" | "rejected" => Status::Refused,
            _ => return None,
        },
        refusal: match m.get("refusal") {
            None | Some(Value::Null) => None,
            Some(r) => {
                let r = r.as_object()?;
                Some(Refusal {
                    status: BallotStatus::from_value(r.get("status")?)?,
                    problems: match r.get("problems") {
                        None => Vec::new(),
                        Some(p) => p
                            .as_array()?
                            .iter()
                            .map(Problem::from_value)
                            .collect::<Option<_>>()?,
                    },
                })
            }
        },
        at_ms: match m.get("at_ms") {
            None | Some(Value::Null) => None,
            Some(n) => Some(n.as_i64()?),
        },
        personal: m.get("personal").and_then(Value::as_bool).unwrap_or(false),
        endpoint: m
            .get("endpoint")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// Reads a slim record (also the kiosk's `{id, status}`); its `id` must be `key_id`, the id in
/// its key.
pub fn decode_acked(v: &Value, key_id: &str) -> Option<AckedBallot> {
    let m = v.as_object()?;
    let id = m.get("id")?.as_str()?;
    if id != key_id || m.get("status")?.as_str()? != "acked" || m.contains_key("ballot") {
        return None;
    }
    let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    Some(AckedBallot {
        id: id.to_string(),
        receipt: text("receipt"),
        endpoint: text("endpoint"),
    })
}

/// Reads a ballot record of either shape stored under the ballot id `key_id`.
pub fn decode(v: &Value, key_id: &str) -> Option<Record> {
    decode_full(v)
        .map(Record::Full)
        .or_else(|| decode_acked(v, key_id).map(Record::Acked))
}

/// The ballot records of one survey read back from a device.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// Full records (pending, refused, or acknowledged by an older widget), in cast order, then
    /// by id.
    pub ballots: Vec<StoredBallot>,
    /// Acknowledged ballots whose answers have left the device, in key order.
    pub acked: Vec<AckedBallot>,
    /// Keys whose record is neither shape (or not JSON). Never deleted.
    pub unreadable: Vec<String>,
}

/// Sorts the stored entries of `survey_id` into [`Loaded`]. `entries` are `(key, parsed value)`,
/// `None` for text that was not JSON; keys of other surveys and other kinds are skipped.
pub fn load<I>(survey_id: &str, entries: I) -> Loaded
where
    I: IntoIterator<Item = (String, Option<Value>)>,
{
    let mut out = Loaded::default();
    let prefix = survey_prefix(survey_id);
    for (key, value) in entries {
        let Some(id) = key.strip_prefix(prefix.as_str()) else {
            continue;
        };
        if id.is_empty() || id.contains('/') {
            continue;
        }
        match value.as_ref().and_then(|v| decode(v, id)) {
            Some(Record::Full(r)) => out.ballots.push(r),
            Some(Record::Acked(a)) => out.acked.push(a),
            None => out.unreadable.push(key),
        }
    }
    crate::small::sort_by(&mut out.ballots, |a, b| {
        (a.ballot.cast_at.as_str(), a.ballot.id.as_str())
            .cmp(&(b.ballot.cast_at.as_str(), b.ballot.id.as_str()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ballot() -> Ballot {
        serde_json::from_value(json!({
            "id": "b1", "survey_id": "s1", "survey_version": 2, "device": "",
            "cast_at": "2026-11-27T12:00:00.000Z", "answers": {"q_sat": {"choice": "dissatisfied"}}
        }))
        .unwrap()
    }

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn full_records_encode_as_serde_would_and_read_back() {
        let mut r = StoredBallot {
            ballot: ballot(),
            status: Status::Pending,
            refusal: None,
            at_ms: None,
            personal: false,
            endpoint: None,
        };
        let check = |r: &StoredBallot| {
            assert_eq!(encode(r), serde_json::to_string(r).unwrap());
            assert_eq!(decode_full(&parse(&encode(r))), Some(r.clone()));
            assert_eq!(
                decode(&parse(&encode(r)), "b1"),
                Some(Record::Full(r.clone()))
            );
            let derived: StoredBallot = serde_json::from_str(&encode(r)).unwrap();
            assert_eq!(&derived, r);
        };
        check(&r);
        r.status = Status::Refused;
        r.at_ms = Some(-5);
        r.refusal = Some(Refusal {
            status: BallotStatus::Conflict,
            problems: Vec::new(),
        });
        check(&r);
        r.status = Status::Acked;
        r.at_ms = Some(1_764_244_800_123);
        r.refusal = Some(Refusal {
            status: BallotStatus::Rejected,
            problems: vec![Problem::new(
                "$.answers.q1",
                "too_big",
                "太大\"了",
                "too \\ big",
            )],
        });
        check(&r);
        r.personal = true;
        r.endpoint = Some("https://a.example/\"x\"".into());
        check(&r);
    }

    #[test]
    fn older_full_records_still_read() {
        // "rejected" was the status of a refused ballot before "refused".
        let old = json!({"ballot": serde_json::to_value(ballot()).unwrap(), "status": "rejected"});
        let r = decode_full(&old).unwrap();
        assert_eq!(r.status, Status::Refused);
        assert_eq!(
            (r.refusal, r.at_ms, r.personal, r.endpoint),
            (None, None, false, None)
        );
        // An acknowledged ballot kept in full by an older widget.
        let old = json!({"ballot": serde_json::to_value(ballot()).unwrap(), "status": "acked"});
        assert_eq!(decode_full(&old).unwrap().status, Status::Acked);
        // `null` where a field is absent.
        let old = json!({"ballot": serde_json::to_value(ballot()).unwrap(), "status": "pending",
            "refusal": null, "at_ms": null});
        assert_eq!(decode_full(&old).unwrap().status, Status::Pending);
    }

    #[test]
    fn slim_records_keep_no_answers_and_read_back() {
        let mut r = StoredBallot {
            ballot: ballot(),
            status: Status::Pending,
            refusal: None,
            at_ms: None,
            personal: false,
            endpoint: Some("https://a.example".into()),
        };
        let receipt = r.ballot.receipt();
        // A shared device keeps what reconciliation needs: the id.
        assert_eq!(encode_acked(&r.slim()), r#"{"id":"b1","status":"acked"}"#);
        r.personal = true;
        let slim = encode_acked(&r.slim());
        assert_eq!(
            slim,
            format!(
                r#"{{"id":"b1","status":"acked","receipt":"{receipt}","endpoint":"https://a.example"}}"#
            )
        );
        assert!(!slim.contains("dissatisfied"));
        assert_eq!(decode_full(&parse(&slim)), None, "not a full record");
        assert_eq!(decode_acked(&parse(&slim), "b1"), Some(r.slim()));
        assert_eq!(decode(&parse(&slim), "b1"), Some(Record::Acked(r.slim())));
        assert_eq!(
            decode_acked(&parse(&slim), "b2"),
            None,
            "the id is its key's"
        );
        // The kiosk's slim records read the same.
        assert_eq!(
            decode(&parse(r#"{"id":"b1","status":"acked"}"#), "b1"),
            Some(Record::Acked(AckedBallot {
                id: "b1".into(),
                receipt: None,
                endpoint: None
            }))
        );
        assert_eq!(
            decode(&parse(r#"{"id":"b1","status":"pending"}"#), "b1"),
            None
        );
        assert_eq!(decode(&parse(r#"{"id":"b1"}"#), "b1"), None);
        assert_eq!(decode(&parse("[1]"), "b1"), None);
    }

    #[test]
    fn loading_sorts_every_shape_and_keeps_the_unreadable_keys() {
        let mut late = ballot();
        late.id = "b0".into();
        late.cast_at = "2026-11-28T00:00:00.000Z".into();
        let full = |b: &Ballot| {
            Some(parse(&encode(&StoredBallot {
                ballot: b.clone(),
                status: Status::Pending,
                refusal: None,
                at_ms: None,
                personal: false,
                endpoint: None,
            })))
        };
        let entries = vec![
            (ballot_key("s1", "b0"), full(&late)),
            (ballot_key("s1", "b1"), full(&ballot())),
            (
                ballot_key("s1", "k1"),
                Some(json!({"id": "k1", "status": "acked"})),
            ),
            (
                ballot_key("s1", "w1"),
                Some(json!({"id": "w1", "status": "acked", "receipt": "ABCD-EFGH"})),
            ),
            (ballot_key("s1", "bad"), None),
            (ballot_key("s1", "odd"), Some(json!({"hello": 1}))),
            (
                ballot_key("s10", "x"),
                Some(json!({"id": "x", "status": "acked"})),
            ),
            (outbox_key("s1"), Some(json!({}))),
            (survey_key("s1"), Some(json!({}))),
        ];
        let loaded = load("s1", entries);
        let ids: Vec<&str> = loaded
            .ballots
            .iter()
            .map(|r| r.ballot.id.as_str())
            .collect();
        assert_eq!(ids, ["b1", "b0"], "cast order");
        let acked: Vec<&str> = loaded.acked.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(acked, ["k1", "w1"]);
        assert_eq!(loaded.acked[1].receipt.as_deref(), Some("ABCD-EFGH"));
        assert_eq!(
            loaded.unreadable,
            [ballot_key("s1", "bad"), ballot_key("s1", "odd")]
        );
    }

    #[test]
    fn keys_have_the_documented_shape() {
        assert_eq!(ballot_key("s1", "b1"), "pingyi/v1/s1/ballot/b1");
        assert!(ballot_key("s1", "b1").starts_with(&survey_prefix("s1")));
        assert!(!ballot_key("s10", "b1").starts_with(&survey_prefix("s1")));
        assert!(!outbox_key("s1").starts_with(&survey_prefix("s1")));
        assert!(!survey_key("s1").starts_with(&survey_prefix("s1")));
        assert!(!kiosk_key("s1").starts_with(&survey_prefix("s1")));
        assert_eq!(
            parse_ballot_key("pingyi/v1/village/ballot/abc"),
            Some(("village", "abc"))
        );
        assert_eq!(parse_ballot_key("pingyi/v1/village/outbox"), None);
        assert_eq!(parse_ballot_key(DEVICE_KEY), None);
        assert_eq!(parse_ballot_key("other/v1/x/ballot/a"), None);
        assert_eq!(parse_ballot_key("pingyi/v1/x/ballot/a/b"), None);
    }

    #[test]
    fn device_ids_are_canonical_v4_uuids() {
        assert!(is_device_id("3b0e4a5c-2f71-4d8e-8d6a-52f0c1e9a7b4"));
        for bad in [
            "",
            "user-42",
            "3B0E4A5C-2F71-4D8E-8D6A-52F0C1E9A7B4",
            "3b0e4a5c-2f71-1d8e-8d6a-52f0c1e9a7b4",
            "3b0e4a5c-2f71-4d8e-cd6a-52f0c1e9a7b4",
            "3b0e4a5c2f714d8e8d6a52f0c1e9a7b4",
            " 3b0e4a5c-2f71-4d8e-8d6a-52f0c1e9a7b4",
            "3b0e4a5c-2f71-4d8e-8d6a-52f0c1e9a7b4x",
        ] {
            assert!(!is_device_id(bad), "{bad:?}");
        }
    }
}

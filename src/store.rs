//! The local storage adapter: ballots are written to the browser's `localStorage` before anything
//! else happens, one key per ballot, so writing is O(1) and a reload never loses a cast ballot.
//!
//! Keys (all under `pingyi/v1/`):
//! - `pingyi/v1/device`: this device's random id (UUID v4), made once by the widget. A stored
//!   value that is not a canonical lowercase v4 UUID (say, a user id a host page on the same
//!   origin put there) is replaced. Ballots of anonymous surveys carry no device at all.
//! - `pingyi/v1/{survey_id}/ballot/{ballot_id}`: one [`StoredBallot`] as JSON. The outbox
//!   rewrites only that one key when the collector acknowledges or refuses the ballot, so every
//!   write is O(1) in the number stored. Refused ballots are kept, never deleted.
//!
//!   Once a collector acknowledges a ballot its answers leave the device ([`Store::mark`]
//!   rewrites the key as an [`AckedBallot`]): a phone that still held them, with a receipt
//!   proving they were counted, is what a vote buyer asks to see. A resident's own phone
//!   (personal mode) keeps `{id, status, receipt, endpoint}`, what "您已投过票" shows; a shared
//!   tablet, a household phone or an embedding page keeps `{id, status}`, what the organiser
//!   needs to reconcile the device with the collector. Without a collector (local-only) nothing
//!   is ever acknowledged, so the phone keeps the answers: it holds the only copy.
//! - `pingyi/v1/{survey_id}/outbox`: the outbox's small memo ([`OutboxMemo`]: last success).
//! - `pingyi/v1/{survey_id}/survey`: the survey's JSON as loaded, so the organiser console can
//!   count this device's ballots (`?source=local&s=<id>`). Rewritten only when it changed.
//! - `pingyi/v1/probe`: written and removed at start to find out whether storage works at all.
//!
//! Browser failures become a typed [`StoreError`] the views can explain to the resident.

use pingyi_core::protocol::BallotStatus;
use pingyi_core::{Ballot, Problem};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

const PREFIX: &str = "pingyi/v1/";

/// Size of the start-up probe write: room for a few ballots.
const PROBE_BYTES: usize = 4096;

/// What happened to a stored ballot on its way to a collector. The outbox updates it.
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

/// One ballot as it lives in local storage.
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
    /// The collector the ballot was cast for (personal mode), so that "您已投过票" only counts
    /// ballots that went to the collector the page sends to now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// How a ballot is kept once a collector acknowledges it; decided when it is cast.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    /// Personal mode: keep the receipt (and `endpoint`) for "您已投过票".
    pub personal: bool,
    /// The collector this ballot is cast for (`None`: local-only).
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

/// The outbox's memo for one survey, kept small and separate from the ballots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxMemo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_ms: Option<i64>,
}

/// Why storage failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// No `localStorage` (private mode, disabled, or a `SecurityError`).
    Unavailable(String),
    /// The quota is used up (`QuotaExceededError`).
    Full,
    /// Any other browser error, with its name and message.
    Other(String),
}

/// Ballots read back for one survey, plus keys that could not be read.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Full records: pending, refused, and acknowledged ones stored before answers were dropped.
    pub ballots: Vec<StoredBallot>,
    /// Acknowledged ballots whose answers have left the device, in key order.
    pub acked: Vec<AckedBallot>,
    pub unreadable: Vec<String>,
}

/// Whether `id` is a UUID as [`crate::cast::new_uuid`] makes it: version 4, lowercase, hyphens
/// in place.
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

/// A handle on the page's `localStorage`.
pub struct Store {
    storage: web_sys::Storage,
}

impl Store {
    /// Opens `localStorage`. Some browsers throw a `SecurityError` here when storage is off.
    pub fn open() -> Result<Store, StoreError> {
        let window =
            web_sys::window().ok_or_else(|| StoreError::Unavailable("no window".into()))?;
        match window.local_storage() {
            Ok(Some(storage)) => Ok(Store { storage }),
            Ok(None) => Err(StoreError::Unavailable("localStorage is null".into())),
            Err(e) => Err(StoreError::Unavailable(describe(&e))),
        }
    }

    /// Opens storage and proves that a write and a delete both work, so the resident is told
    /// before voting rather than after. The probe is the size of a few ballots, so that a
    /// nearly full storage is reported now too.
    pub fn open_and_probe() -> Result<Store, StoreError> {
        let store = Store::open()?;
        let key = format!("{PREFIX}probe");
        store
            .storage
            .set_item(&key, &"0".repeat(PROBE_BYTES))
            .map_err(classify)?;
        store.storage.remove_item(&key).map_err(classify)?;
        Ok(store)
    }

    /// This device's id, made and stored on first use. A stored value the widget did not make
    /// (not a canonical v4 UUID, e.g. a host page's user id) is replaced by a fresh one.
    pub fn device_id(&self) -> Result<String, StoreError> {
        let key = format!("{PREFIX}device");
        if let Ok(Some(id)) = self.storage.get_item(&key) {
            if is_device_id(&id) {
                return Ok(id);
            }
        }
        let id = crate::cast::new_uuid();
        self.storage.set_item(&key, &id).map_err(classify)?;
        Ok(id)
    }

    /// The resident's large-text choice on this device, if they ever made one.
    pub fn elder_choice(&self) -> Option<bool> {
        match self.storage.get_item(&format!("{PREFIX}elder")) {
            Ok(Some(v)) => Some(v == "1"),
            _ => None,
        }
    }

    /// Remembers the resident's large-text choice for every widget on this device.
    pub fn set_elder_choice(&self, on: bool) -> Result<(), StoreError> {
        self.storage
            .set_item(&format!("{PREFIX}elder"), if on { "1" } else { "0" })
            .map_err(classify)
    }

    /// Keeps the survey's JSON for the organiser console, writing only when it changed.
    pub fn put_survey(&self, survey_id: &str, json: &str) -> Result<(), StoreError> {
        let key = survey_key(survey_id);
        if self.storage.get_item(&key).ok().flatten().as_deref() == Some(json) {
            return Ok(());
        }
        self.storage.set_item(&key, json).map_err(classify)
    }

    /// Writes one ballot as pending under its own key. Nothing else is rewritten.
    pub fn put_ballot(&self, ballot: &Ballot) -> Result<(), StoreError> {
        self.put_ballot_kept(ballot, &Keep::default())
    }

    /// [`Store::put_ballot`], saying what stays of it once a collector acknowledges it.
    pub fn put_ballot_kept(&self, ballot: &Ballot, keep: &Keep) -> Result<(), StoreError> {
        let record = StoredBallot {
            ballot: ballot.clone(),
            status: Status::Pending,
            refusal: None,
            at_ms: None,
            personal: keep.personal,
            endpoint: keep.endpoint.clone().filter(|_| keep.personal),
        };
        self.put(&record)
    }

    /// Writes (or overwrites) one record, e.g. when the outbox marks it acked.
    pub fn put(&self, record: &StoredBallot) -> Result<(), StoreError> {
        let key = ballot_key(&record.ballot.survey_id, &record.ballot.id);
        self.storage
            .set_item(&key, &encode(record))
            .map_err(classify)
    }

    /// One stored ballot, if it is there and readable.
    pub fn get(
        &self,
        survey_id: &str,
        ballot_id: &str,
    ) -> Result<Option<StoredBallot>, StoreError> {
        let text = self
            .storage
            .get_item(&ballot_key(survey_id, ballot_id))
            .map_err(classify)?;
        Ok(text.and_then(|t| decode(&t)))
    }

    /// Marks one stored ballot acknowledged or refused, rewriting only its own key. An
    /// acknowledged ballot is replaced by its slim record (no answers, see the module comment).
    /// A ballot that is no longer stored (or already slim) is left alone.
    pub fn mark(
        &self,
        survey_id: &str,
        ballot_id: &str,
        status: Status,
        refusal: Option<Refusal>,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let Some(mut record) = self.get(survey_id, ballot_id)? else {
            return Ok(());
        };
        if status == Status::Acked {
            return self.put_slim(survey_id, &record.slim());
        }
        record.status = status;
        record.refusal = refusal;
        record.at_ms = Some(at_ms);
        self.put(&record)
    }

    /// Writes the slim record of an acknowledged ballot over its full one.
    fn put_slim(&self, survey_id: &str, acked: &AckedBallot) -> Result<(), StoreError> {
        self.storage
            .set_item(&ballot_key(survey_id, &acked.id), &encode_slim(acked))
            .map_err(classify)
    }

    /// Drops the answers of every acknowledged ballot of `survey_id` still stored in full (kept
    /// by an older version of the widget), keeping the receipt when `personal`. Returns how many
    /// records were rewritten.
    pub fn slim_acked(&self, survey_id: &str, personal: bool) -> Result<usize, StoreError> {
        let mut n = 0;
        for mut record in self.load_ballots(survey_id)?.ballots {
            if record.status == Status::Acked {
                record.personal |= personal;
                self.put_slim(survey_id, &record.slim())?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The outbox memo of one survey (default when absent or unreadable).
    pub fn outbox_memo(&self, survey_id: &str) -> OutboxMemo {
        self.storage
            .get_item(&outbox_key(survey_id))
            .ok()
            .flatten()
            .and_then(|t| {
                let v = crate::net::parse_json(&t).ok()?;
                let last = match v.as_object()?.get("last_success_ms") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(n) => Some(n.as_i64()?),
                };
                Some(OutboxMemo {
                    last_success_ms: last,
                })
            })
            .unwrap_or_default()
    }

    /// Saves the outbox memo of one survey.
    pub fn put_outbox_memo(&self, survey_id: &str, memo: &OutboxMemo) -> Result<(), StoreError> {
        let json = match memo.last_success_ms {
            Some(ms) => format!("{{\"last_success_ms\":{ms}}}"),
            None => "{}".to_string(),
        };
        self.storage
            .set_item(&outbox_key(survey_id), &json)
            .map_err(classify)
    }

    /// Every stored ballot of one survey, in cast order (then by id).
    pub fn load_ballots(&self, survey_id: &str) -> Result<Loaded, StoreError> {
        let prefix = survey_prefix(survey_id);
        let mut out = Loaded::default();
        for key in self.keys()? {
            if !key.starts_with(&prefix) {
                continue;
            }
            let text = self
                .storage
                .get_item(&key)
                .map_err(classify)?
                .unwrap_or_default();
            match decode(&text) {
                Some(record) => out.ballots.push(record),
                None => match decode_slim(&text, &key[prefix.len()..]) {
                    Some(acked) => out.acked.push(acked),
                    None => out.unreadable.push(key),
                },
            }
        }
        out.ballots.sort_by(|a, b| {
            (a.ballot.cast_at.as_str(), a.ballot.id.as_str())
                .cmp(&(b.ballot.cast_at.as_str(), b.ballot.id.as_str()))
        });
        Ok(out)
    }

    /// All keys currently in storage.
    fn keys(&self) -> Result<Vec<String>, StoreError> {
        let n = self.storage.length().map_err(classify)?;
        let mut keys = Vec::with_capacity(n as usize);
        for i in 0..n {
            if let Ok(Some(k)) = self.storage.key(i) {
                keys.push(k);
            }
        }
        Ok(keys)
    }
}

/// Turns a thrown browser error into a [`StoreError`].
fn classify(e: JsValue) -> StoreError {
    let name = e
        .dyn_ref::<web_sys::DomException>()
        .map(|d| d.name())
        .unwrap_or_default();
    match name.as_str() {
        "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => StoreError::Full,
        "SecurityError" => StoreError::Unavailable(describe(&e)),
        _ => StoreError::Other(describe(&e)),
    }
}

fn describe(e: &JsValue) -> String {
    if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", d.name(), d.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// A record as JSON, byte for byte what `serde_json::to_string` gives, written around core's
/// canonical ballot JSON so that the wasm carries no serializer for the wrapper types.
fn encode(r: &StoredBallot) -> String {
    let mut s = String::from("{\"ballot\":");
    s.push_str(&r.ballot.canonical_json());
    s.push_str(match r.status {
        Status::Pending => ",\"status\":\"pending\"",
        Status::Acked => ",\"status\":\"acked\"",
        Status::Refused => ",\"status\":\"refused\"",
    });
    if let Some(f) = &r.refusal {
        s.push_str(",\"refusal\":{\"status\":");
        s.push_str(&serde_json::to_string(&f.status).unwrap_or_default());
        if !f.problems.is_empty() {
            s.push_str(",\"problems\":");
            s.push_str(&serde_json::to_string(&f.problems).unwrap_or_default());
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

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// An acknowledged ballot's slim record: `{"id":…,"status":"acked"}`, plus `receipt` and
/// `endpoint` on a resident's own phone.
fn encode_slim(a: &AckedBallot) -> String {
    let mut s = format!("{{\"id\":{},\"status\":\"acked\"", json_string(&a.id));
    for (name, value) in [("receipt", &a.receipt), ("endpoint", &a.endpoint)] {
        if let Some(v) = value {
            s.push_str(&format!(",\"{name}\":{}", json_string(v)));
        }
    }
    s.push('}');
    s
}

/// Reads a slim record (also the kiosk's older `{id, status}`); `id` must match its key's.
fn decode_slim(text: &str, key_id: &str) -> Option<AckedBallot> {
    let v = crate::net::parse_json(text).ok()?;
    let m = v.as_object()?;
    let id = m.get("id")?.as_str()?;
    if id != key_id || m.get("status")?.as_str()? != "acked" || m.contains_key("ballot") {
        return None;
    }
    let text = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Some(AckedBallot {
        id: id.to_string(),
        receipt: text("receipt"),
        endpoint: text("endpoint"),
    })
}

/// Reads a stored record with the browser's `JSON.parse` and core's `from_value` readers, so that
/// no JSON parser ends up in the wasm. Accepts what the derived `Deserialize` accepts.
fn decode(text: &str) -> Option<StoredBallot> {
    use serde_json::Value;
    let v = crate::net::parse_json(text).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    // Plain `#[test]`s are not run for wasm32; these run under wasm-bindgen-test (node).
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn records_encode_as_serde_would_and_read_back() {
        let ballot: Ballot = serde_json::from_value(serde_json::json!({
            "id": "b1", "survey_id": "s1", "survey_version": 2, "device": "d1",
            "cast_at": "2026-11-27T12:00:00.000Z", "answers": {"q_sat": {"choice": "dissatisfied"}}
        }))
        .unwrap();
        let mut r = StoredBallot {
            ballot,
            status: Status::Pending,
            refusal: None,
            at_ms: None,
            personal: false,
            endpoint: None,
        };
        assert_eq!(encode(&r), serde_json::to_string(&r).unwrap());
        assert_eq!(decode(&encode(&r)), Some(r.clone()));
        r.status = Status::Refused;
        r.at_ms = Some(-5);
        r.refusal = Some(Refusal {
            status: BallotStatus::Conflict,
            problems: Vec::new(),
        });
        assert_eq!(encode(&r), serde_json::to_string(&r).unwrap());
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
        assert_eq!(encode(&r), serde_json::to_string(&r).unwrap());
        assert_eq!(decode(&encode(&r)), Some(r.clone()));
        r.personal = true;
        r.endpoint = Some("https://a.example/\"x\"".into());
        assert_eq!(encode(&r), serde_json::to_string(&r).unwrap());
        assert_eq!(decode(&encode(&r)), Some(r));
    }

    #[test]
    fn acknowledged_ballots_keep_no_answers() {
        let ballot: Ballot = serde_json::from_value(serde_json::json!({
            "id": "b1", "survey_id": "s1", "survey_version": 2, "device": "",
            "cast_at": "2026-11-27T12:00:00.000Z", "answers": {"q_sat": {"choice": "dissatisfied"}}
        }))
        .unwrap();
        let receipt = ballot.receipt();
        let mut r = StoredBallot {
            ballot,
            status: Status::Pending,
            refusal: None,
            at_ms: None,
            personal: false,
            endpoint: Some("https://a.example".into()),
        };
        // A shared device keeps what reconciliation needs: the id.
        assert_eq!(encode_slim(&r.slim()), r#"{"id":"b1","status":"acked"}"#);
        r.personal = true;
        let slim = encode_slim(&r.slim());
        assert_eq!(
            slim,
            format!(
                r#"{{"id":"b1","status":"acked","receipt":"{receipt}","endpoint":"https://a.example"}}"#
            )
        );
        assert!(!slim.contains("dissatisfied"));
        assert_eq!(decode(&slim), None, "not a full record");
        assert_eq!(decode_slim(&slim, "b1"), Some(r.slim()));
        assert_eq!(decode_slim(&slim, "b2"), None, "the id is its key's");
        // The kiosk's older slim records read too.
        assert_eq!(
            decode_slim(r#"{"id":"b1","status":"acked"}"#, "b1"),
            Some(AckedBallot {
                id: "b1".into(),
                receipt: None,
                endpoint: None
            })
        );
        assert_eq!(decode_slim(r#"{"id":"b1","status":"pending"}"#, "b1"), None);
    }

    #[test]
    fn device_ids_are_canonical_v4_uuids() {
        assert!(is_device_id("3b0e4a5c-2f71-4d8e-8d6a-52f0c1e9a7b4"));
        assert!(is_device_id(&crate::cast::new_uuid()));
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

    #[test]
    fn keys_have_the_documented_shape() {
        assert_eq!(ballot_key("s1", "b1"), "pingyi/v1/s1/ballot/b1");
        assert!(ballot_key("s1", "b1").starts_with(&survey_prefix("s1")));
        assert!(!ballot_key("s10", "b1").starts_with(&survey_prefix("s1")));
        assert!(!outbox_key("s1").starts_with(&survey_prefix("s1")));
        assert!(!survey_key("s1").starts_with(&survey_prefix("s1")));
    }
}

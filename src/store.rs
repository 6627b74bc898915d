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
//! - `pingyi/v1/{survey_id}/kiosk`: a kiosk's own record (core's `kiosk::KioskRecord`), read and
//!   written whole by kiosk mode ([`Store::kiosk_record`]).
//!
//! The key scheme and the record codec are core's (`pingyi_core::record`), shared with the kiosk and
//! the console; `localStorage` itself is the browser layer's (`pingyi_browser::Storage`), whose
//! typed [`StoreError`] the views explain to the resident.

use pingyi_browser::Storage;
use pingyi_core::record::{self, decode_full, encode, encode_acked, PREFIX};
use pingyi_core::Ballot;
use serde::{Deserialize, Serialize};

pub use pingyi_browser::StorageError as StoreError;
pub use pingyi_core::record::{
    ballot_key, is_device_id, kiosk_key, outbox_key, survey_key, survey_prefix, AckedBallot,
    Loaded, Refusal, Status, StoredBallot,
};

/// Size of the start-up probe write: room for a few ballots.
const PROBE_BYTES: usize = 4096;

/// How a ballot is kept once a collector acknowledges it; decided when it is cast.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    /// Personal mode: keep the receipt (and `endpoint`) for "您已投过票".
    pub personal: bool,
    /// The collector this ballot is cast for (`None`: local-only).
    pub endpoint: Option<String>,
}

/// The outbox's memo for one survey, kept small and separate from the ballots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxMemo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_ms: Option<i64>,
}

/// A handle on the page's `localStorage`.
pub struct Store {
    storage: Storage,
}

impl Store {
    /// Opens `localStorage`. Some browsers throw a `SecurityError` here when storage is off.
    pub fn open() -> Result<Store, StoreError> {
        Ok(Store {
            storage: Storage::open()?,
        })
    }

    /// Opens storage and proves that a write and a delete both work, so the resident is told
    /// before voting rather than after. The probe is the size of a few ballots, so that a
    /// nearly full storage is reported now too.
    pub fn open_and_probe() -> Result<Store, StoreError> {
        let store = Store::open()?;
        let key = record::PROBE_KEY;
        store.storage.set(key, &"0".repeat(PROBE_BYTES))?;
        store.storage.remove(key)?;
        Ok(store)
    }

    /// This device's id, made and stored on first use. A stored value the widget did not make
    /// (not a canonical v4 UUID, e.g. a host page's user id) is replaced by a fresh one.
    pub fn device_id(&self) -> Result<String, StoreError> {
        let key = record::DEVICE_KEY;
        if let Ok(Some(id)) = self.storage.get(key) {
            if is_device_id(&id) {
                return Ok(id);
            }
        }
        let id = crate::cast::new_uuid().map_err(|e| StoreError::Unavailable(e.0))?;
        self.storage.set(key, &id)?;
        Ok(id)
    }

    /// The resident's large-text choice on this device, if they ever made one.
    pub fn elder_choice(&self) -> Option<bool> {
        match self.storage.get(&format!("{PREFIX}elder")) {
            Ok(Some(v)) => Some(v == "1"),
            _ => None,
        }
    }

    /// Remembers the resident's large-text choice for every widget on this device.
    pub fn set_elder_choice(&self, on: bool) -> Result<(), StoreError> {
        self.storage
            .set(&format!("{PREFIX}elder"), if on { "1" } else { "0" })
    }

    /// Keeps the survey's JSON for the organiser console, writing only when it changed.
    pub fn put_survey(&self, survey_id: &str, json: &str) -> Result<(), StoreError> {
        let key = survey_key(survey_id);
        if self.storage.get(&key).ok().flatten().as_deref() == Some(json) {
            return Ok(());
        }
        self.storage.set(&key, json)
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
        self.storage.set(&key, &encode(record))
    }

    /// One stored ballot, if it is there and readable.
    pub fn get(
        &self,
        survey_id: &str,
        ballot_id: &str,
    ) -> Result<Option<StoredBallot>, StoreError> {
        let text = self.storage.get(&ballot_key(survey_id, ballot_id))?;
        Ok(text.and_then(|t| decode_full(&crate::net::parse_json(&t).ok()?)))
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
            .set(&ballot_key(survey_id, &acked.id), &encode_acked(acked))
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
            .get(&outbox_key(survey_id))
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
        self.storage.set(&outbox_key(survey_id), &json)
    }

    /// How many ballot records of `survey_id` this device holds (pending, acknowledged, refused,
    /// or unreadable): a kiosk's "本机已投 N 票".
    pub fn count_ballots(&self, survey_id: &str) -> Result<usize, StoreError> {
        Ok(self
            .storage
            .keys_with_prefix(&survey_prefix(survey_id))?
            .len())
    }

    /// The kiosk record of `survey_id` as stored (JSON text), if any.
    pub fn kiosk_record(&self, survey_id: &str) -> Option<String> {
        self.storage.get(&kiosk_key(survey_id)).ok().flatten()
    }

    /// Writes the kiosk record of `survey_id` (JSON text).
    pub fn put_kiosk_record(&self, survey_id: &str, json: &str) -> Result<(), StoreError> {
        self.storage.set(&kiosk_key(survey_id), json)
    }

    /// Forgets the kiosk record of `survey_id`. Stored ballots stay.
    pub fn remove_kiosk_record(&self, survey_id: &str) -> Result<(), StoreError> {
        self.storage.remove(&kiosk_key(survey_id))
    }

    /// Every stored ballot of one survey, read with core's record codec: full records in cast
    /// order (then by id), slim acknowledged ones, and the keys that could not be read.
    pub fn load_ballots(&self, survey_id: &str) -> Result<Loaded, StoreError> {
        let keys = self.storage.keys_with_prefix(&survey_prefix(survey_id))?;
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            let text = self.storage.get(&key)?.unwrap_or_default();
            entries.push((key, crate::net::parse_json(&text).ok()));
        }
        Ok(record::load(survey_id, entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Plain `#[test]`s are not run for wasm32; these run under wasm-bindgen-test (node).
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_widgets_own_uuids_are_device_ids() {
        // The shape itself is core's `record::is_device_id`, tested there.
        assert!(is_device_id(&crate::cast::new_uuid().unwrap()));
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

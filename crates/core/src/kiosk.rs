//! A kiosk's own record (信息亭: one shared tablet at a meeting) and the decisions about it that
//! need no browser: the organiser PIN and how wrong attempts are throttled, the local check of a
//! typed ballot code against the survey's code hints, and the record's JSON.
//!
//! The record is stored on the tablet under [`crate::record::kiosk_key`]. It holds the PIN only as
//! a salted SHA-256 hash, the survey's code hints (never code hashes, which cast ballots; an older
//! record's hashes become hints when it is read), the code hashes used on this device, and
//! whether voting on this device has ended. The widget's kiosk mode reads and writes it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::ballot::sha256_hex;
use crate::codes::{code_hint, normalise_code, normalised_code_hash, CodeError};

/// Wrong PINs in a row that cost no wait.
pub const PIN_FREE_ATTEMPTS: u32 = 5;
/// The wait after the first wrong PIN past [`PIN_FREE_ATTEMPTS`]; it doubles with each further one.
pub const PIN_FIRST_WAIT_SECONDS: u64 = 30;
/// The longest wait.
pub const PIN_MAX_WAIT_SECONDS: u64 = 3600;

/// The wait after `failures` wrong PINs in a row: none up to [`PIN_FREE_ATTEMPTS`], then 30 s,
/// 60 s, 120 s … up to an hour. With 4 digits, guessing every PIN would take weeks.
pub fn pin_wait_seconds(failures: u32) -> u64 {
    if failures < PIN_FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - PIN_FREE_ATTEMPTS).min(20);
    (PIN_FIRST_WAIT_SECONDS << doublings).min(PIN_MAX_WAIT_SECONDS)
}

/// SHA-256 of the salted PIN (lowercase hex).
pub fn pin_hash(salt: &str, pin: &str) -> String {
    sha256_hex(&format!("pingyi-kiosk-pin/1\n{salt}\n{pin}"))
}

/// Whether `pin` is an acceptable organiser PIN: 4 to 8 digits.
pub fn pin_valid(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// What one attempt at the PIN pad gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinAttempt {
    Right,
    /// Wrong, and the next attempt may follow at once.
    Wrong,
    /// Wrong (or not compared): the pad takes the next attempt after `seconds`.
    Locked {
        seconds: u64,
    },
}

/// The kiosk's own settings and memory for one survey.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KioskRecord {
    pub salt: String,
    pub pin_hash: String,
    /// Wrong PINs in a row.
    pub pin_failures: u32,
    /// Until when (milliseconds since 1970) the PIN pad refuses every attempt; 0 when it does not.
    pub pin_locked_until: u64,
    /// Code hints of the survey (empty: not loaded; codes are then only checked for their form
    /// and against this device's used set). A typed code whose hint is not here is a typo; one
    /// whose hint is may still be wrong: the collector decides when the ballot arrives.
    pub hints: BTreeSet<String>,
    /// Code hashes used on this device (or reported used by the collector when loaded).
    pub used: BTreeSet<String>,
    /// "结束本机投票": this device accepts no more ballots.
    pub ended: bool,
}

/// The strings of a JSON array (anything else: none).
pub fn string_set(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn json_set(set: &BTreeSet<String>) -> String {
    let mut s = String::from("[");
    for (i, item) in set.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&json_string(item));
    }
    s.push(']');
    s
}

impl KioskRecord {
    /// A new record with this PIN, salted with `salt` (it need only be unique).
    pub fn new(salt: String, pin: &str) -> KioskRecord {
        let pin_hash = pin_hash(&salt, pin);
        KioskRecord {
            salt,
            pin_hash,
            ..KioskRecord::default()
        }
    }

    /// Whether `pin` is the organiser's PIN.
    pub fn pin_ok(&self, pin: &str) -> bool {
        !self.pin_hash.is_empty() && pin_hash(&self.salt, pin) == self.pin_hash
    }

    /// Checks a typed code locally: `Ok(hash)` for the ballot, or why not. Its form and this
    /// device's used set are always checked, and its hint when hints are loaded. `Ok` is no proof:
    /// the collector decides. Only codes that normalise are hashed (no Unicode case tables).
    pub fn check(&self, survey_id: &str, typed: &str) -> Result<String, CodeError> {
        let Some(code) = normalise_code(typed) else {
            return Err(CodeError::Unknown);
        };
        let h = normalised_code_hash(survey_id, &code);
        if !self.hints.is_empty() && !self.hints.contains(&code_hint(&h)) {
            Err(CodeError::Unknown)
        } else if self.used.contains(&h) {
            Err(CodeError::Used)
        } else {
            Ok(h)
        }
    }

    /// Seconds the PIN pad still refuses attempts at `now_ms` (0: it takes one).
    pub fn pin_wait(&self, now_ms: f64) -> u64 {
        let now = now_ms.max(0.0) as u64;
        self.pin_locked_until.saturating_sub(now).div_ceil(1000)
    }

    /// One attempt at the PIN pad at `now_ms`. While locked the PIN is not even compared. A wrong
    /// PIN counts and may lock the pad; a right one clears the count. Store the record after.
    pub fn try_pin(&mut self, pin: &str, now_ms: f64) -> PinAttempt {
        let wait = self.pin_wait(now_ms);
        if wait > 0 {
            return PinAttempt::Locked { seconds: wait };
        }
        if self.pin_ok(pin) {
            self.pin_failures = 0;
            self.pin_locked_until = 0;
            return PinAttempt::Right;
        }
        self.pin_failures = self.pin_failures.saturating_add(1);
        let wait = pin_wait_seconds(self.pin_failures);
        if wait > 0 {
            self.pin_locked_until = (now_ms.max(0.0) as u64).saturating_add(wait * 1000);
            PinAttempt::Locked { seconds: wait }
        } else {
            PinAttempt::Wrong
        }
    }

    /// The record as stored (JSON).
    pub fn encode(&self) -> String {
        format!(
            "{{\"salt\":{},\"pin_hash\":{},\"pin_failures\":{},\"pin_locked_until\":{},\"hints\":{},\"used\":{},\"ended\":{}}}",
            json_string(&self.salt),
            json_string(&self.pin_hash),
            self.pin_failures,
            self.pin_locked_until,
            json_set(&self.hints),
            json_set(&self.used),
            self.ended
        )
    }

    /// Reads a stored record. The second value is `true` when it came from an older kiosk that
    /// stored the code hashes themselves: they are returned as hints here, and the record should
    /// be written again so that the hashes leave the device.
    pub fn decode(v: &Value) -> Option<(KioskRecord, bool)> {
        let m = v.as_object()?;
        let mut record = KioskRecord {
            salt: m.get("salt")?.as_str()?.to_string(),
            pin_hash: m.get("pin_hash")?.as_str()?.to_string(),
            pin_failures: m
                .get("pin_failures")
                .and_then(Value::as_u64)
                .map_or(0, |n| n.min(u64::from(u32::MAX)) as u32),
            pin_locked_until: m
                .get("pin_locked_until")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            hints: string_set(m.get("hints")),
            used: string_set(m.get("used")),
            ended: m.get("ended").and_then(Value::as_bool).unwrap_or(false),
        };
        let hashes = string_set(m.get("hashes"));
        record.hints.extend(hashes.iter().map(|h| code_hint(h)));
        Some((record, !hashes.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::code_hash;

    #[test]
    fn wrong_pins_wait_longer_each_time_and_a_right_one_clears_the_count() {
        assert_eq!(
            (1..=9).map(pin_wait_seconds).collect::<Vec<_>>(),
            vec![0, 0, 0, 0, 30, 60, 120, 240, 480]
        );
        assert_eq!(pin_wait_seconds(100), PIN_MAX_WAIT_SECONDS);
        let mut rec = KioskRecord::new("salt".into(), "2468");
        let t0 = 1_800_000_000_000.0;
        for _ in 0..4 {
            assert_eq!(rec.try_pin("1111", t0), PinAttempt::Wrong);
        }
        assert_eq!(rec.try_pin("1111", t0), PinAttempt::Locked { seconds: 30 });
        assert_eq!(
            rec.try_pin("2468", t0 + 10_000.0),
            PinAttempt::Locked { seconds: 20 }
        );
        assert_eq!(rec.try_pin("2468", t0 + 30_000.0), PinAttempt::Right);
        assert_eq!((rec.pin_failures, rec.pin_locked_until), (0, 0));
    }

    #[test]
    fn pins_are_four_to_eight_digits_and_kept_only_hashed() {
        assert!(pin_valid("1234") && pin_valid("12345678"));
        assert!(!pin_valid("123") && !pin_valid("123456789") && !pin_valid("12a4"));
        let rec = KioskRecord::new("s".into(), "97531");
        assert!(rec.pin_ok("97531") && !rec.pin_ok("97532"));
        assert!(!rec.encode().contains("97531"));
        assert!(!KioskRecord::default().pin_ok(""));
    }

    #[test]
    fn typed_codes_are_checked_against_hints_and_the_used_set() {
        let sid = "s1";
        let mut rec = KioskRecord::new("s".into(), "1234");
        rec.hints = BTreeSet::from([code_hint(&code_hash(sid, "7K3M-Q9XZ"))]);
        let ok = rec.check(sid, "7k3m q9xz").unwrap();
        assert_eq!(ok, code_hash(sid, "7K3M-Q9XZ"));
        assert_eq!(rec.check(sid, "7K3M-Q9XY"), Err(CodeError::Unknown));
        assert_eq!(rec.check(sid, "十二"), Err(CodeError::Unknown));
        rec.used.insert(ok);
        assert_eq!(rec.check(sid, "7K3M-Q9XZ"), Err(CodeError::Used));
    }

    #[test]
    fn records_read_back_and_old_hashes_become_hints() {
        let mut rec = KioskRecord::new("s\"alt".into(), "1234");
        rec.hints.insert("ab12".into());
        rec.used.insert("f".repeat(64));
        rec.pin_failures = 6;
        rec.pin_locked_until = 1_800_000_060_000;
        rec.ended = true;
        let v: Value = serde_json::from_str(&rec.encode()).unwrap();
        assert_eq!(KioskRecord::decode(&v), Some((rec.clone(), false)));

        let h = code_hash("s1", "ABCD-EFGH");
        let old = serde_json::json!({"salt": "x", "pin_hash": "y", "hashes": [h]});
        let (read, rewrite) = KioskRecord::decode(&old).unwrap();
        assert!(rewrite);
        assert_eq!(read.hints, BTreeSet::from([code_hint(&h)]));
        assert!(!read.encode().contains(&h));
        assert_eq!(KioskRecord::decode(&serde_json::json!({"salt": "x"})), None);
    }
}

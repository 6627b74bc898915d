//! Kiosk mode (信息亭模式): one shared tablet passed from voter to voter at a 村湾夜话.
//!
//! Built only with the cargo feature `kiosk` (page `kiosk.html`, served from `kiosk/`), so
//! residents' phones never download it. This file holds the kiosk's state and rules; the screens
//! are in `views/kiosk.rs`.
//!
//! Storage (besides the widget's ballot keys, see [`crate::store`]):
//! - `pingyi/v1/{survey_id}/kiosk`: [`KioskRecord`] as JSON: the organiser PIN as a salted SHA-256
//!   hash with its wrong-attempt count and lock time, the survey's code hints (if loaded; core
//!   `codes::code_hint`: they catch typos but cast no ballot, unlike the code hashes a kiosk held
//!   before, which are turned into hints and dropped when such a record is loaded), the hashes
//!   this device used, and whether voting on this device has been ended. The admin token used to
//!   load the hints is never stored.
//!
//! The organiser PIN has 4 to 8 digits, so wrong attempts are throttled ([`pin_wait_seconds`]):
//! after [`PIN_FREE_ATTEMPTS`] wrong ones, the pad waits [`PIN_FIRST_WAIT_SECONDS`], doubling with
//! each further wrong one. The count and the lock time are in the stored record, so reloading the
//! page does not reset them; a right PIN does.
//!
//! After the collector acknowledges a ballot the kiosk rewrites its record to `{id, status}`
//! ([`strip_acked`]): no answers stay on the tablet once they are safe at the collector. Until
//! then the full ballot stays stored, so a vote is never lost.

use std::collections::BTreeSet;

use pingyi_core::codes::{code_hash, code_hint, normalise_code, CodeError};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;

use crate::store::survey_prefix;

/// The key of the kiosk record of one survey.
pub fn kiosk_key(survey_id: &str) -> String {
    format!("pingyi/v1/{survey_id}/kiosk")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
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

fn set_of(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

impl KioskRecord {
    /// A new record with this PIN (salted with a fresh random salt; a salt need only be unique,
    /// so a browser without `crypto`, which casts no ballot anyway, salts with the clock).
    pub fn with_pin(pin: &str) -> KioskRecord {
        // Whole milliseconds: formatting an `f64` would link Rust's float printing (about 5 KB gz).
        let salt =
            crate::cast::new_uuid().unwrap_or_else(|_| (js_sys::Date::now() as u64).to_string());
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

    /// The stored record of `survey_id`, if the kiosk has been set up.
    pub fn load(survey_id: &str) -> Option<KioskRecord> {
        let text = storage()?.get_item(&kiosk_key(survey_id)).ok()??;
        let v = crate::net::parse_json(&text).ok()?;
        let m = v.as_object()?;
        Some(
            KioskRecord {
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
                hints: set_of(m.get("hints")),
                used: set_of(m.get("used")),
                ended: m.get("ended").and_then(Value::as_bool).unwrap_or(false),
            }
            .without_hashes(survey_id, set_of(m.get("hashes"))),
        )
    }

    /// A record stored by an older kiosk holds the code hashes themselves, which cast ballots:
    /// they become hints and the record is written again without them.
    fn without_hashes(mut self, survey_id: &str, hashes: BTreeSet<String>) -> KioskRecord {
        if !hashes.is_empty() {
            self.hints.extend(hashes.iter().map(|h| code_hint(h)));
            self.save(survey_id);
        }
        self
    }

    /// Writes the record.
    pub fn save(&self, survey_id: &str) -> bool {
        let v = json!({
            "salt": self.salt,
            "pin_hash": self.pin_hash,
            "pin_failures": self.pin_failures,
            "pin_locked_until": self.pin_locked_until,
            "hints": self.hints,
            "used": self.used,
            "ended": self.ended,
        });
        storage()
            .map(|s| s.set_item(&kiosk_key(survey_id), &v.to_string()).is_ok())
            .unwrap_or(false)
    }

    /// Forgets the kiosk setup (PIN, code hints). Stored ballots stay.
    pub fn remove(survey_id: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(&kiosk_key(survey_id));
        }
    }

    /// Checks a typed code locally: `Ok(hash)` for the ballot, or why not. Its form and this
    /// device's used set are always checked, and its hint when hints are loaded. `Ok` is no proof:
    /// the collector decides.
    pub fn check(&self, survey_id: &str, typed: &str) -> Result<String, CodeError> {
        if normalise_code(typed).is_none() {
            return Err(CodeError::Unknown);
        }
        let h = code_hash(survey_id, typed);
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
    /// PIN counts and may lock the pad; a right one clears the count. Save the record after.
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
    pingyi_core::ballot::sha256_hex(&format!("pingyi-kiosk-pin/1\n{salt}\n{pin}"))
}

/// Whether `pin` is an acceptable organiser PIN: 4 to 8 digits.
pub fn pin_valid(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// The number of ballots of `survey_id` stored on this device (pending, acknowledged, stripped or
/// refused): the kiosk's "本机已投 N 票".
pub fn count_ballots(survey_id: &str) -> usize {
    let Some(s) = storage() else { return 0 };
    let prefix = survey_prefix(survey_id);
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(&prefix))
        .count()
}

/// Rewrites every acknowledged ballot of `survey_id` to `{id, status}`: once the collector holds
/// a ballot no answers stay on the tablet. Pending and refused ballots keep everything.
/// Returns how many records were stripped.
pub fn strip_acked(survey_id: &str) -> usize {
    let Some(s) = storage() else { return 0 };
    let prefix = survey_prefix(survey_id);
    let n = s.length().unwrap_or(0);
    let keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    let mut stripped = 0;
    for key in keys {
        let Some(text) = s.get_item(&key).ok().flatten() else {
            continue;
        };
        let Ok(v) = crate::net::parse_json(&text) else {
            continue;
        };
        if v.get("status").and_then(Value::as_str) != Some("acked") || v.get("ballot").is_none() {
            continue;
        }
        let id = key[prefix.len()..].to_string();
        let slim = json!({ "id": id, "status": "acked" });
        if s.set_item(&key, &slim.to_string()).is_ok() {
            stripped += 1;
        }
    }
    stripped
}

/// Loads the survey's code hints from the collector with the admin token (used for this one
/// request, never stored): `(hints, used hashes)`.
pub async fn fetch_code_hints(
    endpoint: &str,
    survey_id: &str,
    token: &str,
) -> Result<(BTreeSet<String>, BTreeSet<String>), String> {
    let url = format!(
        "{}/v1/surveys/{survey_id}/codes/hints",
        endpoint.trim_end_matches('/')
    );
    let text = pingyi_browser::fetch::get_text(&url, Some(token))
        .await
        .map_err(|e| e.to_string())?;
    let v = crate::net::parse_json(&text)?;
    Ok((set_of(v.get("hints")), set_of(v.get("used"))))
}

/// Leaves no focus and no text selection behind (between voters).
pub fn clear_focus_and_selection() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(el) = window
        .document()
        .and_then(|d| d.active_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.blur();
    }
    if let Ok(f) = js_sys::Reflect::get(&window, &"getSelection".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            if let Ok(sel) = f.call0(&window) {
                if let Ok(r) = js_sys::Reflect::get(&sel, &"removeAllRanges".into()) {
                    if let Some(r) = r.dyn_ref::<js_sys::Function>() {
                        let _ = r.call0(&sel);
                    }
                }
            }
        }
    }
}

/// Turns autofill off for every input of `root` (`autocomplete="off"`), so a voter is never
/// offered what the previous one typed.
pub fn autocomplete_off(root: &web_sys::Element) {
    if let Ok(nodes) = root.query_selector_all("form, input, textarea, select") {
        for i in 0..nodes.length() {
            if let Some(el) = nodes
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                let _ = el.set_attribute("autocomplete", "off");
            }
        }
    }
}

/// Mounts the kiosk into `el` with `config` (the survey source and collector). Keep the returned
/// handle alive as long as the kiosk should run.
pub fn mount(el: web_sys::HtmlElement, config: crate::embed::Config) -> Box<dyn std::any::Any> {
    use leptos::prelude::*;
    let _ = el.set_attribute("data-pingyi-mounted", "");
    let handle = leptos::mount::mount_to(el, move || {
        view! { <crate::views::kiosk::Kiosk config=config/> }.into_any()
    });
    Box::new(handle)
}

/// Mounts a kiosk in the page's `[data-pingyi-kiosk]` element (the kiosk page's start).
pub fn mount_page() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(Some(el)) = document.query_selector("[data-pingyi-kiosk]:not([data-pingyi-mounted])")
    else {
        return;
    };
    let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() else {
        return;
    };
    let config = crate::embed::Config::from_element(&el);
    std::mem::forget(mount(el, config));
}

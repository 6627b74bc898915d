//! Kiosk mode (信息亭模式): one shared tablet passed from voter to voter at a 村湾夜话.
//!
//! Built only with the cargo feature `kiosk` (page `kiosk.html`, served from `kiosk/`), so
//! residents' phones never download it. This file holds the kiosk's state and rules; the screens
//! are in `views/kiosk.rs`.
//!
//! The kiosk shares the widget's loading ([`crate::app::load_survey`]), storage probe and
//! delivery ([`crate::app::start_voting`]), form and upload status; what is its own is here and
//! in `views/kiosk.rs`: the organiser PIN, the code hints, the per-voter form, the
//! welcome/thanks cycle and the organiser panel.
//!
//! Storage (besides the widget's ballot keys, see [`crate::store`]): `pingyi/v1/{survey_id}/kiosk`
//! holds the [`KioskRecord`] (core's `kiosk` module, which also makes every decision about it: the
//! PIN as a salted SHA-256 hash with its wrong-attempt count and lock time, the survey's code
//! hints, the hashes this device used, and whether voting on this device has ended). The admin
//! token used to load the hints is never stored.
//!
//! Wrong PINs are throttled ([`pin_wait_seconds`]): after [`PIN_FREE_ATTEMPTS`] wrong ones the
//! pad waits [`PIN_FIRST_WAIT_SECONDS`], doubling with each further one. The count and the lock
//! time are in the stored record, so reloading the page does not reset them; a right PIN does.
//!
//! Ballots are cast as on a shared phone, never in personal mode: once the collector
//! acknowledges one, the outbox rewrites its record to `{id, status}` ([`strip_acked`] does the
//! same for ballots acknowledged before), so no answers stay on the tablet once they are safe at
//! the collector. Until then the full ballot stays stored, so a vote is never lost.

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};

use wasm_bindgen::JsCast;

pub use pingyi_core::kiosk::{
    pin_hash, pin_valid, pin_wait_seconds, PinAttempt, PIN_FIRST_WAIT_SECONDS, PIN_FREE_ATTEMPTS,
    PIN_MAX_WAIT_SECONDS,
};
pub use pingyi_core::record::kiosk_key;

use pingyi_core::kiosk::string_set;

use crate::net::{fetch_text_with_token, FetchError};
use crate::store::Store;

/// The kiosk record of one survey (core's [`pingyi_core::kiosk::KioskRecord`], whose fields and
/// checks it derefs to), read from and written to this device's storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KioskRecord(pub pingyi_core::kiosk::KioskRecord);

impl Deref for KioskRecord {
    type Target = pingyi_core::kiosk::KioskRecord;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for KioskRecord {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl KioskRecord {
    /// A new record with this PIN (salted with a fresh random salt; a salt need only be unique,
    /// so a browser without `crypto`, which casts no ballot anyway, salts with the clock).
    pub fn with_pin(pin: &str) -> KioskRecord {
        // Whole milliseconds: formatting an `f64` would link Rust's float printing (about 5 KB gz).
        let salt =
            crate::cast::new_uuid().unwrap_or_else(|_| (js_sys::Date::now() as u64).to_string());
        KioskRecord(pingyi_core::kiosk::KioskRecord::new(salt, pin))
    }

    /// The stored record of `survey_id`, if the kiosk has been set up. A record of an older kiosk
    /// that held code hashes is written again with hints only.
    pub fn load(survey_id: &str) -> Option<KioskRecord> {
        let text = Store::open().ok()?.kiosk_record(survey_id)?;
        let v = crate::net::parse_json(&text).ok()?;
        let (record, rewrite) = pingyi_core::kiosk::KioskRecord::decode(&v)?;
        let record = KioskRecord(record);
        if rewrite {
            record.save(survey_id);
        }
        Some(record)
    }

    /// Writes the record.
    pub fn save(&self, survey_id: &str) -> bool {
        Store::open()
            .and_then(|s| s.put_kiosk_record(survey_id, &self.encode()))
            .is_ok()
    }

    /// Forgets the kiosk setup (PIN, code hints). Stored ballots stay.
    pub fn remove(survey_id: &str) {
        if let Ok(s) = Store::open() {
            let _ = s.remove_kiosk_record(survey_id);
        }
    }
}

/// The number of ballots of `survey_id` stored on this device (pending, acknowledged, stripped or
/// refused): the kiosk's "本机已投 N 票".
pub fn count_ballots(survey_id: &str) -> usize {
    Store::open()
        .and_then(|s| s.count_ballots(survey_id))
        .unwrap_or(0)
}

/// Rewrites every acknowledged ballot of `survey_id` still stored in full to `{id, status}`
/// ([`Store::slim_acked`]). Pending and refused ballots keep everything. Returns how many records
/// were stripped.
pub fn strip_acked(survey_id: &str) -> usize {
    Store::open()
        .and_then(|s| s.slim_acked(survey_id, false))
        .unwrap_or(0)
}

/// Loads the survey's code hints from the collector with the admin token (used for this one
/// request, never stored): `(hints, used hashes)`. Fetched as the widget fetches its survey.
pub async fn fetch_code_hints(
    endpoint: &str,
    survey_id: &str,
    token: &str,
) -> Result<(BTreeSet<String>, BTreeSet<String>), FetchError> {
    let url = format!(
        "{}/v1/surveys/{survey_id}/codes/hints",
        endpoint.trim_end_matches('/')
    );
    let text = fetch_text_with_token(&url, token).await?;
    let v = crate::net::parse_json(&text).map_err(FetchError::Network)?;
    Ok((string_set(v.get("hints")), string_set(v.get("used"))))
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

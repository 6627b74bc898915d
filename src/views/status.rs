//! The upload status line under the form: "12 张选票待上传" / "全部已上传" / "仅保存在本机", the time
//! of the last success, an "立即上传" button, the last failure, and the ballots the collector
//! refused with their reasons. It only shows the outbox's [`Snapshot`]; it decides nothing.
//!
//! Test hooks: `outbox-pending` (with `data-count`), `outbox-upload-now`, `outbox-last-success`,
//! `outbox-error`, `outbox-refused`, `outbox-local`.

use leptos::prelude::*;
use pingyi_core::protocol::BallotStatus;

use super::CollectAny;
use super::{flag, on_click};
use crate::i18n::{last_success, pending_count, refused_count, Key, Lang, OutboxKey};
use crate::outbox::{Outbox, RefusedBallot};

/// "20:15", or "11-27 20:15" when not today (local time).
fn clock(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let today = js_sys::Date::new_0();
    let hm = format!("{:02}:{:02}", d.get_hours(), d.get_minutes());
    if d.to_date_string() == today.to_date_string() {
        hm
    } else {
        format!("{:02}-{:02} {hm}", d.get_month() + 1, d.get_date())
    }
}

/// The reasons of one refusal in the active language: core's problems, or the conflict.
fn reasons(r: &RefusedBallot, l: Lang) -> String {
    let conflict =
        (r.status == BallotStatus::Conflict).then(|| OutboxKey::Conflict.t(l).to_string());
    let mut text = String::new();
    // Not `join` with a separator chosen at run time: that links a larger general join.
    for (i, reason) in conflict
        .into_iter()
        .chain(r.problems.iter().map(|p| l.problem(p)))
        .enumerate()
    {
        if i > 0 {
            text.push_str(l.t(Key::ListSeparator));
        }
        text.push_str(&reason);
    }
    text
}

/// The status block of one widget.
#[component]
pub fn OutboxStatus(outbox: Outbox, lang: RwSignal<Lang>) -> impl IntoView {
    let snap = outbox.snapshot;
    view! {
        <div class="py-outbox" aria-live="polite" data-testid="outbox">
            {move || {
                let l = lang.get();
                let s = snap.get();
                if !s.remote {
                    return view! {
                        <p class="py-help" data-testid="outbox-local">{OutboxKey::LocalOnly.t(l)}</p>
                    }.into_any();
                }
                let pending_text = if s.pending == 0 {
                    OutboxKey::AllUploaded.t(l).to_string()
                } else {
                    pending_count(l, s.pending)
                };
                let refused = s.refused;
                view! {
                    <p class="py-status" data-testid="outbox-pending" data-count=s.pending.to_string()>
                        {pending_text}
                    </p>
                    {s.last_success_ms.map(|ms| view! {
                        <p class="py-help" data-testid="outbox-last-success">{last_success(l, &clock(ms))}</p>
                    })}
                    // In words first; the technical detail after it is for the organiser.
                    {s.last_error.map(|f| view! {
                        <p class="py-warning" data-testid="outbox-error">
                            <span aria-hidden="true">"⚠ "</span>
                            <strong>{OutboxKey::upload_problem(&f).t(l)}</strong>" · "
                            {OutboxKey::next_step(&f).t(l)}" "
                            <small class="py-detail" data-testid="outbox-error-detail">{f.detail()}</small>
                        </p>
                    })}
                    <button type="button" class="py-button py-secondary" data-testid="outbox-upload-now"
                        prop:disabled={let off = s.sending || s.pending == 0; flag(move || off)}
                        on:click={on_click(move |_| outbox.upload_now())}>
                        {OutboxKey::t(if s.sending { OutboxKey::Uploading } else { OutboxKey::UploadNow }, l)}
                    </button>
                    {(!refused.is_empty()).then(|| view! {
                        <div class="py-error" data-testid="outbox-refused">
                            <p><span aria-hidden="true">"⚠ "</span>{refused_count(l, refused.len())}</p>
                            <details>
                                <summary>{OutboxKey::RefusedReasons.t(l)}</summary>
                                <ul class="py-problems">
                                    {refused.iter().map(|r| view! {
                                        <li data-ballot=r.id.clone()>
                                            <code>{r.receipt.clone()}</code>" "
                                            {reasons(r, l)}
                                        </li>
                                    }).collect_any()}
                                </ul>
                            </details>
                        </div>
                    })}
                }.into_any()
            }}
        </div>
    }
}

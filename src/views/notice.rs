//! `notice` questions (公示榜): per item 无异议 / 有异议; choosing 有异议 reveals a required
//! reason textarea with a character counter.

use leptos::prelude::*;
use pingyi_core::survey::NoticeQuestion;
use pingyi_core::{Answer, NoticeResponse};

use super::on_event;
use super::words;
use super::CollectAny;
use super::{flag, radio, tr, txt, Field};
use crate::i18n::{char_count, Key};

type Responses = pingyi_core::IdMap<NoticeResponse>;

fn responses(f: &Field, tracked: bool) -> Responses {
    let a = if tracked { f.get() } else { f.get_untracked() };
    match a {
        Some(Answer::Responses { responses }) => responses,
        _ => Responses::new(),
    }
}

/// The view of a notice question.
pub fn notice_view(q: NoticeQuestion, field: Field) -> impl IntoView {
    let lang = field.lang;
    let max = q.reason_max_len;
    q.items
        .iter()
        .map(|item| {
            let iid = item.id.clone();
            let label = item.label.clone();
            let detail = item.detail.clone();
            let current = {
                let f = field.clone();
                let iid = iid.clone();
                move || responses(&f, true).get(&iid).map(|r| r.objection)
            };
            let update = {
                let f = field.clone();
                let iid = iid.clone();
                move |change: &dyn Fn(&mut NoticeResponse)| {
                    let mut all = responses(&f, false);
                    let r = all.get_or_insert_with(&iid, || NoticeResponse { objection: false, reason: None });
                    change(r);
                    f.set(Some(Answer::Responses { responses: all }));
                }
            };
            let group = field.el_id(&[&iid]);
            let choice = |objection: bool, key: Key, value: &str| {
                let current = current.clone();
                let update = update.clone();
                radio(
                    group.clone(),
                    format!("{group}-{value}"),
                    value.to_string(),
                    "py-opt",
                    tr(lang, key),
                    flag(move || current() == Some(objection)),
                    Box::new(move || {
                        update(&|r: &mut NoticeResponse| {
                            r.objection = objection;
                            if !objection {
                                r.reason = None;
                            }
                        })
                    }),
                )
            };
            let no = choice(false, Key::NoObjection, "no_objection");
            let yes = choice(true, Key::Objection, "objection");
            let reason_id = field.el_id(&[&iid, "reason"]);
            let initial_reason = {
                let f = field.clone();
                let iid = iid.clone();
                move || responses(&f, false).get(&iid).and_then(|r| r.reason.clone()).unwrap_or_default()
            };
            let used = {
                let f = field.clone();
                let iid = iid.clone();
                move || {
                    responses(&f, true).get(&iid).and_then(|r| r.reason.as_ref().map(|s| s.chars().count())).unwrap_or(0)
                }
            };
            let objecting = {
                let current = current.clone();
                move || current() == Some(true)
            };
            let reason = move || {
                let update = update.clone();
                let used = used.clone();
                let initial = initial_reason();
                view! {
                    <div class="py-reason">
                        <label for=reason_id.clone()>{tr(lang, Key::ObjectionReason)}</label>
                        <textarea class="py-textarea" id=reason_id.clone() rows="3" required=true
                            maxlength=max.to_string() prop:value=initial
                            on:input={on_event(move |ev| {
                                let v = event_target_value(&ev);
                                update(&|r: &mut NoticeResponse| {
                                    r.reason = if v.trim().is_empty() { None } else { Some(v.clone()) };
                                });
                            })}></textarea>
                        <p class="py-counter">{words(move || char_count(lang.get(), used(), max))}</p>
                    </div>
                }
            };
            view! {
                <fieldset class="py-subject" data-item=iid.clone()>
                    <legend class="py-subject-title">{txt(lang, label.clone())}</legend>
                    {detail.map(|d| view! { <p class="py-help">{txt(lang, d.clone())}</p> })}
                    <div class="py-options py-options-row" role="radiogroup">{no}{yes}</div>
                    <Show when=objecting>{reason.clone()}</Show>
                </fieldset>
            }
        })
        .collect_any()
}

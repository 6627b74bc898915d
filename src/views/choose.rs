//! `choose` questions: checkboxes with an "已选 2/3" counter; once `max` are chosen the others
//! are disabled until one is unticked.

use leptos::prelude::*;
use pingyi_core::survey::ChooseQuestion;
use pingyi_core::Answer;

use super::on_event;
use super::CollectAny;
use super::{flag, txt, Field};
use crate::i18n::{choose_range, chosen_count};

/// The view of a choose question. The chosen ids are kept in survey order.
pub fn choose_view(q: ChooseQuestion, field: Field) -> impl IntoView {
    let lang = field.lang;
    let (min, max) = (q.min, q.max);
    let chosen = {
        let f = field.clone();
        move || match f.get() {
            Some(Answer::Chosen { chosen }) => chosen,
            _ => Vec::new(),
        }
    };
    let order: Vec<String> = q.options.iter().map(|o| o.id.clone()).collect();
    let boxes = q
        .options
        .iter()
        .map(|o| {
            let value = o.id.clone();
            let label = o.label.clone();
            let detail = o.detail.clone();
            let id = field.el_id(&[&value]);
            let is_checked = flag({
                let chosen = chosen.clone();
                let value = value.clone();
                move || chosen().contains(&value)
            });
            let disabled = flag({
                let chosen = chosen.clone();
                let value = value.clone();
                move || {
                    let c = chosen();
                    !c.contains(&value) && c.len() as u32 >= max
                }
            });
            let toggle = {
                let f = field.clone();
                let value = value.clone();
                let order = order.clone();
                move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    let mut c = match f.get_untracked() {
                        Some(Answer::Chosen { chosen }) => chosen,
                        _ => Vec::new(),
                    };
                    c.retain(|x| x != &value);
                    if on {
                        c.push(value.clone());
                    }
                    // Survey order (ids not among the options first), without a sort: a
                    // monomorphised `sort_by_key` costs kilobytes of wasm.
                    let mut sorted: Vec<String> = c.iter().filter(|x| !order.contains(x)).cloned().collect();
                    for o in &order {
                        sorted.extend(c.iter().filter(|x| *x == o).cloned());
                    }
                    let c = sorted;
                    f.set(if c.is_empty() { None } else { Some(Answer::Chosen { chosen: c }) });
                }
            };
            let (label_disabled, label_for) = (disabled, id.clone());
            view! {
                <label class="py-opt py-check" class:py-opt-disabled=label_disabled for=label_for>
                    <input type="checkbox" id=id value=value prop:checked=is_checked
                        prop:disabled=disabled on:change={on_event(toggle)}/>
                    <span class="py-opt-label">
                        {txt(lang, label.clone())}
                        {detail.clone().map(|d| view! { <small class="py-opt-detail">{txt(lang, d.clone())}</small> })}
                    </span>
                </label>
            }
        })
        .collect_any();
    let count = {
        let chosen = chosen.clone();
        Signal::derive(move || chosen_count(lang.get(), chosen().len(), max))
    };
    view! {
        <p class="py-hint">{Signal::derive(move || choose_range(lang.get(), min, max))}</p>
        <div class="py-options">{boxes}</div>
        <p class="py-counter" aria-live="polite" data-testid="chosen-count">{count}</p>
    }
}

//! `text` questions: a free suggestion (意见建议) in a textarea with a character counter.

use leptos::prelude::*;
use pingyi_core::survey::TextQuestion;
use pingyi_core::Answer;

use super::on_event;
use super::words;
use super::Field;
use crate::i18n::char_count;

/// The view of a text question. An empty text is no answer.
pub fn text_view(q: TextQuestion, field: Field) -> impl IntoView {
    let lang = field.lang;
    let max = q.max_len;
    let initial = match field.get_untracked() {
        Some(Answer::Text { text }) => text,
        _ => String::new(),
    };
    let used = {
        let f = field.clone();
        move || match f.get() {
            Some(Answer::Text { text }) => text.chars().count(),
            _ => 0,
        }
    };
    let id = field.el_id(&["text"]);
    let counter_id = field.el_id(&["count"]);
    let f = field.clone();
    view! {
        <textarea class="py-textarea" id=id rows="4" maxlength=max.to_string()
            aria-labelledby=field.el_id(&["title"]) aria-describedby=counter_id.clone() prop:value=initial
            on:input={on_event(move |ev| {
                let v = event_target_value(&ev);
                f.set(if v.trim().is_empty() { None } else { Some(Answer::Text { text: v }) });
            })}></textarea>
        <p class="py-counter" id=counter_id>{words(move || char_count(lang.get(), used(), max))}</p>
    }
}

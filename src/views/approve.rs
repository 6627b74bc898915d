//! `approve` questions: 赞同 / 反对 / 弃权 on a proposal, as large radio buttons.

use leptos::prelude::*;
use pingyi_core::survey::{ApproveQuestion, APPROVE_OPTIONS};
use pingyi_core::Answer;

use super::CollectAny;
use super::{flag, radio, tr, txt, Field};
use crate::i18n::Key;

/// The view of an approval question.
pub fn approve_view(q: ApproveQuestion, field: Field) -> impl IntoView {
    let lang = field.lang;
    let detail = q.detail.clone();
    let buttons = APPROVE_OPTIONS
        .iter()
        .map(|&value| {
            let key = match value {
                "for" => Key::ApproveFor,
                "against" => Key::ApproveAgainst,
                _ => Key::ApproveAbstain,
            };
            let checked = {
                let f = field.clone();
                move || f.choice().as_deref() == Some(value)
            };
            let pick = {
                let f = field.clone();
                Box::new(move || {
                    f.set(Some(Answer::Choice {
                        choice: value.to_string(),
                    }))
                })
            };
            radio(
                field.dom.clone(),
                field.el_id(&[value]),
                value.to_string(),
                "py-opt",
                tr(lang, key),
                flag(checked),
                pick,
            )
        })
        .collect_any();
    view! {
        {detail.map(|d| view! { <p class="py-detail-text">{txt(lang, d.clone())}</p> })}
        <div class="py-options" role="radiogroup">{buttons}</div>
    }
}

//! `scale` questions: one large radio group (满意 / 基本满意 / 不满意 / 不了解), or in matrix form
//! one fieldset per subject, each its own radio group. An option that is not a valid vote
//! (不了解) gets a dashed outline and a written note, never colour alone.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::survey::{ScaleOption, ScaleQuestion};
use pingyi_core::Answer;

use super::CollectAny;
use super::{flag, radio, txt, Field};
use crate::i18n::Key;

/// The current option of a radio group (tracked).
type Current = Arc<dyn Fn() -> Option<String> + Send + Sync>;
/// Sets the option of a radio group.
type Pick = Rc<dyn Fn(String)>;

/// One radio group of options. The closures are trait objects so that the single and the matrix
/// form share one monomorphised render path.
fn options_view(
    field: &Field,
    options: &[ScaleOption],
    group: String,
    current: Current,
    pick: Pick,
) -> AnyView {
    let lang = field.lang;
    options
        .iter()
        .map(|o| {
            let label = o.label.clone();
            let not_valid = o.not_valid;
            let value = o.id.clone();
            let is = {
                let value = value.clone();
                let current = current.clone();
                move || current().as_deref() == Some(value.as_str())
            };
            let on_pick = {
                let value = value.clone();
                let pick = pick.clone();
                Box::new(move || pick(value.clone()))
            };
            let class = if not_valid {
                "py-opt py-opt-notvalid"
            } else {
                "py-opt"
            };
            radio(
                group.clone(),
                format!("{group}-{value}"),
                value,
                class,
                Signal::derive(move || {
                    let l = lang.get();
                    if not_valid {
                        format!("{}{}", l.text(&label), l.t(Key::NotValidMark))
                    } else {
                        l.text(&label)
                    }
                }),
                flag(is),
                on_pick,
            )
        })
        .collect_any()
        .into_any()
}

/// The view of a scale question, single or matrix.
pub fn scale_view(q: ScaleQuestion, field: Field) -> impl IntoView {
    let options = q.effective_options();
    if q.subjects.is_empty() {
        let current: Current = {
            let f = field.clone();
            Arc::new(move || f.choice())
        };
        let pick: Pick = {
            let f = field.clone();
            Rc::new(move |v: String| f.set(Some(Answer::Choice { choice: v })))
        };
        let group = field.dom.clone();
        return view! {
            <div class="py-options" role="radiogroup">
                {options_view(&field, &options, group, current, pick)}
            </div>
        }
        .into_any();
    }
    let lang = field.lang;
    q.subjects
        .iter()
        .map(|subject| {
            let sid = subject.id.clone();
            let label = subject.label.clone();
            let detail = subject.detail.clone();
            let current: Current = {
                let f = field.clone();
                let sid = sid.clone();
                Arc::new(move || match f.get() {
                    Some(Answer::Ratings { ratings }) => ratings.get(&sid).cloned(),
                    _ => None,
                })
            };
            let pick: Pick = {
                let f = field.clone();
                let sid = sid.clone();
                Rc::new(move |v: String| {
                    let mut ratings = match f.get_untracked() {
                        Some(Answer::Ratings { ratings }) => ratings,
                        _ => Default::default(),
                    };
                    ratings.insert(sid.clone(), v);
                    f.set(Some(Answer::Ratings { ratings }));
                })
            };
            let group = field.el_id(&[&sid]);
            view! {
                <fieldset class="py-subject" data-subject=sid.clone()>
                    <legend class="py-subject-title">{txt(lang, label.clone())}</legend>
                    {detail.map(|d| view! { <p class="py-help">{txt(lang, d.clone())}</p> })}
                    <div class="py-options" role="radiogroup">
                        {options_view(&field, &options, group, current, pick)}
                    </div>
                </fieldset>
            }
        })
        .collect_any()
        .into_any()
}

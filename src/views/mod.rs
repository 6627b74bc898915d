//! Views: one file per question kind or screen. Question views read and write one entry of the
//! form's answer map through a [`Field`]; they hold no counting or validation rules.
//!
//! DOM hooks for tests: each question is a `fieldset[data-question=<id>]`; radios and checkboxes
//! carry the option id as `value`; matrix rows, score subjects and notice items are
//! `fieldset[data-subject=<id>]` / `fieldset[data-item=<id>]`; score selects carry
//! `data-criterion`; buttons have `data-testid`s.

use leptos::prelude::*;
use pingyi_core::{Answer, Question, QuestionBody, Text};

use crate::cast::Answers;
use crate::i18n::{Key, Lang};

pub mod approve;
pub mod choose;
pub mod confirm;
#[cfg(feature = "kiosk")]
pub mod kiosk;
pub mod notice;
pub mod scale;
pub mod score;
pub mod speak;
pub mod status;
pub mod survey_form;
pub mod text;
pub mod thanks;

/// One question's slot in the answer map, plus what its view needs to render.
#[derive(Clone)]
pub struct Field {
    /// The question id (the key in the answers).
    pub id: String,
    /// Prefix for element ids and radio group names, unique on the page.
    pub dom: String,
    pub answers: RwSignal<Answers>,
    pub lang: RwSignal<Lang>,
}

impl Field {
    /// The current answer, if any (tracked).
    pub fn get(&self) -> Option<Answer> {
        self.answers.with(|a| a.get(&self.id).cloned())
    }

    /// The current answer without tracking (for event handlers).
    pub fn get_untracked(&self) -> Option<Answer> {
        self.answers.with_untracked(|a| a.get(&self.id).cloned())
    }

    /// Sets or clears the answer.
    pub fn set(&self, answer: Option<Answer>) {
        let id = self.id.clone();
        self.answers.update(|a| match answer {
            Some(v) => {
                a.insert(id, v);
            }
            None => {
                a.remove(&id);
            }
        });
    }

    /// The chosen option of a single-choice answer (tracked).
    pub fn choice(&self) -> Option<String> {
        match self.get() {
            Some(Answer::Choice { choice }) => Some(choice),
            _ => None,
        }
    }

    /// An element id under this question.
    pub fn el_id(&self, parts: &[&str]) -> String {
        let mut s = self.dom.clone();
        for p in parts {
            s.push('-');
            s.push_str(p);
        }
        s
    }
}

/// A fixed string in the current language. Reactive text goes through `Signal<String>` rather
/// than one closure type per use, which keeps the wasm small (one monomorphised renderer).
pub fn tr(lang: RwSignal<Lang>, key: Key) -> Signal<String> {
    Signal::derive(move || lang.get().t(key).to_string())
}

/// Reactive text computed from several signals, as the same `Signal<String>` as [`tr`]: a bare
/// closure child is a render path of its own per closure type.
pub fn words(f: impl Fn() -> String + Send + Sync + 'static) -> Signal<String> {
    Signal::derive(f)
}

/// Survey text in the current language.
pub fn txt(lang: RwSignal<Lang>, text: Text) -> Signal<String> {
    Signal::derive(move || lang.get().text(&text))
}

/// A reactive flag (checked, disabled, shown) as one concrete type.
pub fn flag(f: impl Fn() -> bool + Send + Sync + 'static) -> Signal<bool> {
    Signal::derive(f)
}

/// Lists of views as one type, `Vec<AnyView>`: Leptos' list code (build and rebuild, about 2 KB of
/// wasm) is otherwise monomorphised once per item type. Use `.collect_any()`, not
/// `.collect_any()`.
pub trait CollectAny {
    fn collect_any(self) -> Vec<AnyView>;
}

impl<I, V> CollectAny for I
where
    I: IntoIterator<Item = V>,
    V: IntoAny,
{
    fn collect_any(self) -> Vec<AnyView> {
        self.into_iter().map(IntoAny::into_any).collect()
    }
}

/// A click handler as one type for every button. With `erase_components` each attribute type
/// gets its own copy of Leptos' attribute code (conversion, build, rebuild, clone: several hundred
/// bytes of wasm), and every closure is a type of its own; boxed, all clicks share one copy.
pub fn on_click(
    f: impl FnMut(leptos::ev::MouseEvent) + 'static,
) -> Box<dyn FnMut(leptos::ev::MouseEvent)> {
    Box::new(f)
}

/// An `input` or `change` handler as one type (see [`on_click`]).
pub fn on_event(f: impl FnMut(leptos::ev::Event) + 'static) -> Box<dyn FnMut(leptos::ev::Event)> {
    Box::new(f)
}

/// A form's `submit` handler as one type (see [`on_click`]).
pub fn on_submit(
    f: impl FnMut(leptos::ev::SubmitEvent) + 'static,
) -> Box<dyn FnMut(leptos::ev::SubmitEvent)> {
    Box::new(f)
}

/// A large radio button with its label. `checked` is reactive; `on_pick` runs when chosen.
///
/// `on_pick` is a trait object so that every radio on the page is one view type: a generic
/// parameter here would monomorphise the whole render path once per call site.
pub fn radio(
    name: String,
    id: String,
    value: String,
    class: &'static str,
    label: Signal<String>,
    checked: Signal<bool>,
    on_pick: Box<dyn Fn()>,
) -> impl IntoView {
    let label_for = id.clone();
    view! {
        <label class=class for=label_for>
            <input type="radio" id=id name=name value=value prop:checked=checked
                on:change={on_event(move |_| on_pick())}/>
            <span class="py-opt-label">{label}</span>
        </label>
    }
}

/// The view of one question: legend, help, the kind's inputs and its problems.
pub fn question_view(q: &Question, field: Field, problems: Signal<Vec<String>>) -> impl IntoView {
    let lang = field.lang;
    let title = q.title.clone();
    let help = q.help.clone();
    let required = q.required;
    let body = match &q.body {
        QuestionBody::Scale(s) => scale::scale_view(s.clone(), field.clone()).into_any(),
        QuestionBody::Choose(c) => choose::choose_view(c.clone(), field.clone()).into_any(),
        QuestionBody::Score(s) => score::score_view(s.clone(), field.clone()).into_any(),
        QuestionBody::Notice(n) => notice::notice_view(n.clone(), field.clone()).into_any(),
        QuestionBody::Approve(a) => approve::approve_view(a.clone(), field.clone()).into_any(),
        QuestionBody::Text(t) => text::text_view(t.clone(), field.clone()).into_any(),
    };
    let err_id = field.el_id(&["errors"]);
    let title_id = field.el_id(&["title"]);
    let has_errors = flag(move || problems.with(|p| !p.is_empty()));
    let described_by = err_id.clone();
    view! {
        <fieldset class="py-q" class:py-q-invalid=has_errors data-question=q.id.clone()
            data-kind=q.body.kind() aria-describedby=described_by>
            <legend class="py-q-title" id=title_id>
                {txt(lang, title.clone())}
                <span class="py-q-req">
                    {tr(lang, if required { Key::Required } else { Key::Optional })}
                </span>
            </legend>
            {speak::read_aloud(lang)}
            {help.map(|h| view! { <p class="py-help">{txt(lang, h.clone())}</p> })}
            {body}
            <div class="py-q-errors" id=err_id aria-live="polite" data-testid="question-errors">
                {move || problems.get().into_iter().map(|m| view! {
                    <p class="py-q-error" role="alert"><span aria-hidden="true">"⚠ "</span>{m}</p>
                }).collect_any()}
            </div>
        </fieldset>
    }
}

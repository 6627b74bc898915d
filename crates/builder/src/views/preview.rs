//! The live preview: the draft drawn by the widget's own question views (`pingyi::views`), as a
//! resident sees it, with the widget's styles. Answers stay in this page's memory: nothing is
//! stored, nothing is sent, and the submit button is only shown.

use leptos::prelude::*;
use pingyi::cast::{visible_answers, Answers};
use pingyi::views::{question_view, Field};

use super::Ctx;
use crate::i18n::Key;

/// The preview of the draft, drawn again on every change.
pub fn preview(ctx: Ctx) -> impl IntoView {
    let answers = RwSignal::new(Answers::default());
    let lang = ctx.lang;
    let body = move || {
        let survey = std::sync::Arc::new(ctx.draft.with(|d| d.survey.clone()));
        let l = lang.get();
        let sections = survey
            .sections
            .iter()
            .map(|sec| {
                let questions = sec
                    .questions
                    .iter()
                    .map(|q| {
                        let field = Field {
                            id: q.id.clone(),
                            dom: format!("pv-{}", q.id),
                            answers,
                            lang,
                        };
                        let shown = {
                            let survey = survey.clone();
                            let q = q.clone();
                            move || answers.with(|a| q.is_shown(&visible_answers(&survey, a)))
                        };
                        let q = q.clone();
                        view! { <Show when=shown>{
                            let q = q.clone();
                            let field = field.clone();
                            move || question_view(&q, field.clone(), Signal::derive(Vec::new))
                        }</Show> }
                    })
                    .collect_view();
                view! {
                    <section class="py-section" data-section=sec.id.clone()>
                        <h3 class="py-section-title">{l.text(&sec.title)}</h3>
                        {sec.description.as_ref().map(|d| view! { <p class="py-desc">{l.text(d)}</p> })}
                        {questions}
                    </section>
                }
            })
            .collect_view();
        view! {
            <header class="py-header">
                <h2 class="py-title">{l.text(&survey.title)}</h2>
                {survey.description.as_ref().map(|d| view! { <p class="py-desc">{l.text(d)}</p> })}
            </header>
            <form class="py-form" novalidate=true autocomplete="off" on:submit=|ev| ev.prevent_default()>
                {sections}
                <div class="py-buttons">
                    <button type="button" class="py-button py-primary" disabled=true>
                        {l.t(pingyi::i18n::Key::Submit)}
                    </button>
                </div>
            </form>
        }
    };
    view! {
        <section class="pb-card pb-preview" id="pb-preview" aria-labelledby="pb-preview-h">
            <h2 id="pb-preview-h">{move || ctx.t(Key::PreviewHeading)}</h2>
            <p class="pb-help">{move || ctx.t(Key::PreviewHelp)}</p>
            <div class="pingyi pb-phone" data-testid="preview" lang=move || lang.get().code()>
                {body}
            </div>
        </section>
    }
}

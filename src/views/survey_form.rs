//! The form: one section at a time with "第 2/4 部分" progress and 上一页 / 下一页 / 提交.
//!
//! Each section is checked by core (`validate_ballot` on the answers so far, keeping only the
//! problems of this section's questions) before moving on; once a section has been attempted its
//! messages update live as the resident answers. Questions hidden by `show_if` are not rendered
//! and their answers are dropped when the ballot is built.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::{Ballot, Problem, Survey};

use super::confirm::confirm_view;
use super::words;
use super::CollectAny;
use super::{flag, on_click, on_submit};
use super::{question_view, tr, txt, Field};
use crate::cast::{cast_kept, check, problem_question, visible_answers, Answers, CastError};
use crate::i18n::{section_progress, Key, Lang};
use crate::store::{Keep, StoreError};

/// Indices of the sections that have at least one shown question.
fn visible_sections(survey: &Survey, answers: &Answers) -> Vec<usize> {
    let shown = visible_answers(survey, answers);
    survey
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.questions.iter().any(|q| q.is_shown(&shown)))
        .map(|(i, _)| i)
        .collect()
}

/// core's problems that concern the shown questions of section `index`.
fn section_problems(
    survey: &Survey,
    answers: &Answers,
    device: &str,
    index: usize,
) -> Vec<Problem> {
    let Some(section) = survey.sections.get(index) else {
        return Vec::new();
    };
    let shown = visible_answers(survey, answers);
    let ids: Vec<&str> = section
        .questions
        .iter()
        .filter(|q| q.is_shown(&shown))
        .map(|q| q.id.as_str())
        .collect();
    check(survey, answers, device)
        .into_iter()
        .filter(|p| problem_question(&p.path).is_some_and(|q| ids.contains(&q.as_str())))
        .collect()
}

/// Why a ballot cannot be stored, in words (the form, the widget and the kiosk).
pub fn storage_message(lang: Lang, e: &StoreError) -> &'static str {
    match e {
        StoreError::Full => lang.t(Key::StorageFull),
        StoreError::Unavailable(_) => lang.t(Key::StorageUnavailable),
        StoreError::Other(_) => lang.t(Key::StorageFailed),
    }
}

/// The survey form. `on_cast` receives the ballot once it is stored (for the receipt and the
/// outbox).
#[component]
pub fn SurveyForm(
    survey: Arc<Survey>,
    lang: RwSignal<Lang>,
    answers: RwSignal<Answers>,
    section: RwSignal<usize>,
    device: String,
    prefix: String,
    on_cast: Callback<Ballot>,
    /// The hash of the voter's ballot code, put into the ballot (surveys with codes).
    #[prop(default = None)]
    code_hash: Option<String>,
    /// What stays stored of the ballot once a collector acknowledges it (personal mode keeps
    /// the receipt).
    #[prop(optional)]
    keep: Keep,
) -> impl IntoView {
    let visible = Memo::new({
        let survey = survey.clone();
        move |_| answers.with(|a| visible_sections(&survey, a))
    });
    // Position within the visible sections, clamped.
    let position = Memo::new(move |_| {
        let n = visible.with(|v| v.len());
        section.get().min(n.saturating_sub(1))
    });
    let attempted = RwSignal::new(false);
    let live = Memo::new({
        let survey = survey.clone();
        let device = device.clone();
        move |_| {
            if !attempted.get() {
                return Vec::new();
            }
            let Some(index) = visible.with(|v| v.get(position.get()).copied()) else {
                return Vec::new();
            };
            answers.with(|a| section_problems(&survey, a, &device, index))
        }
    });
    // Problems core reported on submit that no shown question of this section claims.
    let other_problems = RwSignal::new(Vec::<Problem>::new());
    let store_error = RwSignal::new(None::<StoreError>);
    let saving = RwSignal::new(false);
    // 请核对您的选择: shown once the last section is valid; 确认提交 casts.
    let confirming = RwSignal::new(false);
    let form_ref = NodeRef::<leptos::html::Form>::new();

    let go_to = move |pos: usize| {
        attempted.set(false);
        other_problems.set(Vec::new());
        section.set(pos);
        if let Some(form) = form_ref.get_untracked() {
            form.scroll_into_view();
        }
    };
    let next = move |_| {
        attempted.set(true);
        if live.get_untracked().is_empty() {
            go_to(position.get_untracked() + 1);
        }
    };
    let prev = move |_| go_to(position.get_untracked().saturating_sub(1));
    let submit = {
        let survey = survey.clone();
        let device = device.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if saving.get_untracked() {
                return;
            }
            attempted.set(true);
            store_error.set(None);
            other_problems.set(Vec::new());
            if !live.get_untracked().is_empty() {
                return;
            }
            if !confirming.get_untracked() {
                confirming.set(true);
                return;
            }
            saving.set(true);
            let result = answers
                .with_untracked(|a| cast_kept(&survey, a, &device, code_hash.clone(), &keep));
            saving.set(false);
            match result {
                Ok(ballot) => on_cast.run(ballot),
                Err(CastError::Invalid(problems)) => {
                    confirming.set(false);
                    other_problems.set(problems)
                }
                Err(CastError::Store(e)) => store_error.set(Some(e)),
            }
        }
    };

    let section_view = {
        let survey = survey.clone();
        move || {
            let Some(index) = visible.with(|v| v.get(position.get()).copied()) else {
                return ().into_any();
            };
            let sec = &survey.sections[index];
            let title = sec.title.clone();
            let description = sec.description.clone();
            let questions = sec
                .questions
                .iter()
                .map(|q| {
                    let field = Field {
                        id: q.id.clone(),
                        dom: format!("{prefix}-{}", q.id),
                        answers,
                        lang,
                    };
                    let qid = q.id.clone();
                    let problems = Signal::derive(move || {
                        let l = lang.get();
                        live.with(|ps| {
                            ps.iter()
                                .filter(|p| {
                                    problem_question(&p.path).as_deref() == Some(qid.as_str())
                                })
                                .map(|p| l.problem(p))
                                .collect::<Vec<_>>()
                        })
                    });
                    let shown = {
                        let survey = survey.clone();
                        let q = q.clone();
                        move || answers.with(|a| q.is_shown(&visible_answers(&survey, a)))
                    };
                    let q = q.clone();
                    view! { <Show when=shown>{
                        let q = q.clone();
                        let field = field.clone();
                        move || question_view(&q, field.clone(), problems)
                    }</Show> }
                })
                .collect_any();
            view! {
                <section class="py-section" data-section=sec.id.clone()>
                    <h3 class="py-section-title">{txt(lang, title.clone())}</h3>
                    {description.map(|d| view! { <p class="py-desc">{txt(lang, d.clone())}</p> })}
                    {questions}
                </section>
            }
            .into_any()
        }
    };

    let total = move || visible.with(|v| v.len());
    let is_last = move || position.get() + 1 >= total();
    let has_problems =
        move || !live.with(|p| p.is_empty()) || !other_problems.with(|p| p.is_empty());

    view! {
        <form class="py-form" novalidate=true autocomplete="off" node_ref=form_ref on:submit={on_submit(submit)} data-testid="survey-form">
            <div class:py-off=flag(move || confirming.get()) data-testid="form-section">
                <p class="py-progress" data-testid="progress">
                    {words(move || section_progress(lang.get(), position.get() + 1, total()))}
                </p>
                {section_view}
            </div>
            {move || confirming.get().then(|| confirm_view(survey.clone(), answers, lang, saving, confirming))}
            <div class="py-form-status" aria-live="assertive" data-testid="form-status">
                <Show when=has_problems>
                    <p class="py-error" role="alert" data-testid="fix-below">
                        <span aria-hidden="true">"⚠ "</span>{tr(lang, Key::FixBelow)}
                    </p>
                    <ul class="py-problems">
                        {move || other_problems.get().into_iter().map(|p| view! {
                            <li><code>{p.path.clone()}</code>" "{lang.get().problem(&p)}</li>
                        }).collect_any()}
                    </ul>
                </Show>
                {move || store_error.get().map(|e| view! {
                    <p class="py-error" role="alert" data-testid="store-error">
                        <span aria-hidden="true">"⚠ "</span>{storage_message(lang.get(), &e)}
                    </p>
                })}
            </div>
            <div class="py-buttons" class:py-off=flag(move || confirming.get())>
                <Show when=move || { position.get() > 0 }>
                    <button type="button" class="py-button py-secondary" data-testid="prev" on:click={on_click(prev)}>
                        {tr(lang, Key::Previous)}
                    </button>
                </Show>
                <Show when=is_last fallback=move || view! {
                    <button type="button" class="py-button py-primary" data-testid="next" on:click={on_click(next)}>
                        {tr(lang, Key::Next)}
                    </button>
                }>
                    <button type="submit" class="py-button py-primary" data-testid="submit"
                        prop:disabled=flag(move || saving.get())>
                        {words(move || lang.get().t(if saving.get() { Key::Submitting } else { Key::Submit }).to_string())}
                    </button>
                </Show>
            </div>
        </form>
    }
}

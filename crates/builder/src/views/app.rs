//! The builder page: the start (a template, a survey file, or the autosaved draft), then the
//! editor with its live preview and the publish card. Every change is saved on this device at
//! once (core's `encode_draft` under `pingyi-builder/v1/draft`), so a reload resumes; a stored
//! draft that cannot be read is kept aside, never overwritten.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pingyi_core::builder::{decode_draft, encode_draft, Draft, Template, TEMPLATES};
use pingyi_core::parse_survey;

use super::editor::editor;
use super::preview::preview;
use super::publish::publish_panel;
use super::Ctx;
use crate::browser::{self, DRAFT_KEY, UNREADABLE_KEY};
use crate::i18n::{BuilderWords, Key, Lang};

/// The stored draft, if any; `Err` with what is wrong when the stored text is not a draft (the
/// text is then kept aside).
fn stored_draft(lang: Lang) -> Result<Option<Draft>, String> {
    let Some(text) = browser::load(DRAFT_KEY) else {
        return Ok(None);
    };
    decode_draft(&text).map(Some).map_err(|p| {
        let _ = browser::save(UNREADABLE_KEY, &text);
        lang.problem(&p)
    })
}

/// The whole builder.
#[component]
pub fn App(lang: Lang) -> impl IntoView {
    let (first, unreadable) = match stored_draft(lang) {
        Ok(d) => (d, None),
        Err(e) => (None, Some(e)),
    };
    let resume = first.clone();
    let editing = RwSignal::new(first.is_some());
    let ctx = Ctx::new(lang, first.unwrap_or_else(|| Draft::new(Template::Empty)));
    let resume = RwSignal::new(resume);
    let save_error = RwSignal::new(None::<String>);
    // Autosave: every change of the draft while editing, at once.
    Effect::new(move |_| {
        if !editing.get() {
            return;
        }
        let text = ctx.draft.with(encode_draft);
        match browser::save(DRAFT_KEY, &text) {
            Ok(()) => save_error.set(None),
            Err(e) => save_error.set(Some(e)),
        }
    });
    let t = move |k| ctx.t(k);
    let open = move |d: Draft| {
        ctx.replace(d);
        editing.set(true);
    };
    let download = move || {
        let (name, text) = ctx.draft.with_untracked(|d| {
            (
                format!("{}.json", d.survey.id),
                serde_json::to_string_pretty(&d.survey).unwrap_or_default(),
            )
        });
        browser::download(&name, &text, "application/json");
    };
    view! {
        <div class="pb-app" lang=move || ctx.lang.get().code()>
            <header class="pb-top pb-noprint">
                <h1>{move || t(Key::AppTitle)}</h1>
                <div class="pb-buttons">
                    <Show when=move || editing.get()>
                        <button type="button" class="pb-button pb-secondary" data-testid="download"
                            on:click=move |_| download()>{move || t(Key::Download)}</button>
                        <button type="button" class="pb-button pb-secondary" data-testid="new-survey"
                            on:click=move |_| {
                                resume.set(Some(ctx.draft.get_untracked()));
                                editing.set(false);
                            }>{move || t(Key::NewSurvey)}</button>
                    </Show>
                    <a class="pb-button pb-secondary" href="../" data-testid="to-console">{move || t(Key::ToConsole)}</a>
                    <button type="button" class="pb-button pb-secondary" data-testid="lang"
                        on:click=move |_| ctx.lang.update(|l| *l = l.other())>
                        {move || t(Key::OtherLang)}
                    </button>
                </div>
            </header>
            {move || save_error.get().map(|e| view! {
                <p class="pb-problem" role="alert" data-testid="save-error">{t(Key::NotSaved)}" "{e}</p>
            })}
            {move || if editing.get() {
                view! {
                    <div class="pb-layout">
                        <div class="pb-main">{editor(ctx)}</div>
                        <div class="pb-side">
                            {preview(ctx)}
                            {publish_panel(ctx)}
                        </div>
                    </div>
                }
                .into_any()
            } else {
                start(ctx, resume, unreadable.clone(), open).into_any()
            }}
        </div>
    }
}

/// The start: templates, a survey file, the draft kept on this device.
fn start(
    ctx: Ctx,
    resume: RwSignal<Option<Draft>>,
    unreadable: Option<String>,
    open: impl Fn(Draft) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = move |k| ctx.t(k);
    let file: NodeRef<html::Input> = NodeRef::new();
    let file_error = RwSignal::new(Vec::<String>::new());
    let read = move |_| {
        let Some(input) = file.get_untracked() else {
            return;
        };
        let lang = ctx.lang.get_untracked();
        spawn_local(async move {
            match browser::read_file(&input).await {
                Ok(Some((_, text))) => match parse_survey(&text) {
                    Ok(survey) => {
                        file_error.set(Vec::new());
                        open(Draft::from_survey(survey));
                    }
                    Err(ps) => file_error.set(
                        std::iter::once(lang.t(Key::FileInvalid).to_string())
                            .chain(ps.iter().map(|p| format!("{} {}", p.path, lang.problem(p))))
                            .collect(),
                    ),
                },
                Ok(None) => {}
                Err(e) => file_error.set(vec![e]),
            }
        });
    };
    let templates = TEMPLATES
        .iter()
        .map(|info| {
            let template = info.template;
            view! {
                <li>
                    <button type="button" class="pb-template" data-testid=format!("template-{}", info.id)
                        on:click=move |_| open(Draft::new(template))>
                        <span class="pb-template-name">{move || template.name(ctx.lang.get())}</span>
                        <span class="pb-template-about">{move || template.about(ctx.lang.get())}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="pb-start" data-testid="start">
            {move || resume.get().map(|d| {
                let title = d.survey.title.clone();
                view! {
                    <section class="pb-card">
                        <h2>{t(Key::ResumeHeading)}</h2>
                        <button type="button" class="pb-button pb-primary" data-testid="resume"
                            on:click=move |_| open(d.clone())>
                            {move || ctx.lang.get().resume(&ctx.lang.get().text(&title))}
                        </button>
                        <p class="pb-help">{t(Key::ResumeHelp)}</p>
                    </section>
                }
            })}
            {unreadable.map(|e| view! {
                <p class="pb-problem" role="alert" data-testid="draft-unreadable">{t(Key::DraftUnreadable)}" "{e}</p>
            })}
            <section class="pb-card">
                <h2>{move || t(Key::PickTemplate)}</h2>
                <ul class="pb-templates">{templates}</ul>
            </section>
            <section class="pb-card">
                <h2>{move || t(Key::OpenFileHeading)}</h2>
                <label class="pb-field">
                    <span class="pb-label">{move || t(Key::OpenFile)}</span>
                    <input type="file" accept=".json,application/json" node_ref=file data-testid="open-file"
                        on:change=read/>
                </label>
                <div aria-live="polite">
                    {move || file_error.get().into_iter().map(|m| view! { <p class="pb-problem" data-testid="file-error">{m}</p> }).collect_view()}
                </div>
            </section>
        </div>
    }
}

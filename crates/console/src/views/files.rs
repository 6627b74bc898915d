//! The officials' file tools (feature `files`): this browser's ballots (本机选票) and device
//! export files (导入文件) counted here with core, survey files fully checked, and their own page
//! ([`FilesApp`], `dist/console/files/`, built by crates/console-files) so that the console page
//! organisers load first holds none of it. The full console (default features) shows the same
//! panels in its source picker.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use pingyi_core::Survey;

use super::app::{results_area, run, source_link, source_tab, top_bar, Status};
use crate::browser;
use crate::i18n::{ConsoleWords, Key, Lang};
use crate::model::{ballots_of_text, parse_survey, Loaded, Source};

/// The file tools' page: 本机选票 and 导入文件, with a link back to the console (whose source
/// picker also leads to the collector's results) and the same results view and downloads.
/// `?source=files` opens 导入文件; `?source=local&s=<id>` (the widget's 查看本机结果 link, passed on
/// by the console page) counts that survey's ballots at once.
#[component]
pub fn FilesApp(lang: Lang) -> impl IntoView {
    let lang = RwSignal::new(lang);
    let source = RwSignal::new(match browser::query_param("source").as_deref() {
        Some("files") => Source::Files,
        Some("local") => Source::Local,
        _ if browser::local_surveys().is_empty() => Source::Files,
        _ => Source::Local,
    });
    let loaded: RwSignal<Option<Arc<Loaded>>> = RwSignal::new(None);
    let status = RwSignal::new(Status::Idle);
    if let Some(linked) = linked_local(lang.get_untracked()) {
        source.set(Source::Local);
        match linked {
            Ok(l) => loaded.set(Some(Arc::new(l))),
            Err(e) => status.set(Status::Error(e)),
        }
    }
    let t = move |k| lang.get().t(k);
    let panel = move || match source.get() {
        Source::Files => view! { <FilesPanel lang loaded status/> }.into_any(),
        _ => view! { <LocalPanel lang loaded status/> }.into_any(),
    };
    view! {
        <div class="pc-app" lang=move || lang.get().code() data-testid="files-page">
            {top_bar(lang, Key::FilesTitle)}
            <nav class="pc-controls pc-nav pc-noprint" aria-labelledby="pc-nav-h">
                <h2 id="pc-nav-h" class="pc-visually-hidden">{move || t(Key::NavHeading)}</h2>
                <div class="pc-tabs">
                    <a class="pc-tab" data-testid="nav-console" href="../">{move || t(Key::BackToConsole)}</a>
                </div>
            </nav>
            <section class="pc-controls pc-sources" aria-labelledby="pc-src-h">
                <h2 id="pc-src-h">{move || t(Key::SourceHeading)}</h2>
                <div class="pc-tabs" role="group" aria-labelledby="pc-src-h">
                    {source_tab(lang, source, Source::Local, Key::SourceLocal, "source-local")}
                    {source_link(lang, "../?source=server".to_string(), Key::SourceServer, "source-server")}
                    {source_tab(lang, source, Source::Files, Key::SourceFiles, "source-files")}
                </div>
                {panel}
            </section>
            {results_area(lang, loaded, status)}
        </div>
    }
}

/// For `?source=local&s=<id>` (the widget's 查看本机结果 link) when the widget kept that survey's
/// JSON in this browser: this device's ballots of it, counted by core. `None` otherwise.
pub(crate) fn linked_local(lang: Lang) -> Option<Result<Loaded, String>> {
    if browser::query_param("source").as_deref() != Some("local") {
        return None;
    }
    let id = browser::query_param("s")?;
    let text = browser::local_survey_text(&id)?;
    Some(parse_survey(&text, lang).map(|survey| from_local(survey, &id)))
}

/// This browser's ballots of `survey_id`, counted by core, with how many were uploaded without
/// keeping their answers here.
fn from_local(survey: Survey, survey_id: &str) -> Loaded {
    let local = browser::local_ballots(survey_id);
    let mut loaded = Loaded::from_local(survey, &local.ballots, &browser::now_rfc3339());
    loaded.uploaded_not_kept = local.uploaded;
    loaded
}

/// The survey from a picked file if there is one, else from `url`.
async fn load_survey(
    file: Option<web_sys::HtmlInputElement>,
    url: String,
    lang: Lang,
) -> Result<Survey, String> {
    if let Some(input) = file {
        if let Some((_, text)) = browser::read_files(&input).await?.into_iter().next() {
            return parse_survey(&text, lang);
        }
    }
    let url = url.trim().to_string();
    if url.is_empty() {
        return Err(lang.t(Key::NeedSurvey).into());
    }
    let text = browser::get_text(&url, None)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    parse_survey(&text, lang)
}

/// The survey file picker and address field, shared by the local and files sources.
#[component]
fn SurveyInput(
    lang: RwSignal<Lang>,
    file: NodeRef<html::Input>,
    url: RwSignal<String>,
) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    view! {
        <fieldset class="pc-fieldset">
            <legend>{move || t(Key::SurveyFromFileOrUrl)}</legend>
            <label class="pc-field">
                <span>{move || t(Key::SurveyFile)}</span>
                <input type="file" accept=".json,application/json" node_ref=file data-testid="survey-file"/>
            </label>
            <label class="pc-field">
                <span>{move || t(Key::SurveyUrl)}</span>
                <input type="text" inputmode="url" data-testid="survey-url" prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev))/>
            </label>
        </fieldset>
    }
}

#[component]
pub(crate) fn LocalPanel(
    lang: RwSignal<Lang>,
    loaded: RwSignal<Option<Arc<Loaded>>>,
    status: RwSignal<Status>,
) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let surveys = browser::local_surveys();
    // The survey named by the widget's link (`&s=`) first, if it has ballots here.
    let linked = browser::query_param("s").filter(|s| surveys.iter().any(|(id, _)| id == s));
    let first = linked.or_else(|| surveys.first().map(|(id, _)| id.clone()));
    let selected = RwSignal::new(first.clone());
    let url = RwSignal::new(
        first
            .map(|id| format!("/v1/surveys/{id}"))
            .unwrap_or_default(),
    );
    let file: NodeRef<html::Input> = NodeRef::new();
    if surveys.is_empty() {
        return view! { <p class="pc-help" data-testid="local-none">{move || t(Key::LocalNone)}</p> }.into_any();
    }
    let choices = surveys
        .into_iter()
        .map(|(id, n)| {
            let id2 = id.clone();
            let id3 = id.clone();
            view! {
                <label class="pc-choice">
                    <input type="radio" name="pc-local-survey" value=id.clone()
                        prop:checked=move || selected.get().as_deref() == Some(id2.as_str())
                        on:change=move |_| {
                            selected.set(Some(id3.clone()));
                            url.set(format!("/v1/surveys/{id3}"));
                        }/>
                    <span>{id.clone()}</span>" "<span class="pc-note">{move || lang.get().n_ballots(n)}</span>
                </label>
            }
        })
        .collect_view();
    let count = move |_| {
        let lang = lang.get_untracked();
        let Some(id) = selected.get_untracked() else {
            return;
        };
        let (input, url) = (file.get_untracked(), url.get_untracked());
        run(status, loaded, async move {
            let survey = load_survey(input, url, lang).await?;
            if survey.id != id {
                return Err(format!(
                    "{}{} ≠ {id}",
                    lang.t(Key::SurveyMismatch),
                    survey.id
                ));
            }
            Ok(from_local(survey, &id))
        });
    };
    view! {
        <div class="pc-panel" data-testid="panel-local">
            <p class="pc-help">{move || t(Key::LocalHelp)}</p>
            <fieldset class="pc-fieldset">
                <legend>{move || t(Key::LocalPick)}</legend>
                {choices}
            </fieldset>
            <SurveyInput lang file url/>
            <button type="button" class="pc-button" data-testid="count-local" on:click=count
                disabled=move || status.get() == Status::Loading>
                {move || t(Key::Count)}
            </button>
        </div>
    }
    .into_any()
}

#[component]
pub(crate) fn FilesPanel(
    lang: RwSignal<Lang>,
    loaded: RwSignal<Option<Arc<Loaded>>>,
    status: RwSignal<Status>,
) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let url = RwSignal::new(String::new());
    let survey_file: NodeRef<html::Input> = NodeRef::new();
    let ballot_files: NodeRef<html::Input> = NodeRef::new();
    let count = move |_| {
        let lang = lang.get_untracked();
        let (survey_input, url, files) = (
            survey_file.get_untracked(),
            url.get_untracked(),
            ballot_files.get_untracked(),
        );
        run(status, loaded, async move {
            let survey = load_survey(survey_input, url, lang).await?;
            let picked = match &files {
                Some(input) => browser::read_files(input).await?,
                None => Vec::new(),
            };
            if picked.is_empty() {
                return Err(lang.t(Key::NeedFiles).into());
            }
            let mut exports = Vec::with_capacity(picked.len());
            for (name, text) in picked {
                let ballots = ballots_of_text(&text).map_err(|e| format!("{name}: {e}"))?;
                exports.push((name, ballots));
            }
            Ok(Loaded::from_files(
                survey,
                &exports,
                &browser::now_rfc3339(),
            ))
        });
    };
    view! {
        <div class="pc-panel" data-testid="panel-files">
            <SurveyInput lang file=survey_file url/>
            <label class="pc-field">
                <span>{move || t(Key::BallotFiles)}</span>
                <input type="file" multiple accept=".json,.ndjson,application/json" node_ref=ballot_files
                    data-testid="ballot-files"/>
            </label>
            <button type="button" class="pc-button" data-testid="count-files" on:click=count
                disabled=move || status.get() == Status::Loading>
                {move || t(Key::Count)}
            </button>
        </div>
    }
}

//! The console page: the organiser page tabs (结果与导出 / 投票控制 / 选票码 / 线下投票录入, and a
//! link to the projector page), the source picker (本机选票 / 评议服务器 / 导入文件), the status
//! line, the downloads and the results view. `?view=` picks the page (`projector` renders only
//! the full-screen projector). State lives in signals created here and passed down; the
//! work of each source is an async function that turns inputs into a [`Loaded`] through core.
//!
//! Without the `files` feature (the console page as built) 本机选票 and 导入文件 are links to the
//! file tools' page ([`super::files`], `files/` beside the console), and the widget's
//! 查看本机结果 link (`?source=local&s=<id>`) is passed on to it.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pingyi_core::export::TallyReport;

use super::meeting::{sign_in_fields, Codes, Controls, Paper, Session, SignIn};
use super::projector::Projector;
use super::results::report_view;
use crate::browser;
use crate::i18n::{ConsoleWords, Key, Lang};
use crate::model::{parse_survey, read_answer, Loaded, ServerTexts, Source};

/// Where the file tools' page is, from the console page.
pub const FILES_PAGE: &str = "files/";

/// The status line under the picker.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Loading,
    Error(String),
}

/// The console's pages, `?view=` in the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Results,
    Controls,
    Codes,
    Paper,
}

impl Page {
    pub fn from_query(v: &str) -> Page {
        match v {
            "controls" => Page::Controls,
            "codes" => Page::Codes,
            "paper" => Page::Paper,
            _ => Page::Results,
        }
    }

    pub fn query(self) -> &'static str {
        match self {
            Page::Results => "results",
            Page::Controls => "controls",
            Page::Codes => "codes",
            Page::Paper => "paper",
        }
    }
}

/// A page's header: its title, 打印 and the other-language button.
pub(crate) fn top_bar(lang: RwSignal<Lang>, title: Key) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    view! {
        <header class="pc-top">
            <h1>{move || t(title)}</h1>
            <div class="pc-controls pc-top-buttons">
                <button type="button" class="pc-button pc-secondary" on:click=move |_| browser::print()>
                    {move || t(Key::Print)}
                </button>
                <button type="button" class="pc-button pc-secondary" data-testid="lang"
                    on:click=move |_| lang.update(|l| *l = l.other())>
                    {move || t(Key::OtherLang)}
                </button>
            </div>
        </header>
    }
}

/// The whole console, or the projector page when `?view=projector`.
#[component]
pub fn App(lang: Lang) -> impl IntoView {
    let view_q = browser::query_param("view").unwrap_or_default();
    if view_q == "projector" {
        let base = browser::query_param("collector").unwrap_or_else(browser::origin);
        return match browser::query_param("s") {
            Some(id) => view! { <Projector lang base survey_id=id/> }.into_any(),
            None => view! { <p class="pc-error" role="alert">{lang.t(Key::ProjectorNoSurvey)}</p> }
                .into_any(),
        };
    }
    let page = RwSignal::new(Page::from_query(&view_q));
    let session = Session::new();
    let lang = RwSignal::new(lang);
    let source = RwSignal::new(Source::Server);
    let loaded: RwSignal<Option<Arc<Loaded>>> = RwSignal::new(None);
    let status = RwSignal::new(Status::Idle);
    #[cfg(feature = "files")]
    {
        if !browser::local_surveys().is_empty() {
            source.set(Source::Local);
        }
        // The widget's 查看本机结果 link, `?source=local&s=<id>`: count at once.
        if let Some(linked) = super::files::linked_local(lang.get_untracked()) {
            source.set(Source::Local);
            match linked {
                Ok(l) => loaded.set(Some(Arc::new(l))),
                Err(e) => status.set(Status::Error(e)),
            }
        }
    }
    #[cfg(not(feature = "files"))]
    if browser::query_param("source").as_deref() == Some("local") {
        // The widget's 查看本机结果 link: this browser's ballots are counted on the file tools'
        // page, with the same address.
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        browser::replace_location(&format!("{FILES_PAGE}{search}"));
    }
    let t = move |k| lang.get().t(k);

    // 本机选票 and 导入文件: here with the file tools, else links to their page.
    let tab = move |s: Source, key: Key, testid: &'static str| {
        if cfg!(feature = "files") || s == Source::Server {
            source_tab(lang, source, s, key, testid)
        } else {
            let href = format!("{FILES_PAGE}?source={}", s.query());
            source_link(lang, href, key, testid)
        }
    };
    let page_tab = move |p: Page, key: Key| {
        view! {
            <button type="button" class="pc-tab" data-testid=format!("nav-{}", p.query())
                aria-pressed=move || (page.get() == p).to_string()
                on:click=move |_| {
                    page.set(p);
                    browser::set_query(p.query(), &session.survey_id.get_untracked());
                }>
                {move || t(key)}
            </button>
        }
    };
    let panel = move || match source.get() {
        Source::Server => view! { <ServerPanel lang loaded status session/> }.into_any(),
        #[cfg(feature = "files")]
        Source::Local => view! { <super::files::LocalPanel lang loaded status/> }.into_any(),
        #[cfg(feature = "files")]
        Source::Files => view! { <super::files::FilesPanel lang loaded status/> }.into_any(),
        #[cfg(not(feature = "files"))]
        _ => ().into_any(),
    };

    view! {
        <div class="pc-app" lang=move || lang.get().code()>
            {top_bar(lang, Key::AppTitle)}
            <nav class="pc-controls pc-nav pc-noprint" aria-labelledby="pc-nav-h">
                <h2 id="pc-nav-h" class="pc-visually-hidden">{move || t(Key::NavHeading)}</h2>
                <div class="pc-tabs">
                    {page_tab(Page::Results, Key::NavResults)}
                    {page_tab(Page::Controls, Key::NavControls)}
                    {page_tab(Page::Codes, Key::NavCodes)}
                    {page_tab(Page::Paper, Key::NavPaper)}
                    <a class="pc-tab" data-testid="nav-projector" target="_blank" rel="noopener"
                        href=move || format!("?view=projector&s={}", session.survey_id.get().trim())>
                        {move || t(Key::NavProjector)}
                    </a>
                    <a class="pc-tab" data-testid="nav-builder" href="builder/">{move || t(Key::NavBuilder)}</a>
                </div>
            </nav>
            {move || match page.get() {
                Page::Results => view! {
                    <section class="pc-controls pc-sources" aria-labelledby="pc-src-h">
                        <h2 id="pc-src-h">{move || t(Key::SourceHeading)}</h2>
                        <div class="pc-tabs" role="group" aria-labelledby="pc-src-h">
                            {tab(Source::Local, Key::SourceLocal, "source-local")}
                            {tab(Source::Server, Key::SourceServer, "source-server")}
                            {tab(Source::Files, Key::SourceFiles, "source-files")}
                        </div>
                        {panel}
                    </section>
                    {results_area(lang, loaded, status)}
                }
                .into_any(),
                Page::Controls => view! { <SignIn lang session/><Controls lang session/> }.into_any(),
                Page::Codes => view! { <SignIn lang session/><Codes lang session/> }.into_any(),
                Page::Paper => view! { <SignIn lang session/><Paper lang session/> }.into_any(),
            }}
        </div>
    }
    .into_any()
}

/// A source picker button.
pub(crate) fn source_tab(
    lang: RwSignal<Lang>,
    source: RwSignal<Source>,
    s: Source,
    key: Key,
    testid: &'static str,
) -> AnyView {
    view! {
        <button type="button" class="pc-tab" data-testid=testid
            aria-pressed=move || (source.get() == s).to_string()
            on:click=move |_| source.set(s)>
            {move || lang.get().t(key)}
        </button>
    }
    .into_any()
}

/// A source that lives on the other page: a link styled as a picker tab.
pub(crate) fn source_link(
    lang: RwSignal<Lang>,
    href: String,
    key: Key,
    testid: &'static str,
) -> AnyView {
    view! {
        <a class="pc-tab" data-testid=testid href=href>{move || lang.get().t(key)}</a>
    }
    .into_any()
}

/// The status line, then the downloads and the results of what is loaded.
pub(crate) fn results_area(
    lang: RwSignal<Lang>,
    loaded: RwSignal<Option<Arc<Loaded>>>,
    status: RwSignal<Status>,
) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let status_line = move || {
        match status.get() {
        Status::Idle => None,
        Status::Loading => Some(view! { <p class="pc-status">{t(Key::Loading)}</p> }.into_any()),
        Status::Error(e) => Some(
            view! { <p class="pc-error" role="alert" data-testid="error">{format!("{}{e}", t(Key::ErrorPrefix))}</p> }
                .into_any(),
        ),
    }
    };
    let urls: StoredValue<Vec<String>> = StoredValue::new(Vec::new());
    let results = move || {
        let l = loaded.get()?;
        let lang = lang.get();
        Some(view! {
            {downloads(&l, lang, urls)}
            {l.merge_note.map(|(f, c, d, k)| view! { <p class="pc-note" data-testid="merge-note">{lang.merged(f, c, d, k)}</p> })}
            {(l.uploaded_not_kept > 0).then(|| view! { <p class="pc-note" data-testid="uploaded-not-kept">{lang.uploaded_not_kept(l.uploaded_not_kept)}</p> })}
            {report_view(&l.report, &l.conflicts, lang)}
        })
    };
    view! {
        <div aria-live="polite" class="pc-controls">{status_line}</div>
        {results}
    }
}

/// The download links of a loaded result (Blob + object URL + `<a download>`).
fn downloads(l: &Loaded, lang: Lang, urls: StoredValue<Vec<String>>) -> AnyView {
    let t = |k| lang.t(k);
    urls.update_value(|u| u.drain(..).for_each(|x| browser::revoke(&x)));
    let link = |text: &str, mime: &str| {
        let url = browser::object_url(text, mime).unwrap_or_default();
        urls.update_value(|u| u.push(url.clone()));
        url
    };
    let stem = l.file_stem().to_string();
    let json = link(&l.report_json(), "application/json");
    let csv = link(&l.csv(lang), "text/csv;charset=utf-8");
    let raw = l.raw_json.as_ref().map(|r| link(r, "application/json"));
    let raw_view = match raw {
        Some(url) => view! {
            <a class="pc-button" data-testid="download-ballots" href=url download=format!("{stem}-ballots.json")>
                {t(Key::DownloadBallots)}
            </a>
        }
        .into_any(),
        None => view! { <p class="pc-help" data-testid="ballots-need-token">{t(Key::BallotsNeedToken)}</p> }.into_any(),
    };
    view! {
        <section class="pc-controls pc-downloads" aria-labelledby="pc-dl-h">
            <h2 id="pc-dl-h">{t(Key::Downloads)}</h2>
            <div class="pc-buttons">
                <a class="pc-button" data-testid="download-json" href=json download=format!("{stem}-tally.json")>
                    {t(Key::DownloadJson)}
                </a>
                <a class="pc-button" data-testid="download-csv" href=csv download=format!("{stem}-tally.csv")>
                    {t(Key::DownloadCsv)}
                </a>
                {raw_view}
            </div>
        </section>
    }
    .into_any()
}

/// Run `work` with the status line showing progress, then store its result.
pub(crate) fn run(
    status: RwSignal<Status>,
    loaded: RwSignal<Option<Arc<Loaded>>>,
    work: impl std::future::Future<Output = Result<Loaded, String>> + 'static,
) {
    status.set(Status::Loading);
    spawn_local(async move {
        match work.await {
            Ok(l) => {
                loaded.set(Some(Arc::new(l)));
                status.set(Status::Idle);
            }
            Err(e) => status.set(Status::Error(e)),
        }
    });
}

#[component]
fn ServerPanel(
    lang: RwSignal<Lang>,
    loaded: RwSignal<Option<Arc<Loaded>>>,
    status: RwSignal<Status>,
    session: Session,
) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let load = move |_| {
        let lang = lang.get_untracked();
        let target = match session.target(lang, false) {
            Ok(t) => t,
            Err(e) => return status.set(Status::Error(e)),
        };
        run(status, loaded, async move {
            let (base, id) = (target.base, target.id);
            let tok = Some(target.token).filter(|s| !s.is_empty());
            let survey_url = browser::join(&base, &format!("/v1/surveys/{id}"));
            let text = browser::get_text(&survey_url, None)
                .await
                .map_err(|e| e.to_string())?;
            let survey = parse_survey(&text, lang)?;
            let report_url = browser::join(&base, &format!("/v1/surveys/{id}/tally?format=report"));
            let text = browser::get_text(&report_url, tok.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            let report: TallyReport = read_answer(&text)?;
            // The downloads as the collector writes them: no serializer or CSV writer here.
            let csv = |lang: &str| {
                let path = format!("/v1/surveys/{id}/tally?format=csv&lang={lang}");
                let url = browser::join(&base, &path);
                let tok = tok.clone();
                async move {
                    let text = browser::get_text(&url, tok.as_deref())
                        .await
                        .map_err(|e| e.to_string())?;
                    // The browser's text decoding drops the byte order mark Excel needs.
                    Ok::<_, String>(format!("\u{FEFF}{}", text.trim_start_matches('\u{FEFF}')))
                }
            };
            let texts = ServerTexts {
                report: text,
                csv_zh: csv("zh").await?,
                csv_en: csv("en").await?,
            };
            // The officials' raw export needs the admin token; without it the link is left out.
            let raw = match &tok {
                Some(tk) => {
                    let path = format!(
                        "/v1/surveys/{id}/ballots?format=export&version={}",
                        report.survey_version
                    );
                    browser::get_text(&browser::join(&base, &path), Some(tk))
                        .await
                        .ok()
                }
                None => None,
            };
            Ok(Loaded::from_server(survey, report, texts, raw))
        });
    };
    view! {
        <div class="pc-panel" data-testid="panel-server">
            {sign_in_fields(lang, session, "server")}
            <button type="button" class="pc-button" data-testid="load-server" on:click=load
                disabled=move || status.get() == Status::Loading>
                {move || t(Key::Load)}
            </button>
        </div>
    }
}

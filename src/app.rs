//! The widget's top level: load the survey, check storage, start the outbox, then switch between
//! the form, the thank-you screen and the local results, with the upload status underneath.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::outbox::Policy;
use pingyi_core::{parse_survey, Ballot, Problem, Survey};

use crate::cast::Answers;
use crate::embed::{Config, SurveySource};
use crate::i18n::{http_status, Key, Lang};
use crate::net::{fetch_text, FetchError};
use crate::outbox::{Outbox, Target};
use crate::store::{Store, StoreError};
use crate::views::results::Results;
use crate::views::status::OutboxStatus;
use crate::views::survey_form::SurveyForm;
use crate::views::thanks::Thanks;
use crate::views::{tr, txt};

/// Why there is no survey to show.
#[derive(Clone, Debug, PartialEq)]
enum LoadError {
    Fetch(FetchError),
    Invalid(Vec<Problem>),
    Config(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Loading,
    Failed(LoadError),
    Ready(Arc<Survey>),
}

/// What the resident sees once the survey is loaded.
#[derive(Clone, Debug, PartialEq)]
enum Mode {
    Form,
    Thanks(String),
    Results,
}

fn parsed(json: &str) -> Phase {
    match parse_survey(json) {
        Ok(s) => Phase::Ready(Arc::new(s)),
        Err(problems) => Phase::Failed(LoadError::Invalid(problems)),
    }
}

/// A short random prefix for element ids, so two widgets on one page never share an id.
fn instance_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("py{}", &id[..8])
}

/// One widget.
#[component]
pub fn App(config: Config) -> impl IntoView {
    let lang = RwSignal::new(config.lang);
    let phase = RwSignal::new(Phase::Loading);
    let delivery = Delivery {
        config: Arc::new(config.clone()),
    };
    match config.source {
        SurveySource::Inline(json) => phase.set(parsed(&json)),
        SurveySource::Misconfigured(msg) => phase.set(Phase::Failed(LoadError::Config(msg))),
        SurveySource::Url(url) => leptos::task::spawn_local(async move {
            let next = match fetch_text(&url).await {
                Ok(json) => parsed(&json),
                Err(e) => Phase::Failed(LoadError::Fetch(e)),
            };
            // The widget may have been unmounted meanwhile.
            let _ = phase.try_set(next);
        }),
    }
    let prefix = instance_prefix();

    view! {
        <div class="pingyi" lang=move || lang.get().code() data-testid="pingyi">
            {move || match phase.get() {
                Phase::Loading => view! {
                    <p class="py-status" role="status" data-testid="loading">{tr(lang, Key::Loading)}</p>
                }.into_any(),
                Phase::Failed(e) => view! {
                    <LangToggle lang/>
                    <LoadFailed error=e lang/>
                }.into_any(),
                Phase::Ready(survey) => view! {
                    <Ready survey lang prefix=prefix.clone() delivery=delivery.clone()/>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn LangToggle(lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <div class="py-toolbar">
            <button type="button" class="py-lang" data-testid="lang-toggle"
                lang=move || lang.get().other().code()
                on:click=move |_| lang.update(|l| *l = l.other())>
                {tr(lang, Key::SwitchLanguage)}
            </button>
        </div>
    }
}

#[component]
fn LoadFailed(error: LoadError, lang: RwSignal<Lang>) -> impl IntoView {
    let error = Arc::new(error);
    view! {
        <div class="py-error" role="alert" data-testid="load-error">
            {move || {
                let l = lang.get();
                match &*error {
                    LoadError::Fetch(FetchError::Status(code)) => view! {
                        <p>{l.t(Key::LoadFailed)}</p><p class="py-detail">{http_status(l, *code)}</p>
                    }.into_any(),
                    LoadError::Fetch(FetchError::Network(_)) => view! { <p>{l.t(Key::LoadFailed)}</p> }.into_any(),
                    LoadError::Config(msg) => view! {
                        <p>{l.t(Key::SurveyInvalid)}</p><p class="py-detail">{msg.clone()}</p>
                    }.into_any(),
                    LoadError::Invalid(problems) => view! {
                        <p>{l.t(Key::SurveyInvalid)}</p>
                        <ul class="py-problems" data-testid="survey-problems">
                            {problems.iter().map(|p| view! {
                                <li><code>{p.path.clone()}</code>" "{l.problem(p)}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            }}
        </div>
    }
}

fn storage_message(lang: Lang, e: &StoreError) -> &'static str {
    match e {
        StoreError::Full => lang.t(Key::StorageFull),
        StoreError::Unavailable(_) => lang.t(Key::StorageUnavailable),
        StoreError::Other(_) => lang.t(Key::StorageFailed),
    }
}

/// What the outbox needs from the host page's configuration.
#[derive(Clone)]
struct Delivery {
    config: Arc<Config>,
}

impl Delivery {
    /// The target for this survey (page attributes, then the survey's `collect`, then the
    /// link's collector), or `None` for local-only.
    fn target(&self, survey: &Survey) -> Option<Target> {
        self.config
            .collect_target(survey.collect.as_ref())
            .map(|(endpoint, submit_key)| Target {
                endpoint,
                submit_key,
            })
    }

    fn policy(&self) -> Policy {
        let mut policy = Policy::default();
        if let Some(ms) = self.config.retry_base_ms.filter(|ms| *ms > 0) {
            policy.base_delay_ms = ms;
        }
        policy
    }
}

/// The loaded survey: storage check, header, and the current mode.
#[component]
fn Ready(
    survey: Arc<Survey>,
    lang: RwSignal<Lang>,
    prefix: String,
    delivery: Delivery,
) -> impl IntoView {
    // Prove storage works before the resident starts voting.
    let store = Store::open_and_probe();
    let device = store
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|s| s.device_id());
    // The outbox starts once storage is known to work: it delivers what is stored.
    let outbox = store
        .as_ref()
        .ok()
        .filter(|_| device.is_ok())
        .map(|s| Outbox::start(s, &survey.id, delivery.target(&survey), delivery.policy()));
    let mode = RwSignal::new(Mode::Form);
    // The ballot in progress lives here so a look at the results does not lose it; a cast clears it.
    let answers = RwSignal::new(Answers::new());
    let section = RwSignal::new(0usize);

    let title = survey.title.clone();
    let description = survey.description.clone();
    let unit = survey.unit.clone();
    let header = view! {
        <header class="py-header">
            <LangToggle lang/>
            <h2 class="py-title">{txt(lang, title.clone())}</h2>
            <p class="py-unit">{unit}</p>
            {description.map(|d| view! { <p class="py-desc">{txt(lang, d.clone())}</p> })}
        </header>
    };

    let body = match device {
        Err(e) => view! {
            <div class="py-error" role="alert" data-testid="storage-error">
                <p>{move || storage_message(lang.get(), &e)}</p>
            </div>
        }
        .into_any(),
        Ok(device) => {
            let on_cast = Callback::new(move |ballot: Ballot| {
                if let Some(outbox) = outbox {
                    outbox.added(&ballot);
                }
                answers.set(Answers::new());
                section.set(0);
                mode.set(Mode::Thanks(ballot.receipt()));
            });
            view! {
                {move || match mode.get() {
                    Mode::Form => view! {
                        <SurveyForm survey=survey.clone() lang answers section device=device.clone()
                            prefix=prefix.clone() on_cast/>
                        <nav class="py-nav-results">
                            <button type="button" class="py-link" data-testid="view-results"
                                on:click=move |_| mode.set(Mode::Results)>
                                {tr(lang, Key::ViewResults)}
                            </button>
                        </nav>
                    }.into_any(),
                    Mode::Thanks(receipt) => view! {
                        <Thanks receipt lang
                            on_again=Callback::new(move |_| mode.set(Mode::Form))
                            on_results=Callback::new(move |_| mode.set(Mode::Results))/>
                    }.into_any(),
                    Mode::Results => view! {
                        <Results survey=survey.clone() lang
                            on_back=Callback::new(move |_| mode.set(Mode::Form))/>
                    }.into_any(),
                }}
            }
            .into_any()
        }
    };

    let status = outbox.map(|outbox| {
        view! {
            <footer class="py-footer"><OutboxStatus outbox lang/></footer>
        }
    });

    view! { {header} {body} {status} }
}

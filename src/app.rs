//! The widget's top level: load the survey, check storage, start the outbox, then switch between
//! the form and the thank-you screen, with the upload status underneath. The kiosk (feature
//! `kiosk`) is a mode of the widget: it loads the survey with [`load_survey`] and shows
//! [`LoadFailed`], and probes storage and starts delivery with [`start_voting`], as the widget does.
//!
//! Residents see no results here: on a shared phone or kiosk, comparing results before and after
//! a neighbour votes would reveal the neighbour's ballot. The 查看本机结果（组织者） link opens the
//! organiser console (`data-console-url`), which counts this device's ballots with the survey
//! JSON kept at `pingyi/v1/{survey_id}/survey`.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::outbox::Policy;
use pingyi_core::{Ballot, Problem, Survey};

use crate::cast::Answers;
use crate::embed::{Config, SurveySource};
use crate::i18n::{http_status, refused_server, IntegrityKey, Key, Lang, MeetingKey};
use crate::net::{fetch_text, FetchError};
use crate::outbox::{Outbox, Target};
use crate::store::{Keep, Loaded, Status, Store, StoreError};
use crate::views::status::OutboxStatus;
use crate::views::survey_form::{storage_message, SurveyForm};
use crate::views::thanks::Thanks;
use crate::views::words;
use crate::views::CollectAny;
use crate::views::{flag, on_click, on_event, on_submit};
use crate::views::{tr, txt};
use pingyi_core::codes::normalise_code;

/// Why there is no survey to show.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    Fetch(FetchError),
    Invalid(Vec<Problem>),
    Config(String),
    /// A link named a collector that is not approved (its origin).
    Refused(String),
}

/// How far loading the survey got: the widget and the kiosk load it the same way
/// ([`load_survey`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    Loading,
    Failed(LoadError),
    Ready(Arc<Survey>),
}

/// What the resident sees once the survey is loaded.
#[derive(Clone, Debug, PartialEq)]
enum Mode {
    Form,
    Thanks(String),
    /// 输入选票码: a survey with codes and no code yet.
    Code,
    /// Personal mode: this phone already holds a ballot (its receipt, if kept); a soft check.
    Voted(Option<String>),
}

/// Reads a survey file: the one place the widget and the kiosk parse a survey. Its JSON is
/// kept for the console's local results (see the module comment); a failure to keep it is
/// reported by the storage probe that follows.
pub fn read_survey(json: &str) -> Load {
    match crate::net::parse_survey(json) {
        Ok(s) => {
            if let Ok(store) = Store::open() {
                let _ = store.put_survey(&s.id, json);
            }
            Load::Ready(Arc::new(s))
        }
        Err(problems) => Load::Failed(LoadError::Invalid(problems)),
    }
}

/// Loads the survey `config` names (inline, or fetched from its URL), for the widget and the
/// kiosk alike. A link to an unapproved collector loads nothing.
pub fn load_survey(config: &Config) -> RwSignal<Load> {
    let load = RwSignal::new(Load::Loading);
    match config.source.clone() {
        _ if config.refused_link.is_some() => load.set(Load::Failed(LoadError::Refused(
            config.refused_link.clone().unwrap_or_default(),
        ))),
        SurveySource::Inline(json) => load.set(read_survey(&json)),
        SurveySource::Misconfigured(msg) => load.set(Load::Failed(LoadError::Config(msg))),
        SurveySource::Url(url) => leptos::task::spawn_local(async move {
            let next = match fetch_text(&url).await {
                Ok(json) => read_survey(&json),
                Err(e) => Load::Failed(LoadError::Fetch(e)),
            };
            // The widget may have been unmounted meanwhile.
            let _ = load.try_set(next);
        }),
    }
    load
}

/// The line shown while the survey loads.
pub fn loading(lang: RwSignal<Lang>) -> impl IntoView {
    view! { <p class="py-status" role="status" data-testid="loading">{tr(lang, Key::Loading)}</p> }
}

/// A short random prefix for element ids, so two widgets on one page never share an id.
fn instance_prefix() -> String {
    // Element ids need no secret: without `crypto` the clock does.
    let id =
        crate::cast::new_uuid().unwrap_or_else(|_| format!("{:08x}", js_sys::Date::now() as u64));
    // Not `&id[..8]`: a slice that could panic links Rust's string-slicing panic message.
    let short: String = id.chars().take(8).collect();
    format!("py{short}")
}

/// One widget.
#[component]
pub fn App(config: Config) -> impl IntoView {
    let lang = RwSignal::new(config.lang);
    // Large text (适老化): the resident's own choice on this device wins over the page's default.
    let elder = RwSignal::new(
        Store::open()
            .ok()
            .and_then(|s| s.elder_choice())
            .unwrap_or(config.elder),
    );
    let load = load_survey(&config);
    let config = Arc::new(config);
    let prefix = instance_prefix();
    let events = crate::host::Events::get();

    view! {
        <div class="pingyi" class:elder=flag(move || elder.get()) lang=move || lang.get().code() data-testid="pingyi">
            {move || match load.get() {
                Load::Loading => loading(lang).into_any(),
                Load::Failed(e) => view! {
                    {load_failed_event(events, &e)}
                    <Toolbar lang elder/>
                    <LoadFailed error=e lang/>
                }.into_any(),
                Load::Ready(survey) => view! {
                    <Ready survey lang elder prefix=prefix.clone() config=config.clone()/>
                }.into_any(),
            }}
        </div>
    }
}

/// Tells the host page (`crate::host`) that the survey cannot be shown, as it is shown.
fn load_failed_event(events: Option<crate::host::Events>, e: &LoadError) {
    let detail = match e {
        LoadError::Fetch(FetchError::Status(code)) => code.to_string(),
        LoadError::Fetch(FetchError::Network(m)) | LoadError::Config(m) | LoadError::Refused(m) => {
            m.clone()
        }
        LoadError::Invalid(p) => p.first().map(|p| p.path.clone()).unwrap_or_default(),
    };
    if let Some(events) = events {
        events.error("", "load", &detail);
    }
}

/// The header buttons: large text (a toggle, `aria-pressed`) and the other language.
#[component]
fn Toolbar(lang: RwSignal<Lang>, elder: RwSignal<bool>) -> impl IntoView {
    let toggle_elder = move |_| {
        let on = !elder.get_untracked();
        elder.set(on);
        // Kept for next time; if storage refuses, the switch still works for this visit.
        if let Ok(store) = Store::open() {
            let _ = store.set_elder_choice(on);
        }
    };
    view! {
        <div class="py-toolbar">
            <button type="button" class="py-elder" data-testid="elder-toggle"
                aria-pressed=move || elder.get().to_string()
                on:click={on_click(toggle_elder)}>
                {tr(lang, Key::LargeText)}
            </button>
            <button type="button" class="py-lang" data-testid="lang-toggle"
                lang=move || lang.get().other().code()
                on:click={on_click(move |_| lang.update(|l| *l = l.other()))}>
                {tr(lang, Key::SwitchLanguage)}
            </button>
        </div>
    }
}

/// Why the survey could not be loaded, in words (the widget and the kiosk).
#[component]
pub fn LoadFailed(error: LoadError, lang: RwSignal<Lang>) -> impl IntoView {
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
                    LoadError::Refused(origin) => view! {
                        <p data-testid="link-refused">{IntegrityKey::LinkRefused.t(l)}</p>
                        <p class="py-detail">{refused_server(l, origin)}</p>
                    }.into_any(),
                    LoadError::Config(msg) => view! {
                        <p>{l.t(Key::SurveyInvalid)}</p><p class="py-detail">{msg.clone()}</p>
                    }.into_any(),
                    LoadError::Invalid(problems) => view! {
                        <p>{l.t(Key::SurveyInvalid)}</p>
                        <ul class="py-problems" data-testid="survey-problems">
                            {problems.iter().map(|p| view! {
                                <li><code>{p.path.clone()}</code>" "{l.problem(p)}</li>
                            }).collect_any()}
                        </ul>
                    }.into_any(),
                }
            }}
        </div>
    }
}

/// The target for `survey` (page attributes, then the survey's `collect`, then the link's
/// collector), or `None` for local-only.
fn delivery_target(config: &Config, survey: &Survey) -> Option<Target> {
    config
        .collect_target(survey.collect.as_ref())
        .map(|(endpoint, submit_key)| Target {
            endpoint,
            submit_key,
        })
}

/// The outbox's policy: core's default, with the page's first back-off delay if it sets one.
fn delivery_policy(config: &Config) -> Policy {
    let mut policy = Policy::default();
    if let Some(ms) = config.retry_base_ms.filter(|ms| *ms > 0) {
        policy.base_delay_ms = ms;
    }
    policy
}

/// What casting needs, set up the same way by the widget and the kiosk ([`start_voting`]).
pub struct Voting {
    /// This device's id (`""` for an anonymous survey), or why storage cannot take ballots.
    pub device: Result<String, StoreError>,
    /// The outbox delivering this survey's stored ballots; `None` when storage does not work.
    pub outbox: Option<Outbox>,
    /// What stays of each ballot once a collector acknowledges it.
    pub keep: Keep,
}

/// Proves storage works before anyone votes, makes the device id (none for an anonymous survey:
/// its ballots name no device), drops the answers of acknowledged ballots an older version kept
/// in full, and starts the outbox on what is stored. `personal`: a resident's own phone, which
/// keeps receipts (never a kiosk). Call inside the reactive owner the outbox should live in.
pub fn start_voting(survey: &Survey, config: &Config, personal: bool) -> Voting {
    let store = Store::open_and_probe();
    let device = store.as_ref().map_err(Clone::clone).and_then(|s| {
        if survey.anonymous {
            Ok(String::new())
        } else {
            s.device_id()
        }
    });
    let target = delivery_target(config, survey);
    let keep = Keep {
        personal,
        endpoint: target.as_ref().map(|t| t.endpoint.clone()),
    };
    let outbox = match (&store, &device) {
        (Ok(s), Ok(_)) => {
            let _ = s.slim_acked(&survey.id, personal);
            Some(Outbox::start(
                s,
                &survey.id,
                target,
                delivery_policy(config),
            ))
        }
        _ => None,
    };
    Voting {
        device,
        outbox,
        keep,
    }
}

/// The loaded survey: storage check, header, and the current mode.
#[component]
fn Ready(
    survey: Arc<Survey>,
    lang: RwSignal<Lang>,
    elder: RwSignal<bool>,
    prefix: String,
    config: Arc<Config>,
) -> impl IntoView {
    let personal = config.one_per_device;
    let Voting {
        device,
        outbox,
        keep,
    } = start_voting(&survey, &config, personal);
    let events = crate::host::Events::get();
    if let Some(events) = events {
        events.fire("ready", &survey.id, "version", survey.version.into());
        if let Err(e) = &device {
            events.error(&survey.id, "storage", storage_message(Lang::En, e));
        }
    }
    // Ballot codes: the hash of the voter's code, in memory for this one ballot only.
    let code_hash = RwSignal::new(
        config
            .code
            .as_deref()
            .filter(|_| survey.codes)
            .and_then(normalise_code)
            // Only normalised codes are hashed here: no Unicode case tables in the bundle.
            .map(|n| pingyi_core::codes::normalised_code_hash(&survey.id, &n)),
    );
    let first = if survey.codes {
        if code_hash.get_untracked().is_some() {
            Mode::Form
        } else {
            Mode::Code
        }
    } else {
        // Personal mode's soft check: a ballot this phone holds for this collector.
        Store::open()
            .ok()
            .filter(|_| personal)
            .and_then(|s| s.load_ballots(&survey.id).ok())
            .and_then(|l| already_voted(l, keep.endpoint.as_deref()))
            .map_or(Mode::Form, Mode::Voted)
    };
    let mode = RwSignal::new(first);
    // Closed by the organiser: the collector's state (links only), or a 409 survey_closed.
    let closed = RwSignal::new(false);
    if let (Some(endpoint), true) = (&keep.endpoint, config.fallback_endpoint.is_some()) {
        let is_closed_state = |text: &str| {
            let v = crate::net::parse_json(text).unwrap_or_default();
            v.get("state").and_then(|s| s.as_str()) == Some("closed")
        };
        if let Some(text) = &config.link_state {
            closed.set(is_closed_state(text));
        } else {
            let url = format!("{endpoint}/v1/surveys/{}/state", survey.id);
            leptos::task::spawn_local(async move {
                if let Ok(text) = fetch_text(&url).await {
                    if is_closed_state(&text) {
                        let _ = closed.try_set(true);
                    }
                }
            });
        }
    }
    let is_closed = move || {
        closed.get()
            || outbox.is_some_and(|o| {
                o.snapshot
                    .with(|s| s.last_error == Some(pingyi_core::outbox::Failure::Closed))
            })
    };
    let codes = survey.codes;
    let results_href = config.local_results_url(&survey.id);
    // The ballot in progress lives here; a cast clears it.
    let answers = RwSignal::new(Answers::new());
    let section = RwSignal::new(0usize);

    let title = survey.title.clone();
    let description = survey.description.clone();
    let unit = survey.unit.clone();
    let header = view! {
        <header class="py-header">
            <Toolbar lang elder/>
            <h2 class="py-title">{txt(lang, title)}</h2>
            <p class="py-unit">{unit}</p>
            {description.map(|d| view! { <p class="py-desc">{txt(lang, d.clone())}</p> })}
        </header>
    };

    let body = match device {
        Err(e) => view! {
            <div class="py-error" role="alert" data-testid="storage-error">
                <p>{words(move || storage_message(lang.get(), &e).to_string())}</p>
            </div>
        }
        .into_any(),
        Ok(device) => {
            let on_cast = Callback::new(move |ballot: Ballot| {
                if let Some(events) = events {
                    events.fire(
                        "cast",
                        &ballot.survey_id,
                        "receipt",
                        ballot.receipt().into(),
                    );
                }
                if let Some(outbox) = outbox {
                    outbox.added(&ballot);
                }
                answers.set(Answers::new());
                section.set(0);
                code_hash.set(None);
                mode.set(Mode::Thanks(ballot.receipt()));
            });
            view! {
                {move || match mode.get() {
                    _ if is_closed() => view! {
                        <p class="py-error" role="alert" data-testid="closed">{mt(lang, MeetingKey::Closed)}</p>
                    }.into_any(),
                    Mode::Code => code_entry(survey.id.clone(), lang, code_hash, mode).into_any(),
                    Mode::Voted(receipt) => view! {
                        <section class="py-thanks" data-testid="already-voted">
                            <h3 class="py-section-title">{mt(lang, MeetingKey::AlreadyVoted)}</h3>
                            {receipt.map(|receipt| view! {
                                <p>{tr(lang, Key::ReceiptIntro)}</p>
                                <p class="py-receipt" data-testid="receipt" translate="no">{receipt}</p>
                            })}
                        </section>
                    }.into_any(),
                    Mode::Form => view! {
                        <SurveyForm survey=survey.clone() lang answers section device=device.clone()
                            prefix=prefix.clone() on_cast code_hash=code_hash.get_untracked() keep=keep.clone()/>
                        <nav class="py-nav-results">
                            <a class="py-link" data-testid="view-results" href=results_href.clone()>
                                {tr(lang, Key::ViewResults)}
                            </a>
                        </nav>
                    }.into_any(),
                    // A resident's own phone casts one ballot: no 再投一票, only the receipt and
                    // the upload status. Shared phones and embedding pages offer the next ballot.
                    Mode::Thanks(receipt) => view! {
                        <Thanks receipt lang results_href=results_href.clone() personal
                            on_again=(!personal).then(|| Callback::new(move |_| mode.set(if codes { Mode::Code } else { Mode::Form })))/>
                    }.into_any(),
                }}
            }
            .into_any()
        }
    };

    let status = outbox.map(|outbox| {
        // A ballot refused for its code (`code_used`, `code_unknown`): said plainly, not folded
        // away in the list of reasons.
        let code_refused = move || {
            let l = lang.get();
            outbox.snapshot.with(|s| {
                s.refused
                    .iter()
                    .flat_map(|r| &r.problems)
                    .find(|p| p.code.starts_with("code_"))
                    .map(|p| l.problem(p))
            })
        };
        view! {
            <footer class="py-footer">
                {move || code_refused().map(|m| view! {
                    <p class="py-error" role="alert" data-testid="code-refused">{m}</p>
                })}
                <OutboxStatus outbox lang/>
            </footer>
        }
    });

    view! { {header} {body} {status} }
}

/// The receipt (if kept) of a ballot that makes this phone "already voted" for the collector at
/// `endpoint` (`None`: local-only): a pending one, or one acknowledged for that collector. Refused
/// ballots do not count, nor do ballots a shared device or a kiosk cast here (no receipt kept);
/// records that name no collector (older ones, local-only) count for every collector.
fn already_voted(loaded: Loaded, endpoint: Option<&str>) -> Option<Option<String>> {
    let same = |e: &Option<String>| e.is_none() || e.as_deref() == endpoint;
    let acked = loaded
        .acked
        .into_iter()
        .filter(|a| a.receipt.is_some() && same(&a.endpoint))
        .map(|a| a.receipt);
    let full = loaded
        .ballots
        .into_iter()
        .rev()
        .filter(|b| b.status != Status::Refused && same(&b.endpoint))
        .map(|b| Some(b.ballot.receipt()));
    full.chain(acked).next()
}

/// 输入选票码: the voter types the code from their slip. Only its form is checked here (a phone
/// holds no code list); the collector checks the hash when the ballot arrives.
fn code_entry(
    survey_id: String,
    lang: RwSignal<Lang>,
    code_hash: RwSignal<Option<String>>,
    mode: RwSignal<Mode>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let wrong = RwSignal::new(false);
    let input_id = format!("{survey_id}-code");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = typed.get_untracked();
        if let Some(n) = normalise_code(&code) {
            code_hash.set(Some(pingyi_core::codes::normalised_code_hash(
                &survey_id, &n,
            )));
            typed.set(String::new());
            mode.set(Mode::Form);
        } else {
            wrong.set(true);
        }
    };
    view! {
        <form class="py-form py-code" autocomplete="off" data-testid="code-entry" on:submit={on_submit(submit)}>
            <h3 class="py-section-title"><label for=input_id.clone()>{mt(lang, MeetingKey::EnterCode)}</label></h3>
            <p class="py-help">{mt(lang, MeetingKey::CodeHelp)}</p>
            <input type="text" class="py-input" id=input_id autocomplete="off" autocapitalize="characters" spellcheck="false"
                data-testid="code-input" prop:value=typed
                on:input={on_event(move |ev| { wrong.set(false); typed.set(event_target_value(&ev)) })}/>
            <Show when=move || wrong.get()>
                <p class="py-error" role="alert" data-testid="code-error">{mt(lang, MeetingKey::CodeWrong)}</p>
            </Show>
            <div class="py-buttons">
                <button type="submit" class="py-button py-primary" data-testid="code-start">
                    {mt(lang, MeetingKey::CodeStart)}
                </button>
            </div>
        </form>
    }
}

/// A personal-mode string in the current language (see [`tr`]).
fn mt(lang: RwSignal<Lang>, key: MeetingKey) -> Signal<String> {
    Signal::derive(move || key.t(lang.get()).to_string())
}

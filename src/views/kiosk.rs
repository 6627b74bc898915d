//! The kiosk's screens (feature `kiosk`, page `kiosk.html`): setup → welcome → a freshly mounted
//! form per voter → thanks → welcome, and the organiser's PIN pad and panel.
//!
//! Nothing of one voter survives to the next: each voter's form is a new component with new
//! signals (the previous one is unmounted), no history entries are made, inputs have
//! `autocomplete="off"`, focus and selection are cleared, and the welcome screen holds no receipt.
//!
//! Test hooks: `kiosk-setup`, `kiosk-pin-new`, `kiosk-pin-confirm`, `kiosk-token`,
//! `kiosk-setup-start`, `kiosk-setup-error`, `kiosk-welcome`, `kiosk-count` (`data-count`),
//! `kiosk-code`, `kiosk-code-error`, `kiosk-begin`, `kiosk-ended`, `kiosk-vote`, `kiosk-thanks`,
//! `kiosk-receipt`, `kiosk-done`, `kiosk-organiser`, `kiosk-pin-pad`, `kiosk-digit-{0..9}`,
//! `kiosk-pin-back`, `kiosk-pin-ok`, `kiosk-pin-cancel`, `kiosk-pin-error`, `kiosk-panel`,
//! `kiosk-resume`, `kiosk-end`, `kiosk-exit`, `kiosk-exited`.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use pingyi_core::codes::CodeError;
use pingyi_core::{Ballot, Survey};

use super::status::OutboxStatus;
use super::survey_form::SurveyForm;
use super::CollectAny;
use super::{flag, on_click, on_event, on_submit};
use super::{tr, txt};
use crate::app::{load_survey, loading, start_voting, Load, LoadFailed, Voting};
use crate::embed::Config;
use crate::i18n::{http_status, kiosk_count, kiosk_load_failed, pin_wait, Key, KioskKey, Lang};
use crate::kiosk::{
    autocomplete_off, clear_focus_and_selection, count_ballots, fetch_code_hints, pin_valid,
    KioskRecord, PinAttempt,
};
use crate::net::FetchError;

/// How long the thank-you screen stays before the next voter's welcome (or until 完成).
const THANKS_MS: u64 = 8000;

/// A fixed kiosk string in the current language, as one `Signal<String>` like the widget's
/// [`tr`], so that both render through one monomorphised text view.
fn t(lang: RwSignal<Lang>, key: KioskKey) -> Signal<String> {
    Signal::derive(move || lang.get().t(key).to_string())
}

/// "本机已投 N 票", with the number in `data-count` (the welcome screen and the panel).
fn count_line(lang: RwSignal<Lang>, count: RwSignal<usize>) -> impl IntoView {
    let n = Signal::derive(move || count.get().to_string());
    view! {
        <p class="py-kiosk-count" data-testid="kiosk-count" data-count=n>
            {Signal::derive(move || kiosk_count(lang.get(), count.get()))}
        </p>
    }
}

/// The kiosk page: the survey is loaded as the widget loads it.
#[component]
pub fn Kiosk(config: Config) -> impl IntoView {
    let lang = RwSignal::new(config.lang);
    // Large text for the whole tablet, set by the organiser (`&elder=1` on the kiosk link, or
    // `data-elder`); not a per-voter switch, so one voter's choice never carries to the next.
    let elder = config.elder;
    let load = load_survey(&config);
    let config = Arc::new(config);
    view! {
        <div class="pingyi py-kiosk" class:elder=elder lang=move || lang.get().code() data-testid="pingyi">
            {move || match load.get() {
                Load::Loading => loading(lang).into_any(),
                Load::Failed(error) => view! { <LoadFailed error lang/> }.into_any(),
                Load::Ready(survey) => view! { <KioskReady survey config=config.clone() lang/> }.into_any(),
            }}
        </div>
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Screen {
    Setup,
    Welcome,
    /// Voter number (a fresh form per number) and the checked code's hash.
    Vote(u32, Option<String>),
    Thanks(u32, String),
    Pin,
    Panel,
    Exited,
}

#[component]
fn KioskReady(survey: Arc<Survey>, config: Arc<Config>, lang: RwSignal<Lang>) -> impl IntoView {
    let sid = survey.id.clone();
    // Storage probe, device id and delivery as in the widget; a kiosk is a shared tablet, never
    // personal, so no receipt stays once a ballot is uploaded.
    let Voting {
        device,
        outbox,
        keep,
    } = start_voting(&survey, &config, false);
    let (Ok(device), Some(outbox)) = (device, outbox) else {
        return view! {
            <p class="py-error" role="alert" data-testid="storage-error">
                {t(lang, KioskKey::NoStorage)}
            </p>
        }
        .into_any();
    };
    let endpoint = keep.endpoint;
    let record = RwSignal::new(KioskRecord::load(&sid));
    let count = RwSignal::new(count_ballots(&sid));
    let screen = RwSignal::new(if record.get_untracked().is_some() {
        Screen::Welcome
    } else {
        Screen::Setup
    });
    let voter = StoredValue::new(0u32);

    let welcome = move || {
        clear_focus_and_selection();
        screen.set(Screen::Welcome);
    };

    let on_cast = {
        let sid = sid.clone();
        Callback::new(move |ballot: Ballot| {
            outbox.added(&ballot);
            if let Some(h) = ballot.code_hash.clone() {
                record.update(|r| {
                    if let Some(r) = r {
                        r.used.insert(h);
                        r.save(&sid);
                    }
                });
            }
            count.set(count_ballots(&sid));
            let n = voter.get_value();
            screen.set(Screen::Thanks(n, ballot.receipt()));
            set_timeout(
                move || {
                    if matches!(screen.try_get_untracked(), Some(Screen::Thanks(m, _)) if m == n) {
                        welcome();
                    }
                },
                Duration::from_millis(THANKS_MS),
            );
        })
    };

    let title = survey.title.clone();
    let header = view! {
        <header class="py-header">
            <h2 class="py-title">{txt(lang, title)}</h2>
            <p class="py-unit">{survey.unit.clone()}</p>
        </header>
    };

    let body = move || {
        match screen.get() {
        Screen::Setup => view! {
            <Setup survey=survey.clone() endpoint=endpoint.clone() lang record
                on_done=Callback::new(move |_| welcome())/>
        }
        .into_any(),
        Screen::Welcome => view! {
            <Welcome survey=survey.clone() lang record count
                on_begin=Callback::new(move |hash: Option<String>| {
                    voter.update_value(|n| *n += 1);
                    screen.set(Screen::Vote(voter.get_value(), hash));
                })
                on_organiser=Callback::new(move |_| screen.set(Screen::Pin))/>
        }
        .into_any(),
        Screen::Vote(n, hash) => {
            // A new form with new signals for every voter.
            let answers = RwSignal::new(crate::cast::Answers::new());
            let section = RwSignal::new(0usize);
            let root = NodeRef::<leptos::html::Div>::new();
            Effect::new(move |_| {
                if let Some(el) = root.get() {
                    autocomplete_off(&el);
                }
            });
            view! {
                <div class="py-kiosk-vote" data-testid="kiosk-vote" data-voter=n.to_string() node_ref=root>
                    <SurveyForm survey=survey.clone() lang answers section device=device.clone()
                        prefix=format!("pyk{n}") on_cast code_hash=hash/>
                </div>
            }
            .into_any()
        }
        Screen::Thanks(_, receipt) => view! {
            <section class="py-thanks" data-testid="kiosk-thanks" aria-live="polite">
                <h3 class="py-section-title">{tr(lang, Key::Thanks)}</h3>
                <p>{tr(lang, Key::ReceiptIntro)}</p>
                <p class="py-receipt" data-testid="kiosk-receipt" translate="no">{receipt}</p>
                <div class="py-buttons">
                    <button type="button" class="py-button py-primary" data-testid="kiosk-done"
                        on:click={on_click(move |_| welcome())}>
                        {t(lang, KioskKey::Done)}
                    </button>
                </div>
            </section>
        }
        .into_any(),
        Screen::Pin => view! {
            <PinPad lang record sid=sid.clone()
                on_ok=Callback::new(move |_| screen.set(Screen::Panel))
                on_cancel=Callback::new(move |_| welcome())/>
        }
        .into_any(),
        Screen::Panel => {
            let sid = sid.clone();
            let sid2 = sid.clone();
            let ended = move || record.with(|r| r.as_ref().is_some_and(|r| r.ended));
            view! {
                <section class="py-kiosk-panel" data-testid="kiosk-panel">
                    <h3 class="py-section-title">{t(lang, KioskKey::Organiser)}</h3>
                    {count_line(lang, count)}
                    <OutboxStatus outbox lang/>
                    <div class="py-buttons">
                        <button type="button" class="py-button py-primary" data-testid="kiosk-resume"
                            on:click={on_click(move |_| welcome())}>
                            {t(lang, KioskKey::BackToVoting)}
                        </button>
                        <button type="button" class="py-button py-secondary" data-testid="kiosk-end"
                            on:click={on_click(move |_| record.update(|r| if let Some(r) = r {
                                r.ended = !r.ended;
                                r.save(&sid);
                            }))}>
                            {Signal::derive(move || lang.get().t(if ended() { KioskKey::ResumeVoting } else { KioskKey::EndVoting }).to_string())}
                        </button>
                        <button type="button" class="py-button py-secondary" data-testid="kiosk-exit"
                            on:click={on_click(move |_| {
                                KioskRecord::remove(&sid2);
                                record.set(None);
                                screen.set(Screen::Exited);
                            })}>
                            {t(lang, KioskKey::LeaveKiosk)}
                        </button>
                    </div>
                </section>
            }
            .into_any()
        }
        Screen::Exited => view! {
            <section data-testid="kiosk-exited">
                <p>{t(lang, KioskKey::KioskLeft)}</p>
                <OutboxStatus outbox lang/>
                <button type="button" class="py-button py-secondary" data-testid="kiosk-setup-again"
                    on:click={on_click(move |_| screen.set(Screen::Setup))}>
                    {t(lang, KioskKey::SetUpAgain)}
                </button>
            </section>
        }
        .into_any(),
    }
    };

    view! { {header} <div class="py-kiosk-body">{body}</div> }.into_any()
}

/// The organiser's setup: a PIN (4–8 digits, twice) and, for surveys with codes, the admin
/// token to load the code hints once.
#[component]
fn Setup(
    survey: Arc<Survey>,
    endpoint: Option<String>,
    lang: RwSignal<Lang>,
    record: RwSignal<Option<KioskRecord>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let pin = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let sid = survey.id.clone();
    let codes = survey.codes && endpoint.is_some();
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = pin.get_untracked();
        if !pin_valid(&p) {
            error.set(Some(lang.get_untracked().t(KioskKey::PinFormat).into()));
            return;
        }
        if p != confirm.get_untracked() {
            error.set(Some(lang.get_untracked().t(KioskKey::PinsDiffer).into()));
            return;
        }
        let mut rec = KioskRecord::with_pin(&p);
        let tok = token.get_untracked();
        // The token is read once and cleared from the page.
        token.set(String::new());
        pin.set(String::new());
        confirm.set(String::new());
        let sid = sid.clone();
        let endpoint = endpoint.clone();
        match (tok.trim().is_empty(), endpoint) {
            (false, Some(endpoint)) => {
                busy.set(true);
                leptos::task::spawn_local(async move {
                    match fetch_code_hints(&endpoint, &sid, &tok).await {
                        Ok((hints, used)) => {
                            rec.hints = hints;
                            rec.used.extend(used);
                            rec.save(&sid);
                            let _ = record.try_set(Some(rec));
                            on_done.run(());
                        }
                        Err(e) => {
                            let l = lang.get_untracked();
                            let detail = match e {
                                FetchError::Status(code) => http_status(l, code),
                                FetchError::Network(m) => m,
                            };
                            let _ = error.try_set(Some(kiosk_load_failed(
                                l,
                                KioskKey::CodesLoadFailed,
                                &detail,
                            )));
                            let _ = busy.try_set(false);
                        }
                    }
                });
            }
            _ => {
                rec.save(&sid);
                record.set(Some(rec));
                on_done.run(());
            }
        }
    };
    view! {
        <form class="py-kiosk-setup" data-testid="kiosk-setup" autocomplete="off" on:submit={on_submit(start)}>
            <h3 class="py-section-title">{t(lang, KioskKey::SetUpTitle)}</h3>
            <label>{t(lang, KioskKey::PinNew)}
                <input type="password" inputmode="numeric" autocomplete="off" data-testid="kiosk-pin-new"
                    prop:value=pin on:input={on_event(move |ev| pin.set(event_target_value(&ev)))}/>
            </label>
            <label>{t(lang, KioskKey::PinConfirm)}
                <input type="password" inputmode="numeric" autocomplete="off" data-testid="kiosk-pin-confirm"
                    prop:value=confirm on:input={on_event(move |ev| confirm.set(event_target_value(&ev)))}/>
            </label>
            {codes.then(|| view! {
                <label>{t(lang, KioskKey::TokenForCodes)}
                    <input type="password" autocomplete="off" data-testid="kiosk-token"
                        prop:value=token on:input={on_event(move |ev| token.set(event_target_value(&ev)))}/>
                </label>
            })}
            {move || error.get().map(|e| view! { <p class="py-error" role="alert" data-testid="kiosk-setup-error">{e}</p> })}
            <div class="py-buttons">
                <button type="submit" class="py-button py-primary" data-testid="kiosk-setup-start"
                    prop:disabled=flag(move || busy.get())>
                    {t(lang, KioskKey::Start)}
                </button>
            </div>
        </form>
    }
}

/// "请下一位村民投票": the count, the code entry (surveys with codes) and 开始投票.
#[component]
fn Welcome(
    survey: Arc<Survey>,
    lang: RwSignal<Lang>,
    record: RwSignal<Option<KioskRecord>>,
    count: RwSignal<usize>,
    on_begin: Callback<Option<String>>,
    on_organiser: Callback<()>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<CodeError>);
    let codes = survey.codes;
    let sid = survey.id.clone();
    let ended = move || record.with(|r| r.as_ref().is_some_and(|r| r.ended));
    let begin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ended() {
            return;
        }
        if !codes {
            on_begin.run(None);
            return;
        }
        let typed = code.get_untracked();
        let checked = record.with_untracked(|r| match r {
            Some(r) => r.check(&sid, &typed),
            None => Err(CodeError::Unknown),
        });
        match checked {
            Ok(h) => {
                code.set(String::new());
                on_begin.run(Some(h));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="py-kiosk-welcome" data-testid="kiosk-welcome">
            <h3 class="py-kiosk-next">{t(lang, KioskKey::NextVoter)}</h3>
            {count_line(lang, count)}
            <Show when=move || !ended() fallback=move || view! {
                <p class="py-warning" data-testid="kiosk-ended">{t(lang, KioskKey::Ended)}</p>
            }>
                <form class="py-kiosk-begin" autocomplete="off" on:submit={on_submit(begin.clone())}>
                    {codes.then(|| view! {
                        <label class="py-kiosk-code">{t(lang, KioskKey::EnterCode)}
                            <input type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"
                                data-testid="kiosk-code" prop:value=code
                                on:input={on_event(move |ev| { error.set(None); code.set(event_target_value(&ev)) })}/>
                        </label>
                    })}
                    {move || error.get().map(|e| view! {
                        <p class="py-error" role="alert" data-testid="kiosk-code-error" data-code=e.code()>
                            {t(lang, match e {
                                CodeError::Unknown => KioskKey::CodeUnknown,
                                CodeError::Used => KioskKey::CodeUsed,
                            })}
                        </p>
                    })}
                    <div class="py-buttons">
                        <button type="submit" class="py-button py-primary py-kiosk-start" data-testid="kiosk-begin">
                            {t(lang, KioskKey::StartVoting)}
                        </button>
                    </div>
                </form>
            </Show>
            <button type="button" class="py-link py-kiosk-organiser" data-testid="kiosk-organiser"
                on:click={on_click(move |_| on_organiser.run(()))}>
                {t(lang, KioskKey::Organiser)}
            </button>
        </section>
    }
}

/// The organiser's PIN on on-screen digits (no pop-up). Wrong PINs are throttled
/// ([`KioskRecord::try_pin`]): past five in a row the pad says how long to wait, and the wait is
/// stored, so reloading the page does not clear it.
#[component]
fn PinPad(
    lang: RwSignal<Lang>,
    record: RwSignal<Option<KioskRecord>>,
    sid: String,
    on_ok: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let digits = RwSignal::new(String::new());
    let wrong = RwSignal::new(false);
    // Seconds to wait, as told at the last attempt (or on opening a locked pad).
    let locked = RwSignal::new(
        record.with_untracked(|r| r.as_ref().map_or(0, |r| r.pin_wait(js_sys::Date::now()))),
    );
    let press = move |d: char| {
        wrong.set(false);
        digits.update(|s| {
            if s.len() < 8 {
                s.push(d)
            }
        });
    };
    let ok = move |_| {
        let pin = digits.get_untracked();
        digits.set(String::new());
        let Some(mut rec) = record.get_untracked() else {
            wrong.set(true);
            return;
        };
        let attempt = rec.try_pin(&pin, js_sys::Date::now());
        rec.save(&sid);
        record.set(Some(rec));
        match attempt {
            PinAttempt::Right => {
                locked.set(0);
                on_ok.run(())
            }
            PinAttempt::Wrong => {
                locked.set(0);
                wrong.set(true)
            }
            PinAttempt::Locked { seconds } => {
                wrong.set(false);
                locked.set(seconds)
            }
        }
    };
    let wait_text = Signal::derive(move || pin_wait(lang.get(), locked.get()));
    view! {
        <section class="py-kiosk-pin" data-testid="kiosk-pin-pad">
            <h3 class="py-section-title">{t(lang, KioskKey::PinTitle)}</h3>
            <p class="py-kiosk-dots" aria-live="polite">{Signal::derive(move || "●".repeat(digits.with(|d| d.len())))}</p>
            <Show when=move || wrong.get()>
                <p class="py-error" role="alert" data-testid="kiosk-pin-error">{t(lang, KioskKey::PinWrong)}</p>
            </Show>
            <Show when=move || { locked.get() > 0 }>
                <p class="py-error" role="alert" data-testid="kiosk-pin-wait" data-seconds=Signal::derive(move || locked.get().to_string())>{wait_text}</p>
            </Show>
            <div class="py-kiosk-keys">
                {('1'..='9').chain(['0']).map(|d| view! {
                    <button type="button" class="py-button py-secondary" data-testid=format!("kiosk-digit-{d}")
                        on:click={on_click(move |_| press(d))}>{d.to_string()}</button>
                }).collect_any()}
                <button type="button" class="py-button py-secondary" data-testid="kiosk-pin-back"
                    on:click={on_click(move |_| digits.update(|s| { s.pop(); }))}>{t(lang, KioskKey::Delete)}</button>
                <button type="button" class="py-button py-primary" data-testid="kiosk-pin-ok" on:click={on_click(ok)}>
                    {t(lang, KioskKey::Confirm)}
                </button>
            </div>
            <button type="button" class="py-button py-secondary" data-testid="kiosk-pin-cancel"
                on:click={on_click(move |_| on_cancel.run(()))}>{t(lang, KioskKey::Back)}</button>
        </section>
    }
}

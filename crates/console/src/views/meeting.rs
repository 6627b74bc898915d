//! The organiser's meeting pages (村湾夜话), each behind the sign-in bar: voting controls
//! (reveal / hide / close with an inline confirmation, then the frozen content hash), ballot codes
//! (make N codes, print a sheet of slips with QR codes) and paper ballots (one by one, or totals
//! per option). Every request goes to the collector's meeting API with the admin token (see
//! "Meeting modes" in docs/protocol.md); nothing is counted or checked here beyond reading the
//! form.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pingyi_core::paper::PaperTotals;
use pingyi_core::protocol::{BallotStatus, ErrorBody, SubmitResponse};
use pingyi_core::{Problem, Survey};
use wasm_bindgen::JsCast;

use crate::browser::{self, ServerSettings};
use crate::i18n::{ConsoleWords, Key, Lang};
use crate::meeting::{
    answers_from_form, describe_problem, mark_field, paper_ballot, paper_questions, total_field,
    totals_from_form, CodesResponse, FinalTally, IssuedCode, PaperKind, PaperQuestion,
    PaperTotalsView, SurveyStateView,
};
use crate::model::{parse_survey, read_answer};
use crate::qr::qr_view;
use pingyi_core::protocol::meeting::CodeAttempts;
use pingyi_core::read::FromJson;

/// The organiser's sign-in: collector address, survey id and admin token. The token lives in
/// these signals (page memory) and is written to storage only when 记住 is ticked.
#[derive(Clone, Copy)]
pub struct Session {
    pub url: RwSignal<String>,
    pub survey_id: RwSignal<String>,
    pub token: RwSignal<String>,
    pub remember: RwSignal<bool>,
}

/// What one request needs: base address, survey id, token.
#[derive(Clone, Debug)]
pub struct Target {
    pub base: String,
    pub id: String,
    pub token: String,
}

impl Target {
    fn url(&self, tail: &str) -> String {
        browser::join(&self.base, &format!("/v1/surveys/{}{tail}", self.id))
    }

    async fn send(
        &self,
        method: &str,
        tail: &str,
        body: Option<&str>,
    ) -> Result<browser::Answer, String> {
        browser::request(method, &self.url(tail), body, Some(&self.token))
            .await
            .map_err(|e| e.to_string())
    }
}

impl Session {
    /// From the remembered settings, with `?s=` taking precedence for the survey id.
    pub fn new() -> Session {
        let saved = browser::load_settings().unwrap_or_default();
        let url = if saved.url.is_empty() {
            browser::origin()
        } else {
            saved.url.clone()
        };
        let id = browser::query_param("s").unwrap_or(saved.survey_id.clone());
        Session {
            url: RwSignal::new(url),
            survey_id: RwSignal::new(id),
            remember: RwSignal::new(saved.token.is_some()),
            token: RwSignal::new(saved.token.unwrap_or_default()),
        }
    }

    /// Saves the settings (the token only with 记住) and returns the request target, or the
    /// message saying what is missing.
    pub fn target(&self, lang: Lang, need_token: bool) -> Result<Target, String> {
        let (base, id, token) = (
            self.url.get_untracked(),
            self.survey_id.get_untracked().trim().to_string(),
            self.token.get_untracked(),
        );
        browser::save_settings(&ServerSettings {
            url: base.clone(),
            survey_id: id.clone(),
            token: (self.remember.get_untracked() && !token.is_empty()).then(|| token.clone()),
        });
        if id.is_empty() {
            return Err(lang.t(Key::NeedSurveyId).into());
        }
        if need_token && token.trim().is_empty() {
            return Err(lang.t(Key::NeedToken).into());
        }
        Ok(Target {
            base,
            id,
            token: token.trim().to_string(),
        })
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

/// The sign-in fields; `prefix` names their test ids (`{prefix}-url`, `-survey`, `-token`,
/// `-remember`).
pub fn sign_in_fields(lang: RwSignal<Lang>, s: Session, prefix: &'static str) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    view! {
        <label class="pc-field">
            <span>{move || t(Key::ServerUrl)}</span>
            <input type="text" inputmode="url" data-testid=format!("{prefix}-url") prop:value=move || s.url.get()
                on:input=move |ev| s.url.set(event_target_value(&ev))/>
        </label>
        <label class="pc-field">
            <span>{move || t(Key::SurveyId)}</span>
            <input type="text" data-testid=format!("{prefix}-survey") prop:value=move || s.survey_id.get()
                on:input=move |ev| s.survey_id.set(event_target_value(&ev))/>
        </label>
        <label class="pc-field">
            <span>{move || t(Key::AdminToken)}</span>
            <input type="password" autocomplete="off" data-testid=format!("{prefix}-token") prop:value=move || s.token.get()
                on:input=move |ev| s.token.set(event_target_value(&ev))/>
        </label>
        <label class="pc-choice">
            <input type="checkbox" data-testid=format!("{prefix}-remember") prop:checked=move || s.remember.get()
                on:change=move |ev| s.remember.set(event_target_checked(&ev))/>
            <span>{move || t(Key::Remember)}</span>
        </label>
    }
}

/// The sign-in bar above the meeting pages.
#[component]
pub fn SignIn(lang: RwSignal<Lang>, session: Session) -> impl IntoView {
    view! {
        <section class="pc-sources pc-signin pc-noprint" aria-labelledby="pc-signin-h">
            <h2 id="pc-signin-h">{move || lang.get().t(Key::SignInHeading)}</h2>
            <p class="pc-help">{move || lang.get().t(Key::SignInHelp)}</p>
            <div class="pc-signin-grid">{sign_in_fields(lang, session, "org")}</div>
        </section>
    }
}

/// An outcome line: a message, or an error in the alert role.
#[derive(Clone, Debug, PartialEq)]
enum Line {
    None,
    Busy,
    Ok(String),
    Err(String),
}

fn line_view(line: RwSignal<Line>, lang: RwSignal<Lang>, testid: &'static str) -> impl IntoView {
    move || {
        match line.get() {
        Line::None => None,
        Line::Busy => Some(view! { <p class="pc-status" data-testid=testid>{lang.get().t(Key::Loading)}</p> }.into_any()),
        Line::Ok(m) => Some(view! { <p class="pc-note" role="status" data-testid=testid>{m}</p> }.into_any()),
        Line::Err(m) => Some(
            view! { <p class="pc-error" role="alert" data-testid=testid>{format!("{}{m}", lang.get().t(Key::ErrorPrefix))}</p> }
                .into_any(),
        ),
    }
    }
}

fn parse<T: FromJson>(a: &browser::Answer) -> Result<T, String> {
    if !a.ok() {
        return Err(a.error().to_string());
    }
    read_answer(&a.body)
}

// ------------------------------------------------------------------------------------------------
// Controls

/// Reveal / hide / close, with the state and (after closing) the frozen content hash.
#[component]
pub fn Controls(lang: RwSignal<Lang>, session: Session) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let state: RwSignal<Option<SurveyStateView>> = RwSignal::new(None);
    let fin: RwSignal<Option<FinalTally>> = RwSignal::new(None);
    let confirming = RwSignal::new(false);
    let line = RwSignal::new(Line::None);

    // `tail` is `/state`, `/reveal`, `/hide`, `/close` or `/final`.
    let act = move |method: &'static str, tail: &'static str| {
        let lang = lang.get_untracked();
        let target = match session.target(lang, method == "POST") {
            Ok(t) => t,
            Err(e) => return line.set(Line::Err(e)),
        };
        line.set(Line::Busy);
        spawn_local(async move {
            let result: Result<(), String> = async {
                let a = target
                    .send(method, tail, (method == "POST").then_some("{}"))
                    .await?;
                if tail == "/close" || tail == "/final" {
                    let f: FinalTally = parse(&a)?;
                    fin.set(Some(f));
                    let s = target.send("GET", "/state", None).await?;
                    state.set(Some(parse(&s)?));
                } else {
                    let s: SurveyStateView = parse(&a)?;
                    let closed = s.closed();
                    state.set(Some(s));
                    if closed && fin.get_untracked().is_none() && !target.token.is_empty() {
                        if let Ok(f) = target
                            .send("GET", "/final", None)
                            .await
                            .and_then(|a| parse(&a))
                        {
                            fin.set(Some(f));
                        }
                    }
                }
                Ok(())
            }
            .await;
            line.set(match result {
                Ok(()) => Line::None,
                Err(e) => Line::Err(e),
            });
        });
    };
    if !session.survey_id.get_untracked().trim().is_empty() {
        act("GET", "/state");
    }
    let closed = move || state.get().is_some_and(|s| s.closed());
    let state_line = move || {
        state.get().map(|s| {
            let lang = lang.get();
            let a = if s.closed() { lang.t(Key::StateClosed) } else { lang.t(Key::StateOpen) };
            let b = if s.revealed { lang.t(Key::Revealed) } else { lang.t(Key::NotRevealed) };
            view! {
                <p class="pc-flag" data-testid="meeting-state" data-state=s.state.clone() data-revealed=s.revealed.to_string()>
                    <strong>{format!("{a} · {b}")}</strong>
                </p>
            }
        })
    };
    let close_part = move || {
        if closed() {
            return None;
        }
        Some(if confirming.get() {
            view! {
                <div class="pc-confirm" role="group" aria-labelledby="pc-close-warn">
                    <p id="pc-close-warn" class="pc-warning">{t(Key::CloseWarning)}</p>
                    <div class="pc-buttons">
                        <button type="button" class="pc-button pc-danger" data-testid="confirm-close"
                            on:click=move |_| { confirming.set(false); act("POST", "/close"); }>
                            {t(Key::ConfirmClose)}
                        </button>
                        <button type="button" class="pc-button pc-secondary" data-testid="cancel-close"
                            on:click=move |_| confirming.set(false)>
                            {t(Key::Cancel)}
                        </button>
                    </div>
                </div>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="pc-button pc-secondary" data-testid="close"
                    on:click=move |_| confirming.set(true)>
                    {t(Key::Close)}
                </button>
            }
            .into_any()
        })
    };
    let fin_view = move || {
        fin.get().map(|f| {
            view! {
                <section class="pc-block" data-testid="final" aria-labelledby="pc-final-h">
                    <h3 id="pc-final-h">{t(Key::StateClosed)}</h3>
                    <dl class="pc-meta">
                        <dt>{t(Key::ClosedAt)}</dt><dd>{f.closed_at.clone()}</dd>
                        <dt>{t(Key::ContentHash)}</dt>
                        <dd><code class="pc-digest" data-testid="content-hash">{f.content_hash.clone()}</code></dd>
                    </dl>
                    <p class="pc-help">{t(Key::ContentHashHelp)}</p>
                </section>
            }
        })
    };
    view! {
        <section class="pc-block" aria-labelledby="pc-controls-h" data-testid="controls">
            <h2 id="pc-controls-h">{move || t(Key::NavControls)}</h2>
            <p class="pc-help">{move || t(Key::ControlsHelp)}</p>
            {state_line}
            <div class="pc-buttons">
                <button type="button" class="pc-button" data-testid="reveal" on:click=move |_| act("POST", "/reveal")>
                    {move || t(Key::Reveal)}
                </button>
                <button type="button" class="pc-button pc-secondary" data-testid="hide" on:click=move |_| act("POST", "/hide")>
                    {move || t(Key::Hide)}
                </button>
                <button type="button" class="pc-button pc-secondary" data-testid="refresh-state"
                    on:click=move |_| act("GET", "/state")>
                    {move || t(Key::RefreshState)}
                </button>
            </div>
            {close_part}
            {line_view(line, lang, "controls-line")}
            {fin_view}
        </section>
    }
}

// ------------------------------------------------------------------------------------------------
// Ballot codes

/// The printable sheet of slips: per code the survey title, the code in large monospace, the QR
/// code of its join link and the one-line instruction. Nothing on it says who gets which slip.
pub fn code_sheet(title: &str, codes: &[IssuedCode], lang: Lang) -> AnyView {
    let slips = codes
        .iter()
        .map(|c| {
            let url = slip_url(&c.url);
            view! {
                <li class="pc-slip" data-code=c.code.clone()>
                    <p class="pc-slip-title">{title.to_string()}</p>
                    <p class="pc-slip-code" data-testid="slip-code">{c.code.clone()}</p>
                    {qr_view(&url, lang.qr_label(&url), "pc-slip-qr")}
                    <p class="pc-slip-help">{lang.t(Key::SlipInstruction)}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="pc-slips" data-testid="slips">{slips}</ul> }.into_any()
}

/// A slip's link with the code in the fragment (`#code=`), which never reaches a server: an older
/// collector's trailing `&code=` is moved there (the widget reads both).
pub fn slip_url(url: &str) -> String {
    match url.rsplit_once("&code=") {
        Some((base, code)) if !url.contains('#') && !code.contains('&') => {
            format!("{base}#code={code}")
        }
        _ => url.to_string(),
    }
}

/// The organiser's warning when ballots with unknown codes spike (有人在猜选票码); nothing
/// otherwise.
pub fn guessing_warning(attempts: &CodeAttempts, lang: Lang) -> Option<AnyView> {
    attempts.alert.then(|| {
        let text = lang.codes_guessing(
            attempts.unknown_recent,
            attempts.window_seconds,
            attempts.retry_after_seconds,
        );
        view! {
            <p class="pc-warning pc-noprint" role="alert" data-testid="codes-guessing"
                data-unknown=attempts.unknown_recent.to_string()>{text}</p>
        }
        .into_any()
    })
}

/// Seconds between looks at `codes/attempts` while the codes page is open.
const ATTEMPTS_POLL_SECONDS: u64 = 20;

/// Make codes and show the sheet (once: the collector cannot show them again).
#[component]
pub fn Codes(lang: RwSignal<Lang>, session: Session) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let count = RwSignal::new(String::from("30"));
    let sheet: RwSignal<Option<(String, CodesResponse)>> = RwSignal::new(None);
    let line = RwSignal::new(Line::None);
    // Unknown-code attempts lately: looked at now and every ATTEMPTS_POLL_SECONDS with the token.
    let attempts: RwSignal<Option<CodeAttempts>> = RwSignal::new(None);
    let look = move || {
        if session.token.get_untracked().trim().is_empty()
            || session.survey_id.get_untracked().trim().is_empty()
        {
            return;
        }
        let Ok(target) = session.target(lang.get_untracked(), true) else {
            return;
        };
        spawn_local(async move {
            if let Ok(a) = target.send("GET", "/codes/attempts", None).await {
                if let Ok(a) = parse::<CodeAttempts>(&a) {
                    let _ = attempts.try_set(Some(a));
                }
            }
        });
    };
    look();
    if let Ok(handle) =
        set_interval_with_handle(look, std::time::Duration::from_secs(ATTEMPTS_POLL_SECONDS))
    {
        on_cleanup(move || handle.clear());
    }
    let make = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let target = match session.target(lang, true) {
            Ok(t) => t,
            Err(e) => return line.set(Line::Err(e)),
        };
        let n: u32 = count.get_untracked().trim().parse().unwrap_or(0);
        line.set(Line::Busy);
        spawn_local(async move {
            let result: Result<(String, CodesResponse), String> = async {
                let survey = target.send("GET", "", None).await?;
                let survey: Survey =
                    parse_survey(&parse::<serde_json::Value>(&survey)?.to_string(), lang)?;
                let body = serde_json::json!({ "count": n }).to_string();
                let codes: CodesResponse =
                    parse(&target.send("POST", "/codes", Some(&body)).await?)?;
                Ok((lang.text(&survey.title), codes))
            }
            .await;
            match result {
                Ok((title, codes)) => {
                    line.set(Line::Ok(lang.codes_made(codes.count, codes.total)));
                    sheet.set(Some((title, codes)));
                }
                Err(e) => line.set(Line::Err(e)),
            }
        });
    };
    let sheet_view = move || {
        sheet.get().map(|(title, codes)| {
            let lang = lang.get();
            view! {
                <p class="pc-warning pc-noprint" role="alert" data-testid="codes-once">{lang.t(Key::CodesOnce)}</p>
                <p class="pc-help pc-noprint">{lang.t(Key::CodesNoRecord)}</p>
                <button type="button" class="pc-button pc-noprint" data-testid="print-slips" on:click=move |_| browser::print()>
                    {lang.t(Key::PrintSlips)}
                </button>
                {code_sheet(&title, &codes.codes, lang)}
            }
        })
    };
    view! {
        <section class="pc-block" aria-labelledby="pc-codes-h" data-testid="codes">
            <h2 id="pc-codes-h" class="pc-noprint">{move || t(Key::NavCodes)}</h2>
            <form class="pc-controls pc-inline-form pc-noprint" on:submit=make>
                <label class="pc-field">
                    <span>{move || t(Key::CodesCount)}</span>
                    <input type="number" min="1" max="2000" inputmode="numeric" data-testid="codes-count"
                        prop:value=move || count.get() on:input=move |ev| count.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="pc-button" data-testid="codes-generate">{move || t(Key::CodesGenerate)}</button>
            </form>
            <div class="pc-noprint">{line_view(line, lang, "codes-line")}</div>
            {move || attempts.get().and_then(|a| guessing_warning(&a, lang.get()))}
            {sheet_view}
        </section>
    }
}

// ------------------------------------------------------------------------------------------------
// Paper ballots

/// `(name, value)` pairs of a form, as submitted.
fn form_pairs(form: &web_sys::HtmlFormElement) -> Vec<(String, String)> {
    let Ok(data) = web_sys::FormData::new_with_form(form) else {
        return Vec::new();
    };
    let Ok(Some(iter)) = js_sys::try_iter(&data) else {
        return Vec::new();
    };
    iter.filter_map(|e| e.ok())
        .filter_map(|e| {
            let pair: js_sys::Array = e.dyn_into().ok()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// One question of the one-by-one form.
fn mark_question(q: &PaperQuestion, lang: Lang) -> AnyView {
    let radios = |name: String, options: &[(String, pingyi_core::Text)], kind: &'static str| {
        options
            .iter()
            .map(|(id, label)| {
                view! {
                    <label class="pc-choice">
                        <input type=kind name=name.clone() value=id.clone()/>
                        <span>{lang.text(label)}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let title = lang.text(&q.title);
    let body = match q.kind {
        PaperKind::Single => view! { <div class="pc-marks">{radios(mark_field(&q.id, None), &q.options, "radio")}</div> }.into_any(),
        PaperKind::Choose => view! {
            <p class="pc-help">{lang.choose_range(q.min, q.max)}</p>
            <div class="pc-marks">{radios(mark_field(&q.id, None), &q.options, "checkbox")}</div>
        }
        .into_any(),
        PaperKind::Matrix => q
            .subjects
            .iter()
            .map(|(sid, label)| {
                view! {
                    <fieldset class="pc-fieldset pc-subject-marks">
                        <legend>{lang.text(label)}</legend>
                        <div class="pc-marks">{radios(mark_field(&q.id, Some(sid)), &q.options, "radio")}</div>
                    </fieldset>
                }
            })
            .collect_view()
            .into_any(),
    };
    view! {
        <fieldset class="pc-fieldset" data-question=q.id.clone()>
            <legend>{title}</legend>
            {body}
        </fieldset>
    }
    .into_any()
}

/// The totals table of one question: one row per subject (or one row), columns: ballots that
/// answered, then each option.
fn totals_table(q: &PaperQuestion, existing: &[PaperTotals], lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let title = lang.text(&q.title);
    let subjects: Vec<Option<(String, String)>> = if q.subjects.is_empty() {
        vec![None]
    } else {
        q.subjects
            .iter()
            .map(|(id, l)| Some((id.clone(), lang.text(l))))
            .collect()
    };
    let head_opts = q
        .options
        .iter()
        .map(|(_, l)| view! { <th scope="col">{lang.text(l)}</th> })
        .collect_view();
    let matrix = !q.subjects.is_empty();
    let rows = subjects
        .into_iter()
        .map(|sub| {
            let sid = sub.as_ref().map(|(id, _)| id.clone());
            let prev = existing.iter().find(|e| e.question_id == q.id && e.subject_id == sid);
            let row_label = match &sub {
                Some((_, l)) => format!("{title} · {l}"),
                None => title.clone(),
            };
            let cell = |name: String, aria: String, value: Option<u64>| {
                view! {
                    <td><input type="number" min="0" inputmode="numeric" class="pc-count" name=name.clone()
                        data-field=name aria-label=aria value=value.map(|v| v.to_string()).unwrap_or_default()/></td>
                }
            };
            let ballots = cell(
                total_field(&q.id, sid.as_deref(), None),
                format!("{row_label} · {}", t(Key::PaperBallotsCol)),
                prev.map(|p| p.ballots),
            );
            let opts = q
                .options
                .iter()
                .map(|(o, l)| {
                    cell(
                        total_field(&q.id, sid.as_deref(), Some(o)),
                        format!("{row_label} · {}", lang.text(l)),
                        prev.and_then(|p| p.counts.get(o).copied()),
                    )
                })
                .collect_view();
            view! {
                <tr>
                    {sub.map(|(_, l)| view! { <th scope="row">{l}</th> })}
                    {ballots}
                    {opts}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="pc-table pc-totals" data-question=q.id.clone()>
            <caption>{title.clone()}</caption>
            <thead><tr>
                {matrix.then(|| view! { <th scope="col">{t(Key::Subject)}</th> })}
                <th scope="col">{t(Key::PaperBallotsCol)}</th>
                {head_opts}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Paper ballot entry: load the survey, then key in ballots one by one and/or totals.
#[component]
pub fn Paper(lang: RwSignal<Lang>, session: Session) -> impl IntoView {
    let t = move |k| lang.get().t(k);
    let survey: RwSignal<Option<Arc<Survey>>> = RwSignal::new(None);
    let existing: RwSignal<Vec<PaperTotals>> = RwSignal::new(Vec::new());
    let load_line = RwSignal::new(Line::None);
    let ballot_line = RwSignal::new(Line::None);
    let ballot_problems: RwSignal<Vec<Problem>> = RwSignal::new(Vec::new());
    let totals_line = RwSignal::new(Line::None);
    let totals_problems: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let entered = RwSignal::new(0u64);
    let one_form: NodeRef<html::Form> = NodeRef::new();
    let totals_form: NodeRef<html::Form> = NodeRef::new();

    let load = move |_| {
        let lang = lang.get_untracked();
        let target = match session.target(lang, true) {
            Ok(t) => t,
            Err(e) => return load_line.set(Line::Err(e)),
        };
        load_line.set(Line::Busy);
        spawn_local(async move {
            let result: Result<(Survey, Vec<PaperTotals>), String> = async {
                let a = target.send("GET", "", None).await?;
                let s = parse_survey(&parse::<serde_json::Value>(&a)?.to_string(), lang)?;
                let totals: PaperTotalsView =
                    parse(&target.send("GET", "/paper-totals", None).await?)?;
                let prev = if totals.survey_version == Some(s.version) {
                    totals.totals
                } else {
                    Vec::new()
                };
                Ok((s, prev))
            }
            .await;
            match result {
                Ok((s, prev)) => {
                    existing.set(prev);
                    survey.set(Some(Arc::new(s)));
                    load_line.set(Line::None);
                }
                Err(e) => load_line.set(Line::Err(e)),
            }
        });
    };

    let submit_one = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let (Some(s), Some(form)) = (survey.get_untracked(), one_form.get_untracked()) else {
            return;
        };
        let target = match session.target(lang, true) {
            Ok(t) => t,
            Err(e) => return ballot_line.set(Line::Err(e)),
        };
        let answers = answers_from_form(&paper_questions(&s), &form_pairs(&form));
        let id = match browser::random_uuid() {
            Ok(id) => id,
            Err(e) => return ballot_line.set(Line::Err(e.to_string())),
        };
        let ballot = paper_ballot(&s, id, browser::now_rfc3339(), answers);
        let body = serde_json::json!({ "ballots": [ballot] }).to_string();
        ballot_line.set(Line::Busy);
        ballot_problems.set(Vec::new());
        spawn_local(async move {
            let a = match target.send("POST", "/ballots", Some(&body)).await {
                Ok(a) => a,
                Err(e) => return ballot_line.set(Line::Err(e)),
            };
            let Some(result) = crate::model::parse_json(&a.body)
                .ok()
                .and_then(|v| SubmitResponse::from_value(&v))
                .and_then(|r| r.results.into_iter().next())
            else {
                return ballot_line.set(Line::Err(a.error().to_string()));
            };
            let (key, ok) = match result.status {
                BallotStatus::Accepted => (Key::StatusAccepted, true),
                BallotStatus::Duplicate => (Key::StatusDuplicate, true),
                BallotStatus::Conflict => (Key::StatusConflict, false),
                BallotStatus::Rejected => (Key::StatusRejected, false),
            };
            if result.status == BallotStatus::Accepted {
                entered.update(|n| *n += 1);
            }
            let msg = format!("{} · {}", short_id(&result.id), lang.t(key));
            if ok {
                form.reset();
                ballot_line.set(Line::Ok(msg));
            } else {
                ballot_problems.set(result.problems);
                ballot_line.set(Line::Err(msg));
            }
        });
    };

    let submit_totals = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let (Some(s), Some(form)) = (survey.get_untracked(), totals_form.get_untracked()) else {
            return;
        };
        totals_problems.set(Vec::new());
        let totals = match totals_from_form(&paper_questions(&s), &form_pairs(&form), lang) {
            Ok(t) => t,
            Err(e) => return totals_line.set(Line::Err(e)),
        };
        let target = match session.target(lang, true) {
            Ok(t) => t,
            Err(e) => return totals_line.set(Line::Err(e)),
        };
        let body = serde_json::json!({ "totals": totals }).to_string();
        totals_line.set(Line::Busy);
        spawn_local(async move {
            let a = match target.send("PUT", "/paper-totals", Some(&body)).await {
                Ok(a) => a,
                Err(e) => return totals_line.set(Line::Err(e)),
            };
            if a.ok() {
                match read_answer::<PaperTotalsView>(&a.body) {
                    Ok(v) => {
                        totals_line
                            .set(Line::Ok(lang.totals_saved(v.totals.len(), v.paper_ballots)));
                        existing.set(v.totals);
                    }
                    Err(e) => totals_line.set(Line::Err(e)),
                }
            } else {
                let problems = crate::model::parse_json(&a.body)
                    .ok()
                    .and_then(|v| ErrorBody::from_value(&v))
                    .map(|b| b.error.problems)
                    .unwrap_or_default();
                totals_problems.set(
                    problems
                        .iter()
                        .map(|p| describe_problem(p, &totals, &s, lang))
                        .collect(),
                );
                totals_line.set(Line::Err(a.error().to_string()));
            }
        });
    };

    let problems_list = move |items: Vec<String>, testid: &'static str| {
        (!items.is_empty()).then(|| {
            let lis = items
                .into_iter()
                .map(|p| view! { <li>{p}</li> })
                .collect_view();
            view! {
                <div class="pc-problems" data-testid=testid>
                    <h4>{lang.get_untracked().t(Key::ProblemsHeading)}</h4>
                    <ul>{lis}</ul>
                </div>
            }
        })
    };

    let forms = move || {
        let s = survey.get()?;
        let lang_v = lang.get();
        let qs = paper_questions(&s);
        let marks = qs.iter().map(|q| mark_question(q, lang_v)).collect_view();
        let prev = existing.get();
        let tables = qs
            .iter()
            .map(|q| totals_table(q, &prev, lang_v))
            .collect_view();
        Some(view! {
            <section class="pc-block" aria-labelledby="pc-one-h" data-testid="paper-one">
                <h3 id="pc-one-h">{lang_v.t(Key::PaperOneByOne)}</h3>
                <p class="pc-help">{lang_v.t(Key::PaperOneHelp)}</p>
                <p class="pc-help">{lang_v.t(Key::PaperSkipped)}</p>
                <form class="pc-panel" node_ref=one_form on:submit=submit_one autocomplete="off">
                    {marks}
                    <button type="submit" class="pc-button" data-testid="paper-submit">{lang_v.t(Key::PaperSubmit)}</button>
                </form>
                <p class="pc-flag" data-testid="paper-count" aria-live="polite">{move || lang.get().paper_entered(entered.get())}</p>
                {line_view(ballot_line, lang, "paper-result")}
                {move || problems_list(
                    ballot_problems.get().iter().map(|p| {
                        let m = if lang.get_untracked() == Lang::En { &p.en } else { &p.zh };
                        format!("{m} ({})", p.path)
                    }).collect(),
                    "paper-problems",
                )}
            </section>
            <section class="pc-block" aria-labelledby="pc-totals-h" data-testid="paper-totals">
                <h3 id="pc-totals-h">{lang_v.t(Key::PaperTotalsHeading)}</h3>
                <p class="pc-help">{lang_v.t(Key::PaperTotalsHelp)}</p>
                <form class="pc-panel" node_ref=totals_form on:submit=submit_totals autocomplete="off">
                    {tables}
                    <button type="submit" class="pc-button" data-testid="totals-save">{lang_v.t(Key::SaveTotals)}</button>
                </form>
                {line_view(totals_line, lang, "totals-result")}
                {move || problems_list(totals_problems.get(), "totals-problems")}
            </section>
        })
    };

    view! {
        <section class="pc-block" aria-labelledby="pc-paper-h" data-testid="paper">
            <h2 id="pc-paper-h">{move || t(Key::NavPaper)}</h2>
            <button type="button" class="pc-button" data-testid="paper-load" on:click=load>{move || t(Key::LoadSurvey)}</button>
            {line_view(load_line, lang, "paper-load-line")}
            {forms}
        </section>
    }
}

/// The first 8 characters of a ballot id, for the result line.
fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

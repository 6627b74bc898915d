//! Publishing and launching. While core finds any problem the 发布 button is disabled and says
//! how many are left. Publishing asks the collector for the published version (`GET
//! /v1/surveys/{id}`) and the ballots stored per version (`GET …/tally`), lets core's
//! `plan_publish` decide, shows its explanation and asks for an explicit confirmation when
//! ballots of another version would no longer be counted (then `PUT …?confirm=drop-version-count`).
//! Afterwards: the resident, kiosk and projector links with QR codes, printable, and the code
//! slips when the survey uses ballot codes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pingyi_core::builder::{plan_publish, PublishPlan};
use pingyi_core::{parse_survey, Survey};

use super::Ctx;
use crate::browser;
use crate::i18n::{BuilderWords, Key, Lang};
use crate::publish::{ballots_per_version, links, Links};
use crate::qr::qr_view;

/// Where publishing is.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Idle,
    Working,
    /// Waiting for the organiser's confirmation of this plan.
    Confirm(PublishPlan),
    /// Published (or unchanged): the version in force and its words.
    Done {
        version: u32,
        said: String,
        links: Links,
    },
    Failed(String),
}

/// The collector's answer in words: its own message (it carries both languages) or the status.
fn failure(lang: Lang, e: browser::FetchError) -> String {
    format!("{}{e}", lang.t(Key::ServerSaid))
}

/// The latest published version of `id`, `None` when the collector has none.
async fn published(base: &str, id: &str, lang: Lang) -> Result<Option<Survey>, String> {
    let url = browser::join(base, &format!("/v1/surveys/{id}"));
    let answer = browser::request("GET", &url, None, None)
        .await
        .map_err(|e| failure(lang, e))?;
    if answer.status == 404 {
        return Ok(None);
    }
    let text = answer.into_text().map_err(|e| failure(lang, e))?;
    parse_survey(&text).map(Some).map_err(|ps| {
        ps.iter()
            .map(|p| lang.problem(p))
            .collect::<Vec<_>>()
            .join(" / ")
    })
}

/// The ballots stored per version of `id`, from its tally.
async fn stored(base: &str, id: &str, token: &str, lang: Lang) -> Result<Vec<(u32, u64)>, String> {
    let url = browser::join(base, &format!("/v1/surveys/{id}/tally"));
    let answer = browser::request("GET", &url, None, Some(token))
        .await
        .map_err(|e| failure(lang, e))?;
    if answer.status == 404 {
        return Ok(Vec::new());
    }
    let text = answer.into_text().map_err(|e| failure(lang, e))?;
    ballots_per_version(&text)
}

/// `PUT` the survey as version `plan.version`.
async fn put(
    base: &str,
    survey: &Survey,
    token: &str,
    confirmed: bool,
    lang: Lang,
) -> Result<(), String> {
    let confirm = if confirmed {
        "?confirm=drop-version-count"
    } else {
        ""
    };
    let url = browser::join(base, &format!("/v1/surveys/{}{confirm}", survey.id));
    let body = serde_json::to_string(survey).map_err(|e| e.to_string())?;
    browser::request("PUT", &url, Some(&body), Some(token))
        .await
        .map_err(|e| failure(lang, e))?
        .into_text()
        .map(|_| ())
        .map_err(|e| failure(lang, e))
}

/// The publish card and, once published, the launch card.
pub fn publish_panel(ctx: Ctx) -> impl IntoView {
    let (saved_url, saved_token) = browser::load_settings();
    let url = RwSignal::new(if saved_url.is_empty() {
        browser::origin()
    } else {
        saved_url
    });
    let remember = RwSignal::new(saved_token.is_some());
    let token = RwSignal::new(saved_token.unwrap_or_default());
    let stage = RwSignal::new(Stage::Idle);
    let blocking = move || ctx.problems.with(|p| p.len());

    // Publishes `plan` (confirmed or not): sets the version, sends, shows the links.
    let send = move |plan: PublishPlan, confirmed: bool| {
        let lang = ctx.lang.get_untracked();
        let (base, tok) = (url.get_untracked(), token.get_untracked());
        if plan.version != ctx.draft.with_untracked(|d| d.survey.version) {
            ctx.set(|d| d.survey.version = plan.version);
        }
        let survey = ctx.draft.with_untracked(|d| d.survey.clone());
        stage.set(Stage::Working);
        spawn_local(async move {
            match put(&base, &survey, tok.trim(), confirmed, lang).await {
                Ok(()) => stage.set(Stage::Done {
                    version: plan.version,
                    said: lang.text(&plan.explanation),
                    links: links(&base, &survey.id, survey.codes),
                }),
                Err(e) => stage.set(Stage::Failed(e)),
            }
        });
    };
    let begin = move || {
        let lang = ctx.lang.get_untracked();
        if blocking() > 0 {
            return;
        }
        let (base, tok) = (
            url.get_untracked(),
            token.get_untracked().trim().to_string(),
        );
        if tok.is_empty() {
            stage.set(Stage::Failed(lang.t(Key::NeedToken).into()));
            return;
        }
        let survey = ctx.draft.with_untracked(|d| d.survey.clone());
        browser::save_settings(
            &base,
            &survey.id,
            remember.get_untracked().then_some(tok.as_str()),
        );
        stage.set(Stage::Working);
        spawn_local(async move {
            let plan = async {
                let old = published(&base, &survey.id, lang).await?;
                let counts = match &old {
                    Some(_) => stored(&base, &survey.id, &tok, lang).await?,
                    None => Vec::new(),
                };
                Ok::<_, String>(plan_publish(old.as_ref(), &survey, &counts))
            }
            .await;
            match plan {
                Err(e) => stage.set(Stage::Failed(e)),
                Ok(plan) if !plan.new_version => stage.set(Stage::Done {
                    version: plan.version,
                    said: lang.text(&plan.explanation),
                    links: links(&base, &survey.id, survey.codes),
                }),
                Ok(plan) if plan.needs_confirmation => stage.set(Stage::Confirm(plan)),
                Ok(plan) => send(plan, false),
            }
        });
    };

    let t = move |k| ctx.t(k);
    let blocked_line = move || {
        let n = blocking();
        (n > 0).then(|| {
            let lang = ctx.lang.get();
            view! {
                <div class="pb-blocked" data-testid="publish-blocked" role="status">
                    <p class="pb-problem">{lang.problems_left(n)}</p>
                    <ul class="pb-problem-list">
                        {ctx.problems.get().into_iter().map(|p| view! { <li>{lang.problem(&p.problem)}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    };
    let stage_view = move || match stage.get() {
        Stage::Idle => ().into_any(),
        Stage::Working => view! { <p class="pb-note">{t(Key::Publishing)}</p> }.into_any(),
        Stage::Failed(e) => {
            view! { <p class="pb-problem" role="alert" data-testid="publish-error">{e}</p> }
                .into_any()
        }
        Stage::Confirm(plan) => {
            let lang = ctx.lang.get();
            let plan2 = plan.clone();
            view! {
                <div class="pb-confirm" role="alert" data-testid="publish-confirm">
                    <p>{lang.text(&plan.explanation)}</p>
                    <div class="pb-buttons">
                        <button type="button" class="pb-button pb-danger-button" data-testid="confirm-publish"
                            on:click=move |_| send(plan2.clone(), true)>
                            {lang.confirm_version(plan.version)}
                        </button>
                        <button type="button" class="pb-button pb-secondary" data-testid="cancel-publish"
                            on:click=move |_| stage.set(Stage::Idle)>
                            {t(Key::Cancel)}
                        </button>
                    </div>
                </div>
            }
            .into_any()
        }
        Stage::Done {
            version,
            said,
            links,
        } => {
            let lang = ctx.lang.get();
            view! {
                <p class="pb-success" role="status" data-testid="published">{lang.published(version)}" "{said}</p>
                {launch(lang, links)}
            }
            .into_any()
        }
    };
    view! {
        <section class="pb-card pb-publish" id="pb-publish" aria-labelledby="pb-publish-h">
            <h2 id="pb-publish-h" class="pb-noprint">{move || t(Key::PublishHeading)}</h2>
            <div class="pb-noprint">
                <label class="pb-field">
                    <span class="pb-label">{move || t(Key::ServerUrl)}</span>
                    <input class="pb-input" type="text" inputmode="url" data-testid="server-url"
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                </label>
                <label class="pb-field">
                    <span class="pb-label">{move || t(Key::AdminToken)}</span>
                    <input class="pb-input" type="password" autocomplete="off" data-testid="admin-token"
                        prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/>
                </label>
                <label class="pb-check">
                    <input type="checkbox" data-testid="remember" prop:checked=move || remember.get()
                        on:change=move |ev| remember.set(event_target_checked(&ev))/>
                    <span>{move || t(Key::Remember)}</span>
                </label>
                {blocked_line}
                <button type="button" class="pb-button pb-primary" data-testid="publish"
                    disabled=move || { blocking() > 0 || stage.get() == Stage::Working }
                    on:click=move |_| begin()>
                    {move || if blocking() > 0 { ctx.lang.get().cannot_publish(blocking()) } else { t(Key::Publish).to_string() }}
                </button>
            </div>
            <div aria-live="polite">{stage_view}</div>
        </section>
    }
}

/// The launch card: each link with its QR code, and printing.
fn launch(lang: Lang, links: Links) -> impl IntoView {
    let card = |key: Key, help: Key, url: String, testid: &'static str| {
        view! {
            <div class="pb-link" data-testid=testid>
                <h3>{lang.t(key)}</h3>
                <p class="pb-help">{lang.t(help)}</p>
                <a class="pb-url" href=url.clone() target="_blank" rel="noopener">{url.clone()}</a>
                {qr_view(&url, lang.qr_label(&url))}
            </div>
        }
    };
    view! {
        <div class="pb-launch" data-testid="launch">
            <h2>{lang.t(Key::LaunchHeading)}</h2>
            <div class="pb-links">
                {card(Key::ResidentLink, Key::ResidentHelp, links.resident.clone(), "link-resident")}
                {card(Key::KioskLink, Key::KioskHelp, links.kiosk.clone(), "link-kiosk")}
                {card(Key::ProjectorLink, Key::ProjectorHelp, links.projector.clone(), "link-projector")}
            </div>
            {links.codes.map(|url| view! {
                <p class="pb-noprint"><a class="pb-button pb-secondary" data-testid="link-codes" href=url target="_blank" rel="noopener">{lang.t(Key::CodeSlips)}</a></p>
            })}
            <p class="pb-noprint">
                <button type="button" class="pb-button pb-secondary" data-testid="print" on:click=|_| browser::print()>
                    {lang.t(Key::Print)}
                </button>
            </p>
        </div>
    }
}

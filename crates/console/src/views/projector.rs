//! The projector page (`/console/?view=projector&s=<id>`): full screen, high contrast, type
//! readable from 5 m. It shows the survey title and unit, a large QR code of the join link
//! `{origin}/?s={id}` (with the link in text), and "已收到 N 张 / 应到 M" from the collector's
//! public `GET …/live`, kept current by the server-sent events of `GET …/live/events` (with a
//! fallback: `GET …/live` every 5 s whenever no event arrived for 10 s).
//!
//! While the results are not revealed the page holds only the count and the line "结果将在投票
//! 结束后公布": the collector sends no per-option figure then, and none is in the DOM. Revealed,
//! every question is a large bar chart (the results view's charts) with counts and percentages,
//! one question per page, turning every 12 s (暂停翻页 stops it) so that each page fits the screen.
//! Closed, a "投票已结束" banner heads the page and the frozen final tally's content hash is shown
//! at the foot, revealed or not, so a photo of the screen can later be checked against the
//! published result. No admin token is needed or used here: the public live view carries counts
//! only (never a suggestion or a reason), and none at all unless the survey has `results_public`;
//! revealed without them, the page says the organiser will publish the results.

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::results::projector_question;
use crate::browser;
use crate::i18n::{ConsoleWords, Key, Lang};
use crate::meeting::{join_url, LiveView};
use crate::qr::qr_view;

/// The projector's content for one live view (a pure function of the payload, so tests can
/// render it directly).
pub fn projector_body(live: &LiveView, join: &str, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let closed = live.closed().then(|| {
        view! { <p class="pj-closed" role="status" data-testid="pj-closed"><strong>{t(Key::VotingClosed)}</strong></p> }
    });
    // In groups of eight so it can be read out and compared by eye.
    let hash = live.content_hash.as_ref().map(|h| {
        let groups: Vec<&str> = h
            .as_bytes()
            .chunks(8)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        view! {
            <p class="pj-hash" data-testid="pj-hash">
                {t(Key::FrozenHash)} " " <code>{groups.join(" ")}</code>
            </p>
        }
    });
    let results = match (&live.tally, live.revealed) {
        (Some(tally), true) => {
            let charts: Vec<AnyView> = tally
                .questions
                .iter()
                .filter_map(|q| projector_question(q, lang))
                .collect();
            let pages = charts.len();
            // The first page shows; [`show_page`] turns them.
            let charts = charts
                .into_iter()
                .enumerate()
                .map(|(i, chart)| view! { <div class=page_class(i == 0)>{chart}</div> })
                .collect_view();
            let counter = (pages > 1).then(|| {
                view! { <p class="pj-pages" data-testid="pj-pages">{format!("1 / {pages}")}</p> }
            });
            view! { <div class="pj-results" data-testid="pj-results">{counter}{charts}</div> }
                .into_any()
        }
        _ => {
            // Revealed without a tally: the survey's results are not public (`results_public`).
            let line = if live.closed() || live.revealed {
                t(Key::ResultsByOrganiser)
            } else {
                t(Key::ResultsLater)
            };
            view! { <p class="pj-hidden" data-testid="pj-hidden">{line}</p> }.into_any()
        }
    };
    view! {
        <div class="pj-body" data-state=live.state.clone() data-revealed=live.revealed.to_string()>
            {closed}
            <header class="pj-head">
                <h1 data-testid="pj-title">{lang.text(&live.title)}</h1>
                <p class="pj-unit">{live.unit.clone()}</p>
            </header>
            <div class="pj-join">
                {qr_view(join, lang.qr_label(join), "pj-qr")}
                <div class="pj-join-text">
                    <p class="pj-scan">{t(Key::ProjectorJoin)}</p>
                    <p class="pj-url" data-testid="pj-url">{join.to_string()}</p>
                    <p class="pj-count" data-testid="pj-count" aria-live="polite">
                        {lang.received(live.ballots, live.eligible)}
                    </p>
                </div>
            </div>
            {results}
            {hash}
        </div>
    }
    .into_any()
}

/// The class of a results page: shown, or hidden (`pj-off`).
fn page_class(shown: bool) -> &'static str {
    if shown {
        "pj-page"
    } else {
        "pj-page pj-off"
    }
}

/// Shows results page `page` (modulo their number) and hides the others, with its "2 / 5".
fn show_page(page: usize) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(pages) = doc.query_selector_all(".pj-page") else {
        return;
    };
    let n = pages.length() as usize;
    if n < 2 {
        return;
    }
    for i in 0..n {
        if let Some(el) = pages
            .item(i as u32)
            .and_then(|e| e.dyn_into::<web_sys::Element>().ok())
        {
            el.set_class_name(page_class(i == page % n));
        }
    }
    if let Ok(Some(counter)) = doc.query_selector(".pj-pages") {
        counter.set_text_content(Some(&format!("{} / {n}", page % n + 1)));
    }
}

/// Parses a `live` payload; anything else is ignored.
fn parse_live(text: &str) -> Option<LiveView> {
    crate::model::read_answer(text).ok()
}

/// The live projector page for `survey_id` on the collector at `base`.
#[component]
pub fn Projector(lang: Lang, base: String, survey_id: String) -> impl IntoView {
    let live: RwSignal<Option<LiveView>> = RwSignal::new(None);
    let offline = RwSignal::new(false);
    let last_event = StoredValue::new(js_sys::Date::now());
    // Revealed results turn a page every 12 s unless paused (the 暂停翻页 toggle); a new payload
    // is drawn from its first page.
    let page = StoredValue::new(0usize);
    let paused = RwSignal::new(false);
    let join = join_url(&base, &survey_id);
    let live_url = browser::join(&base, &format!("/v1/surveys/{survey_id}/live"));
    let events_url = format!("{live_url}/events");

    let accept = move |text: &str| {
        if let Some(v) = parse_live(text) {
            last_event.set_value(js_sys::Date::now());
            offline.set(false);
            if live.get_untracked().as_ref() != Some(&v) {
                page.set_value(0);
                live.set(Some(v));
            }
        }
    };
    let poll = {
        let live_url = live_url.clone();
        move || {
            let live_url = live_url.clone();
            spawn_local(async move {
                match browser::get_text(&live_url, None).await {
                    Ok(text) => accept(&text),
                    Err(_) => offline.set(true),
                }
            });
        }
    };
    poll();

    // Server-sent events; the browser's EventSource reconnects by itself.
    let source = web_sys::EventSource::new(&events_url).ok();
    let on_live =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(text) = ev.data().as_string() {
                accept(&text);
            }
        });
    if let Some(es) = &source {
        let _ = es.add_event_listener_with_callback("live", on_live.as_ref().unchecked_ref());
    }
    // Fallback: poll when no event arrived for 10 s (no EventSource, a proxy that buffers, a
    // dropped connection).
    let fallback = {
        let poll = poll.clone();
        set_interval_with_handle(
            move || {
                if js_sys::Date::now() - last_event.get_value() > 10_000.0 {
                    poll();
                }
            },
            std::time::Duration::from_secs(5),
        )
        .ok()
    };
    let turner = set_interval_with_handle(
        move || {
            if !paused.get_untracked() {
                page.update_value(|p| *p += 1);
                show_page(page.get_value());
            }
        },
        std::time::Duration::from_secs(12),
    )
    .ok();
    let held = SendWrapper::new((source, on_live));
    on_cleanup(move || {
        let (source, _on_live) = held.take();
        if let Some(es) = source {
            es.close();
        }
        if let Some(h) = fallback {
            h.clear();
        }
        if let Some(h) = turner {
            h.clear();
        }
    });

    let body = move || match live.get() {
        Some(v) => projector_body(&v, &join, lang),
        None => view! { <p class="pj-hidden">{lang.t(Key::Connecting)}</p> }.into_any(),
    };
    let full_screen = move |_| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if doc.fullscreen_element().is_some() {
                doc.exit_fullscreen();
            } else if let Some(el) = doc.document_element() {
                let _ = el.request_fullscreen();
            }
        }
    };
    view! {
        <div class="pj" lang=lang.code() data-testid="projector">
            <div class="pj-tools">
                {move || live.with(|l| l.as_ref().is_some_and(|l| l.revealed && l.tally.is_some())).then(|| view! {
                    <button type="button" class="pj-tool" data-testid="pj-pause"
                        aria-pressed=move || paused.get().to_string()
                        on:click=move |_| paused.update(|p| *p = !*p)>
                        {lang.t(Key::PausePages)}
                    </button>
                })}
                <button type="button" class="pj-tool pj-fullscreen" data-testid="pj-fullscreen" on:click=full_screen>
                    {lang.t(Key::FullScreen)}
                </button>
            </div>
            {body}
            {move || offline.get().then(|| view! { <p class="pj-offline" role="status">{lang.t(Key::Offline)}</p> })}
        </div>
    }
}

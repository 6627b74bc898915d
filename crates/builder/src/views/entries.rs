//! A question's list (options, subjects, items, criteria): each entry's words and numbers with
//! 上移 / 下移 / 删除, an 添加 button, and 粘贴名单: rows copied from Excel or WPS (or a CSV
//! file's text) read by core's `parse_paste`, with empty rows and repeats shown before they go in.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::builder::{parse_paste, Draft, EntryAt, EntryList, PasteMode, QuestionAt, Step};
use pingyi_core::survey::{Criterion, QuestionBody, ScaleOption};
use pingyi_core::Text;

use super::{button, check_field, other_problems_view, set_zh, text_field, At, Ctx, Input};
use crate::form;
use crate::i18n::{BuilderWords, Key};

/// The words of an entry.
fn label_mut(d: &mut Draft, at: EntryAt) -> Option<&mut Text> {
    let body = &mut d.question_mut(at.question).ok()?.body;
    let e = at.entry;
    match (body, at.list) {
        (QuestionBody::Choose(c), EntryList::Options) => c.options.get_mut(e).map(|o| &mut o.label),
        (QuestionBody::Scale(s), EntryList::Options) => s.options.get_mut(e).map(|o| &mut o.label),
        (QuestionBody::Scale(s), EntryList::Subjects) => {
            s.subjects.get_mut(e).map(|o| &mut o.label)
        }
        (QuestionBody::Score(s), EntryList::Subjects) => {
            s.subjects.get_mut(e).map(|o| &mut o.label)
        }
        (QuestionBody::Score(s), EntryList::Criteria) => {
            s.criteria.get_mut(e).map(|o| &mut o.label)
        }
        (QuestionBody::Notice(n), EntryList::Items) => n.items.get_mut(e).map(|o| &mut o.label),
        _ => None,
    }
}

fn label(d: &Draft, at: EntryAt) -> String {
    let Ok(q) = d.question(at.question) else {
        return String::new();
    };
    let e = at.entry;
    let text = match (&q.body, at.list) {
        (QuestionBody::Choose(c), EntryList::Options) => c.options.get(e).map(|o| &o.label),
        (QuestionBody::Scale(s), EntryList::Options) => s.options.get(e).map(|o| &o.label),
        (QuestionBody::Scale(s), EntryList::Subjects) => s.subjects.get(e).map(|o| &o.label),
        (QuestionBody::Score(s), EntryList::Subjects) => s.subjects.get(e).map(|o| &o.label),
        (QuestionBody::Score(s), EntryList::Criteria) => s.criteria.get(e).map(|o| &o.label),
        (QuestionBody::Notice(n), EntryList::Items) => n.items.get(e).map(|o| &o.label),
        _ => None,
    };
    text.map(|t| t.zh.clone()).unwrap_or_default()
}

fn scale_option_mut(d: &mut Draft, at: EntryAt) -> Option<&mut ScaleOption> {
    match &mut d.question_mut(at.question).ok()?.body {
        QuestionBody::Scale(s) if at.list == EntryList::Options => s.options.get_mut(at.entry),
        _ => None,
    }
}

fn scale_option(d: &Draft, at: EntryAt) -> Option<ScaleOption> {
    match &d.question(at.question).ok()?.body {
        QuestionBody::Scale(s) if at.list == EntryList::Options => s.options.get(at.entry).cloned(),
        _ => None,
    }
}

fn criterion_mut(d: &mut Draft, at: EntryAt) -> Option<&mut Criterion> {
    match &mut d.question_mut(at.question).ok()?.body {
        QuestionBody::Score(s) if at.list == EntryList::Criteria => s.criteria.get_mut(at.entry),
        _ => None,
    }
}

fn criterion(d: &Draft, at: EntryAt) -> Option<Criterion> {
    match &d.question(at.question).ok()?.body {
        QuestionBody::Score(s) if at.list == EntryList::Criteria => {
            s.criteria.get(at.entry).cloned()
        }
        _ => None,
    }
}

/// The fields of an entry drawn here; its other problems show below them.
const ENTRY_FIELDS: &[&str] = &["label", "weight", "not_valid", "min", "max", "step"];

/// The list `list` of the question at `here`, under the heading `heading`.
pub fn entry_list(ctx: Ctx, here: QuestionAt, list: EntryList, heading: Key) -> AnyView {
    let ids = ctx
        .draft
        .with_untracked(|d| d.entry_ids(here, list).unwrap_or_default());
    let n = ids.len();
    let (s, q) = (here.section, here.question);
    let qid = ctx
        .draft
        .with_untracked(|d| d.question(here).map(|x| x.id.clone()).unwrap_or_default());
    let rows = (0..n)
        .map(|e| {
            let at = EntryAt {
                question: here,
                list,
                entry: e,
            };
            let place = At::entry(s, q, list, e);
            let testid = format!("{qid}-{}-{e}", list.field());
            let numbers = match list {
                EntryList::Options
                    if ctx.draft.with_untracked(|d| scale_option(d, at).is_some()) =>
                {
                    view! {
                        {text_field(ctx, place, "weight", Key::Weight, Input::Number,
                            Arc::new(move |d| scale_option(d, at).and_then(|o| o.weight).map(|w| w.to_string()).unwrap_or_default()),
                            Arc::new(move |d, v| {
                                let w = if v.trim().is_empty() { Some(None) } else { form::score(&v).map(Some) };
                                match (scale_option_mut(d, at), w) {
                                    (Some(o), Some(w)) => { o.weight = w; true }
                                    _ => false,
                                }
                            }))}
                        {check_field(ctx, place, "not_valid", Key::NotValid,
                            Arc::new(move |d| scale_option(d, at).is_some_and(|o| o.not_valid)),
                            Arc::new(move |d, v| scale_option_mut(d, at).map(|o| o.not_valid = v).is_some()))}
                    }
                    .into_any()
                }
                EntryList::Criteria => {
                    let num = move |key: &'static str, label: Key, read: fn(&Criterion) -> String, write: fn(&mut Criterion, &str) -> bool| {
                        text_field(ctx, place, key, label, Input::Number,
                            Arc::new(move |d| criterion(d, at).map(|c| read(&c)).unwrap_or_default()),
                            Arc::new(move |d, v| criterion_mut(d, at).is_some_and(|c| write(c, &v))))
                    };
                    view! {
                        <div class="pb-row">
                            {num("min", Key::ScoreMin, |c| c.min.to_string(), |c, v| form::score(v).map(|n| c.min = n).is_some())}
                            {num("max", Key::ScoreMax, |c| c.max.to_string(), |c, v| form::score(v).map(|n| c.max = n).is_some())}
                            {num("step", Key::ScoreStep, |c| c.step.to_string(), |c, v| form::count(v).map(|n| c.step = n).is_some())}
                        </div>
                    }
                    .into_any()
                }
                _ => ().into_any(),
            };
            view! {
                <li class="pb-entry" data-entry=e.to_string()>
                    <div class="pb-entry-main">
                        {text_field(ctx, place, "label", Key::EntryLabel, Input::Text,
                            Arc::new(move |d| label(d, at)),
                            Arc::new(move |d, v| label_mut(d, at).map(|t| set_zh(t, v)).is_some()))}
                        <div class="pb-moves">
                            {(e > 0).then(|| button(ctx, Key::MoveUp, format!("{testid}-up"), "pb-icon", move || {
                                ctx.edit(|d| d.step_entry(at, Step::Up));
                            }))}
                            {(e + 1 < n).then(|| button(ctx, Key::MoveDown, format!("{testid}-down"), "pb-icon", move || {
                                ctx.edit(|d| d.step_entry(at, Step::Down));
                            }))}
                            {button(ctx, Key::Remove, format!("{testid}-remove"), "pb-icon pb-danger", move || {
                                let lang = ctx.lang.get_untracked();
                                if let Some(c) = ctx.edit(|d| d.remove_entry(at)) {
                                    ctx.notes.set(c.notes(lang));
                                }
                            })}
                        </div>
                    </div>
                    {numbers}
                    {other_problems_view(ctx, place, ENTRY_FIELDS)}
                </li>
            }
        })
        .collect_view();
    let pastes = matches!(list, EntryList::Options | EntryList::Subjects | EntryList::Items)
        && !ctx
            .draft
            .with_untracked(|d| matches!(d.question(here).map(|x| &x.body), Ok(QuestionBody::Scale(_)) if list == EntryList::Options));
    view! {
        <div class="pb-list" data-list=list.field()>
            <h4>{move || ctx.t(heading)}" "<span class="pb-count">{move || ctx.lang.get().entries(n)}</span></h4>
            <ol class="pb-entries">{rows}</ol>
            {super::problems_view(ctx, At::question(s, q), Some(vec![list.field()]))}
            <div class="pb-buttons">
                {button(ctx, Key::AddEntry, format!("{qid}-{}-add", list.field()), "pb-button pb-secondary", move || {
                    ctx.edit(|d| d.add_entry(here, list));
                })}
            </div>
            {pastes.then(|| paste_box(ctx, here, list, qid.clone()))}
        </div>
    }
    .into_any()
}

/// 粘贴名单: a text area, what core read from it, and the button that puts the rows in.
fn paste_box(ctx: Ctx, here: QuestionAt, list: EntryList, qid: String) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let replace = RwSignal::new(true);
    let read = Memo::new(move |_| text.with(|t| parse_paste(t)));
    let go = move || {
        let lang = ctx.lang.get_untracked();
        let rows = read.with_untracked(|p| p.rows.clone());
        let mode = if replace.get_untracked() {
            PasteMode::Replace
        } else {
            PasteMode::Append
        };
        if let Some(out) = ctx.edit(|d| d.paste_rows(here, list, &rows, mode)) {
            let mut said: Vec<String> = out
                .problems
                .iter()
                .map(|p| p.message(lang).to_string())
                .collect();
            said.extend(out.cleanup.notes(lang));
            said.insert(0, lang.pasted(rows.len() - out.problems.len()));
            ctx.pasted.set(Some((here, list, said)));
        }
    };
    let name = format!("{qid}-{}-mode", list.field());
    // Still open after its rows went in (the editor is drawn again), to show what happened.
    let open = ctx.pasted.with_untracked(|p| {
        p.as_ref()
            .is_some_and(|(at, l, _)| *at == here && *l == list)
    });
    view! {
        <details class="pb-paste" prop:open=open data-testid=format!("{qid}-{}-paste", list.field())>
            <summary class="pb-button pb-secondary">{move || ctx.t(Key::PasteList)}</summary>
            <p class="pb-help">{move || ctx.t(Key::PasteHelp)}</p>
            <textarea class="pb-input" rows="6" data-testid="paste-text"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <div class="pb-paste-read" aria-live="polite">
                {move || read.with(|p| {
                    let lang = ctx.lang.get();
                    let mut lines = Vec::new();
                    if !p.rows.is_empty() {
                        lines.push(view! { <p class="pb-note" data-testid="paste-rows">{lang.rows_read(p.rows.len())}</p> }.into_any());
                    }
                    lines.extend(p.problems.iter().map(|pr| view! {
                        <p class="pb-problem" data-testid="paste-problem">{pr.message(lang).to_string()}</p>
                    }.into_any()));
                    lines
                })}
            </div>
            <div class="pb-choices" role="radiogroup">
                <label class="pb-check">
                    <input type="radio" name=name.clone() prop:checked=move || replace.get() on:change=move |_| replace.set(true)/>
                    <span>{move || ctx.t(Key::PasteReplace)}</span>
                </label>
                <label class="pb-check">
                    <input type="radio" name=name prop:checked=move || !replace.get() on:change=move |_| replace.set(false)/>
                    <span>{move || ctx.t(Key::PasteAppend)}</span>
                </label>
            </div>
            <button type="button" class="pb-button" data-testid="paste-go"
                disabled=move || read.with(|p| p.rows.is_empty()) on:click=move |_| go()>
                {move || ctx.t(Key::PasteGo)}
            </button>
            <div aria-live="polite">
                {move || ctx.pasted.get().filter(|(at, l, _)| *at == here && *l == list).map(|(_, _, said)| {
                    said.into_iter().map(|m| view! { <p class="pb-note" data-testid="paste-outcome">{m}</p> }).collect_view()
                })}
            </div>
        </details>
    }
}

//! Views: the start page (`app`), the editor of the survey's settings, sections and questions
//! (`editor`, lists and pasting in `entries`), the live preview made of the widget's own question
//! views (`preview`) and publishing with its launch links (`publish`).
//!
//! State: one [`Ctx`] of signals, passed down. `draft` holds the survey being edited; `shape` is
//! raised by every edit that adds, removes or moves something, and only then is the editor drawn
//! again (typing into a field changes `draft` alone, so no box loses focus). `problems` is core's
//! `field_problems` of the draft, recomputed on every change; each field shows the problems that
//! belong to it.
//!
//! DOM hooks for tests: every field is a `.pb-field[data-field=<name>]` holding its input and its
//! problems (`.pb-problem`); sections are `[data-section=<index>]`, questions
//! `[data-question=<id>]`, entries `[data-entry=<index>]`; buttons have `data-testid`s.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::builder::{Draft, EditError, EntryList, Field, FieldProblem, QuestionAt};

use crate::i18n::{Key, Lang};

pub mod app;
pub mod editor;
pub mod entries;
pub mod preview;
pub mod publish;

/// The builder's shared state.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub lang: RwSignal<Lang>,
    pub draft: RwSignal<Draft>,
    /// Raised by structural edits: the editor is drawn again.
    pub shape: RwSignal<u64>,
    /// Core's problems of the draft, each at its field.
    pub problems: Memo<Vec<FieldProblem>>,
    /// What the last edit also did or why it could not be made (cleanup notes, edit errors).
    pub notes: RwSignal<Vec<String>>,
    /// What the last paste did, by the list it went into.
    pub pasted: RwSignal<Option<(QuestionAt, EntryList, Vec<String>)>>,
}

impl Ctx {
    pub fn new(lang: Lang, draft: Draft) -> Ctx {
        let draft = RwSignal::new(draft);
        Ctx {
            lang: RwSignal::new(lang),
            draft,
            shape: RwSignal::new(0),
            problems: Memo::new(move |_| draft.with(pingyi_core::builder::field_problems)),
            notes: RwSignal::new(Vec::new()),
            pasted: RwSignal::new(None),
        }
    }

    pub fn t(&self, key: Key) -> &'static str {
        self.lang.get().t(key)
    }

    /// Sets a plain field: `f` changes the draft, which is then marked changed.
    pub fn set(&self, f: impl FnOnce(&mut Draft)) {
        self.draft.update(|d| {
            f(d);
            d.touch();
        });
    }

    /// A structural edit through core: on success the editor is drawn again and the cleanup
    /// notes (if any) shown; on failure the draft is unchanged and the reason is shown.
    pub fn edit<T>(&self, f: impl FnOnce(&mut Draft) -> Result<T, EditError>) -> Option<T> {
        let lang = self.lang.get_untracked();
        let mut out = None;
        let mut err = None;
        self.draft.update(|d| match f(d) {
            Ok(v) => out = Some(v),
            Err(e) => err = Some(e.message(lang)),
        });
        self.notes.set(err.into_iter().collect());
        self.pasted.set(None);
        self.shape.update(|n| *n += 1);
        out
    }

    /// Replaces the draft (a template, a file, the autosave) and draws the editor again.
    pub fn replace(&self, draft: Draft) {
        self.draft.set(draft);
        self.notes.set(Vec::new());
        self.shape.update(|n| *n += 1);
    }
}

/// Where in the draft a field is: what a [`Field`] of a problem is compared with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct At {
    pub section: Option<usize>,
    pub question: Option<usize>,
    pub entry: Option<(EntryList, usize)>,
}

impl At {
    pub const SURVEY: At = At {
        section: None,
        question: None,
        entry: None,
    };

    pub fn section(s: usize) -> At {
        At {
            section: Some(s),
            ..At::SURVEY
        }
    }

    pub fn question(s: usize, q: usize) -> At {
        At {
            section: Some(s),
            question: Some(q),
            entry: None,
        }
    }

    pub fn entry(s: usize, q: usize, list: EntryList, e: usize) -> At {
        At {
            section: Some(s),
            question: Some(q),
            entry: Some((list, e)),
        }
    }

    fn holds(&self, f: &Field) -> bool {
        f.section == self.section && f.question == self.question && f.entry == self.entry
    }
}

/// Whether a problem's field name `name` is the field `key` or inside it (`title` holds
/// `title.zh`, `show_if` holds `show_if.any_of[0]`).
pub fn names(name: &str, key: &str) -> bool {
    name == key
        || name
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The problems at `at` whose field is one of `keys` (`None`: any field there), as messages.
pub fn problems_view(ctx: Ctx, at: At, keys: Option<Vec<&'static str>>) -> impl IntoView {
    problems_where(ctx, move |f| {
        at.holds(f)
            && keys
                .as_ref()
                .is_none_or(|ks| ks.iter().any(|k| names(&f.name, k)))
    })
}

/// The problems at `at` that none of `shown` (the fields drawn there) claims.
pub fn other_problems_view(ctx: Ctx, at: At, shown: &'static [&'static str]) -> impl IntoView {
    problems_where(ctx, move |f| {
        at.holds(f) && !shown.iter().any(|k| names(&f.name, k))
    })
}

fn problems_where(
    ctx: Ctx,
    keep: impl Fn(&Field) -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let list = move || {
        let lang = ctx.lang.get();
        ctx.problems.with(|ps| {
            ps.iter()
                .filter(|p| keep(&p.field))
                .map(|p| lang.problem(&p.problem))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="pb-problems" aria-live="polite">
            {move || list().into_iter().map(|m| view! {
                <p class="pb-problem" role="alert"><span aria-hidden="true">"⚠ "</span>{m}</p>
            }).collect_view()}
        </div>
    }
}

/// Reads a value of the draft.
pub type FieldGet<T> = Arc<dyn Fn(&Draft) -> T + Send + Sync>;
/// Writes a value into the draft; `false` when the typed text is not a value (nothing changes).
pub type FieldPut<T> = Arc<dyn Fn(&mut Draft, T) -> bool + Send + Sync>;

/// The kind of an `<input>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    Number,
    When,
    Long,
}

/// One labelled box with its problems: `key` is its `data-field` and the problem field it shows.
pub fn text_field(
    ctx: Ctx,
    at: At,
    key: &'static str,
    label: Key,
    input: Input,
    get: FieldGet<String>,
    put: FieldPut<String>,
) -> AnyView {
    let value = {
        let get = get.clone();
        move || ctx.draft.with(|d| get(d))
    };
    let bad = RwSignal::new(false);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let mut ok = true;
        ctx.draft.update(|d| {
            ok = put(d, text);
            if ok {
                d.touch();
            }
        });
        bad.set(!ok);
    };
    let control = match input {
        Input::Long => view! {
            <textarea class="pb-input" rows="3" prop:value=value on:input=on_input></textarea>
        }
        .into_any(),
        _ => {
            let (kind, mode) = match input {
                Input::Number => ("number", "numeric"),
                Input::When => ("datetime-local", "text"),
                _ => ("text", "text"),
            };
            view! {
                <input class="pb-input" type=kind inputmode=mode prop:value=value on:input=on_input/>
            }
            .into_any()
        }
    };
    view! {
        <div class="pb-field" data-field=key>
            <label>
                <span class="pb-label">{move || ctx.t(label)}</span>
                {control}
            </label>
            <Show when=move || bad.get()>
                <p class="pb-problem" role="alert">{move || ctx.t(Key::NotANumber)}</p>
            </Show>
            {problems_view(ctx, at, Some(vec![key]))}
        </div>
    }
    .into_any()
}

/// A checkbox with its label and problems.
pub fn check_field(
    ctx: Ctx,
    at: At,
    key: &'static str,
    label: Key,
    get: FieldGet<bool>,
    put: FieldPut<bool>,
) -> AnyView {
    view! {
        <div class="pb-field pb-check" data-field=key>
            <label>
                <input type="checkbox" prop:checked=move || ctx.draft.with(|d| get(d))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        ctx.draft.update(|d| {
                            if put(d, on) {
                                d.touch();
                            }
                        });
                    }/>
                <span class="pb-label">{move || ctx.t(label)}</span>
            </label>
            {problems_view(ctx, at, Some(vec![key]))}
        </div>
    }
    .into_any()
}

/// A drop-down of fixed choices (value, words) with its label and problems.
pub fn select_field(
    ctx: Ctx,
    at: At,
    key: &'static str,
    label: Key,
    choices: Vec<(&'static str, Key)>,
    get: FieldGet<&'static str>,
    put: FieldPut<String>,
) -> AnyView {
    let options = choices
        .into_iter()
        .map(|(value, words)| {
            let get = get.clone();
            view! {
                <option value=value prop:selected=move || ctx.draft.with(|d| get(d) == value)>
                    {move || ctx.t(words)}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="pb-field" data-field=key>
            <label>
                <span class="pb-label">{move || ctx.t(label)}</span>
                <select class="pb-input" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    ctx.draft.update(|d| {
                        if put(d, v) {
                            d.touch();
                        }
                    });
                }>{options}</select>
            </label>
            {problems_view(ctx, at, Some(vec![key]))}
        </div>
    }
    .into_any()
}

/// A button that names what it does (`label`), with a test id.
pub fn button(
    ctx: Ctx,
    label: Key,
    testid: String,
    class: &'static str,
    on_click: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button type="button" class=class data-testid=testid on:click=move |_| on_click()>
            {move || ctx.t(label)}
        </button>
    }
}

/// Sets `text` to Chinese words typed in the builder. The English words it had are dropped,
/// since they no longer say the same: English readers then see the Chinese.
pub fn set_zh(text: &mut pingyi_core::Text, zh: String) {
    if text.zh != zh {
        text.zh = zh;
        text.en = None;
    }
}

//! The editor: the survey's settings (title, unit, eligible count, voting unit, window, codes,
//! public results, receipts), then each section with its questions. Every question has its
//! kind's fields (options, seats, score ranges, approval rule…), its `show_if` condition and big
//! 上移 / 下移 / 删除 buttons; new sections and questions come from core's edits.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::builder::{Draft, EntryList, Kind, QuestionAt, Step};
use pingyi_core::survey::{
    Combine, Condition, PassRule, Question, QuestionBody, VotingUnit, APPROVE_OPTIONS,
};

use super::entries::entry_list;
use super::{
    button, check_field, other_problems_view, problems_view, select_field, set_zh, text_field, At,
    Ctx, FieldGet, Input,
};
use crate::form;
use crate::i18n::{BuilderWords, Key};

/// The settings card and every section.
pub fn editor(ctx: Ctx) -> impl IntoView {
    view! {
        {settings(ctx)}
        <div class="pb-notes" aria-live="polite" data-testid="notes">
            {move || ctx.notes.get().into_iter().map(|n| view! { <p class="pb-note">{n}</p> }).collect_view()}
        </div>
        {move || {
            ctx.shape.track();
            let n = ctx.draft.with_untracked(|d| d.survey.sections.len());
            (0..n).map(|s| section_view(ctx, s)).collect_view()
        }}
        <div class="pb-card pb-add">
            {button(ctx, Key::AddSection, "add-section".into(), "pb-button pb-secondary", move || {
                ctx.edit(|d| Ok::<_, pingyi_core::builder::EditError>(d.add_section()));
            })}
        </div>
    }
}

fn text_get(f: fn(&Draft) -> String) -> FieldGet<String> {
    Arc::new(f)
}

/// The survey's own fields.
fn settings(ctx: Ctx) -> impl IntoView {
    let at = At::SURVEY;
    let t = move |k| ctx.t(k);
    let offset = crate::browser::utc_offset_minutes();
    let when = move |key: &'static str,
                     label: Key,
                     read: fn(&Draft) -> Option<String>,
                     write: fn(&mut Draft, Option<String>)| {
        text_field(
            ctx,
            at,
            key,
            label,
            Input::When,
            Arc::new(move |d| {
                read(d)
                    .map(|t| form::rfc3339_to_local(&t))
                    .unwrap_or_default()
            }),
            Arc::new(move |d, v| {
                write(d, form::local_to_rfc3339(&v, offset));
                true
            }),
        )
    };
    view! {
        <section class="pb-card" id="pb-settings" aria-labelledby="pb-settings-h" data-testid="settings">
            <h2 id="pb-settings-h">{move || t(Key::SettingsHeading)}</h2>
            {text_field(ctx, at, "title", Key::SurveyTitle, Input::Text,
                text_get(|d| d.survey.title.zh.clone()),
                Arc::new(|d, v| { set_zh(&mut d.survey.title, v); true }))}
            {text_field(ctx, at, "description", Key::SurveyDescription, Input::Long,
                text_get(|d| d.survey.description.as_ref().map(|t| t.zh.clone()).unwrap_or_default()),
                Arc::new(|d, v| {
                    if v.trim().is_empty() {
                        d.survey.description = None;
                    } else {
                        set_zh(d.survey.description.get_or_insert_with(Default::default), v);
                    }
                    true
                }))}
            {text_field(ctx, at, "unit", Key::Unit, Input::Text,
                text_get(|d| d.survey.unit.clone()),
                Arc::new(|d, v| { d.survey.unit = v; true }))}
            {text_field(ctx, at, "id", Key::SurveyId, Input::Text,
                text_get(|d| d.survey.id.clone()),
                Arc::new(|d, v| { d.survey.id = v.trim().to_string(); true }))}
            <p class="pb-help">{move || t(Key::SurveyIdHelp)}</p>
            {text_field(ctx, at, "eligible", Key::Eligible, Input::Number,
                text_get(|d| form::show_optional(d.survey.eligible)),
                Arc::new(|d, v| match form::optional_count(&v) {
                    Some(n) => { d.survey.eligible = n; true }
                    None => false,
                }))}
            {select_field(ctx, at, "voting_unit", Key::VotingUnit,
                vec![("person", Key::PerPerson), ("household", Key::PerHousehold)],
                Arc::new(|d| match d.survey.voting_unit {
                    VotingUnit::Person => "person",
                    VotingUnit::Household => "household",
                }),
                Arc::new(|d, v| {
                    d.survey.voting_unit = if v == "household" { VotingUnit::Household } else { VotingUnit::Person };
                    true
                }))}
            <div class="pb-row">
                {when("opens_at", Key::OpensAt, |d| d.survey.opens_at.clone(), |d, v| d.survey.opens_at = v)}
                {when("closes_at", Key::ClosesAt, |d| d.survey.closes_at.clone(), |d, v| d.survey.closes_at = v)}
            </div>
            <p class="pb-help">{move || t(Key::WindowHelp)}</p>
            {check_field(ctx, at, "codes", Key::Codes,
                Arc::new(|d| d.survey.codes), Arc::new(|d, v| { d.survey.codes = v; true }))}
            {check_field(ctx, at, "results_public", Key::ResultsPublic,
                Arc::new(|d| d.survey.results_public), Arc::new(|d, v| { d.survey.results_public = v; true }))}
            {check_field(ctx, at, "publish_receipts", Key::Receipts,
                Arc::new(|d| d.survey.publish_receipts), Arc::new(|d, v| { d.survey.publish_receipts = v; true }))}
            {other_problems_view(ctx, at, SURVEY_FIELDS)}
        </section>
    }
}

/// The survey fields drawn in [`settings`]; other survey-level problems show below them.
const SURVEY_FIELDS: &[&str] = &[
    "title",
    "description",
    "unit",
    "id",
    "eligible",
    "voting_unit",
    "opens_at",
    "closes_at",
    "codes",
    "results_public",
    "publish_receipts",
];

/// One section: its title, its moves, its questions and the "add a question" menu.
fn section_view(ctx: Ctx, s: usize) -> impl IntoView {
    let at = At::section(s);
    let count = ctx.draft.with_untracked(|d| d.survey.sections.len());
    let questions = ctx
        .draft
        .with_untracked(|d| d.survey.sections[s].questions.len());
    let kind = RwSignal::new(Kind::Choose);
    let kinds = Kind::ALL
        .into_iter()
        .map(|k| {
            view! {
                <option value=kind_id(k) prop:selected=move || kind.get() == k>
                    {move || k.name(ctx.lang.get())}
                </option>
            }
        })
        .collect_view();
    view! {
        <section class="pb-card pb-section" data-section=s.to_string()>
            <div class="pb-head">
                <h2>{move || ctx.lang.get().section_heading(s + 1, count)}</h2>
                <div class="pb-moves">
                    {(s > 0).then(|| button(ctx, Key::MoveUp, format!("section-up-{s}"), "pb-icon", move || {
                        ctx.edit(|d| d.step_section(s, Step::Up));
                    }))}
                    {(s + 1 < count).then(|| button(ctx, Key::MoveDown, format!("section-down-{s}"), "pb-icon", move || {
                        ctx.edit(|d| d.step_section(s, Step::Down));
                    }))}
                    {button(ctx, Key::RemoveSection, format!("section-remove-{s}"), "pb-icon pb-danger", move || {
                        let lang = ctx.lang.get_untracked();
                        if let Some(c) = ctx.edit(|d| d.remove_section(s)) {
                            ctx.notes.set(c.notes(lang));
                        }
                    })}
                </div>
            </div>
            {text_field(ctx, at, "title", Key::SectionTitle, Input::Text,
                Arc::new(move |d| d.survey.sections.get(s).map(|x| x.title.zh.clone()).unwrap_or_default()),
                Arc::new(move |d, v| {
                    if let Some(x) = d.survey.sections.get_mut(s) {
                        set_zh(&mut x.title, v);
                    }
                    true
                }))}
            {other_problems_view(ctx, at, &["title"])}
            {(0..questions).map(|q| question_view(ctx, s, q)).collect_view()}
            <div class="pb-add-question">
                <label class="pb-field">
                    <span class="pb-label">{move || ctx.t(Key::NewQuestionKind)}</span>
                    <select class="pb-input" data-testid=format!("add-kind-{s}") on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(k) = Kind::ALL.into_iter().find(|k| kind_id(*k) == v) {
                            kind.set(k);
                        }
                    }>{kinds}</select>
                </label>
                {button(ctx, Key::AddQuestion, format!("add-question-{s}"), "pb-button pb-secondary", move || {
                    let k = kind.get_untracked();
                    ctx.edit(|d| d.add_question(s, k));
                })}
            </div>
        </section>
    }
}

fn kind_id(k: Kind) -> &'static str {
    match k {
        Kind::Scale => "scale",
        Kind::Choose => "choose",
        Kind::Score => "score",
        Kind::Notice => "notice",
        Kind::Approve => "approve",
        Kind::Text => "text",
    }
}

/// The question at `at`, if there is one.
fn question(d: &Draft, at: QuestionAt) -> Option<&Question> {
    d.question(at).ok()
}

/// The question fields drawn in [`question_view`] (kind fields included); other problems of the
/// question show at its foot.
const QUESTION_FIELDS: &[&str] = &[
    "title",
    "help",
    "required",
    "show_if",
    "min",
    "max",
    "seats",
    "combine",
    "reason_max_len",
    "max_len",
    "rule",
    "detail",
    "options",
    "subjects",
    "items",
    "criteria",
];

/// One question: title, required, its kind's fields, its condition and its moves.
fn question_view(ctx: Ctx, s: usize, q: usize) -> impl IntoView {
    let here = QuestionAt {
        section: s,
        question: q,
    };
    let at = At::question(s, q);
    let (id, kind, last) = ctx.draft.with_untracked(|d| {
        let sec = &d.survey.sections[s];
        let last = q + 1 == sec.questions.len() && s + 1 == d.survey.sections.len();
        (
            sec.questions[q].id.clone(),
            Kind::of(&sec.questions[q].body),
            last,
        )
    });
    let first = s == 0 && q == 0;
    let number = ctx.draft.with_untracked(|d| {
        d.survey.sections[..s]
            .iter()
            .map(|x| x.questions.len())
            .sum::<usize>()
            + q
            + 1
    });
    view! {
        <article class="pb-question" data-question=id.clone() data-kind=kind_id(kind)>
            <div class="pb-head">
                <h3>{move || ctx.lang.get().question_heading(number, kind.name(ctx.lang.get()))}</h3>
                <div class="pb-moves">
                    {(!first).then(|| button(ctx, Key::MoveUp, format!("question-up-{id}"), "pb-icon", move || {
                        ctx.edit(|d| d.step_question(here, Step::Up));
                    }))}
                    {(!last).then(|| button(ctx, Key::MoveDown, format!("question-down-{id}"), "pb-icon", move || {
                        ctx.edit(|d| d.step_question(here, Step::Down));
                    }))}
                    {button(ctx, Key::RemoveQuestion, format!("question-remove-{id}"), "pb-icon pb-danger", move || {
                        let lang = ctx.lang.get_untracked();
                        if let Some(c) = ctx.edit(|d| d.remove_question(here)) {
                            ctx.notes.set(c.notes(lang));
                        }
                    })}
                </div>
            </div>
            {text_field(ctx, at, "title", Key::QuestionTitle, Input::Text,
                Arc::new(move |d| question(d, here).map(|x| x.title.zh.clone()).unwrap_or_default()),
                Arc::new(move |d, v| {
                    if let Ok(x) = d.question_mut(here) {
                        set_zh(&mut x.title, v);
                    }
                    true
                }))}
            {text_field(ctx, at, "help", Key::QuestionHelp, Input::Text,
                Arc::new(move |d| question(d, here).and_then(|x| x.help.as_ref()).map(|h| h.zh.clone()).unwrap_or_default()),
                Arc::new(move |d, v| {
                    if let Ok(x) = d.question_mut(here) {
                        if v.trim().is_empty() {
                            x.help = None;
                        } else {
                            set_zh(x.help.get_or_insert_with(Default::default), v);
                        }
                    }
                    true
                }))}
            {check_field(ctx, at, "required", Key::Required,
                Arc::new(move |d| question(d, here).is_some_and(|x| x.required)),
                Arc::new(move |d, v| d.question_mut(here).map(|x| x.required = v).is_ok()))}
            {kind_fields(ctx, here, kind)}
            {condition(ctx, here)}
            {other_problems_view(ctx, at, QUESTION_FIELDS)}
        </article>
    }
}

/// The fields of the question's kind.
fn kind_fields(ctx: Ctx, here: QuestionAt, kind: Kind) -> AnyView {
    let at = At::question(here.section, here.question);
    let body = move |d: &Draft| question(d, here).map(|x| x.body.clone());
    match kind {
        Kind::Scale => {
            let preset = ctx.draft.with_untracked(|d| match body(d) {
                Some(QuestionBody::Scale(sc)) => sc.options.is_empty(),
                _ => false,
            });
            view! {
                {preset.then(|| view! {
                    <div class="pb-field" data-field="preset">
                        <p class="pb-help">{move || ctx.t(Key::PresetOptions)}" "
                            {move || ctx.draft.with(|d| match body(d) {
                                Some(QuestionBody::Scale(sc)) => sc.effective_options().iter()
                                    .map(|o| ctx.lang.get().text(&o.label)).collect::<Vec<_>>().join(" / "),
                                _ => String::new(),
                            })}
                        </p>
                        {button(ctx, Key::CustomiseOptions, format!("customise-{}-{}", here.section, here.question), "pb-button pb-secondary", move || {
                            ctx.edit(|d| d.add_entry(here, EntryList::Options).and_then(|e| d.remove_entry(e).map(|_| ())));
                        })}
                    </div>
                })}
                {(!preset).then(|| entry_list(ctx, here, EntryList::Options, Key::ScaleOptions))}
                {entry_list(ctx, here, EntryList::Subjects, Key::Subjects)}
            }
            .into_any()
        }
        Kind::Choose => {
            let num = move |key: &'static str, label: Key, read: fn(&pingyi_core::survey::ChooseQuestion) -> String, write: fn(&mut pingyi_core::survey::ChooseQuestion, &str) -> bool| {
                text_field(ctx, at, key, label, Input::Number,
                    Arc::new(move |d| match question(d, here).map(|x| &x.body) {
                        Some(QuestionBody::Choose(c)) => read(c),
                        _ => String::new(),
                    }),
                    Arc::new(move |d, v| match d.question_mut(here).map(|x| &mut x.body) {
                        Ok(QuestionBody::Choose(c)) => write(c, &v),
                        _ => false,
                    }))
            };
            view! {
                {entry_list(ctx, here, EntryList::Options, Key::Options)}
                <div class="pb-row">
                    {num("min", Key::ChooseMin, |c| c.min.to_string(), |c, v| form::count(v).map(|n| c.min = n).is_some())}
                    {num("max", Key::ChooseMax, |c| c.max.to_string(), |c, v| form::count(v).map(|n| c.max = n).is_some())}
                    {num("seats", Key::Seats, |c| form::show_optional(c.seats), |c, v| form::optional_count(v).map(|n| c.seats = n).is_some())}
                </div>
                <p class="pb-help">{move || ctx.t(Key::SeatsHelp)}</p>
            }
            .into_any()
        }
        Kind::Score => {
            let trimmed = move |d: &Draft| match question(d, here).map(|x| &x.body) {
                Some(QuestionBody::Score(sq)) => match sq.combine {
                    Combine::TrimmedMean { drop } => Some(drop),
                    Combine::Mean => None,
                },
                _ => None,
            };
            view! {
                {entry_list(ctx, here, EntryList::Subjects, Key::ScoreSubjects)}
                {entry_list(ctx, here, EntryList::Criteria, Key::Criteria)}
                {select_field(ctx, at, "combine.method", Key::Combine,
                    vec![("mean", Key::CombineMean), ("trimmed", Key::CombineTrimmed)],
                    Arc::new(move |d| if trimmed(d).is_some() { "trimmed" } else { "mean" }),
                    Arc::new(move |d, v| match d.question_mut(here).map(|x| &mut x.body) {
                        Ok(QuestionBody::Score(sq)) => {
                            sq.combine = if v == "trimmed" { Combine::TrimmedMean { drop: 1 } } else { Combine::Mean };
                            true
                        }
                        _ => false,
                    }))}
                {text_field(ctx, at, "combine.drop", Key::CombineDrop, Input::Number,
                    Arc::new(move |d| trimmed(d).map(|n| n.to_string()).unwrap_or_default()),
                    Arc::new(move |d, v| match (d.question_mut(here).map(|x| &mut x.body), form::count(&v)) {
                        (Ok(QuestionBody::Score(sq)), Some(n)) => {
                            sq.combine = Combine::TrimmedMean { drop: n };
                            true
                        }
                        _ => false,
                    }))}
            }
            .into_any()
        }
        Kind::Notice => view! {
            {entry_list(ctx, here, EntryList::Items, Key::NoticeItems)}
            {text_field(ctx, at, "reason_max_len", Key::ReasonMaxLen, Input::Number,
                Arc::new(move |d| match question(d, here).map(|x| &x.body) {
                    Some(QuestionBody::Notice(n)) => n.reason_max_len.to_string(),
                    _ => String::new(),
                }),
                Arc::new(move |d, v| match (d.question_mut(here).map(|x| &mut x.body), form::count(&v)) {
                    (Ok(QuestionBody::Notice(n)), Some(m)) => { n.reason_max_len = m; true }
                    _ => false,
                }))}
        }
        .into_any(),
        Kind::Approve => view! {
            {select_field(ctx, at, "rule", Key::PassRule,
                vec![("cast", Key::RuleCast), ("valid", Key::RuleValid), ("eligible", Key::RuleEligible)],
                Arc::new(move |d| match question(d, here).map(|x| &x.body) {
                    Some(QuestionBody::Approve(a)) => match a.rule {
                        PassRule::Cast => "cast",
                        PassRule::Valid => "valid",
                        PassRule::Eligible => "eligible",
                    },
                    _ => "cast",
                }),
                Arc::new(move |d, v| match d.question_mut(here).map(|x| &mut x.body) {
                    Ok(QuestionBody::Approve(a)) => {
                        a.rule = match v.as_str() { "valid" => PassRule::Valid, "eligible" => PassRule::Eligible, _ => PassRule::Cast };
                        true
                    }
                    _ => false,
                }))}
            {text_field(ctx, at, "detail", Key::ApproveDetail, Input::Long,
                Arc::new(move |d| match question(d, here).map(|x| &x.body) {
                    Some(QuestionBody::Approve(a)) => a.detail.as_ref().map(|t| t.zh.clone()).unwrap_or_default(),
                    _ => String::new(),
                }),
                Arc::new(move |d, v| match d.question_mut(here).map(|x| &mut x.body) {
                    Ok(QuestionBody::Approve(a)) => {
                        if v.trim().is_empty() { a.detail = None } else { set_zh(a.detail.get_or_insert_with(Default::default), v) }
                        true
                    }
                    _ => false,
                }))}
        }
        .into_any(),
        Kind::Text => text_field(ctx, at, "max_len", Key::TextMaxLen, Input::Number,
            Arc::new(move |d| match question(d, here).map(|x| &x.body) {
                Some(QuestionBody::Text(t)) => t.max_len.to_string(),
                _ => String::new(),
            }),
            Arc::new(move |d, v| match (d.question_mut(here).map(|x| &mut x.body), form::count(&v)) {
                (Ok(QuestionBody::Text(t)), Some(m)) => { t.max_len = m; true }
                _ => false,
            })),
    }
}

/// The answers another question offers a condition: (answer id, words), for the kinds whose
/// answer is one choice or several (choose, approve, a single scale).
fn answers_of(d: &Draft, id: &str, lang: crate::i18n::Lang) -> Vec<(String, String)> {
    let Some(q) = d.survey.question(id) else {
        return Vec::new();
    };
    match &q.body {
        QuestionBody::Choose(c) => c
            .options
            .iter()
            .map(|o| (o.id.clone(), lang.text(&o.label)))
            .collect(),
        QuestionBody::Scale(sc) if sc.subjects.is_empty() => sc
            .effective_options()
            .iter()
            .map(|o| (o.id.clone(), lang.text(&o.label)))
            .collect(),
        QuestionBody::Approve(_) => APPROVE_OPTIONS
            .iter()
            .map(|a| (a.to_string(), lang.approve_answer(a).to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// `show_if`: shown only after certain answers to an earlier question.
fn condition(ctx: Ctx, here: QuestionAt) -> impl IntoView {
    let at = At::question(here.section, here.question);
    let (own, earlier) = ctx.draft.with_untracked(|d| {
        let own = d.survey.sections[here.section].questions[here.question]
            .id
            .clone();
        let lang = ctx.lang.get_untracked();
        let mut earlier = Vec::new();
        'outer: for (si, sec) in d.survey.sections.iter().enumerate() {
            for (qi, q) in sec.questions.iter().enumerate() {
                if (si, qi) == (here.section, here.question) {
                    break 'outer;
                }
                if !answers_of(d, &q.id, lang).is_empty() {
                    earlier.push((q.id.clone(), q.title.clone()));
                }
            }
        }
        (own, earlier)
    });
    let current = move || {
        ctx.draft.with(|d| {
            question(d, here)
                .and_then(|x| x.show_if.as_ref())
                .map(|c| c.question.clone())
                .unwrap_or_default()
        })
    };
    let has_condition = ctx
        .draft
        .with_untracked(|d| question(d, here).is_some_and(|x| x.show_if.is_some()));
    if earlier.is_empty() && !has_condition {
        return ().into_any();
    }
    let choices = earlier
        .into_iter()
        .map(|(id, title)| {
            let value = id.clone();
            view! {
                <option value=value prop:selected=move || current() == id>
                    {move || ctx.lang.get().text(&title)}
                </option>
            }
        })
        .collect_view();
    let answers = move || {
        let lang = ctx.lang.get();
        ctx.draft.with(|d| {
            let Some(c) = question(d, here).and_then(|x| x.show_if.clone()) else {
                return Vec::new();
            };
            answers_of(d, &c.question, lang)
                .into_iter()
                .map(|(id, words)| {
                    let on = c.any_of.contains(&id);
                    (id, words, on)
                })
                .collect()
        })
    };
    view! {
        <div class="pb-field pb-condition" data-field="show_if">
            <label>
                <span class="pb-label">{move || ctx.t(Key::ShowIf)}</span>
                <select class="pb-input" data-testid=format!("show-if-{own}") on:change=move |ev| {
                    let v = event_target_value(&ev);
                    ctx.set(|d| {
                        if let Ok(x) = d.question_mut(here) {
                            x.show_if = (!v.is_empty()).then(|| Condition { question: v, any_of: Vec::new() });
                        }
                    });
                }>
                    <option value="" prop:selected=move || current().is_empty()>{move || ctx.t(Key::AlwaysShown)}</option>
                    {choices}
                </select>
            </label>
            <div class="pb-answers" role="group">
                {move || answers().into_iter().map(|(id, words, on)| {
                    let answer = id.clone();
                    view! {
                        <label class="pb-check">
                            <input type="checkbox" value=id prop:checked=on on:change=move |ev| {
                                let checked = event_target_checked(&ev);
                                let answer = answer.clone();
                                ctx.set(|d| {
                                    if let Some(c) = d.question_mut(here).ok().and_then(|x| x.show_if.as_mut()) {
                                        c.any_of.retain(|a| *a != answer);
                                        if checked {
                                            c.any_of.push(answer);
                                        }
                                    }
                                });
                            }/>
                            <span>{move || ctx.lang.get().after_answer(&words)}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
            {problems_view(ctx, at, Some(vec!["show_if"]))}
        </div>
    }
    .into_any()
}

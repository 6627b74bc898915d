//! 请核对您的选择: before a ballot is cast the resident sees every answer in large type, one line
//! per question (and per rated subject or notice item), with 确认提交 and 返回修改.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::survey::Item;
use pingyi_core::{Answer, QuestionBody, Survey};

use super::tr;
use super::words;
use super::CollectAny;
use super::{flag, on_click};
use crate::cast::{visible_answers, Answers};
use crate::i18n::{Key, Lang};

/// The label of item `id` in `items`, or the id itself.
fn label(items: &[Item], id: &str, l: Lang) -> String {
    items
        .iter()
        .find(|i| i.id == id)
        .map_or_else(|| id.to_string(), |i| l.text(&i.label))
}

/// What the resident chose, one line per shown question: its title and the answer in words
/// (未作答 when unanswered). Rated subjects, scores and notice items read "王书记：称职".
pub fn summary(survey: &Survey, answers: &Answers, l: Lang) -> Vec<(String, String)> {
    let shown = visible_answers(survey, answers);
    let mut lines = Vec::new();
    for q in survey.sections.iter().flat_map(|s| &s.questions) {
        if !q.is_shown(&shown) {
            continue;
        }
        let mut text = String::new();
        let mut add = |head: Option<String>, word: &str| {
            if !text.is_empty() {
                text.push_str(l.t(Key::ListSeparator));
            }
            if let Some(head) = head {
                text.push_str(&head);
                text.push_str(l.t(Key::SummaryColon));
            }
            text.push_str(word);
        };
        match (&q.body, answers.get(&q.id)) {
            (QuestionBody::Scale(s), Some(a)) => {
                let options: Vec<Item> = s
                    .effective_options()
                    .into_iter()
                    .map(|o| Item {
                        id: o.id,
                        label: o.label,
                        detail: None,
                    })
                    .collect();
                match a {
                    Answer::Choice { choice } => add(None, &label(&options, choice, l)),
                    Answer::Ratings { ratings } => {
                        for subject in &s.subjects {
                            if let Some(choice) = ratings.get(&subject.id) {
                                add(Some(l.text(&subject.label)), &label(&options, choice, l));
                            }
                        }
                    }
                    _ => {}
                }
            }
            (QuestionBody::Choose(c), Some(Answer::Chosen { chosen })) => {
                for id in chosen {
                    add(None, &label(&c.options, id, l));
                }
            }
            (QuestionBody::Approve(_), Some(Answer::Choice { choice })) => add(
                None,
                l.t(match choice.as_str() {
                    "for" => Key::ApproveFor,
                    "against" => Key::ApproveAgainst,
                    _ => Key::ApproveAbstain,
                }),
            ),
            (QuestionBody::Score(s), Some(Answer::Scores { scores })) => {
                for subject in &s.subjects {
                    for c in &s.criteria {
                        if let Some(v) = scores.get(&subject.id).and_then(|m| m.get(&c.id)) {
                            add(
                                Some(l.text(&subject.label) + " " + &l.text(&c.label)),
                                &v.to_string(),
                            );
                        }
                    }
                }
            }
            (QuestionBody::Notice(n), Some(Answer::Responses { responses })) => {
                for item in &n.items {
                    if let Some(r) = responses.get(&item.id) {
                        let mut word = l
                            .t(if r.objection {
                                Key::Objection
                            } else {
                                Key::NoObjection
                            })
                            .to_string();
                        if let Some(reason) = &r.reason {
                            word = word + l.t(Key::ReasonOpen) + reason + l.t(Key::ReasonClose);
                        }
                        add(Some(l.text(&item.label)), &word);
                    }
                }
            }
            (_, Some(Answer::Text { text })) => add(None, text),
            _ => {}
        }
        if text.is_empty() {
            text.push_str(l.t(Key::NoAnswer));
        }
        lines.push((l.text(&q.title), text));
    }
    lines
}

/// The confirmation: the summary, then 返回修改 (clears `confirming`) and 确认提交 (the form's
/// submit button).
pub fn confirm_view(
    survey: Arc<Survey>,
    answers: RwSignal<Answers>,
    lang: RwSignal<Lang>,
    saving: RwSignal<bool>,
    confirming: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <section class="py-confirm" data-testid="confirm">
            <h3 class="py-section-title">{tr(lang, Key::ConfirmTitle)}</h3>
            <dl class="py-summary">
                {move || {
                    let l = lang.get();
                    answers.with(|a| summary(&survey, a, l)).into_iter().map(|(q, a)| view! {
                        <dt>{q}</dt><dd>{a}</dd>
                    }).collect_any()
                }}
            </dl>
            <div class="py-buttons">
                <button type="button" class="py-button py-secondary" data-testid="confirm-back"
                    on:click={on_click(move |_| confirming.set(false))}>
                    {tr(lang, Key::ChangeAnswers)}
                </button>
                <button type="submit" class="py-button py-primary" data-testid="confirm-submit"
                    prop:disabled=flag(move || saving.get())>
                    {words(move || lang.get().t(if saving.get() { Key::Submitting } else { Key::ConfirmSubmit }).to_string())}
                </button>
            </div>
        </section>
    }
}

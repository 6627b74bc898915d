//! `score` questions (积分榜): per subject, per criterion, a large select of the allowed values
//! `min..=max` by `step`. Unset criteria are simply absent from the answer.

use leptos::prelude::*;
use pingyi_core::survey::ScoreQuestion;
use pingyi_core::{Answer, IdMap};

use super::on_event;
use super::words;
use super::CollectAny;
use super::{tr, txt, Field};
use crate::i18n::{score_range, Key};

fn values(min: i32, max: i32, step: u32) -> Vec<i32> {
    let step = step.max(1) as i64;
    let mut out = Vec::new();
    let mut v = min as i64;
    while v <= max as i64 {
        out.push(v as i32);
        v += step;
    }
    out
}

/// The view of a score question.
pub fn score_view(q: ScoreQuestion, field: Field) -> impl IntoView {
    let lang = field.lang;
    let criteria = q.criteria.clone();
    q.subjects
        .iter()
        .map(|subject| {
            let sid = subject.id.clone();
            let label = subject.label.clone();
            let detail = subject.detail.clone();
            let rows = criteria
                .iter()
                .map(|c| {
                    let cid = c.id.clone();
                    let clabel = c.label.clone();
                    let (min, max) = (c.min, c.max);
                    let id = field.el_id(&[&sid, &cid]);
                    let initial = match field.get_untracked() {
                        Some(Answer::Scores { scores }) => scores.get(&sid).and_then(|m| m.get(&cid)).copied(),
                        _ => None,
                    };
                    let set = {
                        let f = field.clone();
                        let (sid, cid) = (sid.clone(), cid.clone());
                        move |ev: leptos::ev::Event| {
                            let raw = event_target_value(&ev);
                            let mut scores = match f.get_untracked() {
                                Some(Answer::Scores { scores }) => scores,
                                _ => Default::default(),
                            };
                            let row = scores.get_or_insert_with(&sid, IdMap::new);
                            match raw.parse::<i32>() {
                                Ok(v) => {
                                    row.insert(cid.clone(), v);
                                }
                                Err(_) => {
                                    row.remove(&cid);
                                }
                            }
                            if row.is_empty() {
                                scores.remove(&sid);
                            }
                            f.set(if scores.is_empty() { None } else { Some(Answer::Scores { scores }) });
                        }
                    };
                    let opts = values(c.min, c.max, c.step)
                        .into_iter()
                        .map(|v| view! { <option value=v.to_string() selected=initial == Some(v)>{v.to_string()}</option> })
                        .collect_any();
                    view! {
                        <div class="py-score-row">
                            <label for=id.clone()>
                                {txt(lang, clabel.clone())}
                                <span class="py-range">{words(move || score_range(lang.get(), min, max))}</span>
                            </label>
                            <select id=id class="py-select" data-criterion=cid.clone() on:change={on_event(set)}>
                                <option value="" selected=initial.is_none()>{tr(lang, Key::PleaseChoose)}</option>
                                {opts}
                            </select>
                        </div>
                    }
                })
                .collect_any();
            view! {
                <fieldset class="py-subject" data-subject=sid.clone()>
                    <legend class="py-subject-title">{txt(lang, label.clone())}</legend>
                    {detail.map(|d| view! { <p class="py-help">{txt(lang, d.clone())}</p> })}
                    {rows}
                </fieldset>
            }
        })
        .collect_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_follow_the_step() {
        assert_eq!(super::values(0, 10, 5), vec![0, 5, 10]);
        assert_eq!(super::values(1, 4, 2), vec![1, 3]);
        assert_eq!(super::values(-2, 0, 0), vec![-2, -1, 0]);
    }
}

//! Local results: core's `tally` of the ballots stored on this device for this survey. Every
//! percentage is shown beside its raw count; nothing is computed here beyond formatting.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::tally::{
    ApproveTally, ChooseTally, KindTally, NoticeItemTally, Participation, QuestionTally,
    ScaleSubjectTally, ScoreTally,
};
use pingyi_core::{tally, Ballot, Ratio, Survey, Tally};

use super::tr;
use crate::i18n::{Key, Lang};
use crate::store::Store;

fn pct(r: Option<Ratio>) -> String {
    r.and_then(|r| r.percent(2))
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "—".into())
}

fn dec(r: Option<Ratio>) -> String {
    r.and_then(|r| r.decimal(2)).unwrap_or_else(|| "—".into())
}

/// The results screen with a way back to the survey.
#[component]
pub fn Results(survey: Arc<Survey>, lang: RwSignal<Lang>, on_back: Callback<()>) -> impl IntoView {
    let loaded = Store::open().and_then(|s| s.load_ballots(&survey.id));
    let body = match loaded {
        Err(_) => view! {
            <p class="py-error" role="alert">{tr(lang, Key::StorageUnavailable)}</p>
        }
        .into_any(),
        Ok(loaded) => {
            let ballots: Vec<Ballot> = loaded.ballots.into_iter().map(|r| r.ballot).collect();
            let t = Arc::new(tally(&survey, &ballots));
            let unreadable = loaded.unreadable.len();
            view! {
                {move || (unreadable > 0).then(|| view! {
                    <p class="py-warning">{format!("{}{unreadable}", lang.get().t(Key::UnreadableBallots))}</p>
                })}
                {move || tally_view(&t, lang.get())}
            }
            .into_any()
        }
    };
    view! {
        <section class="py-results" data-testid="results">
            <h3 class="py-section-title">{tr(lang, Key::ResultsTitle)}</h3>
            <p class="py-help">{tr(lang, Key::ResultsLocalNote)}</p>
            {body}
            <div class="py-buttons">
                <button type="button" class="py-button py-secondary" data-testid="back"
                    on:click=move |_| on_back.run(())>
                    {tr(lang, Key::BackToSurvey)}
                </button>
            </div>
        </section>
    }
}

fn tally_view(t: &Tally, l: Lang) -> AnyView {
    let questions = if t.participation.ballots == 0 {
        view! { <p data-testid="no-ballots">{l.t(Key::NoBallotsYet)}</p> }.into_any()
    } else {
        t.questions
            .iter()
            .map(|q| question_view(q, l))
            .collect_view()
            .into_any()
    };
    view! { {participation_view(&t.participation, l)} {questions} }.into_any()
}

fn participation_view(p: &Participation, l: Lang) -> impl IntoView {
    let eligible = p.eligible.map(|e| {
        let quorum = p.quorum_reached.map(|ok| {
            let (key, mark) = if ok {
                (Key::QuorumReached, "✓ ")
            } else {
                (Key::QuorumNotReached, "✗ ")
            };
            view! { <p class="py-flag" data-testid="quorum">{mark}{l.t(key)}</p> }
        });
        view! {
            <dt>{l.t(Key::Eligible)}</dt><dd>{e}</dd>
            <dt>{l.t(Key::ParticipationRate)}</dt><dd>{pct(p.rate)}</dd>
            {quorum}
        }
    });
    view! {
        <dl class="py-facts" data-testid="participation">
            <dt>{l.t(Key::Ballots)}</dt><dd data-testid="ballot-count">{p.ballots}</dd>
            {eligible}
        </dl>
        {p.over_eligible.then(|| view! {
            <p class="py-warning" role="alert" data-testid="over-eligible">"⚠ "{l.t(Key::OverEligible)}</p>
        })}
    }
}

fn question_view(q: &QuestionTally, l: Lang) -> impl IntoView {
    let body = match &q.result {
        KindTally::Scale { subjects } => subjects
            .iter()
            .map(|s| scale_view(s, l))
            .collect_view()
            .into_any(),
        KindTally::Choose(c) => choose_view(c, l).into_any(),
        KindTally::Score(s) => score_view(s, l).into_any(),
        KindTally::Notice { items } => items
            .iter()
            .map(|i| notice_view(i, l))
            .collect_view()
            .into_any(),
        KindTally::Approve(a) => approve_view(a, l).into_any(),
        KindTally::Text { texts } => texts_view(texts, l).into_any(),
    };
    view! {
        <article class="py-result" data-result=q.question_id.clone()>
            <h4>{l.text(&q.title)}</h4>
            <p class="py-help">{format!("{}: {}", l.t(Key::Answered), q.answered)}</p>
            {body}
        </article>
    }
}

fn scale_view(s: &ScaleSubjectTally, l: Lang) -> impl IntoView {
    let rows = s
        .options
        .iter()
        .map(|o| {
            let label = if o.not_valid {
                format!("{}{}", l.text(&o.label), l.t(Key::NotValidMark))
            } else {
                l.text(&o.label)
            };
            view! {
                <tr data-option=o.option_id.clone()>
                    <th scope="row">{label}</th>
                    <td class="py-num">{o.count}</td>
                    <td class="py-num">{if o.not_valid { "—".to_string() } else { pct(o.share_of_valid) }}</td>
                </tr>
            }
        })
        .collect_view();
    let mut facts = vec![
        (l.t(Key::ValidVotes), s.valid.to_string()),
        (l.t(Key::AllAnswers), s.total.to_string()),
    ];
    if s.satisfaction_rate.is_some() {
        facts.push((l.t(Key::SatisfactionRate), pct(s.satisfaction_rate)));
    }
    if s.weighted_score.is_some() {
        facts.push((l.t(Key::WeightedScore), dec(s.weighted_score)));
    }
    if let Some(g) = &s.grade {
        facts.push((l.t(Key::Grade), l.text(g)));
    }
    view! {
        <div class="py-result-subject" data-subject=s.subject_id.clone().unwrap_or_default()>
            {s.label.as_ref().map(|t| view! { <h5>{l.text(t)}</h5> })}
            <table class="py-table">
                <thead><tr><th scope="col">{l.t(Key::Option)}</th><th scope="col">{l.t(Key::Count)}</th><th scope="col">{l.t(Key::Share)}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <dl class="py-facts">
                {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
        </div>
    }
}

fn choose_view(c: &ChooseTally, l: Lang) -> impl IntoView {
    let rows = c
        .ranking
        .iter()
        .map(|r| {
            let mut marks = Vec::new();
            if c.elected.contains(&r.option_id) {
                marks.push(format!("✓ {}", l.t(Key::Elected)));
            }
            if r.tied {
                marks.push(format!("= {}", l.t(Key::Tied)));
            }
            view! {
                <tr data-option=r.option_id.clone()>
                    <td class="py-num">{r.rank}</td>
                    <th scope="row">{l.text(&r.label)}</th>
                    <td class="py-num">{r.count}</td>
                    <td class="py-num">{pct(Some(r.share_of_answered))}</td>
                    <td>{marks.join(" ")}</td>
                </tr>
            }
        })
        .collect_view();
    let tied = (!c.tied_at_last_seat.is_empty()).then(|| {
        let names: Vec<String> = c
            .tied_at_last_seat
            .iter()
            .map(|id| {
                c.ranking
                    .iter()
                    .find(|r| &r.option_id == id)
                    .map(|r| l.text(&r.label))
                    .unwrap_or(id.clone())
            })
            .collect();
        view! { <p class="py-warning">"⚠ "{l.t(Key::TiedAtLastSeat)}{names.join("、")}</p> }
    });
    view! {
        <table class="py-table">
            <thead><tr>
                <th scope="col">{l.t(Key::Rank)}</th><th scope="col">{l.t(Key::Option)}</th>
                <th scope="col">{l.t(Key::Votes)}</th><th scope="col">"%"</th><th scope="col"></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {tied}
    }
}

fn score_view(s: &ScoreTally, l: Lang) -> impl IntoView {
    let trimmed = s.method == "trimmed_mean";
    s.subjects
        .iter()
        .map(|sub| {
            let rows = sub
                .criteria
                .iter()
                .map(|c| {
                    view! {
                        <tr>
                            <th scope="row">{l.text(&c.label)}</th>
                            <td class="py-num">{c.count}</td>
                            <td class="py-num">{dec(c.mean)}</td>
                            {trimmed.then(|| view! { <td class="py-num">{dec(c.combined)}{c.trim_skipped.then_some(" *")}</td> })}
                        </tr>
                    }
                })
                .collect_view();
            let skipped = sub.criteria.iter().any(|c| c.trim_skipped);
            view! {
                <div class="py-result-subject" data-subject=sub.subject_id.clone()>
                    <h5>{format!("{} {}. ", l.t(Key::Rank), sub.rank)}{l.text(&sub.label)}
                        {sub.tied.then(|| format!(" ({})", l.t(Key::Tied)))}</h5>
                    <table class="py-table">
                        <thead><tr>
                            <th scope="col">{l.t(Key::Criterion)}</th><th scope="col">{l.t(Key::Scores)}</th>
                            <th scope="col">{l.t(Key::Mean)}</th>
                            {trimmed.then(|| view! { <th scope="col">{l.t(Key::TrimmedMean)}</th> })}
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <p><strong>{l.t(Key::Total)}": "{dec(Some(sub.total))}</strong></p>
                    {skipped.then(|| view! { <p class="py-help">"* "{l.t(Key::TrimSkipped)}</p> })}
                </div>
            }
        })
        .collect_view()
}

fn notice_view(i: &NoticeItemTally, l: Lang) -> impl IntoView {
    let verdict = if i.needs_review {
        l.t(Key::NeedsReview)
    } else {
        l.t(Key::NoObjectionPasses)
    };
    view! {
        <div class="py-result-subject" data-item=i.item_id.clone()>
            <h5>{l.text(&i.label)}</h5>
            <dl class="py-facts">
                <dt>{l.t(Key::NoObjection)}</dt><dd>{i.no_objection}</dd>
                <dt>{l.t(Key::Objection)}</dt><dd>{i.objection}</dd>
            </dl>
            <p class="py-flag" data-testid="notice-verdict">{if i.needs_review { "⚠ " } else { "✓ " }}{verdict}</p>
            {(!i.reasons.is_empty()).then(|| view! {
                <p>{l.t(Key::Reasons)}":"</p>
                <ul class="py-texts">{i.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
            })}
        </div>
    }
}

fn approve_view(a: &ApproveTally, l: Lang) -> impl IntoView {
    let (mark, verdict) = if a.passed {
        ("✓ ", l.t(Key::Passed))
    } else {
        ("✗ ", l.t(Key::NotPassed))
    };
    view! {
        <dl class="py-facts">
            <dt>{l.t(Key::ApproveFor)}</dt><dd>{a.for_count}</dd>
            <dt>{l.t(Key::ApproveAgainst)}</dt><dd>{a.against}</dd>
            <dt>{l.t(Key::ApproveAbstain)}</dt><dd>{a.abstain}</dd>
            <dt>{l.t(Key::MajorityBase)}</dt><dd>{a.base}</dd>
            <dt>{l.t(Key::ForShare)}</dt><dd>{pct(a.for_share)}</dd>
        </dl>
        <p class="py-flag" data-testid="approve-verdict">{mark}{verdict}</p>
    }
}

fn texts_view(texts: &[String], l: Lang) -> impl IntoView {
    if texts.is_empty() {
        return view! { <p class="py-help">{l.t(Key::NoSuggestions)}</p> }.into_any();
    }
    view! {
        <ul class="py-texts">{texts.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul>
    }
    .into_any()
}

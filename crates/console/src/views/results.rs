//! The results view of a core `TallyReport`: header (title, unit, time, hashes), participation
//! and quorum, one block per question (charts, ranking tables, objections, the approval outcome),
//! receipts when published, and the footnote with the formulas. Raw counts always stand beside
//! derived rates. Nothing is counted here: every figure is read from the report and formatted.

use std::collections::BTreeMap;

use leptos::prelude::*;
use pingyi_core::export::TallyReport;
use pingyi_core::tally::{
    ApproveTally, ChooseTally, KindTally, NoticeItemTally, Participation, QuestionTally,
    ScaleSubjectTally, ScoreTally,
};
use pingyi_core::{Channel, Ratio};

use super::chart::{bar_chart, Bar};
use crate::i18n::{ConsoleWords, Key, Lang};
use crate::model::ConflictRow;

/// Percent with 2 places and the `%` sign, or a dash.
fn pct(r: Option<&Ratio>) -> String {
    r.and_then(|r| r.percent(2))
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "—".into())
}

/// Decimal with 2 places, or a dash.
fn dec(r: Option<&Ratio>) -> String {
    r.and_then(|r| r.decimal(2)).unwrap_or_else(|| "—".into())
}

/// `num/den` beside a rate, so the raw figures show.
fn frac(r: Option<&Ratio>, num: u64, den: u64) -> String {
    match r {
        Some(_) => format!("{} ({num}/{den})", pct(r)),
        None => "—".into(),
    }
}

/// The numerator of `r` written over `den` (`r` was reduced from `x/den`): `x`.
fn unreduced(r: &Ratio, den: u64) -> u64 {
    if r.den == 0 || !den.is_multiple_of(r.den) {
        return 0;
    }
    u64::try_from(r.num).unwrap_or(0) * (den / r.den)
}

/// The whole report.
pub fn report_view(report: &TallyReport, conflicts: &[ConflictRow], lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let short_hash: String = report.survey_hash.chars().take(12).collect();
    let questions = report
        .tally
        .questions
        .iter()
        .map(|q| question_view(q, lang))
        .collect_view();
    let receipts = report.receipts.as_ref().map(|r| {
        let items = r
            .iter()
            .map(|c| view! { <li><code>{c.clone()}</code></li> })
            .collect_view();
        view! {
            <section class="pc-block pc-receipts" aria-labelledby="pc-receipts-h">
                <h3 id="pc-receipts-h">{t(Key::Receipts)}</h3>
                <p class="pc-help">{t(Key::ReceiptsHelp)}</p>
                <ul class="pc-receipt-list">{items}</ul>
            </section>
        }
    });
    view! {
        <article class="pc-report" data-testid="results" lang=lang.code()>
            <header class="pc-report-head">
                <h2>{lang.text(&report.survey_title)}</h2>
                <dl class="pc-meta">
                    <dt>{t(Key::Unit)}</dt><dd data-testid="unit">{report.unit.clone()}</dd>
                    <dt>{t(Key::GeneratedAt)}</dt><dd data-testid="generated-at">{report.generated_at.clone()}</dd>
                    <dt>{t(Key::Version)}</dt><dd>{format!("{} v{}", report.survey_id, report.survey_version)}</dd>
                    <dt>{t(Key::SurveyHash)}</dt>
                    <dd><code title=report.survey_hash.clone() data-testid="survey-hash">{short_hash}</code></dd>
                    <dt>{t(Key::Digest)}</dt>
                    <dd><code class="pc-digest" data-testid="digest">{report.ballot_ids_digest.clone()}</code></dd>
                </dl>
            </header>
            {participation_view(report, lang)}
            {conflicts_view(conflicts, lang)}
            {questions}
            {receipts}
            {footnote(lang)}
        </article>
    }
    .into_any()
}

fn participation_view(report: &TallyReport, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let p: &Participation = &report.tally.participation;
    let channels = report
        .ballots
        .by_channel
        .iter()
        .map(|(c, n)| {
            let name = match c {
                Channel::Digital => t(Key::Digital),
                Channel::Paper => t(Key::Paper),
            };
            view! { <li>{format!("{name}: {n}")}</li> }
        })
        .collect_view();
    let devices = (!report.ballots.by_device.is_empty()).then(|| {
        let rows = report
            .ballots
            .by_device
            .iter()
            .map(|(d, n)| view! { <li><code>{d.clone()}</code>{format!(": {n}")}</li> })
            .collect_view();
        view! { <dt>{t(Key::ByDevice)}</dt><dd><ul class="pc-inline">{rows}</ul></dd> }
    });
    let eligible = p
        .eligible
        .map(|e| e.to_string())
        .unwrap_or_else(|| t(Key::NotSet).to_string());
    let rate = frac(
        p.rate.as_ref(),
        p.ballots,
        u64::from(p.eligible.unwrap_or(0)),
    );
    let quorum = match p.quorum_reached {
        Some(true) => t(Key::QuorumReached),
        Some(false) => t(Key::QuorumNotReached),
        None => t(Key::QuorumUnknown),
    };
    let quorum = lang.quorum_state(quorum, p.quorum_percent);
    let over = p.over_eligible.then(|| {
        view! { <p class="pc-warning" role="alert" data-testid="over-eligible">{t(Key::OverEligible)}</p> }
    });
    view! {
        <section class="pc-block" aria-labelledby="pc-part-h" data-testid="participation">
            <h3 id="pc-part-h">{t(Key::Participation)}</h3>
            {over}
            <dl class="pc-meta">
                <dt>{t(Key::Counted)}</dt><dd data-testid="counted">{report.ballots.counted.to_string()}</dd>
                <dt>{t(Key::ByChannel)}</dt><dd><ul class="pc-inline">{channels}</ul></dd>
                {devices}
                <dt>{t(Key::Eligible)}</dt><dd data-testid="eligible">{eligible}</dd>
                <dt>{t(Key::Rate)}</dt><dd data-testid="rate">{rate}</dd>
                <dt>{t(Key::Quorum)}</dt><dd data-testid="quorum">{quorum}</dd>
                <dt>{t(Key::Duplicates)}</dt><dd>{p.duplicates_dropped.to_string()}</dd>
                <dt>{t(Key::IgnoredOther)}</dt><dd>{p.ignored_other_survey.to_string()}</dd>
            </dl>
        </section>
    }
    .into_any()
}

fn conflicts_view(conflicts: &[ConflictRow], lang: Lang) -> Option<AnyView> {
    if conflicts.is_empty() {
        return None;
    }
    let items = conflicts
        .iter()
        .map(|c| {
            view! {
                <li data-conflict-id=c.id.clone()>
                    <code>{c.id.clone()}</code>" "{lang.conflict_in(&lang.name_list(&c.files), c.versions)}
                </li>
            }
        })
        .collect_view();
    Some(
        view! {
            <section class="pc-block pc-conflicts" aria-labelledby="pc-conf-h" data-testid="conflicts">
                <h3 id="pc-conf-h">{lang.t(Key::Conflicts)}</h3>
                <p class="pc-help">{lang.t(Key::ConflictsHelp)}</p>
                <ul>{items}</ul>
            </section>
        }
        .into_any(),
    )
}

fn question_view(q: &QuestionTally, lang: Lang) -> AnyView {
    let title = lang.text(&q.title);
    let body = match &q.result {
        KindTally::Scale { subjects } => subjects
            .iter()
            .map(|s| scale_subject(&title, s, lang))
            .collect_view()
            .into_any(),
        KindTally::Choose(c) => choose_view(&title, c, lang),
        KindTally::Score(s) => score_view(s, lang),
        KindTally::Notice { items } => items
            .iter()
            .map(|i| notice_item(i, lang))
            .collect_view()
            .into_any(),
        KindTally::Approve(a) => approve_view(&title, a, lang),
        KindTally::Text { texts } => texts_view(texts, lang),
    };
    let kind = match &q.result {
        KindTally::Scale { .. } => "scale",
        KindTally::Choose(_) => "choose",
        KindTally::Score(_) => "score",
        KindTally::Notice { .. } => "notice",
        KindTally::Approve(_) => "approve",
        KindTally::Text { .. } => "text",
    };
    let heading = format!("pc-q-{}", q.question_id);
    let labelled_by = heading.clone();
    view! {
        <section class="pc-block pc-question" aria-labelledby=labelled_by data-question=q.question_id.clone()
            data-kind=kind>
            <h3 id=heading>{title}</h3>
            <p class="pc-help">{format!("{}: {}", lang.t(Key::Answered), q.answered)}</p>
            {body}
            {channel_view(q, lang)}
        </section>
    }
    .into_any()
}

fn scale_subject(title: &str, s: &ScaleSubjectTally, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let subject = s.label.as_ref().map(|l| lang.text(l));
    let bars = scale_bars(s, lang);
    let summary = match &subject {
        Some(sub) => format!("{title} · {sub}"),
        None => title.to_string(),
    };
    // Core's ratio is in lowest terms over `valid`; its raw numerator is shown beside it.
    let satisfaction = s.satisfaction_rate.as_ref().map(|r| {
        view! {
            <dt>{t(Key::SatisfactionRate)}</dt>
            <dd data-testid="satisfaction">{frac(Some(r), unreduced(r, s.valid), s.valid)}</dd>
        }
    });
    let weighted = s.weighted_score.as_ref().map(|r| {
        view! { <dt>{t(Key::Weighted)}</dt><dd data-testid="weighted">{dec(Some(r))}</dd> }
    });
    let grade = s
        .grade
        .as_ref()
        .map(|g| view! { <dt>{t(Key::Grade)}</dt><dd>{lang.text(g)}</dd> });
    view! {
        <div class="pc-subject">
            {subject.map(|s| view! { <h4>{s}</h4> })}
            {bar_chart(&summary, bars)}
            <dl class="pc-meta pc-figures">
                <dt>{t(Key::Total)}</dt><dd>{s.total.to_string()}</dd>
                <dt>{t(Key::Valid)}</dt><dd data-testid="valid">{s.valid.to_string()}</dd>
                {satisfaction}
                {weighted}
                {grade}
            </dl>
        </div>
    }
    .into_any()
}

fn choose_view(title: &str, c: &ChooseTally, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let bars = choose_bars(c, lang);
    let rows = c
        .ranking
        .iter()
        .map(|o| {
            let outcome = if c.elected.contains(&o.option_id) {
                t(Key::Elected)
            } else if c.tied_at_last_seat.contains(&o.option_id) {
                t(Key::TiedAtLastSeat)
            } else if o.tied {
                t(Key::Tied)
            } else {
                ""
            };
            view! {
                <tr data-option=o.option_id.clone()>
                    <td>{o.rank.to_string()}</td>
                    <th scope="row">{lang.text(&o.label)}</th>
                    <td class="pc-num">{o.count.to_string()}</td>
                    <td class="pc-num">{pct(Some(&o.share_of_answered))}</td>
                    <td>{outcome}</td>
                </tr>
            }
        })
        .collect_view();
    let seats = c
        .seats
        .map(|s| view! { <p class="pc-help">{format!("{}: {s}", t(Key::Seats))}</p> });
    view! {
        {seats}
        {bar_chart(title, bars)}
        <table class="pc-table" data-testid="ranking">
            <thead><tr>
                <th scope="col">{t(Key::Rank)}</th>
                <th scope="col">{t(Key::Candidate)}</th>
                <th scope="col">{t(Key::Votes)}</th>
                <th scope="col">{t(Key::Share)}</th>
                <th scope="col">{format!("{} / {}", t(Key::Elected), t(Key::Tied))}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn score_view(s: &ScoreTally, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let trimmed = s.method == "trimmed_mean";
    let criteria: Vec<String> = s
        .subjects
        .first()
        .map(|subj| subj.criteria.iter().map(|c| lang.text(&c.label)).collect())
        .unwrap_or_default();
    let head = criteria
        .iter()
        .map(|c| view! { <th scope="col">{c.clone()}</th> })
        .collect_view();
    let rows = s
        .subjects
        .iter()
        .map(|subj| {
            let cells = subj
                .criteria
                .iter()
                .map(|c| {
                    let mean = format!("{} {}", t(Key::Mean), dec(c.mean.as_ref()));
                    let trimmed_line = (trimmed && !c.trim_skipped)
                        .then(|| format!("{} {}", t(Key::Trimmed), dec(c.combined.as_ref())));
                    let skipped = c.trim_skipped.then(|| t(Key::TrimSkipped));
                    view! {
                        <td class="pc-num">
                            <span class="pc-line">{mean}</span>
                            {trimmed_line.map(|l| view! { <span class="pc-line">{l}</span> })}
                            {skipped.map(|l| view! { <span class="pc-line pc-note">{l}</span> })}
                            <span class="pc-line pc-note">{lang.judges(c.count)}</span>
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr data-subject=subj.subject_id.clone()>
                    <td>{subj.rank.to_string()}{subj.tied.then(|| lang.in_brackets(t(Key::Tied)))}</td>
                    <th scope="row">{lang.text(&subj.label)}</th>
                    {cells}
                    <td class="pc-num" data-testid="score-total">{dec(Some(&subj.total))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="pc-help">{lang.score_method(trimmed, s.drop)}</p>
        <table class="pc-table" data-testid="points">
            <thead><tr>
                <th scope="col">{t(Key::Rank)}</th>
                <th scope="col">{t(Key::Household)}</th>
                {head}
                <th scope="col">{t(Key::TotalScore)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn notice_item(i: &NoticeItemTally, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let reasons = (!i.reasons.is_empty()).then(|| {
        let items = i
            .reasons
            .iter()
            .map(|r| view! { <li>{r.clone()}</li> })
            .collect_view();
        view! { <p>{t(Key::Reasons)}</p><ol class="pc-reasons">{items}</ol> }
    });
    let flag = if i.needs_review {
        t(Key::NeedsReview)
    } else {
        t(Key::NoObjectionPasses)
    };
    view! {
        <div class="pc-subject" data-item=i.item_id.clone()>
            <h4>{lang.text(&i.label)}</h4>
            <dl class="pc-meta">
                <dt>{t(Key::NoObjection)}</dt><dd>{i.no_objection.to_string()}</dd>
                <dt>{t(Key::Objection)}</dt><dd>{i.objection.to_string()}</dd>
            </dl>
            <p class=if i.needs_review { "pc-flag pc-review" } else { "pc-flag" } data-testid="notice-flag">
                <strong>{flag}</strong>
            </p>
            {reasons}
        </div>
    }
    .into_any()
}

fn approve_view(title: &str, a: &ApproveTally, lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    let bars = approve_bars(a, lang);
    let outcome = if a.passed {
        t(Key::Passed)
    } else {
        t(Key::NotPassed)
    };
    view! {
        {bar_chart(title, bars)}
        <p class=if a.passed { "pc-flag pc-passed" } else { "pc-flag pc-review" } data-testid="approve-outcome">
            <strong>{outcome}</strong>
        </p>
        <dl class="pc-meta">
            <dt>{t(Key::Rule)}</dt><dd>{lang.approve_rule(&a.rule)}</dd>
            <dt>{t(Key::Base)}</dt><dd>{a.base.to_string()}</dd>
            <dt>{t(Key::Share)}</dt><dd>{frac(a.for_share.as_ref(), a.for_count, a.base)}</dd>
            <dt>{t(Key::Total)}</dt><dd>{lang.approve_check(a.for_count, a.base, a.passed)}</dd>
        </dl>
    }
    .into_any()
}

fn texts_view(texts: &[String], lang: Lang) -> AnyView {
    if texts.is_empty() {
        return view! { <p>{lang.t(Key::NoneGiven)}</p> }.into_any();
    }
    let items = texts
        .iter()
        .map(|s| view! { <li>{s.clone()}</li> })
        .collect_view();
    view! { <ol class="pc-texts">{items}</ol> }.into_any()
}

fn footnote(lang: Lang) -> AnyView {
    let t = |k| lang.t(k);
    view! {
        <footer class="pc-block pc-footnote" data-testid="footnote">
            <h3>{t(Key::Footnote)}</h3>
            <ul>
                <li>{t(Key::FormulaSatisfaction)}</li>
                <li>{t(Key::FormulaWeighted)}</li>
                <li>{t(Key::FormulaTrimmed)}</li>
                <li>{t(Key::FormulaApprove)}</li>
                <li>{t(Key::FormulaShare)}</li>
                <li>{t(Key::FormulaParticipation)}</li>
                <li>{t(Key::FormulaRounding)}</li>
            </ul>
        </footer>
    }
    .into_any()
}

fn scale_bars(s: &ScaleSubjectTally, lang: Lang) -> Vec<Bar> {
    s.options
        .iter()
        .map(|o| Bar {
            label: lang.text(&o.label),
            count: o.count,
            value_text: if o.not_valid {
                lang.votes(o.count) + &lang.in_brackets(lang.t(Key::NotValid))
            } else {
                lang.votes_share(o.count, &pct(o.share_of_valid.as_ref()))
            },
        })
        .collect()
}

fn choose_bars(c: &ChooseTally, lang: Lang) -> Vec<Bar> {
    c.ranking
        .iter()
        .map(|o| Bar {
            label: lang.text(&o.label),
            count: o.count,
            value_text: lang.votes_share(o.count, &pct(Some(&o.share_of_answered))),
        })
        .collect()
}

fn approve_bars(a: &ApproveTally, lang: Lang) -> Vec<Bar> {
    let t = |k| lang.t(k);
    let total = a.for_count + a.against + a.abstain;
    let share = |n: u64| {
        if total == 0 {
            "—".to_string()
        } else {
            pct(Some(&Ratio::reduced(i128::from(n), i128::from(total))))
        }
    };
    vec![
        Bar {
            label: t(Key::For).into(),
            count: a.for_count,
            value_text: lang.votes_share(a.for_count, &share(a.for_count)),
        },
        Bar {
            label: t(Key::Against).into(),
            count: a.against,
            value_text: lang.votes_share(a.against, &share(a.against)),
        },
        Bar {
            label: t(Key::Abstain).into(),
            count: a.abstain,
            value_text: lang.votes_share(a.abstain, &share(a.abstain)),
        },
    ]
}

/// One question at projector scale: its title and the same bar charts as the results view
/// (counts and percentages beside every bar). Score and text questions are not projected (a
/// table of household points or free text is not readable from 5 m); a notice item shows its
/// two counts.
pub fn projector_question(q: &QuestionTally, lang: Lang) -> Option<AnyView> {
    let title = lang.text(&q.title);
    let body = match &q.result {
        KindTally::Scale { subjects } => subjects
            .iter()
            .map(|s| {
                let sub = s.label.as_ref().map(|l| lang.text(l));
                let summary = sub
                    .as_ref()
                    .map(|x| format!("{title} · {x}"))
                    .unwrap_or_else(|| title.clone());
                view! {
                    {sub.map(|x| view! { <h3>{x}</h3> })}
                    {bar_chart(&summary, scale_bars(s, lang))}
                }
            })
            .collect_view()
            .into_any(),
        KindTally::Choose(c) => bar_chart(&title, choose_bars(c, lang)),
        KindTally::Approve(a) => bar_chart(&title, approve_bars(a, lang)),
        KindTally::Notice { items } => items
            .iter()
            .map(|i| {
                let bars = vec![
                    Bar {
                        label: lang.t(Key::NoObjection).into(),
                        count: i.no_objection,
                        value_text: lang.votes(i.no_objection),
                    },
                    Bar {
                        label: lang.t(Key::Objection).into(),
                        count: i.objection,
                        value_text: lang.votes(i.objection),
                    },
                ];
                let label = lang.text(&i.label);
                view! { <h3>{label.clone()}</h3>{bar_chart(&label, bars)} }
            })
            .collect_view()
            .into_any(),
        KindTally::Score(_) | KindTally::Text { .. } => return None,
    };
    Some(
        view! {
            <section class="pj-question" data-question=q.question_id.clone()>
                <h2>{title}</h2>
                {body}
            </section>
        }
        .into_any(),
    )
}

/// Option counts per channel (电子 / 纸质), when the tally has paper input (`channel_counts`).
fn channel_view(q: &QuestionTally, lang: Lang) -> Option<AnyView> {
    if q.channel_counts.is_empty() {
        return None;
    }
    let t = |k| lang.t(k);
    let mut option_labels: BTreeMap<String, String> = BTreeMap::new();
    let mut subject_labels: BTreeMap<String, String> = BTreeMap::new();
    match &q.result {
        KindTally::Scale { subjects } => {
            for s in subjects {
                if let (Some(id), Some(l)) = (&s.subject_id, &s.label) {
                    subject_labels.insert(id.clone(), lang.text(l));
                }
                for o in &s.options {
                    option_labels.insert(o.option_id.clone(), lang.text(&o.label));
                }
            }
        }
        KindTally::Choose(c) => {
            for o in &c.ranking {
                option_labels.insert(o.option_id.clone(), lang.text(&o.label));
            }
        }
        KindTally::Approve(_) => {
            for (id, k) in [
                ("for", Key::For),
                ("against", Key::Against),
                ("abstain", Key::Abstain),
            ] {
                option_labels.insert(id.into(), t(k).into());
            }
        }
        _ => {}
    }
    // (subject, option) in the order core lists them, with the count of each channel.
    let mut rows: Vec<(Option<String>, String, u64, u64)> = Vec::new();
    for c in &q.channel_counts {
        let idx = match rows
            .iter()
            .position(|r| r.0 == c.subject_id && r.1 == c.option_id)
        {
            Some(i) => i,
            None => {
                rows.push((c.subject_id.clone(), c.option_id.clone(), 0, 0));
                rows.len() - 1
            }
        };
        match c.channel {
            Channel::Digital => rows[idx].2 += c.count,
            Channel::Paper => rows[idx].3 += c.count,
        }
    }
    let matrix = rows.iter().any(|r| r.0.is_some());
    let body = rows
        .into_iter()
        .map(|(sub, opt, digital, paper)| {
            let sub_cell = matrix.then(|| {
                let l = sub
                    .as_ref()
                    .map(|s| subject_labels.get(s).cloned().unwrap_or_else(|| s.clone()))
                    .unwrap_or_default();
                view! { <td>{l}</td> }
            });
            let label = option_labels
                .get(&opt)
                .cloned()
                .unwrap_or_else(|| opt.clone());
            view! {
                <tr data-option=opt data-subject=sub.unwrap_or_default()>
                    {sub_cell}
                    <th scope="row">{label}</th>
                    <td class="pc-num" data-channel="digital">{digital.to_string()}</td>
                    <td class="pc-num" data-channel="paper">{paper.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    Some(
        view! {
            <table class="pc-table pc-channels" data-testid="channel-counts">
                <caption>{t(Key::ChannelSplit)}</caption>
                <thead><tr>
                    {matrix.then(|| view! { <th scope="col">{t(Key::Subject)}</th> })}
                    <th scope="col">{t(Key::Option)}</th>
                    <th scope="col">{t(Key::Digital)}</th>
                    <th scope="col">{t(Key::Paper)}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
        }
        .into_any(),
    )
}

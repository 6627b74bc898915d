//! The tally as first written, answer by answer over the whole input: kept for tests only, as the
//! oracle that the counting in `state.rs` is checked against on random surveys and ballots.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use crate::ballot::{Answer, Ballot, Channel};
use crate::survey::{QuestionBody, Survey};
use crate::tally::{ChannelCount, Participation, QuestionTally, Ratio, Tally, VersionCount};
use crate::validate::answer_is_countable;

pub(crate) fn count_all(
    survey: &Survey,
    ballots: &[Ballot],
    totals: &[crate::paper::PaperTotals],
    split: bool,
) -> Tally {
    let mut seen: BTreeSet<std::borrow::Cow<str>> = BTreeSet::new();
    let mut duplicates_dropped = 0u64;
    let mut ignored_other_survey = 0u64;
    let mut counted: Vec<&Ballot> = Vec::new();
    let mut other_versions: BTreeMap<u32, u64> = BTreeMap::new();
    for b in ballots {
        if !seen.insert(crate::ballot::ballot_key(&b.id)) {
            duplicates_dropped += 1;
        } else if b.survey_id != survey.id || b.survey_version != survey.version {
            ignored_other_survey += 1;
            if b.survey_id == survey.id {
                *other_versions.entry(b.survey_version).or_insert(0) += 1;
            }
        } else {
            counted.push(b);
        }
    }
    let paper_totals = crate::paper::paper_totals_ballots(totals);
    let mut participation = participation(
        survey,
        &counted,
        ignored_other_survey,
        duplicates_dropped,
        paper_totals,
    );
    participation.other_versions = other_versions
        .into_iter()
        .map(|(survey_version, ballots)| VersionCount {
            survey_version,
            ballots,
        })
        .collect();
    let questions = survey
        .questions()
        .map(|q| {
            let by_ballot: Vec<(Channel, &Answer)> = counted
                .iter()
                .filter_map(|b| {
                    let a = b.answers.get(&q.id)?;
                    (q.is_shown(&b.answers) && answer_is_countable(q, a)).then_some((b.channel, a))
                })
                .collect();
            let synthetic = if totals.is_empty() {
                Vec::new()
            } else {
                crate::paper::synthetic_answers(survey, &q.id, totals)
            };
            let mut answers: Vec<&Answer> = by_ballot.iter().map(|(_, a)| *a).collect();
            for (a, n) in &synthetic {
                for _ in 0..*n {
                    answers.push(a);
                }
            }
            let channel_counts = if split {
                channel_counts(&q.body, &by_ballot, &synthetic, &participation.by_channel)
            } else {
                Vec::new()
            };
            let (answered, result) = match &q.body {
                QuestionBody::Scale(s) => scale::count(s, &answers),
                QuestionBody::Choose(c) => choose::count(c, &answers),
                QuestionBody::Score(s) => score::count(s, &answers),
                QuestionBody::Notice(n) => notice::count(n, &answers),
                QuestionBody::Approve(a) => approve::count(a, survey.eligible, &answers),
                QuestionBody::Text(_) => text::count(&answers),
            };
            QuestionTally {
                question_id: q.id.clone(),
                title: q.title.clone(),
                answered,
                channel_counts,
                result,
            }
        })
        .collect();
    Tally {
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        participation,
        questions,
    }
}

/// Option counts per channel of an option-count question (scale, approve, choose); empty for the
/// other kinds. Channels listed are those with ballots in the participation.
fn channel_counts(
    body: &QuestionBody,
    by_ballot: &[(Channel, &Answer)],
    synthetic: &[(Answer, u64)],
    channels: &BTreeMap<Channel, u64>,
) -> Vec<ChannelCount> {
    let (subjects, options): (Vec<Option<String>>, Vec<String>) = match body {
        QuestionBody::Scale(s) => (
            if s.subjects.is_empty() {
                vec![None]
            } else {
                s.subjects.iter().map(|x| Some(x.id.clone())).collect()
            },
            s.effective_options().into_iter().map(|o| o.id).collect(),
        ),
        QuestionBody::Approve(_) => (
            vec![None],
            crate::survey::APPROVE_OPTIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        QuestionBody::Choose(c) => (vec![None], c.options.iter().map(|o| o.id.clone()).collect()),
        _ => return Vec::new(),
    };
    let mut counts: BTreeMap<(Channel, Option<&str>, &str), u64> = BTreeMap::new();
    let mut add = |channel: Channel, a: &Answer, n: u64| match a {
        Answer::Choice { choice } => {
            if let Some(o) = options.iter().find(|o| *o == choice) {
                *counts.entry((channel, None, o.as_str())).or_insert(0) += n;
            }
        }
        Answer::Ratings { ratings } => {
            for (sub, choice) in ratings {
                let s = subjects.iter().flatten().find(|s| *s == sub);
                let o = options.iter().find(|o| *o == choice);
                if let (Some(s), Some(o)) = (s, o) {
                    *counts
                        .entry((channel, Some(s.as_str()), o.as_str()))
                        .or_insert(0) += n;
                }
            }
        }
        Answer::Chosen { chosen } => {
            for o in options.iter().filter(|o| chosen.contains(o)) {
                *counts.entry((channel, None, o.as_str())).or_insert(0) += n;
            }
        }
        _ => {}
    };
    for (channel, a) in by_ballot {
        add(*channel, a, 1);
    }
    for (a, n) in synthetic {
        add(Channel::Paper, a, *n);
    }
    let mut out = Vec::new();
    for channel in channels.keys() {
        for subject in &subjects {
            for option in &options {
                out.push(ChannelCount {
                    channel: *channel,
                    subject_id: subject.clone(),
                    option_id: option.clone(),
                    count: counts
                        .get(&(*channel, subject.as_deref(), option.as_str()))
                        .copied()
                        .unwrap_or(0),
                });
            }
        }
    }
    out
}

fn participation(
    survey: &Survey,
    counted: &[&Ballot],
    ignored_other_survey: u64,
    duplicates_dropped: u64,
    paper_totals_ballots: u64,
) -> Participation {
    let mut by_channel: BTreeMap<Channel, u64> = BTreeMap::new();
    for b in counted {
        *by_channel.entry(b.channel).or_insert(0) += 1;
    }
    if paper_totals_ballots > 0 {
        *by_channel.entry(Channel::Paper).or_insert(0) += paper_totals_ballots;
    }
    let ballots = (counted.len() as u64).saturating_add(paper_totals_ballots);
    let eligible = survey.eligible;
    let rate = eligible
        .filter(|e| *e > 0)
        .map(|e| Ratio::reduced(i128::from(ballots), i128::from(e)));
    let quorum_reached = eligible
        .map(|e| u128::from(ballots) * 100 > u128::from(e) * u128::from(survey.quorum_percent));
    Participation {
        ballots,
        by_channel,
        ignored_other_survey,
        other_versions: Vec::new(),
        duplicates_dropped,
        eligible,
        rate,
        quorum_percent: survey.quorum_percent,
        quorum_reached,
        over_eligible: eligible.is_some_and(|e| ballots > u64::from(e)),
        paper_totals_ballots,
    }
}

mod scale {

    use crate::ballot::Answer;
    use crate::survey::{GradeRule, Item, ScaleOption, ScalePreset, ScaleQuestion, Text};
    use crate::tally::{KindTally, OptionCount, Ratio, ScaleSubjectTally};

    pub(crate) fn count(q: &ScaleQuestion, answers: &[&Answer]) -> (u64, KindTally) {
        let options = q.effective_options();
        let grades = q.effective_grades();
        let default_grade = q.effective_default_grade();
        let satisfaction = q.preset == Some(ScalePreset::Satisfaction);
        let position = |id: &str| options.iter().position(|o| o.id == id);
        let subjects = if q.subjects.is_empty() {
            let mut counts = vec![0u64; options.len()];
            for a in answers {
                if let Answer::Choice { choice } = a {
                    if let Some(i) = position(choice) {
                        counts[i] += 1;
                    }
                }
            }
            vec![subject_tally(
                None,
                &options,
                &counts,
                satisfaction,
                &grades,
                &default_grade,
            )]
        } else {
            q.subjects
                .iter()
                .map(|subject| {
                    let mut counts = vec![0u64; options.len()];
                    for a in answers {
                        if let Answer::Ratings { ratings } = a {
                            if let Some(i) = ratings.get(&subject.id).and_then(|o| position(o)) {
                                counts[i] += 1;
                            }
                        }
                    }
                    subject_tally(
                        Some(subject),
                        &options,
                        &counts,
                        satisfaction,
                        &grades,
                        &default_grade,
                    )
                })
                .collect()
        };
        (answers.len() as u64, KindTally::Scale { subjects })
    }

    fn subject_tally(
        subject: Option<&Item>,
        options: &[ScaleOption],
        counts: &[u64],
        satisfaction: bool,
        grades: &[GradeRule],
        default_grade: &Option<Text>,
    ) -> ScaleSubjectTally {
        let total: u64 = counts.iter().sum();
        let valid: u64 = options
            .iter()
            .zip(counts)
            .filter(|(o, _)| !o.not_valid)
            .map(|(_, c)| *c)
            .sum();
        let of_valid = |n: i128| (valid > 0).then(|| Ratio::reduced(n, i128::from(valid)));
        let option_counts = options
            .iter()
            .zip(counts)
            .map(|(o, c)| OptionCount {
                option_id: o.id.clone(),
                label: o.label.clone(),
                count: *c,
                share_of_valid: if o.not_valid {
                    None
                } else {
                    of_valid(i128::from(*c))
                },
                not_valid: o.not_valid,
            })
            .collect();
        let satisfaction_rate = if satisfaction {
            let positive: u64 = options
                .iter()
                .zip(counts)
                .filter(|(o, _)| !o.not_valid)
                .take(2)
                .map(|(_, c)| *c)
                .sum();
            of_valid(i128::from(positive))
        } else {
            None
        };
        let all_weighted = options
            .iter()
            .filter(|o| !o.not_valid)
            .all(|o| o.weight.is_some());
        let weighted_score = if all_weighted {
            let sum: i128 = options
                .iter()
                .zip(counts)
                .filter(|(o, _)| !o.not_valid)
                .map(|(o, c)| i128::from(o.weight.unwrap_or(0)) * i128::from(*c))
                .sum();
            of_valid(sum)
        } else {
            None
        };
        let grade = if valid == 0 {
            None
        } else {
            grades
                .iter()
                .find(|rule| {
                    options
                        .iter()
                        .position(|o| o.id == rule.option)
                        .is_some_and(|i| {
                            u128::from(counts[i]) * 100
                                >= u128::from(rule.at_least_percent) * u128::from(valid)
                        })
                })
                .map(|rule| rule.grade.clone())
                .or_else(|| default_grade.clone())
        };
        ScaleSubjectTally {
            subject_id: subject.map(|s| s.id.clone()),
            label: subject.map(|s| s.label.clone()),
            options: option_counts,
            total,
            valid,
            satisfaction_rate,
            weighted_score,
            grade,
        }
    }
}

mod choose {

    use crate::ballot::Answer;
    use crate::survey::ChooseQuestion;
    use crate::tally::{rank, ChooseTally, KindTally, RankedOption, Ratio};

    /// Election rule with `seats = k`: let `c` be the count of the k-th option in rank order. If the
    /// option after it also has `c` votes, the tie crosses the last seat: every option with `c` votes
    /// goes to `tied_at_last_seat` and only options with more than `c` votes are elected. Otherwise
    /// the first k are elected. An option with no votes is never elected nor tied.
    pub(crate) fn count(q: &ChooseQuestion, answers: &[&Answer]) -> (u64, KindTally) {
        let answered = answers.len() as u64;
        let mut counts = vec![0u64; q.options.len()];
        for a in answers {
            if let Answer::Chosen { chosen } = a {
                for (i, o) in q.options.iter().enumerate() {
                    if chosen.contains(&o.id) {
                        counts[i] += 1;
                    }
                }
            }
        }
        let ranked = rank(counts.len(), &|a, b| counts[a].cmp(&counts[b]));
        let ranking: Vec<RankedOption> = ranked
            .iter()
            .map(|&(i, r, tied)| RankedOption {
                option_id: q.options[i].id.clone(),
                label: q.options[i].label.clone(),
                count: counts[i],
                share_of_answered: Ratio::reduced(i128::from(counts[i]), i128::from(answered)),
                rank: r,
                tied,
            })
            .collect();
        let mut elected = Vec::new();
        let mut tied_at_last_seat = Vec::new();
        if let Some(seats) = q.seats {
            let with_votes: Vec<&RankedOption> = ranking.iter().filter(|o| o.count > 0).collect();
            let k = usize::try_from(seats)
                .unwrap_or(usize::MAX)
                .min(with_votes.len());
            if k > 0 {
                let boundary = with_votes[k - 1].count;
                let crosses = with_votes.get(k).is_some_and(|next| next.count == boundary);
                for o in &with_votes {
                    if o.count > boundary || (!crosses && o.count == boundary && elected.len() < k)
                    {
                        elected.push(o.option_id.clone());
                    } else if crosses && o.count == boundary {
                        tied_at_last_seat.push(o.option_id.clone());
                    }
                }
            }
        }
        (
            answered,
            KindTally::Choose(ChooseTally {
                ranking,
                seats: q.seats,
                elected,
                tied_at_last_seat,
            }),
        )
    }
}

mod score {

    use crate::ballot::Answer;
    use crate::survey::{Combine, ScoreQuestion};
    use crate::tally::{rank, CriterionTally, KindTally, Ratio, ScoreSubjectTally, ScoreTally};

    /// Trimmed mean with `drop = d`: sort a cell's scores, drop the `d` highest and `d` lowest, and
    /// average the rest. With `count ≤ 2d` there is nothing left to average: the plain mean is used
    /// and `trim_skipped` is set. A subject's total is the sum of its criteria's combined scores
    /// (a criterion nobody scored adds nothing).
    pub(crate) fn count(q: &ScoreQuestion, answers: &[&Answer]) -> (u64, KindTally) {
        let (method, drop) = match q.combine {
            Combine::Mean => ("mean", 0u32),
            Combine::TrimmedMean { drop } => ("trimmed_mean", drop),
        };
        let subjects: Vec<ScoreSubjectTally> = q
            .subjects
            .iter()
            .map(|subject| {
                let criteria: Vec<CriterionTally> = q
                    .criteria
                    .iter()
                    .map(|c| {
                        let mut scores: Vec<i32> = answers
                            .iter()
                            .filter_map(|a| match a {
                                Answer::Scores { scores } => {
                                    scores.get(&subject.id)?.get(&c.id).copied()
                                }
                                _ => None,
                            })
                            .collect();
                        heap_sort(&mut scores);
                        let n = scores.len();
                        let mean = mean_of(&scores);
                        let d = usize::try_from(drop).unwrap_or(usize::MAX);
                        let trim_skipped =
                            method == "trimmed_mean" && n > 0 && n <= d.saturating_mul(2);
                        let combined = if method == "trimmed_mean" && !trim_skipped {
                            mean_of(scores.get(d..n.saturating_sub(d)).unwrap_or(&[]))
                        } else {
                            mean
                        };
                        CriterionTally {
                            criterion_id: c.id.clone(),
                            label: c.label.clone(),
                            count: n as u64,
                            min: scores.first().copied(),
                            max: scores.last().copied(),
                            mean,
                            combined,
                            trim_skipped,
                        }
                    })
                    .collect();
                let total = criteria
                    .iter()
                    .filter_map(|c| c.combined)
                    .fold(Ratio::new(0, 1), |acc, r| acc.add(&r));
                ScoreSubjectTally {
                    subject_id: subject.id.clone(),
                    label: subject.label.clone(),
                    criteria,
                    total,
                    rank: 0,
                    tied: false,
                }
            })
            .collect();
        let ranked = rank(subjects.len(), &|a, b| {
            subjects[a].total.cmp_value(&subjects[b].total)
        });
        let mut ordered = Vec::with_capacity(subjects.len());
        for (i, r, tied) in ranked {
            let mut s = subjects[i].clone();
            s.rank = r;
            s.tied = tied;
            ordered.push(s);
        }
        (
            answers.len() as u64,
            KindTally::Score(ScoreTally {
                method: method.to_string(),
                drop,
                subjects: ordered,
            }),
        )
    }

    /// Ascending in-place heap sort: O(n log n) like `sort_unstable`, for a fraction of its wasm.
    fn heap_sort(v: &mut [i32]) {
        fn sift_down(v: &mut [i32], mut root: usize, end: usize) {
            loop {
                let mut child = 2 * root + 1;
                if child >= end {
                    return;
                }
                if child + 1 < end && v[child] < v[child + 1] {
                    child += 1;
                }
                if v[root] >= v[child] {
                    return;
                }
                v.swap(root, child);
                root = child;
            }
        }
        let n = v.len();
        for i in (0..n / 2).rev() {
            sift_down(v, i, n);
        }
        for end in (1..n).rev() {
            v.swap(0, end);
            sift_down(v, 0, end);
        }
    }

    fn mean_of(scores: &[i32]) -> Option<Ratio> {
        if scores.is_empty() {
            return None;
        }
        let sum: i128 = scores.iter().map(|s| i128::from(*s)).sum();
        Some(Ratio::reduced(sum, scores.len() as i128))
    }
}

mod notice {

    use crate::ballot::Answer;
    use crate::survey::NoticeQuestion;
    use crate::tally::{KindTally, NoticeItemTally};

    /// Reasons are trimmed and sorted (by Unicode code point), so that the list never shows in which
    /// order residents answered.
    pub(crate) fn count(q: &NoticeQuestion, answers: &[&Answer]) -> (u64, KindTally) {
        let items = q
            .items
            .iter()
            .map(|item| {
                let mut t = NoticeItemTally {
                    item_id: item.id.clone(),
                    label: item.label.clone(),
                    no_objection: 0,
                    objection: 0,
                    reasons: Vec::new(),
                    needs_review: false,
                };
                for a in answers {
                    let Answer::Responses { responses } = a else {
                        continue;
                    };
                    let Some(r) = responses.get(&item.id) else {
                        continue;
                    };
                    if r.objection {
                        t.objection += 1;
                        let reason = r.reason.as_deref().unwrap_or("").trim();
                        if !reason.is_empty() {
                            t.reasons.push(reason.to_string());
                        }
                    } else {
                        t.no_objection += 1;
                    }
                }
                t.reasons.sort_unstable();
                t.needs_review = t.objection > 0;
                t
            })
            .collect();
        (answers.len() as u64, KindTally::Notice { items })
    }
}

mod approve {

    use crate::ballot::Answer;
    use crate::survey::{ApproveQuestion, PassRule};
    use crate::tally::{ApproveTally, KindTally, Ratio};

    /// `base` by rule: `cast` = for + against + abstain; `valid` = for + against; `eligible` = the
    /// survey's eligible count (0 when unknown). Passed when for × 2 > base and base > 0 (a strict
    /// majority: exactly half does not pass).
    pub(crate) fn count(
        q: &ApproveQuestion,
        eligible: Option<u32>,
        answers: &[&Answer],
    ) -> (u64, KindTally) {
        let (mut for_count, mut against, mut abstain) = (0u64, 0u64, 0u64);
        for a in answers {
            if let Answer::Choice { choice } = a {
                match choice.as_str() {
                    "for" => for_count += 1,
                    "against" => against += 1,
                    "abstain" => abstain += 1,
                    _ => {}
                }
            }
        }
        let (rule, base) = match q.rule {
            PassRule::Cast => ("cast", for_count + against + abstain),
            PassRule::Valid => ("valid", for_count + against),
            PassRule::Eligible => ("eligible", u64::from(eligible.unwrap_or(0))),
        };
        let for_share = (base > 0).then(|| Ratio::reduced(i128::from(for_count), i128::from(base)));
        let passed = base > 0 && u128::from(for_count) * 2 > u128::from(base);
        (
            answers.len() as u64,
            KindTally::Approve(ApproveTally {
                for_count,
                against,
                abstain,
                rule: rule.to_string(),
                base,
                for_share,
                passed,
            }),
        )
    }
}

mod text {

    use crate::ballot::Answer;
    use crate::tally::KindTally;

    /// `answered` counts only non-blank texts.
    pub(crate) fn count(answers: &[&Answer]) -> (u64, KindTally) {
        let texts: Vec<String> = answers
            .iter()
            .filter_map(|a| match a {
                Answer::Text { text } => Some(text.trim()),
                _ => None,
            })
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let mut texts = texts;
        texts.sort_unstable();
        (texts.len() as u64, KindTally::Text { texts })
    }
}

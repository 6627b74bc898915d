//! Evening-meeting glue (村湾夜话) for the organiser pages: the meeting wire types (live view,
//! state, ballot codes, paper totals, final tally; see "Meeting modes" in docs/protocol.md),
//! re-exported from core's `pingyi_core::protocol::meeting`, and the pure parts of paper-ballot
//! entry: which questions can be keyed in, turning a filled form into a core `Ballot`
//! (`channel: "paper"`) or a set of core `PaperTotals`, and naming the entry a collector problem
//! path points at.
//!
//! Nothing is validated or counted here; the collector runs core's checks and tally.

use std::collections::BTreeMap;

use pingyi_core::paper::PaperTotals;
use pingyi_core::survey::APPROVE_OPTIONS;
use pingyi_core::{Answer, Ballot, Channel, IdMap, Problem, QuestionBody, Survey, Text};

use crate::i18n::{ConsoleWords, Lang};

/// Device id of ballots keyed in at the console: none (a paper ballot needs no device id, and a
/// present one must be a UUID).
pub const PAPER_DEVICE: &str = "";

// The wire types the console reads from the collector's meeting API are core's
// (`pingyi_core::protocol::meeting`), re-exported here.
pub use pingyi_core::protocol::meeting::{
    CodesResponse, FinalTally, IssuedCode, LiveView, PaperTotalsView, SurveyStateView,
};

/// The join link residents open (and the projector's QR code): `{origin}/?s={id}`.
pub fn join_url(origin: &str, survey_id: &str) -> String {
    format!("{}/?s={}", origin.trim().trim_end_matches('/'), survey_id)
}

/// How a paper question is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperKind {
    /// One mark: a single scale or an approval vote.
    Single,
    /// One mark per subject: a matrix scale.
    Matrix,
    /// Between `min` and `max` marks: a choose question.
    Choose,
}

/// A question that paper ballots can answer with marks (scale, approve, choose).
#[derive(Clone, Debug, PartialEq)]
pub struct PaperQuestion {
    pub id: String,
    pub title: Text,
    pub kind: PaperKind,
    /// Matrix subjects `(id, label)`; empty otherwise.
    pub subjects: Vec<(String, Text)>,
    pub options: Vec<(String, Text)>,
    pub min: u32,
    pub max: u32,
}

/// The questions of `survey` that paper ballots are keyed in for, in survey order. Score, notice
/// and text questions are left out (they are not single-answer marks).
pub fn paper_questions(survey: &Survey) -> Vec<PaperQuestion> {
    survey
        .questions()
        .filter_map(|q| {
            let (kind, subjects, options, min, max) = match &q.body {
                QuestionBody::Scale(s) => {
                    let options = s
                        .effective_options()
                        .into_iter()
                        .map(|o| (o.id, o.label))
                        .collect();
                    if s.subjects.is_empty() {
                        (PaperKind::Single, Vec::new(), options, 1, 1)
                    } else {
                        let subjects = s
                            .subjects
                            .iter()
                            .map(|i| (i.id.clone(), i.label.clone()))
                            .collect();
                        (PaperKind::Matrix, subjects, options, 1, 1)
                    }
                }
                QuestionBody::Approve(_) => {
                    let labels = [("赞同", "For"), ("反对", "Against"), ("弃权", "Abstain")];
                    let options = APPROVE_OPTIONS
                        .iter()
                        .zip(labels)
                        .map(|(id, (zh, en))| (id.to_string(), Text::both(zh, en)))
                        .collect();
                    (PaperKind::Single, Vec::new(), options, 1, 1)
                }
                QuestionBody::Choose(c) => {
                    let options = c
                        .options
                        .iter()
                        .map(|i| (i.id.clone(), i.label.clone()))
                        .collect();
                    (PaperKind::Choose, Vec::new(), options, c.min, c.max)
                }
                _ => return None,
            };
            Some(PaperQuestion {
                id: q.id.clone(),
                title: q.title.clone(),
                kind,
                subjects,
                options,
                min,
                max,
            })
        })
        .collect()
}

/// Form field name of a one-by-one mark: `b|{question}` or `b|{question}|{subject}`.
pub fn mark_field(question: &str, subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!("b|{question}|{s}"),
        None => format!("b|{question}"),
    }
}

/// The answers of one paper ballot from its form's `(name, value)` pairs. Unmarked questions are
/// left out (blank on the paper).
pub fn answers_from_form(questions: &[PaperQuestion], pairs: &[(String, String)]) -> IdMap<Answer> {
    let mut answers = IdMap::new();
    for q in questions {
        let values = |name: &str| {
            pairs
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        match q.kind {
            PaperKind::Single => {
                if let Some(choice) = values(&mark_field(&q.id, None)).into_iter().next() {
                    answers.insert(q.id.clone(), Answer::Choice { choice });
                }
            }
            PaperKind::Matrix => {
                let ratings: IdMap<String> = q
                    .subjects
                    .iter()
                    .filter_map(|(s, _)| {
                        values(&mark_field(&q.id, Some(s)))
                            .into_iter()
                            .next()
                            .map(|v| (s.clone(), v))
                    })
                    .collect();
                if !ratings.is_empty() {
                    answers.insert(q.id.clone(), Answer::Ratings { ratings });
                }
            }
            PaperKind::Choose => {
                let chosen = values(&mark_field(&q.id, None));
                if !chosen.is_empty() {
                    answers.insert(q.id.clone(), Answer::Chosen { chosen });
                }
            }
        }
    }
    answers
}

/// A paper ballot as the collector expects it: a fresh id, `channel: "paper"`, device
/// [`PAPER_DEVICE`], cast now, for the survey's version.
pub fn paper_ballot(
    survey: &Survey,
    id: String,
    cast_at: String,
    answers: IdMap<Answer>,
) -> Ballot {
    Ballot {
        id,
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        cast_at,
        device: PAPER_DEVICE.into(),
        channel: Channel::Paper,
        code_hash: None,
        answers,
    }
}

/// Form field name in the totals table: `t|{question}|{subject or empty}|ballots` or
/// `t|{question}|{subject or empty}|o|{option}`.
pub fn total_field(question: &str, subject: Option<&str>, option: Option<&str>) -> String {
    let s = subject.unwrap_or("");
    match option {
        Some(o) => format!("t|{question}|{s}|o|{o}"),
        None => format!("t|{question}|{s}|ballots"),
    }
}

/// The rows of the totals table: `(question, subject)` in survey order.
pub fn total_rows(questions: &[PaperQuestion]) -> Vec<(&PaperQuestion, Option<&(String, Text)>)> {
    questions
        .iter()
        .flat_map(|q| {
            if q.subjects.is_empty() {
                vec![(q, None)]
            } else {
                q.subjects.iter().map(|s| (q, Some(s))).collect()
            }
        })
        .collect()
}

/// The paper totals typed into the totals table. A row whose ballot count is blank is left out;
/// a blank option count is left out (0). Anything that is not a whole number is an error naming
/// the row.
pub fn totals_from_form(
    questions: &[PaperQuestion],
    pairs: &[(String, String)],
    lang: Lang,
) -> Result<Vec<PaperTotals>, String> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (q, subject) in total_rows(questions) {
        let sid = subject.map(|(id, _)| id.as_str());
        let row_name = || match subject {
            Some((_, l)) => format!("{} · {}", lang.text(&q.title), lang.text(l)),
            None => lang.text(&q.title),
        };
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| lang.not_a_count(&row_name(), v))
        };
        let ballots = get(&total_field(&q.id, sid, None));
        if ballots.is_empty() {
            continue;
        }
        let ballots = number(&ballots)?;
        let mut counts = BTreeMap::new();
        for (o, _) in &q.options {
            let v = get(&total_field(&q.id, sid, Some(o)));
            if !v.is_empty() {
                counts.insert(o.clone(), number(&v)?);
            }
        }
        out.push(PaperTotals {
            question_id: q.id.clone(),
            subject_id: sid.map(str::to_string),
            ballots,
            counts,
        });
    }
    Ok(out)
}

/// A collector problem about paper totals in words: the row its path `$[i]…` points at, the
/// path itself, and the message in `lang`.
pub fn describe_problem(
    p: &Problem,
    totals: &[PaperTotals],
    survey: &Survey,
    lang: Lang,
) -> String {
    let row = p
        .path
        .strip_prefix("$[")
        .and_then(|r| r.split(']').next())
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| totals.get(i))
        .map(|t| {
            let q = survey.question(&t.question_id);
            let title = q
                .map(|q| lang.text(&q.title))
                .unwrap_or_else(|| t.question_id.clone());
            let subject = t.subject_id.as_ref().and_then(|sid| {
                q.and_then(|q| match &q.body {
                    QuestionBody::Scale(s) => s
                        .subjects
                        .iter()
                        .find(|x| &x.id == sid)
                        .map(|x| lang.text(&x.label)),
                    _ => None,
                })
            });
            match subject {
                Some(s) => format!("{title} · {s}: "),
                None => format!("{title}: "),
            }
        })
        .unwrap_or_default();
    let msg = if lang == Lang::En { &p.en } else { &p.zh };
    format!("{row}{msg} ({})", p.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        pingyi_core::parse_survey(
            &serde_json::json!({
                "format": "pingyi/1", "id": "meet", "version": 2, "title": { "zh": "夜话" }, "unit": "湾",
                "sections": [{ "id": "s", "title": { "zh": "评" }, "questions": [
                    { "id": "sat", "kind": "scale", "title": { "zh": "满意度" }, "preset": "satisfaction" },
                    { "id": "cadres", "kind": "scale", "title": { "zh": "评议" }, "preset": "appraisal",
                      "subjects": [{ "id": "wang", "label": { "zh": "王" } }, { "id": "li", "label": { "zh": "李" } }] },
                    { "id": "vote", "kind": "approve", "title": { "zh": "表决" } },
                    { "id": "honour", "kind": "choose", "title": { "zh": "推选" }, "min": 1, "max": 2,
                      "options": [{ "id": "a", "label": { "zh": "甲" } }, { "id": "b", "label": { "zh": "乙" } }] },
                    { "id": "say", "kind": "text", "title": { "zh": "建议" }, "required": false }
                ] }]
            })
            .to_string(),
        )
        .unwrap()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn paper_ballot_from_form_is_valid() {
        let s = survey();
        let qs = paper_questions(&s);
        assert_eq!(
            qs.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(),
            ["sat", "cadres", "vote", "honour"]
        );
        let form = pairs(&[
            ("b|sat", "satisfied"),
            ("b|cadres|wang", "competent"),
            ("b|cadres|li", "not_competent"),
            ("b|vote", "for"),
            ("b|honour", "a"),
            ("b|honour", "b"),
        ]);
        let b = paper_ballot(
            &s,
            "6f1c2b8e-5d0a-4c1e-9a52-0b7c4c3e2d11".into(),
            "2026-11-27T19:30:00.000Z".into(),
            answers_from_form(&qs, &form),
        );
        assert_eq!(b.channel, Channel::Paper);
        assert_eq!(b.survey_version, 2);
        assert_eq!(pingyi_core::validate_ballot(&s, &b), Ok(()));
    }

    #[test]
    fn totals_from_form_rows() {
        let s = survey();
        let qs = paper_questions(&s);
        let form = pairs(&[
            ("t|vote||ballots", "3"),
            ("t|vote||o|for", "2"),
            ("t|vote||o|against", "1"),
            ("t|vote||o|abstain", ""),
            ("t|cadres|li|ballots", "3"),
            ("t|cadres|li|o|competent", "3"),
            ("t|sat||ballots", ""),
        ]);
        let t = totals_from_form(&qs, &form, Lang::Zh).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].question_id, "cadres");
        assert_eq!(t[0].subject_id.as_deref(), Some("li"));
        assert_eq!(t[1].counts.get("for"), Some(&2));
        assert!(!t[1].counts.contains_key("abstain"));
        assert!(totals_from_form(&qs, &pairs(&[("t|vote||ballots", "x")]), Lang::Zh).is_err());
        let p = Problem::new(
            "$[1].counts.for",
            "paper_count_mismatch",
            "不符",
            "mismatch",
        );
        assert_eq!(
            describe_problem(&p, &t, &s, Lang::Zh),
            "表决: 不符 ($[1].counts.for)"
        );
    }
}

//! Ballot rules: whether a ballot fits its survey. Ids, survey and version, the cast time, ballot
//! codes and the device id, which questions are shown and required, and each answer against its
//! question (also used by the tally to decide what can be counted).

use super::problems::{capped, index_path, key_path, list_ids, show, Problem, MAX_BALLOT_PROBLEMS};
pub use crate::ballot::is_uuid_like;
use crate::ballot::{canonical_ballot_id, Answer, Ballot};
use crate::limits::MAX_CAST_AT_LEN;
use crate::survey::{Question, QuestionBody, Survey, APPROVE_OPTIONS};
use crate::time::parse_rfc3339;

/// Check a ballot against its survey. Returns every problem found.
///
/// Checks the ballot id (UUID shape), survey id and version, `cast_at` (RFC 3339), that every
/// answer belongs to a question that exists and is shown, that every shown required question is
/// answered, and each answer against its question (see [`check_answer`]). It does not check
/// `cast_at` against `opens_at`/`closes_at`: paper ballots are keyed in after the meeting, so the
/// window is the collector's decision.
pub fn validate_ballot(survey: &Survey, ballot: &Ballot) -> Result<(), Vec<Problem>> {
    let mut out = Vec::new();
    if canonical_ballot_id(&ballot.id).as_deref() != Some(ballot.id.as_str()) {
        out.push(Problem::new(
            "$.id",
            "bad_ballot_id",
            format!(
                "选票编号“{}”不是小写的 UUID（如 6f1c2b8e-0000-4000-8000-000000000001）",
                show(&ballot.id)
            ),
            format!(
                "ballot id \"{}\" is not a lowercase UUID (like 6f1c2b8e-0000-4000-8000-000000000001)",
                show(&ballot.id)
            ),
        ));
    }
    check_device(survey, ballot, &mut out);
    if ballot.survey_id != survey.id {
        out.push(Problem::new(
            "$.survey_id",
            "survey_mismatch",
            format!(
                "这张选票属于问卷“{}”，不是“{}”",
                show(&ballot.survey_id),
                show(&survey.id)
            ),
            format!(
                "the ballot is for survey \"{}\", not \"{}\"",
                show(&ballot.survey_id),
                show(&survey.id)
            ),
        ));
    }
    if ballot.survey_version != survey.version {
        out.push(Problem::new(
            "$.survey_version",
            "version_mismatch",
            format!(
                "这张选票回答的是第 {} 版问卷，当前是第 {} 版",
                ballot.survey_version, survey.version
            ),
            format!(
                "the ballot answers version {}, the survey is version {}",
                ballot.survey_version, survey.version
            ),
        ));
    }
    if ballot.cast_at.len() > MAX_CAST_AT_LEN || parse_rfc3339(&ballot.cast_at).is_none() {
        out.push(Problem::new(
            "$.cast_at",
            "bad_time",
            format!("投票时间“{}”不是 RFC 3339 格式", show(&ballot.cast_at)),
            format!(
                "cast_at \"{}\" is not an RFC 3339 time",
                show(&ballot.cast_at)
            ),
        ));
    }
    check_code_hash(survey, ballot, &mut out);
    let question_count = survey.questions().count();
    if too_long(ballot.answers.len(), question_count) {
        out.push(Problem::new(
            "$.answers",
            "too_many_answers",
            format!(
                "选票有 {} 个答案，但问卷只有 {question_count} 个问题",
                ballot.answers.len()
            ),
            format!(
                "the ballot has {} answers, the survey has {question_count} questions",
                ballot.answers.len()
            ),
        ));
        return Err(capped(out));
    }
    for key in ballot.answers.keys() {
        if survey.question(key).is_none() {
            out.push(Problem::new(
                key_path("$.answers", key),
                "unknown_question",
                format!("问卷中没有问题“{}”", show(key)),
                format!("the survey has no question \"{}\"", show(key)),
            ));
        }
    }
    for q in survey.questions() {
        let path = key_path("$.answers", &q.id);
        let shown = q.is_shown(&ballot.answers);
        match ballot.answers.get(&q.id) {
            None => {
                if shown && q.required {
                    out.push(required_missing(&q.id, &path));
                }
            }
            Some(a) => {
                if !shown {
                    out.push(Problem::new(
                        &path,
                        "answer_to_hidden",
                        format!("问题 {} 按条件不显示，不应作答", q.id),
                        format!(
                            "question {} is hidden by its condition and must not be answered",
                            q.id
                        ),
                    ));
                } else {
                    check_answer(q, a, &path, true, &mut out);
                }
            }
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(capped(out))
    }
}

/// Ballot codes: with `codes: true` a digital ballot must carry a code hash (a paper ballot may,
/// when its slip had a code); without, no ballot may. The collector then checks the hash against
/// its code list (`code_unknown`, `code_used`).
fn check_code_hash(survey: &Survey, ballot: &Ballot, out: &mut Vec<Problem>) {
    match &ballot.code_hash {
        None if survey.codes && ballot.channel == crate::ballot::Channel::Digital => {
            out.push(Problem::new(
                "$.code_hash",
                "code_required",
                "这次投票需要选票码，请先输入发给您的选票码",
                "this survey needs a ballot code; enter the code you were given",
            ))
        }
        Some(_) if !survey.codes => out.push(Problem::new(
            "$.code_hash",
            "code_not_expected",
            "这次投票不使用选票码，选票不应带有选票码",
            "this survey does not use ballot codes; the ballot must not carry one",
        )),
        Some(h) if !crate::codes::is_code_hash(h) => out.push(Problem::new(
            "$.code_hash",
            "bad_code_hash",
            "选票码摘要格式不正确（应为 64 位小写十六进制）",
            "code_hash must be 64 lowercase hexadecimal digits",
        )),
        _ => {}
    }
}

/// The device id: when present, a lowercase UUID like the ballot id (so it cannot carry a name
/// or a phone number); required only on a digital ballot of a named (not anonymous) survey, where
/// the report counts ballots per device. An anonymous survey or a paper ballot may leave it out.
fn check_device(survey: &Survey, ballot: &Ballot, out: &mut Vec<Problem>) {
    let d = ballot.device.as_str();
    if d.is_empty() {
        if !survey.anonymous && ballot.channel == crate::ballot::Channel::Digital {
            out.push(Problem::new(
                "$.device",
                "device_missing",
                "记名投票的选票必须带有设备编号（device）",
                "a ballot of a named (not anonymous) survey must carry its device id",
            ));
        }
    } else if canonical_ballot_id(d).as_deref() != Some(d) {
        out.push(Problem::new(
            "$.device",
            "bad_device",
            format!("设备编号“{}”不是小写的 UUID", show(d)),
            format!("device id \"{}\" is not a lowercase UUID", show(d)),
        ));
    }
}

fn required_missing(qid: &str, path: &str) -> Problem {
    Problem::new(
        path,
        "required_missing",
        format!("问题 {qid} 必须回答"),
        format!("question {qid} must be answered"),
    )
}

/// Whether `answer` can be counted for `q`: right shape, known ids, values in range. Missing
/// parts of an optional-looking answer (a subject left out) do not matter here.
pub fn answer_is_countable(q: &Question, answer: &Answer) -> bool {
    let mut out = Vec::new();
    check_answer(q, answer, "$", false, &mut out);
    out.is_empty()
}

/// Check one answer against its question, adding problems under `path` (e.g. `$.answers.q3`).
/// With `complete`, a required question must also be answered fully (every subject, criterion or
/// item; non-blank text); without it only the content is checked (what the tally needs).
pub fn check_answer(
    q: &Question,
    answer: &Answer,
    path: &str,
    complete: bool,
    out: &mut Vec<Problem>,
) {
    let qid = q.id.as_str();
    match (&q.body, answer) {
        (QuestionBody::Scale(s), Answer::Choice { choice }) if s.subjects.is_empty() => {
            let options = s.effective_options();
            if !options.iter().any(|o| &o.id == choice) {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                out.push(unknown_option(qid, choice, &ids, &key_path(path, "choice")));
            }
        }
        (QuestionBody::Scale(s), Answer::Ratings { ratings }) if !s.subjects.is_empty() => {
            let options = s.effective_options();
            let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            let rpath = key_path(path, "ratings");
            if too_long(ratings.len(), s.subjects.len()) {
                out.push(too_many_entries(
                    qid,
                    ratings.len(),
                    s.subjects.len(),
                    &rpath,
                ));
                return;
            }
            for (subject, option) in ratings {
                let p = key_path(&rpath, subject);
                if !s.subjects.iter().any(|x| &x.id == subject) {
                    out.push(unknown_thing(qid, "评议对象", "subject", subject, &p));
                } else if !ids.contains(&option.as_str()) {
                    out.push(unknown_option(qid, option, &ids, &p));
                }
            }
            if complete && q.required {
                for subject in &s.subjects {
                    if !ratings.contains_key(&subject.id) {
                        out.push(Problem::new(
                            key_path(&rpath, &subject.id),
                            "missing_subject",
                            format!("问题 {qid} 还没有评价“{}”", subject.label.zh),
                            format!(
                                "question {qid}: \"{}\" is not rated",
                                subject.label.get("en")
                            ),
                        ));
                    }
                }
            }
        }
        (QuestionBody::Choose(c), Answer::Chosen { chosen }) => {
            let cpath = key_path(path, "chosen");
            let ids: Vec<&str> = c.options.iter().map(|o| o.id.as_str()).collect();
            if too_long(chosen.len(), ids.len()) {
                out.push(too_many_entries(qid, chosen.len(), ids.len(), &cpath));
                return;
            }
            for (i, id) in chosen.iter().enumerate() {
                let p = index_path(&cpath, i);
                if chosen[..i].contains(id) {
                    out.push(Problem::new(
                        &p,
                        "duplicate_choice",
                        format!("问题 {qid} 重复选择了“{}”", show(id)),
                        format!("question {qid}: \"{}\" is chosen twice", show(id)),
                    ));
                } else if !ids.contains(&id.as_str()) {
                    out.push(unknown_option(qid, id, &ids, &p));
                }
            }
            let n = chosen.len() as u64;
            if n > u64::from(c.max) {
                out.push(Problem::new(
                    &cpath,
                    "too_many",
                    format!("问题 {qid} 最多可选 {} 项，但选了 {n} 项", c.max),
                    format!("question {qid}: at most {} may be chosen, {n} were", c.max),
                ));
            }
            if n < u64::from(c.min) {
                out.push(Problem::new(
                    &cpath,
                    "too_few",
                    format!("问题 {qid} 至少要选 {} 项，但只选了 {n} 项", c.min),
                    format!(
                        "question {qid}: at least {} must be chosen, {n} were",
                        c.min
                    ),
                ));
            }
        }
        (QuestionBody::Score(sq), Answer::Scores { scores }) => {
            let spath = key_path(path, "scores");
            if too_long(scores.len(), sq.subjects.len()) {
                out.push(too_many_entries(
                    qid,
                    scores.len(),
                    sq.subjects.len(),
                    &spath,
                ));
                return;
            }
            for (subject, by_criterion) in scores {
                let p = key_path(&spath, subject);
                if !sq.subjects.iter().any(|x| &x.id == subject) {
                    out.push(unknown_thing(qid, "评分对象", "subject", subject, &p));
                    continue;
                }
                if too_long(by_criterion.len(), sq.criteria.len()) {
                    out.push(too_many_entries(
                        qid,
                        by_criterion.len(),
                        sq.criteria.len(),
                        &p,
                    ));
                    continue;
                }
                for (criterion, value) in by_criterion {
                    let cp = key_path(&p, criterion);
                    let Some(c) = sq.criteria.iter().find(|x| &x.id == criterion) else {
                        out.push(unknown_thing(qid, "评分标准", "criterion", criterion, &cp));
                        continue;
                    };
                    if *value < c.min || *value > c.max {
                        out.push(Problem::new(
                            &cp,
                            "score_out_of_range",
                            format!(
                                "问题 {qid} 的“{}”应在 {} 到 {} 分之间，填的是 {value}",
                                c.label.zh, c.min, c.max
                            ),
                            format!(
                                "question {qid}: \"{}\" must be from {} to {}, got {value}",
                                c.label.get("en"),
                                c.min,
                                c.max
                            ),
                        ));
                    } else if c.step > 1
                        && (i64::from(*value) - i64::from(c.min)) % i64::from(c.step) != 0
                    {
                        out.push(Problem::new(
                            &cp,
                            "score_off_step",
                            format!(
                                "问题 {qid} 的“{}”只能按 {} 分一档打分（从 {} 起），填的是 {value}",
                                c.label.zh, c.step, c.min
                            ),
                            format!(
                                "question {qid}: \"{}\" goes in steps of {} from {}, got {value}",
                                c.label.get("en"),
                                c.step,
                                c.min
                            ),
                        ));
                    }
                }
            }
            if complete && q.required {
                for subject in &sq.subjects {
                    let given = scores.get(&subject.id);
                    for c in &sq.criteria {
                        if !given.is_some_and(|m| m.contains_key(&c.id)) {
                            out.push(Problem::new(
                                key_path(&key_path(&spath, &subject.id), &c.id),
                                "missing_score",
                                format!(
                                    "问题 {qid} 还没有给“{}”的“{}”打分",
                                    subject.label.zh, c.label.zh
                                ),
                                format!(
                                    "question {qid}: \"{}\" has no score for \"{}\"",
                                    subject.label.get("en"),
                                    c.label.get("en")
                                ),
                            ));
                        }
                    }
                }
            }
        }
        (QuestionBody::Notice(n), Answer::Responses { responses }) => {
            let rpath = key_path(path, "responses");
            if too_long(responses.len(), n.items.len()) {
                out.push(too_many_entries(
                    qid,
                    responses.len(),
                    n.items.len(),
                    &rpath,
                ));
                return;
            }
            for (item, r) in responses {
                let p = key_path(&rpath, item);
                if !n.items.iter().any(|x| &x.id == item) {
                    out.push(unknown_thing(qid, "公示事项", "item", item, &p));
                    continue;
                }
                let reason = r.reason.as_deref().unwrap_or("");
                if r.objection && reason.trim().is_empty() {
                    out.push(Problem::new(
                        key_path(&p, "reason"),
                        "reason_missing",
                        format!("问题 {qid}：提出异议时请写明理由"),
                        format!("question {qid}: an objection needs a reason"),
                    ));
                }
                let len = reason.chars().count() as u64;
                if len > u64::from(n.reason_max_len) {
                    out.push(Problem::new(
                        key_path(&p, "reason"),
                        "reason_too_long",
                        format!("问题 {qid}：理由最多 {} 字，现在有 {len} 字", n.reason_max_len),
                        format!("question {qid}: the reason may have at most {} characters, it has {len}", n.reason_max_len),
                    ));
                }
            }
            if complete && q.required {
                for item in &n.items {
                    if !responses.contains_key(&item.id) {
                        out.push(Problem::new(
                            key_path(&rpath, &item.id),
                            "missing_item",
                            format!("问题 {qid} 还没有对“{}”表态", item.label.zh),
                            format!(
                                "question {qid}: no response for \"{}\"",
                                item.label.get("en")
                            ),
                        ));
                    }
                }
            }
        }
        (QuestionBody::Approve(_), Answer::Choice { choice }) => {
            if !APPROVE_OPTIONS.contains(&choice.as_str()) {
                out.push(unknown_option(
                    qid,
                    choice,
                    &APPROVE_OPTIONS,
                    &key_path(path, "choice"),
                ));
            }
        }
        (QuestionBody::Text(t), Answer::Text { text }) => {
            let len = text.chars().count() as u64;
            if len > u64::from(t.max_len) {
                out.push(Problem::new(
                    key_path(path, "text"),
                    "text_too_long",
                    format!("问题 {qid} 最多 {} 字，现在有 {len} 字", t.max_len),
                    format!(
                        "question {qid}: at most {} characters, it has {len}",
                        t.max_len
                    ),
                ));
            }
            if complete && q.required && text.trim().is_empty() {
                out.push(required_missing(qid, path));
            }
        }
        (body, _) => {
            let (zh_shape, en_shape) = expected_shape(body);
            out.push(Problem::new(
                path,
                "wrong_answer_shape",
                format!("问题 {qid} 的答案格式不对，应为 {zh_shape}"),
                format!("question {qid}: the answer must look like {en_shape}"),
            ));
        }
    }
}

fn expected_shape(body: &QuestionBody) -> (&'static str, &'static str) {
    let s = match body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => r#"{"choice": "选项编号"}"#,
        QuestionBody::Scale(_) => r#"{"ratings": {"对象编号": "选项编号"}}"#,
        QuestionBody::Choose(_) => r#"{"chosen": ["选项编号", …]}"#,
        QuestionBody::Score(_) => r#"{"scores": {"对象编号": {"标准编号": 分数}}}"#,
        QuestionBody::Notice(_) => r#"{"responses": {"事项编号": {"objection": false}}}"#,
        QuestionBody::Approve(_) => r#"{"choice": "for" | "against" | "abstain"}"#,
        QuestionBody::Text(_) => r#"{"text": "…"}"#,
    };
    let e = match body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => r#"{"choice": "option_id"}"#,
        QuestionBody::Scale(_) => r#"{"ratings": {"subject_id": "option_id"}}"#,
        QuestionBody::Choose(_) => r#"{"chosen": ["option_id", …]}"#,
        QuestionBody::Score(_) => r#"{"scores": {"subject_id": {"criterion_id": number}}}"#,
        QuestionBody::Notice(_) => r#"{"responses": {"item_id": {"objection": false}}}"#,
        QuestionBody::Approve(_) => r#"{"choice": "for" | "against" | "abstain"}"#,
        QuestionBody::Text(_) => r#"{"text": "…"}"#,
    };
    (s, e)
}

fn unknown_option(qid: &str, given: &str, ids: &[&str], path: &str) -> Problem {
    Problem::new(
        path,
        "unknown_option",
        format!(
            "问题 {qid} 没有选项“{}”，可选：{}",
            show(given),
            list_ids(ids, "、")
        ),
        format!(
            "question {qid} has no option \"{}\"; options: {}",
            show(given),
            list_ids(ids, ", ")
        ),
    )
}

/// Whether a list or map of `given` entries, where the question has `most`, is refused at once:
/// when it has more than [`MAX_BALLOT_PROBLEMS`] entries too many. A few wrong entries are still
/// reported one by one; a hostile list costs no more than reading it, and checking the rest costs
/// at most `(most + 20) × most` comparisons.
fn too_long(given: usize, most: usize) -> bool {
    given > most.saturating_add(MAX_BALLOT_PROBLEMS)
}

/// An answer with more entries than its question has (subjects, options, items, criteria): refused
/// at once, before any entry is looked at, so a hostile list costs no more than its length.
fn too_many_entries(qid: &str, given: usize, most: usize, path: &str) -> Problem {
    Problem::new(
        path,
        "too_many_entries",
        format!("问题 {qid} 的答案有 {given} 项，但这道题最多只有 {most} 项"),
        format!("question {qid}: the answer has {given} entries, the question has at most {most}"),
    )
}

fn unknown_thing(qid: &str, zh: &str, en: &str, given: &str, path: &str) -> Problem {
    Problem::new(
        path,
        &format!("unknown_{en}"),
        format!("问题 {qid} 没有{zh}“{}”", show(given)),
        format!("question {qid} has no {en} \"{}\"", show(given)),
    )
}

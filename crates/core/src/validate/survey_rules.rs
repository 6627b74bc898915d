//! Survey rules: pass 3 of reading a survey, what the file means. Ids (syntax and uniqueness),
//! texts, ranges and steps, references between questions (`show_if`, grade rules), times, the
//! collect endpoint, and the limits on the number of questions and on the size of a ballot.

use super::problems::{index_path, key_path, show, Problem};
use crate::limits::{
    ballot_size_bound, MAX_BALLOT_BYTES, MAX_ENTRIES, MAX_QUESTIONS, MAX_REASON_LEN, MAX_TEXT_LEN,
};
use crate::survey::{
    Combine, PassRule, Question, QuestionBody, ScaleQuestion, Survey, Text, APPROVE_OPTIONS, FORMAT,
};
use crate::time::parse_rfc3339;

/// Whether `id` is a valid id: 1 to 64 characters of lowercase ASCII letters, digits, `-`, `_`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Check an already-typed survey (e.g. one built in code). Returns every problem found; empty
/// means valid.
pub fn validate_survey(survey: &Survey) -> Vec<Problem> {
    check_survey(survey, &[])
}

struct Ids<'a> {
    seen: Vec<(&'a str, String)>,
    what_zh: &'static str,
    what_en: &'static str,
}

impl<'a> Ids<'a> {
    fn new(what_zh: &'static str, what_en: &'static str) -> Self {
        Ids {
            seen: Vec::new(),
            what_zh,
            what_en,
        }
    }

    /// Check syntax and uniqueness of an id at `path` (the path of the `id` field).
    fn check(&mut self, id: &'a str, path: &str, out: &mut Vec<Problem>) {
        check_id_syntax(id, path, out);
        if let Some((_, first)) = self.seen.iter().find(|(seen, _)| *seen == id) {
            out.push(Problem::new(
                path,
                "duplicate_id",
                format!("{}编号“{}”重复，已在 {first} 使用", self.what_zh, show(id)),
                format!(
                    "duplicate {} id \"{}\", already used at {first}",
                    self.what_en,
                    show(id)
                ),
            ));
        } else {
            self.seen.push((id, path.to_string()));
        }
    }
}

fn check_id_syntax(id: &str, path: &str, out: &mut Vec<Problem>) {
    if !is_valid_id(id) {
        out.push(Problem::new(
            path,
            "bad_id",
            format!(
                "编号“{}”无效：只能用小写英文字母、数字、“-”和“_”，长度 1 到 64",
                show(id)
            ),
            format!(
                "invalid id \"{}\": use 1 to 64 lowercase letters, digits, '-' or '_'",
                show(id)
            ),
        ));
    }
}

fn check_text(t: &Text, path: &str, out: &mut Vec<Problem>) {
    if t.zh.trim().is_empty() {
        out.push(Problem::new(
            key_path(path, "zh"),
            "empty_text",
            "中文文字不能为空",
            "the Chinese text (zh) must not be empty",
        ));
    }
}

fn check_items(
    items: &[crate::survey::Item],
    path: &str,
    what_zh: &'static str,
    what_en: &'static str,
    out: &mut Vec<Problem>,
) {
    let mut ids = Ids::new(what_zh, what_en);
    for (i, item) in items.iter().enumerate() {
        let ipath = index_path(path, i);
        ids.check(&item.id, &key_path(&ipath, "id"), out);
        check_text(&item.label, &key_path(&ipath, "label"), out);
    }
}

pub(super) fn check_survey(s: &Survey, broken_question_ids: &[String]) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.format != FORMAT {
        out.push(Problem::new(
            "$.format",
            "format_unsupported",
            format!("不支持的格式“{}”，应为“{FORMAT}”", show(&s.format)),
            format!(
                "unsupported format \"{}\"; expected \"{FORMAT}\"",
                show(&s.format)
            ),
        ));
    }
    check_id_syntax(&s.id, "$.id", &mut out);
    if s.version == 0 {
        out.push(Problem::new(
            "$.version",
            "version_zero",
            "版本号应从 1 开始",
            "version starts at 1",
        ));
    }
    check_text(&s.title, "$.title", &mut out);
    if s.eligible == Some(0) {
        out.push(Problem::new(
            "$.eligible",
            "eligible_zero",
            "应参与人数（eligible）不能为 0；不知道时请省略该字段",
            "eligible must not be 0; leave it out when unknown",
        ));
    }
    if s.quorum_percent > 100 {
        out.push(Problem::new(
            "$.quorum_percent",
            "quorum_over_100",
            format!(
                "法定比例 quorum_percent 为 {}，不能超过 100",
                s.quorum_percent
            ),
            format!(
                "quorum_percent is {}, it cannot exceed 100",
                s.quorum_percent
            ),
        ));
    }
    let opens = check_time(s.opens_at.as_deref(), "$.opens_at", &mut out);
    let closes = check_time(s.closes_at.as_deref(), "$.closes_at", &mut out);
    if let (Some(o), Some(c)) = (opens, closes) {
        if c <= o {
            out.push(Problem::new(
                "$.closes_at",
                "closes_before_opens",
                "截止时间（closes_at）必须晚于开始时间（opens_at）",
                "closes_at must be later than opens_at",
            ));
        }
    }
    if let Some(collect) = &s.collect {
        let e = collect.endpoint.to_ascii_lowercase();
        let rest = e
            .strip_prefix("https://")
            .or_else(|| e.strip_prefix("http://"));
        if !rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            || e.chars().any(char::is_whitespace)
        {
            out.push(Problem::new(
                "$.collect.endpoint",
                "bad_endpoint",
                format!(
                    "收集地址“{}”无效，应以 http:// 或 https:// 开头",
                    show(&collect.endpoint)
                ),
                format!(
                    "collect endpoint \"{}\" must be an http:// or https:// URL",
                    show(&collect.endpoint)
                ),
            ));
        }
    }
    if s.sections.is_empty() {
        out.push(Problem::new(
            "$.sections",
            "no_sections",
            "问卷至少要有一个部分（section）",
            "a survey needs at least one section",
        ));
    }

    let mut known = KnownQuestions {
        earlier: Vec::new(),
        all_ids: Vec::new(),
        broken: broken_question_ids,
    };
    // Inserts rather than `collect()`, which sorts and bulk-builds: much more wasm.
    for q in s.questions() {
        known.all_ids.push(q.id.as_str());
    }
    let mut section_ids = Ids::new("部分", "section");
    let mut question_ids = Ids::new("问题", "question");
    let mut position = 0usize;
    for (si, section) in s.sections.iter().enumerate() {
        let spath = index_path("$.sections", si);
        section_ids.check(&section.id, &key_path(&spath, "id"), &mut out);
        check_text(&section.title, &key_path(&spath, "title"), &mut out);
        if section.questions.is_empty() {
            out.push(Problem::new(
                key_path(&spath, "questions"),
                "no_questions",
                "这一部分没有任何问题",
                "this section has no questions",
            ));
        }
        for (qi, q) in section.questions.iter().enumerate() {
            let qpath = index_path(&key_path(&spath, "questions"), qi);
            question_ids.check(&q.id, &key_path(&qpath, "id"), &mut out);
            check_text(&q.title, &key_path(&qpath, "title"), &mut out);
            if let Some(cond) = &q.show_if {
                check_condition(
                    q,
                    cond,
                    position,
                    &known,
                    &key_path(&qpath, "show_if"),
                    &mut out,
                );
            }
            check_body(s, q, &qpath, &mut out);
            check_question_lists(q, &qpath, &mut out);
            if !known.earlier.iter().any(|(id, _)| *id == q.id) {
                known.earlier.push((q.id.as_str(), (position, q)));
            }
            position += 1;
        }
    }
    if position > MAX_QUESTIONS {
        out.push(Problem::new(
            "$.sections",
            "too_many_questions",
            format!("问卷有 {position} 个问题，最多只能有 {MAX_QUESTIONS} 个"),
            format!("the survey has {position} questions; it can have at most {MAX_QUESTIONS}"),
        ));
    }
    let bound = ballot_size_bound(s);
    if bound > MAX_BALLOT_BYTES {
        out.push(Problem::new(
            "$",
            "ballot_too_large",
            format!(
                "这份问卷的一张选票最多可能有 {} KB，超过了上限 {} KB：请减少问题、选项或公示事项，或调低字数上限（max_len、reason_max_len）",
                bound.div_ceil(1024),
                MAX_BALLOT_BYTES / 1024
            ),
            format!(
                "a ballot of this survey could take up to {} KB, over the limit of {} KB: use fewer questions, options or items, or lower the length limits (max_len, reason_max_len)",
                bound.div_ceil(1024),
                MAX_BALLOT_BYTES / 1024
            ),
        ));
    }
    out
}

fn check_time(t: Option<&str>, path: &str, out: &mut Vec<Problem>) -> Option<crate::time::UtcTime> {
    let t = t?;
    let parsed = parse_rfc3339(t);
    if parsed.is_none() {
        out.push(Problem::new(
            path,
            "bad_time",
            format!(
                "时间“{}”格式无效，应为 RFC 3339 格式，如 2026-11-27T19:30:00+08:00",
                show(t)
            ),
            format!(
                "time \"{}\" is not RFC 3339, e.g. 2026-11-27T19:30:00+08:00",
                show(t)
            ),
        ));
    }
    parsed
}

/// The answers a question can give to a `show_if` condition, or `None` when it cannot be one.
fn condition_answers(q: &Question) -> Option<Vec<String>> {
    match &q.body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => {
            Some(s.effective_options().into_iter().map(|o| o.id).collect())
        }
        QuestionBody::Approve(_) => Some(APPROVE_OPTIONS.iter().map(|s| s.to_string()).collect()),
        QuestionBody::Choose(c) => Some(c.options.iter().map(|o| o.id.clone()).collect()),
        _ => None,
    }
}

/// What a `show_if` check needs to know about the other questions.
struct KnownQuestions<'a> {
    /// Questions seen so far: id → (position in survey order, question).
    earlier: Vec<(&'a str, (usize, &'a Question))>,
    /// Every question id in the survey.
    all_ids: Vec<&'a str>,
    /// Ids of questions that are broken in the file (already reported).
    broken: &'a [String],
}

fn check_condition(
    q: &Question,
    cond: &crate::survey::Condition,
    position: usize,
    known: &KnownQuestions<'_>,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let (earlier, all_ids, broken_question_ids) = (&known.earlier, &known.all_ids, known.broken);
    let qpath = key_path(path, "question");
    if broken_question_ids.contains(&cond.question) {
        // That question is broken and already reported where it is.
        return;
    }
    let target = match earlier
        .iter()
        .find(|(id, _)| *id == cond.question)
        .map(|(_, e)| e)
    {
        Some((pos, t)) if *pos < position => Some(*t),
        _ => None,
    };
    let Some(target) = target else {
        if cond.question == q.id {
            out.push(Problem::new(
                &qpath,
                "condition_not_earlier",
                "显示条件不能引用问题自身",
                "a show_if condition cannot refer to its own question",
            ));
        } else if all_ids.contains(&cond.question.as_str()) {
            out.push(Problem::new(
                &qpath,
                "condition_not_earlier",
                format!("显示条件引用的问题“{}”在本题之后；只能引用前面的问题", show(&cond.question)),
                format!("show_if names question \"{}\", which comes later; it must be an earlier question", show(&cond.question)),
            ));
        } else {
            out.push(Problem::new(
                &qpath,
                "condition_unknown_question",
                format!("显示条件引用的问题“{}”不存在", show(&cond.question)),
                format!(
                    "show_if names question \"{}\", which does not exist",
                    show(&cond.question)
                ),
            ));
        }
        return;
    };
    let Some(answers) = condition_answers(target) else {
        out.push(Problem::new(
            &qpath,
            "condition_kind",
            format!(
                "问题“{}”是{}题（{}），不能作为显示条件；只能引用单项量表题（scale，无 subjects）、表决题（approve）或选择题（choose）",
                show(&cond.question),
                kind_zh(&target.body),
                target.body.kind()
            ),
            format!(
                "question \"{}\" is a {} question and cannot be a condition; use a single scale, approve or choose question",
                show(&cond.question),
                target.body.kind()
            ),
        ));
        return;
    };
    let any_path = key_path(path, "any_of");
    if cond.any_of.is_empty() {
        out.push(Problem::new(
            &any_path,
            "condition_empty",
            "any_of 至少要列出一个答案",
            "any_of must list at least one answer",
        ));
    }
    for (i, a) in cond.any_of.iter().enumerate() {
        if !answers.contains(a) {
            out.push(Problem::new(
                index_path(&any_path, i),
                "condition_unknown_answer",
                format!(
                    "问题“{}”没有答案“{}”，可选：{}",
                    show(&cond.question),
                    show(a),
                    answers.join("、")
                ),
                format!(
                    "question \"{}\" has no answer \"{}\"; answers: {}",
                    show(&cond.question),
                    show(a),
                    answers.join(", ")
                ),
            ));
        }
    }
}

fn kind_zh(body: &QuestionBody) -> &'static str {
    match body {
        QuestionBody::Scale(s) if s.subjects.is_empty() => "量表",
        QuestionBody::Scale(_) => "矩阵量表",
        QuestionBody::Choose(_) => "选择",
        QuestionBody::Score(_) => "评分",
        QuestionBody::Notice(_) => "公示",
        QuestionBody::Approve(_) => "表决",
        QuestionBody::Text(_) => "文字",
    }
}

fn check_body(s: &Survey, q: &Question, qpath: &str, out: &mut Vec<Problem>) {
    match &q.body {
        QuestionBody::Scale(sc) => check_scale(sc, qpath, out),
        QuestionBody::Choose(c) => {
            let opath = key_path(qpath, "options");
            let max_path = key_path(qpath, "max");
            if c.options.is_empty() {
                out.push(Problem::new(
                    &opath,
                    "no_options",
                    "选择题至少要有一个选项",
                    "a choose question needs options",
                ));
            }
            check_items(&c.options, &opath, "选项", "option", out);
            let n = c.options.len() as u64;
            if c.max == 0 {
                out.push(Problem::new(
                    &max_path,
                    "max_zero",
                    "最多可选项数 max 不能为 0",
                    "max must not be 0",
                ));
            } else if c.max < c.min {
                out.push(Problem::new(
                    &max_path,
                    "max_below_min",
                    format!("最多可选 {} 项，却要求至少选 {} 项", c.max, c.min),
                    format!("max ({}) is below min ({})", c.max, c.min),
                ));
            }
            if u64::from(c.max) > n {
                out.push(Problem::new(
                    &max_path,
                    "max_over_options",
                    format!("最多可选 {} 项，但只有 {n} 个选项", c.max),
                    format!("max ({}) is more than the {n} options", c.max),
                ));
            }
            if let Some(seats) = c.seats {
                let seats_path = key_path(qpath, "seats");
                if seats == 0 {
                    out.push(Problem::new(
                        &seats_path,
                        "seats_zero",
                        "名额 seats 不能为 0；不限名额时请省略",
                        "seats must not be 0; leave it out for no seats",
                    ));
                } else if u64::from(seats) > n {
                    out.push(Problem::new(
                        &seats_path,
                        "seats_over_options",
                        format!("名额为 {seats} 个，但只有 {n} 个候选",),
                        format!("seats ({seats}) is more than the {n} candidates"),
                    ));
                }
            }
        }
        QuestionBody::Score(sq) => {
            let spath = key_path(qpath, "subjects");
            let cpath = key_path(qpath, "criteria");
            if sq.subjects.is_empty() {
                out.push(Problem::new(
                    &spath,
                    "no_subjects",
                    "评分题至少要有一个评分对象",
                    "a score question needs subjects",
                ));
            }
            if sq.criteria.is_empty() {
                out.push(Problem::new(
                    &cpath,
                    "no_criteria",
                    "评分题至少要有一项评分标准",
                    "a score question needs criteria",
                ));
            }
            check_items(&sq.subjects, &spath, "评分对象", "subject", out);
            let mut ids = Ids::new("评分标准", "criterion");
            for (i, c) in sq.criteria.iter().enumerate() {
                let p = index_path(&cpath, i);
                ids.check(&c.id, &key_path(&p, "id"), out);
                check_text(&c.label, &key_path(&p, "label"), out);
                if c.max < c.min {
                    out.push(Problem::new(
                        key_path(&p, "max"),
                        "max_below_min",
                        format!("最高分 {} 低于最低分 {}", c.max, c.min),
                        format!("max ({}) is below min ({})", c.max, c.min),
                    ));
                } else if c.step == 0 {
                    out.push(Problem::new(
                        key_path(&p, "step"),
                        "step_zero",
                        "步长 step 不能为 0",
                        "step must not be 0",
                    ));
                } else if (i64::from(c.max) - i64::from(c.min)) % i64::from(c.step) != 0 {
                    out.push(Problem::new(
                        key_path(&p, "step"),
                        "step_not_dividing",
                        format!("步长 {} 不能整除分数范围 {}–{}", c.step, c.min, c.max),
                        format!(
                            "step {} does not divide the range {} to {}",
                            c.step, c.min, c.max
                        ),
                    ));
                }
            }
            if let Combine::TrimmedMean { drop: 0 } = sq.combine {
                out.push(Problem::new(
                    key_path(&key_path(qpath, "combine"), "drop"),
                    "drop_zero",
                    "去掉最高分和最低分的个数 drop 不能为 0；不去分时请用 {\"method\": \"mean\"}",
                    "drop must be at least 1; use {\"method\": \"mean\"} for a plain mean",
                ));
            }
        }
        QuestionBody::Notice(n) => {
            let ipath = key_path(qpath, "items");
            if n.items.is_empty() {
                out.push(Problem::new(
                    &ipath,
                    "no_items",
                    "公示题至少要有一个公示事项",
                    "a notice question needs items",
                ));
            }
            check_items(&n.items, &ipath, "公示事项", "item", out);
            if n.reason_max_len == 0 {
                out.push(Problem::new(
                    key_path(qpath, "reason_max_len"),
                    "max_len_zero",
                    "理由长度上限不能为 0",
                    "reason_max_len must not be 0",
                ));
            }
            check_max_len(
                n.reason_max_len,
                MAX_REASON_LEN,
                &key_path(qpath, "reason_max_len"),
                out,
            );
        }
        QuestionBody::Approve(a) => {
            if a.rule == PassRule::Eligible && s.eligible.is_none() {
                out.push(Problem::new(
                    key_path(qpath, "rule"),
                    "eligible_missing",
                    "按应参与人数（eligible）计算通过时，问卷必须填写 eligible",
                    "rule \"eligible\" needs the survey's eligible count",
                ));
            }
        }
        QuestionBody::Text(t) => {
            if t.max_len == 0 {
                out.push(Problem::new(
                    key_path(qpath, "max_len"),
                    "max_len_zero",
                    "字数上限 max_len 不能为 0",
                    "max_len must not be 0",
                ));
            }
            check_max_len(t.max_len, MAX_TEXT_LEN, &key_path(qpath, "max_len"), out);
        }
    }
}

fn check_max_len(value: u32, most: u32, path: &str, out: &mut Vec<Problem>) {
    if value > most {
        out.push(Problem::new(
            path,
            "max_len_too_large",
            format!("字数上限为 {value}，最多只能设为 {most}"),
            format!("the length limit is {value}; it can be at most {most}"),
        ));
    }
}

/// A list of a question (options, subjects, items, criteria) with more than [`MAX_ENTRIES`].
fn check_entries(n: usize, path: &str, out: &mut Vec<Problem>) {
    if n > MAX_ENTRIES {
        out.push(Problem::new(
            path,
            "too_many_entries",
            format!("这里有 {n} 项，一道题最多只能有 {MAX_ENTRIES} 项"),
            format!("this list has {n} entries; a question can have at most {MAX_ENTRIES}"),
        ));
    }
}

/// The counts of every list of a question, against [`MAX_ENTRIES`].
fn check_question_lists(q: &Question, qpath: &str, out: &mut Vec<Problem>) {
    let lists: Vec<(&str, usize)> = match &q.body {
        QuestionBody::Scale(s) => {
            vec![("options", s.options.len()), ("subjects", s.subjects.len())]
        }
        QuestionBody::Choose(c) => vec![("options", c.options.len())],
        QuestionBody::Score(s) => vec![
            ("subjects", s.subjects.len()),
            ("criteria", s.criteria.len()),
        ],
        QuestionBody::Notice(n) => vec![("items", n.items.len())],
        QuestionBody::Approve(_) | QuestionBody::Text(_) => Vec::new(),
    };
    for (name, n) in lists {
        check_entries(n, &key_path(qpath, name), out);
    }
}

fn check_scale(sc: &ScaleQuestion, qpath: &str, out: &mut Vec<Problem>) {
    let opath = key_path(qpath, "options");
    if sc.options.is_empty() && sc.preset.is_none() {
        out.push(Problem::new(
            &opath,
            "no_options",
            "量表题需要 preset（satisfaction 或 appraisal）或自定义 options",
            "a scale question needs a preset or options",
        ));
    }
    let mut ids = Ids::new("选项", "option");
    for (i, o) in sc.options.iter().enumerate() {
        let p = index_path(&opath, i);
        ids.check(&o.id, &key_path(&p, "id"), out);
        check_text(&o.label, &key_path(&p, "label"), out);
        if o.not_valid && o.weight.is_some() {
            out.push(Problem::new(
                key_path(&p, "weight"),
                "weight_on_not_valid",
                format!(
                    "选项“{}”不计入有效票（not_valid），不能设分值 weight",
                    show(&o.id)
                ),
                format!(
                    "option \"{}\" is not a valid vote and cannot have a weight",
                    show(&o.id)
                ),
            ));
        }
    }
    let effective = sc.effective_options();
    if !effective.is_empty() && effective.iter().all(|o| o.not_valid) {
        out.push(Problem::new(
            &opath,
            "no_valid_option",
            "至少要有一个计入有效票的选项",
            "at least one option must be a valid vote",
        ));
    }
    let gpath = key_path(qpath, "grades");
    for (i, g) in sc.grades.iter().enumerate() {
        let p = index_path(&gpath, i);
        if !effective.iter().any(|o| o.id == g.option) {
            let ids: Vec<&str> = effective.iter().map(|o| o.id.as_str()).collect();
            out.push(Problem::new(
                key_path(&p, "option"),
                "grade_unknown_option",
                format!(
                    "评定规则引用的选项“{}”不存在，可选：{}",
                    show(&g.option),
                    ids.join("、")
                ),
                format!(
                    "grade rule names unknown option \"{}\"; options: {}",
                    show(&g.option),
                    ids.join(", ")
                ),
            ));
        }
        if g.at_least_percent > 100 {
            out.push(Problem::new(
                key_path(&p, "at_least_percent"),
                "grade_threshold_over_100",
                format!("评定门槛 {}% 超过 100%", g.at_least_percent),
                format!("threshold {}% is over 100%", g.at_least_percent),
            ));
        }
        check_text(&g.grade, &key_path(&p, "grade"), out);
    }
    check_items(
        &sc.subjects,
        &key_path(qpath, "subjects"),
        "评议对象",
        "subject",
        out,
    );
}

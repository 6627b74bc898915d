//! The survey builder's model: templates, edits, pasted lists, problems at fields, the
//! publication plan and the stored draft.

use pingyi_core::builder::{
    check_draft, decode_draft, encode_draft, field_problems, parse_paste, plan_publish, Draft,
    EditError, EntryAt, EntryList, Field, Kind, PasteMode, QuestionAt, Step, Template,
    DRAFT_FORMAT, TEMPLATES,
};
use pingyi_core::i18n::{missing_words, BuilderKey, Lang};
use pingyi_core::survey::{QuestionBody, ScalePreset};
use pingyi_core::{parse_survey, validate_survey, Survey};
use proptest::prelude::*;

fn codes(problems: &[pingyi_core::Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.code.as_str()).collect()
}

fn at(section: usize, question: usize) -> QuestionAt {
    QuestionAt { section, question }
}

/// A draft with its unit filled in, as an organiser would.
fn draft(t: Template) -> Draft {
    let mut d = Draft::new(t);
    d.survey.unit = "崇阳县白霓镇桃源湾".to_string();
    d
}

fn question_ids(s: &Survey) -> Vec<String> {
    s.questions().map(|q| q.id.clone()).collect()
}

fn all_distinct(ids: &[String]) -> bool {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.len() == ids.len()
}

// ------------------------------------------------------------------------------------------------
// Templates

#[test]
fn every_template_but_the_blank_one_is_a_valid_survey() {
    for t in Template::all() {
        let survey = t.survey();
        let problems = validate_survey(&survey);
        if t == Template::Empty {
            continue;
        }
        assert!(problems.is_empty(), "{t:?}: {problems:#?}");
        // The same survey read back from its JSON, as the collector reads it.
        let json = serde_json::to_string(&survey).unwrap();
        assert_eq!(parse_survey(&json).expect("parses"), survey, "{t:?}");
        // Every text that people see has Chinese and English.
        assert!(survey.title.en.is_some() && survey.description.is_some());
        for q in survey.questions() {
            assert!(q.title.en.is_some(), "{t:?} {}", q.id);
        }
    }
}

#[test]
fn the_blank_template_says_what_is_missing_instead_of_failing() {
    let survey = Template::Empty.survey();
    let problems = validate_survey(&survey);
    assert_eq!(codes(&problems), vec!["no_questions"]);
    assert_eq!(problems[0].path, "$.sections[0].questions");
    // Adding one question makes it valid.
    let mut d = draft(Template::Empty);
    d.add_question(0, Kind::Text).unwrap();
    assert_eq!(check_draft(&d), vec![]);
}

#[test]
fn the_template_table_lists_each_template_once_with_its_words() {
    assert_eq!(TEMPLATES.len(), 5);
    let ids: Vec<String> = TEMPLATES.iter().map(|t| t.id.to_string()).collect();
    assert!(all_distinct(&ids));
    for t in Template::all() {
        assert_eq!(Template::from_id(t.id()), Some(t));
        for lang in [Lang::Zh, Lang::En] {
            assert!(!t.name(lang).is_empty() && !t.about(lang).is_empty());
        }
    }
    assert_eq!(Template::Satisfaction.name(Lang::Zh), "满意度测评");
    assert_eq!(Template::Departments.name(Lang::Zh), "以下评上：部门评议");
    assert_eq!(Template::from_id("nope"), None);
    assert!(missing_words(BuilderKey::ALL).is_empty());
}

#[test]
fn the_satisfaction_template_rates_the_six_usual_items_with_the_satisfaction_scale() {
    let s = Template::Satisfaction.survey();
    let q = s.question("work").unwrap();
    let QuestionBody::Scale(scale) = &q.body else {
        panic!("a scale")
    };
    assert_eq!(scale.preset, Some(ScalePreset::Satisfaction));
    let labels: Vec<&str> = scale.subjects.iter().map(|i| i.label.zh.as_str()).collect();
    assert_eq!(
        labels,
        [
            "环境卫生",
            "办事效率",
            "治安状况",
            "文体活动",
            "服务弱势群体",
            "干部作风"
        ]
    );
    let effective: Vec<String> = scale
        .effective_options()
        .iter()
        .map(|o| o.label.zh.clone())
        .collect();
    assert_eq!(effective, ["满意", "基本满意", "不满意", "不了解"]);
}

#[test]
fn the_appraisal_and_department_templates_use_their_scales() {
    let a = Template::Appraisal.survey();
    let QuestionBody::Scale(cadres) = &a.question("cadres").unwrap().body else {
        panic!("a scale")
    };
    assert_eq!(cadres.preset, Some(ScalePreset::Appraisal));
    assert!(!cadres.subjects.is_empty());
    let d = Template::Departments.survey();
    let QuestionBody::Scale(service) = &d.question("service").unwrap().body else {
        panic!("a scale")
    };
    assert_eq!(service.preset, Some(ScalePreset::Satisfaction));
    assert!(service.subjects.iter().any(|s| s.label.zh == "派出所"));
}

#[test]
fn the_evening_meeting_has_the_three_lists_a_vote_and_suggestions() {
    let s = Template::EveningMeeting.survey();
    let kinds: Vec<&str> = s.questions().map(|q| q.body.kind()).collect();
    assert_eq!(
        kinds,
        ["choose", "score", "notice", "approve", "text", "text"]
    );
    let QuestionBody::Choose(honour) = &s.question("honour").unwrap().body else {
        panic!("choose")
    };
    assert_eq!(honour.seats, Some(2));
    assert!(s.results_public);
}

#[test]
fn a_template_leaves_the_unit_for_the_organiser_and_says_so_at_its_field() {
    let d = Draft::new(Template::Satisfaction);
    let problems = field_problems(&d);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].problem.code, "unit_empty");
    assert_eq!(problems[0].field.name, "unit");
    assert_eq!(problems[0].field.section, None);
    assert!(problems[0].problem.zh.contains("村湾"));
}

// ------------------------------------------------------------------------------------------------
// Edits

#[test]
fn a_question_of_each_kind_is_added_valid_with_a_fresh_id() {
    let mut d = draft(Template::Empty);
    for kind in Kind::ALL {
        let a = d.add_question(0, kind).unwrap();
        assert_eq!(Kind::of(&d.question(a).unwrap().body), kind);
        assert!(!kind.name(Lang::Zh).is_empty() && !kind.name(Lang::En).is_empty());
    }
    assert_eq!(check_draft(&d), vec![], "{:#?}", d.survey);
    assert!(all_distinct(&question_ids(&d.survey)));
    assert_eq!(d.revision, 6);
}

#[test]
fn fresh_ids_never_collide_with_ids_already_there() {
    let mut d = draft(Template::Empty);
    d.add_question(0, Kind::Text).unwrap();
    // The organiser's file already uses the next ids the counter would give.
    d.survey.sections[0].questions[0].id = "q-2".into();
    let mut taken = d.survey.sections[0].questions[0].clone();
    taken.id = "q-3".into();
    d.survey.sections[0].questions.push(taken);
    let a = d.add_question(0, Kind::Approve).unwrap();
    let id = d.question(a).unwrap().id.clone();
    assert!(id != "q-2" && id != "q-3", "{id}");
    assert!(all_distinct(&question_ids(&d.survey)));
    // A removed question's id is not handed out again.
    d.remove_question(a).unwrap();
    let b = d.add_question(0, Kind::Approve).unwrap();
    assert_ne!(d.question(b).unwrap().id, id);
}

#[test]
fn a_counter_at_its_limit_still_gives_a_fresh_id() {
    let mut d = draft(Template::Empty);
    d.add_question(0, Kind::Text).unwrap();
    d.survey.sections[0].questions[0].id = format!("q-{}", u64::MAX);
    d.next_number = u64::MAX;
    let a = d.add_question(0, Kind::Text).unwrap();
    assert_eq!(d.question(a).unwrap().id, "q-0");
    assert!(all_distinct(&question_ids(&d.survey)));
}

#[test]
fn questions_step_up_and_down_across_sections_and_stop_at_the_ends() {
    let mut d = draft(Template::EveningMeeting);
    // honour (s0) up: nowhere to go.
    assert_eq!(
        d.step_question(at(0, 0), Step::Up),
        Err(EditError::CannotMove)
    );
    // honour down: to the start of section 1, before points.
    assert_eq!(d.step_question(at(0, 0), Step::Down), Ok(at(1, 0)));
    assert_eq!(question_ids(&d.survey)[..2], ["honour", "points"]);
    assert!(d.survey.sections[0].questions.is_empty());
    // and back up: to the end of section 0.
    assert_eq!(d.step_question(at(1, 0), Step::Up), Ok(at(0, 0)));
    let last = at(3, 2);
    assert_eq!(
        d.step_question(last, Step::Down),
        Err(EditError::CannotMove)
    );
    assert_eq!(d.step_question(last, Step::Up), Ok(at(3, 1)));
    assert_eq!(
        question_ids(&d.survey)[3..],
        ["project", "suggestion", "against-reason"]
    );
}

#[test]
fn a_question_moves_to_any_index_and_an_impossible_move_changes_nothing() {
    let mut d = draft(Template::EveningMeeting);
    assert_eq!(d.move_question(at(3, 2), at(0, 0)), Ok(at(0, 0)));
    assert_eq!(question_ids(&d.survey)[0], "suggestion");
    // The end of a section is its length.
    assert_eq!(d.move_question(at(0, 0), at(0, 1)), Ok(at(0, 1)));
    assert_eq!(question_ids(&d.survey)[..2], ["honour", "suggestion"]);
    let before = d.clone();
    assert_eq!(
        d.move_question(at(0, 0), at(0, 2)),
        Err(EditError::NoQuestion)
    );
    assert_eq!(
        d.move_question(at(0, 0), at(9, 0)),
        Err(EditError::NoSection)
    );
    assert_eq!(
        d.move_question(at(0, 5), at(0, 0)),
        Err(EditError::NoQuestion)
    );
    assert_eq!(d.remove_question(at(7, 0)), Err(EditError::NoSection));
    assert_eq!(d.add_question(4, Kind::Text), Err(EditError::NoSection));
    assert_eq!(d, before);
}

#[test]
fn moving_a_condition_after_its_question_is_reported_at_the_show_if_field() {
    let mut d = draft(Template::EveningMeeting);
    // against-reason (3,1) shows on project (3,0); put it first.
    d.move_question(at(3, 1), at(3, 0)).unwrap();
    let problems = field_problems(&d);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].problem.code, "condition_not_earlier");
    assert_eq!(problems[0].field.section, Some(3));
    assert_eq!(problems[0].field.question, Some(0));
    assert_eq!(problems[0].field.name, "show_if.question");
}

#[test]
fn removing_a_question_removes_the_conditions_that_name_it_and_says_so() {
    let mut d = draft(Template::EveningMeeting);
    let cleanup = d.remove_question(at(3, 0)).unwrap();
    assert_eq!(cleanup.conditions_removed, ["against-reason"]);
    assert!(d
        .survey
        .question("against-reason")
        .unwrap()
        .show_if
        .is_none());
    assert_eq!(check_draft(&d), vec![]);
    let notes = cleanup.notes(Lang::Zh);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("against-reason") && notes[0].contains("显示条件"));
    assert!(cleanup.notes(Lang::En)[0].contains("always shown"));
}

#[test]
fn removing_a_section_cleans_the_conditions_on_its_questions() {
    let mut d = draft(Template::EveningMeeting);
    // Make the suggestion show only for one honour candidate.
    d.question_mut(at(3, 2)).unwrap().show_if = Some(pingyi_core::survey::Condition {
        question: "honour".into(),
        any_of: vec!["candidate-1".into()],
    });
    assert_eq!(check_draft(&d), vec![]);
    let cleanup = d.remove_section(0).unwrap();
    assert_eq!(cleanup.conditions_removed, ["suggestion"]);
    assert_eq!(check_draft(&d), vec![]);
    assert_eq!(d.remove_section(9), Err(EditError::NoSection));
}

#[test]
fn removing_an_option_takes_it_out_of_conditions_too() {
    let mut d = draft(Template::EveningMeeting);
    d.question_mut(at(3, 2)).unwrap().show_if = Some(pingyi_core::survey::Condition {
        question: "honour".into(),
        any_of: vec!["candidate-1".into(), "candidate-2".into()],
    });
    let option = |entry| EntryAt {
        question: at(0, 0),
        list: EntryList::Options,
        entry,
    };
    let c = d.remove_entry(option(0)).unwrap();
    assert_eq!(
        c.answers_removed,
        [("suggestion".to_string(), "candidate-1".to_string())]
    );
    assert_eq!(
        d.survey
            .question("suggestion")
            .unwrap()
            .show_if
            .as_ref()
            .unwrap()
            .any_of,
        ["candidate-2"]
    );
    // The last answer goes: the whole condition goes.
    let c = d.remove_entry(option(0)).unwrap();
    assert_eq!(c.conditions_removed, ["suggestion"]);
    assert!(d.survey.question("suggestion").unwrap().show_if.is_none());
    assert_eq!(d.remove_entry(option(5)), Err(EditError::NoEntry));
}

#[test]
fn options_are_added_moved_and_removed_with_fresh_ids() {
    let mut d = draft(Template::EveningMeeting);
    let added = d.add_entry(at(0, 0), EntryList::Options).unwrap();
    assert_eq!(added.entry, 4);
    let ids = d.entry_ids(at(0, 0), EntryList::Options).unwrap();
    assert!(all_distinct(&ids));
    assert_eq!(d.step_entry(added, Step::Down), Err(EditError::CannotMove));
    let moved = d.move_entry(added, 0).unwrap();
    assert_eq!(
        d.entry_ids(at(0, 0), EntryList::Options).unwrap()[0],
        ids[4]
    );
    assert_eq!(d.step_entry(moved, Step::Up), Err(EditError::CannotMove));
    assert_eq!(d.step_entry(moved, Step::Down).unwrap().entry, 1);
    // Criteria of a choose question do not exist.
    assert_eq!(
        d.add_entry(at(0, 0), EntryList::Criteria),
        Err(EditError::NoList)
    );
    // Criteria of a score question do.
    let c = d.add_entry(at(1, 0), EntryList::Criteria).unwrap();
    assert_eq!(c.entry, 3);
    assert_eq!(check_draft(&d), vec![]);
}

#[test]
fn editing_a_preset_scale_writes_out_its_options_and_cleans_its_grades() {
    let mut d = draft(Template::Appraisal);
    let e = d.add_entry(at(0, 0), EntryList::Options).unwrap();
    assert_eq!(e.entry, 3);
    let QuestionBody::Scale(s) = &d.question(at(0, 0)).unwrap().body else {
        panic!("scale")
    };
    assert_eq!(s.options.len(), 4);
    assert_eq!(s.options[0].label.zh, "称职");
    assert_eq!(check_draft(&d), vec![]);
    // Removing 称职 also removes the 优秀 rule that names it.
    let c = d
        .remove_entry(EntryAt {
            question: at(0, 0),
            list: EntryList::Options,
            entry: 0,
        })
        .unwrap();
    assert_eq!(c.grades_removed, ["cadres"]);
    let QuestionBody::Scale(s) = &d.question(at(0, 0)).unwrap().body else {
        panic!("scale")
    };
    // The other rule and the grade when none matches are kept.
    assert_eq!(s.grades.len(), 1);
    assert_eq!(s.grades[0].option, "not_competent");
    assert_eq!(s.effective_default_grade().unwrap().zh, "称职");
    assert_eq!(check_draft(&d), vec![]);
}

#[test]
fn sections_are_added_moved_and_removed() {
    let mut d = draft(Template::Satisfaction);
    let i = d.add_section();
    assert_eq!(i, 2);
    assert_eq!(
        codes(&check_draft(&d)),
        ["no_questions"],
        "an empty section is reported"
    );
    assert_eq!(d.step_section(2, Step::Down), Err(EditError::CannotMove));
    assert_eq!(d.step_section(2, Step::Up), Ok(1));
    d.add_question(1, Kind::Approve).unwrap();
    assert_eq!(check_draft(&d), vec![]);
    d.move_section(1, 0).unwrap();
    assert_eq!(d.survey.sections[0].questions[0].body.kind(), "approve");
    assert_eq!(d.move_section(0, 3), Err(EditError::NoSection));
    let ids: Vec<String> = d.survey.sections.iter().map(|s| s.id.clone()).collect();
    assert!(all_distinct(&ids));
}

#[test]
fn edit_errors_have_codes_and_both_languages() {
    for e in [
        EditError::NoSection,
        EditError::NoQuestion,
        EditError::NoEntry,
        EditError::NoList,
        EditError::CannotMove,
        EditError::TooManyQuestions,
        EditError::TooManyEntries,
        EditError::NoRows,
    ] {
        assert!(!e.code().is_empty());
        assert!(!e.message(Lang::Zh).is_empty() && !e.message(Lang::En).is_empty());
        assert!(!e.message(Lang::Zh).contains('{'), "{e:?}");
    }
    assert_eq!(
        EditError::TooManyQuestions.message(Lang::En),
        "a survey can have at most 200 questions"
    );
}

#[test]
fn a_full_survey_refuses_another_question() {
    let mut d = draft(Template::Empty);
    for _ in 0..200 {
        d.add_question(0, Kind::Approve).unwrap();
    }
    assert_eq!(
        d.add_question(0, Kind::Approve),
        Err(EditError::TooManyQuestions)
    );
    assert!(all_distinct(&question_ids(&d.survey)));
}

// ------------------------------------------------------------------------------------------------
// Paste

#[test]
fn a_list_copied_from_excel_is_read_with_notes() {
    let text = "\u{feff}王大海家\t房前屋后干净整洁\r\n\u{3000}刘桂兰家\u{3000}\t\r\n周明家，\t一组\t二号楼\r\n";
    let p = parse_paste(text);
    assert_eq!(p.problems, vec![]);
    let rows: Vec<(usize, &str, Option<&str>)> = p
        .rows
        .iter()
        .map(|r| (r.line, r.label.as_str(), r.note.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (1, "王大海家", Some("房前屋后干净整洁")),
            (2, "刘桂兰家", None),
            (3, "周明家", Some("一组 二号楼")),
        ]
    );
}

#[test]
fn a_csv_with_quotes_is_read_and_full_width_commas_do_not_split() {
    let text = "\"村级项目支出 38,600 元\",\"施工单位：\"\"县路桥公司\"\"\"\n低保户名单，四户\n\"两行\n的名称\",备注\n";
    let p = parse_paste(text);
    assert_eq!(p.problems, vec![]);
    assert_eq!(p.rows[0].label, "村级项目支出 38,600 元");
    assert_eq!(p.rows[0].note.as_deref(), Some("施工单位：\"县路桥公司\""));
    assert_eq!(p.rows[1].label, "低保户名单，四户");
    assert_eq!(p.rows[1].note, None);
    assert_eq!(p.rows[2].label, "两行\n的名称");
    assert_eq!(p.rows[2].line, 3);
}

#[test]
fn empty_rows_rows_without_a_name_and_repeats_are_reported_by_line() {
    let text = "王大海\n\n刘桂兰\n\t只有备注\n王大海\t又一次\n  \n";
    let p = parse_paste(text);
    let labels: Vec<&str> = p.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["王大海", "刘桂兰"]);
    let found: Vec<(&str, usize, Option<usize>)> = p
        .problems
        .iter()
        .map(|x| (x.code, x.line, x.first_line))
        .collect();
    assert_eq!(
        found,
        [
            ("empty_row", 2, None),
            ("no_label", 4, None),
            ("duplicate", 5, Some(1)),
            ("empty_row", 6, None),
        ]
    );
    assert_eq!(
        p.problems[2].zh,
        "第 5 行“王大海”与第 1 行重复，只保留第 1 行"
    );
    assert_eq!(
        p.problems[2].en,
        "line 5 \"王大海\" repeats line 1; only line 1 is kept"
    );
    assert_eq!(p.problems[0].message(Lang::Zh), "第 2 行是空行，已跳过");
}

#[test]
fn an_unclosed_quote_is_reported_and_nothing_is_lost() {
    let p = parse_paste("甲\n\"乙,丙\n丁");
    assert_eq!(p.problems.len(), 1);
    assert_eq!(
        (p.problems[0].code, p.problems[0].line),
        ("unclosed_quote", 2)
    );
    assert_eq!(p.rows[1].label, "乙,丙\n丁");
}

#[test]
fn pasted_rows_become_options_with_fresh_ids_and_repeats_are_not_added() {
    let mut d = draft(Template::EveningMeeting);
    let p = parse_paste("王大海家\t种满月季\n候选户一\n刘桂兰家\n");
    let outcome = d
        .paste_rows(at(0, 0), EntryList::Options, &p.rows, PasteMode::Append)
        .unwrap();
    let problems = outcome.problems;
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].code, problems[0].line), ("already_listed", 2));
    let QuestionBody::Choose(c) = &d.question(at(0, 0)).unwrap().body else {
        panic!("choose")
    };
    let labels: Vec<&str> = c.options.iter().map(|o| o.label.zh.as_str()).collect();
    assert_eq!(labels[4..], ["王大海家", "刘桂兰家"]);
    assert_eq!(c.options[4].detail.as_ref().unwrap().zh, "种满月季");
    let ids: Vec<String> = c.options.iter().map(|o| o.id.clone()).collect();
    assert!(all_distinct(&ids));
    assert_eq!(check_draft(&d), vec![]);
    // Subjects of a score question and items of a notice take rows too; criteria do not.
    d.paste_rows(at(1, 0), EntryList::Subjects, &p.rows, PasteMode::Append)
        .unwrap();
    d.paste_rows(at(2, 0), EntryList::Items, &p.rows, PasteMode::Append)
        .unwrap();
    assert_eq!(
        d.paste_rows(at(1, 0), EntryList::Criteria, &p.rows, PasteMode::Append),
        Err(EditError::NoList)
    );
    assert_eq!(
        d.paste_rows(at(1, 0), EntryList::Subjects, &[], PasteMode::Append),
        Err(EditError::NoRows)
    );
    assert_eq!(check_draft(&d), vec![]);
}

#[test]
fn a_paste_that_would_overfill_a_list_adds_nothing() {
    let mut d = draft(Template::Satisfaction);
    let text: String = (0..200).map(|i| format!("对象{i}\n")).collect();
    let p = parse_paste(&text);
    assert_eq!(p.rows.len(), 200);
    let before = d.clone();
    assert_eq!(
        d.paste_rows(at(0, 0), EntryList::Subjects, &p.rows, PasteMode::Append),
        Err(EditError::TooManyEntries)
    );
    assert_eq!(d, before);
    // In place of the six items, 200 fit.
    d.paste_rows(at(0, 0), EntryList::Subjects, &p.rows, PasteMode::Replace)
        .unwrap();
    assert_eq!(
        d.entry_ids(at(0, 0), EntryList::Subjects).unwrap().len(),
        200
    );
    assert_eq!(check_draft(&d), vec![]);
}

#[test]
fn pasted_candidates_replace_the_placeholders_and_conditions_on_them_go() {
    let mut d = draft(Template::EveningMeeting);
    d.question_mut(at(3, 2)).unwrap().show_if = Some(pingyi_core::survey::Condition {
        question: "honour".into(),
        any_of: vec!["candidate-1".into()],
    });
    let old = d.entry_ids(at(0, 0), EntryList::Options).unwrap();
    let p = parse_paste("王大海家\n刘桂兰家\n周明家\n候选户一\n");
    let outcome = d
        .paste_rows(at(0, 0), EntryList::Options, &p.rows, PasteMode::Replace)
        .unwrap();
    assert_eq!(outcome.problems, vec![]);
    assert_eq!(outcome.cleanup.conditions_removed, ["suggestion"]);
    let QuestionBody::Choose(c) = &d.question(at(0, 0)).unwrap().body else {
        panic!("choose")
    };
    let labels: Vec<&str> = c.options.iter().map(|o| o.label.zh.as_str()).collect();
    assert_eq!(labels, ["王大海家", "刘桂兰家", "周明家", "候选户一"]);
    // No new option takes an id of a replaced one.
    assert!(c.options.iter().all(|o| !old.contains(&o.id)));
    assert_eq!(check_draft(&d), vec![]);
}

// ------------------------------------------------------------------------------------------------
// Problems at fields

#[test]
fn seats_above_the_candidates_and_max_below_min_are_shown_at_their_fields() {
    let mut d = draft(Template::EveningMeeting);
    if let QuestionBody::Choose(c) = &mut d.question_mut(at(0, 0)).unwrap().body {
        c.seats = Some(5);
    }
    if let QuestionBody::Score(s) = &mut d.question_mut(at(1, 0)).unwrap().body {
        s.criteria[1].max = -1;
    }
    let problems = field_problems(&d);
    let found: Vec<(&str, Field)> = problems
        .iter()
        .map(|p| (p.problem.code.as_str(), p.field.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "seats_over_options",
                Field {
                    section: Some(0),
                    question: Some(0),
                    entry: None,
                    name: "seats".into()
                }
            ),
            (
                "max_below_min",
                Field {
                    section: Some(1),
                    question: Some(0),
                    entry: Some((EntryList::Criteria, 1)),
                    name: "max".into()
                }
            ),
        ]
    );
}

#[test]
fn a_choose_question_asking_for_more_than_it_allows_is_shown_at_max() {
    let mut d = draft(Template::EveningMeeting);
    if let QuestionBody::Choose(c) = &mut d.question_mut(at(0, 0)).unwrap().body {
        c.min = 3;
    }
    d.touch();
    let problems = field_problems(&d);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].problem.code, "max_below_min");
    assert_eq!(
        problems[0].field,
        Field {
            section: Some(0),
            question: Some(0),
            entry: None,
            name: "max".into()
        }
    );
    assert_eq!(problems[0].problem.zh, "最多可选 2 项，却要求至少选 3 项");
}

#[test]
fn problem_paths_are_read_into_fields() {
    let f = Field::from_path("$.sections[2].questions[0].options[3].label.zh");
    assert_eq!(f.section, Some(2));
    assert_eq!(f.question, Some(0));
    assert_eq!(f.entry, Some((EntryList::Options, 3)));
    assert_eq!(f.name, "label.zh");
    let f = Field::from_path("$.sections[1].questions[4].show_if.any_of[0]");
    assert_eq!((f.section, f.question, f.entry), (Some(1), Some(4), None));
    assert_eq!(f.name, "show_if.any_of[0]");
    let f = Field::from_path("$.sections[0].questions[1].grades[0].option");
    assert_eq!(f.name, "grades[0].option");
    assert_eq!(
        Field::from_path("$.sections[0].questions").name,
        "questions"
    );
    assert_eq!(Field::from_path("$").name, "");
    assert_eq!(Field::from_path("$.closes_at").name, "closes_at");
    assert_eq!(Field::from_path("$[\"a.b\"].c").name, "a.b.c");
    assert_eq!(Field::from_path("garbage").name, "garbage");
    assert_eq!(Field::from_path("$.sections[x]").name, "$.sections[x]");
}

// ------------------------------------------------------------------------------------------------
// Publishing

#[test]
fn an_unchanged_survey_needs_no_new_version() {
    let published = draft(Template::Satisfaction).survey;
    let plan = plan_publish(Some(&published), &published.clone(), &[(1, 30)]);
    assert!(!plan.new_version);
    assert_eq!(plan.version, 1);
    assert!(!plan.needs_confirmation);
    assert!(plan.explanation.zh.contains("没有改变"));
}

#[test]
fn a_changed_survey_with_ballots_cast_gets_the_next_version_and_a_warning() {
    let published = draft(Template::Satisfaction).survey;
    let mut d = Draft::from_survey(published.clone());
    d.add_question(1, Kind::Approve).unwrap();
    let plan = plan_publish(Some(&published), &d.survey, &[(1, 35)]);
    assert!(plan.new_version);
    assert_eq!(plan.version, 2);
    assert_eq!(plan.ballots_left_out, 35);
    assert!(plan.needs_confirmation);
    assert_eq!(
        plan.explanation.zh,
        "问卷已修改，将发布为第 2 版（原为第 1 版）。已收到的选票保留各自的版本，不会被改动或删除：第 1 版 35 张。统计只计入一个版本：发布后只计入第 2 版的选票，这 35 张不再计入。发布前需要您确认。"
    );
    assert!(plan
        .explanation
        .en
        .as_deref()
        .unwrap()
        .contains("35 for version 1"));
    // Without ballots of another version nothing needs confirming.
    let quiet = plan_publish(Some(&published), &d.survey, &[(1, 0)]);
    assert_eq!((quiet.version, quiet.needs_confirmation), (2, false));
    assert!(quiet.explanation.zh.contains("统计不受影响"));
}

#[test]
fn a_first_publication_and_a_new_id_are_explained() {
    let s = draft(Template::Appraisal).survey;
    let first = plan_publish(None, &s, &[]);
    assert_eq!((first.version, first.new_version), (1, true));
    let mut renamed = s.clone();
    renamed.id = "appraisal-2027".into();
    let other = plan_publish(Some(&s), &renamed, &[(1, 12)]);
    assert!(!other.needs_confirmation);
    assert!(other.explanation.zh.contains("appraisal-2027"));
}

// ------------------------------------------------------------------------------------------------
// The stored draft

#[test]
fn a_draft_survives_being_stored_and_read_back() {
    let mut d = draft(Template::EveningMeeting);
    d.add_section();
    d.add_question(4, Kind::Score).unwrap();
    let stored = encode_draft(&d);
    assert!(stored.contains(DRAFT_FORMAT));
    assert_eq!(decode_draft(&stored), Ok(d.clone()));
    // A draft that is not yet a valid survey is stored all the same.
    let mut blank = Draft::new(Template::Empty);
    blank.survey.title.zh.clear();
    assert_eq!(decode_draft(&encode_draft(&blank)), Ok(blank));
}

#[test]
fn a_damaged_draft_gives_a_clear_error() {
    let good: serde_json::Value =
        serde_json::from_str(&encode_draft(&draft(Template::Satisfaction))).unwrap();
    let with = |key: &str, v: serde_json::Value| {
        let mut x = good.clone();
        x[key] = v;
        x.to_string()
    };
    let cases = [
        (
            "{\"format\": \"pingyi-draft/1\", \"surv",
            "draft_not_json",
            "$",
        ),
        ("[1, 2]", "draft_not_draft", "$.format"),
        ("{\"format\": \"pingyi/1\"}", "draft_not_draft", "$.format"),
        (
            &with("template", "nope".into()),
            "draft_unknown_template",
            "$.template",
        ),
        (&with("template", 3.into()), "draft_bad_field", "$.template"),
        (
            &with("revision", "x".into()),
            "draft_bad_field",
            "$.revision",
        ),
        (
            &with("survey", serde_json::json!({"id": 1})),
            "draft_bad_field",
            "$.survey",
        ),
    ];
    for (text, code, path) in cases {
        let e = decode_draft(text).unwrap_err();
        assert_eq!((e.code.as_str(), e.path.as_str()), (code, path), "{text}");
        assert!(!e.zh.is_empty() && !e.en.is_empty());
    }
    let e = decode_draft("").unwrap_err();
    assert!(e.zh.starts_with("保存的草稿已损坏"), "{}", e.zh);
}

// ------------------------------------------------------------------------------------------------
// Words

#[test]
fn builder_sources_hold_no_chinese_literals() {
    fn is_cjk(c: char) -> bool {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
            | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builder");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let source = source.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code.chars().any(is_cjk),
                "{}:{}: words belong in i18n::BuilderKey: {line}",
                path.display(),
                i + 1
            );
        }
        files += 1;
    }
    assert!(files >= 5);
}

// ------------------------------------------------------------------------------------------------
// Properties

#[derive(Clone, Debug)]
enum Op {
    AddSection,
    RemoveSection(usize),
    MoveSection(usize, usize),
    StepSection(usize, bool),
    AddQuestion(usize, usize),
    RemoveQuestion(usize, usize),
    MoveQuestion(usize, usize, usize, usize),
    StepQuestion(usize, usize, bool),
    AddEntry(usize, usize, usize),
    RemoveEntry(usize, usize, usize, usize),
    MoveEntry(usize, usize, usize, usize, usize),
    Paste(usize, usize, usize, Vec<String>, bool),
}

const LISTS: [EntryList; 4] = [
    EntryList::Options,
    EntryList::Subjects,
    EntryList::Items,
    EntryList::Criteria,
];

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..6;
    prop_oneof![
        Just(Op::AddSection),
        i().prop_map(Op::RemoveSection),
        (i(), i()).prop_map(|(a, b)| Op::MoveSection(a, b)),
        (i(), any::<bool>()).prop_map(|(a, b)| Op::StepSection(a, b)),
        (i(), 0usize..6).prop_map(|(a, k)| Op::AddQuestion(a, k)),
        (i(), i()).prop_map(|(a, b)| Op::RemoveQuestion(a, b)),
        (i(), i(), i(), i()).prop_map(|(a, b, c, d)| Op::MoveQuestion(a, b, c, d)),
        (i(), i(), any::<bool>()).prop_map(|(a, b, c)| Op::StepQuestion(a, b, c)),
        (i(), i(), 0usize..4).prop_map(|(a, b, l)| Op::AddEntry(a, b, l)),
        (i(), i(), 0usize..4, i()).prop_map(|(a, b, l, e)| Op::RemoveEntry(a, b, l, e)),
        (i(), i(), 0usize..4, i(), i()).prop_map(|(a, b, l, e, t)| Op::MoveEntry(a, b, l, e, t)),
        (
            i(),
            i(),
            0usize..4,
            prop::collection::vec("[a-c候选 ]{0,3}", 0..5),
            any::<bool>()
        )
            .prop_map(|(a, b, l, rows, replace)| Op::Paste(a, b, l, rows, replace)),
    ]
}

fn step(up: bool) -> Step {
    if up {
        Step::Up
    } else {
        Step::Down
    }
}

/// Applies one operation; returns whether it succeeded.
fn apply(d: &mut Draft, op: &Op) -> bool {
    match op.clone() {
        Op::AddSection => {
            d.add_section();
            true
        }
        Op::RemoveSection(s) => d.remove_section(s).is_ok(),
        Op::MoveSection(a, b) => d.move_section(a, b).is_ok(),
        Op::StepSection(a, up) => d.step_section(a, step(up)).is_ok(),
        Op::AddQuestion(s, k) => d.add_question(s, Kind::ALL[k]).is_ok(),
        Op::RemoveQuestion(s, q) => d.remove_question(at(s, q)).is_ok(),
        Op::MoveQuestion(a, b, c, e) => d.move_question(at(a, b), at(c, e)).is_ok(),
        Op::StepQuestion(a, b, up) => d.step_question(at(a, b), step(up)).is_ok(),
        Op::AddEntry(s, q, l) => d.add_entry(at(s, q), LISTS[l]).is_ok(),
        Op::RemoveEntry(s, q, l, e) => d
            .remove_entry(EntryAt {
                question: at(s, q),
                list: LISTS[l],
                entry: e,
            })
            .is_ok(),
        Op::MoveEntry(s, q, l, e, t) => d
            .move_entry(
                EntryAt {
                    question: at(s, q),
                    list: LISTS[l],
                    entry: e,
                },
                t,
            )
            .is_ok(),
        Op::Paste(s, q, l, rows, replace) => {
            let p = parse_paste(&rows.join("\n"));
            let mode = if replace {
                PasteMode::Replace
            } else {
                PasteMode::Append
            };
            d.paste_rows(at(s, q), LISTS[l], &p.rows, mode).is_ok()
        }
    }
}

fn ids_are_unique(d: &Draft) -> Result<(), String> {
    let s = &d.survey;
    if !all_distinct(&question_ids(s)) {
        return Err(format!("question ids {:?}", question_ids(s)));
    }
    let sections: Vec<String> = s.sections.iter().map(|x| x.id.clone()).collect();
    if !all_distinct(&sections) {
        return Err(format!("section ids {sections:?}"));
    }
    for (si, section) in s.sections.iter().enumerate() {
        for qi in 0..section.questions.len() {
            for list in LISTS {
                if let Ok(ids) = d.entry_ids(at(si, qi), list) {
                    if !all_distinct(&ids) {
                        return Err(format!("{list:?} ids {ids:?}"));
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_edits_keep_ids_unique_and_a_refused_edit_changes_nothing(
        template in 0usize..5,
        ops in prop::collection::vec(op(), 0..40),
    ) {
        let t = TEMPLATES[template].template;
        let mut d = Draft::new(t);
        for op in &ops {
            let before = d.clone();
            let ok = apply(&mut d, op);
            if !ok {
                prop_assert_eq!(&d, &before, "{:?}", op);
            }
            if let Err(e) = ids_are_unique(&d) {
                prop_assert!(false, "{:?} after {:?}", e, op);
            }
        }
        // No reference to a removed question or option is left behind.
        for p in validate_survey(&d.survey) {
            prop_assert!(p.code != "condition_unknown_question" && p.code != "condition_unknown_answer"
                && p.code != "grade_unknown_option", "{:?}", p);
        }
        // And whatever the edits, the draft is stored and read back whole.
        prop_assert_eq!(decode_draft(&encode_draft(&d)), Ok(d));
    }

    #[test]
    fn pasting_reports_every_row_once(
        rows in prop::collection::vec("[ \u{3000}，a-c王李]{0,4}", 0..30),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let mut text = rows.join(if crlf { "\r\n" } else { "\n" });
        if final_newline && !rows.is_empty() {
            text.push_str(if crlf { "\r\n" } else { "\n" });
        }
        if bom {
            text.insert(0, '\u{feff}');
        }
        let p = parse_paste(&text);
        // Without a final line break, an empty last line is only the end of the text.
        let mut lines: &[String] = &rows;
        if !final_newline && rows.last().is_some_and(|r| r.is_empty()) {
            lines = &rows[..rows.len() - 1];
        }
        let trimmed: Vec<String> = lines
            .iter()
            .map(|r| r.trim_matches(|c: char| c.is_whitespace() || c == '，').to_string())
            .collect();
        // The rows: each distinct non-empty label once, at its first line; every other line is
        // one problem.
        let mut expected: Vec<(usize, String)> = Vec::new();
        let mut problems = 0;
        for (i, label) in trimmed.iter().enumerate() {
            if label.is_empty() || expected.iter().any(|(_, l)| l == label) {
                problems += 1;
            } else {
                expected.push((i + 1, label.clone()));
            }
        }
        let got: Vec<(usize, String)> = p.rows.iter().map(|r| (r.line, r.label.clone())).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(p.problems.len(), problems, "{:?}", p.problems);
    }

    #[test]
    fn pasting_any_text_never_panics(text in "(?s).{0,200}") {
        let p = parse_paste(&text);
        for r in &p.rows {
            prop_assert!(!r.label.is_empty());
        }
    }

    #[test]
    fn reading_any_stored_text_never_panics(text in "(?s).{0,200}") {
        let _ = decode_draft(&text);
    }
}

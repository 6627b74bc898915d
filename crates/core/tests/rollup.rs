//! Roll-ups (`pingyi-rollup/1`): golden files for the JSON and the CSV (each made from the
//! `rollup-*.tally.json` reports beside them, themselves made from generated ballots), and the
//! rules: N copies of a unit's count give N × its counts, totals come from sums, the order of the
//! reports does not matter, other templates and double-counted units are refused with the
//! difference named. Regenerate the golden files with
//! `UPDATE_GOLDEN=1 cargo test -p pingyi-core --test rollup`.

#[path = "golden/generate.rs"]
mod generate;

use pingyi_core::export::{tally_report, TallyReport};
use pingyi_core::rollup::{
    problem_code, rollup, rollup_csv, rollup_files, Figures, Rollup, ROLLUP_FORMAT,
};
use pingyi_core::survey::QuestionBody;
use pingyi_core::tally::Ratio;
use pingyi_core::{parse_survey, Survey};
use proptest::prelude::*;

const GENERATED_AT: &str = "2026-12-05T08:00:00.000Z";

fn golden_dir() -> String {
    format!("{}/tests/golden", env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> Survey {
    let path = format!("{}/../../examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    parse_survey(&text).unwrap()
}

/// Compare with the golden file, or write it under UPDATE_GOLDEN.
fn check(file: &str, actual: &[u8]) {
    let path = format!("{}/{file}", golden_dir());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}; run with UPDATE_GOLDEN=1"));
    if expected != actual {
        let (e, a) = (
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual),
        );
        let line = e
            .lines()
            .zip(a.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "tests/golden/{file} differs at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             If intended: UPDATE_GOLDEN=1 cargo test -p pingyi-core --test rollup",
            line + 1,
            e.lines().nth(line).unwrap_or(""),
            a.lines().nth(line).unwrap_or("")
        );
    }
}

/// The template run by another unit: its own id, unit, title and eligible count.
fn unit_copy(base: &Survey, n: usize, unit: &str, eligible: Option<u32>) -> Survey {
    let mut s = base.clone();
    s.id = format!("{}-u{n}", base.id);
    s.unit = unit.to_string();
    s.eligible = eligible;
    s.title.zh = format!("{}（{unit}）", base.title.zh);
    s
}

/// The reports of three units of one template, from generated ballots.
fn reports(name: &str, seed: u64) -> Vec<TallyReport> {
    let base = example(name);
    let units = [
        ("崇阳县青山村", Some(40), 31usize),
        ("崇阳县白石湾", Some(25), 12),
        ("崇阳县东门小区", None, 20),
    ];
    units
        .iter()
        .enumerate()
        .map(|(i, (unit, eligible, n))| {
            let s = unit_copy(&base, i + 1, unit, *eligible);
            let ballots = generate::ballots(&s, seed + i as u64, *n);
            tally_report(&s, &ballots, GENERATED_AT)
        })
        .collect()
}

fn golden_case(name: &str, seed: u64) {
    let reports = reports(name, seed);
    for (i, r) in reports.iter().enumerate() {
        check(
            &format!("rollup-{name}-{}.tally.json", i + 1),
            r.to_json_pretty().as_bytes(),
        );
    }
    let r = rollup(&reports).unwrap();
    check(
        &format!("rollup-{name}.rollup.json"),
        r.to_json_pretty().as_bytes(),
    );
    let zh = rollup_csv(&r, "zh");
    assert!(zh.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    check(&format!("rollup-{name}.csv"), zh.as_bytes());
    check(
        &format!("rollup-{name}.en.csv"),
        rollup_csv(&r, "en").as_bytes(),
    );
}

#[test]
fn golden_satisfaction() {
    golden_case("satisfaction", 7001);
}

#[test]
fn golden_evening_meeting() {
    golden_case("evening-meeting", 7101);
}

#[test]
fn rows_are_sorted_by_unit_and_totals_come_from_sums() {
    let reports = reports("satisfaction", 7001);
    let r = rollup(&reports).unwrap();
    assert_eq!(r.format, ROLLUP_FORMAT);
    let units: Vec<&str> = r.rows.iter().map(|x| x.unit.as_str()).collect();
    let mut sorted = units.clone();
    sorted.sort();
    assert_eq!(units, sorted);
    let t = &r.totals;
    assert_eq!(t.units, 3);
    assert_eq!(t.ballots, 31 + 12 + 20);
    assert_eq!(t.eligible, Some(65));
    assert_eq!(t.units_without_eligible, 1);
    // From the sums of the units with an eligible count, not an average of their rates.
    assert_eq!(t.rate, Some(Ratio::new(43, 65)));
    let average = (31.0 / 40.0 + 12.0 / 25.0) / 2.0;
    assert!(
        (43.0 / 65.0 - average) > 0.01,
        "the test tells the two apart"
    );
    // Satisfaction from the counts behind each unit's rate.
    for (qi, q) in t.questions.iter().enumerate() {
        let Figures::Scale { subjects } = &q.figures else {
            continue;
        };
        for (si, s) in subjects.iter().enumerate() {
            let mut num = 0i128;
            let mut valid = 0u64;
            for r in &reports {
                let pingyi_core::tally::KindTally::Scale { subjects } =
                    &r.tally.questions[qi].result
                else {
                    panic!()
                };
                let x = &subjects[si];
                num += x.options[..2].iter().map(|o| o.count as i128).sum::<i128>();
                valid += x.valid;
            }
            assert_eq!(s.valid, valid);
            assert_eq!(
                s.satisfaction_rate,
                Some(Ratio::reduced(num, valid as i128))
            );
        }
    }
}

#[test]
fn another_template_is_refused_naming_the_report_and_the_difference() {
    let mut reports = reports("satisfaction", 7001);
    // The third unit's survey has an approval vote where the others have a scale.
    let base = example("satisfaction");
    let mut other = unit_copy(&base, 9, "崇阳县西岭村", Some(30));
    let q = &mut other.sections[0].questions[0];
    q.body = QuestionBody::Approve(serde_json::from_str("{}").unwrap());
    reports.push(tally_report(&other, &[], GENERATED_AT));
    let problems = rollup(&reports).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert_eq!(p.code, problem_code::TEMPLATE_MISMATCH);
    assert_eq!(p.path, "$[3].tally.questions[0].kind");
    assert!(
        p.zh.contains("崇阳县西岭村") && p.zh.contains("approve"),
        "{}",
        p.zh
    );
    assert!(
        p.en.contains("$[3]") && p.en.contains("\"scale\""),
        "{}",
        p.en
    );

    // With file names, the path is within the file and the message names the file.
    let files: Vec<(String, TallyReport)> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("unit-{i}.json"), r.clone()))
        .collect();
    let p = &rollup_files(&files).unwrap_err()[0];
    assert_eq!(p.path, "$.tally.questions[0].kind");
    assert!(
        p.en.contains("unit-3.json") && p.zh.contains("unit-0.json"),
        "{}",
        p.en
    );
}

#[test]
fn a_missing_option_is_named_at_its_path() {
    let mut reports = reports("satisfaction", 7001);
    let pingyi_core::tally::KindTally::Scale { subjects } =
        &mut reports[1].tally.questions[1].result
    else {
        panic!()
    };
    subjects[0].options.pop();
    let p = &rollup(&reports).unwrap_err()[0];
    assert_eq!(p.code, problem_code::TEMPLATE_MISMATCH);
    assert!(
        p.path
            .starts_with("$[1].tally.questions[1].subjects[0].options"),
        "{}",
        p.path
    );
}

#[test]
fn titles_units_and_eligible_counts_are_not_the_template() {
    let reports = reports("evening-meeting", 7101);
    let mut renamed = reports.clone();
    renamed[2].tally.questions[0].title.zh = "另一种说法".into();
    renamed[2].survey_title.zh = "别的标题".into();
    assert!(rollup(&renamed).is_ok());
    assert_eq!(
        rollup(&renamed).unwrap().template_hash,
        rollup(&reports).unwrap().template_hash
    );
}

#[test]
fn the_same_unit_twice_is_refused_unless_identical() {
    let reports = reports("satisfaction", 7001);
    // An identical copy, made later: counted once, with a note.
    let mut copy = reports[0].clone();
    copy.generated_at = "2026-12-06T08:00:00.000Z".into();
    let mut with_copy = reports.clone();
    with_copy.push(copy);
    let r = rollup(&with_copy).unwrap();
    assert_eq!(r.rows.len(), 3);
    assert_eq!(r.totals.ballots, 63);
    assert_eq!(r.notes.len(), 1);
    assert!(r.notes[0].zh.contains("相同的副本"));

    // Another count for the same unit: refused, naming both.
    let base = example("satisfaction");
    let s = unit_copy(&base, 1, "崇阳县青山村", Some(40));
    let other = tally_report(&s, &generate::ballots(&s, 1, 5), GENERATED_AT);
    let mut twice = reports.clone();
    twice.push(other);
    let problems = rollup(&twice).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].code, problem_code::DUPLICATE_UNIT);
    assert_eq!(problems[0].path, "$[3].unit");
    assert!(problems[0].zh.contains("$[0]") && problems[0].zh.contains("崇阳县青山村"));
}

#[test]
fn empty_and_foreign_input_is_refused() {
    assert_eq!(rollup(&[]).unwrap_err()[0].code, problem_code::EMPTY);
    let mut reports = reports("satisfaction", 7001);
    reports[2].format = "pingyi-ballots/1".into();
    let p = &rollup(&reports).unwrap_err()[0];
    assert_eq!(p.code, problem_code::NOT_A_REPORT);
    assert_eq!(p.path, "$[2].format");
}

fn counts(r: &Rollup) -> Vec<u64> {
    let mut out = vec![r.totals.ballots, r.totals.eligible.unwrap_or(0)];
    for q in &r.totals.questions {
        out.push(q.answered);
        match &q.figures {
            Figures::Scale { subjects } => {
                out.extend(subjects.iter().flat_map(|s| [s.total, s.valid]))
            }
            Figures::Choose { top } => out.extend(top.iter().map(|t| t.count)),
            Figures::Notice { items } => {
                out.extend(items.iter().flat_map(|i| [i.no_objection, i.objection]))
            }
            Figures::Approve(a) => out.extend([a.for_count, a.against, a.abstain, a.base]),
            Figures::Text { count } => out.push(*count),
            Figures::Score { .. } => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// N units with the same count: every summed count is N × the unit's, and the rates are the
    /// unit's rates.
    #[test]
    fn n_copies_give_n_times_the_counts(n in 1usize..6, seed in 0u64..1000, ballots in 0usize..30) {
        let base = example("evening-meeting");
        let s = unit_copy(&base, 0, "甲", Some(50));
        let b = generate::ballots(&s, seed, ballots);
        let one = tally_report(&s, &b, GENERATED_AT);
        let many: Vec<TallyReport> = (0..n)
            .map(|i| {
                let mut r = one.clone();
                r.unit = format!("单位{i}");
                r
            })
            .collect();
        let single = rollup(std::slice::from_ref(&one)).unwrap();
        let rolled = rollup(&many).unwrap();
        let expected: Vec<u64> = counts(&single).iter().map(|c| c * n as u64).collect();
        prop_assert_eq!(counts(&rolled), expected);
        prop_assert_eq!(rolled.totals.rate, single.totals.rate);
        prop_assert_eq!(rolled.rows.len(), n);
    }

    /// Any order of the reports gives the same roll-up, byte for byte.
    #[test]
    fn order_does_not_matter(order in Just((0..3usize).collect::<Vec<_>>()).prop_shuffle()) {
        let reports = reports("evening-meeting", 7101);
        let shuffled: Vec<TallyReport> = order.iter().map(|&i| reports[i].clone()).collect();
        prop_assert_eq!(
            rollup(&shuffled).unwrap().to_json_pretty(),
            rollup(&reports).unwrap().to_json_pretty()
        );
        prop_assert_eq!(
            rollup_csv(&rollup(&shuffled).unwrap(), "zh"),
            rollup_csv(&rollup(&reports).unwrap(), "zh")
        );
    }
}

#[test]
fn a_long_refusal_is_capped() {
    let mut reports = reports("satisfaction", 7001);
    let other = tally_report(&example("evening-meeting"), &[], GENERATED_AT);
    for i in 0..40 {
        let mut r = other.clone();
        r.unit = format!("单位{i}");
        reports.push(r);
    }
    let problems = rollup(&reports).unwrap_err();
    assert_eq!(problems.len(), pingyi_core::rollup::MAX_PROBLEMS + 1);
    assert_eq!(problems.last().unwrap().code, "more_problems");
    assert!(problems.last().unwrap().en.contains("20 more"));
    assert!(
        problems[0]
            .zh
            .contains("$[3].tally.questions[0].question_id"),
        "{}",
        problems[0].zh
    );
}

#[test]
fn a_huge_choose_question_with_huge_seats_costs_little() {
    use pingyi_core::tally::{ChooseTally, KindTally, RankedOption};
    let mut r = tally_report(&example("evening-meeting"), &[], GENERATED_AT);
    let ranking: Vec<RankedOption> = (0..20_000u64)
        .map(|i| RankedOption {
            option_id: format!("o{i}"),
            label: pingyi_core::Text::zh("x"),
            count: i % 7,
            share_of_answered: Ratio::new(0, 0),
            rank: 1,
            tied: true,
        })
        .collect();
    r.tally.questions[0].result = KindTally::Choose(ChooseTally {
        ranking,
        seats: Some(u32::MAX),
        elected: Vec::new(),
        tied_at_last_seat: Vec::new(),
    });
    let mut other = r.clone();
    other.unit = "另一个单位".into();
    let started = std::time::Instant::now();
    let rolled = rollup(&[r, other]).unwrap();
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    let Figures::Choose { top } = &rolled.totals.questions[0].figures else {
        panic!()
    };
    assert_eq!(top.len(), 20_000);
    assert_eq!(top[0].count, 12);
}

//! `pingyi`: the command-line tally for officials (一套表).
//!
//! ```text
//! pingyi tally <survey.json> <ballots.json>... [--format json|csv] [--lang zh|en] [--out FILE] [--generated-at TIME]
//! pingyi validate <survey.json>
//! pingyi merge <a.json> <b.json>... [--out merged.json]
//! pingyi verify <survey.json> <final.json> <ballots.json>... [--paper totals.json]
//! pingyi rollup <report.json>... [--format json|csv] [--lang zh|en] [--out FILE]
//! ```
//!
//! Counting, merging and the file formats all come from `pingyi-core`, so the result is the same
//! as on the phone and at the collector. Exit codes: 0 success (possibly with warnings on
//! stderr), 2 bad arguments or unusable input (unreadable files, an invalid survey), 1 the output
//! could not be written (`verify`: 1 the published tally does not match). See
//! `docs/tally-format.md` and `docs/results.md`.

mod input;

use std::io::Write;
use std::process::ExitCode;

use pingyi_core::export::TALLY_FORMAT;
use pingyi_core::export::{tally_csv, tally_report, TallyReport, BALLOTS_FORMAT};
use pingyi_core::merge::{merge, MergeResult};
use pingyi_core::paper::{validate_paper_totals, PaperTotals};
use pingyi_core::time::{format_rfc3339_millis, is_rfc3339, UtcTime};
use pingyi_core::verify::{content_hash, verify_final, Outcome};
use pingyi_core::{validate_ballot, Ballot, Problem, Survey};

use input::{read_ballots, read_survey, read_text, SurveyError};

const USAGE: &str = "\
pingyi: Pingyi (评议) command-line tool

Usage:
  pingyi tally <survey.json> <ballots.json>... [--format json|csv] [--lang zh|en] [--out FILE] [--generated-at TIME]
      Count the ballots (several files are merged) and write the tally report (JSON, default)
      or the CSV for Excel. TIME is RFC 3339; default now.
  pingyi validate <survey.json>
      Print every problem in the survey file (Chinese and English), or OK.
  pingyi merge <a.json> <b.json>... [--out merged.json]
      Merge ballot files from several devices into one JSON array of ballots.
  pingyi verify <survey.json> <final.json> <ballots.json>... [--paper totals.json]
      Recount a published final tally (the collector's GET .../final) from the ballots (the
      officials' export or the full ballots) and the paper totals, and say MATCH (exit 0) or
      MISMATCH (exit 1) with the parts that differ.
  pingyi rollup <report.json>... [--format json|csv] [--lang zh|en] [--out FILE]
      Put the tally reports (pingyi-tally/1) of many villages or compounds run with the same
      survey template side by side: one row per unit and a totals row (pingyi-rollup/1 JSON,
      default, or the CSV for Excel). Other templates or one unit twice: the problems, exit 2.

Ballot files: a raw export (pingyi-ballots/1), a JSON array of ballots, an object with
\"ballots\", or NDJSON. Exit codes: 0 done (warnings on stderr), 2 bad input, 1 cannot write.
";

/// A failure that ends the program with an exit code after printing its message.
struct Fail {
    code: u8,
    message: String,
}

fn usage_error(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: format!("error: {}\n\n{USAGE}", message.into()),
    }
}

fn input_error(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: format!("error: {}", message.into()),
    }
}

/// Parsed command-line options shared by the commands.
#[derive(Default)]
struct Options {
    files: Vec<String>,
    format: Option<String>,
    lang: Option<String>,
    out: Option<String>,
    generated_at: Option<String>,
    paper: Option<String>,
}

/// Split arguments into files and `--name value` (or `--name=value`) options.
fn parse_options(args: &[String], allowed: &[&str]) -> Result<Options, Fail> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if let Some(flag) = arg.strip_prefix("--") {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            if !allowed.contains(&name) {
                return Err(usage_error(format!("unknown option --{name}")));
            }
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| usage_error(format!("--{name} needs a value")))?
                }
            };
            let slot = match name {
                "format" => &mut o.format,
                "lang" => &mut o.lang,
                "out" => &mut o.out,
                "paper" => &mut o.paper,
                _ => &mut o.generated_at,
            };
            if slot.replace(value).is_some() {
                return Err(usage_error(format!("--{name} given twice")));
            }
        } else if arg.starts_with('-') && arg.len() > 1 {
            return Err(usage_error(format!("unknown option {arg}")));
        } else {
            o.files.push(arg.clone());
        }
        i += 1;
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("{}", f.message.trim_end());
            }
            ExitCode::from(f.code)
        }
    }
}

fn run(args: &[String]) -> Result<(), Fail> {
    let Some((command, rest)) = args.split_first() else {
        return Err(usage_error("no command given"));
    };
    match command.as_str() {
        "tally" => tally_command(rest),
        "validate" => validate_command(rest),
        "merge" => merge_command(rest),
        "verify" => verify_command(rest),
        "rollup" => rollup_command(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        "--version" | "-V" => {
            println!("pingyi {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        other => Err(usage_error(format!("unknown command {other:?}"))),
    }
}

/// One problem as a line: where, the code, and the message in both languages.
fn problem_line(p: &Problem) -> String {
    format!("{} [{}] {} / {}", p.path, p.code, p.zh, p.en)
}

fn load_survey(path: &str) -> Result<Survey, Fail> {
    read_survey(path).map_err(|e| match e {
        SurveyError::Unreadable(m) => input_error(m),
        SurveyError::Invalid(problems) => {
            let mut m = format!(
                "{path}: the survey has {} problem(s) / 问卷有 {} 处问题:",
                problems.len(),
                problems.len()
            );
            for p in &problems {
                m.push_str("\n  ");
                m.push_str(&problem_line(p));
            }
            input_error(m)
        }
    })
}

/// Read and merge ballot files, printing conflicts and duplicates to stderr.
fn load_and_merge(files: &[String]) -> Result<MergeResult, Fail> {
    let mut exports = Vec::with_capacity(files.len());
    for f in files {
        exports.push(read_ballots(f).map_err(input_error)?);
    }
    let merged = merge(&exports);
    if merged.duplicates > 0 {
        eprintln!(
            "note: {} identical copies of ballots were merged / 合并了 {} 张重复选票",
            merged.duplicates, merged.duplicates
        );
    }
    for c in &merged.conflicts {
        let sources: Vec<&str> = c
            .sources
            .iter()
            .filter_map(|i| files.get(*i).map(String::as_str))
            .collect();
        eprintln!(
            "warning: ballot {} has different contents in {} ({} versions); it is NOT counted / \
             选票 {} 在不同文件中内容不一致，未计票",
            c.id,
            sources.join(", "),
            c.hashes.len(),
            c.id
        );
    }
    if !merged.conflicts.is_empty() {
        eprintln!(
            "warning: {} conflicting ballot(s) left out; check them before filing the tally / 有 {} 张冲突选票未计，请核查",
            merged.conflicts.len(),
            merged.conflicts.len()
        );
    }
    Ok(merged)
}

fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let unix_seconds = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    format_rfc3339_millis(UtcTime {
        unix_seconds,
        nanos: now.subsec_nanos(),
    })
}

fn write_output(out: Option<&str>, text: &str) -> Result<(), Fail> {
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| Fail {
            code: 1,
            message: format!("error: cannot write {path}: {e}"),
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| Fail {
                    code: 1,
                    message: format!("error: cannot write to standard output: {e}"),
                })
        }
    }
}

/// Warn about ballots that are for another survey or version, or that fail validation (their
/// uncountable answers are skipped by the tally).
fn warn_about_ballots(survey: &Survey, ballots: &[Ballot], lang: &str) {
    let other = ballots
        .iter()
        .filter(|b| b.survey_id != survey.id || b.survey_version != survey.version)
        .count();
    if other > 0 {
        eprintln!(
            "warning: {other} ballot(s) are for another survey or version and are not counted / {other} 张选票属于其他问卷或版本，未计票"
        );
    }
    let mut invalid = 0usize;
    for b in ballots
        .iter()
        .filter(|b| b.survey_id == survey.id && b.survey_version == survey.version)
    {
        if let Err(problems) = validate_ballot(survey, b) {
            invalid += 1;
            if invalid <= 5 {
                for p in &problems {
                    eprintln!(
                        "warning: ballot {}: {} [{}] {}",
                        b.id,
                        p.path,
                        p.code,
                        p.message(lang)
                    );
                }
            }
        }
    }
    if invalid > 0 {
        eprintln!(
            "warning: {invalid} ballot(s) have problems; answers that cannot be counted are skipped / {invalid} 张选票有问题，无法计入的答案已跳过"
        );
    }
}

fn tally_command(args: &[String]) -> Result<(), Fail> {
    let o = parse_options(args, &["format", "lang", "out", "generated-at"])?;
    let Some((survey_path, ballot_files)) = o.files.split_first() else {
        return Err(usage_error(
            "tally needs a survey file and at least one ballot file",
        ));
    };
    if ballot_files.is_empty() {
        return Err(usage_error(
            "tally needs at least one ballot file after the survey",
        ));
    }
    let format = o.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(usage_error(format!(
            "--format must be json or csv, not {format:?}"
        )));
    }
    let lang = o.lang.as_deref().unwrap_or("zh");
    if !matches!(lang, "zh" | "en") {
        return Err(usage_error(format!(
            "--lang must be zh or en, not {lang:?}"
        )));
    }
    let generated_at = match o.generated_at {
        Some(t) if is_rfc3339(&t) => t,
        Some(t) => {
            return Err(usage_error(format!(
                "--generated-at {t:?} is not an RFC 3339 time, e.g. 2026-12-05T08:00:00Z"
            )))
        }
        None => now_rfc3339(),
    };
    let survey = load_survey(survey_path)?;
    let merged = load_and_merge(ballot_files)?;
    warn_about_ballots(&survey, &merged.ballots, lang);
    let mut report = tally_report(&survey, &merged.ballots, &generated_at);
    report.excluded_conflicts = merged.conflict_ids();
    if report.tally.participation.over_eligible {
        eprintln!(
            "warning: {} ballots but only {} eligible: check for integrity problems / 参与票数超过应到人数，请核查",
            report.tally.participation.ballots,
            report.tally.participation.eligible.unwrap_or(0)
        );
    }
    let text = if format == "csv" {
        tally_csv(&survey, &report.tally, lang)
    } else {
        report.to_json_pretty()
    };
    write_output(o.out.as_deref(), &text)
}

fn validate_command(args: &[String]) -> Result<(), Fail> {
    let o = parse_options(args, &[])?;
    let [path] = o.files.as_slice() else {
        return Err(usage_error("validate needs exactly one survey file"));
    };
    match read_survey(path) {
        Ok(_) => {
            println!("OK");
            Ok(())
        }
        Err(SurveyError::Unreadable(m)) => Err(input_error(m)),
        Err(SurveyError::Invalid(problems)) => {
            // The problems are the command's output: print them to stdout, then fail.
            for p in &problems {
                println!("{}", problem_line(p));
            }
            Err(Fail {
                code: 2,
                message: format!(
                    "{path}: {} problem(s) / {} 处问题",
                    problems.len(),
                    problems.len()
                ),
            })
        }
    }
}

fn merge_command(args: &[String]) -> Result<(), Fail> {
    let o = parse_options(args, &["out"])?;
    if o.files.is_empty() {
        return Err(usage_error("merge needs at least one ballot file"));
    }
    let merged = load_and_merge(&o.files)?;
    let mut text = serde_json::to_string_pretty(&merged.ballots).map_err(|e| Fail {
        code: 1,
        message: format!("error: cannot write the ballots: {e}"),
    })?;
    text.push('\n');
    write_output(o.out.as_deref(), &text)?;
    eprintln!(
        "merged {} ballot(s) from {} file(s) / 合并得到 {} 张选票",
        merged.ballots.len(),
        o.files.len(),
        merged.ballots.len()
    );
    Ok(())
}

/// Read a JSON file as a value, or fail naming the file.
fn read_json(path: &str) -> Result<serde_json::Value, Fail> {
    let text = read_text(path).map_err(input_error)?;
    serde_json::from_str(&text).map_err(|e| input_error(format!("{path}: not JSON: {e}")))
}

/// The published final tally: the collector's `GET …/final` body (`content_hash` and `report`),
/// or a bare `pingyi-tally/1` report (then only the recount is compared, not a published hash).
fn load_final(path: &str) -> Result<(TallyReport, String), Fail> {
    let v = read_json(path)?;
    let (report, hash) = match (v.get("report"), v.get("content_hash")) {
        (Some(r), Some(h)) => (r.clone(), h.as_str().map(str::to_string)),
        _ => (v, None),
    };
    let report: TallyReport = serde_json::from_value(report).map_err(|e| {
        input_error(format!(
            "{path}: not a final tally (GET .../final) or a tally report: {e}"
        ))
    })?;
    let hash = hash.unwrap_or_else(|| content_hash(&report));
    Ok((report, hash))
}

/// Paper totals: a JSON array of totals, or the collector's `{"totals": [...]}`.
fn load_paper(path: &str, survey: &Survey) -> Result<Vec<PaperTotals>, Fail> {
    let v = read_json(path)?;
    let list = v.get("totals").cloned().unwrap_or(v);
    let totals: Vec<PaperTotals> = serde_json::from_value(list)
        .map_err(|e| input_error(format!("{path}: not paper totals: {e}")))?;
    if let Err(problems) = validate_paper_totals(survey, &totals) {
        let lines: Vec<String> = problems.iter().map(problem_line).collect();
        return Err(input_error(format!(
            "{path}: the paper totals have problems / 纸质票汇总有问题:\n  {}",
            lines.join("\n  ")
        )));
    }
    Ok(totals)
}

fn verify_command(args: &[String]) -> Result<(), Fail> {
    let o = parse_options(args, &["paper"])?;
    let [survey_path, final_path, ballot_files @ ..] = o.files.as_slice() else {
        return Err(usage_error(
            "verify needs a survey file, the final tally and at least one ballot file",
        ));
    };
    if ballot_files.is_empty() {
        return Err(usage_error(
            "verify needs at least one ballot file after the final tally",
        ));
    }
    let survey = load_survey(survey_path)?;
    let (published, published_hash) = load_final(final_path)?;
    let totals = match &o.paper {
        Some(p) => load_paper(p, &survey)?,
        None => Vec::new(),
    };
    // The officials' export (pingyi-ballots/1) of an anonymous survey is anonymised.
    let mut anonymised = false;
    for f in ballot_files {
        let v = read_json(f).ok();
        let format = v
            .as_ref()
            .and_then(|v| v.get("format"))
            .and_then(|f| f.as_str());
        anonymised |= survey.anonymous && format == Some(BALLOTS_FORMAT);
    }
    let merged = load_and_merge(ballot_files)?;
    let v = verify_final(
        &survey,
        &published,
        &published_hash,
        &merged.ballots,
        &totals,
        anonymised,
    );
    for p in &v.parts {
        match &p.outcome {
            Outcome::Match => println!("MATCH        {}", p.part),
            Outcome::Mismatch {
                published,
                recomputed,
            } => {
                println!("MISMATCH     {}", p.part);
                println!("  published:  {published}");
                println!("  recomputed: {recomputed}");
            }
            Outcome::NotChecked { zh, en } => {
                println!("NOT CHECKED  {}: {en} / {zh}", p.part)
            }
        }
    }
    println!("content hash published:             {}", v.published_hash);
    if v.published_report_hash != v.published_hash {
        println!(
            "content hash of the published report: {} (the report was changed after it was hashed / 报告在计算摘要后被改动过)",
            v.published_report_hash
        );
    }
    println!("content hash recomputed:            {}", v.recomputed_hash);
    if v.matches() {
        println!("MATCH: the published tally is the count of these ballots / 核对一致：公布的结果与这些选票的计票结果相同");
        Ok(())
    } else {
        println!("MISMATCH: the published tally is NOT the count of these ballots / 核对不一致：公布的结果与这些选票的计票结果不同");
        Err(Fail {
            code: 1,
            message: String::new(),
        })
    }
}

/// A tally report file: a bare `pingyi-tally/1` report, or the collector's `GET …/final` body
/// (`report` inside). A file of another format is refused naming its format.
fn load_report(path: &str) -> Result<TallyReport, Fail> {
    let v = read_json(path)?;
    let v = match v.get("report") {
        Some(r) if v.get("content_hash").is_some() => r.clone(),
        _ => v,
    };
    match v.get("format").and_then(|f| f.as_str()) {
        Some(TALLY_FORMAT) => {}
        other => {
            return Err(input_error(format!(
                "{path}: $.format is {}, expected \"{TALLY_FORMAT}\" (a tally report from `pingyi tally` or \
                 GET .../tally?format=report) / 不是统计报告",
                other.map_or("missing".to_string(), |f| format!("{f:?}"))
            )))
        }
    }
    serde_json::from_value(v)
        .map_err(|e| input_error(format!("{path}: not a tally report / 不是统计报告: {e}")))
}

fn rollup_command(args: &[String]) -> Result<(), Fail> {
    let o = parse_options(args, &["format", "lang", "out"])?;
    if o.files.is_empty() {
        return Err(usage_error("rollup needs at least one tally report"));
    }
    let format = o.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(usage_error(format!(
            "--format must be json or csv, not {format:?}"
        )));
    }
    let lang = o.lang.as_deref().unwrap_or("zh");
    if !matches!(lang, "zh" | "en") {
        return Err(usage_error(format!(
            "--lang must be zh or en, not {lang:?}"
        )));
    }
    let mut files = Vec::with_capacity(o.files.len());
    for f in &o.files {
        files.push((f.clone(), load_report(f)?));
    }
    let rollup = pingyi_core::rollup::rollup_files(&files).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(problem_line).collect();
        input_error(format!(
            "the reports cannot be rolled up / 无法汇总这些报告 ({} problem(s) / {} 处问题):\n  {}",
            problems.len(),
            problems.len(),
            lines.join("\n  ")
        ))
    })?;
    for n in &rollup.notes {
        eprintln!("note: {} / {}", n.get("en"), n.zh);
    }
    let text = if format == "csv" {
        pingyi_core::rollup::rollup_csv(&rollup, lang)
    } else {
        rollup.to_json_pretty()
    };
    write_output(o.out.as_deref(), &text)
}

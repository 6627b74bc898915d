//! Checking a published final tally: recount it from the ballots and compare, part by part.
//!
//! A collector freezes the final tally when voting closes ([`final_report`] at `closed_at`) and
//! publishes it with the SHA-256 of its JSON ([`content_hash`]). Anyone holding the survey file,
//! the ballots (the officials' export or the full-fidelity ballots) and the paper totals can make
//! the same report again and see whether it is the one published: [`verify_final`] says which
//! parts match. `pingyi verify` prints that.
//!
//! From the officials' export of an anonymous survey the receipts cannot be made again (they are
//! hashes of the ballots as cast, before device ids, code hashes and exact times were left out);
//! they are then reported as not checked and the published ones are used for the content hash.
//! Everything counted is in the export, so every other part is checked.

use crate::ballot::{sha256_hex, Ballot};
use crate::export::{tally_report, TallyReport};
use crate::paper::PaperTotals;
use crate::survey::Survey;
use crate::tally::tally_with_paper;

/// The final report exactly as the collector makes it when voting closes: [`tally_report`] with
/// `generated_at` = `closed_at`, whose `tally` is [`tally_with_paper`] over every stored ballot of
/// the survey (all versions) and the paper totals of the counted version.
pub fn final_report(
    survey: &Survey,
    ballots: &[Ballot],
    totals: &[PaperTotals],
    closed_at: &str,
) -> TallyReport {
    let mut report = tally_report(survey, ballots, closed_at);
    report.tally = tally_with_paper(survey, ballots, totals);
    report
}

/// SHA-256 (lowercase hex) of a report's JSON as the collector publishes it
/// (`serde_json::to_string`, no whitespace).
pub fn content_hash(report: &TallyReport) -> String {
    sha256_hex(&serde_json::to_string(report).unwrap_or_default())
}

/// How one part of the report compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Match,
    /// Short JSON of both sides (at most a few hundred characters each).
    Mismatch {
        published: String,
        recomputed: String,
    },
    /// The part cannot be made again from the ballots given; why, in Chinese and English.
    NotChecked {
        zh: String,
        en: String,
    },
}

/// One compared part, named by its place in the report (`tally.participation`,
/// `tally.questions[q3]`, `receipts`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartCheck {
    pub part: String,
    pub outcome: Outcome,
}

/// The result of [`verify_final`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub parts: Vec<PartCheck>,
    /// The content hash published with the report.
    pub published_hash: String,
    /// The content hash of the report as published (its own JSON): equal to `published_hash`
    /// unless the report was changed after it was hashed.
    pub published_report_hash: String,
    /// The content hash of the recounted report.
    pub recomputed_hash: String,
}

impl Verification {
    /// True when every checked part matches and both hashes equal the published one.
    pub fn matches(&self) -> bool {
        self.parts
            .iter()
            .all(|p| !matches!(p.outcome, Outcome::Mismatch { .. }))
            && self.recomputed_hash == self.published_hash
            && self.published_report_hash == self.published_hash
    }
}

/// Short JSON of a value for a mismatch line.
fn short<T: serde::Serialize>(v: &T) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.chars().count() > 300 {
        let mut cut: String = s.chars().take(300).collect();
        cut.push('…');
        cut
    } else {
        s
    }
}

fn compare<T: serde::Serialize + PartialEq>(
    part: &str,
    published: &T,
    recomputed: &T,
) -> PartCheck {
    PartCheck {
        part: part.to_string(),
        outcome: if published == recomputed {
            Outcome::Match
        } else {
            Outcome::Mismatch {
                published: short(published),
                recomputed: short(recomputed),
            }
        },
    }
}

/// Recount `published` (a report frozen with `published_hash`) from `survey`, `ballots` and
/// `totals`, and compare part by part. `anonymised`: the ballots come from the officials' export
/// of an anonymous survey, so the receipts are not checked (see the module documentation).
pub fn verify_final(
    survey: &Survey,
    published: &TallyReport,
    published_hash: &str,
    ballots: &[Ballot],
    totals: &[PaperTotals],
    anonymised: bool,
) -> Verification {
    let mut again = final_report(survey, ballots, totals, &published.generated_at);
    // Conflicts are found while merging device files, which the collector did before storing.
    again.excluded_conflicts = published.excluded_conflicts.clone();
    let mut parts = vec![
        compare("format", &published.format, &again.format),
        compare(
            "survey",
            &(&published.survey_id, published.survey_version),
            &(&again.survey_id, again.survey_version),
        ),
        compare("survey_hash", &published.survey_hash, &again.survey_hash),
        compare("ballots", &published.ballots, &again.ballots),
        compare(
            "ballot_ids_digest",
            &published.ballot_ids_digest,
            &again.ballot_ids_digest,
        ),
    ];
    if anonymised && published.receipts.is_some() {
        again.receipts = published.receipts.clone();
        parts.push(PartCheck {
            part: "receipts".into(),
            outcome: Outcome::NotChecked {
                zh: "匿名导出的选票不含设备编号、选票码摘要和精确时间，无法重算回执码；请用完整选票（GET …/ballots）核对".into(),
                en: "the anonymised export leaves out device ids, code hashes and exact times, so receipts cannot be made again; check them with the full ballots (GET …/ballots)".into(),
            },
        });
    } else {
        parts.push(compare("receipts", &published.receipts, &again.receipts));
    }
    parts.push(compare("notes", &published.notes, &again.notes));
    parts.push(compare(
        "tally.participation",
        &published.tally.participation,
        &again.tally.participation,
    ));
    let n = published
        .tally
        .questions
        .len()
        .max(again.tally.questions.len());
    for i in 0..n {
        let (p, a) = (
            published.tally.questions.get(i),
            again.tally.questions.get(i),
        );
        let id = p.or(a).map(|q| q.question_id.as_str()).unwrap_or("?");
        parts.push(compare(&format!("tally.questions[{id}]"), &p, &a));
    }
    Verification {
        parts,
        published_hash: published_hash.to_string(),
        published_report_hash: content_hash(published),
        recomputed_hash: content_hash(&again),
    }
}

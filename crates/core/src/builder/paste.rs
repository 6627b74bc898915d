//! Pasting a list: text copied from Excel or WPS (tab-separated columns, one row per line), or a
//! CSV file's text (commas, `"quoted"` cells with `""` for a quote and line breaks inside quotes),
//! read into rows of (label, note) for the options, subjects or items of a question.
//!
//! - The text is tab-separated when it holds a tab anywhere, otherwise comma-separated. A
//!   full-width comma (，) never separates: Chinese labels hold them.
//! - Line breaks are `\n`, `\r\n` or `\r`; a UTF-8 BOM at the start is dropped.
//! - Each cell is trimmed of white space (full-width spaces too) and of commas at its ends.
//! - The first column is the label; the other non-empty columns, joined with a space, are the note.
//! - Nothing is dropped silently: an empty row, a row without a label and a repeated label are
//!   each a [`PasteProblem`] with their line numbers (a repeat also names the first line, whose
//!   row is kept). Line numbers count from 1, as an organiser sees them.

use std::collections::BTreeMap;

use super::filled;
use crate::i18n::BuilderKey;

/// One usable row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastedRow {
    /// The line the row starts on (from 1).
    pub line: usize,
    pub label: String,
    pub note: Option<String>,
}

/// Something the organiser should know about the pasted text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasteProblem {
    /// The line concerned (from 1).
    pub line: usize,
    /// For a repeat, the line of the first occurrence (the one kept).
    pub first_line: Option<usize>,
    /// `empty_row`, `no_label`, `duplicate`, `unclosed_quote` or `already_listed`.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl PasteProblem {
    fn new(
        line: usize,
        first_line: Option<usize>,
        code: &'static str,
        key: BuilderKey,
        label: &str,
    ) -> Self {
        let line_s = line.to_string();
        let first_s = first_line.unwrap_or(0).to_string();
        let (zh, en) = filled(
            key,
            &[("line", &line_s), ("first", &first_s), ("label", label)],
        );
        PasteProblem {
            line,
            first_line,
            code,
            zh,
            en,
        }
    }

    /// A row whose label the list already has.
    pub(super) fn already_listed(row: &PastedRow) -> Self {
        PasteProblem::new(
            row.line,
            None,
            "already_listed",
            BuilderKey::PasteAlreadyListed,
            &short(&row.label),
        )
    }

    /// The message in `lang`.
    pub fn message(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// What [`parse_paste`] read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pasted {
    /// The usable rows, each label once, in the order pasted.
    pub rows: Vec<PastedRow>,
    /// Every row that was not used, and why; also an unclosed quote.
    pub problems: Vec<PasteProblem>,
}

/// A label as quoted inside a message: at most 40 characters.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn is_trimmed(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}' || c == ',' || c == '\u{ff0c}'
}

/// One record: its first line and its cells.
struct Record {
    line: usize,
    cells: Vec<String>,
}

/// Splits `text` into records and cells; an unclosed quote is reported with its line.
fn records(text: &str, separator: char) -> (Vec<Record>, Option<usize>) {
    let mut out = Vec::new();
    let mut unclosed = None;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut record = Record {
        line,
        cells: Vec::new(),
    };
    let mut cell = String::new();
    let mut at_cell_start = true;
    // Whether anything (even an empty cell) was read since the last record ended.
    let mut open = false;
    while let Some(c) = chars.next() {
        open = true;
        if at_cell_start && c == '"' {
            at_cell_start = false;
            let quote_line = line;
            let mut closed = false;
            while let Some(q) = chars.next() {
                match q {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\r' => {
                        if chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        line += 1;
                        cell.push('\n');
                    }
                    '\n' => {
                        line += 1;
                        cell.push('\n');
                    }
                    other => cell.push(other),
                }
            }
            if !closed && unclosed.is_none() {
                unclosed = Some(quote_line);
            }
            continue;
        }
        at_cell_start = false;
        match c {
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                record.cells.push(std::mem::take(&mut cell));
                line += 1;
                out.push(std::mem::replace(
                    &mut record,
                    Record {
                        line,
                        cells: Vec::new(),
                    },
                ));
                at_cell_start = true;
                open = false;
            }
            c if c == separator => {
                record.cells.push(std::mem::take(&mut cell));
                at_cell_start = true;
            }
            other => cell.push(other),
        }
    }
    if open {
        record.cells.push(cell);
        out.push(record);
    }
    (out, unclosed)
}

/// Reads pasted text into rows, reporting every row not used.
pub fn parse_paste(text: &str) -> Pasted {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let separator = if text.contains('\t') { '\t' } else { ',' };
    let (records, unclosed) = records(text, separator);
    let mut pasted = Pasted::default();
    if let Some(line) = unclosed {
        pasted.problems.push(PasteProblem::new(
            line,
            None,
            "unclosed_quote",
            BuilderKey::PasteUnclosedQuote,
            "",
        ));
    }
    let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
    for record in records {
        let cells: Vec<&str> = record
            .cells
            .iter()
            .map(|c| c.trim_matches(is_trimmed))
            .collect();
        let line = record.line;
        let label = cells.first().copied().unwrap_or("");
        let rest: Vec<&str> = cells
            .iter()
            .skip(1)
            .copied()
            .filter(|c| !c.is_empty())
            .collect();
        if label.is_empty() {
            let (code, key) = if rest.is_empty() {
                ("empty_row", BuilderKey::PasteEmptyRow)
            } else {
                ("no_label", BuilderKey::PasteNoLabel)
            };
            pasted
                .problems
                .push(PasteProblem::new(line, None, code, key, ""));
            continue;
        }
        if let Some(&first) = first_seen.get(label) {
            pasted.problems.push(PasteProblem::new(
                line,
                Some(first),
                "duplicate",
                BuilderKey::PasteDuplicate,
                &short(label),
            ));
            continue;
        }
        first_seen.insert(label.to_string(), line);
        pasted.rows.push(PastedRow {
            line,
            label: label.to_string(),
            note: (!rest.is_empty()).then(|| rest.join(" ")),
        });
    }
    pasted
}

//! Local results: core's `tally` of the ballots stored on this device for this survey. Every
//! percentage is shown beside its raw count; nothing is computed here beyond formatting.
//!
//! The tally is static (it changes only with the language), so it is written as escaped HTML
//! text and set as `innerHTML` of one element, rather than as typed `view!` trees: one string
//! builder instead of a monomorphised render path per table and list (about 10 KB of gzipped
//! wasm). The DOM is the same as before apart from that wrapper element.

use std::sync::Arc;

use leptos::prelude::*;
use pingyi_core::tally::{
    ApproveTally, ChooseTally, KindTally, NoticeItemTally, Participation, QuestionTally,
    ScaleSubjectTally, ScoreTally,
};
use pingyi_core::{tally, Ballot, Ratio, Survey, Tally};

use super::tr;
use crate::i18n::{Key, Lang};
use crate::store::Store;

fn pct(r: Option<Ratio>) -> String {
    r.and_then(|r| r.percent(2))
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "—".into())
}

fn dec(r: Option<Ratio>) -> String {
    r.and_then(|r| r.decimal(2)).unwrap_or_else(|| "—".into())
}

/// The results screen with a way back to the survey.
#[component]
pub fn Results(survey: Arc<Survey>, lang: RwSignal<Lang>, on_back: Callback<()>) -> impl IntoView {
    let loaded = Store::open().and_then(|s| s.load_ballots(&survey.id));
    let body = match loaded {
        Err(_) => view! {
            <p class="py-error" role="alert">{tr(lang, Key::StorageUnavailable)}</p>
        }
        .into_any(),
        Ok(loaded) => {
            let ballots: Vec<Ballot> = loaded.ballots.into_iter().map(|r| r.ballot).collect();
            let t = tally(&survey, &ballots);
            let unreadable = loaded.unreadable.len();
            view! {
                {move || (unreadable > 0).then(|| view! {
                    <p class="py-warning">{format!("{}{unreadable}", lang.get().t(Key::UnreadableBallots))}</p>
                })}
                <div class="py-tally" inner_html=move || tally_html(&t, lang.get())></div>
            }
            .into_any()
        }
    };
    view! {
        <section class="py-results" data-testid="results">
            <h3 class="py-section-title">{tr(lang, Key::ResultsTitle)}</h3>
            <p class="py-help">{tr(lang, Key::ResultsLocalNote)}</p>
            {body}
            <div class="py-buttons">
                <button type="button" class="py-button py-secondary" data-testid="back"
                    on:click=move |_| on_back.run(())>
                    {tr(lang, Key::BackToSurvey)}
                </button>
            </div>
        </section>
    }
}

/// An HTML string under construction. Text and attribute values are always escaped.
struct Html(String);

impl Html {
    fn esc(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
    }

    /// `<tag name="value" …>`
    fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attrs {
            self.0.push(' ');
            self.0.push_str(name);
            self.0.push_str("=\"");
            self.esc(value);
            self.0.push('"');
        }
        self.0.push('>');
        self
    }

    fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    fn text(&mut self, s: &str) -> &mut Self {
        self.esc(s);
        self
    }

    /// `<tag …>text</tag>`
    fn el(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// `<dt>term</dt><dd>value</dd>`
    fn fact(&mut self, term: &str, value: &str) -> &mut Self {
        self.el("dt", &[], term).el("dd", &[], value)
    }
}

fn tally_html(t: &Tally, l: Lang) -> String {
    let mut h = Html(String::new());
    participation_html(&mut h, &t.participation, l);
    if t.participation.ballots == 0 {
        h.el("p", &[("data-testid", "no-ballots")], l.t(Key::NoBallotsYet));
    } else {
        for q in &t.questions {
            question_html(&mut h, q, l);
        }
    }
    h.0
}

fn participation_html(h: &mut Html, p: &Participation, l: Lang) {
    h.open("dl", &[("class", "py-facts"), ("data-testid", "participation")])
        .el("dt", &[], l.t(Key::Ballots))
        .el("dd", &[("data-testid", "ballot-count")], &p.ballots.to_string());
    if let Some(e) = p.eligible {
        h.fact(l.t(Key::Eligible), &e.to_string()).fact(l.t(Key::ParticipationRate), &pct(p.rate));
        if let Some(ok) = p.quorum_reached {
            let (key, mark) = if ok {
                (Key::QuorumReached, "✓ ")
            } else {
                (Key::QuorumNotReached, "✗ ")
            };
            h.open("p", &[("class", "py-flag"), ("data-testid", "quorum")]).text(mark).text(l.t(key)).close("p");
        }
    }
    h.close("dl");
    if p.over_eligible {
        h.open("p", &[("class", "py-warning"), ("role", "alert"), ("data-testid", "over-eligible")])
            .text("⚠ ")
            .text(l.t(Key::OverEligible))
            .close("p");
    }
}

fn question_html(h: &mut Html, q: &QuestionTally, l: Lang) {
    h.open("article", &[("class", "py-result"), ("data-result", &q.question_id)])
        .el("h4", &[], &l.text(&q.title))
        .el("p", &[("class", "py-help")], &format!("{}: {}", l.t(Key::Answered), q.answered));
    match &q.result {
        KindTally::Scale { subjects } => subjects.iter().for_each(|s| scale_html(h, s, l)),
        KindTally::Choose(c) => choose_html(h, c, l),
        KindTally::Score(s) => score_html(h, s, l),
        KindTally::Notice { items } => items.iter().for_each(|i| notice_html(h, i, l)),
        KindTally::Approve(a) => approve_html(h, a, l),
        KindTally::Text { texts } => texts_html(h, texts, l),
    }
    h.close("article");
}

/// `<thead><tr><th scope="col">…</th>…</tr></thead>`
fn head_row(h: &mut Html, cols: &[&str]) {
    h.open("thead", &[]).open("tr", &[]);
    for c in cols {
        h.el("th", &[("scope", "col")], c);
    }
    h.close("tr").close("thead");
}

fn scale_html(h: &mut Html, s: &ScaleSubjectTally, l: Lang) {
    h.open("div", &[("class", "py-result-subject"), ("data-subject", s.subject_id.as_deref().unwrap_or_default())]);
    if let Some(t) = &s.label {
        h.el("h5", &[], &l.text(t));
    }
    h.open("table", &[("class", "py-table")]);
    head_row(h, &[l.t(Key::Option), l.t(Key::Count), l.t(Key::Share)]);
    h.open("tbody", &[]);
    for o in &s.options {
        let label = if o.not_valid {
            format!("{}{}", l.text(&o.label), l.t(Key::NotValidMark))
        } else {
            l.text(&o.label)
        };
        h.open("tr", &[("data-option", &o.option_id)])
            .el("th", &[("scope", "row")], &label)
            .el("td", &[("class", "py-num")], &o.count.to_string())
            .el("td", &[("class", "py-num")], &if o.not_valid { "—".to_string() } else { pct(o.share_of_valid) })
            .close("tr");
    }
    h.close("tbody").close("table").open("dl", &[("class", "py-facts")]);
    h.fact(l.t(Key::ValidVotes), &s.valid.to_string()).fact(l.t(Key::AllAnswers), &s.total.to_string());
    if s.satisfaction_rate.is_some() {
        h.fact(l.t(Key::SatisfactionRate), &pct(s.satisfaction_rate));
    }
    if s.weighted_score.is_some() {
        h.fact(l.t(Key::WeightedScore), &dec(s.weighted_score));
    }
    if let Some(g) = &s.grade {
        h.fact(l.t(Key::Grade), &l.text(g));
    }
    h.close("dl").close("div");
}

fn choose_html(h: &mut Html, c: &ChooseTally, l: Lang) {
    h.open("table", &[("class", "py-table")]);
    head_row(h, &[l.t(Key::Rank), l.t(Key::Option), l.t(Key::Votes), "%", ""]);
    h.open("tbody", &[]);
    for r in &c.ranking {
        let mut marks = Vec::new();
        if c.elected.contains(&r.option_id) {
            marks.push(format!("✓ {}", l.t(Key::Elected)));
        }
        if r.tied {
            marks.push(format!("= {}", l.t(Key::Tied)));
        }
        h.open("tr", &[("data-option", &r.option_id)])
            .el("td", &[("class", "py-num")], &r.rank.to_string())
            .el("th", &[("scope", "row")], &l.text(&r.label))
            .el("td", &[("class", "py-num")], &r.count.to_string())
            .el("td", &[("class", "py-num")], &pct(Some(r.share_of_answered)))
            .el("td", &[], &marks.join(" "))
            .close("tr");
    }
    h.close("tbody").close("table");
    if !c.tied_at_last_seat.is_empty() {
        let names: Vec<String> = c
            .tied_at_last_seat
            .iter()
            .map(|id| {
                c.ranking
                    .iter()
                    .find(|r| &r.option_id == id)
                    .map(|r| l.text(&r.label))
                    .unwrap_or(id.clone())
            })
            .collect();
        h.open("p", &[("class", "py-warning")])
            .text("⚠ ")
            .text(l.t(Key::TiedAtLastSeat))
            .text(&names.join("、"))
            .close("p");
    }
}

fn score_html(h: &mut Html, s: &ScoreTally, l: Lang) {
    let trimmed = s.method == "trimmed_mean";
    for sub in &s.subjects {
        h.open("div", &[("class", "py-result-subject"), ("data-subject", &sub.subject_id)])
            .open("h5", &[])
            .text(&format!("{} {}. ", l.t(Key::Rank), sub.rank))
            .text(&l.text(&sub.label));
        if sub.tied {
            h.text(&format!(" ({})", l.t(Key::Tied)));
        }
        h.close("h5").open("table", &[("class", "py-table")]);
        let mut cols = vec![l.t(Key::Criterion), l.t(Key::Scores), l.t(Key::Mean)];
        if trimmed {
            cols.push(l.t(Key::TrimmedMean));
        }
        head_row(h, &cols);
        h.open("tbody", &[]);
        for c in &sub.criteria {
            h.open("tr", &[])
                .el("th", &[("scope", "row")], &l.text(&c.label))
                .el("td", &[("class", "py-num")], &c.count.to_string())
                .el("td", &[("class", "py-num")], &dec(c.mean));
            if trimmed {
                h.open("td", &[("class", "py-num")]).text(&dec(c.combined));
                if c.trim_skipped {
                    h.text(" *");
                }
                h.close("td");
            }
            h.close("tr");
        }
        h.close("tbody").close("table");
        h.open("p", &[])
            .open("strong", &[])
            .text(l.t(Key::Total))
            .text(": ")
            .text(&dec(Some(sub.total)))
            .close("strong")
            .close("p");
        if sub.criteria.iter().any(|c| c.trim_skipped) {
            h.open("p", &[("class", "py-help")]).text("* ").text(l.t(Key::TrimSkipped)).close("p");
        }
        h.close("div");
    }
}

fn notice_html(h: &mut Html, i: &NoticeItemTally, l: Lang) {
    let (mark, verdict) = if i.needs_review {
        ("⚠ ", l.t(Key::NeedsReview))
    } else {
        ("✓ ", l.t(Key::NoObjectionPasses))
    };
    h.open("div", &[("class", "py-result-subject"), ("data-item", &i.item_id)])
        .el("h5", &[], &l.text(&i.label))
        .open("dl", &[("class", "py-facts")])
        .fact(l.t(Key::NoObjection), &i.no_objection.to_string())
        .fact(l.t(Key::Objection), &i.objection.to_string())
        .close("dl")
        .open("p", &[("class", "py-flag"), ("data-testid", "notice-verdict")])
        .text(mark)
        .text(verdict)
        .close("p");
    if !i.reasons.is_empty() {
        h.open("p", &[]).text(l.t(Key::Reasons)).text(":").close("p");
        list_html(h, &i.reasons);
    }
    h.close("div");
}

fn approve_html(h: &mut Html, a: &ApproveTally, l: Lang) {
    let (mark, verdict) = if a.passed {
        ("✓ ", l.t(Key::Passed))
    } else {
        ("✗ ", l.t(Key::NotPassed))
    };
    h.open("dl", &[("class", "py-facts")])
        .fact(l.t(Key::ApproveFor), &a.for_count.to_string())
        .fact(l.t(Key::ApproveAgainst), &a.against.to_string())
        .fact(l.t(Key::ApproveAbstain), &a.abstain.to_string())
        .fact(l.t(Key::MajorityBase), &a.base.to_string())
        .fact(l.t(Key::ForShare), &pct(a.for_share))
        .close("dl")
        .open("p", &[("class", "py-flag"), ("data-testid", "approve-verdict")])
        .text(mark)
        .text(verdict)
        .close("p");
}

fn texts_html(h: &mut Html, texts: &[String], l: Lang) {
    if texts.is_empty() {
        h.el("p", &[("class", "py-help")], l.t(Key::NoSuggestions));
    } else {
        list_html(h, texts);
    }
}

/// `<ul class="py-texts"><li>…</li>…</ul>`
fn list_html(h: &mut Html, items: &[String]) {
    h.open("ul", &[("class", "py-texts")]);
    for t in items {
        h.el("li", &[], t);
    }
    h.close("ul");
}

#[cfg(test)]
mod tests {
    use super::Html;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html(String::new());
        h.el("p", &[("data-x", "a\"b<'&>")], "<script>&'\"");
        assert_eq!(h.0, "<p data-x=\"a&quot;b&lt;&#39;&amp;&gt;\">&lt;script&gt;&amp;&#39;&quot;</p>");
    }
}

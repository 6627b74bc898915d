//! A horizontal bar chart drawn as SVG in Leptos: one row per option with its label, a bar, and
//! the count and percentage printed beside it (never colour alone). The `<svg>` has `role="img"`
//! and an `aria-label` that reads every row, so a screen reader gets the same figures.
//!
//! The only arithmetic here is drawing: bar length = count / largest count × width.

use leptos::prelude::*;

/// One bar: what it is, its raw count, and the text printed after it (count and share).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub count: u64,
    pub value_text: String,
}

const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 200.0;
const BAR_W: f64 = 250.0;
const ROW_H: f64 = 34.0;
const BAR_H: f64 = 22.0;

/// Longest label drawn in the chart (the full label is in the aria-label and tables).
fn short(label: &str) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() > 12 {
        chars[..11].iter().collect::<String>() + "…"
    } else {
        label.to_string()
    }
}

/// The chart. `summary` starts the aria-label (the question or subject).
pub fn bar_chart(summary: &str, bars: Vec<Bar>) -> AnyView {
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let height = (bars.len() as f64 * ROW_H + 8.0).max(ROW_H);
    let aria = format!(
        "{summary}: {}",
        bars.iter()
            .map(|b| format!("{} {}", b.label, b.value_text))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let y = 4.0 + i as f64 * ROW_H;
            let w = if max == 0 { 0.0 } else { b.count as f64 / max as f64 * BAR_W };
            let text_y = format!("{:.1}", y + BAR_H / 2.0 + 5.0);
            view! {
                <g class="pc-bar" data-count=b.count.to_string()>
                    <text x=format!("{:.1}", LABEL_W - 8.0) y=text_y.clone() text-anchor="end" class="pc-bar-label">
                        {short(&b.label)}
                    </text>
                    <rect x=format!("{LABEL_W:.1}") y=format!("{y:.1}") width=format!("{w:.1}")
                        height=format!("{BAR_H:.1}") class="pc-bar-rect"></rect>
                    <text x=format!("{:.1}", LABEL_W + w + 8.0) y=text_y class="pc-bar-value">{b.value_text}</text>
                </g>
            }
        })
        .collect_view();
    let title = aria.clone();
    view! {
        <svg class="pc-chart" role="img" aria-label=aria viewBox=format!("0 0 {WIDTH} {height}")
            width="100%" preserveAspectRatio="xMinYMin meet">
            <title>{title}</title>
            {rows}
        </svg>
    }
    .into_any()
}

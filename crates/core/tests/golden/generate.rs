//! Deterministic ballots for the golden files and the merge tests: a small seeded generator
//! (splitmix64) that answers any survey the way a meeting might, covering every question kind,
//! `show_if`, paper ballots, several devices, and texts that need CSV quoting.
#![allow(dead_code)]

use pingyi_core::IdMap;

use pingyi_core::time::{format_rfc3339_millis, parse_rfc3339, UtcTime};
use pingyi_core::{Answer, Ballot, Channel, NoticeResponse, QuestionBody, Survey};

/// splitmix64: tiny, seeded, the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        0
    }
    pub fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }
}

const TEXTS: &[&str] = &[
    "路灯太少，晚上走路不安全",
    "建议多放几个\"分类垃圾桶\"",
    "第一，修排水沟；\n第二，清理河道",
    "=HYPERLINK(\"http://example.com\")",
    "感谢村干部，辛苦了",
    "  ",
    "希望多组织广场舞, 还有象棋比赛",
];

const REASONS: &[&str] = &[
    "价格偏高，请公开明细",
    "施工质量有问题",
    "名单中有一户不符合条件",
    "没有看到验收单",
];

/// Weights for the options of a scale, varied by subject so grades and rates differ.
fn scale_weights(n: usize, subject: usize, valid_flags: &[bool]) -> Vec<u64> {
    (0..n)
        .map(|i| {
            if !valid_flags[i] {
                6
            } else if i == 0 {
                if subject == 0 {
                    600
                } else {
                    90u64.saturating_sub(28 * subject as u64).max(8)
                }
            } else if i == n - 1 || (i + 1 < n && !valid_flags[i + 1] && i == n - 2) {
                4 + 14 * subject as u64
            } else {
                22
            }
        })
        .collect()
}

/// Answers to every shown question, in survey order.
pub fn answers(survey: &Survey, rng: &mut Rng) -> IdMap<Answer> {
    let mut out: IdMap<Answer> = IdMap::new();
    for q in survey.questions() {
        if !q.is_shown(&out) {
            continue;
        }
        let answer = match &q.body {
            QuestionBody::Scale(s) => {
                let options = s.effective_options();
                let flags: Vec<bool> = options.iter().map(|o| !o.not_valid).collect();
                if s.subjects.is_empty() {
                    let i = rng.weighted(&scale_weights(options.len(), 1, &flags));
                    Some(Answer::Choice {
                        choice: options[i].id.clone(),
                    })
                } else {
                    let ratings = s
                        .subjects
                        .iter()
                        .enumerate()
                        .map(|(k, subj)| {
                            let i = rng.weighted(&scale_weights(options.len(), k % 4, &flags));
                            (subj.id.clone(), options[i].id.clone())
                        })
                        .collect();
                    Some(Answer::Ratings { ratings })
                }
            }
            QuestionBody::Choose(c) => {
                let n = c.options.len();
                let lo = c.min.max(1) as u64;
                let hi = (c.max as u64).min(n as u64).max(lo);
                let k = (lo + rng.below(hi - lo + 1)) as usize;
                let weights: Vec<u64> = (0..n).map(|i| (n - i) as u64 * 3 + 1).collect();
                let mut chosen: Vec<String> = Vec::new();
                while chosen.len() < k {
                    let id = &c.options[rng.weighted(&weights)].id;
                    if !chosen.contains(id) {
                        chosen.push(id.clone());
                    }
                }
                Some(Answer::Chosen { chosen })
            }
            QuestionBody::Score(s) => {
                let mut scores = IdMap::new();
                for (k, subj) in s.subjects.iter().enumerate() {
                    let mut row = IdMap::new();
                    for c in &s.criteria {
                        let steps = ((c.max - c.min) as u64) / u64::from(c.step.max(1));
                        // Two draws averaged, biased by subject: a realistic spread with outliers.
                        let draw =
                            (rng.below(steps + 1) + rng.below(steps + 1) + (k as u64 % 3)) / 2;
                        let v = c.min + (draw.min(steps) * u64::from(c.step.max(1))) as i32;
                        row.insert(c.id.clone(), v);
                    }
                    scores.insert(subj.id.clone(), row);
                }
                Some(Answer::Scores { scores })
            }
            QuestionBody::Notice(n) => {
                let responses = n
                    .items
                    .iter()
                    .enumerate()
                    .map(|(k, item)| {
                        let objection = k > 0 && rng.below(10) < k as u64;
                        let reason = objection
                            .then(|| REASONS[rng.below(REASONS.len() as u64) as usize].to_string());
                        (item.id.clone(), NoticeResponse { objection, reason })
                    })
                    .collect();
                Some(Answer::Responses { responses })
            }
            QuestionBody::Approve(_) => {
                let i = rng.weighted(&[60, 25, 15]);
                Some(Answer::Choice {
                    choice: ["for", "against", "abstain"][i].to_string(),
                })
            }
            QuestionBody::Text(_) => (rng.below(10) < 4).then(|| Answer::Text {
                text: TEXTS[rng.below(TEXTS.len() as u64) as usize].to_string(),
            }),
        };
        if let Some(a) = answer {
            out.insert(q.id.clone(), a);
        }
    }
    out
}

/// `n` ballots for `survey` from `seed`, sorted by id. About one in seven is a paper ballot keyed
/// in at the desk; the rest come from three phones.
pub fn ballots(survey: &Survey, seed: u64, n: usize) -> Vec<Ballot> {
    let mut rng = Rng::new(seed);
    let start = survey
        .opens_at
        .as_deref()
        .and_then(parse_rfc3339)
        .unwrap_or(UtcTime {
            unix_seconds: 1_795_777_200,
            nanos: 0,
        });
    let mut out: Vec<Ballot> = (0..n)
        .map(|_| {
            let id = rng.uuid();
            let paper = rng.below(7) == 0;
            let device = if paper {
                "d0000000-0000-4000-8000-00000000de5c".to_string()
            } else {
                format!(
                    "d0000000-0000-4000-8000-00000000000{}",
                    ["a", "b", "c"][rng.below(3) as usize]
                )
            };
            let at = UtcTime {
                unix_seconds: start.unix_seconds + 600 + rng.below(3 * 3600) as i64,
                nanos: (rng.below(1000) * 1_000_000) as u32,
            };
            Ballot {
                id,
                survey_id: survey.id.clone(),
                survey_version: survey.version,
                cast_at: format_rfc3339_millis(at),
                device,
                channel: if paper {
                    Channel::Paper
                } else {
                    Channel::Digital
                },
                code_hash: None,
                answers: answers(survey, &mut rng),
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

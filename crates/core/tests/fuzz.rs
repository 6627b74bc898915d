//! Generated surveys and ballots, sound and broken, through every reader and validator: nothing
//! may panic. `parse_survey`, `read_ballots`, `Ballot::from_value`, `validate_ballot`, `tally`,
//! `tally_report`, `tally_csv` and `merge` each see every generated input they can take.
//!
//! The number of generated surveys and ballots together is `PINGYI_FUZZ_CASES`, by default
//! 1,000,000 in a release build (`cargo test -p pingyi-core --release --test fuzz`: about 70 s of
//! CPU, spread over every core) and 10,000 in a debug build (a plain `cargo test`). Each run uses a
//! different seed unless `PINGYI_FUZZ_SEED` is set; a failure prints the seed to repeat it.

use pingyi_core::export::{read_ballots, tally_csv, tally_report};
use pingyi_core::merge::merge;
use pingyi_core::{parse_survey, tally, validate_ballot, Ballot, Survey};
use serde_json::{json, Map, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const STRINGS: &[&str] = &[
    "",
    "a",
    "b",
    "q1",
    "x",
    "satisfied",
    "unknown",
    "for",
    "against",
    "abstain",
    "A",
    "评议",
    "  ",
    "\u{0}",
    "\"",
    "\\",
    "😀",
    "-",
    "_",
    "1",
    "mean",
    "trimmed_mean",
    "scale",
    "choose",
    "score",
    "notice",
    "approve",
    "text",
    "satisfaction",
    "appraisal",
    "pingyi/1",
    "person",
    "household",
    "cast",
    "valid",
    "eligible",
    "2026-11-27T12:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-11-27T12:00:00.1234567890123+08:00",
    "https://x",
    "http://",
    "\u{202e}",
    "\u{3000}",
    "00000000-0000-4000-8000-000000000001",
    "00000000-0000-4000-8000-00000000000A",
];

fn string(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => "x".repeat(rng.below(300)),
        1 => (0..rng.below(12))
            .map(|_| char::from_u32(rng.below(0x11000) as u32).unwrap_or('?'))
            .collect(),
        _ => rng.pick(STRINGS).to_string(),
    }
}

fn number(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => json!(-1),
        1 => json!(u64::MAX),
        2 => json!(i64::MIN),
        3 => json!(1.5),
        4 => json!(u32::MAX),
        5 => json!(i32::MIN),
        _ => json!(rng.below(12)),
    }
}

fn junk(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => number(rng),
        3 => json!(string(rng)),
        4 => (0..rng.below(4)).map(|_| junk(rng, depth + 1)).collect(),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(string(rng), junk(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// Replace, remove or add one value somewhere inside `v`.
fn mutate(rng: &mut Rng, v: &mut Value) {
    match v {
        Value::Object(m) if !m.is_empty() && rng.chance(70) => {
            let key = m
                .keys()
                .nth(rng.below(m.len()))
                .cloned()
                .unwrap_or_default();
            match rng.below(4) {
                0 => {
                    m.remove(&key);
                }
                1 => {
                    m.insert(string(rng), junk(rng, 1));
                }
                _ => mutate(rng, m.get_mut(&key).expect("key exists")),
            }
        }
        Value::Array(a) if !a.is_empty() && rng.chance(70) => {
            let i = rng.below(a.len());
            if rng.chance(20) {
                a.remove(i);
            } else if rng.chance(20) {
                let copy = a[i].clone();
                a.push(copy);
            } else {
                mutate(rng, &mut a[i]);
            }
        }
        _ => *v = junk(rng, 1),
    }
}

fn text(rng: &mut Rng) -> Value {
    json!({ "zh": if rng.chance(90) { "文字".to_string() } else { string(rng) }, "en": "Text" })
}

fn id(rng: &mut Rng, prefix: &str) -> String {
    if rng.chance(95) {
        format!("{prefix}{}", rng.below(4))
    } else {
        string(rng)
    }
}

fn items(rng: &mut Rng, prefix: &str) -> Value {
    (0..rng.below(5))
        .map(|_| json!({ "id": id(rng, prefix), "label": text(rng) }))
        .collect()
}

fn question(rng: &mut Rng, i: usize, earlier: &[String]) -> Value {
    let mut q = json!({ "id": format!("q{i}"), "title": text(rng), "required": rng.chance(60) });
    let m = q.as_object_mut().expect("object");
    match rng.below(7) {
        0 => {
            m.insert("kind".into(), json!("scale"));
            if rng.chance(50) {
                m.insert(
                    "preset".into(),
                    json!(rng.pick(&["satisfaction", "appraisal"])),
                );
            } else {
                let opts: Vec<Value> = (0..rng.below(5))
                    .map(|_| json!({ "id": id(rng, "o"), "label": text(rng), "weight": rng.below(100), "not_valid": rng.chance(20) }))
                    .collect();
                m.insert("options".into(), json!(opts));
            }
            if rng.chance(50) {
                m.insert("subjects".into(), items(rng, "s"));
            }
            if rng.chance(30) {
                m.insert("grades".into(), json!([{ "option": id(rng, "o"), "at_least_percent": rng.below(120), "grade": text(rng) }]));
            }
        }
        1 => {
            m.insert("kind".into(), json!("choose"));
            m.insert("options".into(), items(rng, "o"));
            m.insert("max".into(), json!(rng.below(5)));
            m.insert("min".into(), json!(rng.below(3)));
            if rng.chance(50) {
                m.insert("seats".into(), json!(rng.below(4)));
            }
        }
        2 => {
            m.insert("kind".into(), json!("score"));
            m.insert("subjects".into(), items(rng, "s"));
            let lo = rng.below(5) as i64 - 2;
            let crit: Vec<Value> = (0..rng.below(4))
                .map(|_| json!({ "id": id(rng, "c"), "label": text(rng), "min": lo, "max": lo + rng.below(12) as i64, "step": rng.below(3) }))
                .collect();
            m.insert("criteria".into(), json!(crit));
            if rng.chance(50) {
                m.insert(
                    "combine".into(),
                    json!({ "method": "trimmed_mean", "drop": rng.below(3) }),
                );
            }
        }
        3 => {
            m.insert("kind".into(), json!("notice"));
            m.insert("items".into(), items(rng, "i"));
            m.insert("reason_max_len".into(), json!(rng.below(30)));
        }
        4 => {
            m.insert("kind".into(), json!("approve"));
            m.insert(
                "rule".into(),
                json!(rng.pick(&["cast", "valid", "eligible"])),
            );
        }
        _ => {
            m.insert("kind".into(), json!("text"));
            m.insert("max_len".into(), json!(rng.below(30)));
        }
    }
    if !earlier.is_empty() && rng.chance(20) {
        let target = rng.pick(earlier).clone();
        m.insert(
            "show_if".into(),
            json!({ "question": target, "any_of": [id(rng, "o"), "for", "satisfied"] }),
        );
    }
    q
}

fn survey_value(rng: &mut Rng) -> Value {
    let mut ids = Vec::new();
    let sections: Vec<Value> = (0..1 + rng.below(3))
        .map(|s| {
            let qs: Vec<Value> = (0..1 + rng.below(4))
                .map(|_| {
                    let q = question(rng, ids.len(), &ids);
                    ids.push(format!("q{}", ids.len()));
                    q
                })
                .collect();
            json!({ "id": format!("sec{s}"), "title": text(rng), "questions": qs })
        })
        .collect();
    let mut v = json!({
        "format": "pingyi/1", "id": "fuzz", "version": 1 + rng.below(3), "title": text(rng),
        "unit": "湾", "anonymous": rng.chance(50), "codes": rng.chance(30),
        "publish_receipts": rng.chance(30), "sections": sections,
    });
    if rng.chance(50) {
        v["eligible"] = json!(rng.below(40));
    }
    for _ in 0..rng.below(3) {
        if rng.chance(40) {
            mutate(rng, &mut v);
        }
    }
    v
}

/// Ids the survey knows, to make answers that are often right.
fn known_ids(survey: &Survey) -> Vec<String> {
    let v = serde_json::to_value(survey).expect("a survey serialises");
    let mut out = vec!["for".into(), "satisfied".into(), "competent".into()];
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(id)) = m.get("id") {
                    out.push(id.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&v, &mut out);
    out
}

fn answer(rng: &mut Rng, ids: &[String]) -> Value {
    let pick = |rng: &mut Rng| -> String {
        if rng.chance(85) {
            rng.pick(ids).clone()
        } else {
            string(rng)
        }
    };
    let map = |rng: &mut Rng, f: &mut dyn FnMut(&mut Rng) -> Value| -> Value {
        let mut m = Map::new();
        for _ in 0..rng.below(5) {
            m.insert(pick(rng), f(rng));
        }
        Value::Object(m)
    };
    match rng.below(8) {
        0 => json!({ "choice": pick(rng) }),
        1 => json!({ "ratings": map(rng, &mut |r| json!(r.pick(ids).clone())) }),
        2 => json!({ "chosen": (0..rng.below(5)).map(|_| json!(pick(rng))).collect::<Vec<_>>() }),
        3 => json!({ "scores": map(rng, &mut |r| {
            let mut m = Map::new();
            m.insert(r.pick(ids).clone(), json!(r.below(14) as i64 - 3));
            Value::Object(m)
        }) }),
        4 => {
            json!({ "responses": map(rng, &mut |r| json!({ "objection": r.chance(50), "reason": string(r) })) })
        }
        5 => json!({ "text": string(rng) }),
        6 => json!({ "responses": map(rng, &mut |r| json!([r.chance(50)])) }),
        _ => junk(rng, 1),
    }
}

fn ballot_text(rng: &mut Rng, survey: &Survey, ids: &[String], n: usize) -> String {
    let mut answers = Map::new();
    for q in survey.questions() {
        if rng.chance(80) {
            answers.insert(q.id.clone(), answer(rng, ids));
        }
    }
    let uuid = format!("00000000-0000-4000-8000-{:012x}", rng.below(n + 3));
    let mut b = json!({
        "id": if rng.chance(10) { uuid.to_ascii_uppercase() } else { uuid },
        "survey_id": survey.id, "survey_version": survey.version - u32::from(rng.chance(10)),
        "cast_at": "2026-11-27T12:00:00.000Z", "device": "00000000-0000-4000-9000-000000000001",
        "channel": rng.pick(&["digital", "paper"]), "answers": answers,
    });
    if rng.chance(30) {
        b["code_hash"] = json!("a".repeat(64));
    }
    if rng.chance(10) {
        mutate(rng, &mut b);
    }
    let mut s = b.to_string();
    if rng.chance(3) {
        let cut = rng.below(s.len());
        if s.is_char_boundary(cut) {
            s.truncate(cut);
        }
    }
    s
}

#[test]
fn no_generated_survey_or_ballot_makes_anything_panic() {
    let cases: u64 = std::env::var("PINGYI_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            10_000
        } else {
            1_000_000
        });
    let seed: u64 = std::env::var("PINGYI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    eprintln!("fuzz: {cases} cases on {threads} threads, PINGYI_FUZZ_SEED={seed}");
    let runs: Vec<_> = (0..threads)
        .map(|t| {
            let share = cases / threads + u64::from(t < cases % threads);
            let seed = seed.wrapping_add(t.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
            std::thread::spawn(move || run(seed, share))
        })
        .collect();
    let (mut done, mut valid_surveys, mut valid_ballots) = (0u64, 0u64, 0u64);
    for r in runs {
        let (d, s, b) = r
            .join()
            .expect("a fuzz thread panicked: see the seed above");
        done += d;
        valid_surveys += s;
        valid_ballots += b;
    }
    eprintln!("fuzz: {done} cases, {valid_surveys} usable surveys, {valid_ballots} valid ballots");
    assert!(
        valid_surveys > 0 && valid_ballots > 0,
        "the generator makes nothing valid"
    );
}

/// `cases` generated surveys and ballots from `seed`: (cases done, usable surveys, valid ballots).
fn run(seed: u64, cases: u64) -> (u64, u64, u64) {
    let mut rng = Rng(seed);
    let (mut done, mut valid_surveys, mut valid_ballots) = (0u64, 0u64, 0u64);
    while done < cases {
        let v = survey_value(&mut rng);
        done += 1;
        let survey = match parse_survey(&v.to_string()) {
            Ok(s) => s,
            Err(_) => {
                // A fixed survey so that ballots get through often too.
                if !v.is_object() {
                    continue;
                }
                match parse_survey(&{
                    let mut fixed = v.clone();
                    fixed["sections"] = json!([{ "id": "s", "title": { "zh": "部分" },
                        "questions": [question(&mut rng, 0, &[])] }]);
                    fixed.to_string()
                }) {
                    Ok(s) => s,
                    Err(_) => continue,
                }
            }
        };
        valid_surveys += 1;
        let ids = known_ids(&survey);
        let n = 1 + rng.below(40);
        let mut ballots: Vec<Ballot> = Vec::with_capacity(n);
        for _ in 0..n {
            let text = ballot_text(&mut rng, &survey, &ids, n);
            done += 1;
            let read = read_ballots(&text);
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let by_value = Ballot::from_value(&v);
                if let Ok(read) = &read {
                    if read.len() == 1 {
                        assert_eq!(by_value.as_ref(), Some(&read[0]), "seed {seed}: {text}");
                    }
                }
            }
            for b in read.into_iter().flatten() {
                if validate_ballot(&survey, &b).is_ok() {
                    valid_ballots += 1;
                }
                ballots.push(b);
            }
        }
        let t = tally(&survey, &ballots);
        if rng.chance(5) {
            let _ = tally_report(&survey, &ballots, "2026-11-27T20:00:00Z");
            let _ = tally_csv(&survey, &t, "zh");
            let half = ballots.len() / 2;
            let _ = merge(&[ballots[..half].to_vec(), ballots.clone()]);
        }
    }
    (done, valid_surveys, valid_ballots)
}

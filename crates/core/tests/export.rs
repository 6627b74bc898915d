//! The officials' exports: the tally report envelope, the CSV for Excel, and the anonymised raw
//! ballot export.

mod common;

use common::{ballot, ballots, parse, survey_json, uuid};
use pingyi_core::ballot::sha256_hex;
use pingyi_core::export::{
    ballots_export, raw_export, tally_csv, tally_report, BALLOTS_FORMAT, CSV_COLUMNS, TALLY_FORMAT,
};
use pingyi_core::{tally, Ballot, Channel, Survey};
use serde_json::{json, Value};

/// Every question kind, with a tie at the last seat, a trimmed mean with too few judges, an
/// objection with a reason, and an approval.
fn all_kinds(anonymous: bool, receipts: bool) -> Survey {
    let mut v = survey_json(json!([
        { "id": "sat", "kind": "scale", "title": { "zh": "满意吗", "en": "Satisfied?" }, "preset": "satisfaction" },
        { "id": "pick", "kind": "choose", "title": { "zh": "最美庭院" }, "max": 2, "seats": 1,
          "options": [ { "id": "a", "label": { "zh": "甲家" } }, { "id": "b", "label": { "zh": "乙家" } } ] },
        { "id": "pts", "kind": "score", "title": { "zh": "积分" }, "combine": { "method": "trimmed_mean", "drop": 1 },
          "subjects": [ { "id": "h1", "label": { "zh": "一户" } } ],
          "criteria": [ { "id": "clean", "label": { "zh": "卫生" }, "min": 0, "max": 10 } ] },
        { "id": "note", "kind": "notice", "title": { "zh": "公示" },
          "items": [ { "id": "road", "label": { "zh": "修路, 38,600 元" } } ] },
        { "id": "vote", "kind": "approve", "title": { "zh": "建广场？" } },
        { "id": "say", "kind": "text", "title": { "zh": "建议" }, "required": false }
    ]));
    v["anonymous"] = json!(anonymous);
    v["publish_receipts"] = json!(receipts);
    v["eligible"] = json!(2);
    parse(&v)
}

fn all_kinds_ballots(s: &Survey) -> Vec<Ballot> {
    let a = json!({
        "sat": { "choice": "satisfied" }, "pick": { "chosen": ["a"] }, "pts": { "scores": { "h1": { "clean": 8 } } },
        "note": { "responses": { "road": { "objection": true, "reason": "太贵，\"不合理\"" } } },
        "vote": { "choice": "for" }, "say": { "text": "=1+1" }
    });
    let b = json!({
        "sat": { "choice": "unknown" }, "pick": { "chosen": ["b"] }, "pts": { "scores": { "h1": { "clean": 6 } } },
        "note": { "responses": { "road": { "objection": false } } },
        "vote": { "choice": "against" }, "say": { "text": "多装路灯\n再修排水沟" }
    });
    let c = json!({
        "sat": { "choice": "dissatisfied" }, "pick": { "chosen": ["a", "b"] }, "pts": { "scores": { "h1": { "clean": 7 } } },
        "note": { "responses": { "road": { "objection": true, "reason": "没有公开明细" } } },
        "vote": { "choice": "abstain" }
    });
    let mut out = vec![ballot(s, 3, a), ballot(s, 1, b), ballot(s, 2, c)];
    out[1].channel = Channel::Paper;
    out[1].device = common::device(0xde5c);
    out
}

/// A small CSV reader for the tests: records of fields, honouring quotes; records end in CRLF.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let body = text.strip_prefix('\u{FEFF}').expect("BOM first");
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => record.push(std::mem::take(&mut field)),
                '\r' => {
                    assert_eq!(
                        chars.next(),
                        Some('\n'),
                        "a CR outside quotes must start CRLF"
                    );
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                '\n' => panic!("bare LF outside quotes"),
                _ => field.push(c),
            }
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the file must end with CRLF"
    );
    records
}

fn col(name: &str) -> usize {
    CSV_COLUMNS.iter().position(|(zh, _)| *zh == name).unwrap()
}

fn find<'a>(rows: &'a [Vec<String>], qid: &str, option: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[col("问题编号")] == qid && r[col("选项")] == option)
        .unwrap_or_else(|| panic!("no row {qid} / {option}"))
}

#[test]
fn report_envelope() {
    let s = all_kinds(true, false);
    let mut input = all_kinds_ballots(&s);
    // A duplicate and a ballot for another version: neither is counted nor in the digest.
    input.push(input[0].clone());
    let mut other = ballot(&s, 9, json!({}));
    other.survey_version = 2;
    input.push(other);
    let r = tally_report(&s, &input, "2026-12-01T10:00:00.000Z");
    assert_eq!(r.format, TALLY_FORMAT);
    assert_eq!(r.survey_id, "test");
    assert_eq!(r.survey_version, 1);
    assert_eq!(r.generated_at, "2026-12-01T10:00:00.000Z");
    assert_eq!(
        r.survey_hash,
        sha256_hex(&serde_json::to_string(&s).unwrap())
    );
    assert_eq!(r.ballots.counted, 3);
    assert_eq!(r.ballots.counted, r.tally.participation.ballots);
    assert_eq!(r.ballots.by_channel, r.tally.participation.by_channel);
    assert!(r.ballots.by_device.is_empty(), "anonymous: no devices");
    let expected_digest = sha256_hex(&[uuid(1), uuid(2), uuid(3)].join("\n"));
    assert_eq!(r.ballot_ids_digest, expected_digest);
    assert_eq!(r.receipts, None);
    assert_eq!(r.tally, tally(&s, &input));
    let v: Value = serde_json::from_str(&r.to_json_pretty()).unwrap();
    assert!(v["ballots"].get("by_device").is_none());
    assert!(v.get("receipts").is_none());
    assert!(v.get("excluded_conflicts").is_none());
    // The JSON reads back into the same report.
    let back: pingyi_core::export::TallyReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn digest_ignores_order() {
    let s = all_kinds(true, false);
    let b = all_kinds_ballots(&s);
    let mut reversed = b.clone();
    reversed.reverse();
    assert_eq!(
        tally_report(&s, &b, "x").ballot_ids_digest,
        tally_report(&s, &reversed, "x").ballot_ids_digest
    );
    assert_ne!(
        tally_report(&s, &b, "x").ballot_ids_digest,
        tally_report(&s, &b[..2], "x").ballot_ids_digest
    );
}

#[test]
fn named_survey_reports_devices_and_receipts_when_asked() {
    let s = all_kinds(false, true);
    let b = all_kinds_ballots(&s);
    let r = tally_report(&s, &b, "t");
    let devices: Vec<(&str, u64)> = r
        .ballots
        .by_device
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let (desk, d2, d3) = (common::device(0xde5c), common::device(2), common::device(3));
    assert_eq!(
        devices,
        vec![(d2.as_str(), 1), (d3.as_str(), 1), (desk.as_str(), 1)]
    );
    let mut expected: Vec<String> = b.iter().map(|x| x.receipt()).collect();
    expected.sort();
    assert_eq!(r.receipts, Some(expected));
}

#[test]
fn survey_hash_follows_the_survey() {
    let a = all_kinds(true, false);
    let mut b = a.clone();
    b.title.zh.push('！');
    assert_ne!(
        tally_report(&a, &[], "t").survey_hash,
        tally_report(&b, &[], "t").survey_hash
    );
    // `publish_receipts: false` is left out of the canonical JSON, so older surveys keep their hash.
    assert!(!serde_json::to_string(&a)
        .unwrap()
        .contains("publish_receipts"));
}

#[test]
fn csv_is_excel_ready() {
    let s = all_kinds(true, false);
    let t = tally(&s, &all_kinds_ballots(&s));
    let text = tally_csv(&s, &t, "zh");
    assert!(text.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
    let rows = read_csv(&text);
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|(zh, _)| *zh).collect();
    assert_eq!(rows[0], header);
    assert!(header.starts_with(&[
        "部分",
        "问题编号",
        "问题",
        "对象",
        "选项",
        "票数",
        "占有效票比例(%)",
        "有效票",
        "满意率(%)",
        "加权得分",
        "等级"
    ]));
    assert!(
        rows.iter().all(|r| r.len() == CSV_COLUMNS.len()),
        "every record has every column"
    );

    // Participation first, with raw counts beside the rate.
    assert_eq!(rows[1][col("部分")], "参与情况");
    let part = |name: &str| {
        rows.iter()
            .find(|r| r[col("部分")] == "参与情况" && r[col("问题")] == name)
            .unwrap()
    };
    assert_eq!(part("参与")[col("结果")], "3");
    assert_eq!(part("应到")[col("结果")], "2");
    assert_eq!(part("参与率(%)")[col("结果")], "150.00");
    assert_eq!(part("参与率(%)")[col("备注")], "3/2");
    assert_eq!(part("是否达到法定人数")[col("结果")], "是");
    assert_eq!(part("超出应到人数")[col("结果")], "是");
    assert!(part("超出应到人数")[col("备注")].contains("请核查"));

    // Scale: 满意 1, 不满意 1, 不了解 1 → valid 2, rate 50%, weighted (100+30)/2.
    let sat = find(&rows, "sat", "满意");
    assert_eq!(
        (
            sat[col("票数")].as_str(),
            sat[col("占有效票比例(%)")].as_str(),
            sat[col("有效票")].as_str()
        ),
        ("1", "50.00", "2")
    );
    let unknown = find(&rows, "sat", "不了解");
    assert_eq!(unknown[col("占有效票比例(%)")], "");
    assert_eq!(unknown[col("备注")], "不计入有效票");
    let sub = find(&rows, "sat", "小计");
    assert_eq!(sub[col("满意率(%)")], "50.00");
    assert_eq!(sub[col("加权得分")], "65.00");
    assert!(sub[col("备注")].contains("= 1/2"), "{}", sub[col("备注")]);
    assert!(sub[col("备注")].contains("= 130/2"), "{}", sub[col("备注")]);

    // Choose: a 2, b 2 for one seat → tied at the last seat.
    let a = find(&rows, "pick", "甲家");
    assert_eq!(
        (a[col("票数")].as_str(), a[col("名次")].as_str()),
        ("2", "1")
    );
    assert_eq!(a[col("结果")], "并列，需复核");

    // Score: three judges, drop 1 → trimmed mean of the middle one.
    let clean = find(&rows, "pts", "卫生");
    assert_eq!(clean[col("评分人数")], "3");
    assert_eq!(
        (clean[col("最低分")].as_str(), clean[col("最高分")].as_str()),
        ("6", "8")
    );
    assert_eq!(
        (
            clean[col("平均分")].as_str(),
            clean[col("去极值平均分")].as_str()
        ),
        ("7.00", "7.00")
    );
    let total = find(&rows, "pts", "总分");
    assert_eq!(
        (total[col("总分")].as_str(), total[col("名次")].as_str()),
        ("7.00", "1")
    );

    // Notice: reasons joined with "；", quotes kept.
    let obj = find(&rows, "note", "有异议");
    assert_eq!(obj[col("票数")], "2");
    assert_eq!(obj[col("对象")], "修路, 38,600 元");
    assert_eq!(obj[col("备注")], "太贵，\"不合理\"；没有公开明细");
    assert_eq!(find(&rows, "note", "小计")[col("结果")], "需复核");

    // Approve under `cast`: 1 for of 3 → not passed, with the raw comparison.
    assert_eq!(find(&rows, "vote", "赞同")[col("占有效票比例(%)")], "33.33");
    let tot = find(&rows, "vote", "合计");
    assert_eq!(tot[col("结果")], "未通过");
    assert!(tot[col("备注")].contains("1 × 2 ≤ 3"));

    // Texts one row each; a formula is defused, a line break kept inside the field.
    assert_eq!(find(&rows, "say", "1")[col("备注")], "'=1+1");
    assert_eq!(find(&rows, "say", "2")[col("备注")], "多装路灯\n再修排水沟");
}

#[test]
fn csv_in_english() {
    let s = all_kinds(true, false);
    let t = tally(&s, &all_kinds_ballots(&s));
    let rows = read_csv(&tally_csv(&s, &t, "en"));
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|(_, en)| *en).collect();
    assert_eq!(rows[0], header);
    assert_eq!(rows[1][0], "Participation");
    let sat = rows
        .iter()
        .find(|r| r[1] == "sat" && r[4] == "Satisfied")
        .unwrap();
    assert_eq!(sat[2], "Satisfied?");
    // Labels without English fall back to Chinese.
    assert!(rows.iter().any(|r| r[1] == "pick" && r[4] == "甲家"));
    assert!(rows.iter().any(|r| r[1] == "vote" && r[12] == "not passed"));
}

#[test]
fn csv_of_no_ballots_still_has_every_block() {
    let s = all_kinds(true, false);
    let rows = read_csv(&tally_csv(&s, &tally(&s, &[]), "zh"));
    for q in ["sat", "pick", "pts", "note", "vote", "say"] {
        assert!(rows.iter().any(|r| r[1] == q), "no rows for {q}");
    }
    assert_eq!(find(&rows, "sat", "小计")[col("满意率(%)")], "");
}

#[test]
fn anonymous_export_hides_devices_times_and_order() {
    let s = all_kinds(true, false);
    let mut input = all_kinds_ballots(&s);
    input[0].cast_at = "2026-11-28T03:30:00.250+08:00".into();
    input.push(input[0].clone());
    let mut other = ballot(&s, 0, json!({}));
    other.survey_id = "elsewhere".into();
    input.push(other);
    let out = ballots_export(&s, &input);
    let ids: Vec<&str> = out.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![uuid(1), uuid(2), uuid(3)],
        "counted ballots only, sorted by id"
    );
    assert!(out.iter().all(|b| b.device.is_empty()));
    let b3 = out.iter().find(|b| b.id == uuid(3)).unwrap();
    assert_eq!(b3.cast_at, "2026-11-27T00:00:00.000Z");
    assert!(
        out.iter()
            .all(|b| pingyi_core::validate_ballot(&s, b).is_ok()),
        "still valid ballots"
    );
    // Counting the export gives the same participation and the same counts (reasons and texts
    // are listed in ballot order, which the export changes to id order on purpose).
    let again = tally(&s, &out);
    let orig = tally(&s, &input);
    assert_eq!(again.participation.ballots, orig.participation.ballots);
    assert_eq!(again.questions[..3], orig.questions[..3]);
    assert_eq!(again.questions[4], orig.questions[4]);

    let raw = raw_export(&s, &input);
    assert_eq!(raw.format, BALLOTS_FORMAT);
    assert_eq!((raw.survey_id.as_str(), raw.survey_version), ("test", 1));
    assert_eq!(raw.ballots, out);
}

#[test]
fn named_export_keeps_devices_and_times() {
    let s = all_kinds(false, false);
    let input = all_kinds_ballots(&s);
    let out = ballots_export(&s, &input);
    assert_eq!(out.len(), 3);
    for b in &out {
        let orig = input.iter().find(|x| x.id == b.id).unwrap();
        assert_eq!(b, orig);
    }
    assert!(out.windows(2).all(|w| w[0].id < w[1].id));
}

#[test]
fn many_identical_ballots_count_in_the_report() {
    let s = all_kinds(true, false);
    let b = ballots(&s, 10, 5, json!({ "vote": { "choice": "for" } }));
    let r = tally_report(&s, &b, "t");
    assert_eq!(r.ballots.counted, 5);
    assert_eq!(r.ballots.by_channel.get(&Channel::Digital), Some(&5));
}

//! Officials' results over real HTTP and the `import` command: the tally report and CSV
//! endpoints, the anonymised raw export, and importing overlapping device exports.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;
use pingyi_core::export::{ids_digest, tally_csv, tally_report, TallyReport};
use pingyi_core::{parse_survey, tally, Ballot, Tally};
use serde_json::{json, Value};

fn tally_path(query: &str) -> String {
    format!("/v1/surveys/{SURVEY_ID}/tally{query}")
}

#[tokio::test]
async fn report_format_is_the_core_report_with_server_time() {
    let t = serve(Opts::default()).await;
    let sent = ballots(0, 10);
    let (status, _) = t.submit(&batch(&sent)).await;
    assert_eq!(status, 200);

    let (status, plain) = t.admin_get(&tally_path("")).await;
    assert_eq!(status, 200);
    let plain: Tally = serde_json::from_value(plain).unwrap();

    let before = pingyi_collector::routes::now_rfc3339();
    let (status, body) = t.admin_get(&tally_path("?format=report")).await;
    let after = pingyi_collector::routes::now_rfc3339();
    assert_eq!(status, 200, "{body}");
    let report: TallyReport = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(report.format, "pingyi-tally/1");
    assert!(
        before <= report.generated_at && report.generated_at <= after,
        "{}",
        report.generated_at
    );
    assert!(pingyi_core::time::is_rfc3339(&report.generated_at));
    // Same numbers as the plain tally and as core on the same ballots.
    assert_eq!(report.tally, plain);
    let survey = parse_survey(&survey_json(1, false, None)).unwrap();
    let expected = tally_report(&survey, &sent, &report.generated_at);
    assert_eq!(report, expected);
    assert_eq!(report.ballots.counted, 10);
    assert_eq!(
        report.ballot_ids_digest,
        ids_digest(sent.iter().map(|b| b.id.as_str()))
    );
    // Anonymous survey: no device counts; no receipts unless the survey publishes them.
    assert!(body["ballots"].get("by_device").is_none(), "{body}");
    assert!(body.get("receipts").is_none());

    // Same auth rule as the plain tally.
    let resp = t
        .client
        .get(t.url(&tally_path("?format=report")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = t
        .client
        .get(t.url(&tally_path("?format=csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    let (status, body) = t.admin_get(&tally_path("?format=xml")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, _) = t.admin_get(&tally_path("?format=csv&lang=fr")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn report_lists_receipts_only_when_the_survey_publishes_them() {
    let t = serve(Opts {
        results_public: true,
        ..Opts::default()
    })
    .await;
    let mut doc: Value = serde_json::from_str(&survey_json(2, true, None)).unwrap();
    doc["publish_receipts"] = json!(true);
    let resp = t
        .client
        .put(t.url(&format!("/v1/surveys/{SURVEY_ID}")))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(doc.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let v2: Vec<Ballot> = ballots(0, 3)
        .into_iter()
        .map(|mut b| {
            b.survey_version = 2;
            b.answers.insert(
                "q3".into(),
                pingyi_core::Answer::Choice {
                    choice: "satisfied".into(),
                },
            );
            b
        })
        .collect();
    let (status, body) = t.submit(&batch(&v2)).await;
    assert_eq!(status, 200, "{body}");

    // Public results once revealed: no token needed.
    let resp = t
        .client
        .post(t.url(&format!("/v1/surveys/{SURVEY_ID}/reveal")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let report: TallyReport = t
        .client
        .get(t.url(&tally_path("?format=report")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut receipts: Vec<String> = v2.iter().map(Ballot::receipt).collect();
    receipts.sort();
    assert_eq!(report.receipts, Some(receipts));
    // Version 1 does not publish receipts.
    let report: Value = t
        .client
        .get(t.url(&tally_path("?format=report&version=1")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(report.get("receipts").is_none(), "{report}");
    assert_eq!(report["survey_version"], 1);
}

#[tokio::test]
async fn csv_is_a_utf8_download_with_bom() {
    let t = serve(Opts::default()).await;
    let sent = ballots(0, 8);
    t.submit(&batch(&sent)).await;
    let resp = t
        .client
        .get(t.url(&tally_path("?format=csv")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"village-tally.csv\""
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "starts with the UTF-8 byte order mark"
    );
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let survey = parse_survey(&survey_json(1, false, None)).unwrap();
    assert_eq!(text, tally_csv(&survey, &tally(&survey, &sent), "zh"));
    assert!(text.lines().next().unwrap().contains("问题编号"));
    assert!(text.contains("\r\n"));

    let resp = t
        .client
        .get(t.url(&tally_path("?format=csv&lang=en")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('\u{FEFF}'));
    assert!(
        text.lines().next().unwrap().contains("Question id"),
        "{text}"
    );
}

#[tokio::test]
async fn officials_export_is_anonymised_and_backup_stream_is_not() {
    let t = serve(Opts::default()).await;
    let sent = ballots(0, 5);
    t.submit(&batch(&sent)).await;
    let resp = t
        .client
        .get(format!("{}?format=export", t.ballots_url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"village-ballots.json\""
    );
    let export: Value = resp.json().await.unwrap();
    assert_eq!(export["format"], "pingyi-ballots/1");
    assert_eq!(export["survey_version"], 1);
    let got = export["ballots"].as_array().unwrap();
    assert_eq!(got.len(), 5);
    for b in got {
        assert!(b.get("device").is_none(), "anonymous survey: no device id");
        assert_eq!(b["cast_at"], "2026-11-27T00:00:00.000Z", "cut to the day");
    }
    let ids: Vec<&str> = got.iter().map(|b| b["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);

    // The default stream keeps full fidelity for backups.
    let full = t.export().await;
    assert_eq!(full, sent);

    // Admin only.
    let resp = t
        .client
        .get(format!("{}?format=export", t.ballots_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

// ------------------------------------------------------------------------------------------------
// import

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

#[test]
fn import_merges_overlapping_device_exports() {
    let dir = tempfile::tempdir().unwrap();
    let survey = dir.path().join("survey.json");
    std::fs::write(&survey, survey_json(1, false, None)).unwrap();
    let db = dir.path().join("import.sqlite");

    // Device A holds 0..6, device B holds 4..10 (4 and 5 on both), and B's copy of ballot 9
    // conflicts with the one in an NDJSON file from device C.
    let a = ballots(0, 6);
    let b = ballots(4, 6);
    let mut c9 = ballots(9, 1);
    c9[0].answers.insert(
        "q2".into(),
        pingyi_core::Answer::Text {
            text: "修路".into(),
        },
    );
    let fa = dir.path().join("a.json");
    let fb = dir.path().join("b.json");
    let fc = dir.path().join("c.ndjson");
    write(
        &fa,
        &json!({ "format": "pingyi-ballots/1", "survey_id": SURVEY_ID, "survey_version": 1, "ballots": a }),
    );
    write(&fb, &json!(b));
    let mut nd = String::new();
    for x in &c9 {
        nd.push_str(&serde_json::to_string(x).unwrap());
        nd.push('\n');
    }
    // A ballot that does not validate (unknown option) and one for an unknown survey.
    let mut bad = ballots(20, 1)[0].clone();
    bad.answers.insert(
        "q1".into(),
        pingyi_core::Answer::Choice {
            choice: "very_happy".into(),
        },
    );
    nd.push_str(&serde_json::to_string(&bad).unwrap());
    nd.push('\n');
    let mut other = ballots(21, 1)[0].clone();
    other.survey_id = "nowhere".into();
    nd.push_str(&serde_json::to_string(&other).unwrap());
    nd.push('\n');
    std::fs::write(&fc, nd).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_pingyi-collector"))
        .args(["import", "--db"])
        .arg(&db)
        .arg("--survey")
        .arg(&survey)
        .args([&fa, &fb, &fc])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "conflicts and rejections need review: {stdout}"
    );
    assert!(
        stdout.starts_with("imported 10, duplicates 2, conflicts 1, rejected 2\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("conflict: {} in {}", c9[0].id, fc.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("rejected: {}", bad.id)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("rejected: {}", other.id)),
        "{stdout}"
    );

    // The database now holds the distinct ballots, with the first-stored version of ballot 9.
    let summary =
        pingyi_collector::import::import_files(&db, None, std::slice::from_ref(&fa)).unwrap();
    assert_eq!(
        (
            summary.imported,
            summary.duplicates,
            summary.conflicts.len()
        ),
        (0, 6, 0)
    );
    assert!(!summary.needs_review());

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut config = pingyi_collector::Config::new(&db);
        config.addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.admin_token = Some(pingyi_collector::auth::AdminToken::new(ADMIN));
        let server = pingyi_collector::start(config).await.unwrap();
        let client = reqwest::Client::new();
        let stored: Vec<Ballot> = client
            .get(format!("{}/v1/surveys/{SURVEY_ID}/ballots", server.url()))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: BTreeSet<String> = stored.iter().map(|b| b.id.clone()).collect();
        let expected: BTreeSet<String> = ballots(0, 10).into_iter().map(|b| b.id).collect();
        assert_eq!(ids, expected);
        // The merged tally equals one device holding all the ballots.
        let report: TallyReport = client
            .get(format!(
                "{}/v1/surveys/{SURVEY_ID}/tally?format=report",
                server.url()
            ))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let survey = parse_survey(&survey_json(1, false, None)).unwrap();
        assert_eq!(report.tally, tally(&survey, &ballots(0, 10)));
        server.stop().await;
    });
}

#[test]
fn import_refuses_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"format\": \"pingyi-tally/1\"}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pingyi-collector"))
        .args(["import", "--db"])
        .arg(&db)
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pingyi-ballots/1"));
    let out = Command::new(env!("CARGO_BIN_EXE_pingyi-collector"))
        .args(["import", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "no files");
}

//! The committed `docs/tally-report.schema.json` matches the schema generated from the types.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test -p pingyi-core --features schema --test export_schema`.
#![cfg(feature = "schema")]

#[test]
fn tally_report_schema_is_up_to_date() {
    let generated = pingyi_core::export::tally_report_schema();
    let path = format!(
        "{}/../../docs/tally-report.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/tally-report.schema.json is out of date with the Rust types.\n\
         Regenerate it with: UPDATE_SCHEMA=1 cargo test -p pingyi-core --features schema --test export_schema"
    );
}

#[test]
fn report_schema_names_the_envelope_fields() {
    let schema: serde_json::Value =
        serde_json::from_str(&pingyi_core::export::tally_report_schema()).unwrap();
    assert_eq!(schema["title"], "TallyReport");
    for field in [
        "format",
        "survey_hash",
        "generated_at",
        "ballots",
        "ballot_ids_digest",
        "receipts",
        "tally",
    ] {
        assert!(
            schema["properties"].get(field).is_some(),
            "{field} missing from the report schema"
        );
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(!required.contains(&"receipts"), "receipts is optional");
}

#[test]
fn rollup_schema_is_up_to_date() {
    let generated = pingyi_core::rollup::rollup_schema();
    let path = format!(
        "{}/../../docs/rollup.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rollup.schema.json is out of date with the Rust types.\n\
         Regenerate it with: UPDATE_SCHEMA=1 cargo test -p pingyi-core --features schema --test export_schema"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(schema["title"], "Rollup");
    for field in ["format", "template_hash", "questions", "rows", "totals"] {
        assert!(schema["properties"].get(field).is_some(), "{field}");
    }
}

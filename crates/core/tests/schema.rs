//! The committed JSON Schemas in `docs/` match the ones generated from the types.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test -p pingyi-core --features schema --test schema`.
#![cfg(feature = "schema")]

fn check(file: &str, generated: String) {
    let path = format!("{}/../../docs/{file}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/{file} is out of date with the Rust types.\n\
         Regenerate it with: UPDATE_SCHEMA=1 cargo test -p pingyi-core --features schema --test schema"
    );
}

#[test]
fn survey_schema_is_up_to_date() {
    check("survey.schema.json", pingyi_core::survey_schema());
}

#[test]
fn tally_schema_is_up_to_date() {
    check("tally.schema.json", pingyi_core::tally_schema());
}

#[test]
fn schema_describes_every_question_kind() {
    let schema: serde_json::Value = serde_json::from_str(&pingyi_core::survey_schema()).unwrap();
    let text = schema.to_string();
    for kind in ["scale", "choose", "score", "notice", "approve", "text"] {
        assert!(
            text.contains(&format!("\"{kind}\"")),
            "kind {kind} missing from the schema"
        );
    }
    assert_eq!(schema["title"], "Survey");
}

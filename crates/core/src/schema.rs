//! JSON Schemas generated from the Rust types (feature `schema`): the survey format for
//! organisers' editors and the tally output for consumers. The committed copies live in
//! `docs/survey.schema.json` and `docs/tally.schema.json`; a test keeps them in step.

/// The JSON Schema of a `pingyi/1` survey file, as pretty JSON.
pub fn survey_schema() -> String {
    pretty(schemars::schema_for!(crate::survey::Survey))
}

/// The JSON Schema of a tally, as pretty JSON.
pub fn tally_schema() -> String {
    pretty(schemars::schema_for!(crate::tally::Tally))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

//! The OpenAPI 3.1 document served at `/openapi.json`.
//!
//! The paths and methods come from the one route table, `routes::ROUTES`, which also
//! builds the router: each entry names its operation here ([`operations`]). Operations are
//! written by hand; every body schema is generated from the Rust types with schemars (JSON
//! Schema 2020-12, which OpenAPI 3.1 uses as is), so the document cannot drift from the code.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use pingyi_core::export::{RawExport, TallyReport};
use pingyi_core::protocol::{
    error_code, ErrorBody, SubmitBatch, SubmitResponse, MAX_BATCH, SUBMIT_KEY_HEADER,
};
use pingyi_core::rollup::Rollup;
use pingyi_core::{Ballot, Survey, Tally};

use pingyi_core::protocol::meeting::{
    CodeAttempts, CodeHints, CodesRequest, CodesResponse, FinalTally, LiveView, PaperTotalsBody,
    PaperTotalsView, SurveyStateView, CONTENT_HASH_HEADER, FROZEN_HEADER, MAX_CODES_PER_REQUEST,
};

use crate::wire::{PublishResponse, LIVE_EVENT_SECONDS, SURVEY_STATE_HEADER};

/// One operation of the route table: its method, its path and what documents it.
pub type Documented = (&'static str, &'static str, fn(&Parts) -> Value);

/// The whole document, for the operations of the one route table (`routes::ROUTES`, passed in by
/// `routes::openapi_document`, so this module does not import the routes).
pub fn document(operations: impl IntoIterator<Item = Documented>) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut generator = settings.into_generator();
    let mut refs = Map::new();
    let mut add = |name: &str, schema: schemars::Schema| {
        refs.insert(name.to_string(), schema.to_value());
    };
    add("SubmitBatch", generator.subschema_for::<SubmitBatch>());
    add(
        "SubmitResponse",
        generator.subschema_for::<SubmitResponse>(),
    );
    add("ErrorBody", generator.subschema_for::<ErrorBody>());
    add("Survey", generator.subschema_for::<Survey>());
    add("Tally", generator.subschema_for::<Tally>());
    add("TallyReport", generator.subschema_for::<TallyReport>());
    add("RawExport", generator.subschema_for::<RawExport>());
    add("Ballot", generator.subschema_for::<Ballot>());
    add(
        "PublishResponse",
        generator.subschema_for::<PublishResponse>(),
    );
    add(
        "SurveyStateView",
        generator.subschema_for::<SurveyStateView>(),
    );
    add("LiveView", generator.subschema_for::<LiveView>());
    add("CodesRequest", generator.subschema_for::<CodesRequest>());
    add("CodesResponse", generator.subschema_for::<CodesResponse>());
    add("CodeHints", generator.subschema_for::<CodeHints>());
    add("CodeAttempts", generator.subschema_for::<CodeAttempts>());
    add(
        "PaperTotalsBody",
        generator.subschema_for::<PaperTotalsBody>(),
    );
    add(
        "PaperTotalsView",
        generator.subschema_for::<PaperTotalsView>(),
    );
    add("FinalTally", generator.subschema_for::<FinalTally>());
    add("Rollup", generator.subschema_for::<Rollup>());
    let schemas = generator.take_definitions(true);
    let parts = Parts { refs };

    let mut paths = Map::new();
    for (method, path, operation) in operations {
        let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        if path.contains("{survey_id}") {
            item["parameters"] = json!([parts.survey_id()]);
        }
        item[method] = operation(&parts);
    }

    let mut doc = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "pingyi/1 collector",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The pingyi/1 ballot collection protocol. See docs/protocol.md. Every error \
                body is ErrorBody with a stable code: ".to_string() + &error_code::ALL.join(", ") + "."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "admin": { "type": "http", "scheme": "bearer", "description": "The collector's admin token" },
                "submitKey": { "type": "apiKey", "in": "header", "name": SUBMIT_KEY_HEADER,
                    "description": "The survey's collect.submit_key, when it has one" }
            }
        }
    });
    add_common_errors(&mut doc, &|d: &str| parts.error(d));
    doc
}

/// What the operations of the route table (`routes::ROUTES`) are written with: the
/// body schemas as references, and the common parameters and answers.
pub struct Parts {
    refs: Map<String, Value>,
}

impl Parts {
    /// A reference to the component schema `name`.
    pub fn r(&self, name: &str) -> Value {
        self.refs
            .get(name)
            .cloned()
            .unwrap_or_else(|| json!({ "$ref": format!("#/components/schemas/{name}") }))
    }

    /// An error answer: the ErrorBody with this description.
    pub fn error(&self, description: &str) -> Value {
        json!({ "description": description, "content": { "application/json": { "schema": self.r("ErrorBody") } } })
    }

    /// An answer with the JSON schema `name`.
    pub fn json_of(&self, name: &str, description: &str) -> Value {
        json!({ "description": description, "content": { "application/json": { "schema": self.r(name) } } })
    }

    /// The `{survey_id}` path parameter.
    pub fn survey_id(&self) -> Value {
        json!({
            "name": "survey_id", "in": "path", "required": true,
            "schema": { "type": "string", "pattern": "^[a-z0-9_-]{1,64}$" }
        })
    }

    /// The `version` query parameter of the read routes.
    pub fn version(&self) -> Value {
        json!({
            "name": "version", "in": "query", "required": false,
            "description": "Survey version; default the latest published. A version that is not \
                published gives 404 survey_not_found (tally) or no ballots (export).",
            "schema": { "type": "integer", "minimum": 0, "maximum": 4294967295u64 }
        })
    }

    /// The answer of a batch: one result per ballot.
    fn submit(&self) -> Value {
        json!({
            "description": "One result per ballot, in order. 200 when all are accepted or duplicate, 409 when any \
                 is a conflict, otherwise 422 when any is rejected.",
            "content": { "application/json": { "schema": self.r("SubmitResponse") } }
        })
    }

    /// An admin `POST` without a body.
    fn admin_post(&self, id: &str, summary: &str, ok: Value) -> Value {
        json!({
            "operationId": id, "summary": summary, "security": [{ "admin": [] }],
            "responses": {
                "200": ok, "401": self.error("unauthorized"), "403": self.error("forbidden"),
                "404": self.error("survey_not_found"), "429": self.error("rate_limited")
            }
        })
    }
}

/// The OpenAPI operation of each route, named after its operationId.
pub mod operations {
    use super::*;

    pub fn healthz(_: &Parts) -> Value {
        json!({
            "operationId": "healthz", "summary": "Liveness",
            "responses": { "200": { "description": "Up", "content": { "application/json": {
                "schema": { "type": "object", "properties": { "ok": { "const": true } }, "required": ["ok"] } } } } }
        })
    }

    pub fn openapi(_: &Parts) -> Value {
        json!({
            "operationId": "openapi", "summary": "This document",
            "responses": { "200": { "description": "OpenAPI 3.1 document", "content": { "application/json": {} } } }
        })
    }

    pub fn get_survey(p: &Parts) -> Value {
        json!({
            "operationId": "getSurvey", "summary": "The latest published version of a survey (public)",
            "parameters": [{ "name": "If-None-Match", "in": "header", "required": false,
                "description": "The ETag of a copy the client holds: 304 when it is still current",
                "schema": { "type": "string" } }],
            "responses": {
                "200": { "description": "The survey file", "content": { "application/json": { "schema": p.r("Survey") } },
                    "headers": { SURVEY_STATE_HEADER: { "description": "open or closed", "schema": { "type": "string", "enum": ["open", "closed"] } },
                        "ETag": { "description": "changes with the version, the content and open/closed", "schema": { "type": "string" } } } },
                "304": { "description": "The copy named by If-None-Match is current (no body)",
                    "headers": { "ETag": { "description": "the current tag", "schema": { "type": "string" } } } },
                "404": p.error("survey_not_found"),
                "429": p.error("rate_limited")
            }
        })
    }

    pub fn put_survey(p: &Parts) -> Value {
        json!({
            "operationId": "putSurvey", "summary": "Publish a survey version (admin)",
            "security": [{ "admin": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": p.r("Survey") } } },
            "responses": {
                "200": { "description": "This exact version was already published", "content": { "application/json": { "schema": p.r("PublishResponse") } } },
                "201": { "description": "Published", "content": { "application/json": { "schema": p.r("PublishResponse") } } },
                "400": p.error("bad_request: not UTF-8, or the path id differs from the file's id"),
                "401": p.error("unauthorized"),
                "403": p.error("forbidden"),
                "409": p.error("survey_invalid: version goes backwards, or the same version with other content"),
                "413": p.error("payload_too_large"),
                "422": p.error("survey_invalid: the file has problems (error.problems)"),
                "429": p.error("rate_limited")
            }
        })
    }

    pub fn submit_ballots(p: &Parts) -> Value {
        json!({
            "operationId": "submitBallots",
            "summary": format!("Submit 1 to {MAX_BATCH} ballots, stored in one transaction"),
            "security": [{}, { "submitKey": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": p.r("SubmitBatch") } } },
            "responses": {
                "200": p.submit(),
                "409": { "description": "A SubmitResponse when any ballot is a conflict, or an ErrorBody \
                    survey_closed when the survey is closed (nothing stored)", "content": { "application/json": {
                    "schema": { "oneOf": [p.r("SubmitResponse"), p.r("ErrorBody")] } } } },
                "422": p.submit(),
                "400": p.error("bad_request or batch_empty"),
                "401": p.error("unauthorized: submit key missing or wrong"),
                "404": p.error("survey_not_found"),
                "413": p.error("batch_too_large or payload_too_large"),
                "429": p.error("rate_limited"),
                "500": p.error("internal: nothing was stored; retry"),
                "507": p.error("storage_full: the collector's disk is full; nothing was stored; retry later")
            }
        })
    }

    pub fn export_ballots(p: &Parts) -> Value {
        json!({
            "operationId": "exportBallots", "summary": "Raw export of every stored ballot (admin), streamed",
            "security": [{ "admin": [] }],
            "parameters": [p.version(), {
                "name": "format", "in": "query", "required": false,
                "description": "json / ndjson: every stored ballot of every version (or of `version`), \
                    full fidelity, in insertion order, streamed: the backup that `pingyi-collector import` \
                    reads back. export: the officials' file, core's pingyi-ballots/1 raw export of one \
                    version (the latest unless `version`): the counted ballots sorted by id, with device \
                    ids blanked and cast_at cut to the day when the survey is anonymous; sent as an \
                    attachment <survey_id>-ballots.json. Anonymising changes content hashes, so do not \
                    merge or import anonymised files.",
                "schema": { "type": "string", "enum": ["json", "ndjson", "export"], "default": "json" }
            }],
            "responses": {
                "200": { "description": "The ballots", "content": {
                    "application/json": { "schema": { "oneOf": [
                        { "type": "array", "items": p.r("Ballot") },
                        p.r("RawExport")
                    ] } },
                    "application/x-ndjson": { "schema": p.r("Ballot") }
                } },
                "400": p.error("bad_request: unknown format"),
                "401": p.error("unauthorized"),
                "403": p.error("forbidden"),
                "404": p.error("survey_not_found"),
                "429": p.error("rate_limited")
            }
        })
    }

    pub fn get_tally(p: &Parts) -> Value {
        json!({
            "operationId": "getTally",
            "summary": "The tally of the stored ballots and paper totals (public when the survey has results_public and the results are revealed or the survey closed, else admin)",
            "security": [{}, { "admin": [] }],
            "parameters": [p.version(), {
                "name": "format", "in": "query", "required": false,
                "description": "tally: the plain Tally (default). report: the pingyi-tally/1 TallyReport \
                    with generated_at = the server's time; receipts only when the survey has \
                    publish_receipts. csv: the CSV for Excel (UTF-8 with a byte order mark, CRLF) as \
                    an attachment <survey_id>-tally.csv.",
                "schema": { "type": "string", "enum": ["tally", "report", "csv"], "default": "tally" }
            }, {
                "name": "lang", "in": "query", "required": false,
                "description": "Language of the CSV's headers and fixed words.",
                "schema": { "type": "string", "enum": ["zh", "en"], "default": "zh" }
            }],
            "responses": {
                "200": { "description": "The tally, the report or the CSV. After closing (for the closed \
                    version): the frozen final tally, with headers x-pingyi-frozen and x-pingyi-content-hash.", "content": {
                    "application/json": { "schema": { "oneOf": [p.r("Tally"), p.r("TallyReport")] } },
                    "text/csv": { "schema": { "type": "string" } }
                }, "headers": {
                    FROZEN_HEADER: { "description": "true when served from the frozen final tally", "schema": { "type": "string" } },
                    CONTENT_HASH_HEADER: { "description": "SHA-256 of the frozen report's canonical JSON", "schema": { "type": "string" } }
                } },
                "400": p.error("bad_request: unknown format or lang"),
                "401": p.error("unauthorized"),
                "403": p.error("forbidden"),
                "404": p.error("survey_not_found"),
                "429": p.error("rate_limited")
            }
        })
    }

    pub fn get_survey_state(p: &Parts) -> Value {
        json!({
            "operationId": "getSurveyState", "summary": "Whether voting is open or closed and results revealed (public)",
            "responses": { "200": p.json_of("SurveyStateView", "The state"), "404": p.error("survey_not_found"), "429": p.error("rate_limited") }
        })
    }

    pub fn make_codes(p: &Parts) -> Value {
        json!({
            "operationId": "makeCodes",
            "summary": format!("Make 1 to {MAX_CODES_PER_REQUEST} one-time ballot codes (admin); only their hashes are stored, the plain codes are in this answer only"),
            "security": [{ "admin": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": p.r("CodesRequest") } } },
            "responses": {
                "201": p.json_of("CodesResponse", "The new codes with their join links; never retrievable again"),
                "400": p.error("bad_request: count out of range or a malformed body"),
                "401": p.error("unauthorized"), "403": p.error("forbidden"), "404": p.error("survey_not_found"),
                "409": p.error("codes_not_enabled (the survey has no codes: true) or survey_closed"),
                "429": p.error("rate_limited")
            }
        })
    }

    pub fn get_code_hashes(p: &Parts) -> Value {
        json!({
            "operationId": "getCodeHashes", "summary": "Retired: code hashes are no longer handed out (they cast ballots); use codes/hints (admin)",
            "security": [{ "admin": [] }], "deprecated": true,
            "responses": { "410": p.error("gone: retired; update the kiosk and load codes/hints"), "401": p.error("unauthorized"),
                "403": p.error("forbidden"), "429": p.error("rate_limited") }
        })
    }

    pub fn get_code_hints(p: &Parts) -> Value {
        json!({
            "operationId": "getCodeHints", "summary": "A short hint per code (catches typos, casts no ballot) and the used code hashes, for a kiosk (admin)",
            "security": [{ "admin": [] }],
            "responses": { "200": p.json_of("CodeHints", "The hints"), "401": p.error("unauthorized"), "403": p.error("forbidden"),
                "404": p.error("survey_not_found"), "429": p.error("rate_limited") }
        })
    }

    pub fn get_code_attempts(p: &Parts) -> Value {
        json!({
            "operationId": "getCodeAttempts", "summary": "Ballots with unknown codes lately, and whether they are answered 429 now (admin)",
            "security": [{ "admin": [] }],
            "responses": { "200": p.json_of("CodeAttempts", "The count"), "401": p.error("unauthorized"), "403": p.error("forbidden"),
                "404": p.error("survey_not_found"), "429": p.error("rate_limited") }
        })
    }

    pub fn get_paper_totals(p: &Parts) -> Value {
        json!({
            "operationId": "getPaperTotals", "summary": "The paper totals in force (admin)",
            "security": [{ "admin": [] }],
            "responses": { "200": p.json_of("PaperTotalsView", "The totals"), "401": p.error("unauthorized"), "403": p.error("forbidden"),
                "404": p.error("survey_not_found"), "429": p.error("rate_limited") }
        })
    }

    pub fn put_paper_totals(p: &Parts) -> Value {
        json!({
            "operationId": "putPaperTotals", "summary": "Replace the whole set of paper totals, checked against the latest version (admin, idempotent)",
            "security": [{ "admin": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": p.r("PaperTotalsBody") } } },
            "responses": { "200": p.json_of("PaperTotalsView", "Stored"), "400": p.error("bad_request"), "401": p.error("unauthorized"),
                "403": p.error("forbidden"), "404": p.error("survey_not_found"), "409": p.error("survey_closed"),
                "413": p.error("payload_too_large"), "422": p.error("paper_totals_invalid (error.problems)"), "429": p.error("rate_limited") }
        })
    }

    pub fn reveal_results(p: &Parts) -> Value {
        p.admin_post("revealResults", "Reveal the results on the projector and, with results_public, on the public tally (admin)", p.json_of("SurveyStateView", "The new state"))
    }

    pub fn hide_results(p: &Parts) -> Value {
        p.admin_post(
            "hideResults",
            "Hide the results again (admin)",
            p.json_of("SurveyStateView", "The new state"),
        )
    }

    pub fn close_survey(p: &Parts) -> Value {
        p.admin_post(
            "closeSurvey",
            "Close voting and freeze the final tally; closing again answers with the same (admin)",
            p.json_of("FinalTally", "The frozen final tally"),
        )
    }

    pub fn get_final_tally(p: &Parts) -> Value {
        json!({
            "operationId": "getFinalTally", "summary": "The final tally frozen at closing (public with results_public, else admin)",
            "security": [{}, { "admin": [] }],
            "responses": { "200": p.json_of("FinalTally", "The frozen tally; content_hash is the SHA-256 of `report` as sent"),
                "401": p.error("unauthorized"), "403": p.error("forbidden"), "404": p.error("survey_not_found"),
                "409": p.error("survey_open: not closed yet"), "429": p.error("rate_limited") }
        })
    }

    pub fn get_live(p: &Parts) -> Value {
        json!({
            "operationId": "getLive", "summary": "What the projector shows: title, ballots against eligible, state; the tally only once revealed (public)",
            "responses": { "200": p.json_of("LiveView", "The live view"), "404": p.error("survey_not_found"), "429": p.error("rate_limited") }
        })
    }

    pub fn get_live_events(p: &Parts) -> Value {
        json!({
            "operationId": "getLiveEvents",
            "summary": format!("Server-sent events `live` with a LiveView as data: one at once, one after each change, one every {LIVE_EVENT_SECONDS} s otherwise (public)"),
            "responses": { "200": { "description": "text/event-stream; each event is `live` with a LiveView as JSON in its data", "content": { "text/event-stream": { "schema": {
                "type": "object", "required": ["data"],
                "properties": {
                    "event": { "const": "live" },
                    "data": { "type": "string", "contentMediaType": "application/json", "contentSchema": p.r("LiveView") }
                }
            } } } },
                "404": p.error("survey_not_found"), "429": p.error("rate_limited") }
        })
    }

    pub fn post_rollup(p: &Parts) -> Value {
        json!({
            "operationId": "postRollup",
            "summary": "Roll up many units' tally reports of one survey template into one table, one row per unit and a totals row (admin)",
            "description": "The body is a JSON array of pingyi-tally/1 reports (GET .../tally?format=report, or `pingyi tally`), \
                within the collector's body limit. Reports must share one template (question ids and kinds, options, \
                subjects, items, rules; titles, units and eligible counts may differ), and each unit may appear once \
                (identical copies are kept once, with a note). See docs/results.md (Roll-ups).",
            "security": [{ "admin": [] }],
            "parameters": [{
                "name": "format", "in": "query", "required": false,
                "description": "json: the pingyi-rollup/1 Rollup. csv: the table for Excel or WPS (UTF-8 with a byte \
                    order mark, CRLF) as an attachment rollup.csv.",
                "schema": { "type": "string", "enum": ["json", "csv"], "default": "json" }
            }, {
                "name": "lang", "in": "query", "required": false,
                "description": "Language of the CSV's headers and fixed words.",
                "schema": { "type": "string", "enum": ["zh", "en"], "default": "zh" }
            }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "array", "items": p.r("TallyReport") } } } },
            "responses": {
                "200": { "description": "The roll-up", "content": {
                    "application/json": { "schema": p.r("Rollup") },
                    "text/csv": { "schema": { "type": "string" } }
                } },
                "400": p.error("bad_request: not JSON, not an array, or an unknown format or lang"),
                "401": p.error("unauthorized"),
                "403": p.error("forbidden"),
                "413": p.error("payload_too_large"),
                "422": p.error("rollup_refused: an item is not a tally report, the reports are of different templates, \
                    or a unit appears twice with different counts; error.problems names each at its path $[i]..."),
                "429": p.error("rate_limited")
            }
        })
    }
}

/// The error answers any operation can give besides its own: a malformed request (the JSON
/// error body, never plain text), a method the path lacks, the rate limit (on `/v1`), an
/// internal failure. Answers an operation already lists keep their own description.
fn add_common_errors(doc: &mut Value, error: &dyn Fn(&str) -> Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let api = path.starts_with("/v1/");
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if method == "parameters" {
                continue;
            }
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            let mut add = |code: &str, description: &str| {
                responses
                    .entry(code.to_string())
                    .or_insert_with(|| error(description));
            };
            add(
                "405",
                "method_not_allowed: the path exists, not with this method",
            );
            add(
                "500",
                "internal: something on the collector failed; retry later",
            );
            if api {
                add(
                    "400",
                    "bad_request: a malformed path, query string or body, with what is wrong",
                );
                add("404", "survey_not_found, or not_found for no such route");
                add("429", "rate_limited: see Retry-After");
            }
            if has_body {
                add("413", "payload_too_large: the body is over the size limit");
                add(
                    "415",
                    "bad_request: the body's Content-Type is not application/json",
                );
            }
        }
    }
}

/// Name a type's schema would get, for tests.
pub fn schema_name<T: JsonSchema>() -> String {
    T::schema_name().into_owned()
}

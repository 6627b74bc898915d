//! The OpenAPI 3.1 document served at `/openapi.json`.
//!
//! Operations are written here by hand; every body schema is generated from the Rust types with
//! schemars (JSON Schema 2020-12, which OpenAPI 3.1 uses as is), so the document cannot drift from
//! the code. A test checks that every route of the router is documented and every documented
//! operation is served.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use pingyi_core::export::{RawExport, TallyReport};
use pingyi_core::protocol::{
    error_code, ErrorBody, SubmitBatch, SubmitResponse, MAX_BATCH, SUBMIT_KEY_HEADER,
};
use pingyi_core::{Ballot, Survey, Tally};

use crate::routes::meeting::{
    CodeAttempts, CodeHints, CodesRequest, CodesResponse, FinalTally, LiveView, PaperTotalsBody,
    PaperTotalsView, SurveyStateView, CONTENT_HASH_HEADER, FROZEN_HEADER, LIVE_EVENT_SECONDS,
    MAX_CODES_PER_REQUEST,
};
use crate::routes::surveys::{PublishResponse, SURVEY_STATE_HEADER};

/// The whole document.
pub fn document() -> Value {
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
    let schemas = generator.take_definitions(true);
    let r = |name: &str| {
        refs.get(name)
            .cloned()
            .unwrap_or_else(|| json!({ "$ref": format!("#/components/schemas/{name}") }))
    };

    let error = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": r("ErrorBody") } } });
    let survey_id = json!({
        "name": "survey_id", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": "^[a-z0-9_-]{1,64}$" }
    });
    let version = json!({
        "name": "version", "in": "query", "required": false,
        "description": "Survey version; default the latest published.",
        "schema": { "type": "integer", "minimum": 1 }
    });
    let submit = json!({
        "description": format!(
            "One result per ballot, in order. 200 when all are accepted or duplicate, 409 when any \
             is a conflict, otherwise 422 when any is rejected."
        ),
        "content": { "application/json": { "schema": r("SubmitResponse") } }
    });

    let json_of = |name: &str, description: &str| json!({ "description": description, "content": { "application/json": { "schema": r(name) } } });
    let admin_post = |id: &str, summary: &str, ok: Value| {
        json!({
            "parameters": [survey_id.clone()],
            "post": {
                "operationId": id, "summary": summary, "security": [{ "admin": [] }],
                "responses": {
                    "200": ok, "401": error("unauthorized"), "403": error("forbidden"),
                    "404": error("survey_not_found"), "429": error("rate_limited")
                }
            }
        })
    };
    let mut paths = json!({
        "/v1/surveys/{survey_id}/state": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getSurveyState", "summary": "Whether voting is open or closed and results revealed (public)",
            "responses": { "200": json_of("SurveyStateView", "The state"), "404": error("survey_not_found"), "429": error("rate_limited") }
        }},
        "/v1/surveys/{survey_id}/codes": { "parameters": [survey_id.clone()], "post": {
            "operationId": "makeCodes",
            "summary": format!("Make 1 to {MAX_CODES_PER_REQUEST} one-time ballot codes (admin); only their hashes are stored, the plain codes are in this answer only"),
            "security": [{ "admin": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": r("CodesRequest") } } },
            "responses": {
                "201": json_of("CodesResponse", "The new codes with their join links; never retrievable again"),
                "400": error("bad_request: count out of range or a malformed body"),
                "401": error("unauthorized"), "403": error("forbidden"), "404": error("survey_not_found"),
                "409": error("codes_not_enabled (the survey has no codes: true) or survey_closed"),
                "429": error("rate_limited")
            }
        }},
        "/v1/surveys/{survey_id}/codes/hashes": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getCodeHashes", "summary": "Retired: code hashes are no longer handed out (they cast ballots); use codes/hints (admin)",
            "security": [{ "admin": [] }], "deprecated": true,
            "responses": { "410": error("gone: retired; update the kiosk and load codes/hints"), "401": error("unauthorized"),
                "403": error("forbidden"), "429": error("rate_limited") }
        }},
        "/v1/surveys/{survey_id}/codes/hints": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getCodeHints", "summary": "A short hint per code (catches typos, casts no ballot) and the used code hashes, for a kiosk (admin)",
            "security": [{ "admin": [] }],
            "responses": { "200": json_of("CodeHints", "The hints"), "401": error("unauthorized"), "403": error("forbidden"),
                "404": error("survey_not_found"), "429": error("rate_limited") }
        }},
        "/v1/surveys/{survey_id}/codes/attempts": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getCodeAttempts", "summary": "Ballots with unknown codes lately, and whether they are answered 429 now (admin)",
            "security": [{ "admin": [] }],
            "responses": { "200": json_of("CodeAttempts", "The count"), "401": error("unauthorized"), "403": error("forbidden"),
                "404": error("survey_not_found"), "429": error("rate_limited") }
        }},
        "/v1/surveys/{survey_id}/paper-totals": { "parameters": [survey_id.clone()],
            "get": {
                "operationId": "getPaperTotals", "summary": "The paper totals in force (admin)",
                "security": [{ "admin": [] }],
                "responses": { "200": json_of("PaperTotalsView", "The totals"), "401": error("unauthorized"), "403": error("forbidden"),
                    "404": error("survey_not_found"), "429": error("rate_limited") }
            },
            "put": {
                "operationId": "putPaperTotals", "summary": "Replace the whole set of paper totals, checked against the latest version (admin, idempotent)",
                "security": [{ "admin": [] }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": r("PaperTotalsBody") } } },
                "responses": { "200": json_of("PaperTotalsView", "Stored"), "400": error("bad_request"), "401": error("unauthorized"),
                    "403": error("forbidden"), "404": error("survey_not_found"), "409": error("survey_closed"),
                    "413": error("payload_too_large"), "422": error("paper_totals_invalid (error.problems)"), "429": error("rate_limited") }
            }
        },
        "/v1/surveys/{survey_id}/reveal": admin_post("revealResults", "Reveal the results on the projector and, with results_public, on the public tally (admin)", json_of("SurveyStateView", "The new state")),
        "/v1/surveys/{survey_id}/hide": admin_post("hideResults", "Hide the results again (admin)", json_of("SurveyStateView", "The new state")),
        "/v1/surveys/{survey_id}/close": admin_post("closeSurvey", "Close voting and freeze the final tally; closing again answers with the same (admin)", json_of("FinalTally", "The frozen final tally")),
        "/v1/surveys/{survey_id}/final": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getFinalTally", "summary": "The final tally frozen at closing (public with results_public, else admin)",
            "security": [{}, { "admin": [] }],
            "responses": { "200": json_of("FinalTally", "The frozen tally; content_hash is the SHA-256 of `report` as sent"),
                "401": error("unauthorized"), "403": error("forbidden"), "404": error("survey_not_found"),
                "409": error("survey_open: not closed yet"), "429": error("rate_limited") }
        }},
        "/v1/surveys/{survey_id}/live": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getLive", "summary": "What the projector shows: title, ballots against eligible, state; the tally only once revealed (public)",
            "responses": { "200": json_of("LiveView", "The live view"), "404": error("survey_not_found"), "429": error("rate_limited") }
        }},
        "/v1/surveys/{survey_id}/live/events": { "parameters": [survey_id.clone()], "get": {
            "operationId": "getLiveEvents",
            "summary": format!("Server-sent events `live` with a LiveView as data: one at once, one after each change, one every {LIVE_EVENT_SECONDS} s otherwise (public)"),
            "responses": { "200": { "description": "text/event-stream; each data line is a LiveView", "content": { "text/event-stream": { "schema": r("LiveView") } } },
                "404": error("survey_not_found"), "429": error("rate_limited") }
        }}
    });

    let mut doc = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "pingyi/1 collector",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The pingyi/1 ballot collection protocol. See docs/protocol.md. Every error \
                body is ErrorBody with a stable code: ".to_string() + &error_code::ALL.join(", ") + "."
        },
        "paths": {
            "/healthz": { "get": {
                "operationId": "healthz", "summary": "Liveness",
                "responses": { "200": { "description": "Up", "content": { "application/json": {
                    "schema": { "type": "object", "properties": { "ok": { "const": true } }, "required": ["ok"] } } } } }
            }},
            "/openapi.json": { "get": {
                "operationId": "openapi", "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.1 document", "content": { "application/json": {} } } }
            }},
            "/v1/surveys/{survey_id}": {
                "parameters": [survey_id.clone()],
                "get": {
                    "operationId": "getSurvey", "summary": "The latest published version of a survey (public)",
                    "responses": {
                        "200": { "description": "The survey file", "content": { "application/json": { "schema": r("Survey") } },
                            "headers": { SURVEY_STATE_HEADER: { "description": "open or closed", "schema": { "type": "string", "enum": ["open", "closed"] } } } },
                        "404": error("survey_not_found"),
                        "429": error("rate_limited")
                    }
                },
                "put": {
                    "operationId": "putSurvey", "summary": "Publish a survey version (admin)",
                    "security": [{ "admin": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": r("Survey") } } },
                    "responses": {
                        "200": { "description": "This exact version was already published", "content": { "application/json": { "schema": r("PublishResponse") } } },
                        "201": { "description": "Published", "content": { "application/json": { "schema": r("PublishResponse") } } },
                        "400": error("bad_request: not UTF-8, or the path id differs from the file's id"),
                        "401": error("unauthorized"),
                        "403": error("forbidden"),
                        "409": error("survey_invalid: version goes backwards, or the same version with other content"),
                        "413": error("payload_too_large"),
                        "422": error("survey_invalid: the file has problems (error.problems)"),
                        "429": error("rate_limited")
                    }
                }
            },
            "/v1/surveys/{survey_id}/ballots": {
                "parameters": [survey_id.clone()],
                "post": {
                    "operationId": "submitBallots",
                    "summary": format!("Submit 1 to {MAX_BATCH} ballots, stored in one transaction"),
                    "security": [{}, { "submitKey": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": r("SubmitBatch") } } },
                    "responses": {
                        "200": submit.clone(),
                        "409": { "description": "A SubmitResponse when any ballot is a conflict, or an ErrorBody \
                            survey_closed when the survey is closed (nothing stored)", "content": { "application/json": {
                            "schema": { "oneOf": [r("SubmitResponse"), r("ErrorBody")] } } } },
                        "422": submit,
                        "400": error("bad_request or batch_empty"),
                        "401": error("unauthorized: submit key missing or wrong"),
                        "404": error("survey_not_found"),
                        "413": error("batch_too_large or payload_too_large"),
                        "429": error("rate_limited"),
                        "500": error("internal: nothing was stored; retry"),
                        "507": error("storage_full: the collector's disk is full; nothing was stored; retry later")
                    }
                },
                "get": {
                    "operationId": "exportBallots", "summary": "Raw export of every stored ballot (admin), streamed",
                    "security": [{ "admin": [] }],
                    "parameters": [version.clone(), {
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
                                { "type": "array", "items": r("Ballot") },
                                r("RawExport")
                            ] } },
                            "application/x-ndjson": { "schema": r("Ballot") }
                        } },
                        "400": error("bad_request: unknown format"),
                        "401": error("unauthorized"),
                        "403": error("forbidden"),
                        "404": error("survey_not_found"),
                        "429": error("rate_limited")
                    }
                }
            },
            "/v1/surveys/{survey_id}/tally": {
                "parameters": [survey_id],
                "get": {
                    "operationId": "getTally",
                    "summary": "The tally of the stored ballots and paper totals (public when the survey has results_public and the results are revealed or the survey closed, else admin)",
                    "security": [{}, { "admin": [] }],
                    "parameters": [version, {
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
                            "application/json": { "schema": { "oneOf": [r("Tally"), r("TallyReport")] } },
                            "text/csv": { "schema": { "type": "string" } }
                        }, "headers": {
                            FROZEN_HEADER: { "description": "true when served from the frozen final tally", "schema": { "type": "string" } },
                            CONTENT_HASH_HEADER: { "description": "SHA-256 of the frozen report's canonical JSON", "schema": { "type": "string" } }
                        } },
                        "400": error("bad_request: unknown format or lang"),
                        "401": error("unauthorized"),
                        "403": error("forbidden"),
                        "404": error("survey_not_found"),
                        "429": error("rate_limited")
                    }
                }
            }
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "admin": { "type": "http", "scheme": "bearer", "description": "The collector's admin token" },
                "submitKey": { "type": "apiKey", "in": "header", "name": SUBMIT_KEY_HEADER,
                    "description": "The survey's collect.submit_key, when it has one" }
            }
        }
    });
    if let (Some(all), Some(extra)) = (doc["paths"].as_object_mut(), paths.as_object_mut()) {
        all.append(extra);
    }
    doc
}

/// Name a type's schema would get, for tests.
pub fn schema_name<T: JsonSchema>() -> String {
    T::schema_name().into_owned()
}

-- Pingyi collector, PostgreSQL schema version 1: the same tables as the SQLite backend
-- (crates/collector/src/store/sqlite.rs). Applied once by the collector at start, inside one
-- transaction, and recorded in schema_migrations. Never edit a released migration: add the next
-- numbered file instead.
--
-- Text that is compared or sorted (ids, code checks, code hashes) uses the "C" collation, so the
-- order is byte order, as in SQLite, whatever the database's locale.

CREATE TABLE survey_versions (
    survey_id    TEXT COLLATE "C" NOT NULL,
    version      BIGINT NOT NULL CHECK (version >= 0),
    json         TEXT   NOT NULL,
    content_hash TEXT   NOT NULL,
    published_at TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    PRIMARY KEY (survey_id, version)
);

-- seq: order of arrival for paging (rows are never deleted or updated). Writers of one survey
-- hold that survey's advisory lock until they commit, so within a survey seq follows commit order.
CREATE TABLE ballots (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    survey_id      TEXT COLLATE "C" NOT NULL,
    survey_version BIGINT NOT NULL,
    content_hash   TEXT   NOT NULL,
    canonical_json TEXT   NOT NULL,
    code_hash      TEXT COLLATE "C" NULL,
    received_at    TEXT   NOT NULL
);
CREATE INDEX ballots_by_survey_and_seq ON ballots (survey_id, seq);
CREATE INDEX ballots_by_survey_and_id ON ballots (survey_id, id);
CREATE UNIQUE INDEX ballots_by_code ON ballots (survey_id, code_hash) WHERE code_hash IS NOT NULL;

-- Only code_check(code_hash) of each ballot code, never a code or its hash.
CREATE TABLE code_checks (
    survey_id      TEXT COLLATE "C" NOT NULL,
    code_check     TEXT COLLATE "C" NOT NULL,
    used_by_ballot TEXT COLLATE "C" NULL UNIQUE,
    created_at     TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    PRIMARY KEY (survey_id, code_check)
);

CREATE TABLE survey_state (
    survey_id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    revealed           BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at          TEXT   NULL,
    final_version      BIGINT NULL,
    final_report       TEXT   NULL,
    final_content_hash TEXT   NULL
);

CREATE TABLE paper_totals (
    survey_id      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    survey_version BIGINT NOT NULL,
    json           TEXT   NOT NULL,
    updated_at     TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

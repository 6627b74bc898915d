-- Pingyi collector, PostgreSQL schema version 2: the kept tally, the same tables as SQLite's
-- (crates/collector/src/store/sqlite.rs). tally_state holds, per survey version, core's
-- TallyState (counts only, as JSON); tally_texts the texts and objection reasons it counted, one
-- row each, appended and never rewritten (seq keeps their order). insert_ballots updates both in
-- its own transaction, under the survey's advisory lock. The collector builds the states of the
-- ballots already stored in the same transaction as this migration.

CREATE TABLE tally_state (
    survey_id      TEXT COLLATE "C" NOT NULL,
    survey_version BIGINT NOT NULL,
    state          TEXT   NOT NULL,
    PRIMARY KEY (survey_id, survey_version)
);

CREATE TABLE tally_texts (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY,
    survey_id      TEXT COLLATE "C" NOT NULL,
    survey_version BIGINT NOT NULL,
    question       BIGINT NOT NULL,
    list           BIGINT NOT NULL,
    text           TEXT   NOT NULL
);
CREATE INDEX tally_texts_by_version ON tally_texts (survey_id, survey_version, seq);

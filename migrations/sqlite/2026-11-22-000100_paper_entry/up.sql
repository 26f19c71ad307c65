-- Paper entry: envelopes received, keying passes (double entry), which response counts when a
-- code has both an online and a paper response, and the audit log of changes to responses.
ALTER TABLE surveys ADD COLUMN double_entry BOOLEAN NOT NULL DEFAULT TRUE;

-- Mixed mode: every submitted response is kept; `counted` says which one statistics use.
-- count_chosen_* are set when staff (not the rule) chose the counted response.
ALTER TABLE responses ADD COLUMN counted BOOLEAN NOT NULL DEFAULT TRUE;
-- (No REFERENCES on added columns here: SQLite cannot drop a column that is part of a
-- foreign key, which the down migration needs; PostgreSQL has them.)
ALTER TABLE responses ADD COLUMN duplicate_of BIGINT;
ALTER TABLE responses ADD COLUMN count_chosen_by BIGINT;
ALTER TABLE responses ADD COLUMN count_chosen_at TIMESTAMP;
ALTER TABLE responses ADD COLUMN count_reason TEXT;
CREATE UNIQUE INDEX responses_one_paper_per_code ON responses(access_code_id) WHERE channel = 'paper';

CREATE TABLE paper_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    received_on DATE NOT NULL,
    envelopes INTEGER NOT NULL CHECK (envelopes > 0),
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX paper_batches_survey ON paper_batches(survey_id);

CREATE TABLE paper_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    access_code_id BIGINT NOT NULL REFERENCES access_codes(id),
    pass INTEGER NOT NULL CHECK (pass IN (1, 2)),
    keyer_id BIGINT NOT NULL REFERENCES users(id),
    answers_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'complete')),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE UNIQUE INDEX paper_entries_one_pass_per_code ON paper_entries(access_code_id, pass);
CREATE INDEX paper_entries_survey ON paper_entries(survey_id, status);

CREATE TABLE response_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id BIGINT NOT NULL REFERENCES responses(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    changed_at TIMESTAMP NOT NULL,
    item_id TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX response_audit_response ON response_audit(response_id);

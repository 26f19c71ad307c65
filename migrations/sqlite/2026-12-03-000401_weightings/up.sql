-- Weightings an admin saves per survey (a name and a specification as JSON,
-- analysis::weighting::WeightingSpec); at most one of a survey's is published (published_at
-- set) and the planners' pages and exports use it, the default weighting when none is.
-- Publishing raises surveys.data_version in its transaction (db::weightings::publish), so
-- the cached analyses are rebuilt with the new weights. Every change is logged.
CREATE TABLE weightings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    published_by BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX weightings_name ON weightings (survey_id, name);

CREATE TABLE weighting_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    weighting_id BIGINT REFERENCES weightings (id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('saved', 'published', 'unpublished')),
    detail TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX weighting_log_survey ON weighting_log (survey_id);

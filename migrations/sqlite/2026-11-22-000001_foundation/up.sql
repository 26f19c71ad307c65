-- Accounts for staff, planners and admins; sessions; surveys; access codes; responses.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'planner')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title_ja TEXT NOT NULL,
    title_en TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    modules TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    help_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE access_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX access_codes_survey ON access_codes(survey_id);

CREATE TABLE responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    access_code_id BIGINT REFERENCES access_codes(id),
    channel TEXT NOT NULL CHECK (channel IN ('online', 'paper')),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'submitted')),
    answers_json TEXT NOT NULL,
    page_index INTEGER NOT NULL,
    version INTEGER NOT NULL,
    distress BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP
);
CREATE UNIQUE INDEX responses_one_online_per_code ON responses(access_code_id) WHERE channel = 'online';
CREATE INDEX responses_survey ON responses(survey_id, status);

CREATE TABLE resident_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    response_id BIGINT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

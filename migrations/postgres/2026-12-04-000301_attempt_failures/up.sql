-- Failed access-code entries and sign-ins per client address, kept in the database so that
-- the limit (auth::rate_limit::FailureRule) holds across every app server on one database;
-- rows older than the window are deleted as new failures arrive.
CREATE TABLE attempt_failures (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    client TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX attempt_failures_by_client ON attempt_failures (kind, client, failed_at);
CREATE INDEX attempt_failures_by_time ON attempt_failures (failed_at);

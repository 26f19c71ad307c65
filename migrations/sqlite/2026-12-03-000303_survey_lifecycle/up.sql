-- The survey lifecycle: draft → fieldwork (open) → closed → published. A published survey's
-- data is frozen: the trigger below refuses, in the transaction of the change, anything that
-- would raise its data version (a paper acceptance, a correction, which response counts, the
-- sample, a weighting), whatever code path tries; unpublishing (with a reason) lifts it.
ALTER TABLE surveys ADD COLUMN published_at TIMESTAMP;
ALTER TABLE surveys ADD COLUMN published_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Codes for trying the questionnaire while the survey is a draft: they work only in draft,
-- and their responses are deleted when fieldwork opens, so they never count.
ALTER TABLE access_codes ADD COLUMN test BOOLEAN NOT NULL DEFAULT FALSE;

-- Who moved a survey from one state to another, when, and why.
CREATE TABLE survey_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX survey_log_survey ON survey_log (survey_id, at);

CREATE TRIGGER surveys_published_data_frozen BEFORE UPDATE OF data_version ON surveys
WHEN OLD.published_at IS NOT NULL AND NEW.data_version <> OLD.data_version
BEGIN
  SELECT RAISE(ABORT, 'tsunagari: the survey is published');
END;

-- The planner pages cache each survey's analysis dataset and rebuild it only when the data
-- it is built from changes. Triggers bump surveys.data_version in the same transaction as
-- every such change, whichever code path makes it: a response that is or was submitted
-- (submit, paper acceptance, correction, the mixed-mode choice of which one counts), and
-- a sample drawn or replaced (the design and the register margins come with it). Saving an
-- unfinished online answer does not bump it.
ALTER TABLE surveys ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_survey_data_version() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE surveys SET data_version = data_version + 1 WHERE id = OLD.survey_id;
    RETURN OLD;
  END IF;
  UPDATE surveys SET data_version = data_version + 1 WHERE id = NEW.survey_id;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER responses_data_version_insert AFTER INSERT ON responses
FOR EACH ROW WHEN (NEW.status = 'submitted') EXECUTE FUNCTION bump_survey_data_version();

CREATE TRIGGER responses_data_version_update AFTER UPDATE ON responses
FOR EACH ROW WHEN (NEW.status = 'submitted' OR OLD.status = 'submitted')
EXECUTE FUNCTION bump_survey_data_version();

CREATE TRIGGER responses_data_version_delete AFTER DELETE ON responses
FOR EACH ROW WHEN (OLD.status = 'submitted') EXECUTE FUNCTION bump_survey_data_version();

CREATE TRIGGER samples_data_version AFTER INSERT OR DELETE ON samples
FOR EACH ROW EXECUTE FUNCTION bump_survey_data_version();

-- A survey may name an earlier survey of the same questionnaire as its previous wave; the
-- planner overview then shows each indicator for both waves and tests the change.
ALTER TABLE surveys ADD COLUMN previous_wave_id BIGINT REFERENCES surveys (id);

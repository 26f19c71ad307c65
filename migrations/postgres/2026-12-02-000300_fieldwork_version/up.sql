-- The planner's fieldwork page is kept in memory between requests and read again only when
-- what it shows changes. Triggers bump surveys.fieldwork_version in the same transaction as
-- every such change: a response started, submitted, deleted, or switched in mode or in
-- whether it counts; a sampled person's disposition; a paper keying pass started, finished
-- or removed; a batch of envelopes logged or corrected; a sample drawn or replaced; double
-- entry switched. Saving answers (online or while keying) does not bump it.
ALTER TABLE surveys ADD COLUMN fieldwork_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_survey_fieldwork_version() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = OLD.survey_id;
    RETURN OLD;
  END IF;
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER responses_fieldwork_insert_delete AFTER INSERT OR DELETE ON responses
FOR EACH ROW EXECUTE FUNCTION bump_survey_fieldwork_version();

CREATE TRIGGER responses_fieldwork_update AFTER UPDATE ON responses
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
  OR OLD.counted IS DISTINCT FROM NEW.counted
  OR OLD.channel IS DISTINCT FROM NEW.channel
  OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at
  OR OLD.access_code_id IS DISTINCT FROM NEW.access_code_id)
EXECUTE FUNCTION bump_survey_fieldwork_version();

CREATE FUNCTION bump_sample_fieldwork_version() RETURNS trigger AS $$
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1
  WHERE id = (SELECT survey_id FROM samples WHERE samples.id = NEW.sample_id);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sampled_units_fieldwork_update AFTER UPDATE ON sampled_units
FOR EACH ROW EXECUTE FUNCTION bump_sample_fieldwork_version();

CREATE TRIGGER samples_fieldwork AFTER INSERT OR UPDATE OR DELETE ON samples
FOR EACH ROW EXECUTE FUNCTION bump_survey_fieldwork_version();

CREATE TRIGGER paper_entries_fieldwork_insert_delete AFTER INSERT OR DELETE ON paper_entries
FOR EACH ROW EXECUTE FUNCTION bump_survey_fieldwork_version();

CREATE TRIGGER paper_entries_fieldwork_update AFTER UPDATE ON paper_entries
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
  OR OLD.access_code_id IS DISTINCT FROM NEW.access_code_id)
EXECUTE FUNCTION bump_survey_fieldwork_version();

CREATE TRIGGER paper_batches_fieldwork AFTER INSERT OR UPDATE OR DELETE ON paper_batches
FOR EACH ROW EXECUTE FUNCTION bump_survey_fieldwork_version();

CREATE FUNCTION bump_own_fieldwork_version() RETURNS trigger AS $$
BEGIN
  NEW.fieldwork_version := OLD.fieldwork_version + 1;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER surveys_fieldwork_double_entry BEFORE UPDATE ON surveys
FOR EACH ROW WHEN (OLD.double_entry IS DISTINCT FROM NEW.double_entry)
EXECUTE FUNCTION bump_own_fieldwork_version();

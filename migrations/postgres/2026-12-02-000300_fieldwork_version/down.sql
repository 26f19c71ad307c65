DROP TRIGGER surveys_fieldwork_double_entry ON surveys;
DROP FUNCTION bump_own_fieldwork_version();
DROP TRIGGER paper_batches_fieldwork ON paper_batches;
DROP TRIGGER paper_entries_fieldwork_update ON paper_entries;
DROP TRIGGER paper_entries_fieldwork_insert_delete ON paper_entries;
DROP TRIGGER samples_fieldwork ON samples;
DROP TRIGGER sampled_units_fieldwork_update ON sampled_units;
DROP FUNCTION bump_sample_fieldwork_version();
DROP TRIGGER responses_fieldwork_update ON responses;
DROP TRIGGER responses_fieldwork_insert_delete ON responses;
DROP FUNCTION bump_survey_fieldwork_version();
CREATE OR REPLACE FUNCTION bump_survey_data_version() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE surveys SET data_version = data_version + 1 WHERE id = OLD.survey_id;
    RETURN OLD;
  END IF;
  UPDATE surveys SET data_version = data_version + 1 WHERE id = NEW.survey_id;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION raise_survey_version(BIGINT, TEXT);
ALTER TABLE surveys DROP COLUMN fieldwork_version;

-- The planner's fieldwork page is kept in memory between requests and read again only when
-- what it shows changes. Triggers bump surveys.fieldwork_version in the same transaction as
-- every such change: a response started, submitted, deleted, or switched in mode or in
-- whether it counts; a sampled person's disposition; a paper keying pass started, finished
-- or removed; a batch of envelopes logged or corrected; a sample drawn or replaced; double
-- entry switched. Saving answers (online or while keying) does not bump it.
ALTER TABLE surveys ADD COLUMN fieldwork_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER responses_fieldwork_insert AFTER INSERT ON responses
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER responses_fieldwork_update AFTER UPDATE ON responses
WHEN OLD.status IS NOT NEW.status OR OLD.counted IS NOT NEW.counted
  OR OLD.channel IS NOT NEW.channel OR OLD.submitted_at IS NOT NEW.submitted_at
  OR OLD.access_code_id IS NOT NEW.access_code_id
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER responses_fieldwork_delete AFTER DELETE ON responses
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = OLD.survey_id;
END;

CREATE TRIGGER sampled_units_fieldwork_update AFTER UPDATE ON sampled_units
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1
  WHERE id = (SELECT survey_id FROM samples WHERE samples.id = NEW.sample_id);
END;

CREATE TRIGGER samples_fieldwork_insert AFTER INSERT ON samples
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER samples_fieldwork_update AFTER UPDATE ON samples
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER samples_fieldwork_delete AFTER DELETE ON samples
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = OLD.survey_id;
END;

CREATE TRIGGER paper_entries_fieldwork_insert AFTER INSERT ON paper_entries
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER paper_entries_fieldwork_update AFTER UPDATE ON paper_entries
WHEN OLD.status IS NOT NEW.status OR OLD.access_code_id IS NOT NEW.access_code_id
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER paper_entries_fieldwork_delete AFTER DELETE ON paper_entries
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = OLD.survey_id;
END;

CREATE TRIGGER paper_batches_fieldwork_insert AFTER INSERT ON paper_batches
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER paper_batches_fieldwork_update AFTER UPDATE ON paper_batches
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.survey_id;
END;

CREATE TRIGGER paper_batches_fieldwork_delete AFTER DELETE ON paper_batches
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = OLD.survey_id;
END;

CREATE TRIGGER surveys_fieldwork_double_entry AFTER UPDATE OF double_entry ON surveys
WHEN OLD.double_entry IS NOT NEW.double_entry
BEGIN
  UPDATE surveys SET fieldwork_version = fieldwork_version + 1 WHERE id = NEW.id;
END;

ALTER TABLE surveys DROP COLUMN previous_wave_id;
DROP TRIGGER samples_data_version ON samples;
DROP TRIGGER responses_data_version_delete ON responses;
DROP TRIGGER responses_data_version_update ON responses;
DROP TRIGGER responses_data_version_insert ON responses;
DROP FUNCTION bump_survey_data_version();
ALTER TABLE surveys DROP COLUMN data_version;

ALTER TABLE surveys DROP COLUMN previous_wave_id;
DROP TRIGGER samples_data_version_delete;
DROP TRIGGER samples_data_version_insert;
DROP TRIGGER responses_data_version_delete;
DROP TRIGGER responses_data_version_update;
DROP TRIGGER responses_data_version_insert;
ALTER TABLE surveys DROP COLUMN data_version;

DROP TRIGGER surveys_published_data_frozen ON surveys;
DROP FUNCTION refuse_published_data_change();
DROP TABLE survey_log;
ALTER TABLE access_codes DROP COLUMN test;
ALTER TABLE surveys DROP COLUMN published_by;
ALTER TABLE surveys DROP COLUMN published_at;

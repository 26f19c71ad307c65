ALTER TABLE responses DROP COLUMN answer_sources_json;

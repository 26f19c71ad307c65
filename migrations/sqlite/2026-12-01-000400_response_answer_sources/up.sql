-- Which answering session last changed each stored answer, and in which version (JSON:
-- question id → {"version", "writer"}). A page drawn from an older version is merged unless
-- another session changed one of its questions since (src/questionnaire/merge.rs).
ALTER TABLE responses ADD COLUMN answer_sources_json TEXT NOT NULL DEFAULT '{}';

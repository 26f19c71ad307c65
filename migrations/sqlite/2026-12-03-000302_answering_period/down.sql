ALTER TABLE surveys DROP COLUMN one_per_browser;
ALTER TABLE surveys DROP COLUMN answer_until;
ALTER TABLE surveys DROP COLUMN answer_from;

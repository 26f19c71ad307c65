-- A survey's answering period (both days included, in the municipality's time zone; NULL:
-- not limited) and, for open questionnaires, whether one browser may answer only once.
ALTER TABLE surveys ADD COLUMN answer_from DATE;
ALTER TABLE surveys ADD COLUMN answer_until DATE;
ALTER TABLE surveys ADD COLUMN one_per_browser BOOLEAN NOT NULL DEFAULT TRUE;

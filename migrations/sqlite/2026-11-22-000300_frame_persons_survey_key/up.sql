-- On PostgreSQL this drops the foreign key frame_persons.survey_id → surveys, checked row
-- by row during the frame's COPY (see the PostgreSQL migration of the same name). SQLite
-- checks it at no measurable cost and keeps it; this migration keeps the two lists alike.
SELECT 1;

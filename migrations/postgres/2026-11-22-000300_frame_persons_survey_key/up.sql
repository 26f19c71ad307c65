-- The frame is loaded by one COPY of up to 1.5 million rows. PostgreSQL checks a foreign
-- key with a query per inserted row, which was half of the server's work for that load, so
-- frame_persons.survey_id no longer references surveys itself. It still cannot name a
-- missing survey: only db::frame::store_batches writes frame_persons, in the same
-- transaction as the survey's frame_imports row, whose foreign key to surveys is checked
-- (and the survey row locked) before that transaction commits; frame_imports rows are
-- deleted only together with the frame's rows.
ALTER TABLE frame_persons DROP CONSTRAINT frame_persons_survey_id_fkey;

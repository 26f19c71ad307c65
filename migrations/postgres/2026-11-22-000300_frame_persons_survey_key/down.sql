ALTER TABLE frame_persons
    ADD CONSTRAINT frame_persons_survey_id_fkey FOREIGN KEY (survey_id) REFERENCES surveys(id);

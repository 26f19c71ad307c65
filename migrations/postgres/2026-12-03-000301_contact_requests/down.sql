DROP TABLE contact_request_log;
DROP TABLE contact_request_notes;
DROP TABLE contact_requests;
ALTER TABLE surveys DROP COLUMN consultation_json;
DELETE FROM users WHERE role = 'consultation';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'staff', 'planner'));

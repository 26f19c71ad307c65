PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE contact_request_log;
DROP TABLE contact_request_notes;
DROP TABLE contact_requests;
ALTER TABLE surveys DROP COLUMN consultation_json;
DELETE FROM users WHERE role = 'consultation';
CREATE TABLE users_without_consultation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'planner')),
    created_at TIMESTAMP NOT NULL,
    email TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
INSERT INTO users_without_consultation SELECT id, username, display_name, password_hash, role, created_at, email, active FROM users;
DROP TABLE users;
ALTER TABLE users_without_consultation RENAME TO users;
CREATE UNIQUE INDEX users_email ON users (email);
COMMIT;
PRAGMA foreign_keys = ON;

-- A new role, consultation staff (相談員), who follow up residents' contact requests.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'staff', 'planner', 'consultation'));

-- A survey file's [consultation] window (who follows up, its address, hours, promise and
-- retention) as JSON; NULL: the survey does not offer contact requests.
ALTER TABLE surveys ADD COLUMN consultation_json TEXT;

-- A resident's request to be contacted by the city's consultation window. It is kept apart
-- from the answers on purpose: no response, access code, session, sample unit or register
-- person is named here or anywhere else, and the time is kept to the hour only. What is
-- carried over is whether the answers signalled distress and which help lines the end page
-- showed. `sender_mark` is SHA-256 of a fixed prefix and the resident's session token (which
-- only the resident's browser holds; the server stores another hash of it), so a second
-- request from the same session is refused without the request pointing at the session.
CREATE TABLE contact_requests (
    id BIGSERIAL PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    received_at TIMESTAMP NOT NULL,
    distress BOOLEAN NOT NULL,
    help_shown TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    good_times TEXT NOT NULL,
    message TEXT NOT NULL,
    sender_mark TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('received', 'contacted', 'closed')),
    contacted_at TIMESTAMP,
    contacted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    closed_at TIMESTAMP,
    closed_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX contact_requests_queue ON contact_requests (survey_id, status);

-- What the consultation staff did and wrote about a request; deleted with the request.
CREATE TABLE contact_request_notes (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES contact_requests (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    written_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('contact', 'note', 'closed', 'reopened')),
    outcome TEXT CHECK (outcome IN ('reached', 'not_reached', 'referred')),
    body TEXT NOT NULL
);
CREATE INDEX contact_request_notes_request ON contact_request_notes (request_id);

-- Who opened or changed which request, and that a request was deleted after its retention
-- period. It names the request by number only (the number outlives the request) and holds
-- nothing the resident wrote.
CREATE TABLE contact_request_log (
    id BIGSERIAL PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    request_id BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('viewed', 'contacted', 'noted', 'closed', 'reopened', 'deleted'))
);
CREATE INDEX contact_request_log_survey ON contact_request_log (survey_id, at);

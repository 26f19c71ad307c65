-- Staff and planners see only the surveys they are members of; admins see every survey.
-- Accounts that existed before keep what they could open: every survey there was.
CREATE TABLE survey_members (
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_by BIGINT REFERENCES users (id),
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, user_id)
);
CREATE INDEX survey_members_user ON survey_members (user_id);

INSERT INTO survey_members (survey_id, user_id, granted_by, granted_at)
SELECT surveys.id, users.id, NULL, (now() AT TIME ZONE 'UTC')
FROM surveys CROSS JOIN users
WHERE users.role <> 'admin';

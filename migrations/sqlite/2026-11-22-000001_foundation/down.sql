DROP TABLE resident_sessions;
DROP TABLE responses;
DROP TABLE access_codes;
DROP TABLE surveys;
DROP TABLE staff_sessions;
DROP TABLE users;

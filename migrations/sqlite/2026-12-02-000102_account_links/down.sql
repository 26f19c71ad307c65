DROP TABLE account_audit;
DROP TABLE account_links;
DROP INDEX users_email;
ALTER TABLE users DROP COLUMN active;
ALTER TABLE users DROP COLUMN email;

-- The reasons the system gives for a change are stored as a kind with its figures (JSON,
-- entry::audit::AuditReason) and worded in the reader's language when shown; `reason` keeps
-- only what a person typed. The reasons written in English before are read into kinds by
-- db::entry::convert_legacy_reasons, which db::migrate runs after the migrations.
ALTER TABLE response_audit ADD COLUMN reason_code TEXT;

-- Every e-mail the site sends waits here until a background sender has delivered it: pages
-- only add a row (in the transaction of the change the mail is about) and never wait for
-- SMTP. A failed attempt is retried with back-off; a permanent refusal stops at 'failed'.
-- Both stay visible to admins until someone retries them.
CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT,
    delivered_to TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

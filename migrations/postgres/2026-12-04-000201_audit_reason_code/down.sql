-- Back to one English text per reason, as written before kinds were stored: the kind in
-- English words, then the reviewer's note after ' — '.
UPDATE response_audit SET reason = 'accepted: single entry'
    WHERE reason_code::json ->> 'kind' = 'single_entry';
UPDATE response_audit SET reason = 'accepted automatically: both entries identical'
    WHERE reason_code::json ->> 'kind' = 'identical_entries';
UPDATE response_audit
    SET reason = 'accepted after reconciling ' || (reason_code::json ->> 'items') || ' item(s)'
    WHERE reason_code::json ->> 'kind' = 'reconciled';
UPDATE response_audit
    SET reason = 'reconciliation: entry 1 '
        || CASE WHEN reason_code::json ->> 'first' IS NULL THEN '(none)'
                WHEN reason_code::json ->> 'first' = '' THEN '(blank)'
                ELSE reason_code::json ->> 'first' END
        || ', entry 2 '
        || CASE WHEN reason_code::json ->> 'second' IS NULL THEN '(none)'
                WHEN reason_code::json ->> 'second' = '' THEN '(blank)'
                ELSE reason_code::json ->> 'second' END
        || '; '
        || CASE reason_code::json -> 'decision' ->> 'how'
                WHEN 'first' THEN 'chose entry 1'
                WHEN 'second' THEN 'chose entry 2'
                WHEN 'corrected' THEN 'corrected to `' || (reason_code::json -> 'decision' ->> 'typed') || '`'
                ELSE 'removed (not in the questionnaire)' END
        || CASE WHEN reason = '' THEN '' ELSE ' — ' || reason END
    WHERE reason_code::json ->> 'kind' = 'reconciled_item';
ALTER TABLE response_audit DROP COLUMN reason_code;

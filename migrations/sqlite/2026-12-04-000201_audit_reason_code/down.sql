-- Back to one English text per reason, as written before kinds were stored: the kind in
-- English words, then the reviewer's note after ' — '.
UPDATE response_audit SET reason = 'accepted: single entry'
    WHERE json_extract(reason_code, '$.kind') = 'single_entry';
UPDATE response_audit SET reason = 'accepted automatically: both entries identical'
    WHERE json_extract(reason_code, '$.kind') = 'identical_entries';
UPDATE response_audit
    SET reason = 'accepted after reconciling ' || json_extract(reason_code, '$.items') || ' item(s)'
    WHERE json_extract(reason_code, '$.kind') = 'reconciled';
UPDATE response_audit
    SET reason = 'reconciliation: entry 1 '
        || CASE WHEN json_extract(reason_code, '$.first') IS NULL THEN '(none)'
                WHEN json_extract(reason_code, '$.first') = '' THEN '(blank)'
                ELSE json_extract(reason_code, '$.first') END
        || ', entry 2 '
        || CASE WHEN json_extract(reason_code, '$.second') IS NULL THEN '(none)'
                WHEN json_extract(reason_code, '$.second') = '' THEN '(blank)'
                ELSE json_extract(reason_code, '$.second') END
        || '; '
        || CASE json_extract(reason_code, '$.decision.how')
                WHEN 'first' THEN 'chose entry 1'
                WHEN 'second' THEN 'chose entry 2'
                WHEN 'corrected' THEN 'corrected to `' || json_extract(reason_code, '$.decision.typed') || '`'
                ELSE 'removed (not in the questionnaire)' END
        || CASE WHEN reason = '' THEN '' ELSE ' — ' || reason END
    WHERE json_extract(reason_code, '$.kind') = 'reconciled_item';
ALTER TABLE response_audit DROP COLUMN reason_code;

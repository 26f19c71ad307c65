//! The diesel table definitions shared by both backends (kept in step with `migrations/`).

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        email -> Nullable<Text>,
        active -> Bool,
    }
}

diesel::table! {
    staff_sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    surveys (id) {
        id -> BigInt,
        slug -> Text,
        title_ja -> Text,
        title_en -> Text,
        questionnaire -> Text,
        modules -> Text,
        status -> Text,
        help_json -> Text,
        created_at -> Timestamp,
        double_entry -> Bool,
        data_version -> BigInt,
        previous_wave_id -> Nullable<BigInt>,
        fieldwork_version -> BigInt,
        consultation_json -> Nullable<Text>,
        answer_from -> Nullable<Date>,
        answer_until -> Nullable<Date>,
        one_per_browser -> Bool,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    access_codes (id) {
        id -> BigInt,
        survey_id -> BigInt,
        code -> Text,
        created_at -> Timestamp,
        test -> Bool,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        survey_id -> BigInt,
        access_code_id -> Nullable<BigInt>,
        channel -> Text,
        status -> Text,
        answers_json -> Text,
        page_index -> Integer,
        version -> Integer,
        distress -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        counted -> Bool,
        duplicate_of -> Nullable<BigInt>,
        count_chosen_by -> Nullable<BigInt>,
        count_chosen_at -> Nullable<Timestamp>,
        count_reason -> Nullable<Text>,
        answer_sources_json -> Text,
    }
}

diesel::table! {
    paper_batches (id) {
        id -> BigInt,
        survey_id -> BigInt,
        received_on -> Date,
        envelopes -> Integer,
        note -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    paper_entries (id) {
        id -> BigInt,
        survey_id -> BigInt,
        access_code_id -> BigInt,
        pass -> Integer,
        keyer_id -> BigInt,
        answers_json -> Text,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    response_audit (id) {
        id -> BigInt,
        response_id -> BigInt,
        user_id -> BigInt,
        changed_at -> Timestamp,
        item_id -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        reason -> Text,
        reason_code -> Nullable<Text>,
    }
}

diesel::table! {
    resident_sessions (token_hash) {
        token_hash -> Text,
        response_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    frame_persons (id) {
        id -> BigInt,
        survey_id -> BigInt,
        resident_id -> Text,
        name -> Nullable<Text>,
        address -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        sex -> Nullable<Text>,
        district -> Nullable<Text>,
        excluded -> Bool,
        source_line -> BigInt,
    }
}

diesel::table! {
    frame_imports (survey_id) {
        survey_id -> BigInt,
        file_name -> Text,
        encoding -> Text,
        row_count -> BigInt,
        imported_at -> Timestamp,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    samples (id) {
        id -> BigInt,
        survey_id -> BigInt,
        seed -> Text,
        reference_date -> Date,
        min_age -> Integer,
        strata -> Text,
        age_bands -> Text,
        allocation -> Text,
        frame_size -> BigInt,
        sample_size -> BigInt,
        created_at -> Timestamp,
        letters_printed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sample_strata (id) {
        id -> BigInt,
        sample_id -> BigInt,
        position -> Integer,
        label -> Text,
        population -> BigInt,
        size -> BigInt,
    }
}

diesel::table! {
    sampled_units (id) {
        id -> BigInt,
        sample_id -> BigInt,
        frame_person_id -> BigInt,
        stratum -> Text,
        population -> BigInt,
        size -> BigInt,
        inclusion_probability -> Double,
        base_weight -> Double,
        sex -> Nullable<Text>,
        age_band -> Text,
        district -> Nullable<Text>,
        access_code_id -> BigInt,
        disposition -> Nullable<Text>,
        disposition_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    frame_margins (id) {
        id -> BigInt,
        sample_id -> BigInt,
        sex -> Nullable<Text>,
        age_band -> Text,
        district -> Nullable<Text>,
        population -> BigInt,
    }
}

diesel::table! {
    survey_letters (survey_id) {
        survey_id -> BigInt,
        letter_json -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_to -> Nullable<Text>,
    }
}

diesel::table! {
    account_links (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        purpose -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_audit (id) {
        id -> BigInt,
        user_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        detail -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    survey_members (survey_id, user_id) {
        survey_id -> BigInt,
        user_id -> BigInt,
        granted_by -> Nullable<BigInt>,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    survey_log (id) {
        id -> BigInt,
        survey_id -> BigInt,
        user_id -> Nullable<BigInt>,
        at -> Timestamp,
        action -> Text,
        detail -> Text,
    }
}

diesel::table! {
    contact_requests (id) {
        id -> BigInt,
        survey_id -> BigInt,
        received_at -> Timestamp,
        distress -> Bool,
        help_shown -> Text,
        lang -> Text,
        name -> Text,
        phone -> Text,
        email -> Text,
        good_times -> Text,
        message -> Text,
        sender_mark -> Text,
        status -> Text,
        contacted_at -> Nullable<Timestamp>,
        contacted_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    contact_request_notes (id) {
        id -> BigInt,
        request_id -> BigInt,
        user_id -> Nullable<BigInt>,
        written_at -> Timestamp,
        kind -> Text,
        outcome -> Nullable<Text>,
        body -> Text,
    }
}

diesel::table! {
    contact_request_log (id) {
        id -> BigInt,
        survey_id -> BigInt,
        request_id -> BigInt,
        user_id -> Nullable<BigInt>,
        at -> Timestamp,
        action -> Text,
    }
}

diesel::joinable!(contact_requests -> surveys (survey_id));
diesel::joinable!(survey_log -> users (user_id));
diesel::joinable!(contact_request_notes -> contact_requests (request_id));
diesel::joinable!(contact_request_notes -> users (user_id));
diesel::joinable!(contact_request_log -> users (user_id));

diesel::joinable!(staff_sessions -> users (user_id));
diesel::joinable!(account_links -> users (user_id));
diesel::table! {
    weightings (id) {
        id -> BigInt,
        survey_id -> BigInt,
        name -> Text,
        spec_json -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    weighting_log (id) {
        id -> BigInt,
        survey_id -> BigInt,
        weighting_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        action -> Text,
        detail -> Text,
        at -> Timestamp,
    }
}

diesel::joinable!(weightings -> surveys (survey_id));
diesel::joinable!(weighting_log -> surveys (survey_id));
diesel::joinable!(account_audit -> users (user_id));
diesel::joinable!(survey_members -> users (user_id));
diesel::joinable!(survey_members -> surveys (survey_id));
diesel::joinable!(access_codes -> surveys (survey_id));
diesel::joinable!(responses -> surveys (survey_id));
diesel::joinable!(responses -> access_codes (access_code_id));
diesel::joinable!(resident_sessions -> responses (response_id));
diesel::joinable!(paper_batches -> surveys (survey_id));
diesel::joinable!(paper_entries -> access_codes (access_code_id));
diesel::joinable!(paper_entries -> users (keyer_id));
diesel::joinable!(response_audit -> responses (response_id));
diesel::joinable!(response_audit -> users (user_id));
diesel::joinable!(frame_persons -> surveys (survey_id));
diesel::joinable!(samples -> surveys (survey_id));
diesel::joinable!(sample_strata -> samples (sample_id));
diesel::joinable!(sampled_units -> samples (sample_id));
diesel::joinable!(sampled_units -> frame_persons (frame_person_id));
diesel::joinable!(sampled_units -> access_codes (access_code_id));
diesel::joinable!(frame_margins -> samples (sample_id));

diesel::table! {
    attempt_failures (id) {
        id -> BigInt,
        kind -> Text,
        client -> Text,
        failed_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    attempt_failures,
    users,
    contact_requests,
    survey_log,
    contact_request_notes,
    contact_request_log,
    staff_sessions,
    surveys,
    access_codes,
    responses,
    resident_sessions,
    paper_batches,
    paper_entries,
    response_audit,
    frame_persons,
    frame_imports,
    samples,
    sample_strata,
    sampled_units,
    frame_margins,
    survey_letters,
    mail_outbox,
    account_links,
    account_audit,
    survey_members,
    weightings,
    weighting_log,
);

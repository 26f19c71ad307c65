//! The diesel table definitions shared by both backends (kept in step with `migrations/`).

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
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
    }
}

diesel::table! {
    access_codes (id) {
        id -> BigInt,
        survey_id -> BigInt,
        code -> Text,
        created_at -> Timestamp,
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

diesel::joinable!(staff_sessions -> users (user_id));
diesel::joinable!(access_codes -> surveys (survey_id));
diesel::joinable!(responses -> surveys (survey_id));
diesel::joinable!(responses -> access_codes (access_code_id));
diesel::joinable!(resident_sessions -> responses (response_id));
diesel::joinable!(paper_batches -> surveys (survey_id));
diesel::joinable!(paper_entries -> access_codes (access_code_id));
diesel::joinable!(paper_entries -> users (keyer_id));
diesel::joinable!(response_audit -> responses (response_id));
diesel::joinable!(response_audit -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    staff_sessions,
    surveys,
    access_codes,
    responses,
    resident_sessions,
    paper_batches,
    paper_entries,
    response_audit,
);

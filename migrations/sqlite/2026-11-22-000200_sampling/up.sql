-- Sampling: the frame imported from the resident register (the only tables holding names,
-- addresses and birth dates), the drawn sample with its design, access codes per sampled
-- person, what happened to each letter, register margins for weighting, and letter texts.
CREATE TABLE frame_persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    resident_id TEXT NOT NULL,
    name TEXT,
    address TEXT,
    postal_code TEXT,
    birth_date DATE,
    sex TEXT CHECK (sex IN ('male', 'female', 'unknown')),
    district TEXT,
    excluded BOOLEAN NOT NULL,
    source_line BIGINT NOT NULL
);
CREATE UNIQUE INDEX frame_persons_resident ON frame_persons(survey_id, resident_id);

CREATE TABLE frame_imports (
    survey_id BIGINT PRIMARY KEY NOT NULL REFERENCES surveys(id),
    file_name TEXT NOT NULL,
    encoding TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    purged_at TIMESTAMP
);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL UNIQUE REFERENCES surveys(id),
    seed TEXT NOT NULL,
    reference_date DATE NOT NULL,
    min_age INTEGER NOT NULL,
    strata TEXT NOT NULL,
    age_bands TEXT NOT NULL,
    allocation TEXT NOT NULL,
    frame_size BIGINT NOT NULL,
    sample_size BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    letters_printed_at TIMESTAMP
);

CREATE TABLE sample_strata (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id BIGINT NOT NULL REFERENCES samples(id),
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    population BIGINT NOT NULL,
    size BIGINT NOT NULL
);
CREATE UNIQUE INDEX sample_strata_label ON sample_strata(sample_id, label);

CREATE TABLE sampled_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id BIGINT NOT NULL REFERENCES samples(id),
    frame_person_id BIGINT NOT NULL UNIQUE REFERENCES frame_persons(id),
    stratum TEXT NOT NULL,
    population BIGINT NOT NULL,
    size BIGINT NOT NULL,
    inclusion_probability DOUBLE NOT NULL,
    base_weight DOUBLE NOT NULL,
    sex TEXT,
    age_band TEXT NOT NULL,
    district TEXT,
    access_code_id BIGINT NOT NULL UNIQUE REFERENCES access_codes(id),
    disposition TEXT,
    disposition_at TIMESTAMP,
    note TEXT
);
CREATE INDEX sampled_units_sample ON sampled_units(sample_id);

CREATE TABLE frame_margins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id BIGINT NOT NULL REFERENCES samples(id),
    sex TEXT,
    age_band TEXT NOT NULL,
    district TEXT,
    population BIGINT NOT NULL
);
CREATE INDEX frame_margins_sample ON frame_margins(sample_id);

CREATE TABLE survey_letters (
    survey_id BIGINT PRIMARY KEY NOT NULL REFERENCES surveys(id),
    letter_json TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

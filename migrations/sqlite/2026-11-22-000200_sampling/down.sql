DROP TABLE survey_letters;
DROP TABLE frame_margins;
DROP TABLE sampled_units;
DROP TABLE sample_strata;
DROP TABLE samples;
DROP TABLE frame_imports;
DROP TABLE frame_persons;

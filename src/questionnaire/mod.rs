//! Questionnaires: loading and validating `questionnaires/*.toml`, answers, and scale scoring.

//! Sampling: resident register import, frame, strata, allocation, seeded draw, access codes, letters.
pub mod access_code;

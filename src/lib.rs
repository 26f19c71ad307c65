//! tsunagari: a municipality's loneliness and isolation survey, from register to estimates.
//!
//! The crate is a library (used by the binary and by the integration tests) plus a thin
//! binary in `main.rs`. See ARCHITECTURE.md for the code map.

pub mod analysis;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contact_form;
pub mod csv_text;
pub mod db;
pub mod demo;
pub mod entry;
pub mod error;
pub mod estimate;
pub mod export;
pub mod lifecycle;
pub mod mail;
pub mod ops;
pub mod parallel;
pub mod questionnaire;
pub mod sampling;
pub mod survey;
pub mod tabulation;
pub mod views;
pub mod web;

//! Files for people who work outside the browser, made from the same tables as the pages.
//! Pure: tables in, bytes out (no storage, no HTTP, no HTML).
//!
//! - [`xlsx`]: the planner's tables as formatted Excel workbooks, each with a cover sheet.
//! - [`analysis_file`]: the analysis file for statisticians (respondent-level CSV, codebook,
//!   register margins and an R script that reproduces the subgroup table), as files or a zip.

pub mod analysis_file;
pub mod xlsx;

/// Every CSV the product writes starts with the UTF-8 byte-order mark, written one way
/// ([`crate::csv_text`]).
pub use crate::csv_text::with_utf8_bom;

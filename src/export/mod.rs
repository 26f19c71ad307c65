//! Files for people who work outside the browser, made from the same tables as the pages.
//! Pure: tables in, bytes out (no storage, no HTTP, no HTML).
//!
//! - [`xlsx`]: the planner's tables as formatted Excel workbooks, each with a cover sheet.
//! - [`analysis_file`]: the analysis file for statisticians (respondent-level CSV, codebook,
//!   register margins and an R script that reproduces the subgroup table), as files or a zip.

pub mod analysis_file;
pub mod xlsx;

/// UTF-8 text with a byte-order mark in front, so that Excel reads the Japanese correctly
/// (every CSV the product writes starts so).
pub fn with_utf8_bom(body: Vec<u8>) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(body);
    out
}

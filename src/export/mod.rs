//! Files for people who work outside the browser, made from the same tables as the pages.
//! Pure: tables in, bytes out (no storage, no HTTP, no HTML).
//!
//! - [`xlsx`]: the planner's tables as formatted Excel workbooks, each with a cover sheet.

pub mod xlsx;

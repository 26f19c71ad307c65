//! maud views: functions from data to `Markup`, one module per audience.

pub mod accounts;
pub mod chart;
pub mod consultation;
pub mod entry;
pub mod error;
pub mod layout;
pub mod lifecycle;
pub mod mail;
pub mod open;
pub mod planner;
pub mod register;
pub mod report;
pub mod resident;
pub mod sampling;
pub mod staff;
pub mod style;
pub mod subgroups;
pub mod url;
pub mod weighting;

//! Sampling: resident register import, frame, strata, allocation, seeded draw, access codes, letters.
//!
//! This is the pure core: no database, HTTP or HTML. The flow is
//! [`register::read_register`] → [`frame::Frame::build`] → [`allocation::allocate`] →
//! [`draw::draw_sample`], then access codes ([`access_code`]), letters ([`qr`]), the mailing list ([`mailing`]) and, as
//! letters come back, [`disposition`] and [`response_rate`]. See `docs/sampling.md`.

pub mod access_code;
pub mod age;
pub mod allocation;
pub mod disposition;
pub mod draw;
pub mod era_date;
pub mod frame;
pub mod mailing;
pub mod qr;
pub mod records;
pub mod register;
pub mod response_rate;
pub mod strata;
mod text;

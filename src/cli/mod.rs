//! Command-line interface: one module per subcommand; `main.rs` only parses and dispatches.

pub mod estimate;

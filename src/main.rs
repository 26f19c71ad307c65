//! The `tsunagari` binary: parse the command line and run one command.
fn main() {}

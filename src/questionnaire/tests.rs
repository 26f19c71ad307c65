//! Tests of loading, answering and scoring against small fixtures and the shipped files.

use super::*;

fn shipped_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires")
}

#[test]
fn smoke() {
    let all = load_dir(shipped_dir()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 2);
}

//! The site's route table as the handlers register it: every `.route("…", web::get()…)` in
//! `src/web/` (every file, subfolders too), read from the sources so that a test over the
//! routes covers a route added later without being told.

use super::repo_path;

/// The `.rs` files under `dir`, in every subfolder (`src/web/entry/` …).
fn sources(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Every (method, path pattern) registered in `src/web/`, sorted: `("get", "/planner/{slug}")`.
pub fn routes() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for path in sources(&repo_path("src/web")) {
        let source = std::fs::read_to_string(path).unwrap();
        for piece in source.split(".route(").skip(1) {
            let Some(path) = piece.split('"').nth(1) else {
                continue;
            };
            let Some(method) = piece
                .split("web::")
                .nth(1)
                .and_then(|rest| rest.split('(').next())
            else {
                continue;
            };
            found.push((method.to_string(), path.to_string()));
        }
    }
    found.sort();
    found
}

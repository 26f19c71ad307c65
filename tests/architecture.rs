//! The layer rules of ARCHITECTURE.md, checked on the source (like rust-analyzer's tidy
//! tests): every file under `src/` is read, its `use` trees and `crate::`/`super::` paths
//! are resolved to the files they name (through re-exports), and each rule is a test that
//! lists every offending file and line. No dependencies: a small lexer drops comments and
//! literals, so a path in a doc comment or a message never counts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Modules of pure logic: no web, database, HTML or mail, only other pure modules.
const PURE: &[&str] = &[
    "questionnaire",
    "survey",
    "sampling",
    "estimate",
    "entry",
    "tabulation",
    "analysis",
    "export",
    "parallel",
    "clock",
    "demo",
    "csv_text",
    "contact_form",
    "lifecycle",
];

/// Crates that tie code to the web, the database, HTML or mail.
const FRAMEWORKS: &[&str] = &[
    "actix_web",
    "actix_http",
    "diesel",
    "diesel_migrations",
    "maud",
    "lettre",
];

/// Which top-level modules a layer may not use: (layer, forbidden, why).
const LAYERS: &[(&str, &[&str], &str)] = &[
    (
        "ops",
        &["cli", "web", "views", "error"],
        "the shared layer is below the command line and the pages",
    ),
    (
        "web",
        &["cli"],
        "the pages call operations (`ops`), never a command",
    ),
    (
        "views",
        &["cli", "web", "ops", "error"],
        "views turn data into HTML; they call nothing",
    ),
    (
        "db",
        &["cli", "web", "views", "ops", "error", "mail"],
        "storage knows nothing of HTTP, pages or commands",
    ),
];

/// Files of `cli` that may use `web`: `serve` starts the server (and `demo` runs `serve`).
const CLI_MAY_START_THE_SERVER: &[&str] = &["src/cli/serve.rs"];

#[test]
fn pure_modules_use_no_web_database_html_or_mail_crate_and_only_pure_modules() {
    let crate_src = Source::read();
    let mut problems = Vec::new();
    for file in crate_src.files.values() {
        if !PURE.contains(&file.layer()) {
            continue;
        }
        for (name, line) in &file.externals {
            if FRAMEWORKS.contains(&name.as_str()) {
                problems.push(format!("{}:{line}: uses `{name}`", file.rel));
            }
        }
        for (target, line) in crate_src.edges_of(file) {
            let layer = crate_src.files[&target].layer();
            if !PURE.contains(&layer) {
                problems.push(format!(
                    "{}:{line}: uses `{}` ({target}), which is not pure",
                    file.rel, layer
                ));
            }
        }
    }
    assert_none("pure modules", &problems);
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let crate_src = Source::read();
    let mut problems = Vec::new();
    for file in crate_src.files.values() {
        let layer = file.layer();
        let mut forbidden: Vec<(&str, &str)> = LAYERS
            .iter()
            .filter(|(l, _, _)| *l == layer)
            .flat_map(|(_, f, why)| f.iter().map(move |f| (*f, *why)))
            .collect();
        if layer == "cli" && !CLI_MAY_START_THE_SERVER.contains(&file.rel.as_str()) {
            forbidden.push((
                "web",
                "the command line calls operations (`ops`); only `cli/serve` starts the server",
            ));
        }
        for (target, line) in crate_src.edges_of(file) {
            let target_layer = crate_src.files[&target].layer();
            if let Some((_, why)) = forbidden.iter().find(|(f, _)| *f == target_layer) {
                problems.push(format!(
                    "{}:{line}: `{layer}` uses `{target_layer}` ({target}): {why}",
                    file.rel
                ));
            }
        }
    }
    assert_none("layers", &problems);
}

/// Views that take view data, not database rows (the issue of the house named these; the
/// others still take row types, see ARCHITECTURE.md).
const VIEWS_WITHOUT_ROWS: &[&str] = &[
    "src/views/sampling.rs",
    "src/views/entry.rs",
    "src/views/staff.rs",
];

#[test]
fn the_sampling_entry_and_staff_views_take_view_data_not_database_rows() {
    let crate_src = Source::read();
    let mut problems = Vec::new();
    for file in crate_src
        .files
        .values()
        .filter(|f| VIEWS_WITHOUT_ROWS.contains(&f.rel.as_str()))
    {
        for (target, line) in crate_src.edges_of(file) {
            if crate_src.files[&target].layer() == "db" {
                problems.push(format!(
                    "{}:{line}: uses {target}: the handler or the operation maps rows to what the view shows",
                    file.rel
                ));
            }
        }
    }
    assert_none("views taking database rows", &problems);
}

#[test]
fn sql_lives_only_in_db() {
    let crate_src = Source::read();
    let problems: Vec<String> = crate_src
        .files
        .values()
        .filter(|f| f.layer() != "db")
        .flat_map(|f| {
            f.externals
                .iter()
                .filter(|(name, _)| name.starts_with("diesel"))
                .map(move |(name, line)| format!("{}:{line}: uses `{name}`", f.rel))
        })
        .collect();
    assert_none("diesel outside db/", &problems);
}

#[test]
fn html_is_written_only_in_views() {
    let crate_src = Source::read();
    let problems: Vec<String> = crate_src
        .files
        .values()
        .filter(|f| f.layer() != "views")
        .flat_map(|f| {
            f.html_macros
                .iter()
                .map(move |line| format!("{}:{line}: `html!`", f.rel))
        })
        .collect();
    assert_none("maud's html! outside views/", &problems);
}

#[test]
fn no_two_files_use_each_other_even_through_others() {
    let crate_src = Source::read();
    // A module's own file (`mod.rs`, `lib.rs`) may use its children: re-exports and route
    // tables are how a module presents itself. Every other use is an edge of the graph.
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in crate_src.files.values() {
        let targets = graph.entry(file.rel.clone()).or_default();
        for (target, _) in crate_src.edges_of(file) {
            let target_module = &crate_src.files[&target].module;
            if file.is_module_root && target_module.starts_with(&file.module) {
                continue;
            }
            targets.insert(target);
        }
    }
    let cycles: Vec<String> = strongly_connected(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let members: BTreeSet<&String> = component.iter().collect();
            let lines: Vec<String> = component
                .iter()
                .flat_map(|from| {
                    let file = &crate_src.files[from];
                    crate_src
                        .edges_of(file)
                        .into_iter()
                        .filter(|(to, _)| members.contains(to) && graph[from].contains(to))
                        .map(move |(to, line)| format!("    {from}:{line} → {to}"))
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            format!(
                "{} files use each other:\n{}",
                component.len(),
                lines.join("\n")
            )
        })
        .collect();
    assert_none("import cycles", &cycles);
}

/// The checker itself: paths in comments and strings do not count, use trees and
/// re-exports resolve, `super` inside an inline module is relative to it.
#[test]
fn the_checker_reads_use_trees_and_ignores_comments_and_strings() {
    let text = r##"
        //! uses crate::web in a comment
        use crate::{db::{self, sample::Row}, views as v};
        use super::sibling::Thing;
        const S: &str = "crate::cli::run and diesel::x";
        const R: &str = r#"maud::html! { "x" }"#;
        fn f<'a>(c: &'a char) -> char { let _ = '\''; let _ = '"'; db::frame::read(); 'x' }
        mod tests { use super::Local; fn g() { let _ = html! { p { "x" } }; } }
        #[derive(diesel::Queryable)] struct Q;
    "##;
    let tokens = tokens(&strip(text));
    let parsed = parse(&tokens, &["layer".to_string(), "file".to_string()]);
    let paths: BTreeSet<String> = parsed.paths.iter().map(|(p, _)| p.join("::")).collect();
    for wanted in [
        "crate::db",
        "crate::db::sample::Row",
        "crate::views",
        "crate::layer::sibling::Thing",
        "crate::db::frame::read",
        "crate::layer::file::Local",
        "diesel::Queryable",
    ] {
        assert!(paths.contains(wanted), "{wanted} in {paths:?}");
    }
    assert!(!paths.iter().any(|p| p.contains("cli") || p.contains("web")));
    assert!(!paths.iter().any(|p| p.starts_with("maud")), "{paths:?}");
    assert_eq!(parsed.html_macros.len(), 1);
    assert_eq!(parsed.imports["v"], ["crate", "views"]);
    assert_eq!(parsed.imports["db"], ["crate", "db"]);
}

fn assert_none(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s) (see ARCHITECTURE.md, Invariants)\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every file of `src/` (but `main.rs`, the binary), parsed.
struct Source {
    /// By path relative to the repository (`src/db/entry.rs`).
    files: BTreeMap<String, File>,
    /// Module path (`["db", "entry"]`) → file.
    modules: HashMap<Vec<String>, String>,
}

struct File {
    rel: String,
    /// Module path from the crate root; empty for `lib.rs`.
    module: Vec<String>,
    /// `lib.rs` or a `mod.rs`.
    is_module_root: bool,
    /// Names brought in by `use` (and `pub use`) → the full path they stand for.
    imports: HashMap<String, Vec<String>>,
    /// Paths used, each from its root (`crate`, or an external crate), with its line.
    paths: Vec<(Vec<String>, usize)>,
    /// External crates used, with the line.
    externals: Vec<(String, usize)>,
    /// Lines with `html!`.
    html_macros: Vec<usize>,
}

impl File {
    /// The top-level module (`db`, `web` …); `lib` for `lib.rs`.
    fn layer(&self) -> &str {
        self.module.first().map_or("lib", String::as_str)
    }
}

impl Source {
    fn read() -> Source {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        collect_rs(&root.join("src"), &mut paths);
        let mut files = BTreeMap::new();
        let mut modules = HashMap::new();
        for path in paths {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "src/main.rs" {
                continue;
            }
            let (module, is_module_root) = module_of(&rel);
            let text = std::fs::read_to_string(&path).unwrap();
            let parsed = parse(&tokens(&strip(&text)), &module);
            modules.insert(module.clone(), rel.clone());
            let externals = parsed
                .paths
                .iter()
                .filter(|(p, _)| p[0] != "crate")
                .map(|(p, line)| (p[0].clone(), *line))
                .chain(parsed.bare_frameworks.iter().cloned())
                .collect();
            files.insert(
                rel.clone(),
                File {
                    rel,
                    module,
                    is_module_root,
                    imports: parsed.imports,
                    paths: parsed.paths,
                    externals,
                    html_macros: parsed.html_macros,
                },
            );
        }
        Source { files, modules }
    }

    /// The other files `file` uses, with the line of each use: the module a path names
    /// (`crate::views::layout::t` uses `views/layout.rs`, even though `t` is re-exported
    /// from elsewhere) and the file that defines the item.
    fn edges_of(&self, file: &File) -> Vec<(String, usize)> {
        let mut edges = BTreeSet::new();
        for (path, line) in &file.paths {
            if path[0] != "crate" {
                continue;
            }
            let named = self.resolve(&path[1..], 8);
            let defined = self.resolve(&path[1..], 0);
            for target in named.into_iter().chain(defined) {
                if target != file.rel {
                    edges.insert((target, *line));
                }
            }
        }
        edges.into_iter().collect()
    }

    /// The file that defines the item at `path` (from the crate root), through re-exports
    /// (`depth` 8: the module the path names, without following them).
    fn resolve(&self, path: &[String], depth: usize) -> Option<String> {
        let (len, rel) = (0..=path.len())
            .rev()
            .find_map(|n| self.modules.get(&path[..n]).map(|rel| (n, rel.clone())))?;
        if depth < 8 && len < path.len() {
            let file = &self.files[&rel];
            if let Some(full) = file.imports.get(&path[len]) {
                if full[0] == "crate" {
                    let mut next: Vec<String> = full[1..].to_vec();
                    next.extend_from_slice(&path[len + 1..]);
                    if let Some(found) = self.resolve(&next, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        Some(rel)
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/db/entry.rs` → `["db", "entry"]`; `src/db/mod.rs` → `["db"]`, a module root.
fn module_of(rel: &str) -> (Vec<String>, bool) {
    let inner = rel.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    let last = parts.pop().unwrap();
    let is_root = last == "mod" || (parts.is_empty() && last == "lib");
    if !is_root {
        parts.push(last);
    }
    (parts, is_root)
}

/// The text with comments removed and every string and character literal emptied (line
/// breaks kept, so that lines still count).
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && (i == 0 || !ident(chars[i - 1]))
            && {
                let start = if c == 'b' { i + 2 } else { i + 1 };
                let mut j = start;
                while chars.get(j) == Some(&'#') {
                    j += 1;
                }
                chars.get(j) == Some(&'"')
            }
        {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{3000}') or a lifetime ('a).
            if next == Some('\\') {
                // Past the quote, the backslash and the escaped character.
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Identifiers, `::` and single punctuation, each with its line.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((Token::PathSep, line));
            i += 2;
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

#[derive(Debug, Default)]
struct Parsed {
    imports: HashMap<String, Vec<String>>,
    paths: Vec<(Vec<String>, usize)>,
    bare_frameworks: Vec<(String, usize)>,
    html_macros: Vec<usize>,
}

/// The uses of one file whose module path is `module`.
fn parse(tokens: &[(Token, usize)], module: &[String]) -> Parsed {
    let mut parsed = Parsed::default();
    // Inline modules (`mod tests { … }`): their names and the brace depth they close at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    // (path, `as` name, line, the module it is written in)
    type Use = (Vec<String>, Option<String>, usize, Vec<String>);
    let mut raw_uses: Vec<Use> = Vec::new();
    let mut raw_paths: Vec<(Vec<String>, usize, Vec<String>)> = Vec::new();
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = &tokens[i];
        let here = || {
            let mut m = module.to_vec();
            m.extend(inline.iter().map(|(n, _)| n.clone()));
            m
        };
        match token {
            Token::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Token::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some(name), Some((Token::Punct('{'), _))) =
                    (ident(i + 1), tokens.get(i + 2))
                {
                    depth += 1;
                    inline.push((name.to_string(), depth));
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Token::Ident(word) if word == "use" => {
                let mut j = i + 1;
                let mut found = Vec::new();
                use_tree(tokens, &mut j, Vec::new(), &mut found);
                for (path, alias) in found {
                    raw_uses.push((path, alias, *line, here()));
                }
                i = j;
            }
            Token::Ident(word)
                if !matches!(
                    i.checked_sub(1).map(|k| &tokens[k].0),
                    Some(Token::PathSep) | Some(Token::Punct('.'))
                ) =>
            {
                if word == "html" && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Punct('!')) {
                    parsed.html_macros.push(*line);
                }
                if FRAMEWORKS.contains(&word.as_str())
                    && tokens.get(i + 1).map(|t| &t.0) != Some(&Token::PathSep)
                {
                    parsed.bare_frameworks.push((word.clone(), *line));
                }
                let mut path = vec![word.clone()];
                let mut j = i + 1;
                while tokens.get(j).map(|t| &t.0) == Some(&Token::PathSep) {
                    match ident(j + 1) {
                        Some(next) => {
                            path.push(next.to_string());
                            j += 2;
                        }
                        None => break,
                    }
                }
                if path.len() > 1 {
                    if path.last().is_some_and(|s| s == "html")
                        && tokens.get(j).map(|t| &t.0) == Some(&Token::Punct('!'))
                    {
                        parsed.html_macros.push(*line);
                    }
                    raw_paths.push((path, *line, here()));
                }
                i = j.max(i + 1);
            }
            _ => i += 1,
        }
    }
    for (path, alias, line, at) in raw_uses {
        let full = absolute(&path, &at, &parsed.imports);
        let name = alias.or_else(|| {
            path.last()
                .filter(|s| *s != "*" && *s != "self")
                .cloned()
                .or_else(|| {
                    (path.last().is_some_and(|s| s == "self") && path.len() > 1)
                        .then(|| path[path.len() - 2].clone())
                })
        });
        let full: Vec<String> = full
            .into_iter()
            .filter(|s| s != "self" && s != "*")
            .collect();
        if full.is_empty() {
            continue;
        }
        if let Some(name) = name {
            if name != "_" {
                parsed.imports.insert(name, full.clone());
            }
        }
        parsed.paths.push((full, line));
    }
    for (path, line, at) in raw_paths {
        let root = path[0].as_str();
        let known = matches!(root, "crate" | "super" | "self")
            || parsed.imports.contains_key(root)
            || FRAMEWORKS.contains(&root);
        if known {
            parsed
                .paths
                .push((absolute(&path, &at, &parsed.imports), line));
        }
    }
    parsed
}

/// A path from its root: `crate::…`, or an external crate's.
fn absolute(path: &[String], at: &[String], imports: &HashMap<String, Vec<String>>) -> Vec<String> {
    match path[0].as_str() {
        "crate" => path.to_vec(),
        "self" => {
            let mut full = vec!["crate".to_string()];
            full.extend_from_slice(at);
            full.extend_from_slice(&path[1..]);
            full
        }
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let mut full = vec!["crate".to_string()];
            full.extend_from_slice(&at[..at.len().saturating_sub(ups)]);
            full.extend_from_slice(&path[ups..]);
            full
        }
        root => match imports.get(root) {
            Some(prefix) => {
                let mut full = prefix.clone();
                full.extend_from_slice(&path[1..]);
                full
            }
            None => path.to_vec(),
        },
    }
}

/// Reads one use tree from `tokens[*i]` to its `;`, pushing every leaf path (with `self`
/// and `*` kept as the last segment) and its `as` name.
fn use_tree(
    tokens: &[(Token, usize)],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix;
    loop {
        match tokens.get(*i).map(|t| &t.0) {
            Some(Token::Ident(s)) if s == "as" => {
                *i += 1;
                let alias = match tokens.get(*i).map(|t| &t.0) {
                    Some(Token::Ident(a)) => Some(a.clone()),
                    _ => None,
                };
                *i += 1;
                out.push((path.clone(), alias));
                return;
            }
            Some(Token::Ident(s)) => {
                path.push(s.clone());
                *i += 1;
            }
            Some(Token::PathSep) => *i += 1,
            Some(Token::Punct('*')) => {
                path.push("*".into());
                *i += 1;
                out.push((path, None));
                return;
            }
            Some(Token::Punct('{')) => {
                *i += 1;
                loop {
                    match tokens.get(*i).map(|t| &t.0) {
                        Some(Token::Punct('}')) => {
                            *i += 1;
                            break;
                        }
                        Some(Token::Punct(',')) => *i += 1,
                        None => return,
                        _ => use_tree(tokens, i, path.clone(), out),
                    }
                }
                return;
            }
            _ => {
                if !path.is_empty() {
                    out.push((path, None));
                }
                return;
            }
        }
    }
}

/// Tarjan's strongly connected components.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: HashMap<&'a str, usize>,
        low: HashMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut state = State {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.out
}

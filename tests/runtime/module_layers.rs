//! The runtime's modules read top-down: each imports what it uses from the
//! module that defines it (never a name through the crate root), and no two
//! import each other, directly or through others. Read from the sources, so
//! that a new `use` that closes a cycle fails here with the cycle named.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/connection-runtime/src");

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to (`pool/member.rs` is `pool`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(SOURCES).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_str().unwrap().trim_end_matches(".rs").to_owned()
}

/// The code of a file: comments and its unit tests (which may import from
/// any layer) left out.
fn code(text: &str) -> String {
    let text = text
        .find("#[cfg(test)]\nmod tests")
        .map_or(text, |start| &text[..start]);
    text.lines()
        .map(|line| line.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each `crate::` path in `code`: the identifier after it.
fn crate_paths(code: &str) -> impl Iterator<Item = &str> {
    code.match_indices("crate::").filter_map(|(at, _)| {
        // `$crate::` is a macro's path for its callers: through the root.
        if code[..at].ends_with('$') {
            return None;
        }
        let rest = &code[at + "crate::".len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        Some(&rest[..end])
    })
}

/// Module -> the modules it imports from.
fn imports() -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let mut files = Vec::new();
    sources(Path::new(SOURCES), &mut files);
    let modules: BTreeSet<String> = files.iter().map(|path| module_of(path)).collect();
    let (mut graph, mut through_root) = (BTreeMap::<_, BTreeSet<_>>::new(), Vec::new());
    for path in files.iter().filter(|path| !path.ends_with("lib.rs")) {
        let module = module_of(path);
        let code = code(&fs::read_to_string(path).unwrap());
        for name in crate_paths(&code) {
            if modules.contains(name) {
                if name != module {
                    graph
                        .entry(module.clone())
                        .or_default()
                        .insert(name.to_owned());
                }
            } else {
                through_root.push(format!("{}: crate::{name}", path.display()));
            }
        }
        if code.contains("use crate::{") {
            through_root.push(format!("{}: use crate::{{..}}", path.display()));
        }
    }
    (graph, through_root)
}

/// A cycle through `from`, if any, as the modules along it.
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|module| module == from) {
        let mut cycle = path[start..].to_vec();
        cycle.push(from.to_owned());
        return Some(cycle);
    }
    path.push(from.to_owned());
    for next in graph.get(from).into_iter().flatten() {
        if let Some(cycle) = cycle(graph, next, path) {
            return Some(cycle);
        }
    }
    path.pop();
    None
}

#[test]
fn no_runtime_module_imports_through_the_crate_root() {
    let (_, through_root) = imports();
    assert!(
        through_root.is_empty(),
        "import from the defining module instead:\n{}",
        through_root.join("\n")
    );
}

#[test]
fn the_runtime_modules_import_each_other_in_no_cycle() {
    let (graph, _) = imports();
    // The layering this test guards: the top imports from below.
    assert!(graph["service"].contains("pool"));
    assert!(graph["connection"].contains("context"));
    for module in graph.keys() {
        if let Some(cycle) = cycle(&graph, module, &mut Vec::new()) {
            panic!(
                "the runtime's modules import each other: {}",
                cycle.join(" -> ")
            );
        }
    }
}

//! Every crate's modules depend on each other in one direction only: a module that reaches back into
//! one that depends on it (through `crate::`) fails here, naming the circle. A module is a file under
//! `src/` or a folder of them (`src/actor/` with its `mod.rs`); `lib.rs` and `main.rs`, which
//! declare the modules, are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The Rust files of a module (one file, or every file of its folder).
fn files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(path).unwrap().flatten() {
        found.extend(files(&entry.path()));
    }
    found.retain(|p| p.extension().is_some_and(|e| e == "rs"));
    found
}

/// Each top-level module of the crate at `dir` and the crate modules it names.
fn graph(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let src = dir.join("src");
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "lib"
            || name == "main"
            || (path.is_file() && path.extension().is_none_or(|e| e != "rs"))
        {
            continue;
        }
        modules.entry(name).or_default().extend(files(&path));
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, paths)| {
            let mut named = BTreeSet::new();
            for path in paths {
                let text = std::fs::read_to_string(path).unwrap();
                // Paths (`crate::world::World`) and groups (`use crate::{a, b::C}`).
                named.extend(text.split("crate::").skip(1).map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                }));
                for group in text.split("use crate::{").skip(1) {
                    let group = &group[..group.find("};").unwrap_or(group.len())];
                    named.extend(group.split(',').map(|item| {
                        item.trim()
                            .split("::")
                            .next()
                            .unwrap_or_default()
                            .to_string()
                    }));
                }
            }
            let uses = names
                .iter()
                .filter(|other| *other != module && named.contains(*other))
                .cloned()
                .collect();
            (module.clone(), uses)
        })
        .collect()
}

/// A circle through `from`, if there is one.
fn circle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    from: &str,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|m| m == from) {
        let mut found = path[at..].to_vec();
        found.push(from.to_string());
        return Some(found);
    }
    path.push(from.to_string());
    for next in graph.get(from).into_iter().flatten() {
        if let Some(found) = circle(graph, path, next) {
            return Some(found);
        }
    }
    path.pop();
    None
}

#[test]
fn no_module_reaches_back_into_one_that_depends_on_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    crates.push(root.join("src-tauri"));
    assert!(crates.len() > 15, "the crates were not found: {crates:?}");
    let sandbox = graph(&root.join("crates/agentdesk-sandbox"));
    assert!(
        sandbox["router"].contains("agent_api"),
        "the modules' uses were not seen: {sandbox:?}"
    );
    let mut circles = Vec::new();
    for dir in &crates {
        let graph = graph(dir);
        for module in graph.keys() {
            if let Some(found) = circle(&graph, &mut Vec::new(), module) {
                circles.push(format!(
                    "{}: {}",
                    dir.file_name().unwrap().to_string_lossy(),
                    found.join(" → ")
                ));
                break;
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules depend on each other in a circle:\n{}",
        circles.join("\n")
    );
}

//! The sandbox's modules depend on each other in one direction only (the router on the handlers,
//! the handlers on `wire` and the world, the world on its seed and history): a module that reaches
//! back into one that depends on it fails here, naming the circle.

use std::collections::{BTreeMap, BTreeSet};

/// Each module (file under src/, lib.rs and main.rs aside) and the crate modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let module = name.strip_suffix(".rs")?.to_string();
            (module != "lib" && module != "main").then_some(module)
        })
        .collect();
    modules
        .iter()
        .map(|module| {
            let text = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
            // Paths (`crate::world::World`, `crate::lock`) and groups (`use crate::{a, b::C}`).
            let mut named: BTreeSet<String> = text
                .split("crate::")
                .skip(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect()
                })
                .collect();
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
            let uses = modules
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
    let graph = graph();
    assert!(graph.len() > 10, "the modules were not read: {graph:?}");
    assert!(
        graph["router"].contains("agent_api"),
        "the router's handlers were not seen: {graph:?}"
    );
    for module in graph.keys() {
        if let Some(found) = circle(&graph, &mut Vec::new(), module) {
            panic!(
                "the sandbox's modules depend on each other in a circle: {}",
                found.join(" → ")
            );
        }
    }
}

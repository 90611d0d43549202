//! The layering, checked: crates under `shared/` depend only inward (the table in
//! docs/architecture.md), no crate's modules import each other in a cycle, the
//! domain stays free of I/O crates, and the authorizer free of the AWS SDK and the
//! moderation stage. A violation fails the test command.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What each crate of `shared/` may depend on among the workspace's crates.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("sideline-domain", &[][..]),
        ("sideline-inline", &["sideline-domain"][..]),
        ("sideline-token", &["sideline-domain"][..]),
        ("sideline-protocol", &["sideline-domain"][..]),
        ("sideline-ports", &["sideline-domain"][..]),
        ("sideline-lambda", &["sideline-domain"][..]),
        (
            "sideline-app",
            &["sideline-domain", "sideline-protocol", "sideline-ports"][..],
        ),
        ("sideline-aws", &["sideline-domain", "sideline-ports"][..]),
        (
            "sideline-memory",
            &["sideline-domain", "sideline-ports"][..],
        ),
    ])
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// This machine's target triple (the resolve is filtered to it, so crates of other
/// platforms are neither needed nor downloaded).
fn host() -> String {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc names its host")
        .to_owned()
}

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host()])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON")
}

/// Each workspace package's normal (not dev, not build) dependencies by name.
fn normal_dependencies(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect();
            (p["name"].as_str().unwrap_or_default().to_owned(), deps)
        })
        .collect()
}

/// Every package `name` links, through normal dependencies.
fn closure(meta: &Value, name: &str) -> BTreeSet<String> {
    let packages: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let nodes: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve")
        .iter()
        .filter_map(|n| {
            let deps = n["deps"]
                .as_array()?
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
                })
                .filter_map(|d| d["pkg"].as_str())
                .collect();
            Some((n["id"].as_str()?, deps))
        })
        .collect();
    let start = packages
        .iter()
        .find(|(_, n)| **n == name)
        .map(|(id, _)| *id)
        .expect("the package exists");
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        if seen.insert(id) {
            todo.extend(nodes.get(id).into_iter().flatten().copied());
        }
    }
    seen.iter()
        .filter_map(|id| packages.get(id).map(|n| (*n).to_owned()))
        .collect()
}

#[test]
fn shared_crates_depend_only_inward() {
    let meta = metadata();
    let deps = normal_dependencies(&meta);
    let layers = allowed();
    let workspace: BTreeSet<&String> = deps.keys().collect();
    let mut violations = Vec::new();
    for (name, allowed) in &layers {
        let Some(own) = deps.get(*name) else {
            violations.push(format!("{name} is not in the workspace"));
            continue;
        };
        for dep in own.iter().filter(|d| workspace.contains(d)) {
            if !allowed.contains(&dep.as_str()) {
                violations.push(format!("{name} may not depend on {dep}"));
            }
        }
    }
    // Functions use the shared crates, never the in-memory adapters or each other.
    for (name, own) in &deps {
        if name.starts_with("sideline-") || name == "devstack" || name == "sideline-tests" {
            continue;
        }
        for dep in own.iter().filter(|d| workspace.contains(d)) {
            if !dep.starts_with("sideline-") || dep == "sideline-memory" {
                violations.push(format!("function {name} may not depend on {dep}"));
            }
        }
    }
    assert!(violations.is_empty(), "layering violated: {violations:#?}");
}

#[test]
fn the_domain_does_no_io_and_the_authorizer_links_no_sdk() {
    let meta = metadata();
    let domain = closure(&meta, "sideline-domain");
    let io: Vec<&String> = domain
        .iter()
        .filter(|n| n.starts_with("aws-") || *n == "tokio" || *n == "hyper")
        .collect();
    assert!(io.is_empty(), "the domain links {io:?}");
    let authorizer = closure(&meta, "authorizer");
    let heavy: Vec<&String> = authorizer
        .iter()
        .filter(|n| n.starts_with("aws-sdk-") || *n == "rustrict" || *n == "phonenumber")
        .collect();
    assert!(heavy.is_empty(), "the authorizer links {heavy:?}");
    // The check can fail: the functions that do use the SDK are seen to.
    assert!(closure(&meta, "ws-message").contains("aws-sdk-dynamodb"));
    assert!(closure(&meta, "ws-message").contains("rustrict"));
}

/// The modules of one crate and what each imports of the others: `crate::name`
/// (or a name the crate root re-exports from a module).
fn module_imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_owned())
        })
        .filter(|m| !m.contains('{') && !m.contains(' '))
        .collect();
    // Names the root re-exports, by the module that defines them.
    let mut exported: BTreeMap<String, String> = BTreeMap::new();
    let reexport = regex_lite_split(&lib);
    for (module, names) in reexport {
        for name in names {
            exported.insert(name, module.clone());
        }
    }
    let mut graph = BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let single = src.join(format!("{module}.rs"));
        if single.exists() {
            files.push(single);
        }
        collect_rs(&src.join(module), &mut files);
        let mut uses = BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(&file).expect("source");
            // Code only: a doc link to another module is not an import.
            let text: String = source
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (i, _) in text.match_indices("crate::") {
                let after = &text[i + "crate::".len()..];
                let names: Vec<String> = if let Some(group) = after.strip_prefix('{') {
                    group
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap_or_default().to_owned())
                        .collect()
                } else {
                    vec![after
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default()
                        .to_owned()]
                };
                for name in names {
                    let target = if modules.contains(&name) {
                        Some(name)
                    } else {
                        exported.get(&name).cloned()
                    };
                    if let Some(target) = target.filter(|t| t != module) {
                        uses.insert(target);
                    }
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// `pub use module::{A, B};` and `pub use module::A;` lines of a crate root.
fn regex_lite_split(lib: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut statement = String::new();
    for line in lib.lines() {
        let line = line.trim();
        if statement.is_empty() && !line.starts_with("pub use ") {
            continue;
        }
        statement.push_str(line);
        statement.push(' ');
        if line.ends_with(';') {
            let body = statement
                .trim()
                .trim_start_matches("pub use ")
                .trim_end_matches(';');
            if let Some((module, rest)) = body.split_once("::") {
                let names = rest
                    .trim_matches(|c| c == '{' || c == '}' || c == ' ')
                    .split(',')
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty() && n != "*")
                    .collect();
                out.push((module.trim().to_owned(), names));
            }
            statement.clear();
        }
    }
    out
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let root = workspace_root();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("shared"))
        .expect("shared/")
        .flatten()
        .map(|e| e.path().join("src"))
        .collect();
    for dir in ["functions", "infra"] {
        sources.extend(
            std::fs::read_dir(root.join(dir))
                .expect("crates")
                .flatten()
                .map(|e| e.path().join("src"))
                .filter(|p| p.join("lib.rs").exists()),
        );
    }
    let mut cycles = Vec::new();
    for src in &sources {
        if let Some(cycle) = find_cycle(&module_imports(src)) {
            cycles.push(format!("{}: {}", src.display(), cycle.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let acyclic: BTreeMap<String, BTreeSet<String>> = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::new()),
    ]);
    assert_eq!(find_cycle(&acyclic), None);
}

//! The rules of ARCHITECTURE.md, read off the source: imports run down the pipeline (no
//! command file imports another, nothing outside `src/cmd/` imports `crate::cmd`, no module
//! cycles), anyhow and clap stay at the top, no thread-locals, small files; and the two bugs the
//! architecture fixed: `check` colours findings from every thread, and reports a problem shared
//! by several environments once.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{TempProject, python, repo_root};

/// Every `.rs` file under `src/`, with its text up to its unit tests.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = repo_root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "src/ has too few files: {}", files.len());
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, code)
        })
        .collect()
}

/// The module path of a source file: `cmd/build.rs` → `cmd::build`, `lint/mod.rs` → `lint`.
fn module_of(rel: &str) -> String {
    let stem = rel.trim_end_matches(".rs");
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    stem.replace('/', "::")
}

/// The crate paths a file names: `crate::a::b`, and each item of `use crate::{a::b, c}`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect::<String>()
    };
    let split = |p: &str| -> Vec<String> {
        p.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `kforge_crate::`, not ours
        }
        let rest = &code[i + "crate::".len()..];
        let path = ident(rest);
        let after = &rest[path.len()..];
        if after.starts_with('{') {
            let group = &after[1..after.find('}').unwrap_or(after.len())];
            for item in group.split(',') {
                let item = ident(item.trim());
                if !item.is_empty() {
                    out.push(split(&format!("{path}{item}")));
                }
            }
        } else {
            out.push(split(&path));
        }
    }
    out
}

/// Module → the modules it imports, each named as deep as a module of `modules` goes.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|(rel, _)| module_of(rel)).collect();
    let mut graph = BTreeMap::new();
    for (rel, code) in &files {
        let me = module_of(rel);
        let parent: Vec<&str> = me.split("::").collect();
        let mut deps = BTreeSet::new();
        let mut paths = crate_paths(code);
        // `super::x` from `lint::kinds` is `lint::x`.
        for (i, _) in code.match_indices("super::") {
            let rest: String = code[i + "super::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let base = if rel.ends_with("mod.rs") {
                &parent[..parent.len().saturating_sub(1)]
            } else {
                &parent[..parent.len() - 1]
            };
            let mut p: Vec<String> = base.iter().map(|s| s.to_string()).collect();
            p.push(rest);
            paths.push(p);
        }
        for path in paths {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(t) = target
                && t != me
                && !me.starts_with(&format!("{t}::"))
            {
                deps.insert(t);
            }
        }
        graph.insert(me, deps);
    }
    graph
}

/// A cycle of the graph, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn imports_run_down_the_pipeline() {
    let graph = import_graph();
    let mut wrong = Vec::new();
    for (module, deps) in &graph {
        for dep in deps {
            let in_cmd = module == "cmd" || module.starts_with("cmd::");
            if dep.starts_with("cmd::") && in_cmd {
                wrong.push(format!("{module} imports another command file, {dep}"));
            }
            if (dep == "cmd" || dep.starts_with("cmd::")) && !in_cmd && module != "main" {
                wrong.push(format!("{module} imports {dep}: nothing outside cmd/ may"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Between top-level modules, and between the files of one module folder.
    let top = |m: &str| m.split("::").next().unwrap().to_string();
    let mut tops: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, deps) in &graph {
        let entry = tops.entry(top(module)).or_default();
        entry.extend(deps.iter().map(|d| top(d)).filter(|d| *d != top(module)));
    }
    assert_eq!(find_cycle(&tops), None, "a cycle between modules");
    assert_eq!(find_cycle(&graph), None, "a cycle between files");
}

/// The layers of ARCHITECTURE.md's "Modules, top to bottom", read off the page: each bullet
/// one layer, top first, its bold module names (`cmd/` → `cmd`, `values/components.rs` →
/// `values`).
fn layers_of_the_architecture_page() -> Vec<Vec<String>> {
    let page = fs::read_to_string(repo_root().join("ARCHITECTURE.md")).unwrap();
    let section = page
        .split("## Modules, top to bottom")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("ARCHITECTURE.md has a \"Modules, top to bottom\" section");
    let mut layers = Vec::new();
    for bullet in section.split("\n- ").skip(1) {
        let mut names = Vec::new();
        let mut rest = bullet;
        // The module names lead the bullet: **`a`**, **`b`** and **`c`**: ...
        while let Some(start) = rest.find("**`") {
            if rest[..start].contains(':') {
                break;
            }
            let after = &rest[start + 3..];
            let end = after.find("`**").unwrap();
            let name = after[..end]
                .trim_end_matches('/')
                .trim_end_matches(".rs")
                .split('/')
                .next()
                .unwrap()
                .to_string();
            names.push(name);
            rest = &after[end + 3..];
        }
        if !names.is_empty() {
            layers.push(names);
        }
    }
    layers
}

/// Each import of a top-level module by another that sits higher in `layers` than it, or in
/// no layer at all.
fn upward_imports(
    graph: &BTreeMap<String, BTreeSet<String>>,
    layers: &[Vec<String>],
) -> Vec<String> {
    let rank = |m: &str| {
        let top = m.split("::").next().unwrap();
        layers.iter().position(|l| l.iter().any(|n| n == top))
    };
    let mut wrong = Vec::new();
    for (module, deps) in graph {
        // lib.rs declares the modules; it is no layer of its own.
        if module == "lib" {
            continue;
        }
        let Some(mine) = rank(module) else {
            wrong.push(format!("{module} is in no layer of ARCHITECTURE.md"));
            continue;
        };
        for dep in deps {
            match rank(dep) {
                Some(theirs) if theirs < mine => wrong.push(format!(
                    "{module} imports {dep}, which ARCHITECTURE.md lists above it"
                )),
                None => wrong.push(format!("{dep} is in no layer of ARCHITECTURE.md")),
                _ => {}
            }
        }
    }
    wrong
}

// The page listed oci below chart, which oci imports, and the test only looked for cycles: an
// import up the list passed.
#[test]
fn imports_follow_the_layers_architecture_md_lists() {
    let layers = layers_of_the_architecture_page();
    assert!(layers.len() >= 10, "{layers:?}");
    let wrong = upward_imports(&import_graph(), &layers);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The check fails on a small tree with an upward import (so it can fail at all).
    let fixture: BTreeMap<String, BTreeSet<String>> = [
        (
            "pipeline".to_string(),
            BTreeSet::from(["lint::sink".to_string()]),
        ),
        (
            "lint::sink".to_string(),
            BTreeSet::from(["pipeline".to_string()]),
        ),
    ]
    .into_iter()
    .collect();
    let found = upward_imports(&fixture, &layers);
    assert_eq!(
        found,
        ["lint::sink imports pipeline, which ARCHITECTURE.md lists above it"]
    );
}

/// Whether `code` prints (to stdout or stderr) or ends the process.
fn prints(code: &str) -> bool {
    [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "io::stdout()",
        "io::stderr()",
        "process::exit",
    ]
    .iter()
    .any(|p| code.contains(p))
}

// Rule 5 of ARCHITECTURE.md was not checked: nothing prints below cmd/ (the progress line
// excepted).
#[test]
fn nothing_prints_below_the_command_layer() {
    let mut wrong = Vec::new();
    for (rel, code) in sources() {
        let top_layer = rel.starts_with("cmd/") || rel == "main.rs";
        if !top_layer && rel != "progress.rs" && prints(&code) {
            wrong.push(format!(
                "src/{rel} prints or exits (only cmd/ and main.rs may)"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(prints("fn f() { eprintln!(\"x\"); }"), "the check can fail");
}

#[test]
fn anyhow_and_clap_stay_in_the_command_layer_and_nothing_is_thread_local() {
    let mut wrong = Vec::new();
    for (rel, code) in sources() {
        let top_layer = rel.starts_with("cmd/") || rel == "main.rs";
        if !top_layer && code.contains("anyhow") {
            wrong.push(format!(
                "src/{rel} uses anyhow (library modules return typed errors)"
            ));
        }
        if !top_layer && rel != "cli.rs" && code.contains("clap") {
            wrong.push(format!("src/{rel} uses clap (only cli.rs and cmd/ may)"));
        }
        // Output settings are passed down, never kept per thread; a per-thread cache of
        // buffers is no setting.
        let caches = ["chart/read.rs"];
        if code.contains("thread_local!") && !caches.contains(&rel.as_str()) {
            wrong.push(format!(
                "src/{rel} keeps thread-local state (pass it down instead)"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_hand_written_file_is_over_800_lines() {
    let src = repo_root().join("src");
    let mut long = Vec::new();
    for (rel, _) in sources() {
        let text = fs::read_to_string(src.join(&rel)).unwrap();
        let generated = text.starts_with("// @generated");
        let lines = text.lines().count();
        if !generated && lines > 800 {
            long.push(format!("src/{rel}: {lines} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "split these by responsibility:\n{}",
        long.join("\n")
    );
}

/// Runs `kforge ARGS` in `dir` with stderr on a pseudo-terminal; returns what it printed there.
fn stderr_on_a_terminal(dir: &Path, args: &[&str], no_color: bool) -> String {
    let script = r#"
import json, os, pty, subprocess, sys, threading
exe, cwd, args, no_color = json.loads(sys.stdin.read())
env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
if no_color:
    env["NO_COLOR"] = "1"
master, slave = pty.openpty()
chunks = []
def drain():
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            return
        if not data:
            return
        chunks.append(data)
reader = threading.Thread(target=drain)
reader.start()
subprocess.run([exe] + args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
               stdout=subprocess.DEVNULL, stderr=slave, timeout=300)
os.close(slave)
reader.join(timeout=10)
sys.stdout.write(b"".join(chunks).decode("utf-8", "replace"))
"#;
    let input = serde_json::json!([
        env!("CARGO_BIN_EXE_kforge"),
        dir.display().to_string(),
        args,
        no_color
    ]);
    python(script, &input.to_string())
}

// Colour was a thread-local flag set on the main thread while `check` formatted findings on
// worker threads: on a terminal `check` printed no colour at all.
#[test]
fn check_colours_findings_from_every_thread_on_a_terminal_only() {
    let p = TempProject::reference();
    // A warning in every environment: image-pull-policy.
    let args = ["check", "--set", "image.pullPolicy=Never"];
    let tty = stderr_on_a_terminal(p.path(), &args, false);
    // One finding met in three environments is printed once, naming them (issue 33, item 7).
    let warnings = tty.matches("warning[image-pull-policy]").count();
    assert_eq!(
        warnings, 1,
        "one warning for the three environments:\n{tty}"
    );
    assert!(
        tty.contains("in environments `dev`, `prod` and `staging`"),
        "{tty}"
    );
    let coloured = tty.matches("\x1b[1;33mwarning[image-pull-policy]").count();
    assert_eq!(coloured, 1, "the warning coloured on a terminal:\n{tty}");
    let plain_tty = stderr_on_a_terminal(p.path(), &args, true);
    assert!(
        !plain_tty.contains('\x1b'),
        "NO_COLOR is honoured:\n{plain_tty}"
    );
    assert!(plain_tty.contains("warning[image-pull-policy]"));
    let piped = p.kforge().args(args).run().exit(0);
    assert!(
        !piped.stderr.contains('\x1b'),
        "no colour into a pipe:\n{}",
        piped.stderr
    );
}

// A typo in base.yaml was printed once per environment (three times for this project).
#[test]
fn a_problem_in_base_yaml_is_reported_once_for_every_environment() {
    let p = TempProject::reference();
    p.append("environments/base.yaml", "\nreplicaCont: 2\n");
    let line = p.line_of("environments/base.yaml", "replicaCont");
    let run = p.kforge().args(["check"]).run().exit(1);
    let at = format!("environments/base.yaml:{line}:");
    assert_eq!(run.stderr.matches(&at).count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: environments `dev`, `prod` and `staging` failed"),
        "{}",
        run.stderr
    );
    // `build` and `render --all-envs` report through the same path.
    let built = p.kforge().args(["build"]).run().exit(2);
    assert_eq!(built.stderr.matches(&at).count(), 1, "{}", built.stderr);
    // A problem of one environment only is still reported under that environment.
    let p = TempProject::reference();
    p.append("environments/prod.yaml", "\nreplicaCont: 2\n");
    let run = p.kforge().args(["check"]).run().exit(1);
    assert!(
        run.stderr.contains("error: environment `prod` failed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("`dev`"), "{}", run.stderr);
}

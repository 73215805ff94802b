//! The docs stay true: the generated references (commands, values, lint rules) equal what the
//! binary and the schema say today, and every `$ kforge ...` line in a ```console block of the
//! README and docs/ runs with the exit code the page implies. `KFORGE_UPDATE_DOCS=1 cargo test
//! docs` rewrites the generated pages.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Cli, TempProject, repo_root};

fn update() -> bool {
    std::env::var_os("KFORGE_UPDATE_DOCS").is_some()
}

/// Compares `text` with the checked-in page (or rewrites it under KFORGE_UPDATE_DOCS).
fn expect_page(rel: &str, text: &str) {
    let path = repo_root().join(rel);
    if update() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk != text {
        let diff = similar::TextDiff::from_lines(on_disk.as_str(), text)
            .unified_diff()
            .header(rel, "generated")
            .to_string();
        panic!("{rel} is out of date; run `KFORGE_UPDATE_DOCS=1 cargo test docs`:\n{diff}");
    }
}

fn help(args: &[&str]) -> String {
    Cli::new()
        .args(args)
        .args(["--help"])
        .env("COLUMNS", "100")
        .run()
        .exit(0)
        .stdout
}

#[test]
fn command_reference_is_generated_from_the_cli() {
    let mut page = String::from(
        "# Command reference\n\n<!-- Generated from `kforge <command> --help` by tests/docs.rs; do not edit. -->\n\n",
    );
    page.push_str("## kforge\n\n```text\n");
    page.push_str(&help(&[]));
    page.push_str("```\n");
    let commands = [
        vec!["build"],
        vec!["check"],
        vec!["render"],
        vec!["values"],
        vec!["lint"],
        vec!["diff"],
        vec!["package"],
        vec!["repo", "index"],
        vec!["push"],
        vec!["golden", "check"],
        vec!["golden", "update"],
        vec!["init"],
        vec!["import"],
        vec!["schema"],
        vec!["completions"],
        vec!["man"],
    ];
    for c in commands {
        page.push_str(&format!("\n## kforge {}\n\n```text\n", c.join(" ")));
        page.push_str(&help(&c));
        page.push_str("```\n");
    }
    expect_page("docs/commands.md", &page);
}

#[test]
fn rule_reference_is_generated_from_the_rules() {
    let list = Cli::new()
        .args(["lint", "--list-rules"])
        .run()
        .exit(0)
        .stdout;
    let mut page = String::from(
        "# Lint rules\n\n<!-- Generated from `kforge lint --list-rules` and `--explain` by tests/docs.rs; do not edit. -->\n\n",
    );
    page.push_str("| Rule | Category | Default | Checks |\n|---|---|---|---|\n");
    let ids: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(ids.len() >= 30, "{list}");
    for line in list.lines() {
        let mut parts = line.split_whitespace();
        let (id, cat, sev) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let summary: Vec<&str> = parts.collect();
        page.push_str(&format!(
            "| [`{id}`](#{id}) | {cat} | {sev} | {} |\n",
            summary.join(" ").replace('|', "\\|")
        ));
    }
    for id in &ids {
        let explain = Cli::new()
            .args(["lint", "--explain", id])
            .run()
            .exit(0)
            .stdout;
        page.push_str(&format!("\n## {id}\n\n```text\n{explain}```\n"));
    }
    page.push_str(&precision_section());
    expect_page("docs/rules.md", &page);
}

/// The measured precision of the rules on the real-world sets, from the reviewed table
/// tests/corpora/realworld/EXPECTED.tsv (that the findings equal it is tested in
/// tests/lint_precision.rs).
fn precision_section() -> String {
    let table = std::fs::read_to_string(repo_root().join("tests/corpora/realworld/EXPECTED.tsv"))
        .expect("tests/corpora/realworld/EXPECTED.tsv");
    let mut out = String::from(
        "\n## Measured precision\n\nFindings of `kforge lint --allow-unknown-kinds` on public manifests nobody here wrote (`tests/corpora/realworld/`, each with its licence and a SOURCE note of its upstream commit), every one reviewed; `true` counts the findings that are right. The table is `tests/corpora/realworld/EXPECTED.tsv`; a test fails when kforge's findings differ from it, or when an error is not true.\n\n| Set | Rule | Severity | Findings | True | Precision | Review |\n|---|---|---|---|---|---|---|\n",
    );
    for line in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let c: Vec<&str> = line.split('\t').collect();
        let (n, t): (f64, f64) = (c[3].parse().unwrap(), c[4].parse().unwrap());
        out.push_str(&format!(
            "| {} | [`{}`](#{}) | {} | {} | {} | {:.0}% | {} |\n",
            c[0],
            c[1],
            c[1],
            c[2],
            c[3],
            c[4],
            100.0 * t / n,
            c[5].replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn values_reference_is_generated_from_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("chart-templates/values.schema.json")).unwrap(),
    )
    .unwrap();
    let mut rows = Vec::new();
    walk_schema(&schema, "", &mut rows);
    assert!(rows.len() > 30, "{rows:?}");
    let mut page = String::from(
        "# Values reference\n\n<!-- Generated from chart-templates/values.schema.json by tests/docs.rs; do not edit. -->\n\n\
         Every key an environment may set; unknown keys are errors with a did-you-mean. Defaults\n\
         are in [chart-templates/values.yaml](../chart-templates/values.yaml); see where each value\n\
         of an environment comes from with `kforge values -e ENV --show-origin`.\n\n\
         | Key | Type | Description |\n|---|---|---|\n",
    );
    for (key, ty, desc) in rows {
        page.push_str(&format!(
            "| `{key}` | {ty} | {} |\n",
            desc.replace('|', "\\|").replace('\n', " ")
        ));
    }
    page.push_str(
        "\n## Settings that do nothing\n\n\
         A value the built-in templates ignore where it is written is an error (exit 2) at the\n\
         values file:line that set it, with its key path and why; where leaving it in place is\n\
         normal, a warning (printed by `check` and `build`). It is checked on each component's merged values; a value shared by\n\
         several components is reported only when it does nothing in every component that has it.\n\
         Not reported: what the defaults set (the built-in and the project's\n\
         `chart-templates/values.yaml`); the settings of a feature switched off (`ingress.*` with\n\
         `ingress.enabled: false`, `canary.*` with `canary.enabled: false`, `autoscaling.*`,\n\
         `podDisruptionBudget.*`, `helmTest.*`), since switching a feature per environment is\n\
         normal; and a key whose name a template of the project's `chart-templates/` mentions,\n\
         since that template may read it. A component of `kind: None` renders no workload and is\n\
         not checked.\n\n\
         | Key | Does nothing when | Severity | Fix |\n|---|---|---|---|\n",
    );
    for rule in kforge::values::INERT_RULES {
        let keys: Vec<String> = rule.keys.iter().map(|k| format!("`{k}`")).collect();
        page.push_str(&format!(
            "| {}{} | {} | {} | {} |\n",
            keys.join(", "),
            if rule.switch { ": true" } else { "" },
            rule.when,
            rule.severity.as_str(),
            rule.fix
        ));
    }
    expect_page("docs/values.md", &page);
}

/// The rows of the values reference: each key with its type and description. A map's entries
/// (`additionalProperties`) are `<name>`; one that is a shared definition (`$ref` to
/// `#/$defs/...`, the container of sidecars and init containers) is walked too, and a key that
/// refers to another (`$ref` to `#/properties/env`) says so.
fn walk_schema(s: &serde_json::Value, prefix: &str, rows: &mut Vec<(String, String, String)>) {
    walk_schema_in(s, s, prefix, rows);
}

fn resolve<'a>(root: &'a serde_json::Value, v: &'a serde_json::Value) -> &'a serde_json::Value {
    v.get("$ref")
        .and_then(|r| r.as_str())
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| root.pointer(p))
        .unwrap_or(v)
}

fn walk_schema_in(
    root: &serde_json::Value,
    s: &serde_json::Value,
    prefix: &str,
    rows: &mut Vec<(String, String, String)>,
) {
    let Some(props) = s.get("properties").and_then(|p| p.as_object()) else {
        return;
    };
    let required: Vec<&str> = s
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let description = |v: &serde_json::Value| -> String {
        match v.get("description").and_then(|d| d.as_str()) {
            Some(d) => d.to_string(),
            None => match v.get("$ref").and_then(|r| r.as_str()) {
                Some(r) => format!(
                    "As `{}`.",
                    r.trim_start_matches("#/properties/")
                        .replace("/properties/", ".")
                ),
                None => String::new(),
            },
        }
    };
    for (k, v) in props {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let mut ty = type_of(resolve(root, v));
        if required.contains(&k.as_str()) {
            ty.push_str(", required");
        }
        rows.push((key.clone(), ty, description(v)));
        walk_schema_in(root, v, &key, rows);
        if let Some(ap) = v.get("additionalProperties").filter(|a| a.is_object()) {
            let key = format!("{key}.<name>");
            let shared = ap
                .get("$ref")
                .and_then(|r| r.as_str())
                .is_some_and(|r| r.starts_with("#/$defs/"));
            let def = if shared { resolve(root, ap) } else { ap };
            rows.push((key.clone(), type_of(def), description(def)));
            walk_schema_in(root, def, &key, rows);
        }
    }
}

fn type_of(v: &serde_json::Value) -> String {
    if let Some(e) = v.get("enum").and_then(|e| e.as_array()) {
        let vals: Vec<String> = e.iter().map(|x| format!("`{x}`")).collect();
        return format!("one of {}", vals.join(", "));
    }
    match v.get("type") {
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        _ if v.get("oneOf").is_some() || v.get("anyOf").is_some() => "see schema".to_string(),
        _ => "any".to_string(),
    }
}

/// One `$ command` of a console block, with the exit code the page implies (`# exit N` at the
/// end of the line; default 0).
struct Shown {
    page: String,
    block: usize,
    line: usize,
    command: String,
    exit: i32,
}

fn console_commands(page: &Path) -> Vec<Shown> {
    let text = std::fs::read_to_string(page).unwrap();
    let rel = page
        .strip_prefix(repo_root())
        .unwrap()
        .display()
        .to_string();
    let mut out = Vec::new();
    let mut in_console = false;
    let mut block = 0;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("```") {
            in_console = !in_console && t.trim_start_matches('`') == "console";
            block += 1;
            continue;
        }
        let Some(cmd) = t.strip_prefix("$ ").filter(|_| in_console) else {
            continue;
        };
        let (cmd, exit) = match cmd
            .rsplit_once("# exit ")
            .and_then(|(c, n)| Some((c, n.trim().parse::<i32>().ok()?)))
        {
            Some((c, n)) => (c.trim_end().to_string(), n),
            None => (cmd.to_string(), 0),
        };
        out.push(Shown {
            page: rel.clone(),
            block,
            line: i + 1,
            command: cmd,
            exit,
        });
    }
    out
}

/// Runs every command shown in the README and docs/, page by page, in a fresh folder holding a
/// copy of the reference project (files carry over from one command to the next; a `cd` lasts
/// until the end of its block).
/// Two kinds of line cannot run here and are checked up to what can: `kubectl` needs a cluster,
/// so `kforge ... | kubectl ...` runs the kforge part (kubectl's reading of our YAML is proven in
/// tests/oracles.rs); `push` to a public registry needs the network, so push lines are proven
/// against a local registry in tests/helm.rs instead and skipped here.
#[test]
fn commands_shown_in_the_docs_run() {
    let mut pages = vec![repo_root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_kforge")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for page in pages {
        let shown = console_commands(&page);
        let p = TempProject::reference();
        let mut cwd = p.path().to_path_buf();
        let mut block = 0;
        for s in shown {
            if s.block != block {
                block = s.block;
                cwd = p.path().to_path_buf();
            }
            let mut cmd = s.command.clone();
            if let Some(dir) = cmd.strip_prefix("cd ") {
                cwd = cwd.join(dir.trim());
                assert!(cwd.is_dir(), "{}:{}: no folder {dir}", s.page, s.line);
                continue;
            }
            if cmd.contains("oci://") {
                continue;
            }
            if let Some((left, right)) = cmd.split_once(" | ")
                && right.trim_start().starts_with("kubectl")
            {
                cmd = left.to_string();
            }
            let out = Command::new("bash")
                .args(["-c", &cmd])
                .current_dir(&cwd)
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(s.exit),
                "{}:{}: `{}` exited {:?}, the page implies {}\n--- stdout\n{}\n--- stderr\n{}",
                s.page,
                s.line,
                s.command,
                out.status.code(),
                s.exit,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} commands found in console blocks");
}

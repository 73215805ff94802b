//! `kforge lint`: conformance against the kubeconform fixtures and the kubernetes/examples
//! manifests in tests/corpora (scored, with a printed score line per corpus), the command
//! contract (inputs, exit codes, selection, config file, annotations), and the report formats
//! checked by independent validators (SARIF 2.1.0 JSON schema, JUnit XSD).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{Cli, TempProject, corpus, lint_json, repo_root};

/// One kubeconform fixture with the verdict `kubeconform -strict` gives it.
struct Fixture {
    path: String,
    invalid: bool,
    custom_resource: bool,
}

/// Reads FIXTURE_VERDICTS.tsv: rows with a stated verdict for a fixture that exists.
fn kubeconform_fixtures(root: &Path) -> Vec<Fixture> {
    let tsv = std::fs::read_to_string(root.join("FIXTURE_VERDICTS.tsv")).unwrap();
    let mut out = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (fixture, verdict, other) = (cols[0], cols[2], cols.get(3).copied().unwrap_or(""));
        let path = fixture.split_whitespace().next().unwrap().to_string();
        let stated = verdict.starts_with("VALID")
            || verdict.starts_with("INVALID")
            || verdict.starts_with("ERROR");
        if !stated || !root.join(&path).exists() {
            continue;
        }
        // Custom resources: kubeconform needs a schema for them (-schema-location); without
        // one (our default) they are errors, and --allow-unknown-kinds accepts them.
        let custom_resource = verdict.contains("schema") || cols[1].contains("CR");
        let strict_invalid = other.contains("-strict") && other.contains("INVALID");
        out.push(Fixture {
            invalid: custom_resource
                || strict_invalid
                || verdict.starts_with("INVALID")
                || verdict.starts_with("ERROR"),
            custom_resource,
            path,
        });
    }
    out
}

#[test]
fn kubeconform_fixtures_get_kubeconform_strict_verdicts() {
    let root = corpus("kubeconform");
    let fixtures = kubeconform_fixtures(&root);
    assert!(
        fixtures.len() >= 20,
        "too few fixtures read: {}",
        fixtures.len()
    );
    let mut wrong = Vec::new();
    for f in &fixtures {
        let (code, findings) = lint_json(&root, &["--only", "types", &f.path]);
        let errors = findings.iter().filter(|d| d["severity"] == "error").count();
        let verdict_ok = if f.invalid {
            code == Some(1) && errors > 0
        } else {
            code == Some(0) && errors == 0
        };
        if !verdict_ok {
            wrong.push(format!("{} (exit {code:?}, {errors} errors)", f.path));
        }
        if f.custom_resource {
            let (code, _) = lint_json(
                &root,
                &["--only", "types", "--allow-unknown-kinds", &f.path],
            );
            if code != Some(0) {
                wrong.push(format!(
                    "{} with --allow-unknown-kinds (exit {code:?})",
                    f.path
                ));
            }
        }
        // Every error names its file and a real line.
        for d in findings.iter().filter(|d| d["severity"] == "error") {
            assert!(d["line"].as_u64().unwrap_or(0) >= 1, "{d}");
            assert!(d["file"].as_str().unwrap().starts_with("fixtures/"), "{d}");
        }
    }
    println!(
        "kubeconform fixtures: {}/{} verdicts match kubeconform -strict",
        fixtures.len() - wrong.len(),
        fixtures.len()
    );
    assert!(
        wrong.is_empty(),
        "verdicts differ from kubeconform -strict: {wrong:#?}"
    );
}

#[test]
fn kubeconform_invalid_fixture_reports_every_problem_with_its_line() {
    let root = corpus("kubeconform");
    let (code, findings) = lint_json(&root, &["--only", "types", "fixtures/invalid.yaml"]);
    assert_eq!(code, Some(1));
    let got: BTreeSet<(String, String, u64)> = findings
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let text = std::fs::read_to_string(root.join("fixtures/invalid.yaml")).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1;
    assert!(got.contains(&(
        "invalid-type".into(),
        "spec.replicas".into(),
        line("replicas:")
    )));
    assert!(got.contains(&(
        "unknown-field".into(),
        "spec.templates".into(),
        line("templates:")
    )));
}

fn list(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn kubernetes_examples_type_errors_are_exactly_the_expected_five() {
    let root = corpus("kubernetes-examples");
    let files = list(&root.join("SET_valid_current_apis_builtin_kinds_only.txt"));
    let expected: BTreeSet<String> = list(&root.join("EXPECTED_TYPE_ERRORS_1.37.txt"))
        .into_iter()
        .collect();
    assert_eq!(files.len(), 234);
    assert_eq!(expected.len(), 5);
    let mut args = vec!["--only", "types", "--kube-version", "1.37"];
    args.extend(files.iter().map(String::as_str));
    let (_, findings) = lint_json(&root, &args);
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in findings.iter().filter(|d| d["severity"] == "error") {
        by_file
            .entry(d["file"].as_str().unwrap().to_string())
            .or_default()
            .push(format!("{}: {}", d["rule"], d["message"]));
    }
    let flagged: BTreeSet<String> = by_file.keys().cloned().collect();
    let false_positives: Vec<_> = by_file
        .iter()
        .filter(|(f, _)| !expected.contains(*f))
        .collect();
    let missed: Vec<_> = expected.difference(&flagged).collect();
    println!(
        "kubernetes-examples: {} files, {}/{} expected type errors found, {} false positives",
        files.len(),
        expected.len() - missed.len(),
        expected.len(),
        false_positives.len()
    );
    assert!(
        false_positives.is_empty(),
        "false positives: {false_positives:#?}"
    );
    assert!(missed.is_empty(), "missed: {missed:?}");
}

const BAD: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
          resourcse: {}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
";

#[test]
fn every_problem_is_located_and_explained() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    let run = p.kforge().args(["lint", "m.yaml"]).run().exit(1);
    let typo = p.line_of("m.yaml", "resourcse");
    run.stdout_has(&format!("--> m.yaml:{typo}:11"))
        .stdout_has("did you mean `resources`?")
        .stdout_has("error[latest-tag]")
        .stdout_has("policy/v1beta1 PodDisruptionBudget, removed in Kubernetes 1.25")
        .stdout_has("use policy/v1");
    // rustc-style: the offending line and a caret under it.
    let run = p
        .kforge()
        .args(["lint", "m.yaml"])
        .env("NO_COLOR", "1")
        .run();
    assert!(
        run.stdout.contains("          resourcse: {}\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{1b}'), "no colour under NO_COLOR");
}

#[test]
fn kube_version_decides_removed_and_deprecated() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    let (_, findings) = lint_json(
        p.path(),
        &["--only", "lifecycle", "--kube-version", "1.24", "m.yaml"],
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["rule"], "deprecated-api");
    assert_eq!(findings[0]["severity"], "warning");
    let (code, findings) = lint_json(
        p.path(),
        &["--only", "lifecycle", "--kube-version", "1.25", "m.yaml"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(findings[0]["rule"], "removed-api");
    p.kforge()
        .args(["lint", "--kube-version", "2.0", "m.yaml"])
        .run()
        .exit(2)
        .stderr_has("not supported");
}

#[test]
fn selection_flags_config_file_and_annotations() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    let rules = |args: &[&str]| -> BTreeSet<String> {
        let mut a = args.to_vec();
        a.push("m.yaml");
        lint_json(p.path(), &a)
            .1
            .iter()
            .map(|d| d["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let all = rules(&[]);
    assert!(all.contains("latest-tag") && all.contains("unknown-field"));
    let only = rules(&["--only", "types,lifecycle"]);
    assert!(!only.contains("latest-tag") && only.contains("unknown-field"));
    assert!(!rules(&["--skip", "practice"]).contains("latest-tag"));
    assert!(!rules(&["--disable", "latest-tag"]).contains("latest-tag"));
    p.kforge()
        .args(["lint", "--disable", "latest-tags", "m.yaml"])
        .run()
        .exit(2)
        .stderr_has("did you mean `latest-tag`?");

    // Per object: kforge's annotation and kube-linter's for the equivalent check.
    let annotated = BAD.replacen(
        "  name: web\nspec:\n  replicas",
        "  name: web\n  annotations:\n    kforge.io/ignore: unknown-field\n    ignore-check.kube-linter.io/latest-tag: legacy\nspec:\n  replicas",
        1,
    );
    p.write("m.yaml", &annotated);
    let r = rules(&[]);
    assert!(
        !r.contains("unknown-field") && !r.contains("latest-tag"),
        "{r:?}"
    );
    p.write("m.yaml", BAD);

    // The project's config file.
    p.write(
        "kforge-lint.yaml",
        "disable: [latest-tag]\nkubeVersion: \"1.24\"\n",
    );
    let r = rules(&[]);
    assert!(
        !r.contains("latest-tag") && r.contains("deprecated-api"),
        "{r:?}"
    );
    p.write("kforge-lint.yaml", "disabel: [latest-tag]\n");
    p.kforge()
        .args(["lint", "m.yaml"])
        .run()
        .exit(2)
        .stderr_has("kforge-lint.yaml:1:1")
        .stderr_has("did you mean `disable`?");
}

#[test]
fn inputs_stdin_folders_lists_and_json() {
    let p = TempProject::empty();
    p.write("a/one.yaml", BAD);
    p.write(
        "a/b/list.json",
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":1}}]}"#,
    );
    p.write("a/ignored.txt", "not: yaml: at: all");
    let (_, findings) = lint_json(p.path(), &["--only", "types", "a"]);
    let files: BTreeSet<&str> = findings
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert!(
        files.contains("a/one.yaml") && files.contains("a/b/list.json"),
        "{files:?}"
    );
    let cm = findings
        .iter()
        .find(|d| d["file"] == "a/b/list.json")
        .unwrap();
    assert_eq!(cm["path"], "data.k");

    let run = p
        .kforge()
        .args(["lint", "-", "--only", "types"])
        .stdin(BAD)
        .run()
        .exit(1);
    run.stdout_has("<stdin>:");

    // Unreadable and unparseable inputs are parse-error findings; the run is bad input.
    p.kforge()
        .args(["lint", "nope.yaml"])
        .run()
        .exit(2)
        .stdout_has("error[parse-error]: nope.yaml");
    p.write("broken.yaml", "a: [1, 2\n");
    p.kforge()
        .args(["lint", "broken.yaml"])
        .run()
        .exit(2)
        .stdout_has("broken.yaml:");
}

#[test]
fn custom_resources_need_allow_unknown_kinds() {
    let p = TempProject::empty();
    p.write(
        "cr.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n",
    );
    p.kforge()
        .args(["lint", "cr.yaml"])
        .run()
        .exit(1)
        .stdout_has("--allow-unknown-kinds");
    p.kforge()
        .args(["lint", "--allow-unknown-kinds", "cr.yaml"])
        .run()
        .exit(0);
    p.write(
        "typo.yaml",
        "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: w}\n",
    );
    p.kforge()
        .args(["lint", "typo.yaml"])
        .run()
        .exit(1)
        .stdout_has("did you mean `Deployment`?");
}

#[test]
fn strict_turns_warnings_into_failures() {
    let p = TempProject::empty();
    p.write(
        "m.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27.3\n",
    );
    let (code, findings) = lint_json(p.path(), &["m.yaml"]);
    assert_eq!(code, Some(0));
    assert!(findings.iter().any(|d| d["severity"] == "warning"));
    p.kforge()
        .args(["lint", "--strict", "m.yaml"])
        .run()
        .exit(1);
}

#[test]
fn the_reference_project_is_lint_clean_and_render_refuses_lint_errors() {
    Cli::new().args(["lint", "--strict"]).run().exit(0);
    let p = TempProject::reference();
    let run = p
        .kforge()
        .args(["render", "-e", "prod", "--set", "image.tag=latest"])
        .run()
        .exit(1);
    assert!(run.stdout.is_empty(), "nothing is emitted: {}", run.stdout);
    run.stderr_has("error[latest-tag]")
        .stderr_has("`image.tag` set in --set image.tag=latest");
    p.append("environments/prod.yaml", "image:\n  tag: latest\n");
    let tag_line = p.line_of("environments/prod.yaml", "tag: latest");
    let (code, findings) = lint_json(p.path(), &["-e", "prod"]);
    assert_eq!(code, Some(1));
    let notes = findings[0]["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains(&format!("environments/prod.yaml:{tag_line}"))),
        "{notes:?}"
    );
    p.kforge().args(["build"]).run().exit(1);
    // dev and staging packaged before prod failed: none of them is stored.
    assert!(!p.path().join("dist").exists(), "nothing packaged");
}

#[test]
fn list_rules_and_explain_document_every_rule() {
    let run = Cli::new().args(["lint", "--list-rules"]).run().exit(0);
    let ids: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert!(ids.len() >= 30, "{ids:?}");
    for id in &ids {
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "rule ids are kebab-case: {id}"
        );
        Cli::new()
            .args(["lint", "--explain", id])
            .run()
            .exit(0)
            .stdout_has("Fix: ");
    }
    Cli::new()
        .args(["lint", "--explain", "latest-tag"])
        .run()
        .stdout_has("kube-score: container-image-tag");
    Cli::new()
        .args(["lint", "--explain", "latst-tag"])
        .run()
        .exit(2)
        .stderr_has("did you mean `latest-tag`?");
}

fn oracle(script: &str, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .arg(repo_root().join("tests/oracles").join(script))
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "oracle {script} failed (run .ci/install-oracles):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sarif_is_valid_2_1_0_with_real_lines() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    let run = p
        .kforge()
        .args(["lint", "--format", "sarif", "m.yaml"])
        .run()
        .exit(1);
    p.write("out.sarif", &run.stdout);
    let v = oracle(
        "reports.py",
        &["sarif", &p.path().join("out.sarif").display().to_string()],
    );
    assert_eq!(v["ok"], true, "{v}");
    let lines: Vec<u64> = v["start_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap())
        .collect();
    assert!(
        lines.contains(&(p.line_of("m.yaml", "resourcse") as u64)),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| *l > 1),
        "real lines, not all 1: {lines:?}"
    );
}

#[test]
fn junit_validates_against_the_junit_xsd() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    for (file, code) in [("m.yaml", 1), ("clean.yaml", 0)] {
        if file == "clean.yaml" {
            p.write(
                file,
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            );
        }
        let run = p
            .kforge()
            .args(["lint", "--format", "junit", file])
            .run()
            .exit(code);
        p.write("out.xml", &run.stdout);
        let v = oracle(
            "reports.py",
            &["junit", &p.path().join("out.xml").display().to_string()],
        );
        assert_eq!(v["ok"], true, "{v}");
        assert!(v["testcases"].as_u64().unwrap() >= 1);
        assert_eq!(
            v["failures"].as_array().unwrap().is_empty(),
            code == 0,
            "{v}"
        );
    }
}

#[test]
fn github_annotations_point_at_file_and_line() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    let run = p
        .kforge()
        .args(["lint", "--format", "github", "m.yaml"])
        .run()
        .exit(1);
    let line = p.line_of("m.yaml", "resourcse");
    assert!(
        run.stdout.lines().any(
            |l| l.starts_with(&format!("::error file=m.yaml,line={line},"))
                && l.contains("title=unknown-field")
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn text_is_coloured_on_a_terminal_and_plain_under_no_color() {
    let p = TempProject::empty();
    p.write("m.yaml", BAD);
    // `script` gives the child a pseudo-terminal, as an interactive shell would.
    let on_tty = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args([
            "-qec",
            &format!("{} lint m.yaml", env!("CARGO_BIN_EXE_kforge")),
            "/dev/null",
        ])
        .current_dir(p.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.output().expect("script(1) from util-linux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(on_tty(false).contains("\u{1b}[1;31merror[unknown-field]"));
    let plain = on_tty(true);
    assert!(
        plain.contains("error[unknown-field]") && !plain.contains('\u{1b}'),
        "{plain}"
    );
}

/// IntOrString counts and percentages: strings must be `N%`; numbers and `25%` are fine.
#[test]
fn int_or_percent_strings_must_be_percentages() {
    let p = TempProject::empty();
    let deployment = |surge: &str, unavailable: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  strategy:\n    rollingUpdate:\n      maxSurge: {surge}\n      maxUnavailable: {unavailable}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n"
        )
    };
    p.write("ok.yaml", &deployment("\"25%\"", "1"));
    p.kforge()
        .args(["lint", "--only", "types", "ok.yaml"])
        .run()
        .exit(0);
    p.write("bad.yaml", &deployment("\"25 %\"", "\"1\""));
    p.write(
        "pdb.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: half\n  selector:\n    matchLabels: {app: web}\n",
    );
    p.kforge()
        .args(["lint", "--only", "types", "bad.yaml", "pdb.yaml"])
        .run()
        .exit(1)
        .stdout_has("error[invalid-int-or-percent]: Deployment web: `25 %` must be a whole number or a percentage")
        .stdout_has("bad.yaml:10:7")
        .stdout_has("a count is written as a number, without quotes")
        .stdout_has("bad.yaml:11:7")
        .stdout_has("PodDisruptionBudget web: `half`")
        .stdout_has("pdb.yaml:6:3");
}

/// A stream far longer than one read chunk (32 KiB): documents are cut only where YAML ends
/// them, every finding carries the file's own line, cross-document checks still see every
/// object in order, and stdin gives the same report as the file.
#[test]
fn long_streams_are_linted_in_pieces_with_the_files_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut expected: BTreeSet<(String, usize)> = BTreeSet::new();
    let line_now = |t: &str| t.matches('\n').count() + 1;
    let pad = "x".repeat(150);
    let mut dup_first = 0;
    for i in 0..600 {
        match i {
            // End marker, then a directive that belongs to the next document.
            200 => text.push_str("...\n%YAML 1.2\n"),
            // Comments between documents stay with the next one.
            250 => text.push_str("# a comment\n\n# another\n"),
            _ => {}
        }
        text.push_str("---\n");
        let name = if i == 10 || i == 500 {
            "dup".to_string()
        } else {
            format!("cm-{i}")
        };
        text.push_str(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
        ));
        if i == 10 {
            dup_first = line_now(&text) - 4;
        }
        if i == 500 {
            expected.insert(("duplicate-object".into(), line_now(&text) - 1));
        }
        match i {
            // A block scalar whose lines look like markers once unindented.
            300 => text.push_str("data:\n  script: |\n    ---\n    ...\n    echo done\n"),
            450 => {
                expected.insert(("unknown-field".into(), line_now(&text)));
                text.push_str(&format!("dat:\n  k: {pad}\n"));
            }
            550 => {
                text.push_str(&format!("data:\n  k: {pad}\n"));
                expected.insert(("duplicate-key".into(), line_now(&text)));
                text.push_str("data:\n  k: again\n");
            }
            _ => text.push_str(&format!("data:\n  k: {pad}\n")),
        }
    }
    assert!(
        text.len() > 4 * 32 * 1024,
        "the stream must span several chunks"
    );
    let file = dir.path().join("stream.yaml");
    std::fs::write(&file, &text).unwrap();
    let (code, findings) = lint_json(dir.path(), &["stream.yaml"]);
    let got: BTreeSet<(String, usize)> = findings
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(got, expected, "{findings:#?}");
    assert_eq!(code, Some(1), "an unknown field is an error");
    let dup = findings
        .iter()
        .find(|d| d["rule"] == "duplicate-object")
        .unwrap();
    assert!(
        dup["message"]
            .as_str()
            .unwrap()
            .contains(&format!("(first at stream.yaml:{dup_first})")),
        "{dup}"
    );
    // The quoted source line is the file's line, not a line of the piece it was read in.
    let text_report = Cli::new()
        .in_dir(dir.path())
        .args(["lint", "stream.yaml"])
        .run();
    let typo = expected
        .iter()
        .find(|(r, _)| r == "unknown-field")
        .unwrap()
        .1;
    assert!(
        text_report
            .stdout
            .contains(&format!("stream.yaml:{typo}:1")),
        "{}",
        text_report.stdout
    );
    assert!(
        text_report.stdout.contains("dat:"),
        "{}",
        text_report.stdout
    );
    assert!(
        text_report.stdout.contains("600 objects linted"),
        "{}",
        text_report.stdout
    );
    // stdin is read the same way.
    let stdin = Cli::new()
        .in_dir(dir.path())
        .args(["lint", "--format", "json", "-"])
        .stdin(&text)
        .run();
    let from_stdin: BTreeSet<(String, usize)> = stdin.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(from_stdin, expected);
    // A bad byte far into the stream is reported at its own line.
    let mut bytes = text.clone().into_bytes();
    let at = text.find("name: cm-580").unwrap();
    bytes[at + 6] = 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let bad_line = line_now(&text[..at]);
    Cli::new()
        .in_dir(dir.path())
        .args(["lint", "stream.yaml"])
        .run()
        .exit(2)
        .stdout_has(&format!("stream.yaml:{bad_line}: file is not valid UTF-8"));
    // YAML errors in different chunks are each reported at their own line.
    let mut broken = text.clone();
    let first = broken.find("name: cm-20\n").unwrap();
    broken.replace_range(first..first + 5, "name: [");
    let second = broken.find("name: cm-590\n").unwrap();
    broken.replace_range(second..second + 5, "name: {");
    std::fs::write(&file, &broken).unwrap();
    let run = Cli::new()
        .in_dir(dir.path())
        .args(["lint", "stream.yaml"])
        .run()
        .exit(2);
    // The parser reports where it notices the unclosed bracket: the line after the break.
    // Both are parse-error findings of the report, the rest of the stream linted around them.
    for at in [first, second] {
        let line = line_now(&broken[..at]);
        assert!(
            (line..=line + 2).any(|l| run.stdout.contains(&format!("stream.yaml:{l}:"))),
            "no error within 2 lines after line {line}:\n{}",
            run.stdout
        );
    }
}

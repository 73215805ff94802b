//! `kforge package`: Helm's archive layout, byte-reproducible whatever the mtimes, escaping.

use crate::support::{TempProject, python};

const LIST: &str = r#"
import sys, tarfile, json
t = tarfile.open(sys.stdin.readline().strip())
print(json.dumps([[m.name, m.mode, m.uid, m.gid, m.uname, m.gname, m.mtime, m.type.decode()] for m in t.getmembers()]))
"#;

fn list(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&python(LIST, &format!("{}\n", path.display()))).unwrap()
}

fn sha(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn layout_matches_helm_package() {
    let p = TempProject::reference();
    p.kforge()
        .args(["package", "--all-envs"])
        .run()
        .exit(0)
        .stderr_has("packaged dist/prod/krakend-1.0.0.tgz");
    let entries = list(&p.path().join("dist/prod/krakend-1.0.0.tgz"));
    let names: Vec<_> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_str().unwrap().to_string())
        .collect();
    // The config set's ConfigMap, named by the hash of its content (tests/config.rs).
    let config_map = names
        .iter()
        .find(|n| n.starts_with("krakend/templates/configmap-krakend-krakend-"))
        .expect("the krakend.json ConfigMap")
        .clone();
    assert_eq!(
        names,
        [
            "krakend/Chart.yaml",
            "krakend/values.yaml",
            "krakend/values.schema.json",
            config_map.as_str(),
            "krakend/templates/deployment-krakend.yaml",
            "krakend/templates/horizontalpodautoscaler-krakend.yaml",
            "krakend/templates/ingress-krakend.yaml",
            "krakend/templates/poddisruptionbudget-krakend.yaml",
            "krakend/templates/service-krakend.yaml",
            "krakend/kforge-values.yaml",
        ]
    );
    for e in entries.as_array().unwrap() {
        assert_eq!(
            &e.as_array().unwrap()[1..],
            &serde_json::json!([0o644, 0, 0, "", "", 946_684_800, "0"])
                .as_array()
                .unwrap()[..]
        );
    }
    for env in ["dev", "staging"] {
        assert!(
            p.path()
                .join(format!("dist/{env}/krakend-1.0.0.tgz"))
                .is_file()
        );
    }
}

#[test]
fn archives_are_byte_reproducible_whatever_the_file_mtimes_and_umask() {
    let a = TempProject::reference();
    let b = TempProject::reference();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    b.append("environments/prod.yaml", "");
    a.kforge().args(["package", "-e", "prod"]).run().exit(0);
    // b: newer mtimes and a restrictive umask.
    let status = std::process::Command::new("sh")
        .current_dir(b.path())
        .args(["-c", "umask 077 && exec \"$0\" package -e prod"])
        .arg(env!("CARGO_BIN_EXE_kforge"))
        .status()
        .unwrap();
    assert!(status.success());
    let f = "dist/prod/krakend-1.0.0.tgz";
    assert_eq!(sha(&a.path().join(f)), sha(&b.path().join(f)));
    let bytes = sha(&a.path().join(f));
    assert_eq!(
        &bytes[..4],
        &[0x1f, 0x8b, 8, 0],
        "gzip without name or flags"
    );
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "gzip header mtime is zero");
}

#[test]
fn source_date_epoch_sets_entry_mtimes() {
    let p = TempProject::reference();
    p.kforge()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["package", "-e", "dev"])
        .run()
        .exit(0);
    let entries = list(&p.path().join("dist/dev/krakend-1.0.0.tgz"));
    assert!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e[6] == 1_700_000_000)
    );
    p.kforge()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["package", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("SOURCE_DATE_EPOCH");
}

#[test]
fn version_flags_and_chart_yaml() {
    let p = TempProject::reference();
    p.kforge()
        .args([
            "package",
            "-e",
            "prod",
            "--version",
            "2.0.0-rc.1+build.5",
            "--app-version",
            "2.10.2",
            "-d",
            "out",
        ])
        .run()
        .exit(0);
    let chart = python(
        "import sys, tarfile\nt = tarfile.open(sys.stdin.readline().strip())\nprint(t.extractfile('krakend/Chart.yaml').read().decode(), end='')",
        &format!(
            "{}\n",
            p.path()
                .join("out/prod/krakend-2.0.0-rc.1+build.5.tgz")
                .display()
        ),
    );
    assert_eq!(
        chart,
        "apiVersion: v2\nname: krakend\nversion: \"2.0.0-rc.1+build.5\"\nappVersion: \"2.10.2\"\ndescription: KrakenD API gateway\ntype: application\nannotations:\n  kforge.io/environment: prod\n"
    );
    p.kforge()
        .args(["package", "-e", "prod", "--version", "1.0"])
        .run()
        .exit(2)
        .stderr_has("not a SemVer 2 version");
    assert!(!p.path().join("dist").exists(), "nothing written on error");
}

#[test]
fn template_braces_are_escaped_for_helm() {
    let p = TempProject::reference();
    p.kforge()
        .args([
            "package",
            "-e",
            "dev",
            "--set-string",
            r"podAnnotations.t=\{{ .Values.x }}",
        ])
        .run()
        .exit(0);
    let tpl = python(
        "import sys, tarfile\nt = tarfile.open(sys.stdin.readline().strip())\nprint(t.extractfile('krakend/templates/deployment-krakend.yaml').read().decode(), end='')",
        &format!(
            "{}\n",
            p.path().join("dist/dev/krakend-1.0.0.tgz").display()
        ),
    );
    assert!(
        tpl.contains(r#"t: "{{ "{{" }} .Values.x {{ "}}" }}""#),
        "{tpl}"
    );
}

#[test]
fn lint_failures_write_nothing() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  n: 1\n",
    );
    p.kforge()
        .args(["package", "--all-envs"])
        .run()
        .exit(1)
        .stderr_has("expected a string");
    assert!(!p.path().join("dist").exists());
}

/// Every file under `dir`, with its bytes.
fn tree(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_failed_build_leaves_the_output_folder_as_it_was() {
    let p = TempProject::reference();
    p.kforge().args(["build"]).run().exit(0);
    let before = tree(&p.path().join("dist"));
    // dev and staging package before prod fails lint; nothing may be stored.
    p.append("environments/prod.yaml", "image:\n  tag: latest\n");
    p.kforge()
        .args(["build", "--version", "1.0.1"])
        .run()
        .exit(1)
        .stderr_has("error[latest-tag]");
    assert_eq!(
        tree(&p.path().join("dist")),
        before,
        "no archive, index or temporary file changed"
    );
    // A folder the failed run would have made is removed again; one that was there stays.
    p.kforge()
        .args(["build", "--version", "1.0.1", "-d", "out/new"])
        .run()
        .exit(1);
    assert!(!p.path().join("out").exists());
    p.kforge()
        .args(["package", "--all-envs", "--version", "1.0.1"])
        .run()
        .exit(1);
    assert_eq!(tree(&p.path().join("dist")), before);
}

#[test]
fn a_broken_values_schema_is_reported_once_and_nothing_is_written() {
    let p = TempProject::reference();
    p.write("chart-templates/values.schema.json", "{\"type\": 5}\n");
    // Commands that render while the schema compiles on another core, too.
    for args in [
        &["build"][..],
        &["package", "--all-envs"],
        &["build", "--version", "x"],
        &["check"],
        &["render", "-e", "prod"],
        &["render", "-e", "nope"],
        &["render", "--all-envs", "--output-dir", "out"],
        &["golden", "check"],
        &["lint"],
        &["diff", "dev", "prod"],
        &["diff", "dev"],
        &["diff", "-e", "prod", "--against", "nothing.tgz"],
    ] {
        let run = p.kforge().args(args).run().exit(2);
        assert_eq!(
            run.stderr.matches("not a valid JSON Schema").count(),
            1,
            "kforge {args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("environment `"), "{}", run.stderr);
        assert!(
            !p.path().join("dist").exists(),
            "kforge {args:?} wrote dist/"
        );
    }
}

#[test]
fn values_problems_come_before_what_rendering_the_values_would_cause() {
    // The values schema compiles on another core while environments render, so values are
    // checked after rendering; what the user sees must not change: the values problem, at its
    // file and line, and nothing written.
    for (overlay, problem, at) in [
        // Rendering would fail on an undefined `values.image.repository`.
        (
            "image:\n  repository: null\n",
            "missing required key `image.repository`",
            "`image.repository: null` here deletes it",
        ),
        // Rendering would succeed: only the schema catches it.
        (
            "image:\n  tag: 5\n",
            "`image.tag` must be a string, not an integer (5)",
            "environments/prod.yaml:",
        ),
    ] {
        let p = TempProject::reference();
        p.append("environments/prod.yaml", overlay);
        for args in [
            &["build"][..],
            &["package", "--all-envs"],
            &["render", "-e", "prod"],
        ] {
            let run = p.kforge().args(args).run().exit(2);
            assert_eq!(
                run.stderr.matches(problem).count(),
                1,
                "kforge {args:?}: {}",
                run.stderr
            );
            assert!(run.stderr.contains(at), "kforge {args:?}: {}", run.stderr);
            assert!(
                !run.stderr.contains("undefined") && !run.stderr.contains("deployment.yaml"),
                "kforge {args:?} reported a template error: {}",
                run.stderr
            );
            assert!(
                !p.path().join("dist").exists(),
                "kforge {args:?} wrote dist/"
            );
        }
        let run = p.kforge().args(["check"]).run().exit(1);
        assert_eq!(run.stderr.matches(problem).count(), 1, "{}", run.stderr);
    }
}

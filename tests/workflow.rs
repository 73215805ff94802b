//! The everyday workflow as a new user meets it: init, check, build, diff, values origins,
//! completions, man page, help.

use std::process::{Command, Stdio};

use crate::support::{Cli, TempProject, python, repo_root};

/// A fresh project made by `kforge init` in a temp folder (the project is `<tmp>/svc`).
fn initialised() -> (TempProject, std::path::PathBuf) {
    let p = TempProject::empty();
    p.kforge()
        .args(["init", "svc"])
        .run()
        .exit(0)
        .stdout_has("created kforge project `svc` in svc");
    let dir = p.path().join("svc");
    (p, dir)
}

/// The "done when" of the issue: init a fresh project, check, build, change an overlay, see
/// the diff, introduce a typo and get file:line with a suggestion from `check`.
#[test]
fn a_new_user_inits_checks_builds_diffs_and_gets_a_located_typo() {
    let (_p, dir) = initialised();
    for f in [
        "environments/base.yaml",
        "environments/dev.yaml",
        "environments/staging.yaml",
        "environments/prod.yaml",
        ".gitignore",
        ".github/workflows/kforge.yml",
        ".gitlab-ci.yml",
        "golden/prod/deployment-svc.yaml",
    ] {
        assert!(dir.join(f).is_file(), "init did not write {f}");
    }
    // The CI jobs are YAML that run check, build and push, with this version's release binary
    // (checksum verified, never compiled per run) under the asset name the release publishes.
    let release =
        std::fs::read_to_string(repo_root().join(".github/workflows/release.yml")).unwrap();
    assert!(release.contains("name=\"kforge-$GITHUB_REF_NAME-$TARGET.tar.gz\""));
    assert!(release.contains("target: x86_64-unknown-linux-musl"));
    for ci in [".github/workflows/kforge.yml", ".gitlab-ci.yml"] {
        let text = std::fs::read_to_string(dir.join(ci)).unwrap();
        python("import sys, yaml; yaml.safe_load(sys.stdin)", &text);
        for step in [
            "kforge check",
            "kforge build",
            "kforge push",
            concat!("KFORGE_VERSION: v", env!("CARGO_PKG_VERSION"), "\n"),
            "releases/download/$KFORGE_VERSION",
            "archive=\"kforge-$KFORGE_VERSION-x86_64-unknown-linux-musl.tar.gz\"",
            "SHA256SUMS",
            "sha256sum -c",
        ] {
            assert!(text.contains(step), "{ci} lacks `{step}`");
        }
        assert!(
            !text.contains("cargo install"),
            "{ci} compiles kforge on every run"
        );
    }
    let kforge = || Cli::new().in_dir(&dir);
    kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("check passed: 3 environments, 0 warnings, golden/ matches");
    kforge()
        .args(["build"])
        .run()
        .exit(0)
        .stdout_has("dist/prod/svc-0.1.0.tgz");
    assert!(
        dir.join("dist/prod/index.yaml").is_file(),
        "build indexed prod"
    );

    // Change an overlay: the diff against the built chart shows exactly that path.
    let staging = dir.join("environments/staging.yaml");
    let text = std::fs::read_to_string(&staging).unwrap();
    std::fs::write(&staging, text.replace("replicaCount: 2", "replicaCount: 4")).unwrap();
    kforge()
        .args([
            "diff",
            "-e",
            "staging",
            "--against",
            "dist/staging/svc-0.1.0.tgz",
            "--exit-code",
        ])
        .run()
        .exit(1)
        .stdout_has("~ Deployment/svc\n    ± spec.replicas: 2 → 4\n")
        .stdout_has("0 added, 0 removed, 1 changed (1 paths)");
    // check now fails twice: golden drift, and a published version whose content changed
    // (on CI every version in dist/ is published; locally the build replaces its own).
    kforge()
        .args(["check"])
        .env("CI", "true")
        .run()
        .exit(1)
        .stderr_has("-  replicas: 2\n+  replicas: 4")
        .stderr_has("environment `staging`: chart `svc` version 0.1.0 is already in dist/staging/index.yaml:")
        .stderr_has("bump chart.version")
        .stderr_has("check failed: 2 problems in 3 environments");
    assert!(
        !dir.join("dist/staging/svc-0.1.1.tgz").exists(),
        "check writes nothing"
    );

    // A typo: check names the file, line and column, and suggests the key.
    std::fs::write(&staging, "replicaCont: 4\n").unwrap();
    kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("unknown key `replicaCont` in values")
        .stderr_has("--> environments/staging.yaml:1:1")
        .stderr_has("did you mean `replicaCount`?")
        .stderr_has("check failed: 1 problem in 3 environments");
}

#[test]
fn check_writes_nothing_and_reports_every_environment() {
    let p = TempProject::reference();
    let before = listing(p.path());
    // Two environments broken in different ways: both are reported.
    p.append("environments/dev.yaml", "\nimage:\n  tag: latest\n");
    p.append("environments/prod.yaml", "\nreplicaCont: 2\n");
    let run = p
        .kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("environments/dev.yaml")
        .stderr_has("latest")
        .stderr_has("replicaCont")
        .stderr_has("check failed: 2 problems in 3 environments")
        .stderr_has("no golden/");
    // Environments are checked on every core but reported in their order, every run alike.
    let (dev, prod) = (
        run.stderr.find("latest").unwrap(),
        run.stderr.find("replicaCont").unwrap(),
    );
    assert!(dev < prod, "{}", run.stderr);
    for _ in 0..5 {
        assert_eq!(p.kforge().args(["check"]).run().exit(1).stderr, run.stderr);
    }
    assert_eq!(listing(p.path()), before, "check wrote files");
}

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn diff_between_environments_is_structural_and_has_json() {
    let p = TempProject::reference();
    let out = p
        .kforge()
        .args(["diff", "dev", "prod", "-o", "json"])
        .run()
        .exit(0);
    let json = out.json();
    let ids = |k: &str| -> Vec<String> {
        json[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r["kind"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    // krakend.json differs between dev and prod, so its ConfigMap has another hashed name: the
    // diff pairs the two by their config-set label and shows what changed inside.
    assert_eq!(
        ids("added"),
        [
            "HorizontalPodAutoscaler/krakend",
            "Ingress/krakend",
            "PodDisruptionBudget/krakend"
        ]
    );
    assert_eq!(ids("removed"), Vec::<String>::new());
    let renamed = json["renamed"].as_array().unwrap();
    assert_eq!(renamed.len(), 1, "{json}");
    let config = &renamed[0];
    assert_eq!(config["kind"], "ConfigMap");
    let (old, new) = (
        config["old_name"].as_str().unwrap(),
        config["name"].as_str().unwrap(),
    );
    assert!(old.starts_with("krakend-krakend-") && new.starts_with("krakend-krakend-"));
    assert_ne!(old, new);
    let paths: Vec<&str> = config["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"metadata.name"), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("data")), "{paths:?}");
    // As text, a changed config file shows its changed lines, not two quoted blobs.
    let text = p.kforge().args(["diff", "dev", "prod"]).run().exit(0);
    assert!(
        text.stdout
            .contains("        -   \"name\": \"KrakenD API gateway (dev)\",\n        +   \"name\": \"KrakenD API gateway (prod)\",\n"),
        "{}",
        text.stdout
    );
    let service = json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Service")
        .expect("the Service changed");
    let change = service["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "spec.type")
        .expect("spec.type changed");
    assert_eq!(change["old"], "ClusterIP");
    assert_eq!(change["new"], "NodePort");
    assert_eq!(change["op"], "changed");
    // The same environment twice: no differences, and --exit-code stays 0.
    p.kforge()
        .args(["diff", "prod", "prod", "--exit-code"])
        .run()
        .exit(0)
        .stdout_has("no differences");
    p.kforge()
        .args(["diff", "prod", "nope"])
        .run()
        .exit(2)
        .stderr_has("nope");
}

/// Key order and formatting are not changes: a folder of the same manifests re-serialised by
/// PyYAML with sorted keys and another indentation compares equal.
#[test]
fn diff_against_a_folder_ignores_key_order_and_formatting() {
    let p = TempProject::reference();
    p.kforge()
        .args(["render", "--all-envs", "--output-dir", "out"])
        .run()
        .exit(0);
    let dir = p.path().join("out/prod");
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let resorted = python(
            "import sys, yaml\nfor d in yaml.safe_load_all(sys.stdin):\n    print('---'); print(yaml.safe_dump(d, sort_keys=True, indent=4), end='')",
            &text,
        );
        assert_ne!(resorted, text);
        std::fs::write(&path, resorted).unwrap();
    }
    p.kforge()
        .args(["diff", "-e", "prod", "--against", "out/prod", "--exit-code"])
        .run()
        .exit(0)
        .stdout_has("no differences");
    // Against another environment's folder it differs, and says how.
    p.kforge()
        .args(["diff", "-e", "prod", "--against", "out/dev", "--exit-code"])
        .run()
        .exit(1)
        .stdout_has("+ Ingress/krakend (added)")
        .stdout_has("± spec.type: \"ClusterIP\" → \"NodePort\"");
}

#[test]
fn values_origin_lists_the_layers_a_value_overrode() {
    let p = TempProject::reference();
    let base = p.line_of("environments/base.yaml", "port: 8080");
    let prod = p.line_of("environments/prod.yaml", "port: 8000");
    let out = p
        .kforge()
        .args(["values", "-e", "prod", "--show-origin", "-o", "json"])
        .run()
        .exit(0);
    let rows = out.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "service.port")
        .unwrap()
        .clone();
    assert_eq!(row["value"], 8000);
    assert_eq!(row["origin"], format!("environments/prod.yaml:{prod}:3"));
    let overrode: Vec<(i64, String)> = row["overrode"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["value"].as_i64().unwrap(),
                o["origin"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(overrode.len(), 2, "{overrode:?}");
    assert_eq!(
        overrode[0],
        (8080, format!("environments/base.yaml:{base}:3"))
    );
    assert_eq!(overrode[1].0, 80, "the built-in default comes last");
    p.kforge()
        .args(["values", "-e", "prod", "--show-origin", "--set", "service.port=9000"])
        .run()
        .exit(0)
        .stdout_has(&format!(
            "(overrides 8000 at environments/prod.yaml:{prod}:3, 8080 at environments/base.yaml:{base}:3,"
        ));
}

#[test]
fn init_refuses_to_overwrite_and_checks_the_name() {
    let (p, _dir) = initialised();
    p.kforge()
        .args(["init", "svc"])
        .run()
        .exit(2)
        .stderr_has("already holds a kforge project");
    p.kforge()
        .args(["init", "Bad_Name"])
        .run()
        .exit(2)
        .stderr_has("`Bad_Name` is not a valid chart name")
        .stderr_has("--name bad-name");
    assert!(!p.path().join("Bad_Name").exists(), "nothing written");
    p.write("other/.gitignore", "mine\n");
    p.kforge()
        .args(["init", "other"])
        .run()
        .exit(2)
        .stderr_has(".gitignore already exists");
    assert_eq!(
        std::fs::read_to_string(p.path().join("other/.gitignore")).unwrap(),
        "mine\n"
    );
}

#[test]
fn completions_are_valid_scripts_and_the_man_page_renders() {
    let bash = Cli::new().args(["completions", "bash"]).run().exit(0);
    assert!(bash.stdout.contains("_kforge()"), "{}", bash.stdout);
    for sub in ["check", "diff", "init", "lint", "build"] {
        assert!(bash.stdout.contains(sub), "bash completion lacks {sub}");
    }
    let mut child = Command::new("bash")
        .args(["-n"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(bash.stdout.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (shell, marker) in [
        ("zsh", "#compdef kforge"),
        ("fish", "complete -c kforge"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        Cli::new()
            .args(["completions", shell])
            .run()
            .exit(0)
            .stdout_has(marker);
    }
    let man = Cli::new().args(["man"]).run().exit(0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH kforge"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    let mut groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff is needed to check the man page (apt install groff-base)");
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(man.stdout.as_bytes())
        .unwrap();
    let out = groff.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "groff: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every subcommand's --help ends with EXAMPLES that use it.
#[test]
fn every_subcommand_has_examples() {
    let help = Cli::new().args(["--help"]).run().exit(0);
    let subs: Vec<String> = help
        .stdout
        .split("Commands:")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // Entries start at column 2; wrapped descriptions are indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| *s != "help")
        .map(str::to_string)
        .collect();
    assert!(subs.len() >= 13, "{subs:?}");
    for sub in subs {
        let out = Cli::new().args([sub.as_str(), "--help"]).run().exit(0);
        let examples =
            out.stdout.split("EXAMPLES:").nth(1).unwrap_or_else(|| {
                panic!("`kforge {sub} --help` has no EXAMPLES:\n{}", out.stdout)
            });
        assert!(
            examples.contains(&format!("kforge {sub}")) || examples.contains("kforge -C"),
            "`kforge {sub}` examples do not use it:\n{examples}"
        );
    }
}

/// Template typos point at the template line and suggest the name that exists.
#[test]
fn template_typos_get_a_did_you_mean() {
    let p = TempProject::reference();
    let cm = "{% import \"_helpers.jinja\" as h %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ h.fullname }}\ndata:\n";
    p.write(
        "chart-templates/cm.yaml",
        &format!("{cm}  tag: {{{{ values.imgae.tag }}}}\n"),
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("--> chart-templates/cm.yaml:7:")
        .stderr_has("`values.imgae` is not set in any layer; did you mean `values.image`?");
    p.write(
        "chart-templates/cm.yaml",
        &format!("{cm}  tag: {{{{ values.image.tag | uper }}}}\n"),
    );
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("--> chart-templates/cm.yaml:7:")
        .stderr_has("did you mean the filter `upper`?");
}

/// Long runs show a progress line on a terminal only; redirected stderr stays clean.
#[test]
fn progress_is_shown_on_a_terminal_only() {
    let p = TempProject::reference();
    for i in 0..10 {
        p.write(&format!("environments/e{i:02}.yaml"), "replicaCount: 2\n");
    }
    // `script` gives the child a pseudo-terminal.
    let out = Command::new("script")
        .args([
            "-qec",
            &format!("{} check", env!("CARGO_BIN_EXE_kforge")),
            "/dev/null",
        ])
        .current_dir(p.path())
        .env("TERM", "xterm")
        .output()
        .expect("script(1) from util-linux");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("checking environments 13/13"), "{tty}");
    assert!(
        tty.contains("\r\u{1b}[2Kcheck passed: 13 environments"),
        "{tty}"
    );
    let piped = p.kforge().args(["check"]).run().exit(0);
    assert!(
        !piped.stderr.contains("checking environments") && !piped.stderr.contains('\u{1b}'),
        "{}",
        piped.stderr
    );
}

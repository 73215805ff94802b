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
    assert_eq!(
        names,
        [
            "krakend/Chart.yaml",
            "krakend/values.yaml",
            "krakend/templates/deployment-krakend.yaml",
            "krakend/templates/horizontalpodautoscaler-krakend.yaml",
            "krakend/templates/ingress-krakend.yaml",
            "krakend/templates/service-krakend.yaml",
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

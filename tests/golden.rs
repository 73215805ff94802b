//! Golden files: golden/<env>/ is the exact rendered output of each environment.
//! Set KFORGE_UPDATE_GOLDEN=1 to rewrite them after an intended change.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Cli, TempProject, repo_root};

fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return out;
    }
    for env in std::fs::read_dir(dir).unwrap() {
        let env = env.unwrap().path();
        if !env.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&env).unwrap() {
            let f = f.unwrap().path();
            let rel = f.strip_prefix(dir).unwrap().display().to_string();
            out.insert(rel, std::fs::read_to_string(&f).unwrap());
        }
    }
    out
}

#[test]
fn golden_files_match_rendered_output() {
    if std::env::var_os("KFORGE_UPDATE_GOLDEN").is_some() {
        Cli::new().args(["golden", "update"]).run().exit(0);
    }
    let tmp = tempfile::tempdir().unwrap();
    Cli::new()
        .args([
            "render",
            "--all-envs",
            "--output-dir",
            tmp.path().to_str().unwrap(),
        ])
        .run()
        .exit(0);
    let actual = read_tree(tmp.path());
    let expected = read_tree(&repo_root().join("golden"));
    let mut report = String::new();
    for (name, text) in &actual {
        let old = expected.get(name).map_or("", String::as_str);
        if old != text {
            let diff = similar::TextDiff::from_lines(old, text.as_str());
            report.push_str(
                &diff
                    .unified_diff()
                    .header(&format!("golden/{name}"), "rendered")
                    .to_string(),
            );
        }
    }
    for name in expected.keys().filter(|n| !actual.contains_key(*n)) {
        report.push_str(&format!("golden/{name}: stale, no longer rendered\n"));
    }
    assert!(
        report.is_empty(),
        "golden drift (rerun with KFORGE_UPDATE_GOLDEN=1 to accept):\n{report}"
    );
    assert_eq!(
        actual.len(),
        13,
        "dev 3 + staging 4 + prod 6 objects (each with its krakend.json ConfigMap; prod's PDB)"
    );
}

#[test]
fn golden_check_passes_in_the_repo() {
    Cli::new().args(["golden", "check"]).run().exit(0);
}

#[test]
fn golden_check_reports_drift_then_update_accepts_it() {
    let p = TempProject::reference();
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge().args(["golden", "check"]).run().exit(0);
    p.append("environments/staging.yaml", "podLabels:\n  tier: edge\n");
    p.write("golden/old-env/x.yaml", "stale\n");
    let run = p.kforge().args(["golden", "check"]).run().exit(1);
    assert!(
        run.stdout
            .contains("--- golden/staging/deployment-krakend.yaml"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("+        tier: edge"), "{}", run.stdout);
    assert!(run.stdout.contains("golden/old-env/: no such environment"));
    assert!(run.stderr.contains("kforge golden update"));
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge().args(["golden", "check"]).run().exit(0);
    assert!(!p.path().join("golden/old-env").exists());
}

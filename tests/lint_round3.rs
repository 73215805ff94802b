//! Lint, round 3 (issue 37), on public manifests (tests/corpora): old apiVersions checked in
//! full, references to objects deployed elsewhere, custom resources that relax
//! `service-selector` only when they make pods, YAML read as kubectl reads it, unrendered
//! templates named once per file, and the checks of item 6.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Cli, TempProject, corpus};

/// The findings of `kforge lint --format json ARGS` run in `dir`, with the exit code.
fn lint(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<serde_json::Value>) {
    let run = Cli::new()
        .in_dir(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .run();
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    (run.code, findings)
}

fn rules_of(findings: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

/// (rule, message, severity) → count, leaving out the lifecycle findings of the version
/// itself.
fn multiset(findings: &[serde_json::Value]) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for f in findings {
        let rule = f["rule"].as_str().unwrap();
        if rule == "removed-api" || rule == "deprecated-api" {
            continue;
        }
        *out.entry((
            rule.to_string(),
            f["message"].as_str().unwrap().to_string(),
            f["severity"].as_str().unwrap().to_string(),
        ))
        .or_default() += 1;
    }
    out
}

// Issue 37 item 1: an extensions/v1beta1 DaemonSet (kubernetes/examples' New Relic agent:
// privileged, host namespaces, the docker socket, no image tag) got only removed-api and
// automount-token.
#[test]
fn an_extensions_v1beta1_daemonset_gets_every_check_of_apps_v1() {
    let dir = corpus("kubernetes-examples").join("_archived/newrelic-infrastructure");
    let (code, findings) = lint(&dir, &["newrelic-infra-daemonset.yaml"]);
    assert_eq!(code, Some(1));
    let rules = rules_of(&findings);
    for rule in [
        "removed-api",
        "privileged",
        "host-namespaces",
        "docker-sock",
        "sensitive-host-path",
        "latest-tag",
        "missing-memory-limit",
        "run-as-root",
        "automount-token",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rule}: {rules:?}");
    }
    // extensions/v1beta1 defaulted the selector to the template's labels: not required.
    assert!(
        !rules.contains(&"missing-required".to_string()),
        "{rules:?}"
    );
}

// The same objects on an old and on the current apiVersion get the same findings but for the
// lifecycle one: Online Boutique's release manifests (12 Deployments) as they are and as
// extensions/v1beta1, and kubernetes/examples' guestbook with its extensions/v1beta1 copy.
#[test]
fn old_api_versions_get_the_findings_of_the_current_one() {
    let boutique = corpus("realworld/microservices-demo").join("release/kubernetes-manifests.yaml");
    let text = std::fs::read_to_string(&boutique).unwrap();
    let p = TempProject::empty();
    p.write("apps-v1.yaml", &text);
    p.write(
        "extensions.yaml",
        &text.replace(
            "apiVersion: apps/v1\nkind: Deployment",
            "apiVersion: extensions/v1beta1\nkind: Deployment",
        ),
    );
    let (_, current) = lint(p.path(), &["apps-v1.yaml"]);
    let (_, old) = lint(p.path(), &["extensions.yaml"]);
    let removed = old.iter().filter(|f| f["rule"] == "removed-api").count();
    assert_eq!(removed, 12, "every Deployment is on a removed version");
    assert!(multiset(&current).len() > 10);
    assert_eq!(multiset(&old), multiset(&current));
    eprintln!(
        "microservices-demo: {} findings on apps/v1, {} on extensions/v1beta1 besides removed-api",
        multiset(&current).values().sum::<usize>(),
        multiset(&old).values().sum::<usize>()
    );

    let apps = corpus("apps/kubernetes-examples");
    let (_, current) = lint(&apps, &["guestbook-all-in-one.yaml"]);
    let (_, old) = lint(&apps, &["guestbook-extensions-v1beta1.yaml"]);
    assert_eq!(multiset(&old), multiset(&current));
}

// A typo in an old object is an unknown field of the current type; a field only the old
// version has is not (kube-score's extensions/v1beta1 Deployment, with a misspelt field and
// `rollbackTo` added).
#[test]
fn old_objects_are_read_through_the_current_type() {
    let src = corpus("kube-score").join("score/testdata/deployment-extensions-v1beta1.yaml");
    let text = std::fs::read_to_string(src).unwrap();
    let p = TempProject::empty();
    p.write(
        "d.yaml",
        &text.replace(
            "spec:\n  template:\n",
            "spec:\n  rollbackTo: {revision: 1}\n  template:\n    nodeSelectr: {disk: ssd}\n",
        ),
    );
    let (_, findings) = lint(p.path(), &["d.yaml"]);
    let unknown: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "unknown-field")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(unknown.len(), 1, "{findings:#?}");
    assert!(unknown[0].contains("`nodeSelectr`"), "{unknown:?}");
    // A batch/v1beta1 CronJob at 1.24, which still serves it, gets the security checks.
    let dir = corpus("kube-score").join("score/testdata");
    let (_, findings) = lint(
        &dir,
        &["--kube-version", "1.24", "cronjob-batchv1beta1.yaml"],
    );
    let rules = rules_of(&findings);
    for rule in [
        "deprecated-api",
        "latest-tag",
        "run-as-root",
        "privilege-escalation",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rule}: {rules:?}");
    }
    assert!(!rules.contains(&"removed-api".to_string()));
}

//! kforge's rules against other linters' own test suites (tests/corpora): for every
//! kube-linter and kube-score check a rule claims as its equivalent (`kforge lint --explain`),
//! the scorer in tests/oracles/linter_scores.py runs kforge on that check's test files. Every
//! expected report must be produced, and no `dont-fire*` object (kube-linter) or OK-graded object
//! (kube-score) may be reported. Claims are only made where this holds 100%.

use std::process::Command;

use crate::support::{corpus, repo_root};

#[test]
fn claimed_kube_linter_and_kube_score_checks_match_their_test_suites() {
    // Both sets must be there; the scorer reads them from their common folder.
    let corpora = corpus("kube-linter").parent().unwrap().to_path_buf();
    corpus("kube-score");
    let out = Command::new("python3")
        .arg(repo_root().join("tests/oracles/linter_scores.py"))
        .arg(env!("CARGO_BIN_EXE_kforge"))
        .arg(&corpora)
        .output()
        .expect("python3 with PyYAML (see .ci/run)");
    assert!(
        out.status.success(),
        "scorer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scores: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut problems = Vec::new();

    let kl = scores["kube-linter"].as_object().unwrap();
    let (mut expected, mut produced, mut dont, mut fp, mut oos) = (0, 0, 0, 0, 0);
    for (check, r) in kl {
        if let Some(e) = r.get("error") {
            problems.push(format!("kube-linter {check}: {e}"));
            continue;
        }
        expected += r["expected"].as_u64().unwrap();
        produced += r["produced"].as_u64().unwrap();
        dont += r["dont_fire"].as_u64().unwrap();
        oos += r["out_of_scope"].as_u64().unwrap();
        let fps = r["false_positives"].as_array().unwrap();
        fp += fps.len() as u64;
        for m in r["missed"].as_array().unwrap() {
            problems.push(format!("kube-linter {check}: missed {m}"));
        }
        for f in fps {
            problems.push(format!("kube-linter {check}: reported {f}"));
        }
    }
    eprintln!(
        "kube-linter: {} claimed checks; {produced}/{expected} expected reports produced; {fp} of {dont} dont-fire objects/containers reported; {oos} expected reports on non-Kubernetes kinds (DeploymentConfig) out of scope",
        kl.len()
    );

    let ks = scores["kube-score"].as_object().unwrap();
    let (mut rows, mut agree, mut skipped) = (0, 0, 0);
    for (check, r) in ks {
        rows += r["rows"].as_u64().unwrap();
        agree += r["agree"].as_u64().unwrap();
        skipped += r["skipped"].as_u64().unwrap();
        for d in r["disagree"].as_array().unwrap() {
            problems.push(format!("kube-score {check}: {d}"));
        }
        if r["rows"] == 0 {
            problems.push(format!(
                "kube-score {check}: no test rows to score the claim"
            ));
        }
    }
    eprintln!(
        "kube-score: {} claimed checks; {agree}/{rows} graded rows agree (CRITICAL/WARNING reported, OK not); {skipped} rows skipped (SKIPPED grade, or a Kubernetes version before 1.16)",
        ks.len()
    );
    assert!(kl.len() >= 15 && ks.len() >= 8, "claims vanished: {scores}");
    assert!(problems.is_empty(), "{problems:#?}");
}

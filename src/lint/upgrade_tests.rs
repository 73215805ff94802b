//! Unit tests of the upgrade rules: upstream's update validation cases (tests/corpora), and
//! what an annotation cannot silence.

use super::*;
use crate::yaml::{Limits, SourceFile, Value, parse_documents};

/// Cases whose upstream verdict hangs on live state a render cannot show; kforge takes the
/// side that cannot break a deploy. Listed by name, so the list cannot grow unnoticed.
const STRICTER: &[(&str, &str)] = &[(
    "pvc: request lowered after a failed expansion, still above status.capacity",
    "accepted only when the live claim's status.capacity is below the new request; a render does not know the capacity",
)];

/// The cases of tests/corpora/k8s-update-validation (upstream's validation tests, restated).
fn upstream_cases() -> Vec<Node> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpora/k8s-update-validation/cases.yaml"
    );
    let text = std::fs::read_to_string(path).expect("the corpus is in the repository");
    let file = SourceFile::new("cases.yaml", text);
    let limits = Limits {
        max_depth: 64,
        max_nodes: 1_000_000,
    };
    let mut root = parse_documents(&file.text, &file, limits).expect("the corpus parses");
    let Value::Seq(cases) = root.remove(0).value else {
        panic!("the corpus is a list")
    };
    cases
}

fn docs(node: &Node) -> Vec<Document> {
    vec![Document::new("case", 0, node.clone())]
}

/// The upgrade rules give Kubernetes' own verdict on every case of
/// tests/corpora/k8s-update-validation (upstream's validation tests, restated): a rejected
/// update fires the case's rule with upstream's error text, an accepted one fires nothing.
#[test]
fn upstream_update_validation_cases() {
    let cases = upstream_cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let opts = Options::default();
    let mut failures = Vec::new();
    let mut stricter_seen = Vec::new();
    for case in &cases {
        let field = |k: &str| case.get_path(&[k]).and_then(Node::as_str).unwrap_or("");
        let name = field("name");
        let side = |k: &str| docs(case.get_path(&[k]).expect("old and new"));
        let (old, new) = (side("old"), side("new"));
        let before = Release {
            version: "1.0.0",
            source: "old",
            docs: &old,
        };
        let after = Release {
            version: "1.0.1",
            source: "new",
            docs: &new,
        };
        let found = upgrade_findings("prod", &before, &after, &opts, None);
        let errors: Vec<&Diagnostic> = found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if let Some((_, why)) = STRICTER.iter().find(|(n, _)| *n == name) {
            assert!(
                !errors.is_empty(),
                "{name}: expected kforge to refuse ({why})"
            );
            stricter_seen.push(name);
            continue;
        }
        match field("verdict") {
            "rejected" => {
                let rule = field("rule");
                // Upstream's message without the value it prints: what comes after
                // `Invalid value: <value>:`, or the whole Forbidden text.
                let error = field("error");
                let fixed = match error.split_once("Invalid value: ") {
                    Some((_, rest)) => rest.rsplit(": ").next().unwrap_or(rest),
                    None => error.split_once(": ").map_or(error, |(_, r)| r),
                };
                let hit = errors
                    .iter()
                    .find(|d| d.code == Some(rule) && d.message.contains(fixed));
                if hit.is_none() {
                    failures.push(format!(
                        "{name}: expected {rule} with `{fixed}`, got {:?}",
                        errors.iter().map(|d| &d.message).collect::<Vec<_>>()
                    ));
                }
            }
            "accepted" => {
                if !errors.is_empty() {
                    failures.push(format!(
                        "{name}: accepted upstream, refused here: {:?}",
                        errors.iter().map(|d| &d.message).collect::<Vec<_>>()
                    ));
                }
            }
            other => panic!("{name}: verdict `{other}`"),
        }
    }
    assert_eq!(
        stricter_seen.len(),
        STRICTER.len(),
        "a stricter case is gone"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An object's `kforge.io/ignore` annotation does not silence an upgrade rule: it would
/// silence every later release too.
#[test]
fn the_ignore_annotation_does_not_silence_an_upgrade_rule() {
    let deployment = |app: &str| {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {{kforge.io/ignore: all}}\nspec:\n  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata: {{labels: {{app: {app}}}}}\n    spec: {{containers: [{{name: web, image: 'nginx:1.27'}}]}}\n"
        );
        let file = SourceFile::new("d.yaml", text);
        let node = parse_documents(&file.text, &file, Limits::default())
            .unwrap()
            .remove(0);
        vec![Document::new("d.yaml", 0, node)]
    };
    let (old, new) = (deployment("web"), deployment("web-v2"));
    let before = Release {
        version: "1.0.0",
        source: "old",
        docs: &old,
    };
    let after = Release {
        version: "1.0.1",
        source: "new",
        docs: &new,
    };
    let found = upgrade_findings("prod", &before, &after, &Options::default(), None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, Some("immutable-selector"));
}

/// A changed immutable Secret is refused naming the key that changed, never its values: the
/// message goes to CI logs. A ConfigMap's values are shown.
#[test]
fn a_changed_immutable_secret_never_shows_its_values() {
    let object = |kind: &str, value: &str| {
        let text = format!(
            "apiVersion: v1\nkind: {kind}\nmetadata: {{name: credentials}}\nimmutable: true\ndata: {{password: {value}}}\n"
        );
        let file = SourceFile::new("s.yaml", text);
        let node = parse_documents(&file.text, &file, Limits::default())
            .unwrap()
            .remove(0);
        vec![Document::new("s.yaml", 0, node)]
    };
    for (kind, shown) in [("Secret", false), ("ConfigMap", true)] {
        let (old, new) = (
            object(kind, "b2xkLXBhc3N3b3Jk"),
            object(kind, "bmV3LXBhc3N3b3Jk"),
        );
        let before = Release {
            version: "1.0.0",
            source: "old",
            docs: &old,
        };
        let after = Release {
            version: "1.0.1",
            source: "new",
            docs: &new,
        };
        let found = upgrade_findings("prod", &before, &after, &Options::default(), None);
        assert_eq!(found.len(), 1, "{kind}: {found:?}");
        let text = format!("{} {:?}", found[0].message, found[0].notes);
        assert!(text.contains("data.password"), "{kind}: {text}");
        for value in ["b2xkLXBhc3N3b3Jk", "bmV3LXBhc3N3b3Jk"] {
            assert_eq!(text.contains(value), shown, "{kind}: {text}");
        }
    }
}

/// The rules give the same findings on the compared parts of a last release
/// ([`crate::lint::compared_parts`], what a build keeps beside an archive) as on its whole
/// objects: for every upstream case, updated and removed. A rule that starts reading a field
/// the cut leaves out fails here.
#[test]
fn the_compared_parts_give_the_findings_of_the_whole_objects() {
    let cases = upstream_cases();
    let shown = |found: Vec<Diagnostic>| -> Vec<String> {
        found
            .iter()
            .map(|d| {
                let at = d.origin.as_ref().map(ToString::to_string);
                format!(
                    "{:?} {:?} {} {at:?} {:?}",
                    d.severity, d.code, d.message, d.notes
                )
            })
            .collect()
    };
    let mut compared = 0;
    for case in &cases {
        let name = case
            .get_path(&["name"])
            .and_then(Node::as_str)
            .unwrap_or("");
        let side = |k: &str| docs(case.get_path(&[k]).expect("old and new"));
        let (old, new) = (side("old"), side("new"));
        let cut: Vec<Document> = old
            .iter()
            .filter_map(|d| crate::lint::compared_parts(d).map(|n| Document::new("case", 0, n)))
            .collect();
        for after_docs in [&new[..], &[]] {
            let after = Release {
                version: "1.0.1",
                source: "new",
                docs: after_docs,
            };
            let run = |before_docs: &[Document]| {
                let before = Release {
                    version: "1.0.0",
                    source: "old",
                    docs: before_docs,
                };
                shown(upgrade_findings(
                    "prod",
                    &before,
                    &after,
                    &Options::default(),
                    None,
                ))
            };
            let (whole, parts) = (run(&old), run(&cut));
            assert_eq!(whole, parts, "{name}");
            compared += usize::from(!whole.is_empty());
        }
    }
    assert!(compared >= 40, "only {compared} comparisons had findings");
}

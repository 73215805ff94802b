//! A Job's Helm hook annotations as its `hook` values (phases, weight, delete policy), when
//! job.yaml renders them exactly as written: the three annotations present, each phase and
//! policy one the values know, listed once, comma-separated without spaces, the weight a plain
//! integer. Any other hook (`helm test`, no weight, `pre-install, pre-upgrade`) stays in the
//! Job's `annotations`, which render it as written.

use serde_json::{Map, Value as Json, json};

/// The annotations job.yaml writes from `hook`.
const HOOK: &str = "helm.sh/hook";
const WEIGHT: &str = "helm.sh/hook-weight";
const DELETE_POLICY: &str = "helm.sh/hook-delete-policy";

/// `hook.phases` as values.schema.json lists them.
const PHASES: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-upgrade",
    "post-upgrade",
    "pre-delete",
    "post-delete",
    "pre-rollback",
    "post-rollback",
];

/// `hook.deletePolicy` as values.schema.json lists them.
const POLICIES: &[&str] = &["before-hook-creation", "hook-succeeded", "hook-failed"];

/// job.yaml's defaults: written only where the input differs from them.
const DEFAULT_POLICY: &[&str] = &["before-hook-creation"];

/// The `hook` values of a Job's `annotations` and the annotations left once those three are
/// taken out; `None` when the Job is no hook job.yaml renders as written.
pub fn from_annotations(annotations: &Map<String, Json>) -> Option<(Json, Map<String, Json>)> {
    let text = |key: &str| annotations.get(key).and_then(Json::as_str);
    let phases = list(text(HOOK)?, PHASES)?;
    let weight_text = text(WEIGHT)?;
    let weight: i64 = weight_text.parse().ok()?;
    if weight.to_string() != weight_text {
        return None;
    }
    let policies = list(text(DELETE_POLICY)?, POLICIES)?;
    let mut hook = Map::new();
    hook.insert("phases".into(), json!(phases));
    if weight != 0 {
        hook.insert("weight".into(), json!(weight));
    }
    if policies != DEFAULT_POLICY {
        hook.insert("deletePolicy".into(), json!(policies));
    }
    let rest = annotations
        .iter()
        .filter(|(k, _)| ![HOOK, WEIGHT, DELETE_POLICY].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some((Json::Object(hook), rest))
}

/// The items of a comma-separated annotation, when each is one of `allowed`, none twice, and
/// `join(",")` writes the text back as it is.
fn list<'a>(text: &'a str, allowed: &[&str]) -> Option<Vec<&'a str>> {
    let items: Vec<&str> = text.split(',').collect();
    let once = items
        .iter()
        .enumerate()
        .all(|(i, x)| !items[..i].contains(x));
    (once && items.iter().all(|x| allowed.contains(x))).then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> Map<String, Json> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect()
    }

    #[test]
    fn a_hook_as_job_yaml_writes_it_is_its_values_defaults_left_out() {
        let a = annotations(&[
            ("team", "db"),
            (HOOK, "pre-install,pre-upgrade"),
            (WEIGHT, "0"),
            (DELETE_POLICY, "before-hook-creation"),
        ]);
        let (hook, rest) = from_annotations(&a).unwrap();
        assert_eq!(hook, json!({"phases": ["pre-install", "pre-upgrade"]}));
        assert_eq!(Json::Object(rest), json!({"team": "db"}));
        let a = annotations(&[
            (HOOK, "post-install"),
            (WEIGHT, "-5"),
            (DELETE_POLICY, "hook-succeeded,hook-failed"),
        ]);
        let (hook, rest) = from_annotations(&a).unwrap();
        assert_eq!(
            hook,
            json!({"phases": ["post-install"], "weight": -5, "deletePolicy": ["hook-succeeded", "hook-failed"]})
        );
        assert!(rest.is_empty());
    }

    #[test]
    fn a_hook_job_yaml_would_write_otherwise_is_none() {
        let full = [
            (HOOK, "pre-install"),
            (WEIGHT, "1"),
            (DELETE_POLICY, "hook-succeeded"),
        ];
        assert!(from_annotations(&annotations(&full)).is_some());
        for (key, text) in [
            (HOOK, "test"),
            (HOOK, "pre-install, pre-upgrade"),
            (HOOK, "pre-install,pre-install"),
            (HOOK, ""),
            (WEIGHT, "+1"),
            (WEIGHT, "01"),
            (WEIGHT, "one"),
            (DELETE_POLICY, ""),
            (DELETE_POLICY, "hook-succeeded,"),
        ] {
            let mut a = annotations(&full);
            a.insert(key.into(), json!(text));
            assert!(from_annotations(&a).is_none(), "{key}: {text}");
        }
        for missing in [HOOK, WEIGHT, DELETE_POLICY] {
            let mut a = annotations(&full);
            a.remove(missing);
            assert!(from_annotations(&a).is_none(), "without {missing}");
        }
        let mut a = annotations(&full);
        a.insert(WEIGHT.into(), json!(1));
        assert!(from_annotations(&a).is_none(), "a weight not a string");
    }
}

//! Upgrade safety: rules over a pair of renders, the last published release of an environment
//! (before) and the one about to ship (after). Kubernetes rejects some updates of an object that
//! exists (immutable selectors, StatefulSet and Job fields, Service IPs, PVC specs, immutable
//! ConfigMaps and Secrets, a CRD's stored versions), so `helm upgrade` (and `kubectl apply`)
//! fails mid-deploy; some removals lose data. Each is refused here, before the release ships,
//! with the Kubernetes error it prevents.
//!
//! The rules restate the API server's update validation (pkg/apis/*/validation in
//! kubernetes/kubernetes); tests/corpora/k8s-update-validation holds upstream's own cases.
//! Helm hooks are exempt from the update rules: Helm deletes and recreates them (the default
//! `before-hook-creation` policy) instead of updating them.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::acknowledge::Acknowledgement;
use super::config::Options;
use super::rules::{RuleId, rule_id};
use super::sink::{Sink, path};
use crate::diag::{Diagnostic, Severity};
use crate::manifest::{Document, HookKind};
use crate::yaml::{Node, to_json};

/// The API server's refusal of a StatefulSet update (apps/validation ValidateStatefulSetUpdate).
const STATEFULSET_FORBIDDEN: &str = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/// The kinds an upgrade rule looks at: what the update rules compare, and what the data-loss
/// rule misses when it is gone. Objects of other kinds of a last release need not be read.
pub const UPGRADE_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "Service",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "CustomResourceDefinition",
    "Namespace",
];

/// One release of an environment: its chart version and its objects, hooks included.
pub struct Release<'a> {
    /// The chart version.
    pub version: &'a str,
    /// Where it was read from, for messages (`dist/prod/shop-1.0.0.tgz`), or `this render`.
    pub source: &'a str,
    /// Its objects.
    pub docs: &'a [Document],
}

/// The findings of the upgrade rules for `env` going from `before` to `after`: errors for
/// updates Kubernetes rejects, warnings for removals that lose data, each downgraded to an info
/// when `acknowledge:` covers it; plus a warning for an acknowledgement of this release that
/// covers nothing (a typo in it would otherwise leave the finding it meant, unseen, as an error
/// that is then hard to understand). With `values`, a finding names the values that set the field.
pub fn upgrade_findings(
    env: &str,
    before: &Release<'_>,
    after: &Release<'_>,
    opts: &Options,
    values: Option<&Node>,
) -> Vec<Diagnostic> {
    let mut check = Check {
        env,
        before,
        after,
        sink: Sink::new(opts, values),
        acks: &opts.acknowledged,
        used: vec![false; opts.acknowledged.len()],
    };
    let old: BTreeMap<(&str, &str, &str), &Document> = before
        .docs
        .iter()
        .filter(|d| !is_hook(d))
        .map(|d| (identity(d), d))
        .collect();
    let old_hooks: BTreeMap<(&str, &str, &str), &Document> = before
        .docs
        .iter()
        .filter(|d| is_hook(d) && d.hook().is_some_and(|h| h.kind == HookKind::Lifecycle))
        .map(|d| (identity(d), d))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for new in after.docs.iter().filter(|d| !is_hook(d)) {
        let key = identity(new);
        seen.insert(key);
        if let Some(old) = old.get(&key) {
            check.updated(old, new);
        } else if let Some(hook) = old_hooks.get(&key) {
            check.hook_became_plain(hook, new);
        }
    }
    for (key, old) in &old {
        if !seen.contains(key) {
            check.removed(old);
        }
    }
    let Check {
        sink, used, acks, ..
    } = check;
    let mut out = sink.into_findings();
    for (ack, used) in acks.iter().zip(used) {
        let for_this = ack.release == after.version
            && (ack.environments.is_empty() || ack.environments.iter().any(|e| e == env));
        if for_this && !used {
            let mut d = Diagnostic::error(format!(
                "the acknowledgement of `{}` on {} for release {} matches no finding of the upgrade from {}",
                ack.rule,
                ack.object(),
                ack.release,
                before.version
            ))
            .at(ack.origin.clone())
            .help("check the rule and the object (Kind/name as rendered); remove the entry if the change it acknowledged is gone");
            d.severity = Severity::Warning;
            out.push(d);
        }
    }
    out
}

/// Whether Helm creates the object as a hook (deleted and recreated, never updated). Test
/// hooks are not in a release's objects at all.
pub(super) fn is_hook(d: &Document) -> bool {
    d.hook().is_some()
}

fn identity(d: &Document) -> (&str, &str, &str) {
    (d.kind.as_str(), d.namespace.as_str(), d.name.as_str())
}

/// One comparison run.
struct Check<'a> {
    env: &'a str,
    before: &'a Release<'a>,
    after: &'a Release<'a>,
    sink: Sink<'a>,
    acks: &'a [Acknowledgement],
    used: Vec<bool>,
}

impl Check<'_> {
    /// Reports `id` on `doc` (the new object, or the old one when it is gone) at `tokens`,
    /// acknowledged (an info) when `acknowledge:` covers it.
    fn report(&mut self, id: RuleId, doc: &Document, tokens: &[&str], message: String) {
        self.report_as(id, None, doc, tokens, message, None);
    }

    /// [`Check::report`] at another severity than the rule's, with a note of why.
    fn report_as(
        &mut self,
        id: RuleId,
        mut severity: Option<Severity>,
        doc: &Document,
        tokens: &[&str],
        message: String,
        why: Option<String>,
    ) {
        // The archive's path is in the summary: a note naming it would make the same finding
        // of several environments look different.
        let mut notes = vec![format!("compared with release {}", self.before.version)];
        notes.extend(why);
        let ack = self
            .acks
            .iter()
            .position(|a| a.covers(id.as_str(), identity(doc), self.after.version, self.env));
        if let Some(i) = ack {
            self.used[i] = true;
            let a = &self.acks[i];
            let at = a
                .origin
                .file_line()
                .map(|(f, line, _)| format!(" ({}:{line})", f.display))
                .unwrap_or_default();
            notes.push(format!(
                "acknowledged for release {}{at}: {}",
                a.release, a.reason
            ));
            severity = Some(Severity::Info);
        }
        self.sink
            .report_noted(id, severity, doc, &path(tokens), message, notes);
    }

    /// The rules on an object that exists in both releases.
    fn updated(&mut self, old: &Document, new: &Document) {
        // Only the parts a rule reads are converted: most objects of a release are workloads,
        // of which the selector is all that is compared.
        let selector = |d: &Document| -> Json {
            serde_json::json!({"spec": {"selector": d
                .node
                .get_path(&["spec", "selector"])
                .map_or(Json::Null, to_json)}})
        };
        match (api_group(&new.node), new.kind.as_str()) {
            ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => {
                self.selector(new, &selector(old), &selector(new));
                self.replicas_dropped(old, new);
                if new.kind == "Deployment" {
                    self.recreate_after_default_rolling_update(old, new);
                }
            }
            ("apps", "StatefulSet") => {
                let (o, n) = (part(old, &["spec"]), part(new, &["spec"]));
                self.selector(new, &o, &n);
                self.statefulset(new, &o, &n);
                self.replicas_dropped(old, new);
            }
            _ => self.updated_other(old, new),
        }
    }

    /// The rules of kinds other than the apps workloads.
    fn updated_other(&mut self, old: &Document, new: &Document) {
        let both = |keys: &[&str]| (part(old, keys), part(new, keys));
        match (api_group(&new.node), new.kind.as_str()) {
            ("batch", "Job") => {
                let (o, n) = both(&["spec"]);
                self.job(new, &o, &n);
            }
            ("", "Service") => {
                let (o, n) = both(&["spec"]);
                self.service(new, &o, &n);
            }
            ("", "PersistentVolumeClaim") => {
                let (o, n) = both(&["spec"]);
                self.claim(new, &o, &n);
            }
            ("", "ConfigMap" | "Secret") => {
                let (o, n) = both(&["immutable", "data", "binaryData", "stringData"]);
                self.immutable_data(new, &o, &n);
            }
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                let (o, n) = both(&["spec"]);
                self.crd(new, &o, &n);
            }
            _ => {}
        }
    }

    fn selector(&mut self, new: &Document, o: &Json, n: &Json) {
        let (a, b) = (&o["spec"]["selector"], &n["spec"]["selector"]);
        if a != b {
            self.report(
                rule_id!("immutable-selector"),
                new,
                &["spec", "selector"],
                format!(
                    "spec.selector changes ({}); Kubernetes rejects the update: `{}`",
                    changes(a, b, "spec.selector"),
                    if new.kind == "StatefulSet" {
                        STATEFULSET_FORBIDDEN
                    } else {
                        "spec.selector: Invalid value: ...: field is immutable"
                    }
                ),
            );
        }
    }

    fn statefulset(&mut self, new: &Document, o: &Json, n: &Json) {
        // apps/validation ValidateStatefulSetUpdate: these may change (revisionHistoryLimit
        // since Kubernetes 1.33; older servers refuse it too), and spec.selector has its own
        // rule.
        const MUTABLE: [&str; 8] = [
            "replicas",
            "template",
            "updateStrategy",
            "minReadySeconds",
            "ordinals",
            "persistentVolumeClaimRetentionPolicy",
            "revisionHistoryLimit",
            "selector",
        ];
        for field in changed_fields(&o["spec"], &n["spec"]) {
            if MUTABLE.contains(&field.as_str()) {
                continue;
            }
            self.report(
                rule_id!("immutable-statefulset-spec"),
                new,
                &["spec", &field],
                format!(
                    "spec.{field} changes ({}); Kubernetes rejects the update: `{STATEFULSET_FORBIDDEN}`",
                    changes(&o["spec"][&field], &n["spec"][&field], &format!("spec.{field}"))
                ),
            );
        }
    }

    fn job(&mut self, new: &Document, o: &Json, n: &Json) {
        // A published Job that deletes itself once finished (ttlSecondsAfterFinished) is
        // usually gone by the next release, which then creates it anew: the update fails only
        // if it still exists, so the finding is a warning.
        let (severity, why) = match o["spec"]["ttlSecondsAfterFinished"].as_i64() {
            Some(ttl) => (
                Some(Severity::Warning),
                Some(format!(
                    "the published Job deletes itself {ttl} s after it finishes (ttlSecondsAfterFinished): the update fails only if it still exists then"
                )),
            ),
            None => (None, None),
        };
        for field in ["selector", "template"] {
            let (a, b) = (&o["spec"][field], &n["spec"][field]);
            if a == b || (field == "template" && suspended_scheduling_only(o, n)) {
                continue;
            }
            self.report_as(
                rule_id!("immutable-job"),
                severity,
                new,
                &["spec", field],
                format!(
                    "spec.{field} changes ({}), and a Job's spec.{field} cannot be updated; Kubernetes rejects the update: `spec.{field}: Invalid value: ...: field is immutable`",
                    changes(a, b, &format!("spec.{field}"))
                ),
                why.clone(),
            );
        }
        // batch/validation ValidateJobSpecUpdate: completions is fixed, except on an Indexed
        // Job whose completions follow its parallelism (an elastic Indexed Job).
        let (a, b) = (&o["spec"]["completions"], &n["spec"]["completions"]);
        let elastic = n["spec"]["completionMode"] == "Indexed"
            && !a.is_null()
            && !b.is_null()
            && *b == n["spec"]["parallelism"];
        if a != b && !elastic {
            self.report_as(
                rule_id!("immutable-job"),
                severity,
                new,
                &["spec", "completions"],
                format!(
                    "spec.completions changes from {} to {}; Kubernetes rejects the update: `spec.completions: Invalid value: {}: field is immutable`",
                    short(a),
                    short(b),
                    short(b)
                ),
                why,
            );
        }
    }

    fn service(&mut self, new: &Document, o: &Json, n: &Json) {
        let external = |j: &Json| j["spec"]["type"] == "ExternalName";
        if external(o) || external(n) {
            // Changing the type to or from ExternalName clears or allocates the IPs.
            return;
        }
        // An address left out keeps the allocated one (the API server copies it into an
        // update that does not set it); one written must equal what the cluster holds.
        let (a, b) = (ip(&o["spec"]), ip(&n["spec"]));
        if let Some(b) = b
            && a != Some(b)
        {
            let was = a.map_or_else(
                || "an address the cluster allocated".to_string(),
                |a| format!("`{a}`"),
            );
            self.report(
                rule_id!("immutable-service-ip"),
                new,
                &["spec", "clusterIP"],
                format!(
                    "spec.clusterIP is `{b}` where the published release has {was}; Kubernetes rejects the update: `spec.clusterIPs[0]: Invalid value: ...: may not change once set`"
                ),
            );
        }
        // The other addresses of a dual-stack Service: one written on both sides may not change
        // (validateUpgradeDowngradeClusterIPs); adding or dropping the second is an upgrade
        // or downgrade of the Service's IP families, which is allowed.
        let ips = |j: &Json| -> Vec<String> {
            j["spec"]["clusterIPs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let (xa, xb) = (ips(o), ips(n));
        for (i, (p, q)) in xa.iter().zip(&xb).enumerate().skip(1) {
            if p != q {
                self.report(
                    rule_id!("immutable-service-ip"),
                    new,
                    &["spec", "clusterIPs"],
                    format!(
                        "spec.clusterIPs[{i}] changes from `{p}` to `{q}`; Kubernetes rejects the update: `spec.clusterIPs[{i}]: Invalid value: ...: may not change once set`"
                    ),
                );
            }
        }
        let family = |j: &Json| j["spec"]["ipFamilies"][0].as_str().map(str::to_string);
        if let (Some(a), Some(b)) = (family(o), family(n))
            && a != b
        {
            self.report(
                rule_id!("immutable-service-ip"),
                new,
                &["spec", "ipFamilies"],
                format!(
                    "the primary IP family changes from {a} to {b}; Kubernetes rejects the update: `spec.ipFamilies[0]: Invalid value: ...: may not change once set`"
                ),
            );
        }
    }

    fn claim(&mut self, new: &Document, o: &Json, n: &Json) {
        let storage = |j: &Json| j["spec"]["resources"]["requests"]["storage"].clone();
        let (a, b) = (storage(o), storage(n));
        let size = |j: &Json| match j {
            Json::String(s) => super::resources::quantity_value(s),
            Json::Number(x) => x.as_f64(),
            _ => None,
        };
        if let (Some(x), Some(y)) = (size(&a), size(&b))
            && y < x
        {
            self.report(
                rule_id!("immutable-pvc-spec"),
                new,
                &["spec", "resources", "requests", "storage"],
                format!(
                    "the storage request shrinks from {} to {}; Kubernetes rejects the update: `spec.resources.requests.storage: Forbidden: field can not be less than status.capacity` (`... previous value` before 1.34)",
                    short(&a),
                    short(&b)
                ),
            );
        }
        // Everything but the storage request (and volumeAttributesClassName) is fixed; a
        // storage class may be set once where none was (retroactive default class).
        let rest = |j: &Json| {
            let mut spec = j["spec"].clone();
            if let Some(m) = spec.as_object_mut() {
                m.remove("volumeAttributesClassName");
                if let Some(r) = m.get_mut("resources").and_then(Json::as_object_mut) {
                    r.remove("requests");
                    if r.is_empty() {
                        m.remove("resources");
                    }
                }
            }
            spec
        };
        let (mut ra, rb) = (rest(o), rest(n));
        if ra.get("storageClassName").is_none()
            && let (Some(m), Some(class)) = (ra.as_object_mut(), rb.get("storageClassName"))
        {
            m.insert("storageClassName".into(), class.clone());
        }
        for field in changed_fields(&ra, &rb) {
            self.report(
                rule_id!("immutable-pvc-spec"),
                new,
                &["spec", &field],
                format!(
                    "spec.{field} changes from {} to {}; Kubernetes rejects the update: `spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims`",
                    short(&ra[&field]),
                    short(&rb[&field])
                ),
            );
        }
    }

    fn immutable_data(&mut self, new: &Document, o: &Json, n: &Json) {
        if o["immutable"] != Json::Bool(true) {
            return;
        }
        if n["immutable"] != Json::Bool(true) {
            self.report(
                rule_id!("immutable-config-data"),
                new,
                &["immutable"],
                format!(
                    "the published release marks this {} immutable and this one does not; Kubernetes rejects the update: `immutable: Forbidden: field is immutable when `immutable` is set`",
                    new.kind
                ),
            );
            return;
        }
        for field in ["data", "binaryData", "stringData"] {
            if o[field] != n[field] {
                // The API server merges a Secret's stringData into data before validating.
                let named = if field == "stringData" { "data" } else { field };
                // A Secret's values are never shown: only which keys changed.
                let (a, b) = if new.kind == "Secret" {
                    (masked(&o[field]), masked(&n[field]))
                } else {
                    (o[field].clone(), n[field].clone())
                };
                self.report(
                    rule_id!("immutable-config-data"),
                    new,
                    &[field],
                    format!(
                        "{field} changes ({}) in an immutable {}; Kubernetes rejects the update: `{named}: Forbidden: field is immutable when `immutable` is set`",
                        changes(&a, &b, field),
                        new.kind
                    ),
                );
            }
        }
    }

    fn crd(&mut self, new: &Document, o: &Json, n: &Json) {
        let names = |j: &Json, storage_only: bool| -> Vec<String> {
            j["spec"]["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| !storage_only || v["storage"] == Json::Bool(true))
                .filter_map(|v| v["name"].as_str().map(str::to_string))
                .collect()
        };
        let listed = names(n, false);
        for stored in names(o, true) {
            if !listed.contains(&stored) {
                self.report(
                    rule_id!("crd-version-removed"),
                    new,
                    &["spec", "versions"],
                    format!(
                        "version {stored}, the storage version of the published release, is no longer listed, and objects may be stored in it; Kubernetes rejects the update: `status.storedVersions[0]: Invalid value: \"{stored}\": missing from spec.versions; {stored} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in {stored} and removes {stored} from status.storedVersions`"
                    ),
                );
            }
        }
    }

    /// The data-loss rule on an object the new release no longer has.
    fn removed(&mut self, old: &Document) {
        let keep = old
            .node
            .get_path(&["metadata", "annotations", "helm.sh/resource-policy"])
            .and_then(Node::as_str)
            == Some("keep");
        if keep {
            return;
        }
        let what = match (api_group(&old.node), old.kind.as_str()) {
            ("", "PersistentVolumeClaim") => {
                "Helm deletes the claim, and with the default reclaim policy its volume and data"
            }
            ("", "Namespace") => "Helm deletes the namespace and everything in it",
            ("apps", "StatefulSet")
                if old
                    .node
                    .get_path(&["spec", "volumeClaimTemplates"])
                    .is_some_and(
                        |v| matches!(&v.value, crate::yaml::Value::Seq(s) if !s.is_empty()),
                    ) =>
            {
                "its volume claims are orphaned (or deleted, with a Delete retention policy), and a StatefulSet created later under this name adopts whatever is left"
            }
            _ => return,
        };
        self.report(
            rule_id!("data-loss-removed"),
            old,
            &[],
            format!(
                "is in release {} and not in this one: {what}",
                self.before.version
            ),
        );
    }
}

/// The top-level `keys` of an object, as JSON: what a rule compares, without converting the rest.
fn part(d: &Document, keys: &[&str]) -> Json {
    let mut out = serde_json::Map::new();
    for k in keys {
        if let Some(n) = d.node.get_path(&[k]) {
            out.insert((*k).to_string(), to_json(n));
        }
    }
    Json::Object(out)
}

/// The API group of an object's apiVersion (`apps` of `apps/v1`, empty for the core group).
pub(super) fn api_group(node: &Node) -> &str {
    let v = node
        .get_path(&["apiVersion"])
        .and_then(Node::as_str)
        .unwrap_or("");
    v.rsplit_once('/').map_or("", |(g, _)| g)
}

/// A Service's cluster IP as written: `clusterIP`, else the first of `clusterIPs`.
fn ip(spec: &Json) -> Option<&str> {
    spec["clusterIP"]
        .as_str()
        .or_else(|| spec["clusterIPs"][0].as_str())
        .filter(|s| !s.is_empty())
}

/// The keys of two maps whose values differ (a key on one side only differs), in order.
fn changed_fields(a: &Json, b: &Json) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Whether a Job's template change is one Kubernetes allows: the published Job is suspended
/// (and, kforge assumes, never started: a Job created suspended has not) and only the pod's
/// scheduling directives, labels and annotations change (batch/job strategy, mutable
/// scheduling directives of suspended Jobs).
fn suspended_scheduling_only(o: &Json, n: &Json) -> bool {
    if o["spec"]["suspend"] != Json::Bool(true) {
        return false;
    }
    let strip = |j: &Json| {
        let mut t = j["spec"]["template"].clone();
        if let Some(t) = t.as_object_mut() {
            if let Some(meta) = t.get_mut("metadata").and_then(Json::as_object_mut) {
                meta.remove("labels");
                meta.remove("annotations");
            }
            if t.get("metadata")
                .and_then(Json::as_object)
                .is_some_and(|m| m.is_empty())
            {
                t.remove("metadata");
            }
        }
        if let Some(spec) = t.get_mut("spec").and_then(Json::as_object_mut) {
            for k in ["nodeSelector", "tolerations", "affinity", "schedulingGates"] {
                spec.remove(k);
            }
        }
        t
    };
    strip(o) == strip(n)
}

/// What changed between `a` and `b`, leaf by leaf under `at`: `+ spec.selector.matchLabels.x:
/// "y"`, `- ...`, `... "a" -> "b"`; at most three, then how many more.
fn changes(a: &Json, b: &Json, at: &str) -> String {
    fn walk(a: Option<&Json>, b: Option<&Json>, at: &str, out: &mut Vec<String>) {
        match (a, b) {
            (Some(Json::Object(x)), Some(Json::Object(y))) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let segment = if k.contains(['.', '/']) {
                        format!("{at}[{k:?}]")
                    } else {
                        format!("{at}.{k}")
                    };
                    walk(x.get(k), y.get(k), &segment, out);
                }
            }
            (Some(p), Some(q)) if p == q => {}
            (Some(p), Some(q)) => out.push(format!("{at}: {} -> {}", short(p), short(q))),
            (Some(p), None) => out.push(format!("- {at}: {}", short(p))),
            (None, Some(q)) => out.push(format!("+ {at}: {}", short(q))),
            (None, None) => {}
        }
    }
    let mut out = Vec::new();
    walk(
        Some(a).filter(|v| !v.is_null()),
        Some(b).filter(|v| !v.is_null()),
        at,
        &mut out,
    );
    let more = out.len().saturating_sub(3);
    out.truncate(3);
    let mut text = out.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// A Secret's data for a message: each value replaced by a mark that tells changed values
/// apart (a prefix of its sha256) without showing it.
fn masked(v: &Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| {
                    use sha2::Digest as _;
                    let digest = sha2::Sha256::digest(v.to_string().as_bytes());
                    let mark: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
                    (k.clone(), Json::String(format!("(hidden, sha256 {mark})")))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A value for a message: compact JSON, at most 120 characters; `(unset)` for none.
fn short(v: &Json) -> String {
    if v.is_null() {
        return "(unset)".to_string();
    }
    let text = v.to_string();
    if text.chars().count() <= 120 {
        text
    } else {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
#[path = "upgrade_tests.rs"]
mod tests;

#[path = "upgrade_rollout.rs"]
mod rollout;

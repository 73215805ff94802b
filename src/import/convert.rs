//! Removed API versions converted to the current ones before an import maps anything, so the
//! project never starts from a version no cluster serves (and no lint rule is switched off for
//! it). Each conversion is the one the API server made between the versions (the old version's
//! defaults written out where the new one has none), and says what it changed; what cannot be
//! converted is left as written, with the reason.

use crate::yaml::{Map, Node, Value};

/// What converting one object did.
#[derive(Debug, PartialEq)]
pub enum Conversion {
    /// A current version, or one this does not convert: left as written.
    Unchanged,
    /// Converted in place; what changed, for the summary (`extensions/v1beta1 -> apps/v1, ...`).
    Converted(String),
    /// A removed version that cannot be converted faithfully: left as written, with why.
    Refused(String),
}

/// Workload kinds of the removed `extensions/v1beta1` and `apps/v1beta1|2` groups.
const APPS_KINDS: &[&str] = &["Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"];
/// Their removed versions.
const OLD_APPS: &[&str] = &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"];
/// RBAC kinds whose v1beta1 has the v1 schema.
const RBAC_KINDS: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

/// Converts `node` (one object) from a removed API version to the current one, in place.
pub fn convert(node: &mut Node) -> Conversion {
    let text = |path: &[&str]| {
        node.get_path(path)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (api, kind) = (text(&["apiVersion"]), text(&["kind"]));
    // Converted on a copy: a conversion that fails half-way leaves the object as written.
    let mut copy = node.clone();
    let done = match (api.as_str(), kind.as_str()) {
        (a, k) if OLD_APPS.contains(&a) && APPS_KINDS.contains(&k) => apps(&mut copy, k),
        ("batch/v1beta1", "CronJob") => Ok(renamed(&mut copy, "batch/v1", Vec::new())),
        ("networking.k8s.io/v1beta1" | "extensions/v1beta1", "Ingress") => ingress(&mut copy),
        ("policy/v1beta1", "PodDisruptionBudget") => budget(&mut copy),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler") => {
            let mut changes = Vec::new();
            target_ref(&mut copy, &mut changes);
            Ok(renamed(&mut copy, "autoscaling/v2", changes))
        }
        ("autoscaling/v2beta1", "HorizontalPodAutoscaler") => autoscaler_v2beta1(&mut copy),
        ("autoscaling/v1" | "autoscaling/v2", "HorizontalPodAutoscaler") => {
            let mut changes = Vec::new();
            target_ref(&mut copy, &mut changes);
            if changes.is_empty() {
                return Conversion::Unchanged;
            }
            Ok(changes.join(", "))
        }
        ("rbac.authorization.k8s.io/v1beta1", k) if RBAC_KINDS.contains(&k) => Ok(renamed(
            &mut copy,
            "rbac.authorization.k8s.io/v1",
            Vec::new(),
        )),
        _ => return Conversion::Unchanged,
    };
    match done {
        Ok(note) => {
            *node = copy;
            Conversion::Converted(note)
        }
        Err(why) => Conversion::Refused(format!("{api} {kind}: {why}")),
    }
}

/// Sets `apiVersion` to `to` and returns the note: `old -> to` and the changes.
fn renamed(node: &mut Node, to: &str, changes: Vec<String>) -> String {
    let from = node
        .get_path(&["apiVersion"])
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(v) = child_mut(node, "apiVersion") {
        v.value = Value::String(to.to_string());
    }
    let mut note = format!("{from} -> {to}");
    for c in changes {
        note.push_str(", ");
        note.push_str(&c);
    }
    note
}

/// A Deployment, DaemonSet, ReplicaSet or StatefulSet to apps/v1: the selector the old API
/// defaulted to (the pod template's labels) written out, fields apps/v1 dropped removed.
fn apps(node: &mut Node, kind: &str) -> Result<String, String> {
    let mut changes = Vec::new();
    let spec = child_mut(node, "spec").ok_or("it has no spec")?;
    let spec_origin = spec.origin.clone();
    let spec = map_mut(spec).ok_or("its spec is not a map")?;
    if !spec.contains_key("selector") {
        // extensions/v1beta1 and apps/v1beta1 defaulted the selector to the template's labels
        // (apps/v1beta2 required it); apps/v1 requires it and never changes it afterwards.
        let labels = spec
            .get("template")
            .and_then(|t| t.get_path(&["metadata", "labels"]))
            .filter(|l| l.as_map().is_some_and(|m| !m.is_empty()))
            .cloned()
            .ok_or("it has no selector and its pod template no labels to default it from")?;
        let mut selector = Map::default();
        selector.insert("matchLabels".to_string(), labels);
        let at = spec.get_index_of("template").unwrap_or(spec.len());
        spec.shift_insert(
            at,
            "selector".to_string(),
            Node::new(Value::Map(selector), spec_origin),
        );
        changes.push("spec.selector set to the pod template's labels (the old default)".into());
    }
    let gone: &[&str] = match kind {
        // A one-shot rollback request (extensions/v1beta1, apps/v1beta1), gone since apps/v1beta2.
        "Deployment" => &["rollbackTo"],
        // Managed by the controller, never honoured from a manifest; gone in apps/v1.
        "DaemonSet" => &["templateGeneration"],
        _ => &[],
    };
    for field in gone {
        if spec.shift_remove(*field).is_some() {
            changes.push(format!("spec.{field} removed (apps/v1 has no such field)"));
        }
    }
    Ok(renamed(node, "apps/v1", changes))
}

/// An Ingress to networking.k8s.io/v1: `serviceName`/`servicePort` as `service.name` and
/// `service.port.number|name`, `backend` as `defaultBackend`, `pathType: ImplementationSpecific`
/// (the old default) on a path without one.
fn ingress(node: &mut Node) -> Result<String, String> {
    let mut changes = Vec::new();
    let mut backends = 0;
    let mut path_types = 0;
    if let Some(spec) = child_mut(node, "spec") {
        let spec = map_mut(spec).ok_or("its spec is not a map")?;
        if let Some(i) = spec.get_index_of("backend") {
            let (_, mut b) = spec.shift_remove_index(i).ok_or("no backend")?;
            backends += usize::from(service_backend(&mut b)?);
            spec.shift_insert(i, "defaultBackend".to_string(), b);
            changes.push("spec.backend renamed spec.defaultBackend".to_string());
        }
        if let Some(rules) = spec.get_mut("rules") {
            let Value::Seq(rules) = &mut rules.value else {
                return Err("its spec.rules is not a list".into());
            };
            for rule in rules {
                let Some(paths) = child_mut(rule, "http").and_then(|h| child_mut(h, "paths"))
                else {
                    continue;
                };
                let Value::Seq(paths) = &mut paths.value else {
                    return Err("a rule's http.paths is not a list".into());
                };
                for path in paths {
                    let origin = path.origin.clone();
                    let p = map_mut(path).ok_or("a path is not a map")?;
                    if let Some(b) = p.get_mut("backend") {
                        backends += usize::from(service_backend(b)?);
                    }
                    if !p.contains_key("pathType") {
                        let at = p.get_index_of("path").map_or(0, |i| i + 1);
                        p.shift_insert(
                            at,
                            "pathType".to_string(),
                            Node::new(Value::String("ImplementationSpecific".into()), origin),
                        );
                        path_types += 1;
                    }
                }
            }
        }
    }
    if backends > 0 {
        changes.push(format!(
            "{backends} backend(s) as service.name and service.port"
        ));
    }
    if path_types > 0 {
        changes.push(format!(
            "pathType: ImplementationSpecific (the old default) on {path_types} path(s)"
        ));
    }
    Ok(renamed(node, "networking.k8s.io/v1", changes))
}

/// One Ingress backend: `{serviceName, servicePort}` as `{service: {name, port: {number|name}}}`
/// (a number is a port number, a string a port name, as the API server converted them); a
/// resource backend stays as it is. Whether it was a service backend.
fn service_backend(b: &mut Node) -> Result<bool, String> {
    let origin = b.origin.clone();
    let m = map_mut(b).ok_or("a backend is not a map")?;
    if m.contains_key("resource") && !m.contains_key("serviceName") {
        return Ok(false);
    }
    let at = m
        .get_index_of("serviceName")
        .ok_or("a backend has no serviceName")?;
    let name = m
        .shift_remove("serviceName")
        .ok_or("a backend has no serviceName")?;
    let port = m
        .shift_remove("servicePort")
        .ok_or("a backend has no servicePort")?;
    let port_key = match &port.value {
        Value::Int(_) => "number",
        Value::String(_) => "name",
        other => {
            return Err(format!(
                "a backend's servicePort is a {}, not a number or a name",
                other.type_name()
            ));
        }
    };
    if let Some(k) = m.keys().next() {
        return Err(format!(
            "a backend has {k} beside serviceName and servicePort"
        ));
    }
    let mut p = Map::default();
    p.insert(port_key.to_string(), port);
    let mut service = Map::default();
    service.insert("name".to_string(), name);
    service.insert("port".to_string(), Node::new(Value::Map(p), origin.clone()));
    m.shift_insert(
        at.min(m.len()),
        "service".to_string(),
        Node::new(Value::Map(service), origin),
    );
    Ok(true)
}

/// A PodDisruptionBudget to policy/v1: the same fields, but an empty selector selects every pod
/// of the namespace in policy/v1 and none in policy/v1beta1, so such a budget is not converted.
fn budget(node: &mut Node) -> Result<String, String> {
    let empty = node
        .get_path(&["spec", "selector"])
        .and_then(Node::as_map)
        .is_none_or(|m| {
            m.values().all(|v| match &v.value {
                Value::Map(m) => m.is_empty(),
                Value::Seq(s) => s.is_empty(),
                Value::Null => true,
                _ => false,
            })
        });
    if empty {
        return Err(
            "its selector is empty or missing: it selects no pod in policy/v1beta1 but every pod of the namespace in policy/v1"
                .into(),
        );
    }
    Ok(renamed(node, "policy/v1", Vec::new()))
}

/// An autoscaler's `scaleTargetRef` naming a removed workload version: the current one.
fn target_ref(node: &mut Node, changes: &mut Vec<String>) {
    let Some(target) = child_mut(node, "spec").and_then(|s| child_mut(s, "scaleTargetRef")) else {
        return;
    };
    let kind = target
        .get_path(&["kind"])
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(api) = child_mut(target, "apiVersion") else {
        return;
    };
    if let Value::String(a) = &mut api.value
        && OLD_APPS.contains(&a.as_str())
        && APPS_KINDS.contains(&kind.as_str())
    {
        changes.push(format!("spec.scaleTargetRef.apiVersion {a} -> apps/v1"));
        *a = "apps/v1".to_string();
    }
}

/// An autoscaling/v2beta1 HorizontalPodAutoscaler to autoscaling/v2: each metric's
/// `targetAverageUtilization`, `targetAverageValue`, `targetValue` as a `target` of its type,
/// `metricName` (and `selector`, an External metric's `metricSelector`) as `metric`, an Object
/// metric's `target` as `describedObject`.
fn autoscaler_v2beta1(node: &mut Node) -> Result<String, String> {
    let mut changes = Vec::new();
    target_ref(node, &mut changes);
    let mut converted = 0;
    if let Some(metrics) = child_mut(node, "spec").and_then(|s| child_mut(s, "metrics")) {
        let Value::Seq(metrics) = &mut metrics.value else {
            return Err("its spec.metrics is not a list".into());
        };
        for m in metrics {
            metric_v2beta1(m)?;
            converted += 1;
        }
    }
    if converted > 0 {
        changes.push(format!("{converted} metric(s) with a target of their type"));
    }
    Ok(renamed(node, "autoscaling/v2", changes))
}

fn metric_v2beta1(m: &mut Node) -> Result<(), String> {
    let kind = m
        .get_path(&["type"])
        .and_then(Node::as_str)
        .ok_or("a metric has no type")?
        .to_string();
    let field = match kind.as_str() {
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "Pods" => "pods",
        "Object" => "object",
        "External" => "external",
        other => return Err(format!("a metric of unknown type {other}")),
    };
    let source = child_mut(m, field).ok_or_else(|| format!("a {kind} metric has no {field}"))?;
    let origin = source.origin.clone();
    let old = map_mut(source).ok_or_else(|| format!("a {kind} metric's {field} is not a map"))?;
    let mut take = |k: &str| old.shift_remove(k);
    let target = |pairs: &[(&str, &str, Option<Node>)]| -> Result<Node, String> {
        let mut t = Map::default();
        for (ty, key, v) in pairs {
            if let Some(v) = v {
                if !t.is_empty() {
                    return Err(format!("a {kind} metric has two targets"));
                }
                t.insert(
                    "type".to_string(),
                    Node::new(Value::String((*ty).to_string()), v.origin.clone()),
                );
                t.insert((*key).to_string(), v.clone());
            }
        }
        if t.is_empty() {
            return Err(format!("a {kind} metric has no target"));
        }
        Ok(Node::new(Value::Map(t), origin.clone()))
    };
    let metric_id = |name: Node, selector: Option<Node>| {
        let mut id = Map::default();
        id.insert("name".to_string(), name);
        if let Some(s) = selector {
            id.insert("selector".to_string(), s);
        }
        Node::new(Value::Map(id), origin.clone())
    };
    let mut new = Map::default();
    match kind.as_str() {
        "Resource" | "ContainerResource" => {
            new.insert(
                "name".to_string(),
                take("name").ok_or("a metric has no name")?,
            );
            if kind == "ContainerResource" {
                new.insert(
                    "container".to_string(),
                    take("container").ok_or("a ContainerResource metric has no container")?,
                );
            }
            let t = target(&[
                (
                    "Utilization",
                    "averageUtilization",
                    take("targetAverageUtilization"),
                ),
                ("AverageValue", "averageValue", take("targetAverageValue")),
            ])?;
            new.insert("target".to_string(), t);
        }
        "Pods" => {
            let name = take("metricName").ok_or("a Pods metric has no metricName")?;
            new.insert("metric".to_string(), metric_id(name, take("selector")));
            let t = target(&[("AverageValue", "averageValue", take("targetAverageValue"))])?;
            new.insert("target".to_string(), t);
        }
        "Object" => {
            let described = take("target").ok_or("an Object metric has no target object")?;
            new.insert("describedObject".to_string(), described);
            let name = take("metricName").ok_or("an Object metric has no metricName")?;
            new.insert("metric".to_string(), metric_id(name, take("selector")));
            // v2beta1 averageValue, when given, is the target (per pod); else targetValue.
            let average = take("averageValue");
            let value = take("targetValue");
            let t = match average {
                Some(a) => target(&[("AverageValue", "averageValue", Some(a))])?,
                None => target(&[("Value", "value", value)])?,
            };
            new.insert("target".to_string(), t);
        }
        _ => {
            let name = take("metricName").ok_or("an External metric has no metricName")?;
            new.insert(
                "metric".to_string(),
                metric_id(name, take("metricSelector")),
            );
            let t = target(&[
                ("Value", "value", take("targetValue")),
                ("AverageValue", "averageValue", take("targetAverageValue")),
            ])?;
            new.insert("target".to_string(), t);
        }
    }
    if let Some(k) = old.keys().next() {
        return Err(format!(
            "a {kind} metric's field {k} has no autoscaling/v2 equivalent"
        ));
    }
    *old = new;
    Ok(())
}

fn map_mut(node: &mut Node) -> Option<&mut Map> {
    match &mut node.value {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn child_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    map_mut(node)?.get_mut(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, SourceFile, emit_document, parse_documents};

    fn node(text: &str) -> Node {
        let file = SourceFile::new("t.yaml", text.to_string());
        parse_documents(&file.text, &file, Limits::default())
            .unwrap()
            .remove(0)
    }

    /// Converts `input` and returns the note and the object as kforge emits it.
    fn converted(input: &str) -> (String, String) {
        let mut n = node(input);
        match convert(&mut n) {
            Conversion::Converted(note) => (note, emit_document(&n)),
            other => panic!("not converted: {other:?}"),
        }
    }

    fn same(yaml: &str, expected: &str) {
        assert_eq!(
            crate::yaml::to_json(&node(yaml)),
            crate::yaml::to_json(&node(expected)),
            "{yaml}"
        );
    }

    #[test]
    fn an_extensions_deployment_gets_the_selector_the_old_api_defaulted_to() {
        // The shape of kubernetes/examples' guestbook before apps/v1 (no selector).
        let (note, out) = converted(
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: redis-master}\nspec:\n  replicas: 1\n  rollbackTo: {revision: 2}\n  template:\n    metadata:\n      labels: {app: redis, role: master}\n    spec:\n      containers: [{name: master, image: 'redis:e2e'}]\n",
        );
        assert_eq!(
            note,
            "extensions/v1beta1 -> apps/v1, spec.selector set to the pod template's labels (the old default), spec.rollbackTo removed (apps/v1 has no such field)"
        );
        same(
            &out,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: redis-master}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: redis, role: master}}\n  template:\n    metadata:\n      labels: {app: redis, role: master}\n    spec:\n      containers: [{name: master, image: 'redis:e2e'}]\n",
        );
        // The selector comes before the template, as written by hand.
        assert!(out.find("selector").unwrap() < out.find("template").unwrap());
        // A selector given is kept; apps/v1beta2 DaemonSets lose templateGeneration.
        let (note, out) = converted(
            "apiVersion: apps/v1beta2\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  templateGeneration: 3\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b, c: d}}\n",
        );
        assert_eq!(
            note,
            "apps/v1beta2 -> apps/v1, spec.templateGeneration removed (apps/v1 has no such field)"
        );
        assert!(
            out.contains("matchLabels:\n      a: b\n  template"),
            "{out}"
        );
    }

    #[test]
    fn a_workload_without_selector_or_labels_is_refused_and_left_as_written() {
        let text = "apiVersion: extensions/v1beta1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  template:\n    spec: {containers: []}\n";
        let mut n = node(text);
        assert_eq!(
            convert(&mut n),
            Conversion::Refused(
                "extensions/v1beta1 ReplicaSet: it has no selector and its pod template no labels to default it from"
                    .into()
            )
        );
        same(&emit_document(&n), text);
    }

    #[test]
    fn an_old_ingress_gets_v1_backends_path_types_and_a_default_backend() {
        let (note, out) = converted(
            "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  backend: {serviceName: fallback, servicePort: 80}\n  rules:\n  - host: shop.example\n    http:\n      paths:\n      - path: /\n        backend: {serviceName: web, servicePort: http}\n      - path: /api\n        pathType: Prefix\n        backend: {serviceName: api, servicePort: 8080}\n",
        );
        assert_eq!(
            note,
            "networking.k8s.io/v1beta1 -> networking.k8s.io/v1, spec.backend renamed spec.defaultBackend, 3 backend(s) as service.name and service.port, pathType: ImplementationSpecific (the old default) on 1 path(s)"
        );
        same(
            &out,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n  rules:\n  - host: shop.example\n    http:\n      paths:\n      - path: /\n        pathType: ImplementationSpecific\n        backend: {service: {name: web, port: {name: http}}}\n      - path: /api\n        pathType: Prefix\n        backend: {service: {name: api, port: {number: 8080}}}\n",
        );
        // extensions/v1beta1 Ingresses too; a resource backend stays.
        let (note, out) = converted(
            "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: s}\nspec:\n  backend:\n    resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static}\n",
        );
        assert_eq!(
            note,
            "extensions/v1beta1 -> networking.k8s.io/v1, spec.backend renamed spec.defaultBackend"
        );
        assert!(out.contains("defaultBackend:\n    resource:"), "{out}");
    }

    #[test]
    fn budgets_cronjobs_rbac_and_v2beta2_autoscalers_change_version_only() {
        for (from, kind, to, spec) in [
            (
                "policy/v1beta1",
                "PodDisruptionBudget",
                "policy/v1",
                "{minAvailable: 1, selector: {matchLabels: {a: b}}}",
            ),
            (
                "batch/v1beta1",
                "CronJob",
                "batch/v1",
                "{schedule: '@daily', jobTemplate: {}}",
            ),
            (
                "rbac.authorization.k8s.io/v1beta1",
                "ClusterRole",
                "rbac.authorization.k8s.io/v1",
                "{}",
            ),
            (
                "autoscaling/v2beta2",
                "HorizontalPodAutoscaler",
                "autoscaling/v2",
                "{maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w}}",
            ),
        ] {
            let text =
                format!("apiVersion: {from}\nkind: {kind}\nmetadata: {{name: x}}\nspec: {spec}\n");
            let (note, out) = converted(&text);
            assert_eq!(note, format!("{from} -> {to}"));
            same(&out, &text.replace(from, to));
        }
        // An empty selector meant "no pod" in policy/v1beta1 and "every pod" in policy/v1.
        let mut n = node(
            "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: x}\nspec: {minAvailable: 1, selector: {}}\n",
        );
        assert!(matches!(convert(&mut n), Conversion::Refused(_)));
        let mut current = node("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
        assert_eq!(convert(&mut current), Conversion::Unchanged);
    }

    #[test]
    fn v2beta1_autoscaler_metrics_get_targets_of_their_type() {
        let (note, out) = converted(
            "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: extensions/v1beta1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource: {name: cpu, targetAverageUtilization: 80}\n  - type: Resource\n    resource: {name: memory, targetAverageValue: 200Mi}\n  - type: Pods\n    pods: {metricName: packets, targetAverageValue: 1k}\n  - type: Object\n    object:\n      target: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}\n      metricName: requests\n      targetValue: 10k\n  - type: External\n    external: {metricName: queue, metricSelector: {matchLabels: {q: jobs}}, targetAverageValue: 30}\n",
        );
        assert_eq!(
            note,
            "autoscaling/v2beta1 -> autoscaling/v2, spec.scaleTargetRef.apiVersion extensions/v1beta1 -> apps/v1, 5 metric(s) with a target of their type"
        );
        same(
            &out,
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}\n  - type: Resource\n    resource: {name: memory, target: {type: AverageValue, averageValue: 200Mi}}\n  - type: Pods\n    pods: {metric: {name: packets}, target: {type: AverageValue, averageValue: 1k}}\n  - type: Object\n    object:\n      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}\n      metric: {name: requests}\n      target: {type: Value, value: 10k}\n  - type: External\n    external: {metric: {name: queue, selector: {matchLabels: {q: jobs}}}, target: {type: AverageValue, averageValue: 30}}\n",
        );
        // A metric field with no v2 equivalent: refused, the object left as written.
        let text = "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\nspec:\n  maxReplicas: 2\n  metrics:\n  - type: Resource\n    resource: {name: cpu, targetAverageUtilization: 80, typo: 1}\n";
        let mut n = node(text);
        assert_eq!(
            convert(&mut n),
            Conversion::Refused(
                "autoscaling/v2beta1 HorizontalPodAutoscaler: a Resource metric's field typo has no autoscaling/v2 equivalent".into()
            )
        );
        same(&emit_document(&n), text);
    }
}

//! One environment's objects as kforge values: each workload (Deployment, StatefulSet,
//! DaemonSet) a component, with the Services that select its pods; everything else is kept
//! verbatim. The values say exactly what the manifests say: names, selectors, labels, fields
//! left unset; what kforge does not model by name goes through the pass-through maps.

use serde_json::{Map, Value as Json, json};

use crate::diff::Key;

/// Workload kinds that become components.
const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet"];

/// Container fields written under their own values keys (the rest go to `containerSpec`).
const CONTAINER_KEYS: &[&str] = &[
    "command",
    "args",
    "envFrom",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "resources",
    "securityContext",
    "volumeMounts",
];

/// PodSpec fields written under values keys of their own name.
const POD_KEYS: &[&str] = &[
    "imagePullSecrets",
    "volumes",
    "nodeSelector",
    "affinity",
    "tolerations",
];

/// One object of an environment, by identity.
#[derive(Clone, Debug)]
pub struct Object {
    /// kind, namespace, name.
    pub key: Key,
    /// The object.
    pub json: Json,
}

/// What mapping one environment produced.
#[derive(Default)]
pub struct Mapped {
    /// Component name -> its values.
    pub components: Map<String, Json>,
    /// Keys of the objects each component stands for.
    pub covers: Vec<(String, Vec<Key>)>,
}

/// The component name of a workload: its name as a DNS-1123 label of at most 40 characters.
pub fn component_name(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(40);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "app".to_string() } else { s }
}

/// Maps the workloads of `objects` (except those in `keep`) and their Services to components.
pub fn map_env(objects: &[Object], keep: &[Key]) -> Mapped {
    let mut out = Mapped::default();
    let mut used_services = Vec::new();
    for obj in objects {
        if !WORKLOADS.contains(&obj.key.0.as_str()) || keep.contains(&obj.key) {
            continue;
        }
        let Some(mut values) = workload(&obj.json) else {
            continue;
        };
        let pod_labels = obj
            .json
            .pointer("/spec/template/metadata/labels")
            .cloned()
            .unwrap_or(json!({}));
        let mut covers = vec![obj.key.clone()];
        let mut services = Map::new();
        for svc in objects {
            if svc.key.0 != "Service"
                || svc.key.1 != obj.key.1
                || keep.contains(&svc.key)
                || used_services.contains(&svc.key)
                || !selects(&svc.json, &pod_labels)
            {
                continue;
            }
            if let Some((key, spec)) = service(&svc.json, &values) {
                services.insert(key, spec);
                covers.push(svc.key.clone());
                used_services.push(svc.key.clone());
            }
        }
        if !services.is_empty() {
            values["services"] = Json::Object(services);
        }
        let hpa = objects.iter().find(|h| {
            h.key.0 == "HorizontalPodAutoscaler"
                && h.key.1 == obj.key.1
                && !keep.contains(&h.key)
                && h.json.pointer("/spec/scaleTargetRef/name") == Some(&json!(obj.key.2))
                && h.json.pointer("/spec/scaleTargetRef/kind") == Some(&json!(obj.key.0))
        });
        if let Some((h, autoscaling)) = hpa.and_then(|h| Some((h, autoscaler(&h.json)?))) {
            values["autoscaling"] = autoscaling;
            covers.push(h.key.clone());
        }
        let mut name = component_name(&obj.key.2);
        while out.components.contains_key(&name) {
            name = format!(
                "{}-{}",
                &name[..name.len().min(37)],
                obj.key
                    .0
                    .to_ascii_lowercase()
                    .chars()
                    .take(2)
                    .collect::<String>()
            );
        }
        out.covers.push((name.clone(), covers));
        out.components.insert(name, values);
    }
    out
}

/// An autoscaling/v2 HorizontalPodAutoscaler as `autoscaling` values: a first CPU (then memory)
/// utilization target by name, other metrics keyed in their order; none if it has fields the
/// values do not say (behavior).
fn autoscaler(hpa: &Json) -> Option<Json> {
    if hpa["apiVersion"] != "autoscaling/v2" {
        return None;
    }
    let spec = hpa.get("spec")?.as_object()?;
    let allowed = ["scaleTargetRef", "minReplicas", "maxReplicas", "metrics"];
    if spec.keys().any(|k| !allowed.contains(&k.as_str())) {
        return None;
    }
    let mut v = json!({"enabled": true, "maxReplicas": spec.get("maxReplicas")?.clone(), "targetCPUUtilizationPercentage": null});
    if let Some(min) = spec.get("minReplicas") {
        v["minReplicas"] = min.clone();
    }
    let utilization = |m: &Json, name: &str| {
        (m["type"] == "Resource"
            && m.pointer("/resource/name") == Some(&json!(name))
            && m.pointer("/resource/target/type") == Some(&json!("Utilization"))
            && m["resource"]["target"]
                .as_object()
                .is_some_and(|t| t.len() == 2)
            && m.as_object().is_some_and(|o| o.len() == 2)
            && m["resource"].as_object().is_some_and(|r| r.len() == 2))
        .then(|| m.pointer("/resource/target/averageUtilization").cloned())
        .flatten()
    };
    let mut metrics: &[Json] = spec
        .get("metrics")
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice);
    if let Some(cpu) = metrics.first().and_then(|m| utilization(m, "cpu")) {
        v["targetCPUUtilizationPercentage"] = cpu;
        metrics = &metrics[1..];
    }
    if let Some(memory) = metrics.first().and_then(|m| utilization(m, "memory")) {
        v["targetMemoryUtilizationPercentage"] = memory;
        metrics = &metrics[1..];
    }
    if !metrics.is_empty() {
        // Keys sort as the metrics are listed (templates emit them in key order).
        let keyed: Map<String, Json> = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("m{:03}", i + 1), m.clone()))
            .collect();
        v["metrics"] = Json::Object(keyed);
    }
    Some(v)
}

/// Whether a Service's selector picks pods with `labels`.
fn selects(svc: &Json, labels: &Json) -> bool {
    let Some(selector) = svc.pointer("/spec/selector").and_then(Json::as_object) else {
        return false;
    };
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A workload's values, or none when it cannot be expressed (a selector with expressions).
fn workload(obj: &Json) -> Option<Json> {
    let kind = obj["kind"].as_str()?;
    let spec = obj.get("spec")?.as_object()?;
    let selector = spec.get("selector")?.as_object()?;
    if selector.keys().any(|k| k != "matchLabels") {
        return None;
    }
    let selector_labels = selector.get("matchLabels")?.clone();
    let mut v = Map::new();
    if kind != "Deployment" {
        v.insert("kind".into(), json!(kind));
    }
    v.insert("objectName".into(), obj["metadata"]["name"].clone());
    if let Some(ns) = obj.pointer("/metadata/namespace") {
        v.insert("namespace".into(), ns.clone());
    }
    v.insert("selectorLabels".into(), selector_labels.clone());
    let common = obj
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    if common.as_object().is_some_and(|m| !m.is_empty()) {
        v.insert("commonLabels".into(), common.clone());
    }
    let template = spec.get("template")?;
    let pod_labels = template
        .pointer("/metadata/labels")
        .and_then(Json::as_object);
    let extra: Map<String, Json> = pod_labels
        .into_iter()
        .flatten()
        .filter(|(k, val)| selector_labels.get(k.as_str()) != Some(val))
        .map(|(k, val)| (k.clone(), val.clone()))
        .collect();
    if !extra.is_empty() {
        v.insert("podLabels".into(), Json::Object(extra));
    }
    if let Some(a) = template.pointer("/metadata/annotations") {
        v.insert("podAnnotations".into(), a.clone());
    }
    if let Some(r) = spec.get("replicas") {
        v.insert("replicaCount".into(), r.clone());
    }
    let mut workload_spec = Map::new();
    for (k, val) in spec {
        match k.as_str() {
            "selector" | "template" | "replicas" => {}
            "strategy" | "updateStrategy" => {
                v.insert("strategy".into(), val.clone());
            }
            "serviceName" if kind == "StatefulSet" => {}
            _ => {
                workload_spec.insert(k.clone(), val.clone());
            }
        }
    }
    if !workload_spec.is_empty() {
        v.insert("workloadSpec".into(), Json::Object(workload_spec));
    }
    let pod = template.get("spec")?.as_object()?;
    let containers = pod.get("containers")?.as_array()?;
    let (main, sidecars) = containers.split_first()?;
    let main_values = container(main)?;
    v.insert("containerName".into(), main["name"].clone());
    for (k, val) in main_values.as_object()? {
        v.insert(k.clone(), val.clone());
    }
    let mut side = Map::new();
    for c in sidecars {
        side.insert(c["name"].as_str()?.to_string(), container(c)?);
    }
    if !side.is_empty() {
        v.insert("sidecars".into(), Json::Object(side));
    }
    let mut init = Map::new();
    for c in pod
        .get("initContainers")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        init.insert(c["name"].as_str()?.to_string(), container(c)?);
    }
    if !init.is_empty() {
        v.insert("initContainers".into(), Json::Object(init));
    }
    let mut account = Map::new();
    let mut pod_spec = Map::new();
    for (k, val) in pod {
        match k.as_str() {
            "containers" | "initContainers" => {}
            "serviceAccountName" => {
                account.insert("name".into(), val.clone());
            }
            "automountServiceAccountToken" => {
                account.insert("automount".into(), val.clone());
            }
            "securityContext" => {
                v.insert("podSecurityContext".into(), val.clone());
            }
            k if POD_KEYS.contains(&k) => {
                v.insert(k.into(), val.clone());
            }
            _ => {
                pod_spec.insert(k.clone(), val.clone());
            }
        }
    }
    if !account.is_empty() {
        v.insert("serviceAccount".into(), Json::Object(account));
    }
    if !pod_spec.is_empty() {
        v.insert("podSpec".into(), Json::Object(pod_spec));
    }
    Some(Json::Object(v))
}

/// A container's values (without its name).
fn container(c: &Json) -> Option<Json> {
    let c = c.as_object()?;
    let mut v = Map::new();
    let mut rest = Map::new();
    let image = c.get("image")?.as_str()?;
    let (repository, tag) = split_image(image);
    let mut img = Map::new();
    img.insert("repository".into(), json!(repository));
    if let Some(tag) = tag {
        img.insert("tag".into(), json!(tag));
    }
    if let Some(p) = c.get("imagePullPolicy") {
        img.insert("pullPolicy".into(), p.clone());
    }
    v.insert("image".into(), Json::Object(img));
    for (k, val) in c {
        match k.as_str() {
            "name" | "image" | "imagePullPolicy" => {}
            "env" => match env_map(val) {
                Some(env) => {
                    v.insert("env".into(), env);
                }
                None => return None,
            },
            "ports" => match ports_map(val) {
                Some(ports) => {
                    v.insert("ports".into(), ports);
                }
                None => {
                    rest.insert(k.clone(), val.clone());
                }
            },
            k if CONTAINER_KEYS.contains(&k) => {
                v.insert(k.into(), val.clone());
            }
            _ => {
                rest.insert(k.clone(), val.clone());
            }
        }
    }
    if !rest.is_empty() {
        v.insert("containerSpec".into(), Json::Object(rest));
    }
    Some(Json::Object(v))
}

/// `repo[:tag]`; a digest or a registry port stays in the repository.
fn split_image(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], Some(&image[slash + i + 1..])),
        None => (image, None),
    }
}

/// env as a map in written order: NAME -> string, or {valueFrom}; none if it has a form the
/// map cannot say (a repeated name, a variable without value).
fn env_map(list: &Json) -> Option<Json> {
    let mut out = Map::new();
    for item in list.as_array()? {
        let item = item.as_object()?;
        let name = item.get("name")?.as_str()?;
        if out.contains_key(name) || item.len() != 2 {
            return None;
        }
        let val = if let Some(s) = item.get("value") {
            json!(s.as_str()?)
        } else {
            json!({"valueFrom": item.get("valueFrom")?})
        };
        out.insert(name.to_string(), val);
    }
    Some(Json::Object(out))
}

/// Named container ports as a map; none if one is unnamed or has other fields.
fn ports_map(list: &Json) -> Option<Json> {
    let mut out = Map::new();
    for item in list.as_array()? {
        let item = item.as_object()?;
        let name = item.get("name")?.as_str()?;
        let port = item.get("containerPort")?.as_i64()?;
        if out.contains_key(name)
            || item
                .keys()
                .any(|k| !["name", "containerPort", "protocol"].contains(&k.as_str()))
        {
            return None;
        }
        let val = match item.get("protocol").and_then(Json::as_str) {
            Some("TCP") => json!(port),
            Some(p) => json!({"containerPort": port, "protocol": p}),
            None => json!({"containerPort": port, "protocol": ""}),
        };
        out.insert(name.to_string(), val);
    }
    Some(Json::Object(out))
}

/// A Service of a component: its key in `services` and its values.
fn service(svc: &Json, component: &Json) -> Option<(String, Json)> {
    let name = svc["metadata"]["name"].as_str()?;
    let meta = svc["metadata"].as_object()?;
    if meta
        .keys()
        .any(|k| !["name", "namespace", "labels", "annotations"].contains(&k.as_str()))
    {
        return None;
    }
    let full = component["objectName"].as_str()?;
    let mut v = Map::new();
    let key = match name.strip_prefix(full).and_then(|s| s.strip_prefix('-')) {
        Some(suffix) if !suffix.is_empty() => suffix.to_string(),
        _ => {
            v.insert("name".into(), json!(name));
            component_name(name)
        }
    };
    let common = component.get("commonLabels").cloned().unwrap_or(json!({}));
    let labels = svc.pointer("/metadata/labels").and_then(Json::as_object);
    // Labels the component's commonLabels do not give; a missing common label cannot be said.
    for (k, val) in common.as_object()? {
        if labels.and_then(|l| l.get(k)) != Some(val) {
            return None;
        }
    }
    let own: Map<String, Json> = labels
        .into_iter()
        .flatten()
        .filter(|(k, val)| common.get(k.as_str()) != Some(val))
        .map(|(k, val)| (k.clone(), val.clone()))
        .collect();
    if !own.is_empty() {
        v.insert("labels".into(), Json::Object(own));
    }
    if let Some(a) = meta.get("annotations") {
        v.insert("annotations".into(), a.clone());
    }
    let spec = svc.get("spec")?.as_object()?;
    let mut rest = Map::new();
    for (k, val) in spec {
        match k.as_str() {
            "type" => {
                v.insert("type".into(), val.clone());
            }
            "selector" => {
                if Some(val) != component.get("selectorLabels") {
                    v.insert("selector".into(), val.clone());
                }
            }
            "ports" => match service_ports(val) {
                Some(p) => {
                    v.insert("ports".into(), p);
                }
                None => {
                    rest.insert(k.clone(), val.clone());
                }
            },
            _ => {
                rest.insert(k.clone(), val.clone());
            }
        }
    }
    if !rest.is_empty() {
        v.insert("spec".into(), Json::Object(rest));
    }
    Some((key, Json::Object(v)))
}

/// Named Service ports as a map; none if one is unnamed or has a field the map does not say.
fn service_ports(list: &Json) -> Option<Json> {
    let mut out = Map::new();
    for item in list.as_array()? {
        let item = item.as_object()?;
        let name = item.get("name")?.as_str()?;
        let allowed = [
            "name",
            "port",
            "targetPort",
            "protocol",
            "nodePort",
            "appProtocol",
        ];
        if out.contains_key(name) || item.keys().any(|k| !allowed.contains(&k.as_str())) {
            return None;
        }
        let mut p = item.clone();
        p.remove("name");
        out.insert(name.to_string(), Json::Object(p));
    }
    Some(Json::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_at_the_tag_not_the_registry_port() {
        assert_eq!(
            split_image("reg:5000/app:1.2"),
            ("reg:5000/app", Some("1.2"))
        );
        assert_eq!(split_image("reg:5000/app"), ("reg:5000/app", None));
        assert_eq!(split_image("app@sha256:ab"), ("app@sha256:ab", None));
    }

    #[test]
    fn env_keeps_order_and_refuses_what_a_map_cannot_say() {
        let env =
            env_map(&json!([{"name": "B", "value": "1"}, {"name": "A", "value": "$(B)"}])).unwrap();
        assert_eq!(
            env.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["B", "A"]
        );
        assert!(env_map(&json!([{"name": "A"}])).is_none());
        assert!(
            env_map(&json!([{"name": "A", "value": "1"}, {"name": "A", "value": "2"}])).is_none()
        );
    }
}

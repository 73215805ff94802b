//! One environment's objects as kforge values: each workload (Deployment, StatefulSet,
//! DaemonSet) a component, with the Services that select its pods; everything else is kept
//! verbatim. The values say exactly what the manifests say: names, selectors, labels, fields
//! left unset; what kforge does not model by name goes through the pass-through maps.

use serde_json::{Map, Value as Json, json};

use crate::diff::Key;

/// Workload kinds that become components.
pub const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];

/// CronJob spec fields written under values keys of their own name.
const CRON_KEYS: &[&str] = &[
    "schedule",
    "timeZone",
    "concurrencyPolicy",
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "suspend",
];

/// Job spec fields written under values keys of their own name.
const JOB_KEYS: &[&str] = &[
    "backoffLimit",
    "activeDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "completions",
    "parallelism",
];

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
    /// Why an object that could have been mapped (a workload, a budget) was not.
    pub reasons: Vec<(Key, String)>,
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
        let mut values = match workload(&obj.json) {
            Ok(v) => v,
            Err(why) => {
                out.reasons.push((obj.key.clone(), why));
                continue;
            }
        };
        let pod_labels = obj
            .json
            .pointer("/spec/template/metadata/labels")
            .cloned()
            .unwrap_or(json!({}));
        let mut covers = vec![obj.key.clone()];
        let mut services = Map::new();
        let batch = obj.key.0 == "CronJob" || obj.key.0 == "Job";
        for svc in objects {
            if batch
                || svc.key.0 != "Service"
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
        // A budget selecting exactly the workload's pods (the template writes that selector).
        if ["Deployment", "StatefulSet"].contains(&obj.key.0.as_str()) {
            let selector = values.get("selectorLabels").cloned();
            let budgets: Vec<&Object> = objects
                .iter()
                .filter(|p| {
                    p.key.0 == "PodDisruptionBudget"
                        && p.key.1 == obj.key.1
                        && !keep.contains(&p.key)
                        && p.json.pointer("/spec/selector/matchLabels") == selector.as_ref()
                })
                .collect();
            for pdb in budgets {
                if values.get("podDisruptionBudget").is_some() {
                    out.reasons.push((
                        pdb.key.clone(),
                        format!(
                            "a second budget of {} {}: a component has one",
                            obj.key.0, obj.key.2
                        ),
                    ));
                    continue;
                }
                match budget(&pdb.json, &values) {
                    Ok(b) => {
                        values["podDisruptionBudget"] = b;
                        covers.push(pdb.key.clone());
                    }
                    Err(why) => out.reasons.push((pdb.key.clone(), why)),
                }
            }
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

/// A workload's values, or why it cannot be expressed (a selector with expressions, a field
/// the values have no key for).
fn workload(obj: &Json) -> Result<Json, String> {
    let kind = obj["kind"].as_str().unwrap_or_default();
    let spec = obj
        .get("spec")
        .and_then(Json::as_object)
        .ok_or("it has no spec")?;
    let meta = obj["metadata"].as_object().ok_or("it has no metadata")?;
    let mut v = Map::new();
    if kind != "Deployment" {
        v.insert("kind".into(), json!(kind));
    }
    v.insert("objectName".into(), obj["metadata"]["name"].clone());
    if let Some(ns) = meta.get("namespace") {
        v.insert("namespace".into(), ns.clone());
    }
    let common = meta.get("labels").cloned().unwrap_or(json!({}));
    if common.as_object().is_some_and(|m| !m.is_empty()) {
        v.insert("commonLabels".into(), common.clone());
    }
    if let Some(k) = meta
        .keys()
        .find(|k| !["name", "namespace", "labels"].contains(&k.as_str()))
    {
        return Err(format!(
            "metadata.{k} of a {kind}: the values have no key for it"
        ));
    }
    if kind == "CronJob" || kind == "Job" {
        return batch(kind, spec, v, &common);
    }
    let selector = spec
        .get("selector")
        .and_then(Json::as_object)
        .ok_or("it has no selector")?;
    if selector.keys().any(|k| k != "matchLabels") {
        return Err("its selector has matchExpressions: the values say matchLabels only".into());
    }
    let selector_labels = selector.get("matchLabels").cloned().unwrap_or(json!({}));
    v.insert("selectorLabels".into(), selector_labels.clone());
    let template = spec.get("template").ok_or("it has no pod template")?;
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
    pod(template, &mut v)?;
    Ok(Json::Object(v))
}

/// A CronJob's or Job's values: its schedule and Job fields by name, its pod's labels as the
/// selector labels (a Job has no selector of its own; kforge labels its pods with them).
fn batch(
    kind: &str,
    spec: &Map<String, Json>,
    mut v: Map<String, Json>,
    common: &Json,
) -> Result<Json, String> {
    let job = if kind == "CronJob" {
        for (k, val) in spec {
            match k.as_str() {
                "jobTemplate" => {}
                k if CRON_KEYS.contains(&k) => {
                    v.insert(k.into(), val.clone());
                }
                k => {
                    return Err(format!(
                        "spec.{k} of a CronJob: the values have no key for it"
                    ));
                }
            }
        }
        let template = spec
            .get("jobTemplate")
            .and_then(Json::as_object)
            .ok_or("it has no jobTemplate")?;
        if let Some(k) = template
            .keys()
            .find(|k| !["metadata", "spec"].contains(&k.as_str()))
        {
            return Err(format!(
                "spec.jobTemplate.{k}: the values have no key for it"
            ));
        }
        let meta = template.get("metadata").cloned().unwrap_or(json!({}));
        if meta
            .as_object()
            .is_some_and(|m| m.keys().any(|k| k != "labels"))
        {
            return Err("spec.jobTemplate.metadata has more than labels".into());
        }
        let labels = meta.get("labels").cloned().unwrap_or(json!({}));
        if labels != *common {
            v.insert("jobTemplateLabels".into(), labels);
        }
        template
            .get("spec")
            .and_then(Json::as_object)
            .ok_or("spec.jobTemplate has no spec")?
    } else {
        spec
    };
    if !spec.contains_key("schedule") && kind == "CronJob" {
        return Err("it has no schedule".into());
    }
    for (k, val) in job {
        match k.as_str() {
            "template" => {}
            k if JOB_KEYS.contains(&k) => {
                v.insert(k.into(), val.clone());
            }
            k => return Err(format!("the Job field {k}: the values have no key for it")),
        }
    }
    let template = job.get("template").ok_or("its Job has no pod template")?;
    let labels = template
        .pointer("/metadata/labels")
        .and_then(Json::as_object)
        .filter(|m| !m.is_empty())
        .ok_or("its pods have no labels: kforge would label them with its own")?;
    v.insert("selectorLabels".into(), Json::Object(labels.clone()));
    let mut template = template.clone();
    match template
        .pointer_mut("/spec")
        .and_then(Json::as_object_mut)
        .and_then(|p| p.remove("restartPolicy"))
    {
        Some(Json::String(p)) if p == "OnFailure" || p == "Never" => {
            v.insert("restartPolicy".into(), json!(p));
        }
        _ => return Err("its pods' restartPolicy is not OnFailure or Never".into()),
    }
    pod(&template, &mut v)?;
    Ok(Json::Object(v))
}

/// A pod template's values (annotations, containers, service account, pod fields) into `v`.
fn pod(template: &Json, v: &mut Map<String, Json>) -> Result<(), String> {
    if let Some(k) = template
        .get("metadata")
        .and_then(Json::as_object)
        .and_then(|m| {
            m.keys()
                .find(|k| !["labels", "annotations"].contains(&k.as_str()))
        })
    {
        return Err(format!(
            "the pod template's metadata.{k}: the values have no key for it"
        ));
    }
    if let Some(a) = template.pointer("/metadata/annotations") {
        v.insert("podAnnotations".into(), a.clone());
    }
    let pod = template
        .get("spec")
        .and_then(Json::as_object)
        .ok_or("its pod template has no spec")?;
    let containers = pod
        .get("containers")
        .and_then(Json::as_array)
        .ok_or("its pod has no containers")?;
    let (main, sidecars) = containers
        .split_first()
        .ok_or("its pod has no containers")?;
    let main_values = container(main).ok_or_else(|| unsaid("container", main))?;
    v.insert("containerName".into(), main["name"].clone());
    for (k, val) in main_values.as_object().into_iter().flatten() {
        v.insert(k.clone(), val.clone());
    }
    let mut side = Map::new();
    for c in sidecars {
        let name = c["name"].as_str().ok_or("a container has no name")?;
        side.insert(
            name.to_string(),
            container(c).ok_or_else(|| unsaid("container", c))?,
        );
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
        let name = c["name"].as_str().ok_or("an init container has no name")?;
        init.insert(
            name.to_string(),
            container(c).ok_or_else(|| unsaid("init container", c))?,
        );
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
    Ok(())
}

fn unsaid(what: &str, c: &Json) -> String {
    format!(
        "{what} {}: an image missing, or an env variable a map cannot say (a repeated name, no value)",
        c["name"].as_str().unwrap_or("?")
    )
}

/// A policy/v1 PodDisruptionBudget as `podDisruptionBudget` values, or why not.
fn budget(pdb: &Json, component: &Json) -> Result<Json, String> {
    if pdb["apiVersion"] != "policy/v1" {
        return Err(format!(
            "apiVersion {}: kforge writes policy/v1 budgets",
            pdb["apiVersion"].as_str().unwrap_or("?")
        ));
    }
    let meta = pdb["metadata"].as_object().ok_or("it has no metadata")?;
    if let Some(k) = meta
        .keys()
        .find(|k| !["name", "namespace", "labels"].contains(&k.as_str()))
    {
        return Err(format!("its metadata.{k}: the values have no key for it"));
    }
    let labels = meta.get("labels").cloned().unwrap_or(json!({}));
    if labels != component.get("commonLabels").cloned().unwrap_or(json!({})) {
        return Err(
            "its labels are not its workload's: kforge gives a budget the workload's labels".into(),
        );
    }
    let spec = pdb["spec"].as_object().ok_or("it has no spec")?;
    let mut v = json!({"enabled": true});
    for (k, val) in spec {
        match k.as_str() {
            "selector" if val.as_object().is_some_and(|s| s.len() == 1) => {}
            "minAvailable" | "maxUnavailable" => {
                v[k] = val.clone();
            }
            k => return Err(format!("spec.{k}: the values have no key for it")),
        }
    }
    if v.get("minAvailable").is_none() && v.get("maxUnavailable").is_none() {
        return Err("it sets neither minAvailable nor maxUnavailable".into());
    }
    if v.get("minAvailable").is_some() && v.get("maxUnavailable").is_some() {
        return Err("it sets both minAvailable and maxUnavailable".into());
    }
    if meta.get("name") != component.get("objectName") {
        v["name"] = meta.get("name").cloned().unwrap_or(Json::Null);
    }
    Ok(v)
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

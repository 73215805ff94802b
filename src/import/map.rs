//! One environment's objects as kforge values: each workload (Deployment, StatefulSet,
//! DaemonSet, CronJob, Job) a component, with the Services that select its pods, its
//! autoscaler, budget and Ingress; everything else is kept verbatim. The values say exactly
//! what the manifests say: names, selectors, labels, fields
//! left unset; what kforge does not model by name goes through the pass-through maps.

use serde_json::{Map, Value as Json, json};

use std::collections::{HashMap, HashSet};

use super::pod::pod;
use super::{hook, ingress};
use crate::diff::Key;
use crate::manifest::workload_kind;

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

/// Whether `kind` becomes a component (the workload table in `manifest`).
pub fn is_component_kind(kind: &str) -> bool {
    workload_kind(kind).is_some_and(|w| w.component)
}

/// The objects of one environment that may be mapped (not kept), by kind and namespace, so
/// a workload's Services, Ingress, autoscaler and budget are found without a scan of every
/// object per workload.
struct Candidates<'a> {
    /// kind -> namespace -> objects.
    by_kind: HashMap<&'a str, HashMap<&'a str, Vec<&'a Object>>>,
}

impl<'a> Candidates<'a> {
    fn new(objects: &'a [Object], keep: &[Key]) -> Self {
        let keep: HashSet<&Key> = keep.iter().collect();
        let mut by_kind: HashMap<&str, HashMap<&str, Vec<&Object>>> = HashMap::new();
        for o in objects {
            if [
                "Service",
                "Ingress",
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
            ]
            .contains(&o.key.kind.as_str())
                && !keep.contains(&o.key)
            {
                by_kind
                    .entry(o.key.kind.as_str())
                    .or_default()
                    .entry(o.key.namespace.as_str())
                    .or_default()
                    .push(o);
            }
        }
        Self { by_kind }
    }

    /// The candidates of `kind` in the namespace of `of`, in input order.
    fn of(&self, kind: &'static str, of: &Object) -> &[&'a Object] {
        self.by_kind
            .get(kind)
            .and_then(|ns| ns.get(of.key.namespace.as_str()))
            .map_or(&[], Vec::as_slice)
    }
}

/// A component while its workload's companions are attached: its values and the objects it
/// stands for.
struct Draft<'a> {
    workload: &'a Object,
    values: Json,
    covers: Vec<Key>,
}

/// Maps the workloads of `objects` (except those in `keep`) and their Services to components.
pub fn map_env(objects: &[Object], keep: &[Key]) -> Mapped {
    let candidates = Candidates::new(objects, keep);
    let keep: HashSet<&Key> = keep.iter().collect();
    // A Service or Ingress goes with the first workload that takes it.
    let mut taken: HashSet<Key> = HashSet::new();
    let mut out = Mapped::default();
    for obj in objects {
        if !is_component_kind(&obj.key.kind) || keep.contains(&obj.key) {
            continue;
        }
        let values = match workload(&obj.json) {
            Ok(v) => v,
            Err(why) => {
                out.reasons.push((obj.key.clone(), why));
                continue;
            }
        };
        let mut draft = Draft {
            workload: obj,
            values,
            covers: vec![obj.key.clone()],
        };
        draft.attach_services(&candidates, &mut taken);
        draft.attach_ingress(&candidates, &mut taken, &mut out.reasons);
        draft.attach_autoscaler(&candidates);
        draft.attach_budget(&candidates, &mut out.reasons);
        let name = unique_name(&out.components, &obj.key);
        out.covers.push((name.clone(), draft.covers));
        out.components.insert(name, draft.values);
    }
    out
}

impl Draft<'_> {
    /// The Services selecting the workload's pods (none for a Job or CronJob).
    fn attach_services(&mut self, candidates: &Candidates<'_>, taken: &mut HashSet<Key>) {
        let obj = self.workload;
        let Some(kind) = workload_kind(&obj.key.kind) else {
            return;
        };
        if obj.key.kind == "CronJob" || obj.key.kind == "Job" {
            return;
        }
        let pod_labels = kind
            .pod_labels()
            .and_then(|p| obj.json.pointer(&format!("/{}", p.join("/"))))
            .cloned()
            .unwrap_or(json!({}));
        let mut services = Map::new();
        for svc in candidates.of("Service", obj) {
            if taken.contains(&svc.key) || !selects(&svc.json, &pod_labels) {
                continue;
            }
            if let Some((key, spec)) = service(&svc.json, &self.values) {
                services.insert(key, spec);
                self.covers.push(svc.key.clone());
                taken.insert(svc.key.clone());
            }
        }
        if !services.is_empty() {
            self.values["services"] = Json::Object(services);
        }
    }

    /// An Ingress routing to one of its Services (a component has one; a second is kept).
    fn attach_ingress(
        &mut self,
        candidates: &Candidates<'_>,
        taken: &mut HashSet<Key>,
        reasons: &mut Vec<(Key, String)>,
    ) {
        let obj = self.workload;
        let names: Vec<&str> = self
            .covers
            .iter()
            .filter(|k| k.kind == "Service")
            .map(|k| k.name.as_str())
            .collect();
        let routed: Vec<&Object> = candidates
            .of("Ingress", obj)
            .iter()
            .filter(|i| !taken.contains(&i.key) && ingress::routes_to(&i.json, &names))
            .copied()
            .collect();
        for ing in routed {
            if self.values.get("ingress").is_some() {
                reasons.push((
                    ing.key.clone(),
                    format!(
                        "a second Ingress of {} {}: a component has one",
                        obj.key.kind, obj.key.name
                    ),
                ));
                continue;
            }
            match ingress::ingress(&ing.json, &self.values) {
                Ok(v) => {
                    self.values["ingress"] = v;
                    self.covers.push(ing.key.clone());
                    taken.insert(ing.key.clone());
                }
                Err(why) => reasons.push((ing.key.clone(), why)),
            }
        }
    }

    /// The first autoscaler targeting the workload, if the values can say it.
    fn attach_autoscaler(&mut self, candidates: &Candidates<'_>) {
        let obj = self.workload;
        let hpa = candidates
            .of("HorizontalPodAutoscaler", obj)
            .iter()
            .find(|h| {
                h.json.pointer("/spec/scaleTargetRef/name") == Some(&json!(obj.key.name))
                    && h.json.pointer("/spec/scaleTargetRef/kind") == Some(&json!(obj.key.kind))
            });
        if let Some((h, autoscaling)) = hpa.and_then(|h| Some((h, autoscaler(&h.json)?))) {
            self.values["autoscaling"] = autoscaling;
            self.covers.push(h.key.clone());
        }
    }

    /// A budget selecting exactly the workload's pods (the template writes that selector);
    /// Deployments and StatefulSets only.
    fn attach_budget(&mut self, candidates: &Candidates<'_>, reasons: &mut Vec<(Key, String)>) {
        let obj = self.workload;
        if !["Deployment", "StatefulSet"].contains(&obj.key.kind.as_str()) {
            return;
        }
        let selector = self.values.get("selectorLabels").cloned();
        let budgets: Vec<&Object> = candidates
            .of("PodDisruptionBudget", obj)
            .iter()
            .filter(|p| p.json.pointer("/spec/selector/matchLabels") == selector.as_ref())
            .copied()
            .collect();
        for pdb in budgets {
            if self.values.get("podDisruptionBudget").is_some() {
                reasons.push((
                    pdb.key.clone(),
                    format!(
                        "a second budget of {} {}: a component has one",
                        obj.key.kind, obj.key.name
                    ),
                ));
                continue;
            }
            match budget(&pdb.json, &self.values) {
                Ok(b) => {
                    self.values["podDisruptionBudget"] = b;
                    self.covers.push(pdb.key.clone());
                }
                Err(why) => reasons.push((pdb.key.clone(), why)),
            }
        }
    }
}

/// A component name for `key` not yet in `components`: its name as a label; if taken
/// (workloads of one name in two namespaces, or names alike in their first 40 characters),
/// the kind's first letters, then a number, within 40 characters.
fn unique_name(components: &Map<String, Json>, key: &Key) -> String {
    let base = component_name(&key.name);
    let kind: String = key.kind.to_ascii_lowercase().chars().take(2).collect();
    let mut name = base.clone();
    let mut n = 1;
    while components.contains_key(&name) {
        n += 1;
        let suffix = if n == 2 {
            kind.clone()
        } else {
            format!("{kind}{n}")
        };
        let room = 39_usize.saturating_sub(suffix.len());
        name = format!(
            "{}-{suffix}",
            base[..base.len().min(room)].trim_end_matches('-')
        );
    }
    name
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
    !selector.is_empty() && crate::manifest::selects(selector, |k| labels.get(k))
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
    if let Some(a) = meta
        .get("annotations")
        .and_then(Json::as_object)
        .filter(|m| !m.is_empty())
    {
        // A Job's Helm hook annotations are its `hook` values when job.yaml writes them back
        // as they are; the rest (and any other hook) are its `annotations`.
        let (hook, rest) = match (kind == "Job").then(|| hook::from_annotations(a)).flatten() {
            Some((hook, rest)) => (Some(hook), rest),
            None => (None, a.clone()),
        };
        if !rest.is_empty() {
            v.insert("annotations".into(), Json::Object(rest));
        }
        if let Some(hook) = hook {
            v.insert("hook".into(), hook);
        }
    }
    if let Some(k) = meta
        .keys()
        .find(|k| !["name", "namespace", "labels", "annotations"].contains(&k.as_str()))
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
/// selector labels (a Job has no selector of its own; kforge labels its pods with them), or,
/// when its pods have none, `podSelectorLabels: false` (they carry no label).
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
    // A Job's pods with no labels carry exactly `podLabels` (none): no selector picks them.
    match template
        .pointer("/metadata/labels")
        .and_then(Json::as_object)
        .filter(|m| !m.is_empty())
    {
        Some(labels) => {
            // A Job not a hook gives its pods none of the labels that change with a release
            // (_pod.jinja's `plain_job`): those of its pods are `podLabels`, which it writes.
            let plain = kind == "Job" && !v.contains_key("hook");
            let (own, selector): (Map<String, Json>, Map<String, Json>) =
                labels.clone().into_iter().partition(|(k, _)| {
                    plain && ["helm.sh/chart", "app.kubernetes.io/version"].contains(&k.as_str())
                });
            if selector.is_empty() {
                v.insert("podSelectorLabels".into(), json!(false));
            } else {
                v.insert("selectorLabels".into(), Json::Object(selector));
            }
            if !own.is_empty() {
                v.insert("podLabels".into(), Json::Object(own));
            }
        }
        None => {
            v.insert("podSelectorLabels".into(), json!(false));
        }
    }
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
    let common = component
        .get("commonLabels")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    // Labels beyond the component's (or, lacking one of them, its own only) and annotations.
    super::ingress::own_metadata(meta, &common, &mut v);
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

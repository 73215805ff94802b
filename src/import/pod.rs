//! A pod template as component values: the main container by its own keys, sidecars and init
//! containers keyed by name, env in written order, named ports as maps, the service account,
//! and every other PodSpec or Container field through the pass-through maps.

use serde_json::{Map, Value as Json, json};

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

/// A pod template's values (name, annotations, containers, service account, pod fields) into `v`.
pub fn pod(template: &Json, v: &mut Map<String, Json>) -> Result<(), String> {
    if let Some(k) = template
        .get("metadata")
        .and_then(Json::as_object)
        .and_then(|m| {
            m.keys()
                .find(|k| !["name", "labels", "annotations"].contains(&k.as_str()))
        })
    {
        return Err(format!(
            "the pod template's metadata.{k}: the values have no key for it"
        ));
    }
    if let Some(name) = template.pointer("/metadata/name") {
        if name.as_str().is_none_or(str::is_empty) {
            return Err("the pod template's metadata.name is not a name".into());
        }
        v.insert("podTemplateName".into(), name.clone());
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

/// A container's values (without its name).
fn container(c: &Json) -> Option<Json> {
    let c = c.as_object()?;
    let mut v = Map::new();
    let mut rest = Map::new();
    let image = c.get("image")?.as_str()?;
    let (repository, tag, digest) = split_image(image);
    let mut img = Map::new();
    img.insert("repository".into(), json!(repository));
    if let Some(tag) = tag {
        img.insert("tag".into(), json!(tag));
    }
    if let Some(digest) = digest {
        img.insert("digest".into(), json!(digest));
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

/// `repo[:tag][@digest]` as repository, tag and digest; a registry port stays in the
/// repository. An image the values would write otherwise (an empty part, a digest the schema
/// does not take) stays whole in the repository.
fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) if is_digest(digest) && !name.is_empty() => (name, Some(digest)),
        Some(_) => return (image, None, None),
        None => (image, None),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[slash..].rfind(':') {
        Some(i) if i > 0 && slash + i + 1 < name.len() => {
            (&name[..slash + i], Some(&name[slash + i + 1..]), digest)
        }
        Some(_) => (image, None, None),
        None => (name, None, digest),
    }
}

/// A digest as the values schema takes it: `algorithm:encoded` (`sha256:...`).
fn is_digest(d: &str) -> bool {
    let Some((algorithm, encoded)) = d.split_once(':') else {
        return false;
    };
    let component = |c: &str| {
        !c.is_empty()
            && c.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    algorithm.split(['+', '.', '_', '-']).all(component)
        && !encoded.is_empty()
        && encoded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=_-".contains(c))
}

/// Where most of the input's container ports leave `protocol` unset, the values say so once
/// (`containerPortProtocol: ""`, returned true) and those ports are plain numbers, the ones that
/// write TCP `{containerPort, protocol: TCP}`; otherwise the ports stay as mapped (TCP a plain
/// number, an unset protocol `""`).
pub fn ports_unset_by_default(components: &mut [&mut Map<String, Json>]) -> bool {
    let mut unset = 0;
    let mut tcp = 0;
    for c in components.iter() {
        for ports in port_maps(c) {
            for p in ports.values() {
                match p.get("protocol").and_then(Json::as_str) {
                    Some("") => unset += 1,
                    _ if p.is_number() => tcp += 1,
                    _ => {}
                }
            }
        }
    }
    if unset <= tcp {
        return false;
    }
    for c in components.iter_mut() {
        for ports in port_maps_mut(c) {
            for p in ports.values_mut() {
                *p = match (p.get("protocol").and_then(Json::as_str), p.as_i64()) {
                    (Some(""), _) => p["containerPort"].clone(),
                    (_, Some(n)) => json!({"containerPort": n, "protocol": "TCP"}),
                    _ => continue,
                };
            }
        }
    }
    true
}

/// The container keys of a component: its own, its sidecars' and its init containers'.
fn containers_of(c: &Map<String, Json>) -> impl Iterator<Item = &Map<String, Json>> {
    std::iter::once(c).chain(
        ["sidecars", "initContainers"]
            .into_iter()
            .filter_map(|k| c.get(k).and_then(Json::as_object))
            .flat_map(|m| m.values().filter_map(Json::as_object)),
    )
}

fn port_maps(c: &Map<String, Json>) -> Vec<&Map<String, Json>> {
    containers_of(c)
        .filter_map(|c| c.get("ports").and_then(Json::as_object))
        .collect()
}

fn port_maps_mut(c: &mut Map<String, Json>) -> Vec<&mut Map<String, Json>> {
    let mut out = Vec::new();
    let mut nested = Vec::new();
    for (k, v) in c.iter_mut() {
        match k.as_str() {
            "ports" => {
                if let Some(m) = v.as_object_mut() {
                    out.push(m);
                }
            }
            "sidecars" | "initContainers" => {
                if let Some(m) = v.as_object_mut() {
                    nested.extend(m.values_mut().filter_map(Json::as_object_mut));
                }
            }
            _ => {}
        }
    }
    for n in nested {
        if let Some(m) = n.get_mut("ports").and_then(Json::as_object_mut) {
            out.push(m);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_at_the_tag_not_the_registry_port() {
        assert_eq!(
            split_image("reg:5000/app:1.2"),
            ("reg:5000/app", Some("1.2"), None)
        );
        assert_eq!(split_image("reg:5000/app"), ("reg:5000/app", None, None));
        assert_eq!(
            split_image("app@sha256:ab"),
            ("app", None, Some("sha256:ab"))
        );
        assert_eq!(
            split_image("gcr.io/x/app:v1@sha256:ab12"),
            ("gcr.io/x/app", Some("v1"), Some("sha256:ab12"))
        );
        // What the values would not write back the same stays whole.
        assert_eq!(
            split_image("app:@sha256:ab"),
            ("app:@sha256:ab", None, None)
        );
        assert_eq!(split_image("app@latest"), ("app@latest", None, None));
        assert_eq!(split_image("app:"), ("app:", None, None));
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

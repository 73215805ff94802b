//! A networking.k8s.io/v1 Ingress as a component's `ingress` values: its own name, labels
//! beyond the component's, annotations, class, TLS by secret, and per path the backend Service
//! (by name, when not the component's own) and port (by number or name). Anything those keys
//! cannot say exactly is a reason to keep the Ingress verbatim.

use serde_json::{Map, Value as Json, json};

/// Whether an Ingress routes to one of `services` (names of Services a component stands for).
pub fn routes_to(ing: &Json, services: &[&str]) -> bool {
    backends(ing).any(|name| services.contains(&name))
}

/// The Service names of an Ingress's backends: its default backend's and its paths'.
fn backends(ing: &Json) -> impl Iterator<Item = &str> {
    let fallback = ing
        .pointer("/spec/defaultBackend/service/name")
        .and_then(Json::as_str);
    fallback.into_iter().chain(
        ing.pointer("/spec/rules")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.pointer("/http/paths").and_then(Json::as_array))
            .flatten()
            .filter_map(|p| p.pointer("/backend/service/name").and_then(Json::as_str)),
    )
}

/// The `ingress` values of a component (its values so far in `component`) that render `ing`
/// exactly, or why there are none.
pub fn ingress(ing: &Json, component: &Json) -> Result<Json, String> {
    if ing["apiVersion"] != "networking.k8s.io/v1" {
        return Err(format!(
            "apiVersion {}: kforge writes networking.k8s.io/v1 Ingresses",
            ing["apiVersion"].as_str().unwrap_or("?")
        ));
    }
    let meta = ing["metadata"].as_object().ok_or("it has no metadata")?;
    if let Some(k) = meta
        .keys()
        .find(|k| !["name", "namespace", "labels", "annotations"].contains(&k.as_str()))
    {
        return Err(format!("its metadata.{k}: the values have no key for it"));
    }
    let mut v = Map::new();
    v.insert("enabled".into(), json!(true));
    if meta.get("name") != component.get("objectName") {
        let name = meta.get("name").and_then(Json::as_str).unwrap_or_default();
        if !dns_name(name, 253, true) {
            return Err(format!("its name {name:?} is not a DNS subdomain name"));
        }
        v.insert("name".into(), json!(name));
    }
    // The component's labels are the Ingress's too, `labels` adding to them, unless it lacks one.
    let common = component
        .get("commonLabels")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    own_metadata(meta, &common, &mut v);
    let spec = ing["spec"].as_object().ok_or("it has no spec")?;
    if let Some(k) = spec
        .keys()
        .find(|k| !["ingressClassName", "defaultBackend", "tls", "rules"].contains(&k.as_str()))
    {
        return Err(format!("spec.{k}: the values have no key for it"));
    }
    let fullname = component.get("objectName").and_then(Json::as_str);
    if let Some(fallback) = spec.get("defaultBackend") {
        let route = backend_values(fallback, fullname, "spec.defaultBackend")?;
        v.insert("defaultBackend".into(), route);
    }
    if let Some(class) = spec.get("ingressClassName") {
        match class.as_str() {
            Some(c) if !c.is_empty() => {
                v.insert("className".into(), json!(c));
            }
            _ => return Err("spec.ingressClassName is empty".into()),
        }
    }
    if let Some(tls) = spec.get("tls") {
        v.insert("tls".into(), tls_map(tls)?);
    }
    // An Ingress of a default backend alone has no rules: the template writes none for no hosts.
    let rules = match spec.get("rules") {
        None if v.contains_key("defaultBackend") => &Vec::new(),
        rules => rules
            .and_then(Json::as_array)
            .filter(|r| !r.is_empty())
            .ok_or("it has no rules")?,
    };
    let mut hosts = Map::new();
    for rule in rules {
        let rule = rule.as_object().ok_or("a rule is not a map")?;
        if let Some(k) = rule
            .keys()
            .find(|k| !["host", "http"].contains(&k.as_str()))
        {
            return Err(format!("a rule's {k}: the values have no key for it"));
        }
        let host = match rule.get("host") {
            None => "*",
            Some(Json::String(h)) if h != "*" && !h.is_empty() => h.as_str(),
            Some(_) => return Err("a rule's host is empty or `*`".into()),
        };
        if hosts.contains_key(host) {
            return Err(format!(
                "host {host} has two rules: the values key rules by host"
            ));
        }
        let http = rule
            .get("http")
            .and_then(Json::as_object)
            .ok_or_else(|| format!("the rule of host {host} has no http paths"))?;
        if http.keys().any(|k| k != "paths") {
            return Err(format!(
                "the rule of host {host} has http fields besides paths"
            ));
        }
        let mut paths = Map::new();
        for p in http
            .get("paths")
            .and_then(Json::as_array)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| format!("the rule of host {host} has no paths"))?
        {
            let (path, route) = path_values(p, fullname)?;
            if paths.contains_key(&path) {
                return Err(format!(
                    "path {path} of host {host} is given twice: the values key paths by path"
                ));
            }
            paths.insert(path, route);
        }
        in_key_order(&paths, &format!("the paths of host {host}"))?;
        hosts.insert(host.to_string(), json!({"paths": paths}));
    }
    in_key_order(&hosts, "its rules (by host, none first)")?;
    // No hosts (a default backend alone): the default, `{}`, not written.
    if !hosts.is_empty() {
        v.insert("hosts".into(), Json::Object(hosts));
    }
    Ok(Json::Object(v))
}

/// Templates iterate a values map in key order: a list written in another order cannot be said.
fn in_key_order(map: &Map<String, Json>, what: &str) -> Result<(), String> {
    if map.keys().zip(map.keys().skip(1)).all(|(a, b)| a < b) {
        Ok(())
    } else {
        Err(format!(
            "{what} are not in the sorted order kforge writes them in"
        ))
    }
}

/// Whether `name` is a DNS-1123 label (or, with `dots`, subdomain) of at most `max`
/// characters, as the values schema requires of the names it takes.
pub fn dns_name(name: &str, max: usize, dots: bool) -> bool {
    let ok =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.');
    !name.is_empty()
        && name.len() <= max
        && name.chars().all(ok)
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// TLS entries keyed by secret name.
fn tls_map(tls: &Json) -> Result<Json, String> {
    let mut out = Map::new();
    for t in tls.as_array().ok_or("spec.tls is not a list")? {
        let t = t.as_object().ok_or("a tls entry is not a map")?;
        let secret = t
            .get("secretName")
            .and_then(Json::as_str)
            .ok_or("a tls entry has no secretName: the values key TLS by secret")?;
        let hosts = t
            .get("hosts")
            .filter(|h| h.as_array().is_some_and(|a| a.iter().all(Json::is_string)))
            .ok_or_else(|| format!("the tls entry of {secret} has no list of hosts"))?;
        if t.len() != 2 || out.contains_key(secret) {
            return Err(format!(
                "the tls entry of {secret} is given twice or has fields besides hosts"
            ));
        }
        out.insert(secret.to_string(), json!({"hosts": hosts}));
    }
    in_key_order(&out, "its tls entries (by secretName)")?;
    Ok(Json::Object(out))
}

/// One HTTP path as (path, {pathType, service, port}).
fn path_values(p: &Json, fullname: Option<&str>) -> Result<(String, Json), String> {
    let p = p.as_object().ok_or("a path is not a map")?;
    if let Some(k) = p
        .keys()
        .find(|k| !["path", "pathType", "backend"].contains(&k.as_str()))
    {
        return Err(format!("a path's {k}: the values have no key for it"));
    }
    let path = p
        .get("path")
        .and_then(Json::as_str)
        .ok_or("a path without `path`: the values key paths by path")?;
    let mut route = Map::new();
    match p.get("pathType").and_then(Json::as_str) {
        Some("Prefix") => {}
        Some(t @ ("Exact" | "ImplementationSpecific")) => {
            route.insert("pathType".into(), json!(t));
        }
        _ => return Err(format!("path {path} has no pathType kforge writes")),
    }
    let backend = p
        .get("backend")
        .ok_or_else(|| format!("path {path} has no backend"))?;
    let what = format!("path {path}'s backend");
    if let Json::Object(b) = backend_values(backend, fullname, &what)? {
        route.extend(b);
    }
    Ok((path.to_string(), Json::Object(route)))
}

/// A backend (a path's, or the default one) as {service, port}: `service` unless it is the
/// component's own (`fullname`), `port` a number or a name; `what` names it in a reason.
fn backend_values(backend: &Json, fullname: Option<&str>, what: &str) -> Result<Json, String> {
    let backend = backend
        .as_object()
        .ok_or_else(|| format!("{what} is not a map"))?;
    let service = backend
        .get("service")
        .and_then(Json::as_object)
        .filter(|_| backend.len() == 1)
        .ok_or_else(|| format!("{what} is not a Service"))?;
    let name = service
        .get("name")
        .and_then(Json::as_str)
        .filter(|_| service.len() == 2)
        .ok_or_else(|| format!("{what} has no Service name and port"))?;
    let mut route = Map::new();
    if Some(name) != fullname {
        if !dns_name(name, 63, false) || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("{what} {name:?} is not a Service name"));
        }
        route.insert("service".into(), json!(name));
    }
    let port = service
        .get("port")
        .and_then(Json::as_object)
        .filter(|p| p.len() == 1)
        .ok_or_else(|| format!("{what} port is not one number or name"))?;
    match (port.get("number"), port.get("name")) {
        (Some(n), None) if n.is_u64() => {
            route.insert("port".into(), n.clone());
        }
        (None, Some(Json::String(n))) if dns_name(n, 15, false) => {
            route.insert("port".into(), json!(n));
        }
        _ => return Err(format!("{what} port is not a number or a name")),
    }
    Ok(Json::Object(route))
}

/// Puts into `v` the metadata of `meta` beyond what kforge gives the object anyway: its
/// `labels` other than `common` (which kforge adds), and its `annotations`. An object without
/// one of the `common` labels gets `sharedLabels: false` and all its labels written instead.
/// Shared by Services, Ingresses and fixed-name config sets.
pub fn own_metadata(
    meta: &Map<String, Json>,
    common: &Map<String, Json>,
    v: &mut Map<String, Json>,
) {
    let labels = meta
        .get("labels")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let own: Map<String, Json> = if common.keys().all(|k| labels.contains_key(k)) {
        labels
            .into_iter()
            .filter(|(k, val)| common.get(k) != Some(val))
            .collect()
    } else {
        v.insert("sharedLabels".into(), json!(false));
        labels
    };
    if !own.is_empty() {
        v.insert("labels".into(), Json::Object(own));
    }
    if let Some(a) = meta.get("annotations").and_then(Json::as_object)
        && !a.is_empty()
    {
        v.insert("annotations".into(), Json::Object(a.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPONENT: &str = r#"{"objectName": "web", "commonLabels": {"app": "web"}}"#;

    fn component() -> Json {
        serde_json::from_str(COMPONENT).unwrap()
    }

    #[test]
    fn paths_keep_their_own_backend_and_port_by_number_or_name() {
        let ing = json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web-public", "labels": {"app": "web", "tier": "edge"}},
            "spec": {"ingressClassName": "nginx", "rules": [
                {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
                {"host": "a.example", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
                    {"path": "/api", "pathType": "Exact", "backend": {"service": {"name": "api", "port": {"name": "http"}}}}
                ]}}
            ]}
        });
        let v = ingress(&ing, &component()).unwrap();
        assert_eq!(v["name"], "web-public");
        assert_eq!(v["labels"], json!({"tier": "edge"}));
        assert_eq!(v["className"], "nginx");
        assert_eq!(v["hosts"]["a.example"]["paths"]["/"], json!({"port": 80}));
        assert_eq!(
            v["hosts"]["a.example"]["paths"]["/api"],
            json!({"pathType": "Exact", "service": "api", "port": "http"})
        );
        assert_eq!(v["hosts"]["*"]["paths"]["/"], json!({"port": 80}));
    }

    #[test]
    fn what_the_values_cannot_say_is_a_reason() {
        let base = json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"rules": [{"http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
            ]}}]}
        });
        assert!(ingress(&base, &component()).is_ok());
        // Without the workload's label: its own labels only.
        let mut no_label = base.clone();
        no_label["metadata"]["labels"] = json!({"tier": "edge"});
        let v = ingress(&no_label, &component()).unwrap();
        assert_eq!(v["sharedLabels"], json!(false));
        assert_eq!(v["labels"], json!({"tier": "edge"}));
        // A default backend is `defaultBackend` (Bank of Anthos's Ingress has one); one that
        // is not a Service's is a reason.
        let mut default_backend = base.clone();
        default_backend["spec"]["defaultBackend"] =
            json!({"service": {"name": "web", "port": {"number": 80}}});
        let v = ingress(&default_backend, &component()).unwrap();
        assert_eq!(v["defaultBackend"], json!({"port": 80}));
        default_backend["spec"]["defaultBackend"] =
            json!({"service": {"name": "api", "port": {"name": "http"}}});
        let v = ingress(&default_backend, &component()).unwrap();
        assert_eq!(
            v["defaultBackend"],
            json!({"service": "api", "port": "http"})
        );
        // With no rules, it is the Ingress's one backend.
        default_backend["spec"]
            .as_object_mut()
            .unwrap()
            .remove("rules");
        assert!(routes_to(&default_backend, &["api"]));
        let v = ingress(&default_backend, &component()).unwrap();
        assert!(v.get("hosts").is_none(), "{v}");
        default_backend["spec"]["defaultBackend"] = json!({"resource": {}});
        assert!(
            ingress(&default_backend, &component())
                .unwrap_err()
                .contains("spec.defaultBackend is not a Service")
        );
        let mut twice = base.clone();
        let rule = twice["spec"]["rules"][0].clone();
        twice["spec"]["rules"] = json!([rule.clone(), rule]);
        assert!(
            ingress(&twice, &component())
                .unwrap_err()
                .contains("two rules")
        );
        let mut unsorted = base.clone();
        let rule = unsorted["spec"]["rules"][0].clone();
        let mut named = rule.clone();
        named["host"] = json!("a.example");
        unsorted["spec"]["rules"] = json!([named, rule]);
        assert!(
            ingress(&unsorted, &component())
                .unwrap_err()
                .contains("sorted order")
        );
        let mut bad_name = base.clone();
        bad_name["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] =
            json!("Web_1");
        assert!(
            ingress(&bad_name, &component())
                .unwrap_err()
                .contains("not a Service name")
        );
        assert!(dns_name("a.b-c", 253, true) && !dns_name("a.b", 63, false));
        assert!(!dns_name("-a", 63, false) && !dns_name("", 63, false));
        let mut resource = base;
        resource["spec"]["rules"][0]["http"]["paths"][0]["backend"] = json!({"resource": {}});
        assert!(
            ingress(&resource, &component())
                .unwrap_err()
                .contains("not a Service")
        );
    }
}

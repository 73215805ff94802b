//! ConfigMaps as config sets: each ConfigMap present in every environment becomes
//! `configFiles.<set>` with its fixed `name`, labels and annotations, each data key a file of
//! config/<set>/ (literal `{{`, `{%`, `{#` escaped, since config files are templates). A file
//! whose content differs between environments is `{{ settings["KEY"] | safe }}`, the content in
//! each environment's `configFiles.<set>.settings`. Whatever that cannot say exactly
//! (binaryData, `immutable`, a key config/ skips) is a reason to keep the ConfigMap verbatim.

use serde_json::{Map, Value as Json, json};

use super::map::{Object, component_name};
use crate::diff::Key;
use crate::yaml::{Limits, SourceFile, parse_documents};

/// One environment as the config mapping sees it.
pub struct EnvObjects<'a> {
    /// Its objects.
    pub objects: &'a [Object],
    /// Its one namespace, which a fixed-name set is written into.
    pub namespace: Option<&'a str>,
    /// The labels its components share (its top-level `commonLabels`), which a fixed-name
    /// set carries too.
    pub common_labels: Option<&'a Map<String, Json>>,
}

/// What mapping the ConfigMaps of every environment produced.
#[derive(Default)]
pub struct ConfigPlan {
    /// Sets in the order met: name and files (file name, template text).
    pub files: Vec<(String, Vec<(String, String)>)>,
    /// Per environment (input order): its `configFiles` values.
    pub values: Vec<Map<String, Json>>,
    /// The ConfigMaps each set stands for, every environment's.
    pub covers: Vec<(String, Vec<Key>)>,
    /// Why a ConfigMap was not mapped.
    pub reasons: Vec<(Key, String)>,
}

/// Maps the ConfigMaps of `envs` (those in `keep` excepted) to config sets.
pub fn map_config_maps(envs: &[EnvObjects<'_>], keep: &[Key]) -> ConfigPlan {
    let mut plan = ConfigPlan {
        values: vec![Map::new(); envs.len()],
        ..ConfigPlan::default()
    };
    // Names in the order met, every environment's.
    let mut names: Vec<&str> = Vec::new();
    for o in envs.iter().flat_map(|e| e.objects) {
        if o.key.kind == "ConfigMap" && !names.contains(&o.key.name.as_str()) {
            names.push(&o.key.name);
        }
    }
    for name in names {
        // One ConfigMap of that name per environment, in the environment's namespace.
        let found: Vec<Vec<&Object>> = envs
            .iter()
            .map(|e| {
                e.objects
                    .iter()
                    .filter(|o| o.key.kind == "ConfigMap" && o.key.name == name)
                    .collect()
            })
            .collect();
        let keys: Vec<Key> = found.iter().flatten().map(|o| o.key.clone()).collect();
        if keys.iter().any(|k| keep.contains(k)) {
            continue;
        }
        let each: Option<Vec<&Object>> =
            found.iter().map(|f| (f.len() == 1).then(|| f[0])).collect();
        let why = match each {
            None => Err(
                "it is not in every environment once: a config set renders in every environment"
                    .to_string(),
            ),
            Some(each) => {
                let mut err = None;
                for (o, env) in each.iter().zip(envs) {
                    if o.key.namespace != env.namespace.unwrap_or_default() {
                        err = Some(format!(
                            "its namespace is not its environment's one namespace, which a \
                             config set is written into (`{}`)",
                            env.namespace.unwrap_or_default()
                        ));
                    }
                }
                match err {
                    Some(e) => Err(e),
                    None => {
                        let common: Vec<_> = envs.iter().map(|e| e.common_labels).collect();
                        set_values(&each, &common)
                    }
                }
            }
        };
        match why {
            Ok((files, values)) => {
                let stem = component_name(name);
                let mut set = stem.clone();
                for n in 2.. {
                    if !plan.files.iter().any(|(s, _)| *s == set) {
                        break;
                    }
                    set = format!("{}-{n}", &stem[..stem.len().min(36)]);
                }
                for (env_values, v) in plan.values.iter_mut().zip(values) {
                    env_values.insert(set.clone(), v);
                }
                plan.files.push((set.clone(), files));
                plan.covers.push((set, keys));
            }
            Err(why) => {
                for k in keys {
                    plan.reasons.push((k, why.clone()));
                }
            }
        }
    }
    plan
}

/// The files of one ConfigMap's set and each environment's values, or why there are none.
#[allow(clippy::type_complexity)]
fn set_values(
    each: &[&Object],
    common: &[Option<&Map<String, Json>>],
) -> Result<(Vec<(String, String)>, Vec<Json>), String> {
    let mut data: Vec<&Map<String, Json>> = Vec::new();
    let mut values = Vec::new();
    for (o, common) in each.iter().zip(common) {
        let cm = o.json.as_object().ok_or("it is not a map")?;
        if let Some(k) = cm
            .keys()
            .find(|k| !["apiVersion", "kind", "metadata", "data"].contains(&k.as_str()))
        {
            return Err(format!(
                "its {k}: a config set is text files (data) and can change"
            ));
        }
        let meta = cm["metadata"].as_object().ok_or("it has no metadata")?;
        if let Some(k) = meta
            .keys()
            .find(|k| !["name", "namespace", "labels", "annotations"].contains(&k.as_str()))
        {
            return Err(format!("its metadata.{k}: the values have no key for it"));
        }
        let d = cm
            .get("data")
            .and_then(Json::as_object)
            .filter(|d| !d.is_empty())
            .ok_or("it has no data: a config set is a folder of files")?;
        for (key, text) in d {
            let text = text.as_str().ok_or("a data value is not a string")?;
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
            {
                return Err(format!(
                    "its key {key:?} is not a ConfigMap key (letters, digits, `-`, `_`, `.`)"
                ));
            }
            if key.starts_with('.') {
                return Err(format!("its key {key}: config/<set>/ skips dot files"));
            }
            structured_ok(key, text)?;
        }
        if data.first().is_some_and(|f| !f.keys().eq(d.keys())) {
            return Err("its keys differ between environments".into());
        }
        data.push(d);
        let name = meta["name"].as_str().unwrap_or_default();
        if !super::ingress::dns_name(name, 253, true) {
            return Err(format!("its name {name:?} is not a DNS subdomain name"));
        }
        let mut v = Map::new();
        v.insert("name".into(), json!(name));
        // The shared commonLabels are the set's too, `labels` adding to them, unless it lacks one.
        let common = common.cloned().unwrap_or_default();
        super::ingress::own_metadata(meta, &common, &mut v);
        values.push(v);
    }
    let mut files = Vec::new();
    let mut settings: Vec<Map<String, Json>> = vec![Map::new(); each.len()];
    let Some(first) = data.first() else {
        return Err("it is in no environment".into());
    };
    for (key, text) in first.iter() {
        let texts: Vec<&Json> = data.iter().map(|d| &d[key]).collect();
        if texts.iter().all(|t| *t == text) {
            files.push((key.clone(), escape(text.as_str().unwrap_or_default())));
        } else {
            // Differs per environment: the file writes the environment's setting as it is.
            files.push((key.clone(), format!("{{{{ settings[\"{key}\"] | safe }}}}")));
            for (s, t) in settings.iter_mut().zip(texts) {
                s.insert(key.clone(), t.clone());
            }
        }
    }
    let values = values
        .into_iter()
        .zip(settings)
        .map(|(mut v, s)| {
            if !s.is_empty() {
                v.insert("settings".into(), Json::Object(s));
            }
            Json::Object(v)
        })
        .collect();
    Ok((files, values))
}

/// A `.json` or `.yaml` file is checked after rendering, as render/config.rs does: content that
/// would fail the check stays in a verbatim ConfigMap.
fn structured_ok(key: &str, text: &str) -> Result<(), String> {
    let bad = if key.ends_with(".json") {
        serde_json::from_str::<Json>(text).is_err()
    } else if key.ends_with(".yaml") || key.ends_with(".yml") {
        parse_documents(text, &SourceFile::new(key, text), Limits::default()).is_err()
    } else {
        false
    };
    if bad {
        Err(format!(
            "its key {key} is not valid {} (config files of that name are checked)",
            if key.ends_with(".json") {
                "JSON"
            } else {
                "YAML"
            }
        ))
    } else {
        Ok(())
    }
}

/// Text that renders as itself through config files' minijinja: each `{{`, `{%` and `{#` is
/// written by an expression (never a block tag, so trim_blocks and lstrip_blocks do not apply).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let delimiter = ["{{", "{%", "{#"].into_iter().find(|d| rest.starts_with(d));
        match delimiter {
            Some(d) => {
                out.push_str(&format!("{{{{ \"{d}\" | safe }}}}"));
                rest = &rest[2..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(ns: &str, data: Json) -> Object {
        Object {
            key: crate::manifest::ObjectKey::new("ConfigMap", ns, "app-config"),
            json: json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "app-config", "namespace": ns, "labels": {"app": "web"}},
                "data": data}),
        }
    }

    #[test]
    fn template_delimiters_are_escaped_and_nothing_else() {
        assert_eq!(escape("a {b} c"), "a {b} c");
        assert_eq!(escape("{{x}}"), "{{ \"{{\" | safe }}x}}");
        assert_eq!(
            escape("{%- if %}{#"),
            "{{ \"{%\" | safe }}- if %}{{ \"{#\" | safe }}"
        );
        assert_eq!(escape("{{{"), "{{ \"{{\" | safe }}{");
    }

    #[test]
    fn shared_files_are_files_and_differing_ones_settings() {
        let dev = [cm("dev", json!({"a.conf": "same\n", "b.conf": "dev\n"}))];
        let prod = [cm("prod", json!({"a.conf": "same\n", "b.conf": "prod\n"}))];
        let envs = [
            EnvObjects {
                objects: &dev,
                namespace: Some("dev"),
                common_labels: None,
            },
            EnvObjects {
                objects: &prod,
                namespace: Some("prod"),
                common_labels: None,
            },
        ];
        let plan = map_config_maps(&envs, &[]);
        assert_eq!(plan.files[0].0, "app-config");
        assert_eq!(
            plan.files[0].1,
            [
                ("a.conf".to_string(), "same\n".to_string()),
                (
                    "b.conf".to_string(),
                    "{{ settings[\"b.conf\"] | safe }}".to_string()
                )
            ]
        );
        assert_eq!(
            plan.values[1]["app-config"]["settings"],
            json!({"b.conf": "prod\n"})
        );
        assert_eq!(
            plan.values[0]["app-config"]["labels"],
            json!({"app": "web"})
        );
        // In another namespace than its environment's, or binary: kept, with why.
        let other = [cm("elsewhere", json!({"a": "1"}))];
        let plan = map_config_maps(
            &[EnvObjects {
                objects: &other,
                namespace: Some("dev"),
                common_labels: None,
            }],
            &[],
        );
        assert!(plan.files.is_empty());
        assert!(
            plan.reasons[0].1.contains("namespace"),
            "{:?}",
            plan.reasons
        );
        let bad_key = [cm("", json!({"a/b\"": "1"}))];
        let plan = map_config_maps(
            &[EnvObjects {
                objects: &bad_key,
                namespace: None,
                common_labels: None,
            }],
            &[],
        );
        assert!(
            plan.reasons[0].1.contains("not a ConfigMap key"),
            "{:?}",
            plan.reasons
        );
        let mut binary = cm("", json!({"a": "1"}));
        binary.json["binaryData"] = json!({"b": "AA=="});
        let plan = map_config_maps(
            &[EnvObjects {
                objects: &[binary],
                namespace: None,
                common_labels: None,
            }],
            &[],
        );
        assert!(
            plan.reasons[0].1.contains("binaryData"),
            "{:?}",
            plan.reasons
        );
    }

    #[test]
    fn the_shared_common_labels_are_not_repeated_and_a_set_without_them_has_its_own() {
        let objects = [cm("", json!({"a": "1"}))];
        let shared = json!({"app": "web"});
        let env = |labels: &Json| {
            map_config_maps(
                &[EnvObjects {
                    objects: &objects,
                    namespace: None,
                    common_labels: labels.as_object(),
                }],
                &[],
            )
        };
        let plan = env(&shared);
        assert!(plan.values[0]["app-config"].get("labels").is_none());
        // Without one of them: its own labels only, not the shared ones.
        let plan = env(&json!({"team": "a"}));
        assert!(plan.reasons.is_empty(), "{:?}", plan.reasons);
        assert_eq!(plan.values[0]["app-config"]["sharedLabels"], json!(false));
        assert_eq!(
            plan.values[0]["app-config"]["labels"],
            json!({"app": "web"})
        );
    }
}

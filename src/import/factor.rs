//! Several environments' values as one base and one overlay each: what every environment
//! has in common goes to base.yaml, each overlay holds only its differences (keyed maps
//! merge, so a difference is the changed leaf, not the whole map; a key base has and an
//! environment does not is `null` there). A component that only some environments have is
//! declared once in base and switched on or off per environment (`enabled`).

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json, json};

use crate::values::{COMPONENTS, ENABLED};

/// Base values and each environment's overlay (none when it has no differences) of the
/// environments' whole values. A component that some environments lack is declared in base:
/// switched off there and on in the overlays of the environments that have it, or on in base
/// and off in the overlays of those that lack it, whichever writes fewer lines. An environment
/// without any component writes `components: null` (it renders the top level, `kind: None`).
pub fn layers(values: &[&Json]) -> (Json, Vec<Option<Json>>) {
    let partial = partial_components(values);
    if partial.is_empty() {
        let owned: Vec<Json> = values.iter().map(|v| (*v).clone()).collect();
        return split(&owned, values, &BTreeSet::new());
    }
    // Switched off in base to start with; each turned round where that writes fewer lines.
    let mut off: BTreeSet<String> = partial.iter().cloned().collect();
    let cost = |off: &BTreeSet<String>| {
        let filled = fill(values, &partial, off);
        let (base, overlays) = split(&filled, values, off);
        lines(&base) + overlays.iter().flatten().map(lines).sum::<usize>()
    };
    let mut best = cost(&off);
    for c in &partial {
        let mut other = off.clone();
        other.remove(c);
        let n = cost(&other);
        if n < best {
            best = n;
            off = other;
        }
    }
    let filled = fill(values, &partial, &off);
    split(&filled, values, &off)
}

/// The components some environment lacks (an environment without components lacks them all),
/// in the order they first appear.
fn partial_components(values: &[&Json]) -> Vec<String> {
    let sets: Vec<Vec<&String>> = values
        .iter()
        .map(|v| {
            v.get(COMPONENTS)
                .and_then(Json::as_object)
                .map(|m| m.keys().collect())
                .unwrap_or_default()
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for set in &sets {
        for c in set {
            if !out.contains(c) && sets.iter().any(|s| !s.contains(c)) {
                out.push((*c).clone());
            }
        }
    }
    out
}

/// Every environment's values with every partial component in it: where it is missing, the
/// values the environments that have it share, switched off; where it is present and `off`
/// (switched off in base), switched on.
fn fill(values: &[&Json], partial: &[String], off: &BTreeSet<String>) -> Vec<Json> {
    let shared: Vec<Json> = partial
        .iter()
        .map(|c| {
            let having: Vec<&Json> = values
                .iter()
                .filter_map(|v| v.get(COMPONENTS).and_then(|m| m.get(c)))
                .collect();
            common(&having).unwrap_or_else(|| json!({}))
        })
        .collect();
    values
        .iter()
        .map(|v| {
            let mut v = (*v).clone();
            let Some(m) = v.as_object_mut() else {
                return v;
            };
            let components = m
                .entry(COMPONENTS)
                .or_insert_with(|| Json::Object(Map::new()));
            if let Some(components) = components.as_object_mut() {
                for (c, values) in partial.iter().zip(&shared) {
                    match components.get_mut(c) {
                        Some(Json::Object(own)) if off.contains(c) => {
                            own.insert(ENABLED.into(), json!(true));
                        }
                        Some(_) => {}
                        None => {
                            let mut values = values.clone();
                            values[ENABLED] = json!(false);
                            components.insert(c.clone(), values);
                        }
                    }
                }
            }
            v
        })
        .collect()
}

/// Base (what every environment of `filled` shares, the components of `off` switched off)
/// and the overlays; an environment whose `original` values have no components deletes them.
fn split(filled: &[Json], original: &[&Json], off: &BTreeSet<String>) -> (Json, Vec<Option<Json>>) {
    let all: Vec<&Json> = filled.iter().collect();
    let mut base = common(&all).unwrap_or_else(|| json!({}));
    for c in off {
        base[COMPONENTS][c.as_str()][ENABLED] = json!(false);
    }
    let overlays = filled
        .iter()
        .zip(original)
        .map(|(v, o)| {
            let mut d = overlay(&base, v);
            let none = o
                .get(COMPONENTS)
                .and_then(Json::as_object)
                .is_none_or(Map::is_empty);
            if none && base.get(COMPONENTS).is_some() {
                d.get_or_insert_with(|| json!({}))[COMPONENTS] = Json::Null;
            }
            d
        })
        .collect();
    (base, overlays)
}

/// Lines of values as written.
fn lines(v: &Json) -> usize {
    crate::yaml::emit_document(&crate::yaml::from_json(v))
        .lines()
        .count()
}

/// The values every environment shares (none when they share nothing).
pub fn common(all: &[&Json]) -> Option<Json> {
    common_at(all, "")
}

/// [`common`] of the values under `key`. An `env` map shares only the variables that every
/// environment has first, in one order, with one value: an overlay's variables come after
/// base's, so sharing a later one would move it before others (and break `$(VAR)`).
fn common_at(all: &[&Json], key: &str) -> Option<Json> {
    let (first, rest) = all.split_first()?;
    if key == "env" && all.iter().all(|v| v.is_object()) {
        let maps: Vec<Vec<(&String, &Json)>> = all
            .iter()
            .filter_map(|v| v.as_object())
            .map(|m| m.iter().collect())
            .collect();
        let mut out = Map::new();
        for (i, (k, v)) in maps[0].iter().enumerate() {
            if maps.iter().all(|m| m.get(i) == Some(&(*k, *v))) {
                out.insert((*k).clone(), (*v).clone());
            } else {
                break;
            }
        }
        return (!out.is_empty()).then_some(Json::Object(out));
    }
    match first {
        Json::Object(m) => {
            if !rest.iter().all(|v| v.is_object()) {
                return None;
            }
            let mut out = Map::new();
            for (k, v) in m {
                let others: Option<Vec<&Json>> = rest.iter().map(|o| o.get(k)).collect();
                let Some(others) = others else { continue };
                let mut group = vec![v];
                group.extend(others);
                if let Some(c) = common_at(&group, k) {
                    out.insert(k.clone(), c);
                }
            }
            // An empty map in common only when every side is empty (keeps `{}` meaning {}).
            (!out.is_empty() || all.iter().all(|v| v.as_object().is_some_and(Map::is_empty)))
                .then_some(Json::Object(out))
        }
        other => rest.iter().all(|v| *v == *other).then(|| (*other).clone()),
    }
}

/// What `env` needs over `base` to become itself (none when nothing).
pub fn overlay(base: &Json, env: &Json) -> Option<Json> {
    match (base, env) {
        (Json::Object(b), Json::Object(e)) => {
            let mut out = Map::new();
            for (k, v) in e {
                match b.get(k) {
                    Some(bv) => {
                        if let Some(d) = overlay(bv, v) {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            for k in b.keys() {
                if !e.contains_key(k) {
                    out.insert(k.clone(), Json::Null);
                }
            }
            (!out.is_empty()).then_some(Json::Object(out))
        }
        (b, e) if b == e => None,
        (_, e) => Some(e.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shared_leaves_go_to_base_and_overlays_hold_differences() {
        let dev =
            json!({"web": {"replicaCount": 1, "env": {"A": "1", "B": "dev"}}, "only": {"x": 1}});
        let prod = json!({"web": {"replicaCount": 3, "env": {"A": "1", "B": "prod"}}});
        let base = common(&[&dev, &prod]).unwrap();
        assert_eq!(base, json!({"web": {"env": {"A": "1"}}}));
        // env shares only a common prefix: B before A in one environment shares nothing.
        let other = json!({"env": {"B": "1", "A": "1"}});
        assert_eq!(
            common(&[&json!({"env": {"A": "1", "B": "1"}}), &other]),
            None
        );
        assert_eq!(
            overlay(&base, &dev).unwrap(),
            json!({"web": {"replicaCount": 1, "env": {"B": "dev"}}, "only": {"x": 1}})
        );
        assert_eq!(
            overlay(&base, &prod).unwrap(),
            json!({"web": {"replicaCount": 3, "env": {"B": "prod"}}})
        );
        // A key base has that an environment lacks is deleted there.
        assert_eq!(
            overlay(&json!({"a": 1, "b": 2}), &json!({"a": 1})).unwrap(),
            json!({"b": null})
        );
    }

    #[test]
    fn a_component_of_some_environments_is_declared_in_base_and_switched_where_fewer_lines() {
        let web = json!({"image": {"tag": "1"}, "replicaCount": 2});
        let debug = json!({"args": ["debug"], "replicaCount": 1});
        let with = json!({"components": {"web": web, "debug": debug}});
        let without = json!({"components": {"web": web}});
        // In one environment of three: off in base, on where it runs.
        let (base, overlays) = layers(&[&with, &without, &without]);
        assert_eq!(
            base["components"]["debug"],
            json!({"args": ["debug"], "replicaCount": 1, "enabled": false})
        );
        assert_eq!(
            overlays[0],
            Some(json!({"components": {"debug": {"enabled": true}}}))
        );
        assert_eq!(overlays[1], None);
        // Missing from one environment of three: on in base, off where it is missing.
        let (base, overlays) = layers(&[&with, &with, &without]);
        assert!(
            base["components"]["debug"].get("enabled").is_none(),
            "{base}"
        );
        assert_eq!(overlays[0], None);
        assert_eq!(
            overlays[2],
            Some(json!({"components": {"debug": {"enabled": false}}}))
        );
        // An environment without components deletes them (it renders the top level).
        let none = json!({"kind": "None"});
        let (base, overlays) = layers(&[&with, &none]);
        assert_eq!(base["components"]["web"], web);
        assert_eq!(
            overlays[1],
            Some(json!({"kind": "None", "components": null}))
        );
    }
}

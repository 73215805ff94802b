//! Several environments' values as one base and one overlay each: what every environment
//! has in common goes to base.yaml, each overlay holds only its differences (keyed maps
//! merge, so a difference is the changed leaf, not the whole map; a key base has and an
//! environment does not is `null` there).

use serde_json::{Map, Value as Json};

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
}

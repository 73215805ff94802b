//! Shared layers of an import: what a group of environments (at least two, not all) has alike
//! beyond base.yaml goes into `environments/_<name>.yaml`, which each environment of the group
//! names in its overlay (`kforge: {layers: [...]}`, docs/layers.md).
//!
//! Chosen greedily by lines saved: among every group of environments, the one whose shared
//! values (what their remaining overlays have alike) save the most values lines once written
//! as a layer (the lines the group's overlays lose, less the layer's own and a directive line
//! for an overlay naming its first layer) becomes a layer; its environments' overlays are
//! recomputed over it, and the search starts again, until no group saves a line. An
//! environment may thus build on several layers, named in the order they were chosen.

use serde_json::{Map, Value as Json};

use super::factor::{common, lines, overlay};

/// Environments past which only pairs are looked at (every group of up to this many
/// environments is, 2^n of them).
const EVERY_GROUP_UP_TO: usize = 12;

/// A shared layer: its name (the file `environments/_<name>.yaml`), the environments that
/// build on it (indexes into the environments), and its values.
#[derive(Debug, PartialEq)]
pub struct Layer {
    /// Its name.
    pub name: String,
    /// The environments naming it, in input order.
    pub envs: Vec<usize>,
    /// Its values.
    pub values: Json,
}

/// One environment's overlay over base and its layers.
#[derive(Debug, PartialEq)]
pub struct EnvOverlay {
    /// The layers it names, in order (indexes into the layers).
    pub layers: Vec<usize>,
    /// Its own differences (none when nothing is left).
    pub overlay: Option<Json>,
}

/// The shared layers of environments `names` whose values are `base` with `overlays` merged
/// over it, and each environment's overlay over base and the layers it names.
pub fn shared_layers(
    base: &Json,
    overlays: &[Option<Json>],
    names: &[&str],
) -> (Vec<Layer>, Vec<EnvOverlay>) {
    let n = overlays.len();
    let full: Vec<Json> = overlays.iter().map(|o| merged(base, o.as_ref())).collect();
    // Per environment: base and its layers so far, merged; what it still needs over them.
    let mut below: Vec<Json> = vec![base.clone(); n];
    let mut envs: Vec<EnvOverlay> = overlays
        .iter()
        .map(|o| EnvOverlay {
            layers: Vec::new(),
            overlay: o.clone(),
        })
        .collect();
    let mut layers: Vec<Layer> = Vec::new();
    if n < 3 {
        return (layers, envs);
    }
    let cost = |e: &EnvOverlay| -> usize {
        e.overlay.as_ref().map_or(0, lines) + usize::from(!e.layers.is_empty())
    };
    loop {
        let mut best: Option<(usize, Vec<usize>, Json)> = None;
        for group in groups(n) {
            let Some(parts) = group
                .iter()
                .map(|&i| envs[i].overlay.as_ref())
                .collect::<Option<Vec<&Json>>>()
            else {
                continue;
            };
            let Some(shared) =
                common(&parts).filter(|c| c.as_object().is_some_and(|m| !m.is_empty()))
            else {
                continue;
            };
            let before: usize = group.iter().map(|&i| cost(&envs[i])).sum();
            let after: usize = group
                .iter()
                .map(|&i| {
                    let rest = overlay(&merged(&below[i], Some(&shared)), &full[i]);
                    rest.as_ref().map_or(0, lines) + 1
                })
                .sum::<usize>()
                + lines(&shared);
            let saved = before.saturating_sub(after);
            if saved > 0 && best.as_ref().is_none_or(|(s, _, _)| saved > *s) {
                best = Some((saved, group, shared));
            }
        }
        let Some((_, group, shared)) = best else {
            break;
        };
        let index = layers.len();
        for &i in &group {
            below[i] = merged(&below[i], Some(&shared));
            envs[i].overlay = overlay(&below[i], &full[i]);
            envs[i].layers.push(index);
        }
        let name = layer_name(&group, names, &layers);
        layers.push(Layer {
            name,
            envs: group,
            values: shared,
        });
    }
    (layers, envs)
}

/// The groups of environments a layer may serve: at least two, not all; every one for up to
/// [`EVERY_GROUP_UP_TO`] environments, else the pairs.
fn groups(n: usize) -> Vec<Vec<usize>> {
    if n > EVERY_GROUP_UP_TO {
        return (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| vec![a, b]))
            .collect();
    }
    (1u32..(1 << n) - 1)
        .filter(|mask| mask.count_ones() >= 2)
        .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
        .collect()
}

/// A layer's name: its environments' names joined by `-` in input order
/// (`staging-production`), or, when that is too long for a file name, what it is made of.
fn layer_name(group: &[usize], names: &[&str], taken: &[Layer]) -> String {
    let joined = group
        .iter()
        .map(|&i| names[i])
        .collect::<Vec<_>>()
        .join("-");
    let mut name = if joined.len() <= 40 {
        joined
    } else {
        format!("{}-and-{}-more", names[group[0]], group.len() - 1)
    };
    name.truncate(56);
    let stem = name.clone();
    let mut k = 2;
    while taken.iter().any(|l| l.name == name) {
        name = format!("{stem}-{k}");
        k += 1;
    }
    name
}

/// `base` with `upper` merged over it as values layers merge: maps deeply, anything else
/// replaced, `null` deleting the key; a new key comes after those `base` has. Inside a
/// component's own values (`components.<name>`) a `null` is kept, as the values layers keep it
/// there (`values::components::own_values`): it deletes the shared key of that name, whichever
/// layer wrote it, so an overlay recomputed over a layer must still write it.
pub fn merged(base: &Json, upper: Option<&Json>) -> Json {
    let mut out = base.clone();
    if let Some(upper) = upper {
        merge_into(&mut out, upper, Depth::Root);
    }
    out
}

/// Where a merge is: at the root, in `components`, or in a component's own values (where a
/// `null` is kept as the value).
#[derive(Clone, Copy, PartialEq)]
enum Depth {
    Root,
    Components,
    Component,
}

fn merge_into(base: &mut Json, upper: &Json, depth: Depth) {
    let keep = depth == Depth::Component;
    match (base, upper) {
        (Json::Object(b), Json::Object(u)) => {
            for (k, v) in u {
                if v.is_null() && !keep {
                    b.shift_remove(k);
                    continue;
                }
                let inner = match depth {
                    Depth::Root if k == crate::values::COMPONENTS => Depth::Components,
                    Depth::Root => Depth::Root,
                    Depth::Components | Depth::Component => Depth::Component,
                };
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_into(existing, v, inner);
                    }
                    _ if keep || inner == Depth::Component => {
                        b.insert(k.clone(), v.clone());
                    }
                    _ => {
                        b.insert(k.clone(), without_nulls(v));
                    }
                }
            }
        }
        (b, u) if keep => *b = u.clone(),
        (b, u) => *b = without_nulls(u),
    }
}

/// A value written over nothing: its `null`s delete nothing and are dropped.
fn without_nulls(v: &Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect::<Map<String, Json>>(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each environment's values rebuilt from base, its layers and its overlay.
    fn rebuilt(base: &Json, layers: &[Layer], e: &EnvOverlay) -> Json {
        let mut v = base.clone();
        for &l in &e.layers {
            v = merged(&v, Some(&layers[l].values));
        }
        merged(&v, e.overlay.as_ref())
    }

    #[test]
    fn what_two_environments_of_three_share_is_one_layer_and_each_keeps_its_few_lines() {
        let base = json!({"image": {"repository": "app"}, "env": {"A": "1"}});
        let cloud = json!({
            "sidecars": {"proxy": {"image": {"repository": "proxy", "tag": "2"}, "args": ["--port=5432"]}},
            "env": {"DB": "127.0.0.1", "POOL": "10"},
            "replicaCount": 3,
        });
        let mut staging = cloud.clone();
        staging["replicaCount"] = json!(2);
        staging["env"]["LEVEL"] = json!("debug");
        let mut production = cloud.clone();
        production["replicaCount"] = json!(3);
        let dev = json!({"env": {"DB": "db.dev"}});
        let overlays = [Some(dev), Some(staging), Some(production)];
        let names = ["dev", "staging", "production"];
        let (layers, envs) = shared_layers(&base, &overlays, &names);
        assert_eq!(layers.len(), 1, "{layers:?}");
        assert_eq!(layers[0].name, "staging-production");
        assert_eq!(layers[0].envs, [1, 2]);
        assert_eq!(
            layers[0].values["sidecars"]["proxy"]["image"]["repository"],
            "proxy"
        );
        assert_eq!(envs[0].layers, Vec::<usize>::new());
        assert_eq!(
            envs[1].overlay,
            Some(json!({"replicaCount": 2, "env": {"LEVEL": "debug"}}))
        );
        assert_eq!(envs[2].overlay, Some(json!({"replicaCount": 3})));
        for (e, o) in envs.iter().zip(&overlays) {
            assert_eq!(rebuilt(&base, &layers, e), merged(&base, o.as_ref()));
        }
    }

    #[test]
    fn no_layer_when_it_saves_no_line_or_for_two_environments() {
        let base = json!({"a": 1});
        let o = [
            Some(json!({"b": 1})),
            Some(json!({"b": 1})),
            Some(json!({"b": 2})),
        ];
        // One shared line: a layer of it costs a line and a directive line in each overlay.
        let (layers, _) = shared_layers(&base, &o, &["x", "y", "z"]);
        assert!(layers.is_empty(), "{layers:?}");
        let two = [Some(json!({"b": 1, "c": 2})), Some(json!({"b": 1, "c": 2}))];
        assert!(shared_layers(&base, &two, &["x", "y"]).0.is_empty());
    }

    // Bank of Anthos: base shares the proxy sidecar, development's components delete it
    // (`sidecars: null`); once development builds on a layer, its overlay is recomputed over
    // base and the layer, and must still delete it (the values keep a component's `null`
    // whichever layer wrote it). It did not: the proxy rendered in development's pods.
    #[test]
    fn a_components_null_survives_an_overlay_recomputed_over_a_layer() {
        let base = json!({
            "sidecars": {"proxy": {"image": {"repository": "proxy"}}},
            "components": {"web": {"objectName": "web"}, "api": {"objectName": "api"}},
        });
        let shared = json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5});
        let dev = json!({"components": {"web": {"sidecars": null}, "api": {"sidecars": null}}, "y": shared});
        let staging = json!({"y": shared, "z": 3});
        let production = json!({"z": 3, "w": 4});
        let overlays = [Some(dev), Some(staging), Some(production)];
        let names = ["development", "staging", "production"];
        let (layers, envs) = shared_layers(&base, &overlays, &names);
        assert!(!layers.is_empty(), "{layers:?}");
        for (e, o) in envs.iter().zip(&overlays) {
            assert_eq!(rebuilt(&base, &layers, e), merged(&base, o.as_ref()));
        }
        let dev_web = &rebuilt(&base, &layers, &envs[0])["components"]["web"];
        assert_eq!(dev_web["sidecars"], Json::Null);
        assert!(dev_web.as_object().unwrap().contains_key("sidecars"));
        // Outside components, a `null` deletes.
        assert_eq!(
            merged(&base, Some(&json!({"sidecars": null})))["sidecars"],
            Json::Null
        );
        assert!(
            !merged(&base, Some(&json!({"sidecars": null})))
                .as_object()
                .unwrap()
                .contains_key("sidecars")
        );
    }

    #[test]
    fn merging_deletes_with_null_and_appends_new_keys() {
        let base = json!({"env": {"A": "1", "B": "2"}, "x": {"y": 1}});
        let got = merged(
            &base,
            Some(&json!({"env": {"C": "3", "A": "0"}, "x": null})),
        );
        assert_eq!(got, json!({"env": {"A": "0", "B": "2", "C": "3"}}));
        let keys: Vec<&String> = got["env"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["A", "B", "C"]);
    }
}

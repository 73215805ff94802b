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
pub fn base_and_overlays(values: &[&Json]) -> (Json, Vec<Option<Json>>) {
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
pub(super) fn lines(v: &Json) -> usize {
    crate::yaml::emit_document(&crate::yaml::from_json(v))
        .lines()
        .count()
}

/// The values every environment shares (none when they share nothing).
pub fn common(all: &[&Json]) -> Option<Json> {
    common_at(all, "")
}

/// Maps whose keys the built-in defaults give and the templates read as they are
/// (`values.serviceAccount.create`, `values.autoscaling.enabled`): a `null` in a component
/// would delete the default too, so what is shared of them is what every component has.
const WITH_DEFAULTS: &[&str] = &[
    "image",
    "serviceAccount",
    "service",
    "ingress",
    "autoscaling",
    "helmTest",
    "chart",
];

/// Keys shared only when every component has them alike: the component's kind (a Deployment
/// writes none).
const NEVER_EXCEPTED: &[&str] = &["kind"];

/// Keys whose value is shared or overridden whole, never leaf by leaf: a probe stays in one
/// place (not `initialDelaySeconds` in base and `httpGet` in each overlay), and so does a
/// Job's Helm hook (its phases not in base and its weight in an overlay).
const WHOLE: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe", "hook"];

/// Keyed maps whose order is meaning: env (a `$(VAR)` refers to variables before it) and init
/// containers (they run in order). Another layer's entries come after the ones below it, so
/// only a first run of entries, alike everywhere, is shared.
const ORDERED: &[&str] = &["env", "initContainers"];

/// The first entries every map of `maps` has, alike and in one order.
fn common_prefix(maps: &[&Map<String, Json>]) -> Map<String, Json> {
    let lists: Vec<Vec<(&String, &Json)>> = maps.iter().map(|m| m.iter().collect()).collect();
    let mut out = Map::new();
    for (i, (k, v)) in lists[0].iter().enumerate() {
        if lists.iter().all(|m| m.get(i) == Some(&(*k, *v))) {
            out.insert((*k).clone(), (*v).clone());
        } else {
            break;
        }
    }
    out
}

/// The first entries to share of ordered maps (env) and how many maps start with them: the
/// entries all of them have first, alike; else the first entries the most of them have alike
/// (at least two), when every other map has none of their names (it deletes them, and its own
/// entries keep their order; a map with one of them elsewhere could not keep its order).
fn ordered_prefix(maps: &[&Map<String, Json>]) -> (Map<String, Json>, usize) {
    let all = common_prefix(maps);
    if !all.is_empty() {
        return (all, maps.len());
    }
    let mut best: Option<(Map<String, Json>, usize)> = None;
    for m in maps {
        let Some(first) = m.iter().next() else {
            continue;
        };
        let group: Vec<&Map<String, Json>> = maps
            .iter()
            .filter(|o| o.iter().next() == Some(first))
            .copied()
            .collect();
        if group.len() < 2 || best.as_ref().is_some_and(|(_, n)| *n >= group.len()) {
            continue;
        }
        let prefix = common_prefix(&group);
        let others_clear = maps
            .iter()
            .filter(|o| o.iter().next() != Some(first))
            .all(|o| prefix.keys().all(|k| !o.contains_key(k)));
        if others_clear {
            best = Some((prefix, group.len()));
        }
    }
    best.unwrap_or_default()
}

/// [`common`] of the values under `key`. An ordered map ([`ORDERED`]) shares only the entries
/// that every side has first, in one order, with one value: an overlay's entries come after
/// base's, so sharing a later one would move it before others (and break `$(VAR)`).
fn common_at(all: &[&Json], key: &str) -> Option<Json> {
    let (first, rest) = all.split_first()?;
    if ORDERED.contains(&key) {
        let maps: Option<Vec<&Map<String, Json>>> = all.iter().map(|v| v.as_object()).collect();
        if let Some(maps) = maps {
            let out = common_prefix(&maps);
            return (!out.is_empty()).then_some(Json::Object(out));
        }
    }
    match first {
        Json::Object(m) if !WHOLE.contains(&key) => {
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

/// What the components of `all` share, with exceptions: a value most of the components that
/// have one have alike is written once when that saves lines (its copies, less a `null` line
/// for each component without it), and each component that differs overrides it (a component
/// without it deletes it with `null`). So a sidecar five components of eight run is
/// written once, with `sidecars: null` in the other three. Keys of [`WHOLE`] are compared whole,
/// [`ORDERED`] maps share their common first entries only among components that all have one.
pub fn shared_by_components(all: &[&Json]) -> Json {
    let maps: Vec<&Map<String, Json>> = all.iter().filter_map(|v| v.as_object()).collect();
    Json::Object(share_map(&maps, false).0)
}

/// The shared entries of `maps` and the lines sharing them saves; `strict`: shared only where
/// every map has the entry (inside a map of [`WITH_DEFAULTS`]).
fn share_map(maps: &[&Map<String, Json>], strict: bool) -> (Map<String, Json>, i64) {
    let mut keys: Vec<&String> = Vec::new();
    for m in maps {
        for k in m.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut out = Map::new();
    let mut saved = 0;
    for k in keys {
        let values: Vec<Option<&Json>> = maps.iter().map(|m| m.get(k)).collect();
        if let Some((v, s)) = share_value(k, &values, strict)
            && s > 0
        {
            out.insert(k.clone(), v);
            saved += s;
        }
    }
    (out, saved)
}

/// The value of `key` to share among the maps whose values at `key` are `values` (none where a
/// map lacks it), and the lines it saves: the lines of the copies no longer written, less a
/// `null` line for each map that lacks it (and for each key a whole value leaves out).
fn share_value(key: &str, values: &[Option<&Json>], strict: bool) -> Option<(Json, i64)> {
    let present: Vec<&Json> = values.iter().flatten().copied().collect();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let absent = count(values.len() - present.len());
    let strict = strict || WITH_DEFAULTS.contains(&key);
    if present.len() < 2 || (absent > 0 && (strict || NEVER_EXCEPTED.contains(&key))) {
        return None;
    }
    let maps: Option<Vec<&Map<String, Json>>> = present.iter().map(|v| v.as_object()).collect();
    if ORDERED.contains(&key) {
        let maps = maps?;
        let (prefix, having) = ordered_prefix(&maps);
        if prefix.is_empty() {
            return None;
        }
        // A map that does not start with it deletes each of its entries (it has none of
        // them: its own entries then come in its own order).
        let deletions = count((maps.len() - having) * prefix.len());
        let entry = lines(&Json::Object(prefix.clone()));
        let gross = (count(having) - 1) * count(entry) - deletions;
        return worth(gross, absent).then_some((Json::Object(prefix), gross - absent));
    }
    if let Some(maps) = maps.filter(|m| !WHOLE.contains(&key) && m.iter().all(|m| !m.is_empty())) {
        let (shared, saved) = share_map(&maps, strict);
        // The copies of `key:` no longer written, where all of a map is shared.
        let gross = saved + count(present.len()) - 1;
        return (!shared.is_empty() && worth(gross, absent))
            .then_some((Json::Object(shared), gross - absent));
    }
    // The value most of them have (the first of those met, on a tie).
    let mut best: Option<(&Json, usize)> = None;
    for v in &present {
        let n = present.iter().filter(|o| **o == *v).count();
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((v, n));
        }
    }
    let (value, n) = best?;
    // Shared only when most of those that have a value have it: not a value most override.
    if n < 2 || n * 2 <= present.len() {
        return None;
    }
    let mut entry = Map::new();
    entry.insert(key.to_string(), value.clone());
    let entry = lines(&Json::Object(entry));
    // A whole value overridden by another map deletes the keys it does not have.
    let left_out: usize = present
        .iter()
        .filter(|v| **v != value)
        .filter_map(|v| v.as_object())
        .map(|m| {
            value
                .as_object()
                .map_or(0, |w| w.keys().filter(|k| !m.contains_key(*k)).count())
        })
        .sum();
    let gross = (count(n) - 1) * count(entry) - count(left_out);
    worth(gross, absent).then(|| (value.clone(), gross - absent))
}

/// Whether a shared value that saves `gross` lines is worth the `null` line of each of the
/// `absent` components without it: a value every component has is shared when it saves a
/// line; one some lack, only when it saves three times the lines its exceptions take (a few
/// lines saved are not worth a shared value most of the components delete).
fn worth(gross: i64, absent: i64) -> bool {
    if absent == 0 {
        gross > 0
    } else {
        gross >= 3 * absent
    }
}

/// The built-in defaults (`chart-templates/values.yaml`) as JSON: the layer under base.yaml,
/// whose keys a `null` must delete.
pub fn builtin_defaults() -> Json {
    let set = crate::render::TemplateSet::builtin();
    set.defaults()
        .first()
        .and_then(|f| crate::yaml::parse_documents(&f.text, f, crate::yaml::Limits::default()).ok())
        .and_then(|docs| docs.first().map(crate::yaml::to_json))
        .unwrap_or_else(|| json!({}))
}

/// What every component of one environment's values `v` still writes alike in its own values
/// (`components.<name>`), and writes otherwise in another environment, moved to the
/// environment's top level, where the components' values are merged over it: Bank of Anthos's
/// `environment: development` label, which all nine components of development carry and none
/// of staging, is one `commonLabels` entry of that environment, not nine; a key every
/// component deletes (`sidecars: null`) is deleted from the top level instead (set to `null`
/// there where `defaults`, the built-in layer under it, has it). What a component writes alike
/// in every environment stays its own, to be shared across environments in base.yaml.
/// `elsewhere`: the other environments' components (each one's own values). Maps move their
/// qualifying entries only; a probe moves whole; env moves only a first run of entries (so
/// the order it renders in is the same). Nothing moves with fewer than two components.
pub fn lift_common(v: &mut Json, defaults: &Json, elsewhere: &[&Map<String, Json>]) {
    let Some(own) = v.get(COMPONENTS).and_then(Json::as_object) else {
        return;
    };
    if own.len() < 2 {
        return;
    }
    let all: Vec<&Json> = own.values().collect();
    let Some(Json::Object(lifted)) = common(&all) else {
        return;
    };
    let names: Vec<String> = own.keys().cloned().collect();
    let Some(top) = v.as_object_mut() else {
        return;
    };
    let mut components = top.remove(COMPONENTS).unwrap_or_default();
    let mut own: Vec<&mut Map<String, Json>> = components
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut().filter_map(Json::as_object_mut))
        .collect();
    // Whether some component writes `value` otherwise at `path` in another environment.
    let differs = |path: &[&str], value: &Json| {
        names.iter().any(|c| {
            elsewhere
                .iter()
                .filter_map(|e| e.get(c))
                .any(|other| path.iter().try_fold(other, |at, k| at.get(*k)) != Some(value))
        })
    };
    let mut place = Place {
        path: Vec::new(),
        differs: &differs,
    };
    lift_into(top, &mut own, &lifted, Some(defaults), &mut place);
    top.insert(COMPONENTS.into(), components);
}

/// Where [`lift_into`] is, and whether a value there is an environment's own.
struct Place<'a> {
    path: Vec<String>,
    differs: &'a dyn Fn(&[&str], &Json) -> bool,
}

impl Place<'_> {
    fn qualifies(&self, key: &str, value: &Json) -> bool {
        let mut path: Vec<&str> = self.path.iter().map(String::as_str).collect();
        path.push(key);
        (self.differs)(&path, value)
    }
}

/// Moves from `own` into `top` what of `lifted` (what every map of `own` has alike) is the
/// environment's own ([`Place::qualifies`]); `defaults`: the built-in values at this place.
/// Whether anything moved.
fn lift_into(
    top: &mut Map<String, Json>,
    own: &mut [&mut Map<String, Json>],
    lifted: &Map<String, Json>,
    defaults: Option<&Json>,
    place: &mut Place<'_>,
) -> bool {
    let ordered = place
        .path
        .last()
        .is_some_and(|k| ORDERED.contains(&k.as_str()));
    let mut moved = false;
    for (k, value) in lifted {
        if place.path.is_empty() && (k == ENABLED || NEVER_EXCEPTED.contains(&k.as_str())) {
            continue;
        }
        let default = defaults.and_then(|d| d.get(k));
        match value {
            Json::Object(entries) if !WHOLE.contains(&k.as_str()) && !ordered => {
                // Merged over the top level's map: the entries move, the rest stays the
                // components' own.
                let mut inner: Vec<&mut Map<String, Json>> = own
                    .iter_mut()
                    .filter_map(|m| m.get_mut(k).and_then(Json::as_object_mut))
                    .collect();
                let mut at = match top.get(k) {
                    Some(Json::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                place.path.push(k.clone());
                let any = lift_into(&mut at, &mut inner, entries, default, place);
                place.path.pop();
                if !any {
                    continue;
                }
                moved = true;
                top.insert(k.clone(), Json::Object(at));
                // A map left empty adds nothing to the top level's.
                for m in own.iter_mut() {
                    if m.get(k)
                        .and_then(Json::as_object)
                        .is_some_and(Map::is_empty)
                    {
                        m.shift_remove(k);
                    }
                }
            }
            _ if !place.qualifies(k, value) => {
                // The entries of an ordered map after it stay too (their order is meaning).
                if ordered {
                    break;
                }
            }
            Json::Null => {
                // Every component deletes it: the top level has it no more.
                if default.is_some() {
                    top.insert(k.clone(), Json::Null);
                } else {
                    top.shift_remove(k);
                }
                for m in own.iter_mut() {
                    m.shift_remove(k);
                }
                moved = true;
            }
            other => {
                // Replaced whole: what the components render (their `null`s applied to the
                // top level's value).
                let was = top.get(k).cloned().unwrap_or(Json::Null);
                top.insert(k.clone(), applied(&was, other));
                for m in own.iter_mut() {
                    m.shift_remove(k);
                }
                moved = true;
            }
        }
    }
    moved
}

/// `upper` merged over `base` as a component's value is over the shared one: maps deeply,
/// anything else replaced, a `null` deleting the key.
fn applied(base: &Json, upper: &Json) -> Json {
    match (base, upper) {
        (Json::Object(b), Json::Object(u)) => {
            let mut out = b.clone();
            for (k, v) in u {
                if v.is_null() {
                    out.shift_remove(k);
                    continue;
                }
                let merged = applied(out.get(k).unwrap_or(&Json::Null), v);
                out.insert(k.clone(), merged);
            }
            Json::Object(out)
        }
        (_, Json::Object(u)) => applied(&json!({}), &Json::Object(u.clone())),
        (_, u) => u.clone(),
    }
}

/// What `env` needs over `base` to become itself (none when nothing).
pub fn overlay(base: &Json, env: &Json) -> Option<Json> {
    match (base, env) {
        (Json::Object(b), Json::Object(e)) => {
            let mut out = Map::new();
            for (k, v) in e {
                match b.get(k) {
                    Some(bv) if WHOLE.contains(&k.as_str()) => {
                        if let Some(d) = whole(bv, v) {
                            out.insert(k.clone(), d);
                        }
                    }
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

/// `env` written whole over `base` (none when alike): what it has, and `null` for each key of
/// `base` it does not have, at every depth (the layers merge maps, so the rest of `base` would
/// stay).
fn whole(base: &Json, env: &Json) -> Option<Json> {
    (base != env).then(|| with_deletions(base, env))
}

fn with_deletions(base: &Json, env: &Json) -> Json {
    match (base, env) {
        (Json::Object(b), Json::Object(e)) => {
            let mut out = Map::new();
            for (k, v) in e {
                match b.get(k) {
                    Some(bv) => out.insert(k.clone(), with_deletions(bv, v)),
                    None => out.insert(k.clone(), v.clone()),
                };
            }
            for k in b.keys() {
                if !e.contains_key(k) {
                    out.insert(k.clone(), Json::Null);
                }
            }
            Json::Object(out)
        }
        (_, e) => e.clone(),
    }
}

#[cfg(test)]
#[path = "factor_tests.rs"]
mod tests;

//! The values as templates see them. minijinja's maps iterate in key order; that order is kept
//! (golden files depend on it) except for `env` maps, which iterate in the order their keys
//! were written (base first, then each overlay's new keys), so that `$(VAR)` references to
//! earlier variables work as Kubernetes expands them.

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as JValue};
use serde_json::Value as Json;

/// The key whose maps keep their written order.
const ORDERED_KEY: &str = "env";

/// Under this key (rendered config files) every map keeps key order, as before.
const PLAIN_KEY: &str = "configFiles";

/// A map that iterates in written order.
#[derive(Debug)]
pub struct OrderedMap(pub IndexMap<String, JValue>);

impl Object for OrderedMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        self.0.get(key.as_str()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.keys().map(|k| JValue::from(k.as_str())).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The template value of JSON values (`yaml::to_json` keeps written order).
pub fn template_value(json: &Json) -> JValue {
    convert(json, false)
}

fn convert(json: &Json, ordered: bool) -> JValue {
    match json {
        Json::Object(map) => {
            let entries = map.iter().map(|(k, v)| {
                let child = if k == PLAIN_KEY {
                    JValue::from_serialize(v)
                } else {
                    convert(v, k == ORDERED_KEY)
                };
                (k.clone(), child)
            });
            if ordered {
                JValue::from_object(OrderedMap(entries.collect()))
            } else {
                JValue::from(entries.collect::<BTreeMap<String, JValue>>())
            }
        }
        Json::Array(items) => JValue::from(
            items
                .iter()
                .map(|v| convert(v, false))
                .collect::<Vec<JValue>>(),
        ),
        other => JValue::from_serialize(other),
    }
}

/// `a | merge(b)`: b's entries over a's; in written order (a's keys, then b's new ones) when
/// `a` is an [`OrderedMap`], else in key order.
pub fn merge_maps(a: JValue, b: JValue) -> Result<JValue, minijinja::Error> {
    let keep_order = a.downcast_object_ref::<OrderedMap>().is_some();
    let mut ordered = IndexMap::new();
    let mut sorted = BTreeMap::new();
    for m in [&a, &b] {
        if m.is_none() || m.is_undefined() {
            continue;
        }
        for key in m.try_iter()? {
            let v = m.get_item(&key)?;
            if keep_order {
                ordered.insert(key.to_string(), v);
            } else {
                sorted.insert(key, v);
            }
        }
    }
    Ok(if keep_order {
        JValue::from_object(OrderedMap(ordered))
    } else {
        JValue::from(sorted)
    })
}

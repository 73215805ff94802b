//! ServiceAccounts as the `serviceAccount` values of the component whose pods run under them:
//! `create: true`, with the account's own labels (when not the component's) and annotations.
//! An account no component names, or one with a field the values have no key for, stays
//! verbatim with the reason.

use serde_json::{Map, Value as Json, json};

use super::map::{Mapped, Object};
use crate::diff::Key;

/// Gives each ServiceAccount of `objects` (except those in `keep`) to the first component of
/// `out` whose pods name it in their namespace; an account that cannot be said gets a reason.
pub fn map_accounts(objects: &[Object], keep: &[Key], out: &mut Mapped) {
    for sa in objects {
        if sa.key.kind != "ServiceAccount" || keep.contains(&sa.key) {
            continue;
        }
        let owner = out.covers.iter().position(|(name, keys)| {
            keys.first()
                .is_some_and(|w| w.namespace == sa.key.namespace && w.kind != "ServiceAccount")
                && out.components.get(name).is_some_and(|c| {
                    c.pointer("/serviceAccount/name") == Some(&json!(sa.key.name))
                        && c.pointer("/serviceAccount/create") != Some(&json!(true))
                })
        });
        let Some(owner) = owner else { continue };
        let name = out.covers[owner].0.clone();
        let Some(component) = out.components.get_mut(&name) else {
            continue;
        };
        match account(&sa.json, component) {
            Ok(fields) => {
                if let Some(account) = component
                    .get_mut("serviceAccount")
                    .and_then(Json::as_object_mut)
                {
                    account.extend(fields);
                }
                out.covers[owner].1.push(sa.key.clone());
            }
            Err(why) => out.reasons.push((sa.key.clone(), why)),
        }
    }
}

/// The values that render `sa` for `component` (whose `serviceAccount.name` is its name).
fn account(sa: &Json, component: &Json) -> Result<Map<String, Json>, String> {
    if sa["apiVersion"] != "v1" {
        return Err("its apiVersion is not v1".into());
    }
    let obj = sa.as_object().ok_or("it is not a map")?;
    if let Some(k) = obj.keys().find(|k| {
        ![
            "apiVersion",
            "kind",
            "metadata",
            "automountServiceAccountToken",
        ]
        .contains(&k.as_str())
    }) {
        return Err(format!("its {k}: the values have no key for it"));
    }
    let meta = sa["metadata"].as_object().ok_or("it has no metadata")?;
    if let Some(k) = meta
        .keys()
        .find(|k| !["name", "namespace", "labels", "annotations"].contains(&k.as_str()))
    {
        return Err(format!("its metadata.{k}: the values have no key for it"));
    }
    // One `automount` says both the pod's and the account's automountServiceAccountToken.
    if sa.get("automountServiceAccountToken") != component.pointer("/serviceAccount/automount") {
        return Err(
            "its automountServiceAccountToken is not its pods': one value (serviceAccount.automount) says both"
                .into(),
        );
    }
    let mut v = Map::new();
    v.insert("create".into(), json!(true));
    let labels = meta.get("labels").cloned().unwrap_or(json!({}));
    let common = component.get("commonLabels").cloned().unwrap_or(json!({}));
    if labels != common {
        v.insert("labels".into(), labels);
    }
    if let Some(a) = meta
        .get("annotations")
        .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
    {
        v.insert("annotations".into(), a.clone());
    }
    Ok(v)
}

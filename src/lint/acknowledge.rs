//! Acknowledged upgrade findings: `acknowledge:` in kforge-lint.yaml. An upgrade rule cannot be
//! disabled, for a run or by an object's annotation: a deliberate recreate (or removal) is
//! acknowledged for one object, one rule and one release, so the next release is checked again.
//!
//! ```yaml
//! acknowledge:
//!   - rule: immutable-selector
//!     object: Deployment/shop-web     # Kind/name, or Kind/namespace/name
//!     release: 1.0.1                  # the chart version being released
//!     environments: [prod]            # optional: default, every environment
//!     reason: deleted with --cascade=orphan before the upgrade (runbook 42)
//! ```

use super::rules::{Category, RULES, rule};
use crate::diag::{Diagnostic, did_you_mean};
use crate::yaml::{Node, Origin, Value};

/// One acknowledged upgrade finding.
#[derive(Clone, Debug)]
pub struct Acknowledgement {
    /// The upgrade rule.
    pub rule: String,
    /// The object's kind.
    pub kind: String,
    /// The object's namespace, when the acknowledgement names one.
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// The chart version the acknowledgement is for.
    pub release: String,
    /// The environments it is for (empty: every one).
    pub environments: Vec<String>,
    /// Why the finding is acknowledged.
    pub reason: String,
    /// Where it is written.
    pub origin: Origin,
}

impl Acknowledgement {
    /// Whether this acknowledges `rule` on the object `kind` `namespace`/`name` in release
    /// `version` of `env`.
    pub fn covers(
        &self,
        rule: &str,
        (kind, namespace, name): (&str, &str, &str),
        version: &str,
        env: &str,
    ) -> bool {
        self.rule == rule
            && self.kind == kind
            && self.name == name
            && self.namespace.as_deref().is_none_or(|n| n == namespace)
            && self.release == version
            && (self.environments.is_empty() || self.environments.iter().any(|e| e == env))
    }

    /// `Kind/name` or `Kind/namespace/name`, as written.
    pub fn object(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

const KEYS: [&str; 5] = ["rule", "object", "release", "environments", "reason"];

/// The `acknowledge:` list of kforge-lint.yaml, or the problems in it.
pub(super) fn parse(node: &Node) -> Result<Vec<Acknowledgement>, Vec<Diagnostic>> {
    let bad = |n: &Node, key: &str, msg: String, help: &str| {
        Diagnostic::error(msg)
            .at(n.origin.clone())
            .key(key)
            .help(help.to_string())
    };
    let Value::Seq(items) = &node.value else {
        return Err(vec![bad(
            node,
            "acknowledge",
            "`acknowledge` must be a list of acknowledged upgrade findings".into(),
            "e.g. acknowledge: [{rule: immutable-selector, object: Deployment/web, release: 1.0.1, reason: ...}]",
        )]);
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("acknowledge[{i}]");
        let Some(map) = item.as_map() else {
            problems.push(bad(
                item,
                &at,
                "an acknowledgement must be a map".into(),
                "write rule:, object:, release: and reason:",
            ));
            continue;
        };
        for (key, n) in map {
            if !KEYS.contains(&key.as_str()) {
                let hint = match did_you_mean(key, KEYS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys: {}", KEYS.join(", ")),
                };
                problems.push(bad(
                    n,
                    &format!("{at}.{key}"),
                    format!("unknown key `{key}`"),
                    &hint,
                ));
            }
        }
        let text = |key: &str| -> Result<String, Diagnostic> {
            match map.get(key) {
                Some(n) => super::provenance::scalar_text(n)
                    .map(std::borrow::Cow::into_owned)
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        bad(
                            n,
                            &format!("{at}.{key}"),
                            format!("`{key}` must be a non-empty string"),
                            "quote it if it looks like a number",
                        )
                    }),
                None => Err(bad(
                    item,
                    &at,
                    format!("the acknowledgement has no `{key}`"),
                    "an acknowledgement names the rule, the object (Kind/name), the release (chart version) and the reason",
                )),
            }
        };
        let fields = (
            text("rule"),
            text("object"),
            text("release"),
            text("reason"),
        );
        let (rule_id, object, release, reason) = match fields {
            (Ok(a), Ok(b), Ok(c), Ok(d)) => (a, b, c, d),
            (a, b, c, d) => {
                problems.extend([a.err(), b.err(), c.err(), d.err()].into_iter().flatten());
                continue;
            }
        };
        match rule(&rule_id) {
            Some(r) if r.category == Category::Upgrade => {}
            _ => {
                let upgrade = RULES
                    .iter()
                    .filter(|r| r.category == Category::Upgrade)
                    .map(|r| r.id);
                let hint = match did_you_mean(&rule_id, upgrade.clone()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "upgrade rules: {}; other rules are silenced with `disable:` or the kforge.io/ignore annotation",
                        upgrade.collect::<Vec<_>>().join(", ")
                    ),
                };
                problems.push(bad(
                    &map["rule"],
                    &format!("{at}.rule"),
                    format!("`{rule_id}` is not an upgrade rule"),
                    &hint,
                ));
                continue;
            }
        }
        let parts: Vec<&str> = object.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [k, n] if !k.is_empty() && !n.is_empty() => (*k, None, *n),
            [k, ns, n] if !k.is_empty() && !ns.is_empty() && !n.is_empty() => {
                (*k, Some(ns.to_string()), *n)
            }
            _ => {
                problems.push(bad(
                    &map["object"],
                    &format!("{at}.object"),
                    format!("`{object}` is not Kind/name or Kind/namespace/name"),
                    "e.g. object: Deployment/shop-web",
                ));
                continue;
            }
        };
        if let Err(e) = semver::Version::parse(&release) {
            problems.push(bad(
                &map["release"],
                &format!("{at}.release"),
                format!("release `{release}` is not a SemVer 2 version: {e}"),
                "write the chart version of the release the change ships in, e.g. release: 1.0.1",
            ));
            continue;
        }
        let environments = match map.get("environments") {
            None => Vec::new(),
            Some(n) => match &n.value {
                Value::Seq(envs) => match envs
                    .iter()
                    .map(|e| e.as_str().map(str::to_string))
                    .collect()
                {
                    Some(list) => list,
                    None => {
                        problems.push(bad(
                            n,
                            &format!("{at}.environments"),
                            "`environments` must be a list of environment names".into(),
                            "e.g. environments: [prod]",
                        ));
                        continue;
                    }
                },
                _ => {
                    problems.push(bad(
                        n,
                        &format!("{at}.environments"),
                        "`environments` must be a list of environment names".into(),
                        "e.g. environments: [prod]",
                    ));
                    continue;
                }
            },
        };
        out.push(Acknowledgement {
            rule: rule_id,
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
            release,
            environments,
            reason,
            origin: item.origin.clone(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

//! Writing an imported project: environments/ (base.yaml and one overlay per environment),
//! chart-templates/ (the objects kept verbatim), kforge-lint.yaml, golden/.

use std::path::Path;

use serde_json::{Value as Json, json};

use super::Plan;
use super::factor::{common, overlay};
use crate::fs::{Error, replace_dir, write_atomically};
use crate::yaml::{Map, Node, Origin, Value, emit_document};

/// Writes the project of `plan` into `dir` (replacing what an earlier round wrote).
pub fn project(dir: &Path, envs: &[&str], plan: &Plan, disabled: &[String]) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(format!("creating {}", dir.display()), e))?;
    let all: Vec<&Json> = plan.values.iter().map(|(_, v)| v).collect();
    let shared = common(&all).unwrap_or_else(|| json!({}));
    let name = super::map::component_name(
        &std::fs::canonicalize(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
    );
    let mut base = json!({"chart": {"name": name, "version": "0.1.0"}});
    for (k, v) in shared.as_object().into_iter().flatten() {
        base[k] = v.clone();
    }
    let mut files = vec![(
        "base.yaml".to_string(),
        format!(
            "# Imported by `kforge import` from {}.\n# Values every environment shares; each overlay holds its differences.\n{}",
            envs.join(", "),
            emit(&base)
        ),
    )];
    for (env, values) in &plan.values {
        let text = match overlay(&shared, values) {
            Some(o) => emit(&o),
            None => String::new(),
        };
        files.push((
            format!("{env}.yaml"),
            format!("# {env}: its differences from base.yaml.\n{text}"),
        ));
    }
    replace_dir(&dir.join("environments"), &files)?;
    let first = plan.covers.first().map(|(c, _)| c.as_str());
    let templates: Vec<(String, String)> = plan
        .verbatim
        .iter()
        .map(|(key, variants)| {
            let why = plan
                .kept
                .iter()
                .find(|(k, _)| k == key)
                .map_or("", |(_, w)| w.as_str());
            (
                template_name(&key.0, &key.1, &key.2),
                verbatim(first, envs, variants, why),
            )
        })
        .collect();
    replace_dir(&dir.join("chart-templates"), &templates)?;
    config_sets(&dir.join(crate::render::CONFIG_DIR), &plan.config_files)?;
    let lint = if disabled.is_empty() {
        "# kforge lint settings (see docs/rules.md).\n".to_string()
    } else {
        format!(
            "# Rules the imported manifests did not pass; fix them and remove them from this list.\ndisable:\n{}",
            disabled
                .iter()
                .map(|r| format!("  - {r}\n"))
                .collect::<String>()
        )
    };
    write_atomically(&dir.join(crate::lint::CONFIG_FILE), lint.as_bytes())
}

/// Writes config/<set>/ of each set, and removes the folders of sets an earlier round wrote.
fn config_sets(dir: &Path, sets: &[(String, Vec<(String, String)>)]) -> Result<(), Error> {
    if dir.is_dir() {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::new(format!("reading {}", dir.display()), e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && !sets.iter().any(|(s, _)| *s == name) {
                std::fs::remove_dir_all(entry.path())
                    .map_err(|e| Error::new(format!("removing {}", entry.path().display()), e))?;
            }
        }
    }
    for (set, files) in sets {
        replace_dir(&dir.join(set), files)?;
    }
    Ok(())
}

/// Writes golden/<env>/ from rendered files.
pub fn golden(dir: &Path, env: &str, files: &[(String, String)]) -> Result<(), Error> {
    replace_dir(&dir.join("golden").join(env), files)
}

/// Lines of environments/*.yaml, comments and blank lines left out.
pub fn values_lines(dir: &Path) -> Result<usize, Error> {
    let env_dir = dir.join("environments");
    let mut n = 0;
    let entries = std::fs::read_dir(&env_dir)
        .map_err(|e| Error::new(format!("reading {}", env_dir.display()), e))?;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path())
            .map_err(|e| Error::new(format!("reading {}", entry.path().display()), e))?;
        n += text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
    }
    Ok(n)
}

fn template_name(kind: &str, ns: &str, name: &str) -> String {
    let mut s = format!("imported-{}", kind.to_ascii_lowercase());
    if !ns.is_empty() {
        s.push('-');
        s.push_str(ns);
    }
    s.push('-');
    s.push_str(name);
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{s}.yaml")
}

/// A project template holding an object as written, per environment (one variant per distinct
/// text), rendered once (with the first component, or without components); its first line
/// says why it is kept.
fn verbatim(
    first: Option<&str>,
    envs: &[&str],
    variants: &[(String, String)],
    why: &str,
) -> String {
    let guard = match first {
        Some(c) => format!(
            "{{% if component == {} %}}\n",
            serde_json::to_string(c).unwrap_or_default()
        ),
        None => "{% if not component %}\n".to_string(),
    };
    // A reason can quote the input (a key, a host): `#}` there would end the comment early.
    let mut out = format!(
        "{{#- Kept verbatim by `kforge import`: {}. -#}}\n",
        why.replace("#}", "# }")
    );
    out.push_str(&guard);
    let mut texts: Vec<(&str, Vec<&str>)> = Vec::new();
    for (env, text) in variants {
        match texts.iter_mut().find(|(t, _)| *t == text.as_str()) {
            Some((_, e)) => e.push(env),
            None => texts.push((text, vec![env])),
        }
    }
    for (i, (text, in_envs)) in texts.iter().enumerate() {
        let all = in_envs.len() == envs.len();
        if !all {
            let list = serde_json::to_string(in_envs).unwrap_or_default();
            out.push_str(&format!(
                "{{% {} environment in {list} %}}\n",
                if i == 0 { "if" } else { "elif" }
            ));
        } else if i > 0 {
            out.push_str("{% else %}\n");
        }
        out.push_str("{% raw %}\n");
        // Inside raw only `{% endraw %}` ends it; every `{%` leaves raw for a moment to be safe.
        let escaped = text.replace("{%", "{% endraw %}{{ \"{%\" | safe }}{% raw %}");
        // An object in its environment's one namespace takes it from the values.
        // (the newline after `{% raw %}` is trimmed: a second one keeps the line)
        let escaped = escaped.replace(
            &format!("namespace: {}", super::NAMESPACE_PLACEHOLDER),
            "namespace: {% endraw %}{{ values.namespace }}{% raw %}\n",
        );
        // Labels that are the first component's commonLabels take them from the values.
        out.push_str(&escaped.replace(
            &format!("labels: {}", super::LABELS_PLACEHOLDER),
            "labels: {% endraw %}{{ values.commonLabels }}{% raw %}\n",
        ));
        out.push_str("{% endraw %}\n");
    }
    if texts.iter().any(|(_, e)| e.len() != envs.len()) {
        out.push_str("{% endif %}\n");
    }
    out.push_str("{% endif %}\n");
    out
}

/// YAML of JSON values.
fn emit(v: &Json) -> String {
    emit_document(&node(v))
}

fn node(v: &Json) -> Node {
    let value = match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Seq(items.iter().map(node).collect()),
        Json::Object(m) => {
            let mut map = Map::default();
            for (k, v) in m {
                map.insert(k.clone(), node(v));
            }
            Value::Map(map)
        }
    };
    Node::new(value, Origin::Generated)
}

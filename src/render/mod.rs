//! Rendering: minijinja with strict undefined and JSON auto-escaping (so every `{{ value }}`
//! lands in the YAML as data, never as markup), then parse back into documents.

mod documents;
mod templates;

use minijinja::value::Value as JValue;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

pub use documents::{Document, sort_install_order, to_json_list, to_yaml_stream};
pub use templates::TemplateSet;

use crate::chart::ChartMeta;
use crate::diag::{Diagnostic, Diagnostics};
use crate::yaml::{Limits, Node, Origin, SourceFile, Value, parse_documents, to_json};

/// Upper bound on template work (minijinja fuel), against runaway loops.
const FUEL: u64 = 50_000_000;

/// Renders every template of `set` with `values`, returning documents in install order.
pub fn render_env(
    set: &TemplateSet,
    values: &Node,
    chart: &ChartMeta,
    environment: &str,
) -> Result<Vec<Document>, Diagnostics> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Json);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_fuel(Some(FUEL));
    env.add_filter("merge", merge_maps);
    env.add_global("values", JValue::from_serialize(to_json(values)));
    env.add_global("chart", JValue::from_serialize(chart));
    env.add_global("environment", environment);
    let mut problems = Vec::new();
    for (name, file) in set.sources() {
        if let Err(e) = env.add_template_owned(name.to_string(), file.text.clone()) {
            problems.push(template_error(set, &e));
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    let mut docs = Vec::new();
    for (name, file) in set.renderable() {
        let rendered = match env.get_template(name).and_then(|t| t.render(())) {
            Ok(text) => text,
            Err(e) => {
                problems.push(template_error(set, &e));
                continue;
            }
        };
        let out_file = SourceFile::new(format!("{} (rendered)", file.display), rendered);
        match parse_documents(&out_file.text, &out_file, Limits::default()) {
            Ok(nodes) => {
                for (index, node) in nodes.into_iter().enumerate() {
                    match &node.value {
                        Value::Null => {}
                        Value::Map(_) => docs.push(Document::new(name, index, node)),
                        other => problems.push(
                            Diagnostic::error(format!(
                                "template output must be Kubernetes objects (maps), found a {}",
                                other.type_name()
                            ))
                            .at(node.origin.clone()),
                        ),
                    }
                }
            }
            Err(e) => problems.push(
                Diagnostic::from(e).help(format!(
                    "the output of {} is not valid YAML; check its indentation and that values are inserted with {{{{ }}}} (emitted as JSON)",
                    file.display
                )),
            ),
        }
    }
    for doc in &docs {
        for field in ["apiVersion", "kind"] {
            if doc
                .node
                .get_path(&[field])
                .and_then(Node::as_str)
                .is_none_or(str::is_empty)
            {
                problems.push(
                    Diagnostic::error(format!(
                        "a document rendered by {} has no `{field}`",
                        doc.template
                    ))
                    .at(doc.node.origin.clone()),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    sort_install_order(&mut docs);
    Ok(docs)
}

/// `{{ a | merge(b) }}`: a map with b's entries over a's.
fn merge_maps(a: JValue, b: JValue) -> Result<JValue, minijinja::Error> {
    let mut out = std::collections::BTreeMap::new();
    for m in [&a, &b] {
        if m.is_none() || m.is_undefined() {
            continue;
        }
        for key in m.try_iter()? {
            let v = m.get_item(&key)?;
            out.insert(key, v);
        }
    }
    Ok(JValue::from(out))
}

fn template_error(set: &TemplateSet, err: &minijinja::Error) -> Diagnostic {
    let name = err.name().unwrap_or("?");
    let file = set.file(name);
    let mut message = format!("template {name}: {}", err.kind());
    if let Some(detail) = err.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    let mut d = Diagnostic::error(message);
    if let (Some(file), Some(line)) = (file, err.line()) {
        let col = err
            .range()
            .and_then(|r| {
                let start = file.text.get(..r.start)?;
                Some(start.len() - start.rfind('\n').map_or(0, |i| i + 1) + 1)
            })
            .unwrap_or(1);
        d = d.at(Origin::File {
            file: file.clone(),
            line,
            col,
        });
    }
    if err.kind() == minijinja::ErrorKind::UndefinedError {
        d = d.help("the value is not set in any layer; set it in the values, or guard it with `is defined`");
    }
    d
}

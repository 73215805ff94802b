//! Rendering: minijinja with strict undefined and JSON auto-escaping (so every `{{ value }}`
//! lands in the YAML as data, never as markup), then parse back into documents.

mod compiled;
mod config;
mod filters;
mod limits;
mod ordered;
mod templates;
pub mod watchdog;

use minijinja::value::Value as JValue;

pub use config::{
    CONFIG_DIR, ConfigSets, MAX_CONFIG_MAP_BYTES, MAX_CONFIG_SET_SOURCE_BYTES,
    MAX_CONFIG_SOURCE_BYTES, is_config_map_key,
};
pub use limits::{FUEL, MAX_OUTPUT_BYTES, RunLimits};
pub use templates::{TEMPLATE_FILES, TemplateSet, TemplateSetError};

use compiled::Compiled;

use crate::chart::ChartMeta;
use crate::diag::{Diagnostic, Diagnostics};
use crate::manifest::{Document, sort_install_order};
use crate::yaml::{Limits, Node, Origin, SourceFile, Value, parse_documents, to_json};

/// What templates see: the template globals `values`, `chart` and `environment`. One struct,
/// so a new global (a component being rendered) is a new field, not a new argument everywhere.
#[derive(Clone, Copy)]
pub struct RenderContext<'a> {
    /// The merged values (`values`).
    pub values: &'a Node,
    /// Chart metadata (`chart`).
    pub chart: &'a ChartMeta,
    /// The environment's name (`environment`).
    pub environment: &'a str,
    /// The component being rendered (`component`), none for a one-component project.
    pub component: Option<&'a str>,
}

/// Renders every template of `set` in `ctx`, returning documents in install order.
pub fn render_env(
    set: &TemplateSet,
    ctx: &RenderContext<'_>,
) -> Result<Vec<Document>, Diagnostics> {
    let RenderContext {
        values,
        chart,
        environment,
        component,
    } = *ctx;
    let json = to_json(values);
    let (compiled, kind) = compiled::environment(set, &json);
    let mut env = match compiled {
        Ok(env) => env,
        Err(errors) => {
            return Err(Diagnostics(
                errors
                    .iter()
                    .map(|e| template_error(set, e, values))
                    .collect(),
            ));
        }
    };
    let budget =
        limits::Budget::new(limits::json_size(&json), set.limits.output_bytes).map_err(|over| {
            Diagnostics(vec![Diagnostic::error(over.message("values")).help(
                "values are held in memory by every template run; keep large data out of them",
            )])
        })?;
    budget.install(&mut env);
    env.add_global("values", ordered::template_value(&json));
    env.add_global("chart", JValue::from_serialize(chart));
    env.add_global("environment", environment);
    env.add_global("component", JValue::from_serialize(component));
    env.add_global("release", release_name(values, chart));
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    let running = watchdog::Running::start(environment);
    let compiled = set.compiled.get();
    for (name, file) in set.renderable() {
        if compiled.is_some_and(|c| c.skipped(name, kind)) {
            continue;
        }
        running.at(&file.display);
        let rendered = match env
            .get_template(name)
            .map_err(limits::RunFailed::Template)
            .and_then(|t| limits::render(&t, &budget))
        {
            Ok(text) => text,
            Err(limits::RunFailed::Template(e)) => {
                problems.push(template_error(set, &e, values));
                continue;
            }
            Err(limits::RunFailed::OverBudget(over)) => {
                problems.push(Diagnostic::error(over.message(&file.display)));
                break;
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
                            .at(node.origin.clone())
                            .help(raw_text_hint(file)),
                        ),
                    }
                }
            }
            Err(e) => problems.push(Diagnostic::from(e).help(format!(
                "the output of {} is not valid YAML; check its indentation; {}",
                file.display,
                raw_text_hint(file)
            ))),
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

/// What to do when a template's output is not YAML objects: text that is not a value is
/// inserted raw. A `{% set x %}…{% endset %}` block is named when the template has one.
fn raw_text_hint(file: &SourceFile) -> String {
    let set_block = file.text.match_indices("{%").find_map(|(i, _)| {
        let tag = file.text[i + 2..]
            .trim_start_matches(['-', '+'])
            .trim_start();
        let name = tag.strip_prefix("set ")?.trim_start();
        let end = name.find("%}")?;
        let name = name[..end].trim_end_matches(['-', '+']).trim();
        (!name.is_empty() && !name.contains('=')).then(|| name.to_string())
    });
    match set_block {
        Some(name) => format!(
            "`{{% set {name} %}}…{{% endset %}}` captures text, which `{{{{ {name} }}}}` inserts raw, not as a value: write `{{{{ {name} | tojson }}}}`, or `{{% set {name} = … %}}`"
        ),
        None => "`{{ x }}` inserts a value as JSON, but text (a `{% set %}` block, a macro's output, `| safe`) is inserted raw: pipe a value through `| tojson`".to_string(),
    }
}

/// The release name, the one definition of it: fullnameOverride, else nameOverride, else the
/// chart name, at most 63 characters, without a leading or trailing `-`. Templates see it as the
/// global `release` (`h.release`); config sets' ConfigMaps are named after it.
pub fn release_name(values: &Node, chart: &ChartMeta) -> String {
    let text = |key: &str| {
        values
            .get_path(&[key])
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
    };
    let name = text("fullnameOverride")
        .or_else(|| text("nameOverride"))
        .unwrap_or(&chart.name);
    let cut: String = name.chars().take(63).collect();
    cut.trim_matches('-').to_string()
}

/// Filters a template can use: minijinja's built-ins (ours are [`filters::NAMES`]), for
/// did-you-mean.
const FILTERS: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "bool",
    "capitalize",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "tojson",
    "trim",
    "unique",
    "upper",
    "urlencode",
];

fn template_error(set: &TemplateSet, err: &minijinja::Error, values: &Node) -> Diagnostic {
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
    let source = file.and_then(|f| f.text.get(err.range()?));
    match err.kind() {
        minijinja::ErrorKind::UndefinedError => {
            // minijinja's range starts at the failing attribute; take the whole dotted path.
            let dotted = file.zip(err.range()).and_then(|(f, r)| {
                let head = f.text.get(..r.start)?;
                let start = head
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .map_or(0, |i| i + 1);
                f.text.get(start..r.end)
            });
            let suggestion = dotted.and_then(|expr| missing_values_key(expr, values));
            d = d.help(match suggestion {
                Some((path, Some(near))) => format!(
                    "`{path}` is not set in any layer; did you mean `{near}`?"
                ),
                Some((path, None)) => format!(
                    "`{path}` is not set in any layer; set it in the values, or guard it with `is defined`"
                ),
                None => "the value is not set in any layer; set it in the values, or guard it with `is defined`".to_string(),
            });
        }
        minijinja::ErrorKind::TemplateNotFound => {
            d = d.help(format!(
                "{}; a file in chart-templates/ with another extension is not loaded (kforge warns about it)",
                templates::TEMPLATE_FILES
            ));
        }
        minijinja::ErrorKind::UnknownFilter => {
            let name = source.map(|s| s.trim_start_matches('|').trim()).map(|s| {
                s.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or(s)
            });
            if let Some(near) = name.and_then(|n| {
                crate::diag::did_you_mean(n, FILTERS.iter().chain(filters::NAMES).copied())
            }) {
                d = d.help(format!("did you mean the filter `{near}`?"));
            }
        }
        _ => {}
    }
    d
}

/// For an undefined `values.a.b.c` expression: the first missing key path, and the closest key
/// that exists at that level.
fn missing_values_key(expr: &str, values: &Node) -> Option<(String, Option<String>)> {
    let expr = expr.trim();
    let rest = expr.strip_prefix("values.")?;
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    let mut node = values;
    let mut path = String::from("values");
    for key in rest[..end].split('.').filter(|k| !k.is_empty()) {
        let map = node.as_map()?;
        path.push('.');
        path.push_str(key);
        match map.get(key) {
            Some(next) => node = next,
            None => {
                let near = crate::diag::did_you_mean(key, map.keys().map(String::as_str))
                    .map(|k| format!("{}{k}", &path[..path.len() - key.len()]));
                return Some((path, near));
            }
        }
    }
    None
}

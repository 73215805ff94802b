//! `kforge values`.

use std::process::ExitCode;

use crate::cli::{Format, ValuesCmdArgs};
use crate::cmd::write_stdout;
use crate::cmd::{Result, bail};
use crate::pipeline::Workspace;
use crate::values::{COMPONENTS, MergedValues, leaf_paths};
use crate::yaml::{Node, Value, display_key_path, emit_document, to_json};

/// Prints the merged values, or each leaf with its origin.
pub fn run(args: &ValuesCmdArgs) -> Result<ExitCode> {
    let ws = Workspace::load()?;
    let (merged, _) = ws.values(&args.env, &args.values.layers())?;
    let view = match &args.component {
        None => View {
            root: &merged.root,
            component: None,
        },
        // A component switched off in this environment still has values to show.
        Some(name) => match merged
            .components
            .iter()
            .chain(&merged.switched_off)
            .find(|c| c.name.as_deref() == Some(name.as_str()))
        {
            Some(c) => View {
                root: &c.values,
                component: Some(name),
            },
            None => {
                let names: Vec<&str> = merged
                    .components
                    .iter()
                    .chain(&merged.switched_off)
                    .filter_map(|c| c.name.as_deref())
                    .collect();
                if names.is_empty() {
                    bail!(
                        "--component {name}: environment `{}` has no components (no `components:` in its values)",
                        args.env
                    );
                }
                let hint = crate::diag::did_you_mean(name, names.iter().copied())
                    .map(|m| format!("did you mean `{m}`?"))
                    .unwrap_or_else(|| format!("the components are: {}", names.join(", ")));
                bail!(
                    "--component {name}: no such component in environment `{}`\n  help: {hint}",
                    args.env
                );
            }
        },
    };
    let text = match (args.show_origin, args.output) {
        (false, Format::Yaml) => emit_document(view.root),
        (false, Format::Json) => pretty(&to_json(view.root)),
        (true, Format::Yaml) => origin_table(&merged, &view),
        (true, Format::Json) => {
            let rows: Vec<_> = with_overridden(&merged, &view)
                .into_iter()
                .map(|(path, node, lower)| {
                    let overrode: Vec<_> = lower
                        .iter()
                        .map(|n| serde_json::json!({"value": to_json(n), "origin": n.origin.to_string()}))
                        .collect();
                    serde_json::json!({
                        "key": path,
                        "value": to_json(node),
                        "origin": node.origin.to_string(),
                        "overrode": overrode,
                    })
                })
                .collect();
            pretty(&serde_json::Value::Array(rows))
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn pretty(v: &serde_json::Value) -> String {
    // A `serde_json::Value` prints infallibly; `{:#}` is `to_string_pretty`.
    format!("{v:#}\n")
}

/// What is shown: all the values, or one component's.
struct View<'a> {
    root: &'a Node,
    component: Option<&'a str>,
}

/// Each leaf with the values it overrode in lower layers, nearest first. A component's leaf
/// overrode the shared key of its path and the component's own key in every lower layer.
fn with_overridden<'a>(
    merged: &'a MergedValues,
    view: &View<'a>,
) -> Vec<(String, &'a Node, Vec<&'a Node>)> {
    leaf_paths(view.root)
        .into_iter()
        .map(|(tokens, node)| {
            let own = node.origin.to_string();
            let in_component: Vec<String> = match view.component {
                Some(name) => [COMPONENTS.to_string(), name.to_string()]
                    .into_iter()
                    .chain(tokens.iter().cloned())
                    .collect(),
                None => Vec::new(),
            };
            let mut lower: Vec<&Node> = merged
                .layers
                .iter()
                .flat_map(|layer| {
                    let shared = layer.pointer(&tokens);
                    let mine = view.component.and_then(|_| layer.pointer(&in_component));
                    shared.into_iter().chain(mine)
                })
                .filter(|n| n.origin.to_string() != own)
                .collect();
            lower.reverse();
            (display_key_path(&tokens), node, lower)
        })
        .collect()
}

fn compact(node: &Node) -> String {
    match &node.value {
        Value::Map(m) if !m.is_empty() => "{...}".to_string(),
        _ => to_json(node).to_string(),
    }
}

/// `key: value  # origin (overrides value at origin, ...)`, aligned.
fn origin_table(merged: &MergedValues, view: &View) -> String {
    let rows: Vec<(String, String)> = with_overridden(merged, view)
        .into_iter()
        .map(|(path, node, lower)| {
            let mut origin = node.origin.to_string();
            if !lower.is_empty() {
                let over: Vec<String> = lower
                    .iter()
                    .map(|n| format!("{} at {}", compact(n), n.origin))
                    .collect();
                origin.push_str(&format!(" (overrides {})", over.join(", ")));
            }
            (format!("{path}: {}", compact(node)), origin)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(70);
    let mut out = String::new();
    for (left, origin) in rows {
        let pad = width.saturating_sub(left.chars().count());
        out.push_str(&format!("{left}{}  # {origin}\n", " ".repeat(pad)));
    }
    out
}

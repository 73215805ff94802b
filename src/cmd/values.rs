//! `kforge values`.

use std::process::ExitCode;

use crate::cli::{Format, ValuesCmdArgs};
use crate::cmd::Result;
use crate::cmd::write_stdout;
use crate::pipeline::Workspace;
use crate::values::{MergedValues, leaf_paths};
use crate::yaml::{Node, Value, display_key_path, emit_document, to_json};

/// Prints the merged values, or each leaf with its origin.
pub fn run(args: &ValuesCmdArgs) -> Result<ExitCode> {
    let ws = Workspace::load()?;
    let (merged, _) = ws.values(&args.env, &args.values.layers())?;
    let text = match (args.show_origin, args.output) {
        (false, Format::Yaml) => emit_document(&merged.root),
        (false, Format::Json) => pretty(&to_json(&merged.root)),
        (true, Format::Yaml) => origin_table(&merged),
        (true, Format::Json) => {
            let rows: Vec<_> = with_overridden(&merged)
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
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Each leaf with the values it overrode in lower layers, nearest first.
fn with_overridden(merged: &MergedValues) -> Vec<(String, &Node, Vec<&Node>)> {
    leaf_paths(&merged.root)
        .into_iter()
        .map(|(tokens, node)| {
            let own = node.origin.to_string();
            let mut lower: Vec<&Node> = merged
                .layers
                .iter()
                .filter_map(|layer| layer.pointer(&tokens))
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
        _ => serde_json::to_string(&to_json(node)).unwrap_or_default(),
    }
}

/// `key: value  # origin (overrides value at origin, ...)`, aligned.
fn origin_table(merged: &MergedValues) -> String {
    let rows: Vec<(String, String)> = with_overridden(merged)
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

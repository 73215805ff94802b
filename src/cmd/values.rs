//! `kforge values`.

use std::process::ExitCode;

use crate::cli::{Format, ValuesCmdArgs};
use crate::cmd::{Workspace, write_stdout};
use crate::values::leaves;
use crate::yaml::{Node, Value, emit_document, to_json};

/// Prints the merged values, or each leaf with its origin.
pub fn run(args: &ValuesCmdArgs) -> anyhow::Result<ExitCode> {
    let ws = Workspace::load()?;
    let (merged, _) = ws.values(&args.env, &args.values.layers())?;
    let text = match (args.show_origin, args.output) {
        (false, Format::Yaml) => emit_document(&merged.root),
        (false, Format::Json) => pretty(&to_json(&merged.root)),
        (true, Format::Yaml) => origin_table(&merged.root),
        (true, Format::Json) => {
            let rows: Vec<_> = leaves(&merged.root)
                .into_iter()
                .map(|(path, node)| {
                    serde_json::json!({"key": path, "value": to_json(node), "origin": node.origin.to_string()})
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

/// `key = value  # origin`, aligned.
fn origin_table(root: &Node) -> String {
    let rows: Vec<(String, String)> = leaves(root)
        .into_iter()
        .map(|(path, node)| {
            let value = match &node.value {
                Value::Map(_) => "{}".to_string(),
                _ => serde_json::to_string(&to_json(node)).unwrap_or_default(),
            };
            (format!("{path}: {value}"), node.origin.to_string())
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

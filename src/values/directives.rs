//! A values file's `kforge:` directives: statements about the file itself, not values, taken
//! out of it before the layers merge (templates never see them).
//!
//! ```yaml
//! kforge:
//!   layers: [cloud]                  # an overlay: the shared layers it builds on, in order
//!   adds: [components.worker2]       # names it adds on purpose though one slip from others
//! ```

use crate::diag::Diagnostic;
use crate::yaml::{Node, Origin, Value};

/// The key of a file's directives.
pub const DIRECTIVES: &str = "kforge";

/// A file's directives.
#[derive(Clone, Debug, Default)]
pub struct Directives {
    /// Key paths of the names it adds to keyed maps on purpose (the near-miss check, keyed.rs).
    pub adds: Vec<Vec<String>>,
    /// The shared layers it builds on, in order, each with where it is named.
    pub layers: Vec<(String, Origin)>,
    /// Where `layers` is written, when it is.
    pub layers_at: Option<Origin>,
}

const KNOWN: [&str; 2] = ["adds", "layers"];

/// The directives of `layer`, taken out of it, or the problems in them.
pub fn take_directives(layer: &mut Node) -> Result<Directives, Vec<Diagnostic>> {
    let Value::Map(map) = &mut layer.value else {
        return Ok(Directives::default());
    };
    let Some(directives) = map.shift_remove(DIRECTIVES) else {
        return Ok(Directives::default());
    };
    let bad = |n: &Node, key: &str, msg: &str, help: &str| {
        Diagnostic::error(msg.to_string())
            .at(n.origin.clone())
            .key(key.to_string())
            .help(help.to_string())
    };
    let Some(entries) = directives.as_map() else {
        return Err(vec![bad(
            &directives,
            DIRECTIVES,
            "`kforge` holds directives about this values file and must be a map",
            "write e.g. `kforge: {layers: [cloud], adds: [components.worker2]}` (docs/layers.md)",
        )]);
    };
    let mut out = Directives::default();
    let mut problems = Vec::new();
    for (key, node) in entries {
        let Value::Seq(items) = &node.value else {
            problems.push(bad(
                node,
                &format!("{DIRECTIVES}.{key}"),
                &format!("`{key}` must be a list"),
                "write it as a list: [a, b]",
            ));
            continue;
        };
        match key.as_str() {
            "adds" => {
                for item in items {
                    match item.as_str().and_then(parse_key_path) {
                        Some(tokens) => out.adds.push(tokens),
                        None => problems.push(bad(
                            item,
                            "kforge.adds",
                            "not a key path",
                            "write it with dots, and a key holding a dot in brackets and quotes: env[\"a.b\"]",
                        )),
                    }
                }
            }
            "layers" => {
                out.layers_at = Some(node.origin.clone());
                for item in items {
                    match item.as_str() {
                        Some(name) if !name.is_empty() => {
                            out.layers.push((name.to_string(), item.origin.clone()));
                        }
                        _ => problems.push(bad(
                            item,
                            "kforge.layers",
                            "a layer is named by a string",
                            "name the file environments/_<name>.yaml as <name>",
                        )),
                    }
                }
            }
            other => {
                let hint = match crate::diag::did_you_mean(other, KNOWN) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "the directives are `layers` and `adds` (docs/layers.md)".into(),
                };
                problems.push(bad(
                    node,
                    &format!("{DIRECTIVES}.{other}"),
                    &format!("unknown directive `{other}`"),
                    &hint,
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `components.web.env["a.b"]` as tokens.
fn parse_key_path(text: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]")?;
            tokens.push(after[..end].to_string());
            rest = &after[end + 2..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            tokens.push(rest[..end].to_string());
            rest = &rest[end..];
        }
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
            if rest.is_empty() {
                return None;
            }
        }
    }
    (!tokens.is_empty()).then_some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_parse() {
        assert_eq!(
            parse_key_path("components.web.env[\"a.b\"]"),
            Some(vec![
                "components".into(),
                "web".into(),
                "env".into(),
                "a.b".into()
            ])
        );
        assert_eq!(parse_key_path("a..b"), None);
        assert_eq!(parse_key_path("a."), None);
        assert_eq!(parse_key_path(""), None);
    }
}

//! Validation of merged values against `values.schema.json` (JSON Schema via boon), reporting
//! each problem at the file:line of the value that caused it, with did-you-mean hints.

use boon::{Compiler, ErrorKind, Schemas, ValidationError};
use serde_json::Value as Json;

use crate::diag::{Diagnostic, did_you_mean};
use crate::yaml::{Node, display_key_path, to_json};

const SCHEMA_URL: &str = "file:///values.schema.json";

/// A compiled values schema.
pub struct ValuesSchema {
    schemas: Schemas,
    index: boon::SchemaIndex,
    raw: Json,
    display: String,
}

impl ValuesSchema {
    /// Compiles a schema; `display` names its file in messages.
    pub fn compile(text: &str, display: &str) -> Result<Self, Diagnostic> {
        let raw: Json = serde_json::from_str(text).map_err(|e| {
            Diagnostic::error(format!(
                "{display}:{}:{}: invalid JSON: {e}",
                e.line(),
                e.column()
            ))
        })?;
        let mut compiler = Compiler::new();
        compiler
            .add_resource(SCHEMA_URL, raw.clone())
            .map_err(|e| Diagnostic::error(format!("{display}: {e}")))?;
        let mut schemas = Schemas::new();
        let index = compiler
            .compile(SCHEMA_URL, &mut schemas)
            .map_err(|e| Diagnostic::error(format!("{display}: not a valid JSON Schema: {e:#}")))?;
        Ok(Self {
            schemas,
            index,
            raw,
            display: display.to_string(),
        })
    }

    /// Validates the merged values; every violation becomes one located diagnostic.
    pub fn validate(&self, values: &Node) -> Vec<Diagnostic> {
        let json = to_json(values);
        let Err(err) = self.schemas.validate(&json, self.index) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        self.collect(&err, values, &mut out);
        out.sort_by(|a, b| {
            (a.origin.as_ref().map(ToString::to_string), &a.message)
                .cmp(&(b.origin.as_ref().map(ToString::to_string), &b.message))
        });
        out.dedup_by(|a, b| a.message == b.message && a.key_path == b.key_path);
        out
    }

    fn collect(&self, err: &ValidationError, values: &Node, out: &mut Vec<Diagnostic>) {
        match &err.kind {
            ErrorKind::Group
            | ErrorKind::Schema { .. }
            | ErrorKind::Reference { .. }
            | ErrorKind::AllOf => {
                for cause in &err.causes {
                    self.collect(cause, values, out);
                }
                return;
            }
            _ => {}
        }
        let tokens: Vec<String> = err
            .instance_location
            .tokens
            .iter()
            .map(|t| match t {
                boon::InstanceToken::Prop(p) => p.to_string(),
                boon::InstanceToken::Item(i) => i.to_string(),
            })
            .collect();
        let node = values.pointer(&tokens);
        let origin = node.map(|n| n.origin.clone());
        let here = display_key_path(&tokens);
        let at = |d: Diagnostic, key: String| match origin.clone() {
            Some(o) => d.at(o).key(key),
            None => d.key(key),
        };
        match &err.kind {
            ErrorKind::AdditionalProperties { got } => {
                let known = self.known_properties(err.schema_url);
                for name in got {
                    let mut path = tokens.clone();
                    path.push(name.to_string());
                    let key = display_key_path(&path);
                    let mut d = Diagnostic::error(format!("unknown key `{key}` in values"));
                    if let Some(child) = node
                        .and_then(|n| n.as_map())
                        .and_then(|m| m.get(name.as_ref()))
                    {
                        d = d.at(child.origin.clone());
                    }
                    let hint = did_you_mean(name, known.iter().map(String::as_str));
                    d = d.key(key).help(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None if known.is_empty() => format!("remove it; see {}", self.display),
                        None => format!("remove it; allowed keys here: {}", known.join(", ")),
                    });
                    out.push(d);
                }
            }
            ErrorKind::Type { got, want } => {
                let shown = node.map(|n| short(&to_json(n))).unwrap_or_default();
                let help = (want.contains(boon::Type::String)
                    && node.is_some_and(|n| {
                        !matches!(
                            n.value,
                            crate::yaml::Value::Map(_) | crate::yaml::Value::Seq(_)
                        )
                    }))
                .then(|| {
                    if node.is_some_and(|n| matches!(n.origin, crate::yaml::Origin::Arg { .. })) {
                        return "use --set-string to keep the value a string".to_string();
                    }
                    let raw = node
                        .and_then(source_scalar)
                        .unwrap_or_else(|| shown.trim_matches('"').to_string());
                    format!("quote it to make it a string: \"{raw}\"")
                });
                out.push(at(
                    Diagnostic::error(format!(
                        "`{here}` must be {}, not {} ({shown})",
                        want.iter().map(type_word).collect::<Vec<_>>().join(" or "),
                        node.map_or_else(|| type_word(*got), |n| value_word(&n.value))
                    ))
                    .maybe_help(help),
                    here.clone(),
                ));
            }
            ErrorKind::Enum { want } => {
                let options: Vec<String> = want.iter().map(short).collect();
                let got = node.map(|n| short(&to_json(n))).unwrap_or_default();
                let strings: Vec<&str> = want.iter().filter_map(Json::as_str).collect();
                let hint = node
                    .and_then(Node::as_str)
                    .and_then(|s| did_you_mean(s, strings.iter().copied()))
                    .map(|h| format!("did you mean `{h}`?"));
                out.push(at(
                    Diagnostic::error(format!(
                        "`{here}` is {got}, but must be one of {}",
                        options.join(", ")
                    ))
                    .maybe_help(hint),
                    here.clone(),
                ));
            }
            ErrorKind::Required { want } => {
                for name in want {
                    let mut path = tokens.clone();
                    path.push((*name).to_string());
                    let key = display_key_path(&path);
                    out.push(at(
                        Diagnostic::error(format!("missing required key `{key}`")).help(format!(
                            "set `{key}` in environments/base.yaml or the environment's overlay"
                        )),
                        key.clone(),
                    ));
                }
            }
            ErrorKind::OneOf(_) | ErrorKind::AnyOf => {
                let first = err
                    .causes
                    .first()
                    .map(|c| format!(" (e.g. {})", c.kind))
                    .unwrap_or_default();
                out.push(at(
                    Diagnostic::error(format!("`{here}` matches none of the allowed forms{first}")),
                    here.clone(),
                ));
            }
            kind => {
                out.push(at(
                    Diagnostic::error(format!("`{here}`: {kind}")),
                    here.clone(),
                ));
            }
        }
    }

    /// Property names the schema allows at the object whose `additionalProperties` failed.
    fn known_properties(&self, schema_url: &str) -> Vec<String> {
        let Some((_, fragment)) = schema_url.split_once('#') else {
            return Vec::new();
        };
        let parent = fragment
            .strip_suffix("/additionalProperties")
            .or_else(|| fragment.strip_suffix("/unevaluatedProperties"))
            .unwrap_or(fragment);
        self.raw
            .pointer(parent)
            .and_then(|s| s.get("properties"))
            .and_then(Json::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// The scalar as written after `key:` on its source line (`2.10`, not the parsed `2.1`).
fn source_scalar(node: &Node) -> Option<String> {
    let (file, line, _) = node.origin.file_line()?;
    let text = file.line_text(line)?;
    let (_, rest) = text.split_once(": ")?;
    let rest = rest.split(" #").next()?.trim();
    (!rest.is_empty() && !rest.starts_with(['"', '\'', '{', '['])).then(|| rest.to_string())
}

fn value_word(v: &crate::yaml::Value) -> &'static str {
    use crate::yaml::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a map",
    }
}

fn type_word(t: boon::Type) -> &'static str {
    match t {
        boon::Type::Null => "null",
        boon::Type::Boolean => "a boolean",
        boon::Type::Number => "a number",
        boon::Type::Integer => "an integer",
        boon::Type::String => "a string",
        boon::Type::Array => "a list",
        boon::Type::Object => "a map",
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

//! Validation of merged values against `values.schema.json` (JSON Schema via boon), reporting
//! each problem at the file:line of the value that caused it, with did-you-mean hints. The
//! schema is read from its own file alone (references only inside it, a compiler that loads
//! nothing) and the work of validating the values is bounded (`json_schema`).

use std::sync::{LazyLock, OnceLock};

use boon::{ErrorKind, Schemas, ValidationError};
use serde_json::Value as Json;

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::json_schema::{self, SchemaWork};
use crate::yaml::{Node, display_key_path, to_json};

const SCHEMA_URL: &str = "file:///values.schema.json";

/// A schema file's text and its name in messages.
#[derive(Clone, Copy)]
pub struct SchemaSource<'a> {
    /// The JSON text.
    pub text: &'a str,
    /// `chart-templates/values.schema.json`.
    pub display: &'a str,
}

/// A project schema that is not valid JSON Schema: each problem at its JSON pointer in the
/// file. Checked against the metaschema alone (not compiled: its `$ref`s may point into the
/// built-in schema it extends).
fn check_metaschema(schema: &Json, display: &str) -> Result<(), Diagnostics> {
    let draft = schema
        .get("$schema")
        .and_then(Json::as_str)
        .unwrap_or("https://json-schema.org/draft/2020-12/schema");
    let mut compiler = json_schema::compiler();
    let mut schemas = Schemas::new();
    let Ok(meta) = compiler.compile(draft, &mut schemas) else {
        return Err(Diagnostics(vec![
            Diagnostic::error(format!(
                "{display} at /$schema: `{draft}` is not a JSON Schema draft kforge knows"
            ))
            .help("use https://json-schema.org/draft/2020-12/schema (or leave `$schema` out)"),
        ]));
    };
    let Err(err) = schemas.validate(schema, meta) else {
        return Ok(());
    };
    let mut out = Vec::new();
    leaf_problems(&err, display, &mut out);
    Err(Diagnostics(out))
}

/// The innermost causes of a metaschema violation, one diagnostic per JSON pointer (the
/// alternatives of an `anyOf` joined with "or").
fn leaf_problems(err: &ValidationError, display: &str, out: &mut Vec<Diagnostic>) {
    fn leaves(err: &ValidationError, found: &mut Vec<(String, Vec<String>)>) {
        if err.causes.is_empty() {
            let ptr = err.instance_location.to_string();
            let ptr = if ptr.is_empty() { "/".to_string() } else { ptr };
            let why = err.kind.to_string();
            match found.iter_mut().find(|(p, _)| *p == ptr) {
                Some((_, whys)) if !whys.contains(&why) => whys.push(why),
                Some(_) => {}
                None => found.push((ptr, vec![why])),
            }
        }
        for cause in &err.causes {
            leaves(cause, found);
        }
    }
    let mut found = Vec::new();
    leaves(err, &mut found);
    for (ptr, whys) in found {
        out.push(
            Diagnostic::error(format!(
                "{display} at {ptr}: not a valid JSON Schema: {}",
                whys.join("; or ")
            ))
            .help("fix the keyword at that JSON pointer; see https://json-schema.org/understanding-json-schema/reference"),
        );
    }
}

/// A compile error with the schema's URL replaced by its file name and JSON pointer.
fn compile_error(e: &boon::CompileError, display: &str) -> Diagnostic {
    if let boon::CompileError::ValidationError { src, .. } = e {
        let mut out = Vec::new();
        leaf_problems(src, display, &mut out);
        if let Some(first) = out.into_iter().next() {
            return first;
        }
    }
    let text = format!("{e:#}").replace(&format!("{SCHEMA_URL}#"), " at ");
    let text = text.replace(SCHEMA_URL, "the schema");
    Diagnostic::error(format!("{display}: not a valid JSON Schema: {text}"))
}

/// The references of a schema that lead outside it, one diagnostic each.
fn check_refs(schema: &Json, display: &str) -> Result<(), Diagnostics> {
    let problems = json_schema::local_refs_only(schema);
    if problems.is_empty() {
        return Ok(());
    }
    Err(Diagnostics(
        problems
            .into_iter()
            .map(|p| {
                Diagnostic::error(format!("{display}: {p}")).help(
                    "refer to a definition in the same file (`\"$ref\": \"#/$defs/name\"`), copying it there if it is elsewhere",
                )
            })
            .collect(),
    ))
}

/// Whether a schema is checked against its metaschema when compiled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checked {
    /// Checked: a schema from a project.
    Metaschema,
    /// Not checked: the built-in schema kforge ships, whose validity a unit test proves.
    /// Checking it would first compile the metaschemas of every JSON Schema draft, most of
    /// the cost of compiling it (and of a `kforge render` of a small project).
    Shipped,
}

/// A values schema, read and ready to validate against.
pub struct ValuesSchema {
    /// boon's compiled schema. A project's schema is compiled when read (its errors are the
    /// project's); the built-in one when a value is first not found valid by `quick`.
    compiled: OnceLock<Result<Compiled, Diagnostic>>,
    /// For the built-in schema: the quick check that finds valid values valid without
    /// compiling it (`json_schema::Quick`; BENCHMARKS.md, round 3).
    quick: Option<json_schema::Quick>,
    /// The schema as JSON, with what bounds the work of validating against it.
    work: SchemaWork,
    display: String,
    /// The maps it marks as keyed by name (`x-kforge-keyed`).
    keyed: super::KeyedMaps,
}

/// A schema compiled by boon.
struct Compiled {
    schemas: Schemas,
    index: boon::SchemaIndex,
}

/// `raw` compiled by boon; `checked` says whether against its metaschema too.
fn compile_boon(raw: Json, display: &str, checked: Checked) -> Result<Compiled, Diagnostic> {
    let mut compiler = json_schema::compiler();
    if checked == Checked::Shipped {
        compiler.skip_metaschema_validation();
    }
    compiler
        .add_resource(SCHEMA_URL, raw)
        .map_err(|e| Diagnostic::error(format!("{display}: {e}")))?;
    let mut schemas = Schemas::new();
    let index = compiler
        .compile(SCHEMA_URL, &mut schemas)
        .map_err(|e| compile_error(&e, display))?;
    Ok(Compiled { schemas, index })
}

impl ValuesSchema {
    /// Compiles a schema; `display` names its file in messages.
    pub fn compile(text: &str, display: &str) -> Result<Self, Diagnostics> {
        Self::from_json(
            parse(text, display)?,
            display.to_string(),
            Checked::Metaschema,
        )
    }

    /// The project schema checked alone against its metaschema (so every problem is reported
    /// at its pointer in the project's file), then merged and compiled.
    fn from_extended(base: Json, own: Json, display: &str) -> Result<Self, Diagnostics> {
        check_refs(&own, display)?;
        check_metaschema(&own, display)?;
        let merged = super::extend::extend(base, own, display).map_err(Diagnostics)?;
        Self::from_json(merged, display.to_string(), Checked::Metaschema)
    }

    /// Reads a schema already read as JSON: a project's is compiled now, the built-in one
    /// (whose references and compilation a unit test checks) when first needed.
    fn from_json(raw: Json, display: String, checked: Checked) -> Result<Self, Diagnostics> {
        let compiled = OnceLock::new();
        let quick = match checked {
            Checked::Metaschema => {
                check_refs(&raw, &display)?;
                let done = compile_boon(raw.clone(), &display, checked)?;
                let _ = compiled.set(Ok(done));
                None
            }
            Checked::Shipped => Some(json_schema::Quick::default()),
        };
        let keyed = super::KeyedMaps::from_schema(&raw).map_err(|bound| {
            Diagnostic::error(format!(
                "{display}: its branches (`allOf`, `anyOf`, `oneOf`) and references lead to more than {bound} subschemas (the bound of kforge's schema work)"
            ))
            .help("refer to each definition once, or merge the branches that refer to the same definitions")
        })?;
        Ok(Self {
            compiled,
            quick,
            work: SchemaWork::new(raw),
            display,
            keyed,
        })
    }

    /// boon's compiled schema, compiled now if it is not yet.
    fn compiled(&self) -> &Result<Compiled, Diagnostic> {
        self.compiled.get_or_init(|| {
            compile_boon(self.work.schema().clone(), &self.display, Checked::Shipped)
        })
    }

    /// The maps keyed by name, where an overlay's new name is checked for a near miss.
    pub fn keyed(&self) -> &super::KeyedMaps {
        &self.keyed
    }

    /// The effective schema as JSON (`kforge schema`).
    pub fn json(&self) -> &Json {
        self.work.schema()
    }

    /// Validates the merged values; every violation becomes one located diagnostic.
    pub fn validate(&self, values: &Node) -> Vec<Diagnostic> {
        self.problems(values)
            .into_iter()
            .map(|p| p.diagnostic)
            .collect()
    }

    /// [`ValuesSchema::validate`], each problem with its kind and the key path it is about as
    /// tokens (`["env", "a.b"]`), for callers that act on them.
    pub fn problems(&self, values: &Node) -> Vec<Problem> {
        let json = to_json(values);
        if let Err(e) = self.work.check(&json) {
            let mut d = Diagnostic::error(format!(
                "the values are not checked against {}: {e}",
                self.display
            ))
            .help("a schema whose `allOf`/`anyOf`/`oneOf` branches refer to the same definitions again and again multiplies its work: refer to each once");
            if let Some(node) = values.pointer(e.instance()) {
                d = d.at(node.origin.clone());
            }
            let d = d.key(display_key_path(e.instance()));
            return vec![Problem::other(e.instance().to_vec(), d)];
        }
        // Once boon's schema is compiled (values were found invalid before), validating with
        // it costs no more than the quick check, which would only come first.
        if let Some(quick) = &self.quick
            && self.compiled.get().is_none()
            && quick.check(self.work.schema(), &json) == json_schema::Verdict::Valid
        {
            return Vec::new();
        }
        let compiled = match self.compiled() {
            Ok(compiled) => compiled,
            Err(d) => return vec![Problem::other(Vec::new(), d.clone())],
        };
        let Err(err) = compiled.schemas.validate(&json, compiled.index) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        self.collect(&err, values, &mut out);
        out.sort_by(|a, b| {
            let (a, b) = (&a.diagnostic, &b.diagnostic);
            (a.origin.as_ref().map(ToString::to_string), &a.message)
                .cmp(&(b.origin.as_ref().map(ToString::to_string), &b.message))
        });
        out.dedup_by(|a, b| {
            a.diagnostic.message == b.diagnostic.message
                && a.diagnostic.key_path == b.diagnostic.key_path
        });
        out
    }

    fn collect(&self, err: &ValidationError, values: &Node, out: &mut Vec<Problem>) {
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
        let here = display_key_path(&tokens);
        let place = Place {
            tokens: tokens.clone(),
            node,
            here: here.clone(),
        };
        let at = |d: Diagnostic, key: String| place.at(d, key);
        match &err.kind {
            ErrorKind::AdditionalProperties { .. } => self.unknown_keys(err, &place, out),
            ErrorKind::Type { .. } => self.wrong_type(err, &place, out),
            ErrorKind::Enum { want } => {
                let options: Vec<String> = want.iter().map(short).collect();
                let got = node.map(|n| short(&to_json(n))).unwrap_or_default();
                let strings: Vec<&str> = want.iter().filter_map(Json::as_str).collect();
                let hint = node
                    .and_then(Node::as_str)
                    .and_then(|s| did_you_mean(s, strings.iter().copied()))
                    .map(|h| format!("did you mean `{h}`?"));
                out.push(Problem::other(
                    tokens.clone(),
                    at(
                        Diagnostic::error(format!(
                            "`{here}` is {got}, but must be one of {}",
                            options.join(", ")
                        ))
                        .maybe_help(hint),
                        here.clone(),
                    ),
                ));
            }
            ErrorKind::Required { want } => {
                for name in want {
                    let mut path = tokens.clone();
                    path.push((*name).to_string());
                    let key = display_key_path(&path);
                    let d = at(
                        Diagnostic::error(format!("missing required key `{key}`")).help(format!(
                            "set `{key}` in environments/base.yaml or the environment's overlay"
                        )),
                        key.clone(),
                    );
                    out.push(Problem::other(path, d));
                }
            }
            ErrorKind::PropertyName { .. } => self.bad_property_name(err, values, out),
            ErrorKind::OneOf(_) | ErrorKind::AnyOf => {
                let first = err
                    .causes
                    .first()
                    .map(|c| format!(" (e.g. {})", c.kind))
                    .unwrap_or_default();
                out.push(Problem::other(
                    tokens.clone(),
                    at(
                        Diagnostic::error(format!(
                            "`{here}` matches none of the allowed forms{first}"
                        )),
                        here.clone(),
                    ),
                ));
            }
            kind => {
                out.push(Problem::other(
                    tokens.clone(),
                    at(Diagnostic::error(format!("`{here}`: {kind}")), here.clone()),
                ));
            }
        }
    }

    /// Keys the schema does not allow where they are, each with a did-you-mean.
    fn unknown_keys(&self, err: &ValidationError, place: &Place<'_>, out: &mut Vec<Problem>) {
        let ErrorKind::AdditionalProperties { got } = &err.kind else {
            return;
        };
        let (tokens, node) = (&place.tokens, place.node);
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
            out.push(Problem {
                kind: ProblemKind::UnknownKey,
                tokens: path,
                diagnostic: d,
            });
        }
    }

    /// A value of the wrong type, with how to make a scalar the string it was meant to be.
    fn wrong_type(&self, err: &ValidationError, place: &Place<'_>, out: &mut Vec<Problem>) {
        let ErrorKind::Type { got, want } = &err.kind else {
            return;
        };
        let (tokens, node, here) = (&place.tokens, place.node, &place.here);
        let at = |d: Diagnostic, key: String| place.at(d, key);
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
        out.push(Problem::other(
            tokens.clone(),
            at(
                Diagnostic::error(format!(
                    "`{here}` must be {}, not {} ({shown})",
                    want.iter().map(type_word).collect::<Vec<_>>().join(" or "),
                    node.map_or_else(|| type_word(*got), |n| value_word(&n.value))
                ))
                .maybe_help(help),
                here.clone(),
            ),
        ));
    }

    /// A key a map's `propertyNames` refuses (a component name, a field kforge writes).
    fn bad_property_name(&self, err: &ValidationError, values: &Node, out: &mut Vec<Problem>) {
        let ErrorKind::PropertyName { prop } = &err.kind else {
            return;
        };
        // boon places this error at the top; the object is the one whose schema has
        // the propertyNames (`#/properties/a/properties/b/propertyNames`).
        let tokens: Vec<String> = err
            .schema_url
            .split_once('#')
            .map(|(_, f)| f)
            .unwrap_or("")
            .split('/')
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] == "properties")
            .map(|w| w[1].to_string())
            .collect();
        let node = values.pointer(&tokens);
        let here = display_key_path(&tokens);
        let mut path = tokens.clone();
        path.push(prop.clone());
        let key = display_key_path(&path);
        let why = match err.causes.first().map(|c| &c.kind) {
            // A pass-through map (podSpec) naming a field kforge writes itself.
            Some(ErrorKind::Not) => {
                ": kforge writes this field from its own values; set it with them".into()
            }
            Some(kind) => format!(": {kind}"),
            None => String::new(),
        };
        let mut d = Diagnostic::error(format!("`{prop}` is not a valid key of `{here}`{why}"));
        if let Some(child) = node
            .and_then(|n| n.as_map())
            .and_then(|m| m.get(prop.as_str()))
        {
            d = d.at(child.origin.clone());
        }
        let help = if tokens.len() == 1 && tokens[0] == super::COMPONENTS {
            "a component name is a DNS-1123 label of at most 40 characters: lower-case letters, digits and `-`, starting and ending with a letter or digit"
                .to_string()
        } else {
            format!("rename it; see {}", self.display)
        };
        out.push(Problem::other(path, d.key(key).help(help)));
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
        self.json()
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

/// The schema text as JSON; a syntax error is located at its line and column.
fn parse(text: &str, display: &str) -> Result<Json, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        Diagnostic::error(format!(
            "{display}:{}:{}: invalid JSON: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// A values schema compiling on a thread of its own. Compiling a project's schema costs a few
/// milliseconds of one core (boon first compiles the metaschemas of every JSON Schema draft to
/// check it), which environments can spend rendering on the other cores; the first validation
/// waits for it. The built-in schema alone is compiled when first needed (see
/// [`PendingSchema::start_extended`]).
pub struct PendingSchema(LazyLock<Outcome, Box<dyn FnOnce() -> Outcome + Send>>);

type Outcome = Result<ValuesSchema, Diagnostics>;

/// Stack of the thread that compiles the values schema. boon checks a schema against its
/// metaschema recursively, several frames for each level of the schema's JSON: a project
/// schema of 30 nested `properties` (60 levels of JSON, of the 128 that are read) overflowed
/// the default 2 MiB in a debug build. Address space, used only as deep as the schema goes.
const SCHEMA_THREAD_STACK: usize = 16 << 20;

impl PendingSchema {
    /// Reads the schema's JSON (a syntax error is returned at once) and starts compiling it.
    pub fn start(text: &str, display: &str) -> Result<Self, Diagnostic> {
        let raw = parse(text, display)?;
        let owned = display.to_string();
        Ok(Self::spawn(Box::new(move || {
            ValuesSchema::from_json(raw, owned, Checked::Metaschema)
        })))
    }

    /// [`PendingSchema::start`] for the built-in schema extended by a project's.
    pub fn start_extended(
        builtin: &SchemaSource<'_>,
        project: Option<&SchemaSource<'_>>,
    ) -> Result<Self, Diagnostics> {
        let base = parse(builtin.text, builtin.display)?;
        let Some(project) = project else {
            // The built-in schema alone, unchecked, is about 12 M instructions: compiled when
            // first needed, on the caller's thread, which saves starting one (BENCHMARKS.md,
            // round 3: W1 and W4 were no slower for it).
            let display = builtin.display.to_string();
            return Ok(Self(LazyLock::new(Box::new(move || {
                ValuesSchema::from_json(base, display, Checked::Shipped)
            }))));
        };
        let own = parse(project.text, project.display)?;
        let display = project.display.to_string();
        Ok(Self::spawn(Box::new(move || {
            ValuesSchema::from_extended(base, own, &display)
        })))
    }

    /// Runs `work` on a thread of its own; without a thread to be had, when first needed.
    fn spawn(work: Box<dyn FnOnce() -> Outcome + Send>) -> Self {
        let work = std::sync::Arc::new(std::sync::Mutex::new(Some(work)));
        let take = |w: &std::sync::Mutex<Option<Box<dyn FnOnce() -> Outcome + Send>>>| {
            w.lock().ok().and_then(|mut w| w.take())
        };
        let theirs = work.clone();
        let compiling = std::thread::Builder::new()
            .name("values-schema".into())
            .stack_size(SCHEMA_THREAD_STACK)
            .spawn(move || take(&theirs).map(|w| w()));
        let join: Box<dyn FnOnce() -> Outcome + Send> = Box::new(move || {
            let done = match compiling {
                // A panic while compiling is a bug: it surfaces as the panic it was.
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload)),
                Err(_) => None,
            };
            // No thread to be had: compiled now, slower but the same.
            done.or_else(|| take(&work).map(|w| w()))
                .unwrap_or_else(|| {
                    Err(Diagnostics(vec![Diagnostic::error(
                        "the values schema was not compiled",
                    )]))
                })
        });
        Self(LazyLock::new(join))
    }

    /// The compiled schema, or why it does not compile; waits until it is compiled.
    pub fn get(&self) -> Result<&ValuesSchema, &Diagnostics> {
        LazyLock::force(&self.0).as_ref()
    }
}

/// Where in the values a validation error is: its key path as tokens, the node there, and the
/// path as shown.
struct Place<'v> {
    tokens: Vec<String>,
    node: Option<&'v Node>,
    here: String,
}

impl Place<'_> {
    /// `d` at this place's line, with key path `key`.
    fn at(&self, d: Diagnostic, key: String) -> Diagnostic {
        match self.node {
            Some(n) => d.at(n.origin.clone()).key(key),
            None => d.key(key),
        }
    }
}

/// One way merged values break the schema: what kind of problem, the key path it is about as
/// tokens, and the diagnostic that reports it.
#[derive(Debug)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The key path, as tokens (`["env", "a.b"]`, `["ports", "0"]`).
    pub tokens: Vec<String>,
    /// The report.
    pub diagnostic: Diagnostic,
}

/// The kinds of [`Problem`] callers tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// A key the schema does not allow.
    UnknownKey,
    /// Anything else: a wrong type, a value not allowed, a missing key...
    Other,
}

impl Problem {
    fn other(tokens: Vec<String>, diagnostic: Diagnostic) -> Self {
        Self {
            kind: ProblemKind::Other,
            tokens,
            diagnostic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_schema_is_valid_against_its_metaschema() {
        // It is compiled unchecked at run time (`Checked::Shipped`): this is its check.
        let set = crate::render::TemplateSet::builtin();
        let file = set.schema();
        let raw = parse(&file.text, &file.display).unwrap();
        let checked = check_metaschema(&raw, &file.display);
        assert!(checked.is_ok(), "{:?}", checked.err().map(|d| d.0));
        // Nor are its references checked at run time.
        assert!(check_refs(&raw, &file.display).is_ok());
        assert!(ValuesSchema::compile(&file.text, &file.display).is_ok());
    }

    #[test]
    fn a_pending_schema_is_compiled_once_for_every_caller() {
        let pending = PendingSchema::start(
            r#"{"type": "object", "properties": {"a": {"type": "string"}}}"#,
            "s.json",
        )
        .unwrap();
        // Callers on several threads wait for the one compile and share it.
        let seen: Vec<usize> = std::thread::scope(|s| {
            let callers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| std::ptr::from_ref(pending.get().unwrap()) as usize))
                .collect();
            callers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        assert!(seen.windows(2).all(|w| w[0] == w[1]));
        let text = "a: 5\n";
        let file = crate::yaml::SourceFile::new("v.yaml", text);
        let bad = crate::yaml::parse_documents(text, &file, crate::yaml::Limits::default())
            .unwrap()
            .remove(0);
        assert_eq!(pending.get().unwrap().validate(&bad).len(), 1);
    }

    #[test]
    fn a_pending_schema_reports_bad_json_at_once_and_a_bad_schema_when_asked() {
        let e = PendingSchema::start("{\"type\": ", "s.json").err().unwrap();
        assert!(e.message.starts_with("s.json:1:"), "{}", e.message);
        let pending = PendingSchema::start(r#"{"type": 5}"#, "s.json").unwrap();
        let e = pending.get().err().unwrap();
        assert!(
            e.0[0].message.contains("not a valid JSON Schema"),
            "{}",
            e.0[0].message
        );
        // Asked again: the same answer, not a second compile.
        assert!(std::ptr::eq(e, pending.get().err().unwrap()));
    }
}

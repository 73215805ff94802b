//! Filters and functions kforge adds to minijinja's built-ins: the ones chart authors know from
//! Helm (`sha256`, `b64encode`, `b64decode`, `toyaml`, `required`, `fail`) and `merge`. A filter
//! given the wrong type fails with an error that minijinja places at the template and line.

use base64::Engine;
use minijinja::value::{Value as JValue, ValueKind};
use minijinja::{Environment, Error, ErrorKind};
use sha2::Digest;

/// The filters (and the `fail` function) added to `env`.
pub fn register(env: &mut Environment<'_>) {
    env.add_filter("merge", merge_maps);
    env.add_filter("sha256", sha256);
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("toyaml", toyaml);
    env.add_filter("required", required);
    env.add_filter("fail", fail);
    env.add_function("fail", fail);
}

/// The names of the filters [`register`] adds (for did-you-mean).
pub const NAMES: &[&str] = &[
    "b64decode",
    "b64encode",
    "fail",
    "merge",
    "required",
    "sha256",
    "toyaml",
];

/// The string a filter was given, or an error naming the filter and what it got.
fn text<'a>(filter: &str, v: &'a JValue) -> Result<&'a str, Error> {
    v.as_str().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "`{filter}` expects a string, got {}; for a map or list use `| tojson | {filter}`",
                kind_word(v)
            ),
        )
    })
}

fn kind_word(v: &JValue) -> &'static str {
    match v.kind() {
        ValueKind::Undefined => "an undefined value",
        ValueKind::None => "none",
        ValueKind::Bool => "a boolean",
        ValueKind::Number => "a number",
        ValueKind::String => "a string",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq => "a list",
        ValueKind::Map => "a map",
        _ => "a value of another kind",
    }
}

/// `{{ x | merge(y) }}`: a map with y's entries over x's, in written order when `x` keeps it
/// ([`super::ordered::merge_maps`]); anything but maps (or none) is an error naming the kind.
fn merge_maps(a: JValue, b: JValue) -> Result<JValue, Error> {
    for m in [&a, &b] {
        if !(m.is_none() || m.is_undefined() || m.kind() == ValueKind::Map) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("`merge` expects maps, got {}", kind_word(m)),
            ));
        }
    }
    super::ordered::merge_maps(a, b)
}

/// `{{ x | sha256 }}`: the lower-case hex SHA-256 of a string (Helm's `sha256sum`), e.g. for a
/// checksum annotation that rolls the pods when a config changes.
fn sha256(v: JValue) -> Result<String, Error> {
    let digest = sha2::Sha256::digest(text("sha256", &v)?.as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// `{{ x | b64encode }}`: standard base64 with padding (Helm's `b64enc`).
fn b64encode(v: JValue) -> Result<String, Error> {
    Ok(base64::engine::general_purpose::STANDARD.encode(text("b64encode", &v)?))
}

/// `{{ x | b64decode }}`: the UTF-8 text of standard base64 (Helm's `b64dec`).
fn b64decode(v: JValue) -> Result<String, Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text("b64decode", &v)?.trim())
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("`b64decode`: not base64: {e}"),
            )
        })?;
    String::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            "`b64decode`: the decoded bytes are not UTF-8 text",
        )
    })
}

/// `{{ x | toyaml }}`: the value as block YAML text (Helm's `toYaml`), inserted as text, e.g.
/// with `| indent(4)`. The rendered output is parsed back, so it can only add what x holds.
fn toyaml(v: JValue) -> Result<JValue, Error> {
    if v.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "`toyaml` was given an undefined value",
        ));
    }
    let text = serde_yaml::to_string(&v).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`toyaml` cannot write this value: {e}"),
        )
    })?;
    Ok(JValue::from_safe_string(
        text.trim_end_matches('\n').to_string(),
    ))
}

/// `{{ x | required("why") }}`: x, or an error with the message when x is undefined, none or
/// empty (Helm's `required`).
fn required(v: JValue, message: Option<String>) -> Result<JValue, Error> {
    let empty = v.is_undefined()
        || v.is_none()
        || v.as_str().is_some_and(str::is_empty)
        || (matches!(v.kind(), ValueKind::Seq | ValueKind::Map) && v.len() == Some(0));
    if empty {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            message.unwrap_or_else(|| "a required value is empty or not set".to_string()),
        ));
    }
    Ok(v)
}

/// `{{ fail("why") }}` or `{{ "why" | fail }}`: stops the render with the message.
fn fail(message: JValue) -> Result<JValue, Error> {
    Err(Error::new(
        ErrorKind::InvalidOperation,
        message
            .as_str()
            .map_or_else(|| message.to_string(), str::to_string),
    ))
}

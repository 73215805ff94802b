//! Scalar resolution (YAML 1.2 core schema on input) and the conservative plain-scalar test
//! used on output, which also covers YAML 1.1 readers (PyYAML, go-yaml v2 in kubectl).

use super::Value;

/// Resolves a plain (unquoted, untagged) scalar with the YAML 1.2 core schema, like serde_yaml.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(v) = resolve_int(text) {
        return v;
    }
    if is_core_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::String(text.to_owned())
}

fn resolve_int(text: &str) -> Option<Value> {
    let (neg, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, body) = if let Some(rest) = digits.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = digits.strip_prefix("0o") {
        (8, rest)
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if radix != 10 && text.starts_with(['-', '+']) {
        // The core schema has no sign on hex/octal.
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok();
    match magnitude {
        Some(m) => {
            let v = if neg { -m } else { m };
            Some(match i64::try_from(v) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Float(v as f64),
            })
        }
        None => text.parse::<f64>().ok().map(Value::Float),
    }
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

/// True when a YAML 1.1 reader could take this plain scalar as something other than a string
/// (boolean, null, integer in any base, sexagesimal, float, timestamp, merge or value key).
///
/// Deliberately broad: any text starting with a digit, a sign or a dot counts, as do the
/// 1.1 boolean words in every case. Quoting a harmless string costs two characters; not quoting
/// an ambiguous one turns `on` into `true` inside `kubectl apply`.
pub fn is_yaml11_ambiguous(text: &str) -> bool {
    const WORDS: [&str; 12] = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
    ];
    if WORDS.iter().any(|w| text.eq_ignore_ascii_case(w)) {
        return true;
    }
    match text.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_digit() => true,
        Some(b'+' | b'-' | b'.') => true,
        _ => false,
    }
}

/// True when `text` can be written as a plain scalar in block context and reads back as the
/// same string under YAML 1.1 and 1.2.
pub fn plain_is_safe(text: &str) -> bool {
    if is_yaml11_ambiguous(text) && !is_dash_word(text) && !is_quantity(text) {
        return false;
    }
    let bytes = text.as_bytes();
    let first = bytes[0];
    if !(first.is_ascii_alphanumeric() || matches!(first, b'/' | b'_' | b'$' | b'-')) {
        return false;
    }
    if text.ends_with([' ', ':']) {
        return false;
    }
    for (i, &b) in bytes.iter().enumerate() {
        let ok = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'.' | b'_'
                    | b'/'
                    | b'-'
                    | b'+'
                    | b'@'
                    | b'%'
                    | b'~'
                    | b'^'
                    | b'$'
                    | b'('
                    | b')'
                    | b'='
                    | b';'
                    | b','
            )
            || (b == b' ' && bytes.get(i + 1).is_some_and(|&n| n != b'#' && n != b' '))
            || (b == b':' && bytes.get(i + 1).is_some_and(|&n| n != b' '));
        if !ok {
            return false;
        }
    }
    true
}

/// Kubernetes quantities with a unit (`500m`, `128Mi`, `1.5Gi`, `1k`): no YAML version reads
/// digits followed by one of these suffixes as a number.
fn is_quantity(text: &str) -> bool {
    const SUFFIXES: [&str; 14] = [
        "n", "u", "m", "k", "M", "G", "T", "P", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ];
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let mut parts = number.split('.');
    let int_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let frac_ok = parts.next().is_none_or(|p| !p.is_empty());
    int_ok && frac_ok && parts.next().is_none() && SUFFIXES.contains(&suffix)
}

/// `-d`, `--config`: a dash followed by a letter is a plain string in every YAML version.
fn is_dash_word(text: &str) -> bool {
    let rest = text.trim_start_matches('-');
    text.starts_with('-')
        && text.len() - rest.len() <= 2
        && rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_words_and_numbers_are_not_plain() {
        for s in [
            "on",
            "Off",
            "y",
            "N",
            "yes",
            "NO",
            "1_000",
            "012",
            "0x1F",
            "12:30:00",
            "2001-12-14",
            "<<",
            "=",
            "1e3",
            ".5",
            "+1",
            "-1",
            "~",
            "null",
            "true",
            "",
            " x",
            "x ",
            "a: b",
            "a #b",
            "#x",
            "*alias",
            "&anchor",
            "!tag",
            "'q'",
            "\"q\"",
            "[a]",
            "{a}",
            "a\nb",
            "x:",
            "1e",
            "1.2.3Mi",
            "1.Gi",
            "0x10",
            "2.10.1",
            "1E3",
        ] {
            assert!(!plain_is_safe(s), "{s:?} must be quoted");
        }
    }

    #[test]
    fn ordinary_words_stay_plain() {
        for s in [
            "nginx",
            "/__health",
            "devopsfaith/krakend",
            "run",
            "-d",
            "-c",
            "--config",
            "app.kubernetes.io/name",
            "v2.10.1",
            "http",
            "ClusterIP",
            "a:b",
            "hello world",
            "500m",
            "128Mi",
            "1.5Gi",
            "1k",
        ] {
            assert!(plain_is_safe(s), "{s:?} should stay plain");
        }
    }

    #[test]
    fn core_schema_resolution() {
        assert!(matches!(resolve_plain("on"), Value::String(_)));
        assert!(matches!(resolve_plain("012"), Value::Int(12)));
        assert!(matches!(resolve_plain("0x1F"), Value::Int(31)));
        assert!(matches!(resolve_plain("1e3"), Value::Float(_)));
        assert!(matches!(resolve_plain("1_000"), Value::String(_)));
        assert!(matches!(resolve_plain("~"), Value::Null));
        assert!(matches!(resolve_plain("-.inf"), Value::Float(f) if f.is_infinite()));
        assert!(matches!(
            resolve_plain("99999999999999999999"),
            Value::Float(_)
        ));
    }
}

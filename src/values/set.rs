//! Helm's `--set` syntax: `a.b=c,list[0]=x,name={a,b}`, `\` escapes, typed scalars (Helm's
//! rules: true/false/null and integers without a leading zero; everything else is a string),
//! applied onto the merged values like `helm --set` (list indexes edit the existing list).

use std::sync::Arc;

use crate::yaml::{Map, Node, Origin, Value};

/// Largest list index `--set` accepts (Helm uses the same bound).
pub const MAX_INDEX: usize = 65_536;

/// Deepest key path `--set` accepts, counting keys and list indexes: the nesting limit of
/// values files (`yaml::Limits::max_depth`), so a value set on the command line can always be
/// merged, validated and written back like one read from a file.
pub const MAX_DEPTH: usize = 128;

/// A `--set` argument that cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid {flag} argument `{arg}`: {reason}")]
pub struct SetError {
    /// `--set` or `--set-string`.
    pub flag: &'static str,
    /// The argument.
    pub arg: String,
    /// What is wrong with it.
    pub reason: String,
}

impl crate::diag::Failure for SetError {}

#[derive(Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Debug, PartialEq)]
enum RawValue {
    Scalar(String),
    List(Vec<String>),
}

/// Applies one `--set`/`--set-string` argument (possibly several comma-separated pairs).
pub fn apply_set(
    root: &mut Node,
    flag: &'static str,
    arg: &str,
    as_string: bool,
) -> Result<(), SetError> {
    let fail = |reason: String| SetError {
        flag,
        arg: shortened(arg),
        reason,
    };
    let chars: Vec<char> = arg.chars().collect();
    for (path, raw, span) in parse_assignments(arg).map_err(fail)? {
        // The origin is this pair (`b=2` of `--set a=1,b=2`), so an error about it shows it
        // alone: an argument of 10,000 pairs made 10,000 errors each quoting all of it.
        let origin = Origin::Arg {
            flag,
            arg: Arc::from(chars[span].iter().collect::<String>()),
        };
        let value = match raw {
            RawValue::Scalar(s) => typed(s, as_string),
            RawValue::List(items) => Value::Seq(
                items
                    .into_iter()
                    .map(|s| Node::new(typed(s, as_string), origin.clone()))
                    .collect(),
            ),
        };
        assign(root, &path, Node::new(value, origin.clone()));
    }
    Ok(())
}

/// An argument as shown in an error: whole up to 200 characters, else its start and length.
fn shortened(arg: &str) -> String {
    match arg.char_indices().nth(200) {
        None => arg.to_string(),
        Some((cut, _)) => format!("{}... ({} bytes)", &arg[..cut], arg.len()),
    }
}

fn typed(s: String, as_string: bool) -> Value {
    if as_string {
        return Value::String(s);
    }
    if s.eq_ignore_ascii_case("true") {
        Value::Bool(true)
    } else if s.eq_ignore_ascii_case("false") {
        Value::Bool(false)
    } else if s.eq_ignore_ascii_case("null") {
        Value::Null
    } else if s == "0" {
        Value::Int(0)
    } else if !s.starts_with('0') && !s.starts_with("+") {
        s.parse::<i64>().map_or(Value::String(s), Value::Int)
    } else {
        Value::String(s)
    }
}

/// The pairs of an argument: key path, value, and where the pair is (in characters).
type Assignment = (Vec<Segment>, RawValue, std::ops::Range<usize>);

fn parse_assignments(arg: &str) -> Result<Vec<Assignment>, String> {
    let chars: Vec<char> = arg.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    if chars.is_empty() {
        return Err("empty argument; expected KEY=VALUE".into());
    }
    while i < chars.len() {
        let start = i;
        let (path, next) = parse_path(&chars, i)?;
        i = next;
        if chars.get(i) != Some(&'=') {
            return Err(format!(
                "key `{}` has no value; expected KEY=VALUE",
                display_path(&path)
            ));
        }
        i += 1;
        let value = if chars.get(i) == Some(&'{') {
            let (items, next) = parse_list(&chars, i + 1)?;
            i = next;
            RawValue::List(items)
        } else {
            let (s, next) = read_until(&chars, i, &[',']);
            i = next;
            RawValue::Scalar(s)
        };
        out.push((path, value, start..i));
        match chars.get(i) {
            None => {}
            Some(',') => {
                i += 1;
                if i == chars.len() {
                    return Err("trailing comma".into());
                }
            }
            Some(c) => return Err(format!("unexpected `{c}` after the value")),
        }
    }
    Ok(out)
}

fn parse_path(chars: &[char], mut i: usize) -> Result<(Vec<Segment>, usize), String> {
    let mut path = Vec::new();
    loop {
        let (key, next) = read_until(chars, i, &['.', '[', ']', '=', ',']);
        i = next;
        if key.is_empty() {
            return Err(if path.is_empty() {
                "empty key before `=`".into()
            } else {
                format!("empty key after `{}`", display_path(&path))
            });
        }
        path.push(Segment::Key(key));
        too_deep(&path)?;
        while chars.get(i) == Some(&'[') {
            let close = chars[i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or_else(|| "unbalanced `[`: missing `]`".to_string())?;
            let digits: String = chars[i + 1..i + close].iter().collect();
            let index: usize = digits
                .parse()
                .map_err(|_| format!("list index `[{digits}]` is not a non-negative integer"))?;
            if index > MAX_INDEX {
                return Err(format!(
                    "list index {index} is larger than the limit {MAX_INDEX}"
                ));
            }
            path.push(Segment::Index(index));
            too_deep(&path)?;
            i += close + 1;
        }
        match chars.get(i) {
            Some('.') => i += 1,
            Some(']') => return Err("unbalanced `]`".into()),
            _ => return Ok((path, i)),
        }
    }
}

/// Refuses a key path past [`MAX_DEPTH`] as soon as it gets there, so a 20,000-level key is
/// neither built nor shown whole.
fn too_deep(path: &[Segment]) -> Result<(), String> {
    if path.len() <= MAX_DEPTH {
        return Ok(());
    }
    let shown = display_path(&path[..3]);
    Err(format!(
        "the key `{shown}...` nests deeper than {MAX_DEPTH} levels (keys and list indexes), the limit for values; set a shallower key"
    ))
}

fn parse_list(chars: &[char], mut i: usize) -> Result<(Vec<String>, usize), String> {
    let mut items = Vec::new();
    if chars.get(i) == Some(&'}') {
        return Ok((items, i + 1));
    }
    loop {
        let (item, next) = read_until(chars, i, &[',', '}']);
        items.push(item);
        i = next;
        match chars.get(i) {
            Some(',') => i += 1,
            Some('}') => return Ok((items, i + 1)),
            _ => return Err("unbalanced `{`: missing `}`".into()),
        }
    }
}

/// Reads up to an unescaped stop character; `\x` stands for `x`.
fn read_until(chars: &[char], mut i: usize, stops: &[char]) -> (String, usize) {
    let mut s = String::new();
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            if let Some(&n) = chars.get(i + 1) {
                s.push(n);
                i += 2;
                continue;
            }
            s.push(c);
            i += 1;
            continue;
        }
        if stops.contains(&c) {
            break;
        }
        s.push(c);
        i += 1;
    }
    (s, i)
}

fn display_path(path: &[Segment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn assign(root: &mut Node, path: &[Segment], value: Node) {
    let origin = value.origin.clone();
    let mut node = root;
    for (depth, seg) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        match seg {
            Segment::Key(key) => {
                if !matches!(node.value, Value::Map(_)) {
                    *node = Node::new(Value::Map(Map::default()), origin.clone());
                }
                let Value::Map(map) = &mut node.value else {
                    unreachable!()
                };
                if last {
                    if matches!(value.value, Value::Null) {
                        map.shift_remove(key);
                    } else {
                        map.insert(key.clone(), value);
                    }
                    return;
                }
                node = map
                    .entry(key.clone())
                    .or_insert_with(|| Node::new(Value::Null, origin.clone()));
            }
            Segment::Index(index) => {
                if !matches!(node.value, Value::Seq(_)) {
                    *node = Node::new(Value::Seq(Vec::new()), origin.clone());
                }
                let Value::Seq(items) = &mut node.value else {
                    unreachable!()
                };
                while items.len() <= *index {
                    items.push(Node::new(Value::Null, Origin::Generated));
                }
                if last {
                    items[*index] = value;
                    return;
                }
                node = &mut items[*index];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::emit_document;

    fn set(args: &[&str]) -> String {
        let mut root = Node::new(Value::Map(Map::default()), Origin::Generated);
        for a in args {
            apply_set(&mut root, "--set", a, false).unwrap();
        }
        emit_document(&root)
    }

    #[test]
    fn helm_syntax() {
        assert_eq!(set(&["a.b=c,d=1"]), "a:\n  b: c\nd: 1\n");
        assert_eq!(set(&[r"a\.b=x"]), "a.b: x\n");
        assert_eq!(set(&["l[1]=x"]), "l:\n  - null\n  - x\n");
        assert_eq!(set(&["l={a,1,true}"]), "l:\n  - a\n  - 1\n  - true\n");
        assert_eq!(
            set(&["v=012,w=1.5,x=,y=a=b"]),
            "v: \"012\"\nw: \"1.5\"\nx: \"\"\n\"y\": a=b\n"
        );
        assert_eq!(set(&[r"v=a\,b"]), "v: a,b\n");
        assert_eq!(set(&["a.b=1", "a=null"]), "{}\n");
        assert_eq!(set(&["l[0].name=x"]), "l:\n  - name: x\n");
        // The deepest key accepted.
        let deepest = format!("{}=1", ["a"; MAX_DEPTH].join("."));
        assert!(set(&[&deepest]).ends_with(": 1\n"));
    }

    #[test]
    fn bad_syntax_is_rejected() {
        let mut root = Node::new(Value::Map(Map::default()), Origin::Generated);
        for bad in [
            "",
            "=x",
            "a",
            "a.=x",
            "a..b=x",
            "a[=x",
            "a[x]=1",
            "a[99999999]=1",
            format!("{}=1", ["a"; MAX_DEPTH + 1].join(".")).as_str(),
            format!("a{}=1", "[0]".repeat(MAX_DEPTH)).as_str(),
            "a]=1",
            "a={x",
            "a=1,",
        ] {
            assert!(
                apply_set(&mut root, "--set", bad, false).is_err(),
                "{bad:?} should fail"
            );
        }
    }
}

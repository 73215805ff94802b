//! Properties checked on generated inputs (proptest, a fixed number of cases so CI time is
//! bounded): merging maps is associative; render is deterministic; emitted YAML reads back as
//! the same data under YAML 1.2 (our reader and serde_yaml) and YAML 1.1 (PyYAML, like kubectl).

use std::cell::RefCell;

use kforge::chart::ChartMeta;
use kforge::manifest::to_yaml_stream;
use kforge::render::{RenderContext, TemplateSet, render_env};
use kforge::values::{merge_overlay, parse_values_file};
use kforge::yaml::{
    Limits, Map, Node, Origin, SourceFile, Value, emit_document, parse_documents, to_json,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::support::python;

/// Characters that matter to YAML, plus some that do not.
const ALPHABET: &[char] = &[
    'a', 'b', 'z', 'A', '0', '1', '9', '-', '.', ':', ' ', '#', '\n', '\t', '"', '\'', '{', '}',
    '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`', '~', '?', '+', '_', '=', '<', '\\', '/',
    '\u{85}', '\u{a0}', 'ü', '日', '🚀', '\u{1}', '\u{1b}', '\u{7f}', '\u{feff}', '\u{2028}',
];

/// Words YAML 1.1 or 1.2 read as something other than a string.
const WORDS: &[&str] = &[
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1:30",
    "190:20:30",
    "012",
    "08",
    "+1",
    "-0",
    ".5",
    "1e3",
    "1.0e+3",
    ".inf",
    "-.Inf",
    ".NaN",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "-",
    "---",
    "...",
    "- a",
    "a: b",
    "? x",
    "!!str",
    "&a",
    "*a",
    "%TAG",
    "@x",
    "`x",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(ALPHABET), 0..12)
            .prop_map(|cs| cs.into_iter().collect()),
        prop::sample::select(WORDS).prop_map(str::to_string),
    ]
}

fn node(value: Value) -> Node {
    Node::new(value, Origin::Generated)
}

fn scalar() -> impl Strategy<Value = Node> {
    prop_oneof![
        text().prop_map(|s| node(Value::String(s))),
        any::<i64>().prop_map(|i| node(Value::Int(i))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| node(Value::Float(f))),
        any::<bool>().prop_map(|b| node(Value::Bool(b))),
        Just(node(Value::Null)),
    ]
}

/// A values-like tree: a map at the top, nested maps and lists below.
fn tree() -> impl Strategy<Value = Node> {
    let leaf = scalar();
    let inner = leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| node(Value::Seq(v))),
            prop::collection::vec((text(), inner), 0..5)
                .prop_map(|kv| node(Value::Map(kv.into_iter().collect::<Map>()))),
        ]
    });
    prop::collection::vec((text(), inner), 0..6)
        .prop_map(|kv| node(Value::Map(kv.into_iter().collect::<Map>())))
}

/// A map tree without nulls whose paths keep their kind, as values checked by a schema do:
/// keys `a`/`b` always hold maps, `c`/`d` scalars or lists. (Null deletes keys, and a layer
/// that turns a map into a scalar resets what lower layers set below it; neither is
/// associative, by design: layers are always folded bottom-up, as in Helm.)
fn map_without_nulls() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| node(Value::Int(i))),
        text().prop_map(|s| node(Value::String(s))),
        prop::collection::vec(any::<bool>().prop_map(|b| node(Value::Bool(b))), 0..3)
            .prop_map(|v| node(Value::Seq(v))),
    ];
    let empty = Just(node(Value::Map(Map::default())));
    empty.prop_recursive(3, 32, 4, move |inner| {
        (
            prop::collection::vec((prop::sample::select(&["a", "b"][..]), inner), 0..3),
            prop::collection::vec((prop::sample::select(&["c", "d"][..]), leaf.clone()), 0..3),
        )
            .prop_map(|(maps, leaves)| {
                let mut m = Map::default();
                for (k, v) in maps.into_iter().chain(leaves) {
                    m.insert(k.to_string(), v);
                }
                node(Value::Map(m))
            })
    })
}

/// A runner with `cases` cases and a fixed seed: CI runs the same cases every time (set
/// PROPTEST_RANDOM=1 to explore new ones locally).
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_RANDOM").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    }
}

#[test]
fn merging_maps_is_associative() {
    runner(512)
        .run(
            &(
                map_without_nulls(),
                map_without_nulls(),
                map_without_nulls(),
            ),
            |(a, b, c)| {
                let mut left = a.clone();
                merge_overlay(&mut left, b.clone());
                merge_overlay(&mut left, c.clone());
                let mut bc = b;
                merge_overlay(&mut bc, c);
                let mut right = a;
                merge_overlay(&mut right, bc);
                prop_assert_eq!(to_json(&left), to_json(&right));
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn render_is_deterministic() {
    let set = TemplateSet::builtin();
    let defaults = parse_values_file(&set.defaults()[0]).unwrap().unwrap();
    let strategy = (
        text(),
        prop::collection::btree_map(text(), text(), 0..4),
        any::<bool>(),
        1u16..4,
    );
    runner(64)
        .run(&strategy, |(tag, labels, ingress, replicas)| {
            let mut overlay = format!(
                "chart:\n  name: prop\n  version: 1.0.0\nimage:\n  repository: nginx\n  tag: {}\nreplicaCount: {replicas}\ningress:\n  enabled: {ingress}\n  hosts:\n    example.com:\n      paths:\n        /: {{pathType: Prefix}}\npodAnnotations:\n",
                serde_json::to_string(&tag).unwrap()
            );
            for (k, v) in &labels {
                overlay.push_str(&format!(
                    "  {}: {}\n",
                    serde_json::to_string(&format!("x/{k}")).unwrap(),
                    serde_json::to_string(v).unwrap()
                ));
            }
            let file = SourceFile::new("overlay.yaml", overlay);
            let mut values = defaults.clone();
            merge_overlay(&mut values, parse_values_file(&file).unwrap().unwrap());
            let chart = ChartMeta::from_values(&values).unwrap();
            let a = render_env(&set, &RenderContext { values: &values, chart: &chart, environment: "prop", component: None }).map(|d| to_yaml_stream(&d));
            let b = render_env(&set, &RenderContext { values: &values, chart: &chart, environment: "prop", component: None }).map(|d| to_yaml_stream(&d));
            prop_assert!(a.is_ok(), "render failed: {:?}", a.err());
            prop_assert_eq!(a.unwrap(), b.unwrap());
            Ok(())
        })
        .unwrap();
}

#[test]
fn emitted_yaml_reads_back_the_same_under_yaml_1_2_and_1_1() {
    let emitted: RefCell<Vec<(String, serde_json::Value)>> = RefCell::new(Vec::new());
    runner(400)
        .run(&tree(), |t| {
            let text = emit_document(&t);
            let expected = to_json(&t);
            // Our reader (YAML 1.2 core schema).
            let file = SourceFile::new("emitted.yaml", text.clone());
            let back = parse_documents(&text, &file, Limits::default())
                .map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
            prop_assert_eq!(back.len(), 1);
            prop_assert_eq!(&to_json(&back[0]), &expected, "ours:\n{}", text);
            // serde_yaml (libyaml-based, YAML 1.2).
            let theirs: serde_json::Value = serde_yaml::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("serde_yaml: {e}\n{text}")))?;
            prop_assert_eq!(&theirs, &expected, "serde_yaml:\n{}", text);
            emitted.borrow_mut().push((text, expected));
            Ok(())
        })
        .unwrap();
    // PyYAML (YAML 1.1), all cases in one process; numbers compared exactly.
    let cases = emitted.into_inner();
    let input = serde_json::Value::Array(
        cases
            .iter()
            .map(|(t, e)| serde_json::json!({"text": t, "expected": e}))
            .collect(),
    );
    let out = python(
        r#"
import json, sys, yaml
def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
bad = []
cases = json.load(sys.stdin)
for c in cases:
    got = yaml.safe_load(c["text"])
    if not same(got, c["expected"]):
        bad.append((c["text"], got, c["expected"]))
print(json.dumps({"n": len(cases), "bad": [repr(b) for b in bad[:3]], "nbad": len(bad)}))
"#,
        &input.to_string(),
    );
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["n"], cases.len());
    assert_eq!(
        result["nbad"], 0,
        "PyYAML reads differently: {}",
        result["bad"]
    );
}

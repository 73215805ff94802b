use super::*;
use crate::chart::ChartYaml;
use crate::chart::index::{Entry, RepoIndex};
use crate::diag::Diagnostic;

/// [`read`], as the index it gives.
fn read(file: &Arc<SourceFile>) -> Option<RepoIndex> {
    super::read(file)?;
    Some(RepoIndex::parse(file).expect("read, so parsed"))
}

fn file(text: &str) -> Arc<SourceFile> {
    SourceFile::new("index.yaml", text)
}

/// The parse of the whole file into a tree, as without this reading.
fn parsed(text: &str) -> Result<RepoIndex, Diagnostic> {
    RepoIndex::parse_tree(&file(text))
}

fn at(o: &Origin) -> Option<(String, usize, usize)> {
    o.file_line().map(|(f, l, c)| (f.display.clone(), l, c))
}

/// The reading without a tree gives what the parse gives: the same entries with the same
/// fields and places, and the same index written back.
fn same(mut fast: RepoIndex, mut full: RepoIndex) {
    assert_eq!(fast.len(), full.len());
    assert!(full.extra.is_empty());
    for ((n1, l1), (n2, l2)) in fast.entries.iter().zip(&full.entries) {
        assert_eq!(n1, n2);
        assert_eq!(l1.len(), l2.len(), "{n1}");
        for (a, b) in l1.iter().zip(l2) {
            assert_eq!(a.semver(), b.semver());
            assert_eq!(a.version(), b.version());
            assert_eq!(a.digest(), b.digest());
            assert_eq!(a.created(), b.created());
            assert_eq!(a.urls(), b.urls());
            assert_eq!(at(a.origin().unwrap()), at(b.origin().unwrap()));
            for key in ["digest", "name", "urls", "nothing"] {
                assert_eq!(at(&a.origin_of(key)), at(&b.origin_of(key)), "{key}");
            }
        }
    }
    assert_eq!(fast.to_yaml("x"), full.to_yaml("x"));
}

/// Chart.yamls with every shape an entry takes: nested maps and lists, lists of maps,
/// quoted and plain strings, booleans, empty values.
const CHARTS: [&str; 5] = [
    "apiVersion: v2\nname: app\nversion: 1.2.0\nappVersion: \"2.10\"\ndescription: \"a: b # c\"\nkeywords: [a, \"yes\", '1.0', http://x/y]\nmaintainers:\n- name: Zoë\n  email: z@example.com\n  url: \"\"\nannotations:\n  b: \"x: y\"\n  a: 'null'\n  kforge.io/source-commit: \"0123abc\"\ndependencies:\n- name: redis\n  version: ~17\n  condition: redis.enabled\n  tags: [a, b]\n  import-values:\n  - child: x\n    parent: y\n",
    "apiVersion: v2\nname: app\nversion: 1.10.0-rc.1+build.7\ntype: library\ndeprecated: true\nhome: https://example.com/#x\nsources: []\nannotations: {}\n",
    "apiVersion: v1\nname: c\nversion: 0.0.1\ndescription: \"  padded  \"\nicon: \"@icon\"\n",
    "apiVersion: v2\nname: b.c-d_e\nversion: \"3.0.0\"\ndescription: \"tab\\there\"\n",
    "apiVersion: v2\nname: b.c-d_e\nversion: 3.1.0\ndescription: |\n  two\n  lines\n",
];

/// An index kforge writes for [`CHARTS`] (each `copies` times, in other versions).
fn written(copies: usize) -> String {
    let mut idx = RepoIndex::default();
    for (i, c) in CHARTS.iter().enumerate() {
        for n in 0..copies {
            let chart = c.replace("version: 1.2.0", &format!("version: 1.2.{n}"));
            let chart = chart.replace("0.0.1", &format!("0.0.{}", n + 1));
            let chart = chart.replace("3.0.0", &format!("3.0.{n}"));
            let chart = chart.replace("3.1.0", &format!("3.1.{n}"));
            let chart = chart.replace("1.10.0-rc.1", &format!("1.10.{n}-rc.1"));
            let chart =
                ChartYaml::parse(&SourceFile::new("x.tgz:Chart.yaml", chart.as_str())).unwrap();
            let entry = chart.entry(
                &Arc::from("2026-11-25T10:00:00Z"),
                format!("{:064x}", i * 100 + n),
                format!("https://h/c/{}-{}.tgz", chart.name, chart.version),
            );
            idx.entries
                .entry(chart.name.clone())
                .or_default()
                .push(entry);
        }
    }
    idx.to_yaml("x")
}

/// The text without its literal blocks and escaped strings (the only lines of [`CHARTS`]
/// not taken).
fn without_literals(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| {
            !l.ends_with(": |\n")
                && *l != "        two\n"
                && *l != "        lines\n"
                && !l.contains('\\')
        })
        .collect()
}

#[test]
fn an_index_kforge_wrote_is_read_as_the_parse_reads_it() {
    let text = written(3);
    assert!(text.contains("      description: |\n"), "{text}");
    assert!(read(&file(&text)).is_none(), "a literal block is not taken");
    same(
        RepoIndex::parse(&file(&text)).unwrap(),
        parsed(&text).unwrap(),
    );
    // Without the multi-line descriptions.
    let plain = without_literals(&text);
    let fast = read(&file(&plain)).unwrap_or_else(|| panic!("not taken:\n{plain}"));
    assert!(fast.entries.values().flatten().all(Entry::is_raw));
    same(fast, parsed(&plain).unwrap());
    // A chart name the emitter quotes is left to the parse.
    let quoted = plain.replace("\n  c:\n", "\n  \"yes\":\n");
    assert!(quoted.contains("  \"yes\":\n"));
    assert!(read(&file(&quoted)).is_none());
    same(
        RepoIndex::parse(&file(&quoted)).unwrap(),
        parsed(&quoted).unwrap(),
    );
    // Through the public entry point, and with its one-url change.
    let mut idx = RepoIndex::parse(&file(&plain)).unwrap();
    let mut full = parsed(&plain).unwrap();
    for i in [&mut idx, &mut full] {
        for e in i.entries.values_mut().flatten() {
            e.set_url("moved.tgz");
        }
    }
    assert_eq!(idx.to_yaml("x"), full.to_yaml("x"));
}

/// Any change to one line of an index kforge wrote is either declined, or read exactly as
/// the parse reads it: never taken where the parse would refuse it or read something else.
#[test]
fn an_edited_index_is_declined_or_read_as_the_parse_reads_it() {
    let base = without_literals(&written(2));
    assert!(read(&file(&base)).is_some());
    let lines: Vec<&str> = base.split_inclusive('\n').collect();
    let edits: [&dyn Fn(&str) -> String; 16] = [
        &|_| String::new(),
        &|l| format!("{l}{l}"),
        &|l| format!(" {l}"),
        &|l| l.strip_prefix("  ").unwrap_or(l).to_string(),
        &|l| format!("  {l}"),
        &|l| l.replacen('\n', " # c\n", 1),
        &|l| l.replacen('\n', " \n", 1),
        &|l| l.replacen(": ", ":  ", 1),
        &|l| l.replacen(": ", ":", 1),
        &|l| l.replacen("- ", "-  ", 1),
        &|l| format!("{l}\n"),
        &|l| l.replacen('"', "'", 2),
        &|l| l.replacen('"', "", 2),
        &|l| l.replacen('\n', "\n  more\n", 1),
        &|l| l.replacen('\n', "\n    more\n", 1),
        &|l| l.replacen(':', ": &a", 1),
    ];
    let (mut taken, mut declined) = (0, 0);
    for i in 0..lines.len() {
        for (k, edit) in edits.iter().enumerate() {
            let mut text = lines[..i].concat();
            text.push_str(&edit(lines[i]));
            text.push_str(&lines[i + 1..].concat());
            match read(&file(&text)) {
                Some(fast) => {
                    taken += 1;
                    let full = parsed(&text).unwrap_or_else(|e| {
                        panic!("line {i} edit {k}: taken, but the parse refuses it: {e:?}\n{text}")
                    });
                    same(fast, full);
                }
                None => declined += 1,
            }
        }
        // Swapped with the next line.
        if i + 1 < lines.len() {
            let mut l = lines.clone();
            l.swap(i, i + 1);
            let text = l.concat();
            if let Some(fast) = read(&file(&text)) {
                same(
                    fast,
                    parsed(&text).expect("taken, so the parse must take it"),
                );
            }
        }
    }
    assert!(taken > 0 && declined > 0, "{taken} {declined}");
}

/// Indexes Helm wrote (items at the key's indentation, keys as Go writes them) are left to
/// the parse.
#[test]
fn indexes_helm_wrote_are_left_to_the_parse() {
    for path in [
        "tests/corpora/helm/pkg/repo/v1/testdata/server/index.yaml",
        "tests/corpora/helm/pkg/cmd/testdata/testserver/index.yaml",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        if let Some(fast) = read(&file(&text)) {
            same(fast, parsed(&text).unwrap());
        }
    }
}

#[test]
fn scalars_are_taken_only_as_the_emitter_writes_them() {
    for ok in [
        "abc", "\"1.0\"", "\"yes\"", "\"\"", "true", "12", "-3", "{}", "[]", "a b", "\"Zoë\"",
    ] {
        assert!(scalar(ok).is_some(), "{ok}");
    }
    for no in [
        "\"abc\"",
        "'x'",
        "1.0",
        "yes",
        "012",
        "-0",
        "a #b",
        "\"a\\\"b\"",
        "\"a\tb\"",
        "&a x",
        "*a",
        "[a]",
        "|-",
        ">",
        "a ",
        "- a",
        "!!str x",
        "~",
        "",
    ] {
        assert!(scalar(no).is_none(), "{no}");
    }
}

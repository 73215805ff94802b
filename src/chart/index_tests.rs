use super::*;

fn index(text: &str) -> Result<RepoIndex, Diagnostic> {
    RepoIndex::parse(&SourceFile::new("index.yaml", text))
}

#[test]
fn round_trip_sorts_versions_and_keys() {
    let mut idx = index(
        "apiVersion: v1\nentries:\n  a:\n  - version: 1.2.0\n    urls: [a-1.2.0.tgz]\n    created: \"2020-01-01T00:00:00Z\"\n  - version: 1.10.0\n    urls: [a-1.10.0.tgz]\n    created: \"2021-01-01T00:00:00+02:00\"\n",
    )
    .unwrap();
    let out = idx.to_yaml("x");
    let first = out.find("1.10.0").unwrap();
    let second = out.find("1.2.0").unwrap();
    assert!(first < second, "{out}");
    assert!(
        out.ends_with("generated: \"2021-01-01T00:00:00+02:00\"\n"),
        "{out}"
    );
    assert!(out.find("created").unwrap() < out.find("urls").unwrap());
}

/// `entries` is emitted in parts on every core and joined: the bytes must be those of one
/// emitter pass over the whole tree, across part boundaries, for an empty list, and for a
/// chart name that needs quoting.
#[test]
fn entries_emitted_in_parts_match_one_emitter_pass() {
    let mut text = String::from("apiVersion: v1\nserverInfo: {contextPath: /x}\nentries:\n");
    text.push_str("  \"yes\": []\n  b:\n  - version: 0.1.0\n    urls: [\"b 0.1.0.tgz\"]\n  a:\n");
    for i in 0..(2 * 256 + 7) {
        text.push_str(&format!(
            "  - version: 1.{i}.0\n    urls: [a-1.{i}.0.tgz]\n    description: \"line\\nnext: {i}\"\n    created: \"2020-01-01T00:00:00Z\"\n"
        ));
    }
    let mut idx = index(&text).unwrap();
    let out = idx.to_yaml("x");
    // The same tree (now in its emitted order) through a single emit_document.
    let node = |e: &Entry| match &e.body {
        Body::Read(node) => node.clone(),
        Body::Made(_) | Body::Raw(_) => unreachable!("every entry here was read"),
    };
    let entries = idx
        .entries
        .iter()
        .map(|(name, list)| {
            let items = list.iter().map(node).collect();
            (name.clone(), generated_node(Value::Seq(items)))
        })
        .collect();
    let mut root = Map::default();
    root.insert("apiVersion".to_string(), gen_str("v1"));
    root.insert("entries".to_string(), generated_node(Value::Map(entries)));
    root.insert("generated".to_string(), gen_str("2020-01-01T00:00:00Z"));
    root.insert("serverInfo".to_string(), idx.extra["serverInfo"].clone());
    assert_eq!(out, emit_document(&generated_node(Value::Map(root))));
    assert!(out.contains("  \"yes\": []\n"), "{out}");
    assert_eq!(index(&out).unwrap().len(), 2 * 256 + 8);
}

#[test]
fn refuses_entries_it_cannot_rewrite() {
    let e = index("apiVersion: v1\nentries:\n  a:\n  - urls: [x]\n").unwrap_err();
    assert!(e.message.contains("no `version`"), "{}", e.message);
    let e = index("entries: {}\n").unwrap_err();
    assert!(e.message.contains("no API version"), "{}", e.message);
    let e = index("apiVersion: v1\nentries:\n  a:\n  - version: v1\n    urls: [x]\n").unwrap_err();
    assert!(e.message.contains("SemVer"), "{}", e.message);
}

fn made(chart_yaml: &str, created: &str, digest: &str, url: &str) -> (String, Entry) {
    let chart = ChartYaml::parse(&SourceFile::new("x.tgz:Chart.yaml", chart_yaml)).unwrap();
    let entry = chart.entry(&Arc::from(created), digest.into(), url.into());
    (chart.name, entry)
}

/// An entry made from an archive keeps only its text: the index must be the bytes that
/// emitting its tree gives, as it does for an entry read back from that index.
#[test]
fn an_entry_made_from_an_archive_is_written_as_its_tree_is() {
    let charts = [
        "apiVersion: v2\nname: app\nversion: 1.2.0\nappVersion: \"2.10\"\ndescription: |\n  two\n  lines: here\nkeywords: [a, \"yes\", '1.0']\nmaintainers:\n- name: Zoë\n  email: z@example.com\nannotations:\n  b: \"x: y\"\n  a: 'null'\ndependencies:\n- name: redis\n  version: ~17\n  condition: redis.enabled\nnotAnIndexField: dropped\n",
        "apiVersion: v2\nname: app\nversion: 1.10.0-rc.1+build.7\ntype: library\ndeprecated: true\nhome: https://example.com/#x\n",
        "apiVersion: v1\nname: \"yes\"\nversion: 0.0.1\ndescription: \"  padded  \"\nicon: \"@icon\"\n",
    ];
    let mut idx = RepoIndex::default();
    for (i, c) in charts.iter().enumerate() {
        let (name, entry) = made(
            c,
            "2026-11-25T10:00:00Z",
            &format!("{i:064x}"),
            &format!("https://h/c/{name}-{i}.tgz", name = "n"),
        );
        idx.entries.entry(name).or_default().push(entry);
    }
    let text = idx.to_yaml("x");
    assert!(!text.contains("notAnIndexField"), "{text}");
    assert!(text.find("1.10.0-rc.1+build.7").unwrap() < text.find("1.2.0").unwrap());
    let mut read = index(&text).unwrap();
    assert!(
        read.entries
            .values()
            .flatten()
            .all(|e| e.origin().is_some())
    );
    assert_eq!(read.to_yaml("x"), text);
    assert_eq!(read.len(), 3);
    let e = read.find("app", "1.2.0").unwrap();
    assert_eq!(e.digest(), Some(format!("{:064x}", 0).as_str()));
    assert_eq!(e.urls(), ["https://h/c/n-0.tgz"]);
    // Read and made entries in one list, over more than one emitted part.
    for i in 0..300 {
        let chart = charts[0].replace("1.2.0", &format!("1.3.{i}"));
        let (name, entry) = made(&chart, "2026-11-26T00:00:00Z", "cd", "u.tgz");
        read.entries.entry(name).or_default().push(entry);
    }
    let mixed = read.to_yaml("x");
    assert!(
        mixed.ends_with("generated: \"2026-11-26T00:00:00Z\"\n"),
        "{mixed}"
    );
    assert_eq!(index(&mixed).unwrap().to_yaml("x"), mixed);
}

/// A made entry whose url changes is read back from its text first: the same bytes as an
/// entry made with that url, and reported as made by kforge, not at a file:line.
#[test]
fn a_made_entry_takes_a_new_url() {
    let chart = "apiVersion: v2\nname: app\nversion: 1.0.0\ndescription: \"a: b\"\n";
    let (_, mut moved) = made(chart, "2026-01-01T00:00:00Z", "ab", "old/app-1.0.0.tgz");
    moved.set_url("new/app-1.0.0.tgz");
    let (_, direct) = made(chart, "2026-01-01T00:00:00Z", "ab", "new/app-1.0.0.tgz");
    let write = |e: Entry| {
        let mut idx = RepoIndex::default();
        idx.entries.insert("app".into(), vec![e]);
        idx.to_yaml("x")
    };
    assert_eq!(moved.urls(), ["new/app-1.0.0.tgz"]);
    assert!(matches!(moved.origin_of("digest"), Origin::Generated));
    assert_eq!(moved.version(), "1.0.0");
    assert_eq!(write(moved), write(direct));
}

#[test]
fn rfc3339_is_utc_seconds() {
    assert_eq!(rfc3339(946_684_800), "2000-01-01T00:00:00Z");
}

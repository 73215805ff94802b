//! A block a values file writes more than once (two components' alike probes, three CronJobs'
//! alike resources) written once, as a person would in YAML: the first with an anchor
//! (`livenessProbe: &backend-livenessProbe`), the others as its alias
//! (`livenessProbe: *backend-livenessProbe`). Values files are read with anchors and aliases
//! (one document each), so the merged values, and thus the render, are the same.

use std::collections::BTreeMap;

/// Fewest lines a block must have to be written once and aliased.
const MIN_BLOCK: usize = 3;

/// `text` (one YAML document as kforge emits it: block style, keys whose value is a nested
/// block on a line of their own) with each block of at least [`MIN_BLOCK`] lines written more
/// than once anchored where it first appears and aliased elsewhere; longest blocks first.
pub fn alias_repeats(text: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    let once = alias_blocks(text, &mut names);
    merge_runs(&once, &mut names)
}

/// [`alias_repeats`] of single blocks; `names`: the anchors given, to which it adds.
fn alias_blocks(text: &str, names: &mut Vec<String>) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let scalar = in_block_scalar(&lines);
    // Blocks by their text relative to their key's indentation: (key line, end) each.
    let mut blocks: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if scalar[i] || key_of(line).is_none() {
            continue;
        }
        let indent = indent(line);
        let end = (i + 1..lines.len())
            .find(|&j| !scalar[j] && indent_of(lines[j]) <= indent)
            .unwrap_or(lines.len());
        if end - i - 1 < MIN_BLOCK {
            continue;
        }
        let body: Vec<&str> = lines[i + 1..end]
            .iter()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        blocks.entry(body.join("\n")).or_default().push((i, end));
    }
    let mut groups: Vec<Vec<(usize, usize)>> =
        blocks.into_values().filter(|o| o.len() > 1).collect();
    // Longest first; among equals, the one met first (the order is the text's, deterministic).
    groups.sort_by_key(|o| (std::cmp::Reverse(o[0].1 - o[0].0), o[0].0));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    // Key line -> the anchor (`&name`) or alias (`*name`) written after it.
    let mut marks: BTreeMap<usize, String> = BTreeMap::new();
    for group in groups {
        let free: Vec<(usize, usize)> = group
            .into_iter()
            .filter(|&(a, b)| taken.iter().all(|&(c, d)| b <= c || d <= a))
            .collect();
        if free.len() < 2 {
            continue;
        }
        let name = unique(anchor_name(&lines, free[0].0), names);
        for (n, &(a, b)) in free.iter().enumerate() {
            let sigil = if n == 0 { '&' } else { '*' };
            marks.insert(a, format!("{sigil}{name}"));
            taken.push((a, b));
        }
        names.push(name);
    }
    let mut out = String::with_capacity(text.len());
    let mut skip_to = 0;
    for (i, line) in lines.iter().enumerate() {
        if i < skip_to {
            continue;
        }
        match marks.get(&i) {
            Some(mark) => {
                out.push_str(line);
                out.push(' ');
                out.push_str(mark);
                out.push('\n');
                if mark.starts_with('*') {
                    skip_to = taken.iter().find(|t| t.0 == i).map_or(i + 1, |t| t.1);
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Fewest lines, and entries, a run of a component's entries must have to be written once
/// with a merge key.
const MIN_RUN: usize = 6;

/// `text` with each run of consecutive entries (two or more, [`MIN_RUN`] lines or more) that
/// several components' maps (`components.<name>`, where the order of keys means nothing)
/// write alike written once, as a merge key where it first appears
/// (`<<: &accounts-db-shared` with the entries under it) and `<<: *accounts-db-shared` in
/// the others: the two databases of Bank of Anthos share their volumes, port, account and pod
/// settings, which no single key holds. Longest runs first; entries in block scalars are left
/// alone.
fn merge_runs(text: &str, names: &mut Vec<String>) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let scalar = in_block_scalar(&lines);
    if scalar.iter().any(|s| *s) {
        return text.to_string();
    }
    // Per component under a top-level `components:`: its name and entries (start, end).
    let mut components: Vec<(&str, Vec<(usize, usize)>)> = Vec::new();
    let mut in_components = false;
    for (i, line) in lines.iter().enumerate() {
        match indent(line) {
            0 => in_components = key_of(line) == Some("components"),
            2 if in_components => {
                if let Some(name) = key_of(line) {
                    components.push((name, Vec::new()));
                } else {
                    components.push(("", Vec::new()));
                }
            }
            4 if in_components => {
                if let Some((_, entries)) = components.last_mut() {
                    entries.push((i, i + 1));
                }
            }
            _ => {}
        }
        if indent(line) > 4
            && in_components
            && let Some((_, entries)) = components.last_mut()
            && let Some(last) = entries.last_mut()
        {
            last.1 = i + 1;
        }
    }
    let text_of = |(a, b): (usize, usize)| lines[a..b].join("\n");
    // The longest run two components share, repeatedly, each entry in one run at most.
    let mut taken: Vec<bool> = vec![false; lines.len()];
    // Line -> what replaces it: the merge key's line (anchor or alias), the entries moved
    // under it, or nothing (an alias's entries).
    let mut anchors: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    let mut aliases: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    loop {
        let mut best: Option<(usize, usize, usize, usize, usize)> = None; // lines, c1, e1, c2, e2... len
        let mut best_len = 0;
        for (ci, (_, a)) in components.iter().enumerate() {
            for (cj, (_, b)) in components.iter().enumerate().skip(ci + 1) {
                for i in 0..a.len() {
                    for j in 0..b.len() {
                        let mut n = 0;
                        let mut size = 0;
                        while i + n < a.len()
                            && j + n < b.len()
                            && !taken[a[i + n].0]
                            && !taken[b[j + n].0]
                            && text_of(a[i + n]) == text_of(b[j + n])
                        {
                            size += a[i + n].1 - a[i + n].0;
                            n += 1;
                        }
                        if n >= 2 && size >= MIN_RUN && best.is_none_or(|(s, ..)| size > s) {
                            best = Some((size, ci, i, cj, j));
                            best_len = n;
                        }
                    }
                }
            }
        }
        let Some((_, ci, i, cj, j)) = best else {
            break;
        };
        let run: Vec<String> = (0..best_len)
            .map(|n| text_of(components[ci].1[i + n]))
            .collect();
        // Every later component with the same run (free) takes the alias too.
        let mut sites = vec![(ci, i)];
        for (ck, (_, c)) in components.iter().enumerate().skip(ci + 1) {
            if ck == cj {
                sites.push((cj, j));
                continue;
            }
            if let Some(k) = (0..c.len().saturating_sub(best_len - 1))
                .find(|&k| (0..best_len).all(|n| !taken[c[k + n].0] && text_of(c[k + n]) == run[n]))
            {
                sites.push((ck, k));
            }
        }
        let name = unique(format!("{}-shared", components[ci].0), names);
        names.push(name.clone());
        for (n, &(c, k)) in sites.iter().enumerate() {
            let start = components[c].1[k].0;
            let end = components[c].1[k + best_len - 1].1;
            for t in &mut taken[start..end] {
                *t = true;
            }
            if n == 0 {
                anchors.insert(start, (name.clone(), end));
            } else {
                aliases.insert(start, (name.clone(), end));
            }
        }
    }
    if anchors.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        if let Some((name, end)) = anchors.get(&i) {
            out.push_str(&format!("    <<: &{name}\n"));
            for line in &lines[i..*end] {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
            i = *end;
        } else if let Some((name, end)) = aliases.get(&i) {
            out.push_str(&format!("    <<: *{name}\n"));
            i = *end;
        } else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
        }
    }
    out
}

/// The key of a line that holds only `key:` (its value the block below), if it is one.
fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let key = t.strip_suffix(':')?;
    let plain = !key.is_empty()
        && !key.starts_with(['-', '#', '&', '*', '!', '?', '"', '\''])
        && !key.contains(": ")
        && !key.contains(" #");
    plain.then_some(key)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line's indentation, a blank line counting as inside any block.
fn indent_of(line: &str) -> usize {
    if line.trim().is_empty() {
        usize::MAX
    } else {
        indent(line)
    }
}

/// Which lines are the text of a block scalar (`|`, `>-`...), never keys of their own.
fn in_block_scalar(lines: &[&str]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_end();
        let opens = t.rsplit_once(' ').is_some_and(|(_, last)| {
            last.starts_with(['|', '>'])
                && last[1..]
                    .chars()
                    .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        });
        let start = i;
        i += 1;
        if opens {
            let indent = indent(lines[start]);
            while i < lines.len() && indent_of(lines[i]) > indent {
                out[i] = true;
                i += 1;
            }
        }
    }
    out
}

/// A name for the block under key line `at`: the component's name and the key
/// (`backend-livenessProbe`) under `components.<name>`, else the key.
fn anchor_name(lines: &[&str], at: usize) -> String {
    let mut path = vec![key_of(lines[at]).unwrap_or("block")];
    let mut level = indent(lines[at]);
    for line in lines[..at].iter().rev() {
        if level == 0 {
            break;
        }
        let i = indent_of(line);
        if i < level {
            if let Some(k) = key_of(line) {
                path.push(k);
            }
            level = i;
        }
    }
    path.reverse();
    let name = match path.as_slice() {
        ["components", component, .., key] => format!("{component}-{key}"),
        [.., key] => (*key).to_string(),
        [] => "block".to_string(),
    };
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn unique(name: String, taken: &[String]) -> String {
    let mut n = 1;
    let mut candidate = name.clone();
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_block_is_anchored_once_and_aliased_after() {
        let text = "components:\n  a:\n    probe:\n      exec:\n        command: [x]\n      period: 5\n  b:\n    probe:\n      exec:\n        command: [x]\n      period: 5\n    port: 80\n";
        assert_eq!(
            alias_repeats(text),
            "components:\n  a:\n    probe: &a-probe\n      exec:\n        command: [x]\n      period: 5\n  b:\n    probe: *a-probe\n    port: 80\n"
        );
    }

    // Bank of Anthos's two databases share four settings in a row, none a block of three
    // lines on its own: the run is written once under a merge key, where the order of keys
    // means nothing (a component's map).
    #[test]
    fn a_run_of_entries_components_share_is_written_once_with_a_merge_key() {
        let text = "components:\n  a:\n    kind: StatefulSet\n    ports:\n      - 5432\n    volumes:\n      - emptyDir: {}\n        name: data\n    account: default\n    image: a\n  b:\n    ports:\n      - 5432\n    volumes:\n      - emptyDir: {}\n        name: data\n    account: default\n    image: b\n";
        assert_eq!(
            alias_repeats(text),
            "components:\n  a:\n    kind: StatefulSet\n    <<: &a-shared\n      ports:\n        - 5432\n      volumes:\n        - emptyDir: {}\n          name: data\n      account: default\n    image: a\n  b:\n    <<: *a-shared\n    image: b\n"
        );
        let file = crate::yaml::SourceFile::new("t.yaml", alias_repeats(text));
        let doc = crate::yaml::parse_documents(&file.text, &file, crate::yaml::Limits::default())
            .unwrap()
            .remove(0);
        let original = crate::yaml::SourceFile::new("o.yaml", text.to_string());
        let was =
            crate::yaml::parse_documents(&original.text, &original, crate::yaml::Limits::default())
                .unwrap()
                .remove(0);
        assert_eq!(crate::yaml::to_json(&doc), crate::yaml::to_json(&was));
        // Outside components (where order can mean something: env), or shorter, left alone.
        let env = "env:\n  a:\n    x: 1\n    y: 2\n    z: 3\n  b:\n    x: 1\n    y: 2\n    z: 3\n";
        assert_eq!(
            alias_repeats(env),
            "env:\n  a: &a\n    x: 1\n    y: 2\n    z: 3\n  b: *a\n"
        );
        let short = "components:\n  a:\n    p: 1\n    q: 2\n  b:\n    p: 1\n    q: 2\n";
        assert_eq!(alias_repeats(short), short);
    }

    #[test]
    fn block_scalar_text_and_short_blocks_are_left_alone() {
        let text = "a: |\n  k:\n    1\n    2\n    3\nb: |\n  k:\n    1\n    2\n    3\nc:\n  x: 1\nd:\n  x: 1\n";
        assert_eq!(alias_repeats(text), text);
    }
}

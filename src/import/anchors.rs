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
    let mut names: Vec<String> = Vec::new();
    for group in groups {
        let free: Vec<(usize, usize)> = group
            .into_iter()
            .filter(|&(a, b)| taken.iter().all(|&(c, d)| b <= c || d <= a))
            .collect();
        if free.len() < 2 {
            continue;
        }
        let name = unique(anchor_name(&lines, free[0].0), &names);
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

    #[test]
    fn block_scalar_text_and_short_blocks_are_left_alone() {
        let text = "a: |\n  k:\n    1\n    2\n    3\nb: |\n  k:\n    1\n    2\n    3\nc:\n  x: 1\nd:\n  x: 1\n";
        assert_eq!(alias_repeats(text), text);
    }
}

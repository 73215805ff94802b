//! `--set` / `--set-string` parsing and application onto existing values: never a panic, and
//! bounded memory (list indexes are capped).
#![no_main]

use kforge::values::apply_set;
use kforge::yaml::{Limits, SourceFile, parse_documents};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: the --set argument; the rest: existing values it applies to.
    let (arg, base) = text.split_once('\n').unwrap_or((text, ""));
    let file = SourceFile::new("base.yaml", base);
    let mut root = match parse_documents(base, &file, Limits::default()) {
        Ok(mut docs) if !docs.is_empty() => docs.swap_remove(0),
        _ => kforge::yaml::Node::new(
            kforge::yaml::Value::Map(Default::default()),
            kforge::yaml::Origin::Generated,
        ),
    };
    if !matches!(root.value, kforge::yaml::Value::Map(_)) {
        return;
    }
    let mut copy = root.clone();
    let _ = apply_set(&mut root, "--set", arg, false);
    let _ = apply_set(&mut copy, "--set-string", arg, true);
});

//! Template rendering with arbitrary values merged over the built-in defaults: never a panic,
//! bounded time (fuel), and the same output twice.
#![no_main]

use kforge::chart::ChartMeta;
use kforge::manifest::to_yaml_stream;
use kforge::render::{RenderContext, TemplateSet, render_env};
use kforge::values::{merge_overlay, parse_values_file};
use kforge::yaml::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let set = TemplateSet::builtin();
    // The built-in set has one defaults layer, its values.yaml.
    let Ok(Some(mut values)) = parse_values_file(&set.defaults()[0]) else {
        panic!("built-in defaults must parse");
    };
    let file = SourceFile::new("fuzz.yaml", text);
    let Ok(Some(over)) = parse_values_file(&file) else {
        return;
    };
    merge_overlay(&mut values, over);
    let Ok(chart) = ChartMeta::from_values(&values) else {
        return;
    };
    let first = render_env(&set, &RenderContext { values: &values, chart: &chart, environment: "fuzz", component: None }).map(|d| to_yaml_stream(&d));
    let second = render_env(&set, &RenderContext { values: &values, chart: &chart, environment: "fuzz", component: None }).map(|d| to_yaml_stream(&d));
    if let (Ok(a), Ok(b)) = (&first, &second) {
        assert_eq!(a, b, "render is not deterministic");
    }
    assert_eq!(first.is_ok(), second.is_ok());
});

//! A project template of arbitrary text rendered with the built-in values: an error or
//! documents, never a panic, within the output bound; run.sh's `-rss_limit_mb` fails an input
//! that takes memory past the bounds, `-timeout` one that hangs. The bounds are kforge's own
//! code with smaller figures ([`LIMITS`]): at the defaults (50 M fuel, 256 MiB) one input runs
//! for minutes in this unoptimised, instrumented build, and libFuzzer reports it as a hang.
#![no_main]

use std::sync::OnceLock;

use kforge::chart::ChartMeta;
use kforge::manifest::to_yaml_stream;
use kforge::render::{RenderContext, RunLimits, TemplateSet, render_env};
use kforge::values::{merge_overlay, parse_values_file};
use kforge::yaml::SourceFile;
use libfuzzer_sys::fuzz_target;

/// A hundredth of the default fuel, a 64th of the default output.
const LIMITS: RunLimits = RunLimits {
    fuel: 500_000,
    output_bytes: 4 << 20,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // One project folder for the run; each input replaces its one template.
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    let templates = dir.path().join("chart-templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("fuzz.yaml"), text).unwrap();
    let Ok(set) = TemplateSet::load(dir.path()) else {
        return;
    };
    let set = set.with_limits(LIMITS);
    let Ok(Some(mut values)) = parse_values_file(&set.defaults()[0]) else {
        panic!("built-in defaults must parse");
    };
    // The chart's name comes from a project's base.yaml, not from the defaults.
    let base = SourceFile::new("base.yaml", "chart:\n  name: fuzz\n  version: 0.1.0\n");
    let Ok(Some(chart_values)) = parse_values_file(&base) else {
        panic!("base values must parse");
    };
    merge_overlay(&mut values, chart_values);
    let chart = ChartMeta::from_values(&values).expect("built-in chart metadata");
    let ctx = RenderContext {
        values: &values,
        chart: &chart,
        environment: "fuzz",
        component: None,
    };
    if let Ok(docs) = render_env(&set, &ctx) {
        assert!(to_yaml_stream(&docs).len() <= 2 * LIMITS.output_bytes);
    }
});

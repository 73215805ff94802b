//! Integration tests: every test runs the real `kforge` binary.

mod support;

mod adversarial;
mod architecture;
mod boundary;
mod components;
mod config;
mod crash;
mod docs;
mod errors;
mod extend;
mod golden;
mod hardening;
mod helm;
mod import;
mod import_expression;
mod import_maps;
mod import_names;
mod import_safety;
mod inert;
mod injection;
mod lint;
mod lint_apps;
mod lint_precision;
mod lint_round3;
mod linters;
mod oracles;
mod package;
mod properties;
mod render;
mod repo;
mod schema_bounds;
mod security;
mod upgrade;
mod values;
mod workflow;

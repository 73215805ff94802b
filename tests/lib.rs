//! Integration tests: every test runs the real `kforge` binary.

mod support;

mod docs;
mod errors;
mod golden;
mod helm;
mod lint;
mod oracles;
mod package;
mod render;
mod repo;
mod values;
mod workflow;

//! kforge: merge environment overlays, render, lint and package Kubernetes manifests.
//!
//! The binary (`src/main.rs`) is a thin shell over [`cmd::run`]; the library exists so fuzz
//! targets (`fuzz/`) and property tests can drive the stages directly.

// A Diagnostic (message, origin, key path, help, notes) is large, but it is only built on the
// error path, so returning it by value costs nothing measurable; boxing it everywhere would.
#![allow(clippy::result_large_err)]

pub mod chart;
pub mod cli;
pub mod cmd;
pub mod diag;
pub mod diff;
pub mod epoch;
pub mod fs;
pub mod git;
pub mod import;
pub mod json_schema;
pub mod lint;
pub mod manifest;
pub mod oci;
pub mod par;
pub mod pipeline;
pub mod progress;
pub mod project;
pub mod render;
pub mod values;
pub mod yaml;

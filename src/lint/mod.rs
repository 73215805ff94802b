//! Lint stage. For now: the type check of rendered objects against the Kubernetes API types
//! (k8s-openapi), which `render` runs before it emits anything.

mod types;

pub use types::check_types;

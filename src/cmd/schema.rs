//! `kforge schema`: the effective values schema (the built-in one extended by the project's)
//! as JSON, for tools and editors.

use std::process::ExitCode;

use crate::cli::SchemaArgs;
use crate::cmd::Result;
use crate::pipeline::Workspace;

/// Prints the project's effective values schema (or the editor's variant) as pretty JSON.
pub fn run(args: &SchemaArgs) -> Result<ExitCode> {
    let ws = Workspace::load()?;
    let text = ws.schema_text(args.editor)?;
    crate::cmd::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

//! `kforge render`.

use std::process::ExitCode;

use crate::cli::{Format, RenderArgs};
use crate::cmd::Result;
use crate::cmd::{bail, write_stdout};
use crate::fs::{checked_output, replace_dir};
use crate::manifest::{Hooks, to_json_list, to_yaml_stream};
use crate::pipeline::{Workspace, env_files};

/// Renders one environment to stdout, or environments into `--output-dir`.
pub fn run(args: &RenderArgs) -> Result<ExitCode> {
    if args.select.all_envs && args.output_dir.is_none() {
        bail!("--all-envs needs --output-dir DIR (stdout holds one environment)");
    }
    // The values schema compiles on another core while environments render.
    let ws = Workspace::load_overlapped()?;
    crate::cmd::warn_workspace(&ws);
    let layers = args.values.layers();
    let hooks = if args.no_hooks {
        Hooks::None
    } else {
        Hooks::Lifecycle
    };
    let rendered = match &args.select.env {
        Some(env) => vec![(
            env.clone(),
            ws.render(env, &layers, hooks)
                .map_err(|e| ws.schema_first(e))?,
        )],
        None => ws.render_all(&layers, hooks)?,
    };
    match &args.output_dir {
        Some(dir) => {
            let mut outputs = Vec::new();
            for (env, docs) in &rendered {
                outputs.push((dir.join(env), env_files(docs)?));
            }
            // No folder is written until every one is known to stay where it should.
            checked_output(dir, outputs.iter().map(|(path, _)| path))?;
            for (path, files) in outputs {
                replace_dir(&path, &files)?;
            }
        }
        None => {
            let (_, docs) = &rendered[0];
            let text = match args.output {
                Format::Yaml => to_yaml_stream(docs),
                Format::Json => to_json_list(docs),
            };
            write_stdout(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

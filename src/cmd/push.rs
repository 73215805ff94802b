//! `kforge push CHART.tgz oci://HOST/PATH`: upload a chart archive as Helm's OCI artifact.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use crate::cmd::bail;

use crate::cli::PushArgs;
use crate::cmd::Result;
use crate::epoch::BuildTime;
use crate::oci::{Destination, artifact, credentials, push};

/// Pushes one archive; prints the pushed reference and its manifest's digest (what
/// `helm pull REF@DIGEST` and the registry use).
pub fn run(args: &PushArgs) -> Result<ExitCode> {
    let dest = Destination::parse(&args.destination)?;
    let time = BuildTime::from_env()?;
    let password = if args.password_stdin {
        if args.username.is_none() {
            bail!("--password-stdin needs --username");
        }
        let mut buf = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut buf)
            .context("reading the password from stdin")?;
        let password = buf.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            bail!("--password-stdin: stdin was empty; pipe the password or token in");
        }
        Some(password)
    } else {
        None
    };
    let creds = credentials(&dest.registry, args.username.as_deref(), password)?;
    let art = artifact(&args.chart, &dest, time)?;
    let reference = art.reference.whole();
    let timeout = std::time::Duration::from_secs(args.timeout);
    let pushed = push(&art, &creds, args.plain_http, timeout)?;
    let what = if pushed.uploaded {
        "pushed"
    } else {
        "already published, unchanged:"
    };
    crate::cmd::write_stdout(&format!("{what} {reference}\ndigest: {}\n", pushed.digest))?;
    Ok(ExitCode::SUCCESS)
}

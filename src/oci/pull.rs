//! Pulling a chart archive that Helm (or `kforge push`) stored in an OCI registry: the
//! manifest, then its one chart layer, bounded by the archive size limit and checked against
//! its digest (oci-client verifies it). Used for `--previous oci://...`, the last release the
//! upgrade rules compare with.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use oci_client::Reference;

use super::sanitize::redact_userinfo;
use super::{CHART_MEDIA_TYPE, Credentials, Error, Result, credentials};
use crate::chart::limits::MAX_ARCHIVE_BYTES;

/// How to reach the registry.
#[derive(Clone, Copy, Debug)]
pub struct PullOptions {
    /// HTTP instead of HTTPS.
    pub plain_http: bool,
    /// The whole pull's time limit.
    pub timeout: Duration,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            plain_http: false,
            timeout: Duration::from_secs(60),
        }
    }
}

/// The chart archive at `oci://HOST[:PORT]/PATH/NAME:TAG` (a `+` of the version written as
/// `_`, as Helm tags), with the credentials `push` would use for that registry.
pub fn pull_chart(reference: &str, opts: &PullOptions) -> Result<Vec<u8>> {
    let Some(rest) = reference.strip_prefix("oci://") else {
        return Err(Error::NotOci(redact_userinfo(reference)));
    };
    if rest
        .split('/')
        .next()
        .is_some_and(|host| host.contains('@'))
    {
        return Err(Error::CredentialsInDestination(redact_userinfo(reference)));
    }
    let image: Reference = rest.parse().map_err(|e| Error::Pull {
        target: super::sanitize(reference, &[], 200),
        reason: format!("not an OCI reference: {e}"),
        help:
            "write oci://HOST[:PORT]/PATH/NAME:VERSION, e.g. oci://ghcr.io/acme/charts/shop:1.0.0"
                .into(),
    })?;
    if image.tag().is_none() && image.digest().is_none() {
        return Err(Error::Pull {
            target: super::sanitize(reference, &[], 200),
            reason: "no version".into(),
            help: "name the release: oci://HOST/PATH/NAME:VERSION".into(),
        });
    }
    let creds = credentials(image.registry(), None, None)?;
    let client = super::client(opts.plain_http);
    let auth = creds.auth();
    let secrets: Vec<&str> = match &creds {
        Credentials::Basic { password, .. } => vec![password.as_str()],
        Credentials::Anonymous => Vec::new(),
    };
    let target = super::sanitize(reference, &secrets, 200);
    let failed = |reason: String| {
        Error::Pull {
        target: target.clone(),
        reason,
        help: "check the reference and that the registry is up; credentials come from KFORGE_REGISTRY_USERNAME/PASSWORD or the docker config, as for `kforge push`".into(),
    }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let pulled = runtime.block_on(async {
        tokio::time::timeout(opts.timeout, async {
            let (manifest, _) = client
                .pull_image_manifest(&image, &auth)
                .await
                .map_err(|e| failed(super::sanitize(&e.to_string(), &secrets, 2000)))?;
            let Some(layer) = manifest
                .layers
                .iter()
                .find(|l| l.media_type == CHART_MEDIA_TYPE)
            else {
                return Err(failed(format!(
                    "the artifact has no layer of type {CHART_MEDIA_TYPE}: not a Helm chart"
                )));
            };
            if u64::try_from(layer.size).map_or(true, |n| n > MAX_ARCHIVE_BYTES) {
                return Err(failed(format!(
                    "its chart layer is {} bytes, over the {MAX_ARCHIVE_BYTES}-byte limit for a chart archive",
                    layer.size
                )));
            }
            let mut out = Bounded(Vec::new());
            client
                .pull_blob(&image, layer, &mut out)
                .await
                .map_err(|e| failed(super::sanitize(&e.to_string(), &secrets, 2000)))?;
            Ok(out.0)
        })
        .await
    });
    match pulled {
        Ok(result) => result,
        Err(_) => Err(failed(format!(
            "the registry did not answer within {} s",
            opts.timeout.as_secs()
        ))),
    }
}

/// A buffer that refuses to grow past [`MAX_ARCHIVE_BYTES`], whatever the registry sends.
struct Bounded(Vec<u8>);

impl tokio::io::AsyncWrite for Bounded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if (self.0.len() + buf.len()) as u64 > MAX_ARCHIVE_BYTES {
            return Poll::Ready(Err(std::io::Error::other(format!(
                "the chart layer is over the {MAX_ARCHIVE_BYTES}-byte limit for a chart archive"
            ))));
        }
        self.0.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

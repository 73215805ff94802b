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

/// The most tags read of one repository (`--published oci://...`): pages of
/// [`TAGS_PER_PAGE`], so a registry that pages forever ends here.
pub const MAX_TAGS: usize = 100_000;
/// Tags asked for per page.
const TAGS_PER_PAGE: usize = 1_000;

/// One conversation with a registry about one reference: parsed, with the credentials `push`
/// would use, and the secrets an error must not show.
struct Session {
    image: Reference,
    plain_http: bool,
    client: oci_client::Client,
    auth: oci_client::secrets::RegistryAuth,
    secrets: Vec<String>,
    target: String,
    timeout: Duration,
}

impl Session {
    /// `reference` is `oci://HOST[:PORT]/PATH/NAME`, with `:TAG` when `tagged`.
    fn open(reference: &str, opts: &PullOptions, tagged: bool) -> Result<Self> {
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
            help: "write oci://HOST[:PORT]/PATH/NAME:VERSION, e.g. oci://ghcr.io/acme/charts/shop:1.0.0"
                .into(),
        })?;
        if tagged && image.tag().is_none() && image.digest().is_none() {
            return Err(Error::Pull {
                target: super::sanitize(reference, &[], 200),
                reason: "no version".into(),
                help: "name the release: oci://HOST/PATH/NAME:VERSION".into(),
            });
        }
        let creds = credentials(image.registry(), None, None)?;
        let secrets = match &creds {
            Credentials::Basic { password, .. } => vec![password.clone()],
            Credentials::Anonymous => Vec::new(),
        };
        let target = super::sanitize(reference, &[], 200);
        Ok(Self {
            plain_http: opts.plain_http,
            client: super::client(opts.plain_http),
            auth: creds.auth(),
            image,
            secrets,
            target,
            timeout: opts.timeout,
        })
    }

    fn failed(&self, reason: String) -> Error {
        Error::Pull {
            target: self.target.clone(),
            reason,
            help: "check the reference and that the registry is up; credentials come from KFORGE_REGISTRY_USERNAME/PASSWORD or the docker config, as for `kforge push`".into(),
        }
    }

    /// What the registry's refusal `e` says, shown only through [`super::sanitize`]; a refusal
    /// (401, 403) by a host the registry redirected the request to names that host, as a push
    /// does: oci-client reports only the URL it asked.
    async fn registry_error(&self, e: &oci_client::errors::OciDistributionError) -> Error {
        let registry = self.image.resolve_registry();
        if let Some(other) = super::explain::redirected_to(e, self.plain_http)
            .await
            .filter(|host| host != registry)
        {
            let other = super::sanitize(&other, &[], 200);
            return Error::Pull {
                target: self.target.clone(),
                reason: format!(
                    "{other}, to which {registry} redirected the request, refused it (HTTP 401 or 403); kforge sends credentials only to the registry named, never across a redirect to another host, so {other} got none"
                ),
                help: format!(
                    "read from the registry that serves the repository itself (oci://{other}/{}) with its credentials, or ask the owner of {registry} why it redirects there",
                    self.image.repository()
                ),
            };
        }
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        self.failed(super::sanitize(&e.to_string(), &secrets, 2000))
    }

    /// Runs `work` on a runtime of its own within the session's time limit.
    fn run<T>(&self, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        runtime
            .block_on(async { tokio::time::timeout(self.timeout, work).await })
            .unwrap_or_else(|_| {
                Err(self.failed(format!(
                    "the registry did not answer within {} s",
                    self.timeout.as_secs()
                )))
            })
    }
}

/// The chart archive at `oci://HOST[:PORT]/PATH/NAME:TAG` (a `+` of the version written as
/// `_`, as Helm tags), with the credentials `push` would use for that registry.
pub fn pull_chart(reference: &str, opts: &PullOptions) -> Result<Vec<u8>> {
    let s = Session::open(reference, opts, true)?;
    s.run(async {
        let (manifest, _) = match s.client.pull_image_manifest(&s.image, &s.auth).await {
            Ok(found) => found,
            Err(e) => return Err(s.registry_error(&e).await),
        };
        let Some(layer) = manifest
            .layers
            .iter()
            .find(|l| l.media_type == CHART_MEDIA_TYPE)
        else {
            return Err(s.failed(format!(
                "the artifact has no layer of type {CHART_MEDIA_TYPE}: not a Helm chart"
            )));
        };
        if u64::try_from(layer.size).map_or(true, |n| n > MAX_ARCHIVE_BYTES) {
            return Err(s.failed(format!(
                "its chart layer is {} bytes, over the {MAX_ARCHIVE_BYTES}-byte limit for a chart archive",
                layer.size
            )));
        }
        let mut out = Bounded(Vec::new());
        if let Err(e) = s.client.pull_blob(&s.image, layer, &mut out).await {
            return Err(s.registry_error(&e).await);
        }
        Ok(out.0)
    })
}

/// The tags of the repository `oci://HOST[:PORT]/PATH/NAME`, none when the registry does not
/// know it (nothing published yet), at most [`MAX_TAGS`].
pub fn published_tags(repository: &str, opts: &PullOptions) -> Result<Vec<String>> {
    let s = Session::open(repository, opts, false)?;
    s.run(async {
        let mut tags: Vec<String> = Vec::new();
        loop {
            let page = match s
                .client
                .list_tags(
                    &s.image,
                    &s.auth,
                    Some(TAGS_PER_PAGE),
                    tags.last().map(String::as_str),
                )
                .await
            {
                Ok(page) => page.tags,
                Err(e) if super::not_found(&e) => Vec::new(),
                Err(e) => return Err(s.registry_error(&e).await),
            };
            let full = page.len() >= TAGS_PER_PAGE;
            // A registry that sends a page again would loop: only tags past the last one count.
            let before = tags.len();
            let last = tags.last().cloned();
            tags.extend(
                page.into_iter()
                    .filter(|t| last.as_ref().is_none_or(|l| t > l)),
            );
            if !full || tags.len() == before {
                return Ok(tags);
            }
            if tags.len() >= MAX_TAGS {
                return Err(s.failed(format!(
                    "the repository has more than {MAX_TAGS} tags, the most kforge reads"
                )));
            }
        }
    })
}

/// The digest of the chart layer at `oci://HOST[:PORT]/PATH/NAME:TAG`, none when the registry
/// holds nothing under that tag.
pub fn published_chart_digest(reference: &str, opts: &PullOptions) -> Result<Option<String>> {
    let s = Session::open(reference, opts, true)?;
    s.run(async {
        match super::published_layer(&s.client, &s.image, &s.auth).await {
            Ok(found) => Ok(found.map(|(layer, _)| layer)),
            Err(e) => Err(s.registry_error(&e).await),
        }
    })
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

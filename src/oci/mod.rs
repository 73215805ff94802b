//! `kforge push`: a chart archive to an OCI registry as Helm stores it (the registry protocol
//! itself is oci-client's). The artifact is what `helm push` makes: a config blob holding
//! Chart.yaml as JSON (`application/vnd.cncf.helm.config.v1+json`), one layer that is the
//! archive byte for byte (`application/vnd.cncf.helm.chart.content.v1.tar+gzip`), the tag is
//! the version with `+` replaced by `_`, and the manifest carries Helm's annotations, except
//! that `org.opencontainers.image.created` is only set from SOURCE_DATE_EPOCH (Helm writes the
//! wall clock, so two pushes of one chart differ), which the caller reads once
//! ([`BuildTime`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OciDescriptor, OciImageManifest, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde_json::{Map, Value as Json};

use crate::chart::index::rfc3339;
use crate::chart::read::{FileError, read_archive, read_archive_bytes};
use crate::chart::repo::sha256_hex;
use crate::chart::{ArchivedChartYamlError, ChartYaml, ChartYamlError};
use crate::epoch::BuildTime;
use crate::yaml::to_json;

mod explain;
mod pull;
mod sanitize;

use explain::{explain, redirected_to};
pub use pull::{MAX_TAGS, PullOptions, published_chart_digest, published_tags, pull_chart};
use sanitize::redact_userinfo;
pub use sanitize::sanitize;

/// Helm's media type of the config blob.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Helm's media type of the chart layer.
pub const CHART_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// OCI image manifest media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// Why a chart could not be pushed: a bad destination, archive or registry config file, or
/// the registry's refusal (with what to do about it).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The destination is not `oci://...`.
    #[error(
        "`{0}` is not an OCI reference; use oci://HOST[:PORT]/PATH, e.g. oci://ghcr.io/acme/charts"
    )]
    NotOci(String),
    /// The destination has no registry host.
    #[error("`{0}` has no valid registry host; use oci://HOST[:PORT]/PATH")]
    NoRegistry(String),
    /// The destination carries credentials (shown redacted).
    #[error(
        "`{0}`: credentials in the destination are not accepted (they would show in process lists, logs and errors); pass --username with --password-stdin, or log in with `docker login`"
    )]
    CredentialsInDestination(String),
    /// The destination's port is not a port number.
    #[error("`{0}`: the port must be a number from 1 to 65535")]
    BadPort(String),
    /// The destination names a tag or digest.
    #[error(
        "`{0}`: give the repository path only; the tag comes from the chart version and the name from the chart"
    )]
    TagInDestination(String),
    /// The archive could not be read, is too large, or is not a chart archive.
    #[error(transparent)]
    Archive(#[from] FileError),
    /// The archive has no Chart.yaml.
    #[error("{0}: Chart.yaml file is missing")]
    NoChartYaml(String),
    /// An archive's Chart.yaml is not UTF-8 or not valid chart metadata.
    #[error(transparent)]
    ChartYaml(#[from] ArchivedChartYamlError),
    /// The config blob could not be encoded.
    #[error("encoding the chart metadata as JSON")]
    Json(#[source] serde_json::Error),
    /// The network runtime could not start.
    #[error("starting the network runtime")]
    Runtime(#[source] std::io::Error),
    /// The registry refused the push, or could not be reached.
    #[error("pushing to {target} failed: {reason}\n  help: {help}")]
    Push {
        /// `HOST/PATH:TAG`.
        target: String,
        /// What went wrong (never a secret: credentials travel in headers).
        reason: String,
        /// What to do about it.
        help: String,
    },
    /// A chart could not be pulled.
    #[error("pulling {target} failed: {reason}\n  help: {help}")]
    Pull {
        /// The reference, without credentials.
        target: String,
        /// What went wrong.
        reason: String,
        /// What to do about it.
        help: String,
    },
    /// The registry holds another chart archive under the version's tag.
    #[error(
        "{target} is published already with another chart archive (its chart layer is {theirs}, this archive's is {ours}); a published version never changes\n  help: give this chart a new version (chart.version in the values, or --version), build and push that; if the other archive is another environment's, push each environment to a repository of its own (oci://HOST/PATH/<environment>)"
    )]
    Published {
        /// `HOST/PATH:TAG`.
        target: String,
        /// The digest of the chart layer the registry holds.
        theirs: String,
        /// The digest of the archive being pushed.
        ours: String,
    },
    /// `--username` without a password.
    #[error(
        "--username needs --password-stdin (passwords are never taken as arguments, which other users can read)"
    )]
    UsernameWithoutPassword,
    /// A registry config file over 1 MiB.
    #[error("{} is too large for a registry config file", .0.display())]
    ConfigTooLarge(PathBuf),
    /// A registry config file could not be read.
    #[error("reading {}", .path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A registry config file is not JSON.
    #[error("{} is not valid JSON", .path.display())]
    ConfigJson {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// An `auth` entry that is not base64 of `USER:PASSWORD`.
    #[error("{}: the `auth` entry for {registry} is not base64 of USER:PASSWORD", path.display())]
    BadAuth {
        /// The file.
        path: PathBuf,
        /// The registry.
        registry: String,
    },
}

impl crate::diag::Failure for Error {
    fn exit(&self) -> crate::diag::Exit {
        match self {
            // Like `check` refusing to change a published version: a finding, not bad input.
            Error::Published { .. } => crate::diag::Exit::Findings,
            _ => crate::diag::Exit::Input,
        }
    }
}

/// A push result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Chart.yaml fields in the order Go marshals Helm's `chart.Metadata`, so the config blob
/// has the bytes `helm push` gives it.
const METADATA_ORDER: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

/// Where credentials come from; the password itself is never printed or logged.
pub enum Credentials {
    /// No credentials.
    Anonymous,
    /// Username and password (or token).
    Basic {
        /// User.
        username: String,
        /// Secret.
        password: String,
        /// Where they came from, for error messages (never the secret itself).
        source: String,
    },
}

/// A parsed `oci://HOST[:PORT]/PATH` destination.
#[derive(Debug)]
pub struct Destination {
    /// `HOST[:PORT]`.
    pub registry: String,
    /// Repository path under the registry (may be empty).
    pub path: String,
}

impl Destination {
    /// Parses `oci://HOST[:PORT][/PATH]`.
    pub fn parse(s: &str) -> Result<Self> {
        let Some(rest) = s.strip_prefix("oci://") else {
            return Err(Error::NotOci(redact_userinfo(s)));
        };
        let (registry, path) = rest.split_once('/').unwrap_or((rest, ""));
        let path = path.trim_matches('/');
        if registry.contains('@') {
            return Err(Error::CredentialsInDestination(redact_userinfo(s)));
        }
        if registry.is_empty() || registry.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(Error::NoRegistry(sanitize(s, &[], 200)));
        }
        // `[::1]:5000` and `host:5000`: what follows the last `:` outside brackets.
        let port = registry
            .rsplit_once(':')
            .filter(|(host, _)| !host.starts_with('[') || host.ends_with(']'))
            .map(|(_, port)| port);
        if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
            return Err(Error::BadPort(sanitize(s, &[], 200)));
        }
        if path.contains(':') || path.contains('@') {
            return Err(Error::TagInDestination(s.to_string()));
        }
        Ok(Self {
            registry: registry.to_string(),
            path: path.to_string(),
        })
    }
}

/// The artifact built from an archive: what will be pushed, and where.
pub struct Artifact {
    /// `HOST/PATH/NAME:TAG`.
    pub reference: Reference,
    /// The archive.
    pub layer: Vec<u8>,
    /// Chart.yaml as JSON.
    pub config: Vec<u8>,
    /// The manifest.
    pub manifest: OciImageManifest,
}

/// Reads a chart archive and builds the Helm OCI artifact for `dest`; `time` sets the
/// `created` annotation (only when SOURCE_DATE_EPOCH is set).
pub fn artifact(chart: &Path, dest: &Destination, time: BuildTime) -> Result<Artifact> {
    let shown = chart.display().to_string();
    let layer = read_archive_bytes(chart)?;
    let files = read_archive(&layer).map_err(|source| FileError::Archive {
        path: shown.clone(),
        source,
    })?;
    let Some(chart_yaml) = files.into_iter().find(|f| f.name == "Chart.yaml") else {
        return Err(Error::NoChartYaml(shown));
    };
    let parsed = ChartYaml::from_archive(&shown, chart_yaml.data)?;
    let Json::Object(fields) = to_json(&parsed.node) else {
        return Err(ArchivedChartYamlError::Invalid {
            archive: shown,
            error: ChartYamlError::NotAMap,
        }
        .into());
    };
    let mut ordered = Map::new();
    for key in METADATA_ORDER {
        if let Some(v) = fields.get(*key).filter(|v| !is_empty(v)) {
            ordered.insert((*key).to_string(), v.clone());
        }
    }
    let config = serde_json::to_vec(&Json::Object(ordered.clone())).map_err(Error::Json)?;
    let annotations = annotations(&ordered, time);
    let repository = if dest.path.is_empty() {
        parsed.name.clone()
    } else {
        format!("{}/{}", dest.path, parsed.name)
    };
    let tag = parsed.version.replace('+', "_");
    let manifest = OciImageManifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_string()),
        config: descriptor(CONFIG_MEDIA_TYPE, &config),
        layers: vec![descriptor(CHART_MEDIA_TYPE, &layer)],
        subject: None,
        artifact_type: None,
        annotations: Some(annotations),
    };
    Ok(Artifact {
        reference: Reference::with_tag(dest.registry.clone(), repository, tag),
        layer,
        config,
        manifest,
    })
}

fn descriptor(media_type: &str, data: &[u8]) -> OciDescriptor {
    OciDescriptor {
        media_type: media_type.to_string(),
        digest: format!("sha256:{}", sha256_hex(data)),
        size: i64::try_from(data.len()).unwrap_or(i64::MAX),
        urls: None,
        annotations: None,
        artifact_type: None,
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        Json::Bool(b) => !b,
        Json::Number(_) => false,
    }
}

/// Helm's manifest annotations (description, title, version, url, source, authors, then the
/// chart's own annotations, which may not replace title or version); `created` only from
/// SOURCE_DATE_EPOCH.
fn annotations(meta: &Map<String, Json>, time: BuildTime) -> BTreeMap<String, String> {
    let s = |k: &str| meta.get(k).and_then(Json::as_str).map(str::to_string);
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.insert(format!("org.opencontainers.image.{k}"), v);
        }
    };
    put("description", s("description"));
    put("title", s("name"));
    put("version", s("version"));
    put("url", s("home"));
    if let Some(secs) = time.epoch {
        put("created", Some(rfc3339(secs)));
    }
    put(
        "source",
        meta.get("sources")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .and_then(Json::as_str)
            .map(str::to_string),
    );
    if let Some(list) = meta.get("maintainers").and_then(Json::as_array) {
        let authors: Vec<String> = list
            .iter()
            .filter_map(|m| {
                let name = m.get("name").and_then(Json::as_str).unwrap_or_default();
                match m.get("email").and_then(Json::as_str) {
                    Some(e) if !e.is_empty() => Some(format!("{name} ({e})")),
                    _ => (!name.is_empty()).then(|| name.to_string()),
                }
            })
            .collect();
        put("authors", Some(authors.join(", ")));
    }
    if let Some(Json::Object(chart_annotations)) = meta.get("annotations") {
        for (k, v) in chart_annotations {
            let immutable =
                k == "org.opencontainers.image.title" || k == "org.opencontainers.image.version";
            if let (false, Some(v)) = (immutable, v.as_str()) {
                out.insert(k.clone(), v.to_string());
            }
        }
    }
    out
}

/// Longest wait for a connection to the registry.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for the registry between two reads of a response.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default longest time for the whole push (`push --timeout`).
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(60);
/// Most bytes of a registry's message shown in an error.
pub const MAX_MESSAGE_BYTES: usize = 300;

/// The manifest's digest: sha256 of its canonical JSON, the bytes oci-client sends (so the
/// digest the registry serves it under).
pub fn manifest_digest(manifest: &OciImageManifest) -> String {
    use serde::Serialize;
    let mut body = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut body, olpc_cjson::CanonicalFormatter::new());
    // Serializing plain strings and numbers into a Vec cannot fail.
    let _ = OciManifest::Image(manifest.clone()).serialize(&mut ser);
    format!("sha256:{}", sha256_hex(&body))
}

/// What a push did.
#[derive(Debug)]
pub struct PushOutcome {
    /// The manifest's digest (what `helm pull REF@DIGEST` and the registry use).
    pub digest: String,
    /// Whether it was uploaded: false when the registry held this very archive under the tag
    /// already.
    pub uploaded: bool,
}

enum Pushed {
    Uploaded,
    /// The registry holds this archive: its manifest's digest.
    AlreadyThere(String),
    /// The tag holds another chart archive: its layer's digest.
    Refused(String),
}

/// The digests of the chart layer and of the manifest the registry holds under `reference`'s
/// tag, if it holds one.
async fn published_layer(
    client: &Client,
    reference: &Reference,
    auth: &RegistryAuth,
) -> std::result::Result<Option<(String, String)>, oci_client::errors::OciDistributionError> {
    match client.pull_image_manifest(reference, auth).await {
        Ok((manifest, digest)) => Ok(Some((
            manifest
                .layers
                .iter()
                .find(|l| l.media_type == CHART_MEDIA_TYPE)
                .map_or_else(|| digest.clone(), |l| l.digest.clone()),
            digest,
        ))),
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the registry said it does not have the manifest, tag or repository asked for.
fn not_found(e: &oci_client::errors::OciDistributionError) -> bool {
    use oci_client::errors::{OciDistributionError as E, OciErrorCode};
    match e {
        E::RegistryError { envelope, .. } => envelope.errors.iter().all(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound
            )
        }),
        E::ServerError { code: 404, .. } | E::ImageManifestNotFoundError(_) => true,
        _ => false,
    }
}

/// Pushes the artifact within `timeout` in all, unless the registry holds the version already:
/// the same archive is not uploaded again, and another is refused ([`Error::Published`]).
pub fn push(
    artifact: &Artifact,
    credentials: &Credentials,
    plain_http: bool,
    timeout: Duration,
) -> Result<PushOutcome> {
    let client = client(plain_http);
    let auth = credentials.auth();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let layers = [ImageLayer::new(
        artifact.layer.clone(),
        CHART_MEDIA_TYPE.to_string(),
        None,
    )];
    let config = Config::new(artifact.config.clone(), CONFIG_MEDIA_TYPE.to_string(), None);
    let reference = &artifact.reference;
    let ours = descriptor(CHART_MEDIA_TYPE, &artifact.layer).digest;
    let pushed = runtime.block_on(async {
        tokio::time::timeout(timeout, async {
            // A version the registry holds never changes (a tag is mutable in a registry,
            // and `helm push` overwrites it): the same archive again is a no-op, another is
            // refused before anything is uploaded.
            match published_layer(&client, reference, &auth).await? {
                Some((theirs, manifest)) if theirs == ours => {
                    return Ok(Pushed::AlreadyThere(manifest));
                }
                Some((theirs, _)) => return Ok(Pushed::Refused(theirs)),
                None => {}
            }
            client
                .push(
                    reference,
                    &layers,
                    config,
                    &auth,
                    Some(artifact.manifest.clone()),
                )
                .await
                .map(|_| Pushed::Uploaded)
        })
        .await
    });
    match pushed {
        Ok(Ok(Pushed::Uploaded)) => Ok(PushOutcome {
            digest: manifest_digest(&artifact.manifest),
            uploaded: true,
        }),
        Ok(Ok(Pushed::AlreadyThere(digest))) => Ok(PushOutcome {
            digest,
            uploaded: false,
        }),
        Ok(Ok(Pushed::Refused(theirs))) => Err(Error::Published {
            target: target(reference),
            theirs,
            ours,
        }),
        Ok(Err(e)) => {
            // A refused read of the tag says only the URL asked; whether the registry
            // redirected it to another host, which refused, takes one more request.
            let redirected = runtime.block_on(async {
                tokio::time::timeout(CONNECT_TIMEOUT + READ_TIMEOUT, redirected_to(&e, plain_http))
                    .await
                    .ok()
                    .flatten()
            });
            Err(explain(&e, reference, credentials, plain_http, redirected))
        }
        Err(_) => Err(Error::Push {
            target: target(reference),
            reason: format!(
                "the registry did not complete the push within {} s",
                timeout.as_secs()
            ),
            help: "check that the address is a registry and that it is up; give a slow registry more time with --timeout SECONDS".to_string(),
        }),
    }
}

fn target(r: &Reference) -> String {
    format!(
        "{}/{}:{}",
        r.registry(),
        r.repository(),
        r.tag().unwrap_or_default()
    )
}

/// A registry client as kforge makes every one (push and pull): ring's TLS, kforge's timeouts
/// and user agent, HTTP only when asked.
fn client(plain_http: bool) -> Client {
    // reqwest is built without a default crypto provider (Cargo.toml): ring is kforge's. An
    // error means a provider is installed already, by an earlier client in this process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new(ClientConfig {
        protocol: if plain_http {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout: Some(READ_TIMEOUT),
        user_agent: concat!("kforge/", env!("CARGO_PKG_VERSION")),
        ..ClientConfig::default()
    })
}

impl Credentials {
    /// The credentials as the registry client takes them.
    fn auth(&self) -> RegistryAuth {
        match self {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic {
                username, password, ..
            } => RegistryAuth::Basic(username.clone(), password.clone()),
        }
    }
}

/// Credentials, by priority: `--username` with `--password-stdin`; then
/// KFORGE_REGISTRY_USERNAME / KFORGE_REGISTRY_PASSWORD; then the docker config files
/// (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, then Helm's
/// `~/.config/helm/registry/config.json`); else anonymous.
pub fn credentials(
    registry: &str,
    username: Option<&str>,
    password_stdin: Option<String>,
) -> Result<Credentials> {
    if let Some(user) = username {
        let Some(password) = password_stdin else {
            return Err(Error::UsernameWithoutPassword);
        };
        return Ok(Credentials::Basic {
            username: user.to_string(),
            password,
            source: "--username and --password-stdin".into(),
        });
    }
    if let (Ok(user), Ok(password)) = (
        std::env::var("KFORGE_REGISTRY_USERNAME"),
        std::env::var("KFORGE_REGISTRY_PASSWORD"),
    ) {
        return Ok(Credentials::Basic {
            username: user,
            password,
            source: "KFORGE_REGISTRY_USERNAME and KFORGE_REGISTRY_PASSWORD".into(),
        });
    }
    for path in config_files() {
        if let Some(c) = from_docker_config(&path, registry)? {
            return Ok(c);
        }
    }
    Ok(Credentials::Anonymous)
}

fn config_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => out.push(PathBuf::from(d).join("config.json")),
        None => out.extend(home.as_ref().map(|h| h.join(".docker/config.json"))),
    }
    let helm = std::env::var_os("HELM_REGISTRY_CONFIG")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CONFIG_HOME")
                .map(|x| PathBuf::from(x).join("helm/registry/config.json"))
                .or_else(|| home.map(|h| h.join(".config/helm/registry/config.json")))
        });
    out.extend(helm);
    out
}

/// Reads `auths.<registry>` from a docker-format config file.
fn from_docker_config(path: &Path, registry: &str) -> Result<Option<Credentials>> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if meta.len() > 1024 * 1024 {
        return Err(Error::ConfigTooLarge(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadConfig {
        path: path.to_path_buf(),
        source,
    })?;
    let json: Json = serde_json::from_str(&text).map_err(|source| Error::ConfigJson {
        path: path.to_path_buf(),
        source,
    })?;
    let Some(auths) = json.get("auths").and_then(Json::as_object) else {
        return Ok(None);
    };
    let host = |k: &str| {
        let k = k
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        k.split('/').next().unwrap_or(k).to_string()
    };
    let Some(entry) = auths
        .iter()
        .find(|(k, _)| host(k) == registry)
        .map(|(_, v)| v)
    else {
        return Ok(None);
    };
    let field = |k: &str| {
        entry
            .get(k)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    if let (Some(u), Some(p)) = (field("username"), field("password")) {
        return Ok(Some(Credentials::Basic {
            username: u.to_string(),
            password: p.to_string(),
            source: path.display().to_string(),
        }));
    }
    if let Some(auth) = field("auth") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let Some((u, p)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            return Err(Error::BadAuth {
                path: path.to_path_buf(),
                registry: registry.to_string(),
            });
        };
        return Ok(Some(Credentials::Basic {
            username: u.to_string(),
            password: p.to_string(),
            source: path.display().to_string(),
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_parsing() {
        let d = Destination::parse("oci://127.0.0.1:5000/charts/team").unwrap();
        assert_eq!(
            (d.registry.as_str(), d.path.as_str()),
            ("127.0.0.1:5000", "charts/team")
        );
        let d = Destination::parse("oci://ghcr.io").unwrap();
        assert_eq!(d.path, "");
        assert!(Destination::parse("https://ghcr.io/x").is_err());
        assert!(Destination::parse("oci://ghcr.io/x:1.0").is_err());
        assert!(Destination::parse("oci:///x").is_err());
        assert!(Destination::parse("oci://[::1]:5000/x").is_ok());
        for bad in ["oci://h:99999/x", "oci://h:0/x", "oci://h:port/x"] {
            assert!(
                matches!(Destination::parse(bad), Err(Error::BadPort(_))),
                "{bad}"
            );
        }
    }

    /// A password in the destination is never echoed.
    #[test]
    fn credentials_in_the_destination_are_refused_redacted() {
        let e = Destination::parse("oci://bot:S3cret@host/charts").unwrap_err();
        let shown = e.to_string();
        assert!(matches!(e, Error::CredentialsInDestination(_)));
        assert!(
            !shown.contains("S3cret") && !shown.contains("bot:"),
            "{shown}"
        );
        assert!(shown.contains("oci://***@host/charts"), "{shown}");
        let e = Destination::parse("https://bot:S3cret@host/charts").unwrap_err();
        assert!(!e.to_string().contains("S3cret"), "{e}");
    }

    #[test]
    fn docker_config_auth_is_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"auths":{"https://reg.example:5000/v1/":{"auth":"dTpwQHNzOndvcmQ="}}}"#,
        )
        .unwrap();
        match from_docker_config(&path, "reg.example:5000").unwrap() {
            Some(Credentials::Basic {
                username, password, ..
            }) => {
                assert_eq!((username.as_str(), password.as_str()), ("u", "p@ss:word"));
            }
            _ => panic!("no credentials"),
        }
        assert!(from_docker_config(&path, "other").unwrap().is_none());
    }
}

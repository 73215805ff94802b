//! What a failed push says: the registry's refusal explained (credentials missing or rejected,
//! no permission, a redirect to a host that refused), its own message shown only through
//! [`sanitize`], and what to do.

use base64::Engine;
use oci_client::Reference;
use serde_json::Value as Json;

use super::{Credentials, Error, MAX_MESSAGE_BYTES, sanitize, target};

/// A push error with what to do about it. What the registry sent back is shown only through
/// [`sanitize`]: a registry may echo the Authorization header, or send megabytes or terminal
/// escapes.
pub(super) fn explain(
    e: &oci_client::errors::OciDistributionError,
    r: &Reference,
    credentials: &Credentials,
    plain_http: bool,
    redirected: Option<String>,
) -> Error {
    use oci_client::errors::OciDistributionError as E;
    let target = target(r);
    let secrets = match credentials {
        Credentials::Anonymous => Vec::new(),
        Credentials::Basic {
            username, password, ..
        } => {
            let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
            vec![
                password.clone(),
                b64(format!("{username}:{password}")),
                b64(password.clone()),
            ]
        }
    };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let status = match e {
        E::ServerError { code, .. } => Some(*code),
        E::UnauthorizedError { .. } | E::AuthenticationFailure(_) => Some(401),
        _ => None,
    };
    if let Some(code @ (401 | 403)) = status {
        let registry = r.registry();
        let why = server_message(e, &secrets);
        let elsewhere = |host: &String| host != r.resolve_registry();
        if let Some(other) = answered_by(e)
            .filter(elsewhere)
            .or(redirected.filter(elsewhere))
        {
            // The request was redirected (a blob upload's Location, an HTTP redirect) to a host
            // that refused it: that host answered, not the registry named.
            let other = sanitize(&other, &secrets, 200);
            return Error::Push {
                target,
                reason: format!(
                    "{other}, to which {registry} redirected the push, answered HTTP {code}{why}; kforge sends credentials only to the registry named, never across a redirect to another host, so {other} got none"
                ),
                help: format!(
                    "push to the registry that serves the repository itself (oci://{other}/{}) with its credentials, or ask the owner of {registry} why it redirects there",
                    r.repository().rsplit_once('/').map_or("", |(path, _)| path)
                ),
            };
        }
        let (reason, help) = match credentials {
            Credentials::Anonymous => (
                format!(
                    "the registry requires credentials and none were found for {registry} (HTTP {code}{why})"
                ),
                format!(
                    "pipe a password or token into `--username USER --password-stdin`, set KFORGE_REGISTRY_USERNAME and KFORGE_REGISTRY_PASSWORD, or log in with `docker login {registry}` or `helm registry login {registry}`"
                ),
            ),
            Credentials::Basic {
                username, source, ..
            } if code == 401 => (
                format!(
                    "the registry rejected the credentials of user `{username}` from {source} (HTTP 401{why})"
                ),
                "check the user name and the password or token; tokens often expire".to_string(),
            ),
            Credentials::Basic {
                username, source, ..
            } => (
                format!(
                    "user `{username}` (credentials from {source}) may not push to {} (HTTP 403{why})",
                    r.repository()
                ),
                "ask the registry's owner for push permission on this repository, or push to one you own".to_string(),
            ),
        };
        return Error::Push {
            target,
            reason,
            help,
        };
    }
    let mut chain = match e {
        E::ServerError { code, .. } => format!("HTTP {code}{}", server_message(e, &secrets)),
        other => other.to_string(),
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(&format!(": {s}"));
        source = s.source();
    }
    let lower = chain.to_ascii_lowercase();
    let help = match e {
        E::RequestError(_) if lower.contains("certificate") || lower.contains("handshake") => {
            "the registry's TLS certificate was not accepted: check the host name, or add the CA that signed the certificate to the system's trust store (--plain-http is only for registries that do not speak TLS at all)"
        }
        E::RequestError(r) if r.is_timeout() => {
            "the registry did not answer in time: check that the address is a registry and that it is up"
        }
        E::RequestError(r) if r.is_connect() => {
            if plain_http {
                "the registry is unreachable: check the host and port"
            } else {
                "the registry is unreachable over HTTPS: check the host and port; a registry that speaks plain HTTP on a private network needs --plain-http"
            }
        }
        _ => "check the registry address and that it accepts OCI artifacts",
    };
    Error::Push {
        target,
        reason: sanitize(&chain, &secrets, MAX_MESSAGE_BYTES),
        help: help.to_string(),
    }
}

/// The host (and port) of the URL that gave an error's answer: the last one a redirect led
/// to, where the client reports it.
/// The host a refused (401, 403) request was redirected to, if it was: the error names only
/// the URL asked (a manifest read), so that URL is asked once more without credentials and
/// without following redirects. `None` for any other error, or when no redirect came back.
pub(super) async fn redirected_to(
    e: &oci_client::errors::OciDistributionError,
    plain_http: bool,
) -> Option<String> {
    use oci_client::errors::OciDistributionError as E;
    let url = match e {
        E::UnauthorizedError { url }
        | E::ServerError {
            code: 401 | 403,
            url,
            ..
        } => url,
        E::RegistryError { envelope, url }
            if envelope.errors.iter().any(|e| {
                matches!(
                    e.code,
                    oci_client::errors::OciErrorCode::Unauthorized
                        | oci_client::errors::OciErrorCode::Denied
                )
            }) =>
        {
            url
        }
        _ => return None,
    };
    if !plain_http && !url.starts_with("https://") {
        return None;
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(super::CONNECT_TIMEOUT)
        .read_timeout(super::READ_TIMEOUT)
        .build()
        .ok()?;
    let answer = client.get(url).send().await.ok()?;
    if !answer.status().is_redirection() {
        return None;
    }
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)?
        .to_str()
        .ok()?;
    let target = reqwest::Url::parse(url).ok()?.join(location).ok()?;
    let host = target.host_str()?;
    Some(match target.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

fn answered_by(e: &oci_client::errors::OciDistributionError) -> Option<String> {
    use oci_client::errors::OciDistributionError as E;
    let url = match e {
        E::ServerError { url, .. } | E::UnauthorizedError { url } => url,
        _ => return None,
    };
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty()).then(|| host.to_string())
}

/// `: message` from an OCI error envelope in a server error, if there is one.
fn server_message(e: &oci_client::errors::OciDistributionError, secrets: &[&str]) -> String {
    let oci_client::errors::OciDistributionError::ServerError { message, .. } = e else {
        return String::new();
    };
    let first = serde_json::from_str::<Json>(message).ok().and_then(|j| {
        let err = j.get("errors")?.get(0)?;
        Some(format!(
            "{} {}",
            err.get("code")?.as_str()?,
            err.get("message")?.as_str()?
        ))
    });
    let shown = sanitize(
        first.as_deref().unwrap_or(message),
        secrets,
        MAX_MESSAGE_BYTES,
    );
    if shown.is_empty() {
        String::new()
    } else {
        format!(": {shown}")
    }
}

//! The target Kubernetes version of the lifecycle checks: the versions kforge knows, and the
//! parser of `--kube-version` and `kubeVersion:` in the lint configuration.

use crate::diag::Failure;

/// Newest Kubernetes minor version whose API kforge knows (k8s-openapi feature `v1_37`).
pub const NEWEST_KUBE: (u32, u32) = (1, 37);

/// Oldest Kubernetes minor version the lifecycle table goes back to.
pub const OLDEST_KUBE: (u32, u32) = (1, 16);

/// A Kubernetes version kforge cannot target.
#[derive(Debug, thiserror::Error)]
pub enum KubeVersionError {
    /// A version, but outside [`OLDEST_KUBE`]..=[`NEWEST_KUBE`].
    #[error(
        "Kubernetes version `{text}` is not supported; give one from {}.{} to {}.{}",
        OLDEST_KUBE.0,
        OLDEST_KUBE.1,
        NEWEST_KUBE.0,
        NEWEST_KUBE.1
    )]
    Unsupported {
        /// The version as given.
        text: String,
    },
    /// Not of the form `X.Y`.
    #[error("`{text}` is not a Kubernetes version; write it as X.Y, e.g. 1.33")]
    Malformed {
        /// The text as given.
        text: String,
    },
}

impl Failure for KubeVersionError {}

/// Parses `X.Y` (also `vX.Y` and `X.Y.Z`) into a supported Kubernetes minor version.
pub fn parse_kube_version(text: &str) -> Result<(u32, u32), KubeVersionError> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    let parsed = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), patch, None)
            if patch.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())) =>
        {
            a.parse::<u32>().ok().zip(b.parse::<u32>().ok())
        }
        _ => None,
    };
    let text = text.to_string();
    match parsed {
        Some(v @ (1, minor)) if (OLDEST_KUBE.1..=NEWEST_KUBE.1).contains(&minor) => Ok(v),
        Some(_) => Err(KubeVersionError::Unsupported { text }),
        None => Err(KubeVersionError::Malformed { text }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_supported_versions_only() {
        assert_eq!(parse_kube_version("1.33").unwrap(), (1, 33));
        assert_eq!(parse_kube_version(" v1.16.4 ").unwrap(), (1, 16));
        assert_eq!(
            parse_kube_version("2.0").unwrap_err().to_string(),
            "Kubernetes version `2.0` is not supported; give one from 1.16 to 1.37"
        );
        assert_eq!(
            parse_kube_version("1.x").unwrap_err().to_string(),
            "`1.x` is not a Kubernetes version; write it as X.Y, e.g. 1.33"
        );
        assert!(parse_kube_version("1.33.").is_err());
    }
}

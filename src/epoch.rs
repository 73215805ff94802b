//! SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/), read in one
//! place: archive entry mtimes, index `created` times and OCI annotations all come from it.

/// mtime of every archive entry when SOURCE_DATE_EPOCH is not set: 2000-01-01T00:00:00Z. Not
/// zero, because some tools treat a zero mtime as "unknown".
pub const DEFAULT_MTIME: u64 = 946_684_800;

/// SOURCE_DATE_EPOCH is set but is not a whole number of seconds.
#[derive(Debug, thiserror::Error)]
#[error(
    "SOURCE_DATE_EPOCH `{0}` is not a whole number of seconds since 1970; set it to e.g. $(git log -1 --format=%ct), or unset it"
)]
pub struct InvalidEpoch(pub String);

impl crate::diag::Failure for InvalidEpoch {}

/// The build's notion of time: SOURCE_DATE_EPOCH when set, read once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildTime {
    /// SOURCE_DATE_EPOCH, when set.
    pub epoch: Option<u64>,
}

impl BuildTime {
    /// Reads SOURCE_DATE_EPOCH from the environment; an invalid value is an error, never a
    /// silent default.
    pub fn from_env() -> Result<Self, InvalidEpoch> {
        match std::env::var("SOURCE_DATE_EPOCH") {
            Err(std::env::VarError::NotPresent) => Ok(Self { epoch: None }),
            Err(std::env::VarError::NotUnicode(v)) => {
                Err(InvalidEpoch(v.to_string_lossy().into_owned()))
            }
            Ok(v) => v
                .trim()
                .parse::<u64>()
                .map(|s| Self { epoch: Some(s) })
                .map_err(|_| InvalidEpoch(v)),
        }
    }

    /// The mtime of archive entries: SOURCE_DATE_EPOCH, else [`DEFAULT_MTIME`].
    pub fn mtime(self) -> u64 {
        self.epoch.unwrap_or(DEFAULT_MTIME)
    }

    /// "Now" for `created` times: SOURCE_DATE_EPOCH, else the wall clock.
    pub fn now(self) -> u64 {
        self.epoch.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtime_and_now_follow_the_epoch() {
        let t = BuildTime { epoch: Some(5) };
        assert_eq!((t.mtime(), t.now()), (5, 5));
        let unset = BuildTime { epoch: None };
        assert_eq!(unset.mtime(), DEFAULT_MTIME);
        assert!(unset.now() > DEFAULT_MTIME);
    }
}

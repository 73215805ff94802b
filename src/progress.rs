//! A one-line progress counter on stderr for long runs (`building 12/200 environments`), drawn
//! only when stderr is a terminal, at most ten times a second, and erased when done. Thread-safe,
//! so parallel workers can tick it. Hand-written: a counter and `\r` do not need a crate.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Below this many items a run is short and gets no progress line.
const MIN_ITEMS: usize = 8;

/// A progress counter; a no-op unless stderr is a terminal and `TERM` is not `dumb`.
pub struct Progress {
    label: &'static str,
    total: usize,
    state: Option<Mutex<(usize, Instant)>>,
}

impl Progress {
    /// Starts counting `total` items of `label` (e.g. "environments").
    pub fn new(label: &'static str, total: usize) -> Self {
        let on = total >= MIN_ITEMS
            && std::io::stderr().is_terminal()
            && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        Self {
            label,
            total,
            state: on.then(|| Mutex::new((0, Instant::now() - Duration::from_secs(1)))),
        }
    }

    /// One more item done.
    pub fn tick(&self) {
        let Some(state) = &self.state else { return };
        let Ok(mut s) = state.lock() else { return };
        s.0 += 1;
        if s.1.elapsed() >= Duration::from_millis(100) || s.0 == self.total {
            s.1 = Instant::now();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{} {}/{}", self.label, s.0, self.total);
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.state.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

//! A bound on the memory of template runs, which fuel and the output budget
//! ([`super::limits`]) do not give: a string or list that a template grows without emitting it
//! (`{% set s = s ~ s %}` in a loop) is built by minijinja's own operators (`~`, `+`, `*`,
//! `set`, loops), none of which calls code of kforge, and `unsafe` code (a counting allocator)
//! is forbidden here. So a watchdog thread measures the process's resident memory while
//! templates render, every [`POLL`]; when it grows past the bound it reports which
//! environments and templates were rendering, to a handler the command line installed (which
//! removes kforge's temporary files and exits). Nothing prints here.
//!
//! The bound: while templates render, resident memory may grow by at most `limit` bytes per
//! environment rendering at that moment ([`DEFAULT_LIMIT`] unless changed), over what it was
//! when the earliest of them started. Measured from `/proc/self/statm`, so on Linux only;
//! elsewhere no watchdog runs and only fuel bounds such a template.
//!
//! The process-wide state below is not a setting: it is the list of template runs in progress,
//! which the one watchdog of the process reads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use super::limits::MAX_OUTPUT_BYTES;

/// Default growth of resident memory allowed per environment rendering: four times a run's
/// budget of values and output ([`MAX_OUTPUT_BYTES`]), 1 GiB. A run within that budget holds
/// up to three times it while its output buffer grows (the old buffer, and the new one of
/// twice the size), so twice would stop legitimate runs.
pub const DEFAULT_LIMIT: u64 = 4 * MAX_OUTPUT_BYTES as u64;

/// How often the watchdog measures, while templates render.
pub const POLL: Duration = Duration::from_millis(5);

/// What was rendering when memory grew past the bound.
#[derive(Debug, Clone)]
pub struct Overrun {
    /// Resident memory measured, bytes.
    pub resident: u64,
    /// Resident memory when the earliest run in progress started, bytes.
    pub baseline: u64,
    /// Growth allowed per environment rendering, bytes.
    pub limit: u64,
    /// Each environment rendering, with the template it was at.
    pub running: Vec<(String, String)>,
}

impl Overrun {
    /// What happened and what to do.
    pub fn message(&self) -> String {
        let running = self
            .running
            .iter()
            .map(|(env, template)| format!("environment {env}, template {template}"))
            .collect::<Vec<_>>()
            .join("; ");
        format!(
            "{running}: the template run's memory grew by {} MiB, over the limit of {} MiB per environment rendering; a loop that grows a string or list without end (`{{% set s = s ~ s %}}`)? Fix the template, or raise the limit with KFORGE_TEMPLATE_MEMORY_MIB",
            self.resident.saturating_sub(self.baseline).div_ceil(MIB),
            self.limit / MIB
        )
    }
}

const MIB: u64 = 1024 * 1024;

/// A template run in progress.
struct Run {
    id: u64,
    environment: String,
    template: String,
    /// Resident memory when the watchdog first saw the run.
    baseline: Option<u64>,
}

#[derive(Default)]
struct Runs {
    runs: Vec<Run>,
    next: u64,
}

type Handler = Box<dyn Fn(Overrun) + Send + Sync>;

struct Watch {
    limit: u64,
    handler: Handler,
    page_size: u64,
}

static WATCH: OnceLock<Watch> = OnceLock::new();
static STARTED: AtomicBool = AtomicBool::new(false);
static RUNS: Mutex<Runs> = Mutex::new(Runs {
    runs: Vec::new(),
    next: 0,
});
static WAKE: Condvar = Condvar::new();

/// Why no watchdog runs.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// The limit was set twice in one process.
    #[error("the template memory watchdog is already configured")]
    AlreadyConfigured,
    /// No `/proc/self/statm` (not Linux).
    #[error("resident memory cannot be measured here (no /proc/self/statm)")]
    NoProc,
}

/// Bounds template runs to `limit` bytes of growth per environment rendering; `on_overrun` is
/// called (on the watchdog's thread) when a run goes over, and must not return normally (it
/// should exit the process). The watchdog thread starts with the first template run.
pub fn watch(
    limit: u64,
    on_overrun: impl Fn(Overrun) + Send + Sync + 'static,
) -> Result<(), Unavailable> {
    resident_pages().ok_or(Unavailable::NoProc)?;
    WATCH
        .set(Watch {
            limit,
            handler: Box::new(on_overrun),
            page_size: page_size(),
        })
        .map_err(|_| Unavailable::AlreadyConfigured)
}

fn runs() -> MutexGuard<'static, Runs> {
    RUNS.lock().unwrap_or_else(|e| e.into_inner())
}

/// One environment's template run, registered with the watchdog while it lives.
pub struct Running {
    id: Option<u64>,
}

impl Running {
    /// Starts watching a run of `environment` (nothing when no watchdog is configured).
    pub fn start(environment: &str) -> Self {
        let Some(watch) = WATCH.get() else {
            return Self { id: None };
        };
        if !STARTED.swap(true, Ordering::AcqRel) {
            let spawned = std::thread::Builder::new()
                .name("kforge-memory".into())
                .spawn(move || watchdog(watch));
            if spawned.is_err() {
                return Self { id: None };
            }
        }
        let mut runs = runs();
        let id = runs.next;
        runs.next += 1;
        runs.runs.push(Run {
            id,
            environment: environment.to_string(),
            template: String::new(),
            baseline: None,
        });
        drop(runs);
        WAKE.notify_one();
        Self { id: Some(id) }
    }

    /// Records the template the run is at, for the report.
    pub fn at(&self, template: &str) {
        let Some(id) = self.id else { return };
        if let Some(run) = runs().runs.iter_mut().find(|r| r.id == id) {
            run.template.clear();
            run.template.push_str(template);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            runs().runs.retain(|r| r.id != id);
        }
    }
}

fn watchdog(watch: &Watch) {
    loop {
        let mut guard = runs();
        while guard.runs.is_empty() {
            guard = WAKE.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        drop(guard);
        let Some(resident) = resident_pages().map(|p| p.saturating_mul(watch.page_size)) else {
            return;
        };
        let mut guard = runs();
        let mut baseline = u64::MAX;
        for run in &mut guard.runs {
            baseline = baseline.min(*run.baseline.get_or_insert(resident));
        }
        let allowed = watch.limit.saturating_mul(guard.runs.len() as u64);
        if !guard.runs.is_empty() && resident.saturating_sub(baseline) > allowed {
            let over = Overrun {
                resident,
                baseline,
                limit: watch.limit,
                running: guard
                    .runs
                    .iter()
                    .map(|r| (r.environment.clone(), r.template.clone()))
                    .collect(),
            };
            drop(guard);
            (watch.handler)(over);
            return;
        }
        drop(guard);
        std::thread::sleep(POLL);
    }
}

/// Resident pages of this process (`/proc/self/statm`, second field).
fn resident_pages() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    statm.split_whitespace().nth(1)?.parse().ok()
}

/// The page size, from the auxiliary vector the kernel gave the process (`AT_PAGESZ`); 4 KiB
/// when it cannot be read.
fn page_size() -> u64 {
    const AT_PAGESZ: u64 = 6;
    let word = std::mem::size_of::<usize>();
    let Ok(auxv) = std::fs::read("/proc/self/auxv") else {
        return 4096;
    };
    let read = |b: &[u8]| match b.len() {
        8 => b.try_into().map_or(0, u64::from_ne_bytes),
        _ => b.try_into().map_or(0, |w| u64::from(u32::from_ne_bytes(w))),
    };
    auxv.chunks_exact(2 * word)
        .map(|pair| (read(&pair[..word]), read(&pair[word..])))
        .find(|&(key, _)| key == AT_PAGESZ)
        .map_or(4096, |(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_measured() {
        let pages = resident_pages().expect("/proc/self/statm");
        let bytes = pages * page_size();
        assert!(bytes > MIB, "{bytes}");
        assert!(page_size().is_power_of_two() && page_size() >= 4096);
    }

    #[test]
    fn the_report_names_environment_template_and_growth() {
        let over = Overrun {
            resident: 1200 * MIB,
            baseline: 100 * MIB,
            limit: DEFAULT_LIMIT,
            running: vec![("dev".into(), "chart-templates/grow.yaml".into())],
        };
        let m = over.message();
        assert!(
            m.contains("environment dev, template chart-templates/grow.yaml")
                && m.contains("grew by 1100 MiB")
                && m.contains("limit of 1024 MiB"),
            "{m}"
        );
    }
}

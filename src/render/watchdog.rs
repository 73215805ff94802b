//! Bounds on template runs that fuel and the output budget ([`super::limits`]) do not give.
//!
//! - **Memory.** A string or list that a template grows without emitting it
//!   (`{% set s = s ~ s %}` in a loop) is built by minijinja's own operators (`~`, `+`, `*`,
//!   `set`, loops), none of which calls code of kforge, and `unsafe` code (a counting allocator)
//!   is forbidden here. So a watchdog thread measures the process's resident memory while
//!   templates render, every [`POLL`]. While templates render, resident memory may grow by at
//!   most `memory` bytes per environment rendering at that moment ([`DEFAULT_MEMORY`] unless
//!   changed), over what it was when the earliest of them started. Measured from
//!   `/proc/self/statm`, so on Linux only; elsewhere only the time bound applies.
//! - **Time.** Some work is neither memory nor fuel: `{% set ns.l = ns.l + ns.l %}` forty
//!   times makes a lazy list of 2^40 items that minijinja then walks item by item, on one
//!   fuel unit. So one template may render for at most `time` ([`DEFAULT_TIME`] unless
//!   changed), wall clock, from when its run reached it; the same watchdog checks it.
//!
//! Over either bound the watchdog reports which environments and templates were rendering, to
//! a handler the command line installed (which removes kforge's temporary files and exits).
//! Nothing prints here.
//!
//! The process-wide state below is not a setting: it is the list of template runs in progress,
//! which the one watchdog of the process reads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::limits::MAX_OUTPUT_BYTES;

/// Default growth of resident memory allowed per environment rendering: four times a run's
/// budget of values and output ([`MAX_OUTPUT_BYTES`]), 1 GiB. A run within that budget holds
/// up to three times it while its output buffer grows (the old buffer, and the new one of
/// twice the size), so twice would stop legitimate runs.
pub const DEFAULT_MEMORY: u64 = 4 * MAX_OUTPUT_BYTES as u64;

/// Default wall-clock time one template may render: 60 s. A template that uses all its fuel
/// (the most work a template can do within it) renders in 1.5 s with a release build and
/// 15 s with a debug build on a 2-core machine, so legitimate runs stay far inside it, also on
/// a loaded CI runner.
pub const DEFAULT_TIME: Duration = Duration::from_secs(60);

/// How often the watchdog measures, while templates render.
pub const POLL: Duration = Duration::from_millis(5);

/// The bounds to watch; `None` is no bound.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Growth of resident memory allowed per environment rendering, bytes.
    pub memory: Option<u64>,
    /// Wall-clock time one template may render.
    pub time: Option<Duration>,
}

/// A bound a template run went over.
#[derive(Debug, Clone)]
pub enum Overrun {
    /// Resident memory grew past the bound.
    Memory {
        /// Resident memory measured, bytes.
        resident: u64,
        /// Resident memory when the earliest run in progress started, bytes.
        baseline: u64,
        /// Growth allowed per environment rendering, bytes.
        limit: u64,
        /// Each environment rendering, with the template it was at.
        running: Vec<(String, String)>,
    },
    /// One template rendered for longer than the bound.
    Time {
        /// The time allowed.
        limit: Duration,
        /// The environment and template that went over.
        environment: String,
        template: String,
    },
}

impl Overrun {
    /// What happened and what to do.
    pub fn message(&self) -> String {
        match self {
            Self::Memory {
                resident,
                baseline,
                limit,
                running,
            } => {
                let running = running
                    .iter()
                    .map(|(env, template)| format!("environment {env}, template {template}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                format!(
                    "{running}: the template run's memory grew by {} MiB, over the limit of {} MiB per environment rendering; a loop that grows a string or list without end (`{{% set s = s ~ s %}}`)? Fix the template, or raise the limit with KFORGE_TEMPLATE_MEMORY_MIB",
                    resident.saturating_sub(*baseline).div_ceil(MIB),
                    limit / MIB
                )
            }
            Self::Time {
                limit,
                environment,
                template,
            } => format!(
                "environment {environment}, template {template}: the template rendered for longer than the limit of {} s per template; a loop over a list grown without end (`{{% set ns.l = ns.l + ns.l %}}`)? Fix the template, or raise the limit with KFORGE_TEMPLATE_SECONDS",
                limit.as_secs_f64()
            ),
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// A template run in progress.
struct Run {
    id: u64,
    environment: String,
    template: String,
    /// When the run reached its current template.
    since: Instant,
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
    /// The memory bound and the page size, when memory can be measured.
    memory: Option<(u64, u64)>,
    time: Option<Duration>,
    handler: Handler,
}

static WATCH: OnceLock<Watch> = OnceLock::new();
static STARTED: AtomicBool = AtomicBool::new(false);
static RUNS: Mutex<Runs> = Mutex::new(Runs {
    runs: Vec::new(),
    next: 0,
});
static WAKE: Condvar = Condvar::new();

/// The watchdog was configured twice in one process.
#[derive(Debug, thiserror::Error)]
#[error("the template watchdog is already configured")]
pub struct AlreadyConfigured;

/// Bounds template runs; `on_overrun` is called (on the watchdog's thread) when a run goes
/// over, and must not return normally (it should exit the process). The watchdog thread
/// starts with the first template run. The memory bound applies only where resident memory
/// can be measured (Linux); returns whether it does.
pub fn watch(
    bounds: Bounds,
    on_overrun: impl Fn(Overrun) + Send + Sync + 'static,
) -> Result<bool, AlreadyConfigured> {
    let memory = bounds
        .memory
        .filter(|_| resident_pages().is_some())
        .map(|limit| (limit, page_size()));
    let measured = memory.is_some();
    if memory.is_none() && bounds.time.is_none() {
        return Ok(measured);
    }
    WATCH
        .set(Watch {
            memory,
            time: bounds.time,
            handler: Box::new(on_overrun),
        })
        .map_err(|_| AlreadyConfigured)?;
    Ok(measured)
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
                .name("kforge-watchdog".into())
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
            since: Instant::now(),
            baseline: None,
        });
        drop(runs);
        WAKE.notify_one();
        Self { id: Some(id) }
    }

    /// Records the template the run is at, for the report; its time starts now.
    pub fn at(&self, template: &str) {
        let Some(id) = self.id else { return };
        if let Some(run) = runs().runs.iter_mut().find(|r| r.id == id) {
            run.template.clear();
            run.template.push_str(template);
            run.since = Instant::now();
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
        let resident = match watch.memory {
            Some((_, page_size)) => match resident_pages() {
                Some(pages) => Some(pages.saturating_mul(page_size)),
                None => return,
            },
            None => None,
        };
        let over = check(watch, &mut runs(), resident, Instant::now());
        if let Some(over) = over {
            (watch.handler)(over);
            return;
        }
        std::thread::sleep(POLL);
    }
}

/// The bound the runs in progress are over, given the resident memory and the time now.
fn check(watch: &Watch, runs: &mut Runs, resident: Option<u64>, now: Instant) -> Option<Overrun> {
    if let Some(limit) = watch.time
        && let Some(run) = runs
            .runs
            .iter()
            .find(|r| now.saturating_duration_since(r.since) > limit)
    {
        return Some(Overrun::Time {
            limit,
            environment: run.environment.clone(),
            template: run.template.clone(),
        });
    }
    let ((limit, _), resident) = watch.memory.zip(resident)?;
    let mut baseline = u64::MAX;
    for run in &mut runs.runs {
        baseline = baseline.min(*run.baseline.get_or_insert(resident));
    }
    let allowed = limit.saturating_mul(runs.runs.len() as u64);
    (!runs.runs.is_empty() && resident.saturating_sub(baseline) > allowed).then(|| {
        Overrun::Memory {
            resident,
            baseline,
            limit,
            running: runs
                .runs
                .iter()
                .map(|r| (r.environment.clone(), r.template.clone()))
                .collect(),
        }
    })
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
        let over = Overrun::Memory {
            resident: 1200 * MIB,
            baseline: 100 * MIB,
            limit: DEFAULT_MEMORY,
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

    fn run(id: u64, environment: &str, template: &str, since: Instant) -> Run {
        Run {
            id,
            environment: environment.into(),
            template: template.into(),
            since,
            baseline: None,
        }
    }

    #[test]
    fn a_template_over_the_time_bound_is_reported_with_its_environment() {
        let watch = Watch {
            memory: None,
            time: Some(Duration::from_secs(60)),
            handler: Box::new(|_| {}),
        };
        let start = Instant::now();
        let mut runs = Runs {
            runs: vec![
                run(0, "dev", "chart-templates/a.yaml", start),
                run(
                    1,
                    "prod",
                    "chart-templates/b.yaml",
                    start + Duration::from_secs(30),
                ),
            ],
            next: 2,
        };
        let at = |s| start + Duration::from_secs(s);
        assert!(
            check(&watch, &mut runs, None, at(60)).is_none(),
            "60 s is within"
        );
        let Some(Overrun::Time {
            environment,
            template,
            ..
        }) = check(&watch, &mut runs, None, at(61))
        else {
            panic!("61 s is over");
        };
        assert_eq!(
            (environment.as_str(), template.as_str()),
            ("dev", "chart-templates/a.yaml")
        );
        // The time is per template: a run that moved on to its next template starts again.
        runs.runs.remove(0);
        assert!(check(&watch, &mut runs, None, at(89)).is_none());
        let m = check(&watch, &mut runs, None, at(91)).unwrap().message();
        assert!(
            m.starts_with("environment prod, template chart-templates/b.yaml:")
                && m.contains("limit of 60 s per template")
                && m.contains("KFORGE_TEMPLATE_SECONDS"),
            "{m}"
        );
    }

    #[test]
    fn memory_is_bounded_per_environment_rendering_over_the_earliest_baseline() {
        let watch = Watch {
            memory: Some((100 * MIB, 4096)),
            time: None,
            handler: Box::new(|_| {}),
        };
        let now = Instant::now();
        let mut runs = Runs {
            runs: vec![run(0, "dev", "t", now)],
            next: 1,
        };
        assert!(
            check(&watch, &mut runs, Some(50 * MIB), now).is_none(),
            "baseline taken"
        );
        assert!(check(&watch, &mut runs, Some(150 * MIB), now).is_none());
        assert!(check(&watch, &mut runs, Some(151 * MIB), now).is_some());
        runs.runs.push(run(1, "prod", "t", now));
        assert!(
            check(&watch, &mut runs, Some(250 * MIB), now).is_none(),
            "two runs, twice the growth"
        );
        assert!(check(&watch, &mut runs, Some(251 * MIB), now).is_some());
    }
}

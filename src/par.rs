//! Independent jobs on every core, results in input order (environments, archives, documents).
//! Plain scoped threads pulling the next index from a counter: the jobs here are few and
//! coarse, so rayon's work stealing would buy nothing for its compile time.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Worker threads to use for `jobs` jobs: one per core, never more than there are jobs.
pub fn workers(jobs: usize) -> usize {
    cores().min(jobs).max(1)
}

/// The cores this process may use, asked once: each `available_parallelism` call reads the
/// cgroup's CPU quota from /proc and /sys, about ten system calls.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// `items.iter().map(f).collect()`, with the calls spread over every core. A single item (or
/// a single core) runs on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(items, workers(items.len()), f)
}

/// `items.iter_mut().for_each(f)` in contiguous parts of at least [`MIN_PART`] items, one
/// per core (many small jobs, where a thread per part is worth it only for a long slice).
pub fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    let workers = workers(items.len().div_ceil(MIN_PART));
    if workers == 1 {
        items.iter_mut().for_each(f);
        return;
    }
    let part = items.len().div_ceil(workers);
    let f = &f;
    // A panic in a part is a bug: the scope's end surfaces it.
    std::thread::scope(|scope| {
        for chunk in items.chunks_mut(part) {
            scope.spawn(move || chunk.iter_mut().for_each(f));
        }
    });
}

/// The fewest items [`for_each_mut`] gives a thread of its own.
pub const MIN_PART: usize = 256;

/// [`map`] for jobs that mostly wait on the disk (writing and syncing files): many more
/// threads than cores, so many `fsync`s are waiting at once and the file system commits them
/// together. Storing an environment is a chain of four syncs (archive, folder, index, folder);
/// 16 threads, not 8: more syncs wait at once and commit together (benches/HISTORY.md).
pub fn map_io<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(items, (cores() * 2).max(16).min(items.len()).max(1), f)
}

fn map_on<T: Sync, R: Send>(items: &[T], workers: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = items.iter().map(|_| None).collect();
    let done = on_workers(workers, || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        items.get(i).map(|item| (i, f(item)))
    });
    for (i, r) in done {
        out[i] = Some(r);
    }
    out.into_iter()
        .map(|r| r.expect("every job ran: the counter visits each index once"))
        .collect()
}

/// Jobs produced one by one on the calling thread (`produce` gets a function to hand each
/// job over) and run by `work` on every core while more are produced; at most two jobs per
/// worker wait, so a long stream never sits in memory. Results come back in no set order.
pub fn stream<T: Send, R: Send, P>(
    produce: impl FnOnce(&dyn Fn(T)) -> P,
    work: impl Fn(T) -> R + Sync,
) -> (P, Vec<R>) {
    let workers = workers(usize::MAX);
    let (tx, rx) = std::sync::mpsc::sync_channel::<T>(workers * 2);
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| {
            on_workers(workers, || {
                let job = rx.lock().ok()?.recv().ok()?;
                Some(work(job))
            })
        });
        // A send fails only when every worker is gone, i.e. one panicked: the join reports it.
        let produced = produce(&|job| {
            let _ = tx.send(job);
        });
        drop(tx);
        let results = match handle.join() {
            Ok(r) => r,
            Err(payload) => std::panic::resume_unwind(payload),
        };
        (produced, results)
    })
}

/// Runs `next` on `workers` scoped threads until it returns `None` on each; collects its
/// results. A panic in a job is a bug: it surfaces as the panic it was.
fn on_workers<R: Send>(workers: usize, next: impl Fn() -> Option<R> + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while let Some(r) = next() {
                        done.push(r);
                    }
                    done
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            match h.join() {
                Ok(mut done) => out.append(&mut done),
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_input_order_and_runs_every_item_once() {
        let items: Vec<u32> = (0..1000).collect();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let out = super::map(&items, |x| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            x * 2
        });
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(calls.into_inner(), 1000);
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
    }

    #[test]
    fn for_each_mut_visits_every_item_once() {
        for n in [
            0,
            1,
            super::MIN_PART,
            super::MIN_PART + 1,
            10 * super::MIN_PART + 3,
        ] {
            let mut items: Vec<usize> = (0..n).collect();
            super::for_each_mut(&mut items, |x| *x = *x * 2 + 1);
            assert_eq!(items, (0..n).map(|x| x * 2 + 1).collect::<Vec<_>>());
        }
    }

    #[test]
    fn stream_runs_every_job_handed_over_and_returns_the_producers_value() {
        let (produced, mut out) = super::stream(
            |hand_over| {
                for i in 0..1000u32 {
                    hand_over(i);
                }
                "done"
            },
            |i| i * 2,
        );
        out.sort_unstable();
        assert_eq!(produced, "done");
        assert_eq!(out, (0..1000u32).map(|i| i * 2).collect::<Vec<_>>());
    }
}

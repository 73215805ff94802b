//! Independent jobs on every core, results in input order (environments, archives, documents).
//! Plain scoped threads pulling the next index from a counter: the jobs here are few and
//! coarse, so rayon's work stealing would buy nothing for its compile time.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Worker threads to use for `jobs` jobs: one per core, never more than there are jobs.
pub fn workers(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(jobs)
        .max(1)
}

/// `items.iter().map(f).collect()`, with the calls spread over every core. A single item (or
/// a single core) runs on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(items, workers(items.len()), f)
}

/// [`map`] for jobs that mostly wait on the disk (writing and syncing files): more threads
/// than cores, so one job's `fsync` overlaps the others' work.
pub fn map_io<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(items, (workers(usize::MAX) * 4).min(items.len()).max(1), f)
}

fn map_on<T: Sync, R: Send>(items: &[T], workers: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = items.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(done) => {
                    for (i, r) in done {
                        out[i] = Some(r);
                    }
                }
                // A panic in a job is a bug: let it surface as the panic it was.
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
    });
    out.into_iter()
        .map(|r| r.expect("every job ran: the counter visits each index once"))
        .collect()
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
}

//! Starting and stopping the worker threads: one OS thread per worker, optionally pinned
//! to a core, and a count of those still running so shutdown can wait for them (with a
//! timeout: a worker stuck in a poll that never returns is left behind, detached).
//!
//! Invariant: `live` counts the started threads that have not yet finished their body;
//! each thread decrements it on exit, even when a hook panics (the `Exit` guard), and
//! `Workers::join` waits for zero before joining the handles.
//!
//! `on_thread_start` runs before a worker enters its loop, and a panic in it is caught:
//! the worker reports it and exits, and `launch` (which waits for every worker's report
//! when a hook is set) shuts the other workers down and fails `build()` with the panic's
//! message. A runtime whose workers died in their start hook would otherwise look
//! healthy and run nothing, its timers included: `block_on` would hang.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::worker::run;
use super::{Shared, WorkerSeed};

/// The worker threads of a runtime, and a count of those still running.
pub(crate) struct Workers {
    threads: Vec<std::thread::JoinHandle<()>>,
    live: Arc<(Mutex<usize>, Condvar)>,
}

impl Workers {
    /// Waits for every worker to exit (at most `timeout`); true if they all did.
    pub(crate) fn join(self, timeout: Option<Duration>) -> bool {
        let (lock, cvar) = &*self.live;
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut live = lock.lock().unwrap();
        while *live > 0 {
            live = match deadline {
                None => cvar.wait(live).unwrap(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false; // the threads are detached
                    }
                    cvar.wait_timeout(live, d - now).unwrap().0
                }
            };
        }
        drop(live);
        for t in self.threads {
            let _ = t.join();
        }
        true
    }
}

/// Starts one thread per seed.
pub(crate) fn launch(shared: &Arc<Shared>, seeds: Vec<WorkerSeed>) -> io::Result<Workers> {
    let live = Arc::new((Mutex::new(seeds.len()), Condvar::new()));
    let mut threads = Vec::with_capacity(seeds.len());
    // Each worker reports whether its start hook returned (Err: the panic's message).
    let (report, reports) = mpsc::channel::<(usize, Result<(), String>)>();
    for seed in seeds {
        let seed_index = seed.index;
        let (shared2, live2, report) = (shared.clone(), live.clone(), report.clone());
        let name = (shared.config.thread_name)(seed.index);
        let mut thread = std::thread::Builder::new().name(name);
        if let Some(bytes) = shared.config.thread_stack_size {
            thread = thread.stack_size(bytes);
        }
        let spawned = thread.spawn(move || {
            /// Counts this worker out even if a hook panics.
            struct Exit(Arc<(Mutex<usize>, Condvar)>);
            impl Drop for Exit {
                fn drop(&mut self) {
                    *self.0.0.lock().unwrap() -= 1;
                    self.0.1.notify_all();
                }
            }
            let _exit = Exit(live2);
            if let Some(f) = &shared2.config.on_thread_start {
                let started = catch_unwind(AssertUnwindSafe(|| f())).map_err(|p| {
                    let message = crate::task::error::panic_message(&*p);
                    message.unwrap_or("a non-string panic").to_string()
                });
                let failed = started.is_err();
                let _ = report.send((seed_index, started));
                if failed {
                    return; // launch() stops the runtime and fails build()
                }
            }
            drop(report);
            run(shared2.clone(), seed);
            if let Some(f) = &shared2.config.on_thread_stop {
                f();
            }
        });
        // Pin from here, not from inside the worker: a failure becomes build()'s error
        // (`pool/src/affinity.rs`: we hold the JoinHandle, so the thread id is valid, and
        // every worker sits on its core before build() returns).
        let spawned = spawned.and_then(|t| match shared.pinned_core(seed_index) {
            Some(cpu) => match spindle_pool::affinity::pin_thread(&t, cpu) {
                Ok(()) => Ok(t),
                Err(e) => {
                    threads.push(t); // started: counted live, stopped below
                    Err(e)
                }
            },
            None => Ok(t),
        });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                // Seeds not started count as exited; stop the started ones.
                *live.0.lock().unwrap() = threads.len();
                return Err(stop_launched(shared, Workers { threads, live }, e));
            }
        }
    }
    drop(report);
    if shared.config.on_thread_start.is_some() {
        // Without a hook nothing can fail before the loop, and build() need not wait.
        for _ in 0..threads.len() {
            let failure = match reports.recv() {
                Ok((_, Ok(()))) => continue,
                Ok((index, Err(message))) => io::Error::other(format!(
                    "the on_thread_start hook panicked on worker {index}: {message}"
                )),
                Err(_) => io::Error::other("a worker thread exited before its start hook ran"),
            };
            return Err(stop_launched(shared, Workers { threads, live }, failure));
        }
    }
    Ok(Workers { threads, live })
}

/// Stops the workers started so far and returns `error` for `build()` to report.
fn stop_launched(shared: &Arc<Shared>, workers: Workers, error: io::Error) -> io::Error {
    shared.begin_shutdown();
    workers.join(None);
    shared.finish_shutdown();
    error
}

//! # The event loop: many coroutines, one thread
//!
//! asyncio's model, and JavaScript's: one thread runs a loop that polls whichever
//! coroutine is ready, and when none is, asks the operating system (epoll) to sleep until
//! a socket is ready or the next timer is due. spindle's current-thread runtime is exactly
//! that loop (`runtime/src/scheduler/current_thread.rs`; the sleeping is the driver's,
//! `runtime/src/driver/`). Coroutines take turns only at their `.await`s: concurrency
//! without parallelism, and no locks needed between them.
//!
//! The program, on one current-thread runtime:
//! 1. `clients` coroutines each run `steps` steps — a little CPU work, then a 1 ms timer
//!    ("handle a message, wait for the next") — and every step notes the thread it ran on. All are the same thread (the one that called
//!    `block_on`), though the OS may move that thread between cores.
//! 2. A ticker coroutine counts 1 ms timer ticks while another coroutine makes a
//!    *blocking call*: a synchronous wait of up to `block_for` for the ticker to tick 3
//!    times (as a synchronous client would wait for a reply the loop itself must deliver).
//!    Called inline, it sees **zero** ticks: while it blocks, the loop cannot run the ticker
//!    or anything else.
//! 3. The same call moved to the blocking pool with `spawn_blocking`: the loop stays free,
//!    the ticker ticks, and the call sees its 3 ticks.
//!
//! The timeline shows one lane for all coroutines (and the pool lane for part 3).

use std::collections::BTreeSet;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use spindle::runtime::Builder;
use spindle::task;
use spindle::time::sleep;
use spindle::trace::Trace;

use super::pictures;

/// Ticks the blocking call waits for.
pub const TICKS_WANTED: u64 = 3;
/// The ticker's period.
const TICK: Duration = Duration::from_millis(1);

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Coroutines in part 1.
    pub clients: usize,
    /// Steps each.
    pub steps: usize,
    /// CPU work per step ("handling a message"), a busy loop.
    pub work_per_step: Duration,
    /// How long the blocking call waits at most.
    pub block_for: Duration,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            clients: 8,
            steps: 4,
            work_per_step: Duration::from_micros(300),
            block_for: Duration::from_millis(20),
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            clients: 6,
            steps: 3,
            work_per_step: Duration::from_micros(20),
            // Generous: part 3 returns as soon as it sees its ticks; only part 2 waits it
            // out, and that is the point.
            block_for: Duration::from_millis(300),
        }
    }
}

/// Parts 2 and 3: what the blocking call saw.
#[derive(Clone, Debug)]
pub struct BlockingCall {
    /// Ticks that happened while it waited.
    pub ticks_seen: u64,
    /// How long it waited.
    pub waited: Duration,
}

/// The program's findings.
#[derive(Clone, Debug)]
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// The thread that called `block_on`.
    pub loop_thread: ThreadId,
    /// Every thread any step of any client ran on.
    pub step_threads: Vec<ThreadId>,
    /// Steps run in part 1.
    pub steps_run: usize,
    /// Cores the loop thread was seen on (Linux).
    pub cores: BTreeSet<usize>,
    /// Part 2: the blocking call made on the loop.
    pub inline: BlockingCall,
    /// Part 3: the same call on the blocking pool.
    pub offloaded: BlockingCall,
    /// The runtime's trace.
    pub trace: Trace,
}

/// Runs the three parts.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let rt = Builder::new_current_thread()
        .blocking_threads(1)
        .trace(true)
        .build()?;
    let seen = Arc::new(Mutex::new(Vec::<(ThreadId, Option<usize>)>::new()));
    rt.block_on(async {
        let mut clients = Vec::new();
        for c in 0..cfg.clients {
            let (seen, steps, work) = (seen.clone(), cfg.steps, cfg.work_per_step);
            clients.push(
                task::Builder::new()
                    .name(&format!("client {c}"))
                    .spawn(async move {
                        for _ in 0..steps {
                            let here = (thread::current().id(), spindle::pool::current_cpu());
                            seen.lock().unwrap().push(here);
                            let began = Instant::now();
                            while began.elapsed() < work {
                                std::hint::spin_loop(); // "handling a message"
                            }
                            sleep(TICK).await; // "waiting for the network": the loop runs others
                        }
                    })?,
            );
        }
        for c in clients {
            c.await.map_err(io::Error::other)?;
        }
        io::Result::Ok(())
    })?;
    let inline = rt.block_on(with_ticker(cfg.block_for, false))?;
    let offloaded = rt.block_on(with_ticker(cfg.block_for, true))?;
    let seen = seen.lock().unwrap().clone();
    Ok(Report {
        cfg: cfg.clone(),
        loop_thread: thread::current().id(),
        steps_run: seen.len(),
        cores: seen.iter().filter_map(|s| s.1).collect(),
        step_threads: seen.into_iter().map(|s| s.0).collect(),
        inline,
        offloaded,
        trace: pictures::finish(rt),
    })
}

/// A synchronous wait: spins (yielding the thread) until `ticks` has grown by
/// [`TICKS_WANTED`] or `limit` has passed.
fn blocking_wait(ticks: &AtomicU64, limit: Duration) -> BlockingCall {
    let began = Instant::now();
    let start = ticks.load(SeqCst);
    while ticks.load(SeqCst) - start < TICKS_WANTED && began.elapsed() < limit {
        thread::yield_now();
    }
    BlockingCall {
        ticks_seen: ticks.load(SeqCst) - start,
        waited: began.elapsed(),
    }
}

/// Parts 2 and 3: a ticker, and the blocking call inline or on the pool.
async fn with_ticker(limit: Duration, offload: bool) -> io::Result<BlockingCall> {
    let ticks = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = task::Builder::new().name("ticker").spawn({
        let (ticks, stop) = (ticks.clone(), stop.clone());
        async move {
            while !stop.load(SeqCst) {
                sleep(TICK).await;
                ticks.fetch_add(1, SeqCst);
            }
        }
    })?;
    task::yield_now().await; // let the ticker start its first timer
    let call = if offload {
        let ticks = ticks.clone();
        task::Builder::new()
            .name("blocking call")
            .spawn_blocking(move || blocking_wait(&ticks, limit))?
            .await
            .map_err(io::Error::other)?
    } else {
        let name = "blocking call, inline";
        task::Builder::new()
            .name(name)
            .spawn(async move { blocking_wait(&ticks, limit) })?
            .await
            .map_err(io::Error::other)?
    };
    stop.store(true, SeqCst);
    ticker.await.map_err(io::Error::other)?;
    Ok(call)
}

impl Report {
    /// `true` if every step of every client ran on the loop thread.
    pub fn one_thread(&self) -> bool {
        self.step_threads.iter().all(|t| *t == self.loop_thread)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let distinct: BTreeSet<String> =
            self.step_threads.iter().map(|t| format!("{t:?}")).collect();
        writeln!(
            f,
            "{} coroutines x {} steps, a 1 ms timer between steps, on a current-thread runtime:",
            self.cfg.clients, self.cfg.steps
        )?;
        writeln!(
            f,
            "  {} steps ran on {} thread(s): {} ({}); cores seen: {:?} (the OS may move the thread)",
            self.steps_run,
            distinct.len(),
            distinct.into_iter().collect::<Vec<_>>().join(", "),
            if self.one_thread() {
                "the block_on thread"
            } else {
                "NOT only the block_on thread"
            },
            self.cores
        )?;
        writeln!(
            f,
            "A ticker ticks every 1 ms; a blocking call waits up to {:.0} ms for {} ticks:",
            self.cfg.block_for.as_secs_f64() * 1e3,
            TICKS_WANTED
        )?;
        for (how, c) in [
            ("inline, on the loop", &self.inline),
            ("spawn_blocking", &self.offloaded),
        ] {
            writeln!(
                f,
                "  {how:<20} saw {} ticks in {:>5.1} ms",
                c.ticks_seen,
                c.waited.as_secs_f64() * 1e3
            )?;
        }
        write!(
            f,
            "Inline, the call held the only thread: no timer fired, no coroutine ran. Blocking \
             work belongs on the pool."
        )
    }
}

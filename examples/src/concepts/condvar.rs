//! # Condition variables: waiting for a condition, and the while-loop rule
//!
//! A condition variable lets a thread sleep until *something about shared state* may
//! have changed. It is always used with a mutex and a condition on the data it guards:
//!
//! ```text
//! let mut q = lock.lock();
//! while q.is_empty() {        // the condition, re-checked after EVERY wake-up
//!     q = not_empty.wait(q);  // atomically: unlock, sleep, and relock on wake-up
//! }
//! let item = q.pop_front();
//! ```
//!
//! Why `while` and not `if`: a wake-up means "look again", not "it is true". POSIX lets
//! `wait` return with no notification at all (a *spurious* wake-up), and even a real
//! notification can be *stolen*: between the notify and the woken thread relocking the
//! mutex, another consumer may take the item. So the condition must be re-checked.
//!
//! The program shows, in order:
//! 1. a bounded queue (capacity `capacity`) with std `Mutex` + two `Condvar`s
//!    (`not_empty`, `not_full`) under `producers` producer and `consumers` consumer
//!    threads, counting the wake-ups that found the condition still false;
//! 2. a forced spurious wake-up (`notify_all` with nothing pushed, `spurious_wakeup.rs`)
//!    against a consumer written with `while` (it waits again, then gets the item) and one
//!    written with `if` (it takes from an empty queue: `None`, a crash with `unwrap`);
//! 3. the same queue for tasks, with spindle's `Notify` in place of the condvar (same
//!    rule; `notify_one` with no waiter stores a permit, so a notification sent between
//!    the check and the `.await` is not lost — the lost-wakeup race `Condvar` avoids by
//!    unlocking and sleeping atomically);
//! 4. spindle's bounded `mpsc` channel, which is that loop written once, in the library
//!    (many producers, one consumer).
//!
//! Each version must deliver every item exactly once; the tests check that, and the
//! forced spurious wake-up's outcome under both rules.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use spindle::runtime::Builder;
use spindle::sync::{Notify, mpsc};
use spindle::task;
use spindle::trace::Trace;

use super::pictures;
use super::spurious_wakeup::{Rule, Spurious, forced_spurious_wakeup};

/// Sizes.
#[derive(Clone, Debug)]
pub struct Config {
    /// Producer threads (or tasks).
    pub producers: usize,
    /// Consumer threads (or tasks; the mpsc run has one consumer).
    pub consumers: usize,
    /// Items each producer sends.
    pub items: u64,
    /// Capacity of the bounded queue.
    pub capacity: usize,
}

impl Config {
    /// The program's size.
    pub fn demo() -> Config {
        Config {
            producers: 3,
            consumers: 2,
            items: 5_000,
            capacity: 4,
        }
    }

    /// A size for the tests.
    pub fn small() -> Config {
        Config {
            producers: 3,
            consumers: 2,
            items: 500,
            capacity: 4,
        }
    }
}

/// The producer/consumer bounded queue on threads: a std `Mutex` and two `Condvar`s.
pub struct BoundedQueue<T> {
    items: Mutex<VecDeque<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
    /// Wake-ups after which the condition was still false, so the loop waited again.
    futile_wakeups: AtomicU64,
}

impl<T> BoundedQueue<T> {
    /// An empty queue holding at most `capacity` (at least 1) items.
    pub fn new(capacity: usize) -> BoundedQueue<T> {
        BoundedQueue {
            items: Mutex::new(VecDeque::new()),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity: capacity.max(1),
            futile_wakeups: AtomicU64::new(0),
        }
    }

    /// Appends `item`, waiting while the queue is full.
    pub fn push(&self, item: T) {
        let mut q = self.items.lock().unwrap();
        let mut woken = false;
        while q.len() == self.capacity {
            if woken {
                self.futile_wakeups.fetch_add(1, Relaxed);
            }
            q = self.not_full.wait(q).unwrap();
            woken = true;
        }
        q.push_back(item);
        drop(q); // notify after unlocking: the woken thread need not wait for our lock
        self.not_empty.notify_one();
    }

    /// Takes the oldest item, waiting while the queue is empty.
    pub fn pop(&self) -> T {
        let mut q = self.items.lock().unwrap();
        let mut woken = false;
        while q.is_empty() {
            if woken {
                self.futile_wakeups.fetch_add(1, Relaxed);
            }
            q = self.not_empty.wait(q).unwrap();
            woken = true;
        }
        let item = q.pop_front().expect("the while loop checked");
        drop(q);
        self.not_full.notify_one();
        item
    }

    /// Wake-ups that found the condition still false.
    pub fn futile_wakeups(&self) -> u64 {
        self.futile_wakeups.load(Relaxed)
    }
}

/// The same queue for tasks: a std `Mutex` (never held across an `.await`) and two
/// `Notify`s.
pub struct AsyncBoundedQueue<T> {
    items: Mutex<VecDeque<T>>,
    not_empty: Notify,
    not_full: Notify,
    capacity: usize,
    futile_wakeups: AtomicU64,
}

impl<T> AsyncBoundedQueue<T> {
    /// An empty queue holding at most `capacity` (at least 1) items.
    pub fn new(capacity: usize) -> AsyncBoundedQueue<T> {
        AsyncBoundedQueue {
            items: Mutex::new(VecDeque::new()),
            not_empty: Notify::new(),
            not_full: Notify::new(),
            capacity: capacity.max(1),
            futile_wakeups: AtomicU64::new(0),
        }
    }

    /// Appends `item`, waiting while the queue is full.
    pub async fn push(&self, item: T) {
        let mut item = Some(item);
        let mut woken = false;
        loop {
            {
                let mut q = self.items.lock().unwrap();
                if q.len() < self.capacity {
                    q.push_back(item.take().expect("pushed once"));
                    break;
                }
            } // unlocked before the await
            if woken {
                self.futile_wakeups.fetch_add(1, Relaxed);
            }
            self.not_full.notified().await;
            woken = true;
        }
        self.not_empty.notify_one();
    }

    /// Takes the oldest item, waiting while the queue is empty.
    pub async fn pop(&self) -> T {
        let mut woken = false;
        loop {
            let item = self.items.lock().unwrap().pop_front(); // unlocked at the `;`
            if let Some(item) = item {
                self.not_full.notify_one();
                return item;
            }
            if woken {
                self.futile_wakeups.fetch_add(1, Relaxed);
            }
            self.not_empty.notified().await;
            woken = true;
        }
    }

    /// Wake-ups that found the condition still false.
    pub fn futile_wakeups(&self) -> u64 {
        self.futile_wakeups.load(Relaxed)
    }
}

/// One producer/consumer run.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Which version.
    pub what: &'static str,
    /// Every item received, sorted (must be `0..producers*items`).
    pub received: Vec<u64>,
    /// Wake-ups that found the condition still false.
    pub futile_wakeups: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// The program's findings.
pub struct Report {
    /// The sizes used.
    pub cfg: Config,
    /// Runs 1, 3 and 4.
    pub deliveries: Vec<Delivery>,
    /// Run 2, under both rules.
    pub spurious: Vec<Spurious>,
    /// The trace of the `Notify` run.
    pub trace: Trace,
}

/// Runs the four parts.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let mut deliveries = vec![with_condvar(cfg)];
    let spurious = vec![
        forced_spurious_wakeup(Rule::While),
        forced_spurious_wakeup(Rule::If),
    ];
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .trace(true)
        .build()?;
    deliveries.push(rt.block_on(with_notify(cfg))?);
    deliveries.push(rt.block_on(with_mpsc(cfg))?);
    Ok(Report {
        cfg: cfg.clone(),
        deliveries,
        spurious,
        trace: pictures::finish(rt),
    })
}

/// Item `i` of producer `p`: unique across producers.
fn item(cfg: &Config, p: usize, i: u64) -> u64 {
    p as u64 * cfg.items + i
}

/// Part 1: threads and `BoundedQueue`. Consumers stop at a `None`, one per consumer,
/// pushed after every producer is done.
fn with_condvar(cfg: &Config) -> Delivery {
    let began = Instant::now();
    let queue = Arc::new(BoundedQueue::new(cfg.capacity));
    let consumers: Vec<_> = (0..cfg.consumers.max(1))
        .map(|_| {
            let queue = queue.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(v) = queue.pop() {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = (0..cfg.producers)
        .map(|p| {
            let (queue, cfg) = (queue.clone(), cfg.clone());
            thread::spawn(move || (0..cfg.items).for_each(|i| queue.push(Some(item(&cfg, p, i)))))
        })
        .collect();
    producers.into_iter().for_each(|p| p.join().unwrap());
    (0..consumers.len()).for_each(|_| queue.push(None));
    let mut received: Vec<u64> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    received.sort_unstable();
    Delivery {
        what: "std Mutex + Condvar (threads)",
        received,
        futile_wakeups: queue.futile_wakeups(),
        elapsed: began.elapsed(),
    }
}

/// Part 3: tasks and `AsyncBoundedQueue`.
async fn with_notify(cfg: &Config) -> io::Result<Delivery> {
    let began = Instant::now();
    let queue = Arc::new(AsyncBoundedQueue::new(cfg.capacity));
    let mut consumers = Vec::new();
    for c in 0..cfg.consumers.max(1) {
        let queue = queue.clone();
        consumers.push(
            task::Builder::new()
                .name(&format!("consumer {c}"))
                .spawn(async move {
                    let mut got = Vec::new();
                    while let Some(v) = queue.pop().await {
                        got.push(v);
                    }
                    got
                })?,
        );
    }
    let mut producers = Vec::new();
    for p in 0..cfg.producers {
        let (queue, cfg) = (queue.clone(), cfg.clone());
        producers.push(
            task::Builder::new()
                .name(&format!("producer {p}"))
                .spawn(async move {
                    for i in 0..cfg.items {
                        queue.push(Some(item(&cfg, p, i))).await;
                    }
                })?,
        );
    }
    for p in producers {
        p.await.map_err(io::Error::other)?;
    }
    for _ in 0..consumers.len() {
        queue.push(None).await;
    }
    let mut received = Vec::new();
    for c in consumers {
        received.extend(c.await.map_err(io::Error::other)?);
    }
    received.sort_unstable();
    Ok(Delivery {
        what: "std Mutex + spindle Notify (tasks)",
        received,
        futile_wakeups: queue.futile_wakeups(),
        elapsed: began.elapsed(),
    })
}

/// Part 4: tasks and spindle's bounded `mpsc` (one consumer: the receiver is not shared).
async fn with_mpsc(cfg: &Config) -> io::Result<Delivery> {
    let began = Instant::now();
    let (tx, mut rx) = mpsc::channel::<u64>(cfg.capacity.max(1));
    let consumer = task::Builder::new().name("receiver").spawn(async move {
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v); // `None` once every sender is dropped and the queue is empty
        }
        got
    })?;
    for p in 0..cfg.producers {
        let (tx, cfg) = (tx.clone(), cfg.clone());
        task::Builder::new()
            .name(&format!("sender {p}"))
            .spawn(async move {
                for i in 0..cfg.items {
                    tx.send(item(&cfg, p, i)).await.expect("the receiver lives");
                }
            })?;
    }
    drop(tx);
    let mut received = consumer.await.map_err(io::Error::other)?;
    received.sort_unstable();
    Ok(Delivery {
        what: "spindle mpsc::channel (tasks)",
        received,
        futile_wakeups: 0,
        elapsed: began.elapsed(),
    })
}

impl Report {
    /// `true` if `d` received every item exactly once.
    pub fn complete(&self, d: &Delivery) -> bool {
        let n = self.cfg.producers as u64 * self.cfg.items;
        d.received.len() as u64 == n && d.received.iter().copied().eq(0..n)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.cfg;
        writeln!(
            f,
            "{} producers send {} items each through a queue of capacity {} to {} consumers:",
            c.producers, c.items, c.capacity, c.consumers
        )?;
        for d in &self.deliveries {
            writeln!(
                f,
                "  {:<36} {} items, {} in {:>6.1} ms; {} wake-ups found the condition false",
                d.what,
                d.received.len(),
                if self.complete(d) {
                    "each exactly once"
                } else {
                    "WRONG"
                },
                d.elapsed.as_secs_f64() * 1e3,
                d.futile_wakeups
            )?;
        }
        writeln!(
            f,
            "  Such a wake-up found its item taken by another consumer (or its free slot by \
             another producer), or, with Notify, consumed a permit stored earlier when nobody \
             waited. Each time the while loop waited again."
        )?;
        writeln!(f, "A forced spurious wake-up (notify_all, nothing pushed):")?;
        for s in &self.spurious {
            let verdict = match s.took {
                Some(v) => format!(
                    "woke {} time(s) to nothing, waited again, took {v}",
                    s.futile_wakeups
                ),
                None => "woke to nothing and took from the empty queue: None (unwrap would crash)"
                    .to_string(),
            };
            writeln!(f, "  {:<6} {verdict}", format!("{:?}:", s.rule))?;
        }
        write!(
            f,
            "Rule: a wake-up means \"look again\"; always re-check the condition in a loop."
        )
    }
}

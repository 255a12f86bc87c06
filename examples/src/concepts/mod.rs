//! The book chapter's concepts, one small program each (`examples/concepts/NAME.rs`,
//! run with `cargo run --release --example NAME`).
//!
//! Each program's logic lives here, in a module of its own, with a thin `main` in the
//! example; the integration tests (`examples/tests/concepts/`) run the same functions at
//! a small size and check what the program claims. Every module exposes a `Config`
//! (`demo()` for the program, `small()` for the tests), a `run` function and a report
//! that prints itself in plain words; where a picture helps, the report carries spindle
//! traces that the program writes as SVG timelines into `concepts-out/`
//! ([`pictures`]).
//!
//! | module | the idea | what it shows |
//! |---|---|---|
//! | [`threads`] | OS threads | spawn and join threads; the same work as pool jobs; what each costs |
//! | [`race`] | a race condition | a lost update from a read-modify-write split in two, and two fixes |
//! | [`lock`] | mutual exclusion | std `Mutex` vs spindle's async `Mutex`; a std guard held across `.await` |
//! | [`semaphore`] | bounding concurrency | K permits: never more than K tasks inside |
//! | [`condvar`] | condition variables | a bounded queue with `Condvar`, then `Notify`, then `mpsc`; the while-loop rule |
//! | [`spurious_wakeup`] | (part of `condvar`) | a forced spurious wake-up against `while` and `if` |
//! | [`deadlock`] | deadlock | two locks in opposite orders, detected by a timeout; lock ordering as the fix |
//! | [`event_loop`] | the event loop | many coroutines on one thread (asyncio's model); what a blocking call does |
//! | [`coroutine`] | coroutines | an `async fn` beside the state machine the compiler makes of it |
//! | [`parallel`] | parallelism | the same CPU work on one thread, on two workers, on the pool |
//!
//! The reading path that ties these programs to the runtime's source is `docs/LEARN.md`.

pub mod busy_work;
pub mod condvar;
pub mod coroutine;
pub mod deadlock;
pub mod event_loop;
pub mod lock;
pub mod parallel;
pub mod pictures;
pub mod race;
pub mod semaphore;
pub mod spurious_wakeup;
pub mod threads;

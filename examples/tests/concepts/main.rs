//! The concept programs (`examples/concepts/`), run at a small size, checked against
//! what each one claims. One file per program; each test builds its own runtime or
//! pool and is bounded in time (none sleeps to synchronise: the waits are the programs'
//! own timers, timeouts and blocking calls, which are what they demonstrate).
//!
//! The programs draw their timelines with `Builder::trace(true)`, which needs the crate's
//! `trace` feature (on by default); built without it, these tests are left out.

#![cfg(feature = "trace")]

mod condvar;
mod coroutine;
mod deadlock;
mod event_loop;
mod lock;
mod parallel;
mod race;
mod semaphore;
mod threads;

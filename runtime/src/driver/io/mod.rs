//! The I/O driver: one `mio::Poll` (epoll on Linux) for every socket of the runtime.
//!
//! ## The path of an I/O event
//! 1. A socket type (`TcpStream`, ...) registers its mio source through
//!    [`IoShared::register`]: the driver gives it a [`ScheduledIo`] (its readiness and
//!    waiters), kept in a slot of the *registration table*, and tells epoll to report
//!    the source under a token naming that `ScheduledIo`.
//! 2. A task's read finds no data (`WouldBlock`): it clears the readiness it had seen and
//!    stores its waker in the `ScheduledIo` (`poll_evented.rs`), then returns `Pending`.
//! 3. A parked worker runs [`IoDriver::turn`]: `epoll_wait` returns events; each event's
//!    token is the address of the source's `ScheduledIo`, whose readiness bits are set
//!    and whose waiting task's waker is called, which puts the task back on a run queue.
//! 4. The task is polled again, sees the readiness, and its read succeeds.
//!
//! ## Tokens: the address of the `ScheduledIo`
//! A source's epoll token is the address of its `ScheduledIo`, so a turn goes from an
//! event to the task's waker without looking anything up and without a lock (the design
//! of tokio's `driver/io/registration_set.rs`). The *registration table* owns one strong
//! reference per source, which keeps the address valid:
//! - `register` claims a table slot under the table lock, then calls `epoll_ctl(ADD)`;
//! - `deregister` calls `epoll_ctl(DEL)`, then moves the reference from its slot to the
//!   *pending release* list and raises a flag;
//! - the thread that holds the driver empties that list at the start of its next turn,
//!   before `epoll_wait`.
//!
//! Why no turn can meet a freed `ScheduledIo`: epoll delivers an event to `epoll_wait`
//! and removes a source in `epoll_ctl(DEL)` under the same kernel mutex, so every event
//! naming a source is delivered before that source's `DEL` returns, hence before its
//! reference reaches the pending list, hence in a turn that started before the release
//! (turns run one at a time, under the driver's lock, and a release only happens at a
//! turn's start). A later `ScheduledIo` may be given the same address, but only after
//! the release, when no event for the old one can still arrive.
//!
//! Why the turn must not take a lock: an earlier version found the slot of each event
//! under the table lock, the lock `register` and `deregister` take as well. In the
//! accept benchmark one worker runs a connect loop (a turn, a register and a deregister
//! every 8 µs) while the other accepts (a register and a deregister per connection).
//! The acceptor's thread then often found the lock taken and slept on its futex, and on
//! a loaded machine a thread that sleeps may wait milliseconds to run again: long enough
//! for the connector to fill the listen backlog (BENCHMARKS.md, "accept rate").
//!
//! ## Publishing a new `ScheduledIo` to the turn: the `published` counter
//! The thread that registers a source writes its new `ScheduledIo`, then calls
//! `epoll_ctl(ADD)`; the turn reads it after `epoll_wait` returned an event naming it.
//! The kernel orders the two, but the Rust memory model knows nothing of system calls,
//! and neither does ThreadSanitizer here: it models `epoll_ctl` -> `epoll_wait` as a
//! release/acquire pair *per file descriptor*, and our registry is a `dup` of the
//! `Poll`'s descriptor (`Registry::try_clone`), so it reported every first access of a
//! turn to a fresh `ScheduledIo` as a data race (checked with a two-thread program:
//! the report appears exactly when `epoll_ctl` uses the dup). So `register` bumps
//! `published` (Release) before its `epoll_ctl`, and every turn loads it (Acquire)
//! after `epoll_wait`: the load reads that bump or a later one (all read-modify-writes,
//! so in its release sequence), which makes the writes happen-before the turn's reads
//! in the language's own terms. One uncontended add per registration (beside a system
//! call) and one plain load per turn.
//!
//! ## Invariants
//! - Every live slot holds exactly one registered source; a source leaves epoll before
//!   it leaves its slot, and its `ScheduledIo` stays alive until a turn starts after that.
//! - After [`IoShared::shutdown`], no source can register and every existing one has
//!   been woken with an error.
//! - The table lock is held only to claim and free slots: never while waking a task,
//!   never across a system call, never in a turn's dispatch.
//!
//! Edge-triggered epoll (mio's mode) means the kernel reports a change once; readiness is
//! remembered in the `ScheduledIo` until an operation disproves it.

mod poll_evented;
mod ready;
mod scheduled_io;

pub(crate) use poll_evented::PollEvented;
pub(crate) use ready::{Direction, Ready};
pub(crate) use scheduled_io::{ReadyEvent, ScheduledIo};

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The token of the driver's own `mio::Waker` (used to interrupt a blocked `turn`).
const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);
/// Events fetched per `epoll_wait`; more simply wait for the next turn.
const EVENTS_PER_TURN: usize = 1024;

/// The registration table: a strong reference to each live source's `ScheduledIo`,
/// and the references of deregistered sources waiting for the next turn to drop them.
#[derive(Debug, Default)]
struct Registrations {
    slots: Vec<Option<Arc<ScheduledIo>>>,
    free: Vec<usize>,
    pending_release: Vec<Arc<ScheduledIo>>,
    is_shutdown: bool,
}

fn token_of(io: &Arc<ScheduledIo>) -> mio::Token {
    // Never WAKE_TOKEN: a `ScheduledIo` is word-aligned, usize::MAX is odd. The address
    // is *exposed*, so `turn` may turn the integer back into a pointer (strict
    // provenance rules; Miri checks them).
    mio::Token(Arc::as_ptr(io).expose_provenance())
}

/// What the workers share: the registry, the waker, the registration table.
#[derive(Debug)]
pub(crate) struct IoShared {
    registry: mio::Registry,
    waker: mio::Waker,
    registrations: Mutex<Registrations>,
    /// Set when `pending_release` gained an entry; lets a turn skip the lock otherwise.
    needs_release: AtomicBool,
    /// Bumped by each `register` before its `epoll_ctl`, loaded by each turn after
    /// `epoll_wait` (module header, "Publishing").
    published: AtomicUsize,
}

/// The part only the thread that polls epoll holds.
#[derive(Debug)]
pub(crate) struct IoDriver {
    poll: mio::Poll,
    events: mio::Events,
    /// Turns taken so far: stamps readiness so a stale clear can be detected.
    tick: usize,
    shared: Arc<IoShared>,
}

/// A registration in the table: the source's state and its slot.
#[derive(Debug)]
pub(crate) struct Registered {
    pub(crate) io: Arc<ScheduledIo>,
    slot: usize,
}

impl IoDriver {
    /// Creates the epoll instance and its waker.
    pub(crate) fn new() -> io::Result<IoDriver> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(&registry, WAKE_TOKEN)?;
        Ok(IoDriver {
            poll,
            events: mio::Events::with_capacity(EVENTS_PER_TURN),
            tick: 0,
            shared: Arc::new(IoShared {
                registry,
                waker,
                registrations: Mutex::new(Registrations::default()),
                needs_release: AtomicBool::new(false),
                published: AtomicUsize::new(0),
            }),
        })
    }

    /// The handle that registers sources and interrupts `turn`, for any thread.
    pub(crate) fn shared(&self) -> &Arc<IoShared> {
        &self.shared
    }

    /// Waits for I/O events for at most `timeout` (`None`: until one comes or
    /// [`IoShared::unpark`] is called) and wakes the tasks they ready. Returns the number
    /// of source events dispatched.
    pub(crate) fn turn(&mut self, timeout: Option<Duration>) -> io::Result<usize> {
        self.shared.release_deregistered();
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        // Acquire every `ScheduledIo` registered before the events (module header).
        self.shared.published.load(Ordering::Acquire);
        self.tick = self.tick.wrapping_add(1);
        let mut dispatched = 0;
        for event in self.events.iter() {
            if event.token() == WAKE_TOKEN {
                continue;
            }
            let io = std::ptr::with_exposed_provenance::<ScheduledIo>(event.token().0);
            // SAFETY: tokens other than WAKE_TOKEN are addresses of `ScheduledIo`s that
            // the registration table keeps alive from `register` until the start of the
            // first turn after their `epoll_ctl(DEL)`. This event was delivered before
            // that DEL returned (the kernel serialises the two), and this turn started
            // before any release that could follow it (module header, "Tokens").
            let io = unsafe { &*io };
            let ready = Ready::from_event(event);
            io.set_readiness(self.tick, ready);
            io.wake(ready);
            dispatched += 1;
        }
        Ok(dispatched)
    }

    /// Whether the last [`IoDriver::turn`] was interrupted by [`IoShared::unpark`] (some
    /// thread scheduled work): the paused clock's auto-advance must not skip time then.
    pub(crate) fn last_turn_was_unparked(&self) -> bool {
        self.events.iter().any(|event| event.token() == WAKE_TOKEN)
    }
}

impl IoShared {
    fn lock_registrations(&self) -> std::sync::MutexGuard<'_, Registrations> {
        self.registrations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops the references of sources deregistered before now (called by the driver's
    /// holder at the start of a turn; see the module header).
    fn release_deregistered(&self) {
        if self.needs_release.swap(false, Ordering::Acquire) {
            let released = std::mem::take(&mut self.lock_registrations().pending_release);
            drop(released); // outside the lock
        }
    }

    /// Interrupts a `turn` blocked in `epoll_wait` (or makes the next one return at once).
    pub(crate) fn unpark(&self) -> io::Result<()> {
        self.waker.wake()
    }

    /// Registers `source` for `interest`; see the module header.
    ///
    /// The slot is claimed under the table lock and `epoll_ctl` runs after the lock is
    /// released, so the lock is never held across a system call. Claiming first is
    /// safe: no event can name the token before epoll knows it, and `shutdown` finds the
    /// claimed slot and fails the registration's waits like any other.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
        interest: mio::Interest,
    ) -> io::Result<Registered> {
        let io = Arc::new(ScheduledIo::default());
        let slot = {
            let mut table = self.lock_registrations();
            if table.is_shutdown {
                return Err(scheduled_io::shutdown_error());
            }
            let slot = match table.free.pop() {
                Some(slot) => slot,
                None => {
                    table.slots.push(None);
                    table.slots.len() - 1
                }
            };
            table.slots[slot] = Some(io.clone());
            slot
        };
        // Publish `io` to the turn that will see its first event (module header).
        self.published.fetch_add(1, Ordering::Release);
        if let Err(e) = self.registry.register(source, token_of(&io), interest) {
            // Never in epoll: no event can name it, so it can go at once.
            let mut table = self.lock_registrations();
            table.slots[slot] = None;
            table.free.push(slot);
            return Err(e);
        }
        Ok(Registered { io, slot })
    }

    /// Removes `source` from epoll and frees its slot; its `ScheduledIo` is dropped at
    /// the start of the driver's next turn (module header).
    pub(crate) fn deregister(
        &self,
        source: &mut impl mio::event::Source,
        registered: &Registered,
    ) -> io::Result<()> {
        // epoll_ctl first, and outside the table lock.
        let result = self.registry.deregister(source);
        // Wakers still stored would wait in the pending list for the next turn, and a
        // task they keep alive may own a socket of this driver: a cycle, if no turn
        // comes (the runtime shutting down). Nobody can wake them now; drop them here.
        let stale_wakers = registered.io.take_waiters();
        let mut table = self.lock_registrations();
        if let Some(io) = table.slots[registered.slot].take() {
            table.free.push(registered.slot);
            table.pending_release.push(io);
            self.needs_release.store(true, Ordering::Release);
        }
        drop(table);
        drop(stale_wakers);
        result
    }

    /// Ends all I/O: refuses new registrations and wakes every waiting task with an
    /// error. Called when the runtime shuts down.
    pub(crate) fn shutdown(&self) {
        let ios: Vec<Arc<ScheduledIo>> = {
            let mut table = self.lock_registrations();
            table.is_shutdown = true;
            table.slots.iter().flatten().cloned().collect()
        };
        for io in ios {
            io.shutdown();
        }
    }

    /// Number of registered sources.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn registered(&self) -> usize {
        let table = self.lock_registrations();
        table.slots.len() - table.free.len()
    }

    /// Number of deregistered sources whose `ScheduledIo` the next turn drops.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn pending_release(&self) -> usize {
        self.lock_registrations().pending_release.len()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

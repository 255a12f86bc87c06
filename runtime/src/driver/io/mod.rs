//! The I/O driver: one `mio::Poll` (epoll on Linux) for every socket of the runtime.
//!
//! ## The path of an I/O event
//! 1. A socket type (`TcpStream`, ...) registers its mio source through
//!    [`IoShared::register`]: the driver gives it a slot in the *source table* and a
//!    [`ScheduledIo`] (its readiness and waiters), and tells epoll to report the source
//!    under a token naming that slot.
//! 2. A task's read finds no data (`WouldBlock`): it clears the readiness it had seen and
//!    stores its waker in the `ScheduledIo` (`poll_evented.rs`), then returns `Pending`.
//! 3. A parked worker runs [`IoDriver::turn`]: `epoll_wait` returns events; each event's
//!    token leads to the source's slot, its readiness bits are set and the waiting task's
//!    waker is called, which puts the task back on a run queue.
//! 4. The task is polled again, sees the readiness, and its read succeeds.
//!
//! ## Tokens and stale events
//! A token is a slot index plus the slot's *generation*, bumped each time the slot is
//! freed. An event for a source that was closed and whose slot was reused carries the old
//! generation and is ignored, instead of waking a stranger.
//!
//! ## Invariants
//! - Every live slot holds exactly one registered source; a freed slot is deregistered
//!   from epoll before it is reused.
//! - After [`IoShared::shutdown`], no source can register and every existing one has
//!   been woken with an error.
//! - The table lock is held only to find, claim and free slots: never while waking a
//!   task, never across a system call.
//!
//! Edge-triggered epoll (mio's mode) means the kernel reports a change once; readiness is
//! remembered in the `ScheduledIo` until an operation disproves it.

mod poll_evented;
mod ready;
mod scheduled_io;

pub(crate) use poll_evented::PollEvented;
pub(crate) use ready::{Direction, Ready};
pub(crate) use scheduled_io::ScheduledIo;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The token of the driver's own `mio::Waker` (used to interrupt a blocked `turn`).
const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);
/// Events fetched per `epoll_wait`; more simply wait for the next turn.
const EVENTS_PER_TURN: usize = 1024;

/// One slot of the source table.
#[derive(Debug, Default)]
struct Slot {
    generation: u32,
    io: Option<Arc<ScheduledIo>>,
}

/// The source table: slots plus the indices of free ones.
#[derive(Debug, Default)]
struct Sources {
    slots: Vec<Slot>,
    free: Vec<usize>,
    is_shutdown: bool,
}

fn token_for(index: usize, generation: u32) -> mio::Token {
    mio::Token(((generation as usize) << 32) | index)
}

fn slot_of(token: mio::Token) -> (usize, u32) {
    (token.0 & 0xFFFF_FFFF, (token.0 >> 32) as u32)
}

/// What the workers share: the registry, the waker, the source table.
#[derive(Debug)]
pub(crate) struct IoShared {
    registry: mio::Registry,
    waker: mio::Waker,
    sources: Mutex<Sources>,
}

/// The part only the thread that polls epoll holds.
#[derive(Debug)]
pub(crate) struct IoDriver {
    poll: mio::Poll,
    events: mio::Events,
    /// Turns taken so far: stamps readiness so a stale clear can be detected.
    tick: usize,
    /// Sources readied in the current turn, woken after the table lock is released.
    readied: Vec<(Arc<ScheduledIo>, Ready)>,
    shared: Arc<IoShared>,
}

/// A registration in the table: the source's state and its token.
#[derive(Debug)]
pub(crate) struct Registered {
    pub(crate) io: Arc<ScheduledIo>,
    pub(crate) token: mio::Token,
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
            readied: Vec::new(),
            shared: Arc::new(IoShared {
                registry,
                waker,
                sources: Mutex::new(Sources::default()),
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
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        self.tick = self.tick.wrapping_add(1);
        {
            let sources = self.shared.lock_sources();
            for event in self.events.iter() {
                if event.token() == WAKE_TOKEN {
                    continue;
                }
                let (index, generation) = slot_of(event.token());
                let Some(io) = sources
                    .slots
                    .get(index)
                    .filter(|slot| slot.generation == generation)
                    .and_then(|slot| slot.io.as_ref())
                else {
                    continue; // a stale event for a closed source
                };
                let ready = Ready::from_event(event);
                io.set_readiness(self.tick, ready);
                self.readied.push((io.clone(), ready));
            }
        }
        let dispatched = self.readied.len();
        for (io, ready) in self.readied.drain(..) {
            io.wake(ready);
        }
        Ok(dispatched)
    }
}

impl IoShared {
    fn lock_sources(&self) -> std::sync::MutexGuard<'_, Sources> {
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Interrupts a `turn` blocked in `epoll_wait` (or makes the next one return at once).
    pub(crate) fn unpark(&self) -> io::Result<()> {
        self.waker.wake()
    }

    /// Registers `source` for `interest`; see the module header.
    ///
    /// The slot is claimed under the table lock and `epoll_ctl` runs after the lock is
    /// released: every driver turn takes this lock too, and a system call inside the
    /// critical section made it long enough that one busy worker (turn, register,
    /// deregister, turn, ...) held the lock most of the time while another waited on
    /// it. Claiming the slot first is safe: no event can name the token before epoll
    /// knows it, and `shutdown` finds the claimed slot and fails the registration's
    /// waits like any other.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
        interest: mio::Interest,
    ) -> io::Result<Registered> {
        let io = Arc::new(ScheduledIo::default());
        let token = {
            let mut sources = self.lock_sources();
            if sources.is_shutdown {
                return Err(scheduled_io::shutdown_error());
            }
            let index = match sources.free.pop() {
                Some(index) => index,
                None => {
                    if sources.slots.len() > u32::MAX as usize {
                        return Err(io::Error::other(
                            "more than 4 billion I/O sources registered",
                        ));
                    }
                    sources.slots.push(Slot::default());
                    sources.slots.len() - 1
                }
            };
            let slot = &mut sources.slots[index];
            slot.io = Some(io.clone());
            token_for(index, slot.generation)
        };
        if let Err(e) = self.registry.register(source, token, interest) {
            self.free_slot(token);
            return Err(e);
        }
        Ok(Registered { io, token })
    }

    /// Frees the slot `token` names if it still holds that registration, bumping the
    /// generation so late events for it are recognised as stale.
    fn free_slot(&self, token: mio::Token) {
        let (index, generation) = slot_of(token);
        let mut sources = self.lock_sources();
        if let Some(slot) = sources.slots.get_mut(index)
            && slot.generation == generation
            && slot.io.take().is_some()
        {
            slot.generation = slot.generation.wrapping_add(1);
            sources.free.push(index);
        }
    }

    /// Removes `source` from epoll and frees its slot (bumping the generation, so late
    /// events for it are recognised as stale).
    pub(crate) fn deregister(
        &self,
        source: &mut impl mio::event::Source,
        token: mio::Token,
    ) -> io::Result<()> {
        // epoll_ctl outside the table lock, as in `register`.
        let result = self.registry.deregister(source);
        self.free_slot(token);
        result
    }

    /// Ends all I/O: refuses new registrations and wakes every waiting task with an
    /// error. Called when the runtime shuts down.
    pub(crate) fn shutdown(&self) {
        let ios: Vec<Arc<ScheduledIo>> = {
            let mut sources = self.lock_sources();
            sources.is_shutdown = true;
            sources.slots.iter().filter_map(|s| s.io.clone()).collect()
        };
        for io in ios {
            io.shutdown();
        }
    }

    /// Number of registered sources.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn registered(&self) -> usize {
        let sources = self.lock_sources();
        sources.slots.len() - sources.free.len()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

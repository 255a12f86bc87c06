//! The event-loop half of `spindle::signal`: the [`Dispatcher`] that turns bytes on the
//! self-pipe into wake-ups of the listeners.
//!
//! One dispatcher per runtime that has listeners (found through a process-wide table
//! keyed by the runtime's I/O driver), shared by all of that runtime's [`Signal`]s
//! and dropped with the last of them. It owns a duplicate of the self-pipe's read end,
//! registered with the runtime's I/O driver like any socket, and no task: its waker is
//! the dispatcher itself, so the driver's turn that sees the pipe readable calls
//! [`Dispatcher::turn`] directly, on the thread that runs the driver:
//! 1. drain the pipe until `WouldBlock` (that clears the pipe's readiness), then store
//!    the dispatcher's waker again for the next byte (*re-arm*); if the pipe was ready
//!    again meanwhile, drain once more;
//! 2. under the listener lock, wake every listener *of any runtime* whose signal's
//!    delivery counter differs from the count it saw when it went to sleep.
//!
//! Why every runtime's listeners, not just this one's: all dispatchers read one pipe
//! (duplicated descriptors share its buffer), and epoll checks a source's readiness
//! again when it hands out an edge-triggered event. So when two runtimes watch the pipe
//! and one drains a byte first, the other's `epoll_wait` may report nothing at all: the
//! byte's wake-up reaches only the dispatcher that read it. (A first version woke only
//! its own runtime's listeners, and a listener on a second runtime slept until a timeout
//! in about one round in twenty of the cross-runtime test.) tokio's signal driver
//! broadcasts to every listener for the same reason.
//!
//! A listener ([`wait`]) stores `(waker, signal, seen)` in the process-wide listener
//! table and then reads the counter once more. Step 2's check under the table's lock and
//! that second read are the two halves that make a delivery impossible to lose; the race
//! is written out in `docs/signals.md`.
//!
//! States of a dispatcher: *armed* (waker stored in the pipe's registration) -> (byte)
//! -> *turning* -> *armed*; or -> *dead* when its runtime's driver shuts down (the
//! registration then reports an error): that runtime's listeners are woken one last
//! time and get `None`.
//!
//! [`Signal`]: super::unix::Signal

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};

use super::registry;
use crate::driver::io::{Direction, IoShared, PollEvented};

/// One listener's parked state.
struct Waiting {
    waker: Waker,
    signal: libc::c_int,
    /// The signal's delivery count this listener has already reported.
    seen: usize,
    /// Its runtime's dispatcher (the address, as an identity), to wake it when that dies.
    dispatcher: usize,
}

/// Every listener in the process: a slab of slots, one per live
/// [`Signal`](super::unix::Signal).
struct Listeners {
    /// A listener's slot holds its waker while it sleeps, `None` while it runs.
    slots: Vec<Option<Waiting>>,
    free: Vec<usize>,
}

static LISTENERS: Mutex<Listeners> = Mutex::new(Listeners {
    slots: Vec::new(),
    free: Vec::new(),
});

fn listeners() -> MutexGuard<'static, Listeners> {
    LISTENERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Watches the self-pipe in one runtime's driver and wakes listeners (module header).
pub(super) struct Dispatcher {
    pipe: PollEvented<mio::net::UnixStream>,
    dead: AtomicBool,
    /// The dispatcher as a waker, holding it weakly: a strong reference stored in the
    /// pipe's own registration would keep the dispatcher alive forever.
    waker: Waker,
}

struct DispatchWaker(Weak<Dispatcher>);

impl Wake for DispatchWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(dispatcher) = self.0.upgrade() {
            dispatcher.turn();
        }
    }
}

/// Each runtime's dispatcher, by the address of its I/O driver's shared state. The
/// dispatcher keeps that `IoShared` alive, so an address here cannot be reused by a
/// new runtime while its entry can still be upgraded.
static DISPATCHERS: Mutex<Vec<(usize, Weak<Dispatcher>)>> = Mutex::new(Vec::new());

impl Dispatcher {
    /// The dispatcher of the runtime whose I/O driver is `io`, made on first use.
    pub(super) fn for_driver(io: &Arc<IoShared>) -> io::Result<Arc<Dispatcher>> {
        let key = Arc::as_ptr(io) as usize;
        let mut table = DISPATCHERS.lock().unwrap_or_else(|e| e.into_inner());
        table.retain(|(_, weak)| weak.strong_count() > 0);
        if let Some(found) = table.iter().find(|(k, _)| *k == key) {
            if let Some(dispatcher) = found.1.upgrade() {
                return Ok(dispatcher);
            }
        }
        let pipe = mio::net::UnixStream::from_std(registry::receiver()?);
        let pipe = PollEvented::new(io, pipe, mio::Interest::READABLE)?;
        let dispatcher = Arc::new_cyclic(|weak| Dispatcher {
            pipe,
            dead: AtomicBool::new(false),
            waker: Waker::from(Arc::new(DispatchWaker(weak.clone()))),
        });
        table.push((key, Arc::downgrade(&dispatcher)));
        drop(table);
        dispatcher.turn(); // arm
        Ok(dispatcher)
    }

    /// Steps 1 and 2 of the module header.
    fn turn(&self) {
        let mut cx = Context::from_waker(&self.waker);
        loop {
            match self.pipe.poll_ready_event(&mut cx, Direction::Read) {
                Poll::Pending => break, // armed
                Poll::Ready(Err(_shutdown)) => {
                    self.dead.store(true, Ordering::SeqCst);
                    break;
                }
                Poll::Ready(Ok(event)) => {
                    let mut sink = [0u8; 64];
                    loop {
                        match self.pipe.source().read(&mut sink) {
                            Ok(n) if n > 0 => continue,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                self.pipe.clear_readiness(event);
                                break;
                            }
                            // End of file or another error: the pipe is unusable.
                            _ => {
                                self.dead.store(true, Ordering::SeqCst);
                                break;
                            }
                        }
                    }
                    if self.is_dead() {
                        break;
                    }
                }
            }
        }
        self.wake_listeners();
    }

    fn wake_listeners(&self) {
        let (dead, me) = (self.is_dead(), self.id());
        let woken: Vec<Waker> = {
            let mut listeners = listeners();
            (listeners.slots.iter_mut())
                .filter(|slot| {
                    slot.as_ref().is_some_and(|w| {
                        registry::deliveries(w.signal) != w.seen || (dead && w.dispatcher == me)
                    })
                })
                .filter_map(|slot| slot.take().map(|w| w.waker))
                .collect()
        };
        // Outside the lock: a waker may run scheduler code.
        woken.into_iter().for_each(Waker::wake);
    }

    fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Whether the runtime's driver is gone (no more deliveries can be reported).
    pub(super) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }
}

/// A slot for a new listener.
pub(super) fn add_listener() -> usize {
    let mut listeners = listeners();
    match listeners.free.pop() {
        Some(slot) => slot,
        None => {
            listeners.slots.push(None);
            listeners.slots.len() - 1
        }
    }
}

/// Frees a listener's slot (its `Signal` is dropped).
pub(super) fn remove_listener(slot: usize) {
    let stale = {
        let mut listeners = listeners();
        listeners.free.push(slot);
        listeners.slots[slot].take()
    };
    drop(stale); // the waker, outside the lock
}

/// Stores the listener's waker until `signal`'s count moves past `seen` (or its
/// runtime's `dispatcher` dies); the caller reads the count again afterwards (module
/// header).
pub(super) fn wait(
    slot: usize,
    cx: &Context<'_>,
    signal: libc::c_int,
    seen: usize,
    dispatcher: &Dispatcher,
) {
    let mut listeners = listeners();
    let stored = &mut listeners.slots[slot];
    match stored {
        Some(w) if w.waker.will_wake(cx.waker()) && w.seen == seen => {}
        _ => {
            *stored = Some(Waiting {
                waker: cx.waker().clone(),
                signal,
                seen,
                dispatcher: dispatcher.id(),
            })
        }
    }
}

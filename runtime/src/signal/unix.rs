//! Unix signals as streams of deliveries: [`signal`], [`SignalKind`], [`Signal`].
//!
//! ```no_run
//! use spindle::signal::unix::{SignalKind, signal};
//! # async fn f() -> std::io::Result<()> {
//! let mut hangups = signal(SignalKind::hangup())?;
//! while hangups.recv().await.is_some() {
//!     println!("SIGHUP: reloading the configuration");
//! }
//! # Ok(()) }
//! ```
//!
//! ## What a listener sees
//! - Every listener of a signal sees every delivery made after it was created, on any
//!   runtime: each compares the signal's process-wide delivery counter with the count
//!   it last reported, so no listener consumes another's delivery.
//! - Deliveries that arrive between two `recv`s *coalesce*: however many came, the next
//!   `recv` reports one (the kernel coalesces pending signals too, and tokio documents
//!   the same). None is lost: a delivery after the last `recv` returned always makes a
//!   later `recv` return.
//! - `recv` returns `None` once the runtime the listener was made on has shut down.

use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::dispatch::{self, Dispatcher};
use super::registry;

/// Which signal to listen to: the common ones by name, any other by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by its number (say `libc::SIGWINCH`). SIGKILL, SIGSTOP, SIGSEGV, SIGILL,
    /// SIGFPE and numbers that are no signal make [`signal`] fail with `InvalidInput`.
    pub const fn from_raw(signal: libc::c_int) -> SignalKind {
        SignalKind(signal)
    }

    /// The signal's number.
    pub const fn as_raw(self) -> libc::c_int {
        self.0
    }

    /// SIGINT: Ctrl-C at the terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: a polite request to end (what `kill` and service managers send).
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away; daemons take it as "reload".
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT: Ctrl-\ at the terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1: for the program's own use.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2: for the program's own use.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD: a child process stopped or ended.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGALRM: a timer set with `alarm(2)` expired.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGPIPE: a write to a pipe or socket with no reader.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGWINCH: the terminal's window changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signal: libc::c_int) -> SignalKind {
        SignalKind::from_raw(signal)
    }
}

/// A stream of deliveries of one signal (module header), from [`signal`].
pub struct Signal {
    kind: SignalKind,
    dispatcher: Arc<Dispatcher>,
    slot: usize,
    /// The delivery count already reported.
    seen: usize,
}

/// Starts listening to `kind` on the current runtime: deliveries from now on are
/// reported by [`Signal::recv`].
///
/// The first listener of a signal in the process installs spindle's handler for it,
/// which stays for the life of the process and replaces the default action (for SIGINT
/// and SIGTERM: ending the process), as in tokio.
///
/// # Errors
/// `InvalidInput` for signals that cannot be listened to (see
/// [`SignalKind::from_raw`]); the OS's error if the handler or the self-pipe cannot be
/// set up.
///
/// # Panics
/// Outside a spindle runtime (the message says how to fix it).
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let io = crate::driver::handle::current("spindle::signal::unix::signal").io;
    registry::install(kind.0)?;
    let dispatcher = Dispatcher::for_driver(&io)?;
    let slot = dispatch::add_listener();
    Ok(Signal {
        kind,
        dispatcher,
        slot,
        seen: registry::deliveries(kind.0),
    })
}

impl Signal {
    /// Waits for the next delivery; `None` once the runtime has shut down. Deliveries
    /// since the last call coalesce into one (module header).
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery (see [`recv`](Self::recv)).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if let Some(ready) = self.take_delivery() {
            return Poll::Ready(ready);
        }
        dispatch::wait(self.slot, cx, self.kind.0, self.seen, &self.dispatcher);
        // The second read, after the waker is stored (docs/signals.md).
        match self.take_delivery() {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// `Some(Some(()))` if the counter moved (and marks it seen), `Some(None)` if the
    /// runtime is gone, `None` if there is nothing to report.
    fn take_delivery(&mut self) -> Option<Option<()>> {
        let now = registry::deliveries(self.kind.0);
        if now != self.seen {
            self.seen = now;
            Some(Some(()))
        } else if self.dispatcher.is_dead() {
            Some(None)
        } else {
            None
        }
    }

    /// The signal this stream reports.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        dispatch::remove_listener(self.slot);
    }
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

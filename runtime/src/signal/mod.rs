//! Signals: [`ctrl_c`], and [`unix::signal`] for any signal as a stream of deliveries.
//!
//! ```no_run
//! # async fn serve() {}
//! # async fn f() -> std::io::Result<()> {
//! // Serve until Ctrl-C, then shut down cleanly.
//! spindle::select! {
//!     _ = serve() => {}
//!     result = spindle::signal::ctrl_c() => result?,
//! }
//! # Ok(()) }
//! ```
//!
//! Signals are driven by the event loop, with no thread of their own: a handler that
//! only counts the delivery and writes a byte to a self-pipe (`registry.rs`), and in
//! each runtime with listeners a dispatcher that watches the pipe in the I/O driver and
//! wakes the listeners (`dispatch.rs`). `docs/signals.md` tells the protocol and why no
//! delivery is lost.

mod dispatch;
mod registry;
pub mod unix;

use std::io;

/// Waits for the next Ctrl-C (SIGINT) delivered after the first poll.
///
/// The first call installs spindle's SIGINT handler for the life of the process, so from
/// then on Ctrl-C no longer ends the program by itself: it is reported here (to every
/// `ctrl_c` future waiting, each of which completes).
///
/// # Errors
/// The OS's error if the handler cannot be installed, or an error if the runtime shuts
/// down before a Ctrl-C comes.
///
/// # Panics
/// When first polled outside a spindle runtime.
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    interrupts
        .recv()
        .await
        .ok_or_else(|| io::Error::other("the spindle runtime shut down before Ctrl-C came"))
}

//! Multi-producer, single-consumer channels: [`channel`] (bounded) and
//! [`unbounded_channel`].
//!
//! ```no_run
//! use spindle::sync::mpsc;
//! # async fn demo() {
//! let (tx, mut rx) = mpsc::channel(100);
//! for id in 0..5 {
//!     let tx = tx.clone();
//!     std::thread::spawn(move || { let _ = tx.try_send(id); });
//! }
//! drop(tx); // the receiver sees `None` once every sender is gone
//! while let Some(id) = rx.recv().await {
//!     println!("from {id}");
//! }
//! # }
//! # fn main() {}
//! ```
//!
//! Semantics (those of tokio's `mpsc`):
//! - messages from one sender arrive in the order sent;
//! - `recv` returns `None` once every sender is dropped and the queue is drained;
//! - a send after the receiver is dropped or closed fails with [`SendError`], which
//!   carries the value back;
//! - the bounded `send` waits while `capacity` messages are in flight (sent and not yet
//!   received), and waiting senders are admitted in FIFO order as room frees up.
//!
//! How it works: see `chan.rs` (a locked queue the consumer swaps out in
//! batches, plus a fair semaphore for capacity).
//!
//! ## Cancellation
//! `recv` is cancel-safe (no message is lost if the future is dropped). The bounded
//! `send` is cancel-safe in that a dropped `send` did not send, and returns its place
//! in line; the value it held is dropped. To keep the value, `reserve` first (cancel-
//! safe), then `Permit::send`.

pub(crate) mod chan;
pub mod error;

mod bounded;
mod unbounded;

pub use bounded::{Permit, Receiver, Sender, channel};
pub use error::{SendError, TryRecvError, TrySendError};
pub use unbounded::{UnboundedReceiver, UnboundedSender, unbounded_channel};

#[cfg(all(test, not(loom)))]
mod tests;

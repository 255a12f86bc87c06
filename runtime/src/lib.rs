//! # spindle — an async runtime written to be read
//!
//! spindle runs futures as *tasks* on a work-stealing scheduler, in the shape of tokio's
//! API:
//!
//! ```
//! use spindle::runtime::Builder;
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let sum = rt.block_on(async {
//!     let handles: Vec<_> = (0..10u64).map(|i| spindle::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for h in handles {
//!         sum += h.await.unwrap();
//!     }
//!     sum
//! });
//! assert_eq!(sum, 285);
//! ```
//!
//! Map of the code, one layer per line from the top (a module imports only modules on
//! lines below it; the layer table and the flow spawn -> schedule -> poll -> wake are in
//! `docs/ARCHITECTURE.md`):
//! - [`runtime`]: `Runtime`, `Builder`, `Handle`, `block_on`; the ways to start a task
//!   (`spawn`, `spawn_blocking`, `task::Builder`, `JoinSet`), re-exported in [`task`];
//! - `scheduler`: the current-thread and multi-thread schedulers (the multi-thread
//!   scheduling decision in `multi_thread/schedule.rs`), `LocalSet`'s scheduler, the
//!   blocking-pool bridge, the core both flavours share (`common`, `remote`), the
//!   per-thread context, stats and config;
//! - [`trace`]: the trace recorder and its exporters (the `spindle-trace` crate,
//!   re-exported) and the runtime's recording hooks;
//! - `park`: the one park/unpark seam every sleeping thread goes through, and the
//!   `block_on` loop of a thread that drives no tasks;
//! - [`time`], [`net`], [`sync`], [`signal`], [`fs`]: what tasks await (timers, sockets,
//!   channels and locks, Unix signals as streams driven by the event loop, files whose
//!   system calls run on the blocking pool);
//! - [`task`]: the task cell (one allocation, state word, waker vtable), `JoinHandle`,
//!   `JoinError`, `AbortHandle`, `Id`, `yield_now`;
//! - `driver`: the I/O driver (epoll through mio), the time driver with its timing wheel,
//!   and the slot in which one parked thread runs them;
//! - `coop`: the cooperative budget; `loom`: the loom shim; [`io`]: the async I/O traits
//!   the sockets implement, `AsyncReadUninit`, and `io::unix::AsyncFd` for foreign
//!   descriptors;
//! - `macros` (hidden, outside the layers: it expands in user code): what `join!` and
//!   `select!` expand to.
//!
//! It re-exports the fixed thread pool, [`spindle_pool`], as [`pool`].

pub use spindle_pool as pool;

pub(crate) mod coop;
pub(crate) mod driver;
pub mod fs;
pub mod io;
pub(crate) mod loom;
#[doc(hidden)]
pub mod macros;
pub mod net;
pub(crate) mod park;
pub mod runtime;
pub(crate) mod scheduler;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;
pub mod trace;
pub(crate) mod wait;

pub use runtime::Runtime;
pub use task::spawn;

/// `#[spindle::main]` and `#[spindle::test]` (feature `macros`, off by default): run an
/// `async fn` on a fresh runtime.
///
/// ```
/// #[spindle::main(worker_threads = 2)]
/// async fn main() -> std::io::Result<()> {
///     let n = spindle::spawn(async { 40 + 2 }).await.unwrap();
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// Arguments: `flavor = "multi_thread"` (the default for `main`) or `"current_thread"`
/// (the default for `test`), and `worker_threads = N` (multi-thread only). Misused (on a
/// function without `async`, with an unknown argument), they fail to compile with an error
/// pointing at the mistake.
#[cfg(feature = "macros")]
pub use spindle_macros::{main, test};

/// The README's Rust example, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

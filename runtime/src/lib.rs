//! # spindle — an async runtime written to be read
//!
//! This crate will hold the executor (tasks, the work-stealing scheduler), the mio
//! event loop, timers, sockets and async synchronisation. It re-exports the fixed thread
//! pool, [`spindle_pool`], as [`pool`], so that the whole of spindle is reachable from
//! one name.
//!
//! See `docs/ARCHITECTURE.md` in the repository for the map of the code.

pub use spindle_pool as pool;

#[allow(dead_code)] // used by the executor and sync primitives as they land
pub(crate) mod coop;
#[allow(dead_code)] // the scheduler's Park seam is its other user
pub(crate) mod driver;
pub mod io;
pub(crate) mod loom;
pub mod net;
pub mod time;
#[doc(hidden)]
pub mod macros;
pub mod sync;

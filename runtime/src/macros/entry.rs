//! What `#[spindle::main]` and `#[spindle::test]` expand to call (crate `spindle-macros`).
//! Not part of the public API: the macros name `::spindle::macros::entry::runtime`, so a
//! user of the attributes needs no import, and the builder calls live here, type-checked
//! with the rest of spindle instead of being pasted into every user's crate.

use crate::runtime::{Builder, Runtime};

/// The scheduler an attribute asked for (`flavor = "..."`).
#[derive(Clone, Copy, Debug)]
pub enum Flavor {
    /// `flavor = "current_thread"`.
    CurrentThread,
    /// `flavor = "multi_thread"`.
    MultiThread,
}

/// Builds the runtime for one `main` or one test. `attribute` names the macro in the
/// panic message if the runtime cannot be built (e.g. the OS refused a thread or an
/// epoll instance), since `main` has nowhere else to report it.
#[track_caller]
pub fn runtime(flavor: Flavor, worker_threads: Option<usize>, attribute: &str) -> Runtime {
    runtime_with(flavor, worker_threads, Determinism::default(), attribute)
}

/// `start_paused = ...` and `seed = ...` of the attribute (see `docs/determinism.md`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Determinism {
    /// `Builder::start_paused`.
    pub start_paused: bool,
    /// `Builder::rng_seed`.
    pub seed: Option<u64>,
}

/// [`runtime`] with the attribute's determinism settings.
#[track_caller]
pub fn runtime_with(
    flavor: Flavor,
    worker_threads: Option<usize>,
    determinism: Determinism,
    attribute: &str,
) -> Runtime {
    let mut builder = match flavor {
        Flavor::CurrentThread => Builder::new_current_thread(),
        Flavor::MultiThread => Builder::new_multi_thread(),
    };
    if let Some(n) = worker_threads {
        builder.worker_threads(n);
    }
    if determinism.start_paused {
        builder.start_paused(true);
    }
    if let Some(seed) = determinism.seed {
        builder.rng_seed(seed);
    }
    match builder.build() {
        Ok(rt) => rt,
        Err(e) => panic!("#[{attribute}]: could not build the spindle runtime: {e}"),
    }
}

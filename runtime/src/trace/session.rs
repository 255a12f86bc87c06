//! [`Session`]: one runtime's tracing session, shared by its workers, its handles and
//! its blocking pool.
//!
//! States: *off* (`inner` is `None`: every method is one branch and returns), or *on*
//! (a [`Recorder`], and maybe a path to save to when the runtime drops). The state is
//! chosen once, in `Builder::build`, and never changes, so the branch is perfectly
//! predicted. With the cargo feature `trace` off the session is always off and the
//! compiler removes the branches too.

use std::path::PathBuf;

use super::LaneKind;
use super::lane_hooks::LaneHooks;
#[cfg(feature = "trace")]
use super::{Recorder, Trace};

/// What `Builder` asked for.
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceConfig {
    /// `Builder::trace(b)`: `None` if never called (then `SPINDLE_TRACE` decides).
    pub(crate) enabled: Option<bool>,
    /// `Builder::trace_to(path)`.
    pub(crate) save_to: Option<PathBuf>,
}

/// One runtime's tracing session (see the module header).
pub(crate) struct Session {
    #[cfg(feature = "trace")]
    inner: Option<On>,
}

#[cfg(feature = "trace")]
struct On {
    recorder: Recorder,
    save_to: Option<PathBuf>,
}

impl Session {
    /// Decides from the builder's settings and `SPINDLE_TRACE`:
    /// - `trace(false)` turns tracing off even when the variable is set;
    /// - `trace_to(path)` records and saves to `path`;
    /// - otherwise the variable, if set, records and saves to its next numbered path;
    /// - otherwise `trace(true)` records in memory only.
    pub(crate) fn new(config: &TraceConfig) -> std::io::Result<Session> {
        #[cfg(feature = "trace")]
        {
            if config.enabled == Some(false) {
                return Ok(Session { inner: None });
            }
            let save_to = config
                .save_to
                .clone()
                .or_else(|| super::env_path().map(super::next_save_path));
            let on = save_to.is_some() || config.enabled == Some(true);
            Ok(Session {
                inner: on.then(|| On {
                    recorder: Recorder::new(),
                    save_to,
                }),
            })
        }
        #[cfg(not(feature = "trace"))]
        {
            if config.enabled == Some(true) || config.save_to.is_some() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "tracing was compiled out: build spindle with its `trace` feature \
                     (on by default) to use Builder::trace / trace_to",
                ));
            }
            Ok(Session {})
        }
    }

    /// The recorder, when tracing (for the blocking pool, which shares it).
    #[cfg(feature = "trace")]
    pub(crate) fn recorder(&self) -> Option<&Recorder> {
        self.inner.as_ref().map(|on| &on.recorder)
    }

    /// The lane of the calling thread (`kind`, `index`); an off hook when untraced.
    pub(crate) fn lane(&self, kind: LaneKind, index: usize) -> LaneHooks {
        #[cfg(feature = "trace")]
        {
            LaneHooks::new(self.inner.as_ref().map(|on| on.recorder.lane(kind, index)))
        }
        #[cfg(not(feature = "trace"))]
        {
            let _ = (kind, index);
            LaneHooks::off()
        }
    }

    /// True when tracing (for a caller that must look something up before recording).
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        #[cfg(feature = "trace")]
        {
            self.inner.is_some()
        }
        #[cfg(not(feature = "trace"))]
        {
            false
        }
    }

    /// Records an event from a thread without a lane of this runtime (a wake or spawn
    /// from another thread): the recorder's mutex-guarded shared list. `event` is only
    /// built when tracing.
    #[inline]
    pub(crate) fn record_shared(&self, event: impl FnOnce() -> super::EventKind) {
        #[cfg(feature = "trace")]
        if let Some(on) = &self.inner {
            on.recorder.record_shared(event());
        }
        #[cfg(not(feature = "trace"))]
        let _ = event;
    }

    /// Names task `id` in the trace (nothing when untraced).
    pub(crate) fn name_task(&self, id: crate::task::Id, name: &str) {
        #[cfg(feature = "trace")]
        if let Some(on) = &self.inner {
            on.recorder.name_task(id.as_u64(), name);
        }
        #[cfg(not(feature = "trace"))]
        let _ = (id, name);
    }

    /// Everything the lanes flushed so far (`None` when untraced).
    pub(crate) fn snapshot(&self) -> Option<super::Trace> {
        #[cfg(feature = "trace")]
        {
            self.inner.as_ref().map(|on| on.recorder.snapshot())
        }
        #[cfg(not(feature = "trace"))]
        {
            None
        }
    }

    /// Per-task poll counts and times (empty when untraced).
    pub(crate) fn task_stats(&self) -> Vec<super::TaskStats> {
        self.snapshot().map(|t| t.task_stats()).unwrap_or_default()
    }

    /// Runtime drop, after the workers and the blocking pool stopped (their lanes
    /// flushed): saves the trace if a path was given. A drop cannot return an error, so
    /// a failure is reported on stderr.
    pub(crate) fn save_at_shutdown(&self) {
        #[cfg(feature = "trace")]
        if let Some(On {
            recorder,
            save_to: Some(path),
        }) = &self.inner
        {
            let trace: Trace = recorder.snapshot();
            if let Err(e) = trace.save(path) {
                eprintln!(
                    "spindle: could not save the trace to {}: {e}",
                    path.display()
                );
            }
        }
    }
}

//! Where the concept programs put their pictures, and how they get a complete trace.
//!
//! A runtime built with `Builder::trace(true)` records in memory. Its threads hand their
//! events over when they sleep and when they exit, so the one moment the whole story is
//! known is after the runtime is dropped: [`finish`] drops it and snapshots its handle
//! (the same order the `timeline` example uses). [`save_svg`] writes a timeline into the
//! output folder, `concepts-out/` by default (not tracked by git), or the folder named by
//! the program's first argument.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use spindle::Runtime;
use spindle::trace::Trace;

/// The default output folder, relative to where the program is run.
pub const DEFAULT_DIR: &str = "concepts-out";

/// Drops `rt` (its threads exit and flush their lanes), then returns its trace.
///
/// # Panics
/// If `rt` was not built with `Builder::trace(true)`: that is a bug in the caller.
pub fn finish(rt: Runtime) -> Trace {
    let handle = rt.handle().clone();
    drop(rt);
    handle
        .trace_snapshot()
        .expect("the runtime must be built with Builder::trace(true) to be pictured")
}

/// The output folder: the program's first argument, or [`DEFAULT_DIR`].
pub fn out_dir_from_args() -> PathBuf {
    std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from)
}

/// Writes `trace` as `dir/name.svg` (creating `dir`) and returns the path.
pub fn save_svg(dir: &Path, name: &str, trace: &Trace) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{name}.svg"));
    let file = std::fs::File::create(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))?;
    let mut w = io::BufWriter::new(file);
    trace.write_svg(&mut w)?;
    w.flush()?;
    Ok(path)
}

/// What every drawing program's `main` does: prints its report, then saves its pictures
/// into the folder named by its first argument ([`out_dir_from_args`]).
pub fn show(report: &impl std::fmt::Display, pictures: &[(&str, &Trace)]) -> io::Result<()> {
    println!("{report}");
    save_all(&out_dir_from_args(), pictures)
}

/// Saves each `(name, trace)` and prints where it went.
pub fn save_all(dir: &Path, pictures: &[(&str, &Trace)]) -> io::Result<()> {
    for (name, trace) in pictures {
        let path = save_svg(dir, name, trace)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

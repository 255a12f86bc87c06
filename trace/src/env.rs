//! Where traces go: the `SPINDLE_TRACE` variable and numbered file names.
//!
//! `SPINDLE_TRACE=path` asks every runtime and every standalone pool built while it is set
//! to trace and to save to `path` when dropped. A process may build several (a test binary
//! builds dozens), so the first save uses `path` and later ones insert "-2", "-3", ...
//! before the extension ([`numbered_path`]); [`next_save_path`] hands out those numbers
//! from one process-wide counter, so a runtime and a pool saving at once never collide.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The value of `SPINDLE_TRACE`, if set and not empty.
pub fn env_path() -> Option<PathBuf> {
    std::env::var_os("SPINDLE_TRACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `path` for `n <= 1`; otherwise `path` with "-n" inserted before the extension:
/// `numbered_path("out/trace.json", 3)` is `out/trace-3.json`, `numbered_path("trace", 2)`
/// is `trace-2`.
pub fn numbered_path(path: impl AsRef<Path>, n: usize) -> PathBuf {
    let path = path.as_ref();
    if n <= 1 {
        return path.to_path_buf();
    }
    let Some(stem) = path.file_stem() else {
        // No file name at all ("" or ".."): append to the whole path.
        let mut s = path.as_os_str().to_owned();
        s.push(format!("-{n}"));
        return PathBuf::from(s);
    };
    let mut name: OsString = stem.to_owned();
    name.push(format!("-{n}"));
    if let Some(ext) = path.extension() {
        name.push(".");
        name.push(ext);
    }
    path.with_file_name(name)
}

/// Counts saves in this process, for [`next_save_path`].
static SAVES: AtomicUsize = AtomicUsize::new(0);

/// The path the next save in this process should use: `path` for the first call,
/// then [`numbered_path`]`(path, 2)`, `(path, 3)`, ... (one counter for the whole
/// process, whatever the path).
pub fn next_save_path(path: impl AsRef<Path>) -> PathBuf {
    let n = SAVES.fetch_add(1, Ordering::Relaxed) + 1;
    numbered_path(path, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_path_inserts_before_the_extension() {
        assert_eq!(numbered_path("t.json", 1), PathBuf::from("t.json"));
        assert_eq!(numbered_path("t.json", 0), PathBuf::from("t.json"));
        assert_eq!(numbered_path("t.json", 2), PathBuf::from("t-2.json"));
        assert_eq!(
            numbered_path("out/run.trace.svg", 12),
            PathBuf::from("out/run.trace-12.svg")
        );
        assert_eq!(numbered_path("dir/trace", 3), PathBuf::from("dir/trace-3"));
        assert_eq!(numbered_path(".hidden", 2), PathBuf::from(".hidden-2"));
        assert_eq!(numbered_path("", 2), PathBuf::from("-2"));
    }

    #[test]
    fn next_save_path_counts_up() {
        // Other tests do not call it, so this test sees 1, 2, 3 in order.
        assert_eq!(next_save_path("a.json"), PathBuf::from("a.json"));
        assert_eq!(next_save_path("a.json"), PathBuf::from("a-2.json"));
        assert_eq!(next_save_path("b.svg"), PathBuf::from("b-3.svg"));
    }

    #[test]
    fn env_path_reads_spindle_trace() {
        // Read-only: tests run in parallel, and setting variables is unsafe in edition 2024.
        let expected = std::env::var_os("SPINDLE_TRACE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        assert_eq!(env_path(), expected);
    }
}

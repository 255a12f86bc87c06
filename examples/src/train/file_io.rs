//! The trainer's file access from async tasks: read a file in chunks, write a file,
//! create a folder.
//!
//! A regular file is always "ready" to epoll, so an async runtime cannot wait for file
//! I/O the way it waits for sockets; tokio's `fs` (and `spindle::fs`) run each file call
//! as a job on the blocking pool and await it. This file does the same with
//! `spawn_blocking`: the awaiting task gives its worker back while the pool thread sits in
//! `read` or `write`.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use spindle::task;

/// Reads `path` in chunks of at most `chunk_bytes`, handing each to `consume` as it
/// arrives (before the next read is issued).
pub async fn read_chunks(
    path: &Path,
    chunk_bytes: usize,
    mut consume: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let describe = |e: io::Error| format!("cannot read {}: {e}", path.display());
    let owned = path.to_path_buf();
    let mut file = blocking("open", move || File::open(owned))
        .await
        .map_err(describe)?;
    let mut buffer = vec![0; chunk_bytes];
    loop {
        let (back, read) = blocking("read", move || {
            let n = file.read(&mut buffer);
            Ok(((file, buffer), n))
        })
        .await
        .map_err(describe)?;
        (file, buffer) = back;
        let n = read.map_err(describe)?;
        if n == 0 {
            return Ok(());
        }
        consume(&buffer[..n])?;
    }
}

/// Writes `bytes` to `path` (creating or truncating it).
pub async fn write(path: &Path, bytes: Vec<u8>) -> io::Result<()> {
    let path: PathBuf = path.to_path_buf();
    blocking("write", move || std::fs::write(path, bytes)).await
}

/// Creates `path` and its parents.
pub async fn create_dir_all(path: &Path) -> io::Result<()> {
    let path: PathBuf = path.to_path_buf();
    blocking("mkdir", move || std::fs::create_dir_all(path)).await
}

async fn blocking<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    task::Builder::new().name(name).spawn_blocking(f)?.await?
}

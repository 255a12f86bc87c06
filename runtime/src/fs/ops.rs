//! The one-call functions of `spindle::fs`: each moves its arguments to the blocking
//! pool, runs the `std::fs` function of the same name there, and returns its result.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use super::asyncify;

/// The whole contents of a file (`std::fs::read`).
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::read", move || std::fs::read(path)).await
}

/// The whole contents of a file as UTF-8 (`InvalidData` if it is not).
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::read_to_string", move || {
        std::fs::read_to_string(path)
    })
    .await
}

/// Creates or truncates a file and writes `contents` into it.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let (path, contents) = (path.as_ref().to_owned(), contents.as_ref().to_owned());
    asyncify("spindle::fs::write", move || std::fs::write(path, contents)).await
}

/// Creates a directory (its parent must exist).
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::create_dir", move || std::fs::create_dir(path)).await
}

/// Creates a directory and any missing parents.
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::create_dir_all", move || {
        std::fs::create_dir_all(path)
    })
    .await
}

/// Removes a file (or a symbolic link).
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::remove_file", move || {
        std::fs::remove_file(path)
    })
    .await
}

/// Removes an empty directory.
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::remove_dir", move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it.
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::remove_dir_all", move || {
        std::fs::remove_dir_all(path)
    })
    .await
}

/// Renames `from` to `to`, replacing `to` if it is a file.
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("spindle::fs::rename", move || std::fs::rename(from, to)).await
}

/// Copies a file's contents and permissions; returns the bytes copied.
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify("spindle::fs::copy", move || std::fs::copy(from, to)).await
}

/// Makes `link` a new name for the file `original`.
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify("spindle::fs::hard_link", move || {
        std::fs::hard_link(original, link)
    })
    .await
}

/// A file's metadata, following symbolic links.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::metadata", move || std::fs::metadata(path)).await
}

/// A file's metadata, not following a symbolic link at `path`.
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::symlink_metadata", move || {
        std::fs::symlink_metadata(path)
    })
    .await
}

/// The absolute path with every `.`, `..` and symbolic link resolved.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::canonicalize", move || {
        std::fs::canonicalize(path)
    })
    .await
}

/// Where the symbolic link at `path` points.
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::read_link", move || std::fs::read_link(path)).await
}

/// Sets a file's permissions.
pub async fn set_permissions(path: impl AsRef<Path>, permissions: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::set_permissions", move || {
        std::fs::set_permissions(path, permissions)
    })
    .await
}

/// Whether `path` exists (`Ok(false)` if not; an error if that cannot be told, say for
/// lack of permission on a parent).
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify("spindle::fs::try_exists", move || std::fs::exists(path)).await
}

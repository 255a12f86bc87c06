//! `spindle::fs` on a real runtime, in a temporary directory each test makes and removes.

use super::*;
use crate::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use crate::runtime::Builder;
use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};

/// A directory of its own for one test, removed when dropped (also when it fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("spindle-fs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run<F: Future>(f: F) -> F::Output {
    Builder::new_multi_thread()
        .worker_threads(2)
        .blocking_threads(2)
        .build()
        .unwrap()
        .block_on(f)
}

async fn names(dir: &Path) -> Vec<String> {
    let mut list = read_dir(dir).await.unwrap();
    let mut names = Vec::new();
    while let Some(entry) = list.next_entry().await.unwrap() {
        names.push(entry.file_name().into_string().unwrap());
    }
    names.sort();
    names
}

#[test]
#[cfg_attr(
    miri,
    ignore = "system-call wrappers: slow under Miri, and copy_file_range is not emulated"
)]
fn round_trip_write_read_metadata_rename_read_dir_seek() {
    let tmp = TempDir::new("round-trip");
    run(async {
        let a = tmp.join("a.txt");
        write(&a, b"hello, file").await.unwrap();
        assert_eq!(read(&a).await.unwrap(), b"hello, file");
        assert_eq!(read_to_string(&a).await.unwrap(), "hello, file");
        let meta = metadata(&a).await.unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.len(), 11);

        let b = tmp.join("b.txt");
        rename(&a, &b).await.unwrap();
        assert!(!try_exists(&a).await.unwrap());
        create_dir_all(tmp.join("sub/deeper")).await.unwrap();
        assert_eq!(copy(&b, tmp.join("sub/c.txt")).await.unwrap(), 11);
        assert_eq!(names(&tmp.0).await, ["b.txt", "sub"]);
        assert_eq!(names(&tmp.join("sub")).await, ["c.txt", "deeper"]);
        let entry = read_dir(&tmp.0)
            .await
            .unwrap()
            .next_entry()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.path().parent().unwrap(), tmp.0);
        assert!(entry.file_type().await.is_ok() && entry.metadata().await.is_ok());
        assert_eq!(
            canonicalize(tmp.join("sub/../b.txt")).await.unwrap(),
            canonicalize(&b).await.unwrap()
        );

        let mut file = File::open(&b).await.unwrap();
        file.seek(SeekFrom::Start(7)).await.unwrap();
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "file");
        // A relative seek counts from what the caller read, not from the read-ahead.
        file.seek(SeekFrom::Start(0)).await.unwrap();
        let mut five = [0u8; 5];
        file.read_exact(&mut five).await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(2)).await.unwrap(), 7);
        file.read_exact(&mut [0u8; 4]).await.unwrap();
        assert_eq!(file.seek(SeekFrom::End(-4)).await.unwrap(), 7);

        remove_file(&b).await.unwrap();
        remove_dir(tmp.join("sub/deeper")).await.unwrap();
        remove_dir_all(tmp.join("sub")).await.unwrap();
        assert!(names(&tmp.0).await.is_empty());
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "system-call wrappers: slow under Miri, and copy_file_range is not emulated"
)]
fn many_small_writes_are_batched_and_flush_waits_for_every_byte() {
    let tmp = TempDir::new("batched");
    run(async {
        let path = tmp.join("lines.txt");
        let mut file = File::create(&path).await.unwrap();
        let mut expected = Vec::new();
        // 20,000 lines of 10 bytes: 200 KB, more than three batches.
        for i in 0..20_000u32 {
            let line = format!("{i:09}\n");
            file.write_all(line.as_bytes()).await.unwrap();
            expected.extend_from_slice(line.as_bytes());
        }
        file.flush().await.unwrap();
        // Flushed: std sees every byte, without closing the file.
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        assert_eq!(file.metadata().await.unwrap().len(), expected.len() as u64);
        file.write_all(b"tail").await.unwrap();
        file.close().await.unwrap();
        expected.extend_from_slice(b"tail");
        assert_eq!(read(&path).await.unwrap(), expected);

        // Dropping with a pending write still writes it (errors unseen: flush to know).
        let mut file = OpenOptions::new().append(true).open(&path).await.unwrap();
        file.write_all(b"!").await.unwrap();
        drop(file);
    });
    // The runtime is gone, so its blocking pool has finished the drop's write.
    assert!(
        std::fs::read(tmp.join("lines.txt"))
            .unwrap()
            .ends_with(b"tail!")
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "system-call wrappers: slow under Miri, and copy_file_range is not emulated"
)]
fn reads_and_writes_interleave_at_the_callers_position() {
    let tmp = TempDir::new("interleave");
    run(async {
        let path = tmp.join("data");
        write(&path, vec![b'.'; 100_000]).await.unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut head = [0u8; 10];
        file.read_exact(&mut head).await.unwrap(); // reads ahead 64 KiB
        file.write_all(b"XY").await.unwrap(); // lands at 10, not at 64 KiB
        let mut next = [0u8; 3];
        file.read_exact(&mut next).await.unwrap(); // sends the write first
        assert_eq!(&next, b"...");
        file.set_len(20).await.unwrap();
        file.sync_all().await.unwrap();
        file.sync_data().await.unwrap();
        let std = file.into_std().await.unwrap();
        assert_eq!(std.metadata().unwrap().len(), 20);
        assert_eq!(std::fs::read(&path).unwrap(), b"..........XY........");
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "system-call wrappers: slow under Miri, and copy_file_range is not emulated"
)]
fn os_errors_come_back_as_io_errors() {
    let tmp = TempDir::new("errors");
    run(async {
        let missing = tmp.join("missing");
        for error in [
            read(&missing).await.unwrap_err(),
            File::open(&missing).await.unwrap_err(),
            metadata(&missing).await.unwrap_err(),
            remove_file(&missing).await.unwrap_err(),
            read_dir(&missing).await.unwrap_err(),
            rename(&missing, tmp.join("x")).await.unwrap_err(),
        ] {
            assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        }
        // The tests run as root, so permission bits do not stop them; opening a
        // directory for writing is refused by the kernel whoever asks.
        let error = OpenOptions::new()
            .write(true)
            .open(&tmp.0)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IsADirectory, "{error}");
        let error = read_dir(std::env::current_exe().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotADirectory, "{error}");
        write(tmp.join("f"), b"x").await.unwrap();
        let error = File::create_new(tmp.join("f")).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AlreadyExists, "{error}");
        let error = read_to_string(std::env::current_exe().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
        // Writing to a file opened read-only: the background write's EBADF is reported
        // by flush.
        let mut file = File::open(tmp.join("f")).await.unwrap();
        file.write_all(b"no").await.unwrap();
        assert!(file.flush().await.is_err());
        assert!(file.flush().await.is_ok(), "reported once");
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "system-call wrappers: slow under Miri, and copy_file_range is not emulated"
)]
fn a_listing_longer_than_one_batch_lists_everything() {
    let tmp = TempDir::new("listing");
    for i in 0..100 {
        std::fs::write(tmp.join(&format!("{i:03}")), b"").unwrap();
    }
    let listed = run(names(&tmp.0));
    let expected: Vec<String> = (0..100).map(|i| format!("{i:03}")).collect();
    assert_eq!(listed, expected);
}

#[test]
#[should_panic(expected = "must be called inside a spindle runtime")]
fn fs_outside_a_runtime_panics_with_the_fix() {
    crate::park::block_on(read("/nonexistent"))
        .map(drop)
        .unwrap_or(());
}

/// A model check: 2,000 random reads, writes, seeks and flushes (sizes from 1 B to
/// 100 KiB, so reads straddle the read-ahead and writes the batch) on a `File` and on a
/// `Vec` with a cursor must agree at every step, and the file must equal the model.
#[test]
#[cfg_attr(
    miri,
    ignore = "system-call wrappers: slow under Miri, and copy_file_range is not emulated"
)]
fn random_operations_agree_with_a_model() {
    let tmp = TempDir::new("model");
    run(async {
        let path = tmp.join("model");
        let mut file = File::create_new(&path).await.unwrap();
        let (mut model, mut cursor) = (Vec::<u8>::new(), 0usize);
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for step in 0..2_000 {
            let len = match next() % 4 {
                0 => 1 + next() as usize % 16,
                1 => 1 + next() as usize % 4096,
                _ => 1 + next() as usize % 100_000,
            };
            match next() % 5 {
                0 | 1 => {
                    let data: Vec<u8> = (0..len).map(|i| (step + i) as u8).collect();
                    file.write_all(&data).await.unwrap();
                    if model.len() < cursor + len {
                        model.resize(cursor + len, 0);
                    }
                    model[cursor..cursor + len].copy_from_slice(&data);
                    cursor += len;
                }
                2 => {
                    let mut got = vec![0u8; len];
                    let n = file.read(&mut got).await.unwrap();
                    let want = model.len().saturating_sub(cursor).min(len);
                    // A read may return less than asked, never other bytes.
                    assert!(
                        n <= want && (n > 0 || want == 0),
                        "step {step}: read {n} of {want}"
                    );
                    assert_eq!(got[..n], model[cursor..cursor + n], "step {step}");
                    cursor += n;
                }
                3 => {
                    let target = next() as usize % (model.len() + 1);
                    let pos = match next() % 3 {
                        0 => SeekFrom::Start(target as u64),
                        1 => SeekFrom::Current(target as i64 - cursor as i64),
                        _ => SeekFrom::End(target as i64 - model.len() as i64),
                    };
                    assert_eq!(file.seek(pos).await.unwrap(), target as u64, "step {step}");
                    cursor = target;
                }
                _ => file.flush().await.unwrap(),
            }
        }
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), model);
    });
}

//! Files: spindle::fs beside tokio::fs, both multi-thread runtimes with 2 workers.
//!
//! | group | workload |
//! |---|---|
//! | `fs_small_writes` | 20,000 writes of 10 B to a new file, then flush (200 KB) |
//! | `fs_read_8k` | read a 1 MiB file to its end through an 8 KiB buffer |
//! | `fs_read_file` | `fs::read` of a 1 MiB file (one call) |
//!
//! spindle's `File` batches small operations into 64 KiB pool trips; tokio's makes one
//! trip per `poll_write` / `poll_read` (its buffer is per operation).
//!
//! Run: `cargo bench -p spindle-benches --bench fs`.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

const WORKERS: usize = 2;
const LINES: usize = 20_000;
const READ_SIZE: usize = 1 << 20;

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("spindle-bench-fs-{}-{name}", std::process::id()))
}

mod on_spindle {
    use super::*;
    use spindle::io::{AsyncReadExt, AsyncWriteExt};

    pub async fn small_writes(path: &Path) {
        let mut file = spindle::fs::File::create(path).await.unwrap();
        for i in 0..LINES {
            file.write_all(format!("{i:09}\n").as_bytes())
                .await
                .unwrap();
        }
        file.flush().await.unwrap();
    }

    pub async fn read_8k(path: &Path) -> usize {
        let mut file = spindle::fs::File::open(path).await.unwrap();
        let (mut buf, mut total) = ([0u8; 8192], 0);
        loop {
            match file.read(&mut buf).await.unwrap() {
                0 => return total,
                n => total += n,
            }
        }
    }

    pub async fn read_file(path: &Path) -> usize {
        spindle::fs::read(path).await.unwrap().len()
    }
}

mod on_tokio {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub async fn small_writes(path: &Path) {
        let mut file = tokio::fs::File::create(path).await.unwrap();
        for i in 0..LINES {
            file.write_all(format!("{i:09}\n").as_bytes())
                .await
                .unwrap();
        }
        file.flush().await.unwrap();
    }

    pub async fn read_8k(path: &Path) -> usize {
        let mut file = tokio::fs::File::open(path).await.unwrap();
        let (mut buf, mut total) = ([0u8; 8192], 0);
        loop {
            match file.read(&mut buf).await.unwrap() {
                0 => return total,
                n => total += n,
            }
        }
    }

    pub async fn read_file(path: &Path) -> usize {
        tokio::fs::read(path).await.unwrap().len()
    }
}

fn benches(c: &mut Criterion) {
    let s = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap();
    let t = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap();
    let (write_path, read_path) = (scratch("write"), scratch("read"));
    std::fs::write(&read_path, vec![b'x'; READ_SIZE]).unwrap();

    let mut g = c.benchmark_group("fs_small_writes");
    g.sample_size(10);
    g.bench_function("spindle", |b| {
        b.iter(|| s.block_on(on_spindle::small_writes(&write_path)))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| t.block_on(on_tokio::small_writes(&write_path)))
    });
    g.finish();
    assert_eq!(
        std::fs::metadata(&write_path).unwrap().len(),
        10 * LINES as u64
    );

    let mut g = c.benchmark_group("fs_read_8k");
    g.sample_size(10);
    g.bench_function("spindle", |b| {
        b.iter(|| assert_eq!(s.block_on(on_spindle::read_8k(&read_path)), READ_SIZE))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| assert_eq!(t.block_on(on_tokio::read_8k(&read_path)), READ_SIZE))
    });
    g.finish();

    let mut g = c.benchmark_group("fs_read_file");
    g.bench_function("spindle", |b| {
        b.iter(|| assert_eq!(s.block_on(on_spindle::read_file(&read_path)), READ_SIZE))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| assert_eq!(t.block_on(on_tokio::read_file(&read_path)), READ_SIZE))
    });
    g.finish();

    let _ = std::fs::remove_file(&write_path);
    let _ = std::fs::remove_file(&read_path);
}

criterion_group!(fs, benches);
criterion_main!(fs);

//! What zero-filling a read buffer costs: `AsyncRead::poll_read` into a buffer zeroed
//! first (what an adapter must do with fresh capacity, such as hyper's read buffer)
//! against `AsyncReadUninit::poll_read_uninit` into the same capacity as it is.
//!
//! One task on a current-thread runtime writes a 1 KiB message into one end of a Unix
//! stream pair and reads it from the other into a buffer of `capacity` bytes (8 KiB is
//! hyper's first read buffer; it grows its buffer as reads fill it). Per iteration: one
//! write and one read system call, plus, on the zero-fill side, a `capacity`-byte
//! memset. There is no competitor: the ratio is uninit/zero-fill.
//!
//! Run: `cargo bench -p spindle-benches --bench read_uninit`.

use std::future::poll_fn;
use std::pin::Pin;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use spindle::io::{AsyncRead, AsyncReadUninit, AsyncWriteExt};
use spindle::net::UnixStream;

const MESSAGE: usize = 1024;

async fn round_trips(iters: u64, capacity: usize, uninit: bool) -> std::time::Duration {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let message = vec![7u8; MESSAGE];
    let mut buf: Vec<u8> = Vec::with_capacity(capacity);
    let start = std::time::Instant::now();
    for _ in 0..iters {
        a.write_all(&message).await.unwrap();
        buf.clear();
        let n = if uninit {
            let spare = buf.spare_capacity_mut();
            poll_fn(|cx| Pin::new(&mut b).poll_read_uninit(cx, spare))
                .await
                .unwrap()
        } else {
            // The only sound way to hand fresh capacity to `poll_read`: initialise it.
            buf.resize(capacity, 0);
            poll_fn(|cx| Pin::new(&mut b).poll_read(cx, &mut buf))
                .await
                .unwrap()
        };
        assert_eq!(n, MESSAGE);
        // SAFETY: in the uninit case `poll_read_uninit` initialised the first `n` bytes;
        // in the zero-fill case all `capacity >= n` bytes are initialised.
        unsafe { buf.set_len(n) };
        std::hint::black_box(&buf);
    }
    start.elapsed()
}

fn benches(c: &mut Criterion) {
    let rt = spindle::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("read_uninit");
    for capacity in [8 << 10, 64 << 10] {
        for (name, uninit) in [("zero_fill", false), ("uninit", true)] {
            g.bench_with_input(BenchmarkId::new(name, capacity), &capacity, |b, &cap| {
                b.iter_custom(|iters| rt.block_on(round_trips(iters, cap, uninit)))
            });
        }
    }
    g.finish();
}

criterion_group!(read_uninit, benches);
criterion_main!(read_uninit);

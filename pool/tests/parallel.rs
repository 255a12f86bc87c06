//! `map`, `map_vec` and `for_each_chunk_mut`: order, coverage, and nesting.

use spindle_pool::ThreadPool;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn map_keeps_order() {
    let pool = ThreadPool::new(2).unwrap();
    let items: Vec<u64> = (0..10_007).collect();
    let out = pool.map(&items, |x| x * 3);
    assert_eq!(out, items.iter().map(|x| x * 3).collect::<Vec<_>>());
    assert!(pool.map(&[] as &[u8], |x| *x).is_empty());
    assert_eq!(pool.map(&[7], |x| x + 1), [8]);
}

#[test]
fn map_vec_keeps_order_and_moves_items() {
    let pool = ThreadPool::new(2).unwrap();
    for len in [0, 1, 2, 7, 8, 9, 1001] {
        let items: Vec<String> = (0..len).map(|i| i.to_string()).collect();
        let out = pool.map_vec(items, |s| s.len() + s.parse::<usize>().unwrap());
        let expected: Vec<usize> = (0..len).map(|i| i.to_string().len() + i).collect();
        assert_eq!(out, expected, "len = {len}");
    }
}

#[test]
fn for_each_chunk_mut_touches_every_element_once() {
    let pool = ThreadPool::new(2).unwrap();
    for (len, chunk) in [
        (0, 3),
        (1, 3),
        (10, 3),
        (1000, 1),
        (1000, 7),
        (1000, 1000),
        (999, 5000),
    ] {
        let mut data = vec![0u32; len];
        let calls = AtomicUsize::new(0);
        pool.for_each_chunk_mut(&mut data, chunk, |index, c| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert!(c.len() <= chunk && !c.is_empty());
            for (j, x) in c.iter_mut().enumerate() {
                *x += 1 + (index * chunk + j) as u32;
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), len.div_ceil(chunk));
        // Each element incremented exactly once, with its own chunk index.
        for (i, x) in data.iter().enumerate() {
            assert_eq!(*x, 1 + i as u32, "len {len} chunk {chunk} element {i}");
        }
    }
}

#[test]
#[should_panic(expected = "chunk_len must be at least 1")]
fn for_each_chunk_mut_rejects_zero_chunk_len() {
    let pool = ThreadPool::new(1).unwrap();
    pool.for_each_chunk_mut(&mut [1, 2, 3], 0, |_, _| {});
}

#[test]
fn map_inside_map_on_pool_of_1() {
    let pool = ThreadPool::new(1).unwrap();
    let rows: Vec<Vec<u32>> = (0..20).map(|r| (0..30).map(|c| r * c).collect()).collect();
    let sums = pool.map(&rows, |row| pool.map(row, |x| x + 1).iter().sum::<u32>());
    let expected: Vec<u32> = rows
        .iter()
        .map(|row| row.iter().map(|x| x + 1).sum())
        .collect();
    assert_eq!(sums, expected);
}
